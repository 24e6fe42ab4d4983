"""Appointment statuses, their allowed changes and history, and the IMS flag shown on a booking.

Nothing here changes a status by itself: every change is asked for by a person and recorded with who
and when. A status change is never edited or removed; a mistake is fixed by an undo, which is one
more recorded change pointing at the change it reverts.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


from frontdesk.domain.scheduling import DEFAULT_CANCELLATION_NOTICE, is_late_cancellation, require_aware
from frontdesk.domain.level_looks import LOOKS
from frontdesk.domain.screening import Level

DEFAULT_RESCREEN_MONTHS = 12

#: A booking cancelled this soon after it was made was a mistake put right at the desk (an undo),
#: never a late cancellation, however close the appointment is.
MISTAKE_WINDOW = timedelta(minutes=15)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_live(self) -> bool:
        """True when the appointment still holds its time slot (cancelled and no-show ones do not)."""
        return self in LIVE_STATUSES

    @property
    def is_final(self) -> bool:
        """True when no further change is possible except an undo."""
        return not _ALLOWED[self]


#: The statuses that hold a time slot (`AppointmentStatus.is_live`): for code that tests many at once.
LIVE_STATUSES = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED})


_STATUS_LABELS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.ARRIVED: "Arrived",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.NO_SHOW: "No-show",
}

_STATUS_PHRASES = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "marked as arrived",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "marked as a no-show",
}

_ALLOWED: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.ARRIVED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}
    ),
    # A patient who checked in but left before being seen is recorded as a no-show.
    AppointmentStatus.ARRIVED: frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
}


def allowed_next(current: AppointmentStatus) -> frozenset[AppointmentStatus]:
    """The statuses a person may move to from ``current`` (an undo aside); drives the action buttons."""
    return _ALLOWED[current]


class TransitionProblemKind(StrEnum):
    SAME_STATUS = "same_status"
    NOT_ALLOWED = "not_allowed"
    REASON_REQUIRED = "reason_required"
    NOT_STARTED = "not_started"
    NOTHING_TO_UNDO = "nothing_to_undo"


@dataclass(frozen=True)
class TransitionProblem:
    kind: TransitionProblemKind
    message: str


class TransitionError(Exception):
    """A status change that is not allowed; ``str()`` is the plain message for the person."""

    def __init__(self, problems: Sequence[TransitionProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(p.message for p in self.problems))


def _not_allowed_message(current: AppointmentStatus, new: AppointmentStatus) -> str:
    if current.is_final:
        return f"This appointment is {_STATUS_PHRASES[current]}. If that was a mistake, use Undo."
    if new is AppointmentStatus.BOOKED:
        return "To go back to booked, use Undo."
    if current is AppointmentStatus.BOOKED and new is AppointmentStatus.COMPLETED:
        return "Mark the patient as arrived before completing the appointment."
    if current is AppointmentStatus.ARRIVED and new is AppointmentStatus.CANCELLED:
        return (
            "The patient has already arrived, so the appointment cannot be cancelled. "
            "If the arrival was recorded by mistake, use Undo."
        )
    return f"An appointment that is {_STATUS_PHRASES[current]} cannot be {_STATUS_PHRASES[new]}."


def check_transition(
    current: AppointmentStatus,
    new: AppointmentStatus,
    *,
    reason: str = "",
    now: datetime,
    start: datetime,
) -> list[TransitionProblem]:
    """Every reason the change from ``current`` to ``new`` is refused; empty when it is allowed.

    A cancellation needs a reason. A no-show can be recorded only from the appointment's start time
    on (until then the patient may still come). Arrival and completion are not tied to the clock:
    patients come early and staff record late.
    """
    require_aware(now, "now")
    require_aware(start, "start")
    if new is current:
        return [TransitionProblem(
            TransitionProblemKind.SAME_STATUS,
            f"The appointment is already {_STATUS_PHRASES[current]}.",
        )]
    if new not in _ALLOWED[current]:
        return [TransitionProblem(TransitionProblemKind.NOT_ALLOWED, _not_allowed_message(current, new))]
    problems = []
    if new is AppointmentStatus.CANCELLED and not reason.strip():
        problems.append(TransitionProblem(
            TransitionProblemKind.REASON_REQUIRED, "Please give a reason for the cancellation.",
        ))
    if new is AppointmentStatus.NO_SHOW and now.astimezone(UTC) < start.astimezone(UTC):
        problems.append(TransitionProblem(
            TransitionProblemKind.NOT_STARTED,
            "A no-show can be recorded only once the appointment's start time has passed.",
        ))
    return problems


@dataclass(frozen=True)
class StatusChange:
    """One entry of an appointment's history.

    The first entry of every history is the booking itself (``booked``). ``late`` marks a
    cancellation made within the notice period. ``undo_of`` is the index, in the same history, of the
    change this entry reverts; ``status`` is then the status restored.
    """

    status: AppointmentStatus
    at: datetime
    by_user: int
    reason: str = ""
    late: bool = False
    undo_of: int | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


def booking_entry(*, by_user: int, now: datetime) -> StatusChange:
    """The first history entry of a new appointment."""
    return StatusChange(AppointmentStatus.BOOKED, now, by_user)


def _effective_stack(history: Sequence[StatusChange]) -> list[int]:
    """Indices of the changes still in force, oldest first; an undo removes the one it reverts."""
    if not history or history[0].status is not AppointmentStatus.BOOKED or history[0].undo_of is not None:
        raise ValueError("an appointment's history must start with its booking")
    stack: list[int] = []
    for index, change in enumerate(history):
        if change.undo_of is None:
            stack.append(index)
            continue
        if len(stack) < 2 or stack[-1] != change.undo_of:
            raise ValueError(f"history entry {index} undoes {change.undo_of}, which is not the last change")
        stack.pop()
        if history[stack[-1]].status is not change.status:
            raise ValueError(f"history entry {index} restores the wrong status")
    return stack


def current_status(history: Sequence[StatusChange]) -> AppointmentStatus:
    return history[_effective_stack(history)[-1]].status


def change_status(
    history: Sequence[StatusChange],
    new: AppointmentStatus,
    *,
    by_user: int,
    now: datetime,
    start: datetime,
    reason: str = "",
    notice: timedelta = DEFAULT_CANCELLATION_NOTICE,
    booked_at: datetime | None = None,
) -> StatusChange:
    """The history entry recording a change to ``new``; raises :class:`TransitionError` if refused.

    A cancellation within `MISTAKE_WINDOW` of ``booked_at`` (the booking undone at once) is not late.
    """
    problems = check_transition(current_status(history), new, reason=reason, now=now, start=start)
    if problems:
        raise TransitionError(problems)
    late = new is AppointmentStatus.CANCELLED and is_late_cancellation(start, now, notice)
    if late and booked_at is not None:
        require_aware(booked_at, "booked_at")
        late = not timedelta(0) <= now - booked_at < MISTAKE_WINDOW
    return StatusChange(new, now, by_user, reason.strip(), late=late)


def undo_target(history: Sequence[StatusChange]) -> tuple[int, AppointmentStatus] | None:
    """The index of the change an undo would revert and the status it would restore, or None."""
    stack = _effective_stack(history)
    if len(stack) < 2:
        return None
    return stack[-1], history[stack[-2]].status


def undo_last_change(
    history: Sequence[StatusChange],
    *,
    by_user: int,
    now: datetime,
    reason: str = "",
) -> StatusChange:
    """The history entry reverting the latest change still in force.

    Undos stack: a second undo reverts the change before that, back to the booking, which cannot be
    undone (cancel instead). When the restored status holds the slot again (an undone cancellation),
    the caller must check that the slot is still free before saving.
    """
    target = undo_target(history)
    if target is None:
        raise TransitionError([TransitionProblem(
            TransitionProblemKind.NOTHING_TO_UNDO,
            "There is no status change to undo. To remove a booking, cancel it.",
        )])
    index, restored = target
    return StatusChange(restored, now, by_user, reason.strip(), undo_of=index)


class ImsFlag(StrEnum):
    """What the front desk and the physiotherapist see about IMS on an appointment."""

    NONE = "none"
    ELIGIBLE = "eligible"
    REVIEW_PENDING = "review_pending"
    STALE_SCREENING = "stale_screening"
    NOT_ELIGIBLE = "not_eligible"
    NOT_YET = "not_yet"
    NO_SCREENING = "no_screening"

    @property
    def label(self) -> str:
        return _IMS_LABELS[self][0]

    @property
    def short(self) -> str:
        """The few characters shown on an appointment block; empty for a non-IMS appointment."""
        return _IMS_LABELS[self][1]

    @property
    def needs_attention(self) -> bool:
        """True when IMS cannot go ahead as booked (the day view and day sheet highlight these)."""
        return self not in (ImsFlag.NONE, ImsFlag.ELIGIBLE)

    @classmethod
    def for_screening(cls, level: Level | None, stale: bool) -> ImsFlag:
        """The flag of an IMS appointment from the patient's screening judged for its day: `level`
        with the physiotherapist's decision applied (None: no screening on file). An out-of-date
        screening is flagged as such whatever it said."""
        if level is None:
            return cls.NO_SCREENING
        if stale:
            return cls.STALE_SCREENING
        return _LEVEL_FLAGS[level]


# The flags that are screening levels carry that level's sign (domain.level_looks), as on the verdict
# panel and the printouts; the other two are about the screening itself, not a level.
_IMS_LABELS = {
    ImsFlag.NONE: ("Not an IMS appointment", ""),
    ImsFlag.ELIGIBLE: ("Screened: IMS may go ahead", LOOKS[Level.ELIGIBLE].text("IMS")),
    ImsFlag.REVIEW_PENDING: ("Waiting for a physiotherapist's review", LOOKS[Level.REVIEW].text("Review")),
    ImsFlag.STALE_SCREENING: ("Screening out of date: screen again", "Stale"),
    ImsFlag.NOT_ELIGIBLE: ("Not eligible for IMS", LOOKS[Level.NOT_ELIGIBLE].text("Not eligible")),
    ImsFlag.NOT_YET: ("Not eligible for IMS yet", LOOKS[Level.NOT_YET].text("Not yet")),
    ImsFlag.NO_SCREENING: ("Not screened for IMS", "No screening"),
}

_LEVEL_FLAGS = {
    Level.ELIGIBLE: ImsFlag.ELIGIBLE,
    Level.REVIEW: ImsFlag.REVIEW_PENDING,
    Level.NOT_YET: ImsFlag.NOT_YET,
    Level.NOT_ELIGIBLE: ImsFlag.NOT_ELIGIBLE,
}


def screening_valid_until(screened_on: date, interval_months: int = DEFAULT_RESCREEN_MONTHS) -> date:
    """The last day a screening is current: the same day ``interval_months`` later.

    A day that does not exist in the target month falls back to the month's last day
    (screened 29 February -> valid until 28 February).
    """
    if interval_months < 1:
        raise ValueError("the re-screen interval must be at least one month")
    months = screened_on.month - 1 + interval_months
    year, month = screened_on.year + months // 12, months % 12 + 1
    return date(year, month, min(screened_on.day, monthrange(year, month)[1]))


def is_screening_stale(
    screened_on: date,
    on: date,
    interval_months: int = DEFAULT_RESCREEN_MONTHS,
) -> bool:
    """True when the screening is older than the re-screen interval on ``on``.

    A screening is still current on its anniversary date and stale from the day after.
    """
    return on > screening_valid_until(screened_on, interval_months)
