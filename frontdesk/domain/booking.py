"""Every rule of booking one appointment, as one function: `booking_problems`.

Booking, checking a booking in the dialog, moving an appointment, planning and booking a series and
offering a freed slot to the waitlist all ask it, so the rules run in one order with one wording:

1. the area: an IMS treatment needs one, and an area must be one the clinic knows;
2. IMS needs an IMS-qualified physiotherapist;
3. IMS needs the patient's screening to allow the area on that day;
4. IMS closer to another of the patient's IMS treatments than the clinic's interval needs a reason;
5. the time has not passed;
6. the physiotherapist is not away, and works then;
7. the physiotherapist has no other appointment then;
8. the patient has no other appointment then.

The service reads the facts (`BookingFacts`) in its transaction; the function reads nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims_interval import ims_too_close, too_close_text
from frontdesk.domain.when import format_day, format_time_range
from frontdesk.domain.scheduling import (
    CLINIC_ZONE,
    Busy,
    Interval,
    TherapistAvailability,
    merge_intervals,
    require_aware,
    working_intervals,
)


class ProblemKind(StrEnum):
    AREA = "area"
    NOT_IMS_QUALIFIED = "not_ims_qualified"
    IMS_SCREENING = "ims_screening"
    IMS_TOO_CLOSE = "ims_too_close"
    IN_PAST = "in_past"
    OUTSIDE_HOURS = "outside_hours"
    TIME_OFF = "time_off"
    THERAPIST_BUSY = "therapist_busy"
    PATIENT_BUSY = "patient_busy"

    @property
    def is_taken(self) -> bool:
        """Someone else holds the time: the slot may have been free a moment ago."""
        return self in (ProblemKind.THERAPIST_BUSY, ProblemKind.PATIENT_BUSY)

    @property
    def is_ims(self) -> bool:
        """IMS may not be booked with this physiotherapist or for this patient on that day."""
        return self in (ProblemKind.NOT_IMS_QUALIFIED, ProblemKind.IMS_SCREENING)


@dataclass(frozen=True)
class BookingProblem:
    """One reason a booking cannot be made as asked. ``first_allowed`` (IMS screening only) is the
    first day the screening allows IMS, when time alone ends the block."""

    kind: ProblemKind
    message: str
    first_allowed: date | None = None


class ImsAnswer(Protocol):
    """What the patient's screening says of IMS of one area on one day."""

    @property
    def allowed(self) -> bool: ...

    @property
    def reasons(self) -> Sequence[str]: ...

    @property
    def first_allowed(self) -> date | None: ...


@dataclass(frozen=True)
class ScreeningAnswer:
    allowed: bool
    reasons: Sequence[str] = ()
    first_allowed: date | None = None


@dataclass(frozen=True)
class BookingFacts:
    """What decides one booking.

    ``therapist`` holds the physiotherapist's hours, time off, extra hours and live appointments
    around the slot; ``patient_busy`` the patient's live appointments around it. For IMS,
    ``screening`` is the screening's answer for the area on that day (None when it was not asked:
    no valid area), ``ims_days`` the days of the patient's other live IMS treatments near it, and
    ``ims_interval_days`` the clinic's interval (0: the interval is not judged, as when planning a
    series). ``interval_reason`` lets an IMS treatment closer than the interval be booked.
    ``ignore_appointment`` is the appointment being moved: it holds no time against itself (leave
    its day out of ``ims_days`` too).
    """

    interval: Interval
    therapist: TherapistAvailability
    patient_busy: Sequence[Interval | Busy] = ()
    is_ims: bool = False
    area: str = ""
    therapist_ims_qualified: bool = True
    screening: ImsAnswer | None = None
    ims_days: Sequence[date] = ()
    ims_interval_days: int = 0
    interval_reason: str = ""
    ignore_appointment: int | None = None


def first_allowed(problems: Iterable[BookingProblem]) -> date | None:
    """The first day IMS could be booked, when the screening's block ends with time alone."""
    return next((p.first_allowed for p in problems if p.first_allowed is not None), None)


def area_problem(area: str, is_ims: bool) -> str | None:
    """Rule 1: an area must be one the clinic knows, and IMS needs one."""
    if area:
        try:
            BodyArea.parse(area)
        except ValueError:
            return "Choose the area to be treated from the list."
    elif is_ims:
        return "Choose the area to be treated with IMS; the screening is checked for that area."
    return None


def ims_refusals(on: date, *, therapist_name: str, qualified: bool,
                 screening: ImsAnswer | None) -> list[BookingProblem]:
    """Rules 2 and 3 for IMS on ``on``: the physiotherapist's qualification, the patient's screening."""
    problems = []
    if not qualified:
        problems.append(BookingProblem(ProblemKind.NOT_IMS_QUALIFIED, (
            f"{therapist_name} is not IMS-qualified; choose an IMS-qualified physiotherapist or a "
            "physiotherapy appointment.")))
    if screening is not None and not screening.allowed:
        later = screening.first_allowed if screening.first_allowed is not None and screening.first_allowed > on \
            else None
        reasons = list(screening.reasons) or ["The patient's screening does not allow IMS on this date."]
        problems.extend(BookingProblem(ProblemKind.IMS_SCREENING, text, later) for text in reasons)
    return problems


def interval_problem(facts: BookingFacts, zone: ZoneInfo = CLINIC_ZONE) -> BookingProblem | None:
    """Rule 4: IMS closer to the patient's other IMS than the clinic's interval needs a reason."""
    if not facts.is_ims or facts.ims_interval_days <= 0 or facts.interval_reason.strip():
        return None
    on = facts.interval.start.astimezone(zone).date()
    found = ims_too_close(on, facts.ims_days, facts.ims_interval_days)
    if not found:
        return None
    return BookingProblem(ProblemKind.IMS_TOO_CLOSE, too_close_text(found, facts.ims_interval_days, format_day))


def booking_problems(facts: BookingFacts, *, zone: ZoneInfo = CLINIC_ZONE,
                     now: datetime | None = None) -> list[BookingProblem]:
    """Every reason the booking cannot be made, in the order of the module's list; empty: it can.

    ``now`` enables the in-the-past rule (left out when only the free time matters)."""
    problems: list[BookingProblem] = []
    area = area_problem(facts.area, facts.is_ims)
    if area is not None:
        problems.append(BookingProblem(ProblemKind.AREA, area))
    if facts.is_ims:
        problems.extend(ims_refusals(facts.interval.start.astimezone(zone).date(),
                                     therapist_name=facts.therapist.display_name,
                                     qualified=facts.therapist_ims_qualified, screening=facts.screening))
    too_close = interval_problem(facts, zone)
    if too_close is not None:
        problems.append(too_close)
    problems.extend(check_slot(facts.interval, facts.therapist, facts.patient_busy, zone=zone, now=now,
                               ignore_appointment=facts.ignore_appointment))
    return problems


def _local_dates(interval: Interval, zone: ZoneInfo) -> list[date]:
    first = interval.start.astimezone(zone).date()
    last = (interval.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _hours_text(intervals: Sequence[Interval], zone: ZoneInfo) -> str:
    parts = [format_time_range(iv, zone) for iv in intervals]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def check_slot(
    interval: Interval,
    availability: TherapistAvailability,
    patient_busy: Iterable[Interval | Busy] = (),
    *,
    zone: ZoneInfo = CLINIC_ZONE,
    now: datetime | None = None,
    ignore_appointment: int | None = None,
) -> list[BookingProblem]:
    """Rules 5 to 8, the time itself: every reason the slot cannot be booked with this therapist.

    ``now`` enables the in-the-past check. ``ignore_appointment`` leaves out the appointment being
    rescheduled from both busy lists.
    """
    problems: list[BookingProblem] = []
    who = availability.display_name
    if now is not None:
        require_aware(now, "now")
        if interval.start < now:
            problems.append(BookingProblem(ProblemKind.IN_PAST, "This time has already passed."))

    days = _local_dates(interval, zone)
    bookable = merge_intervals(iv for d in days for iv in availability.working_intervals(d, zone))
    if not any(iv.contains(interval) for iv in bookable):
        away = [t for t in availability.time_off if t.interval.overlaps(interval)]
        for t in away:
            reason = f" ({t.reason})" if t.reason.strip() else ""
            problems.append(BookingProblem(
                ProblemKind.TIME_OFF, f"{who} is away at this time{reason}.",
            ))
        without_time_off = merge_intervals(
            iv for d in days
            for iv in working_intervals(d, zone, availability.blocks, availability.extra_hours)
        )
        if not any(iv.contains(interval) for iv in without_time_off):
            hours = [iv for iv in without_time_off if _local_dates(iv, zone)[0] == days[0]]
            if hours:
                text = f"{who} works {_hours_text(hours, zone)} on {format_day(days[0])}."
            else:
                text = f"{who} does not work on {format_day(days[0])}."
            problems.append(BookingProblem(ProblemKind.OUTSIDE_HOURS, f"Outside working hours: {text}"))

    for busy in sorted(availability.busy_overlapping(interval), key=lambda b: b.interval):
        if ignore_appointment is not None and busy.appointment_id == ignore_appointment:
            continue
        problems.append(BookingProblem(
            ProblemKind.THERAPIST_BUSY,
            f"{busy.label or who} already has an appointment {format_time_range(busy.interval, zone)}.",
        ))
    for busy in sorted((b if isinstance(b, Busy) else Busy(b) for b in patient_busy),
                       key=lambda b: (b.interval.start, b.interval.end)):
        if not busy.interval.overlaps(interval):
            continue
        if ignore_appointment is not None and busy.appointment_id == ignore_appointment:
            continue
        problems.append(BookingProblem(
            ProblemKind.PATIENT_BUSY,
            f"{busy.label or 'The patient'} already has an appointment "
            f"{format_time_range(busy.interval, zone)}.",
        ))
    return problems
