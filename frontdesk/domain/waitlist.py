"""The waitlist: patients waiting for an earlier slot, and which of them fit a slot that just freed.

A freed slot (a cancellation, a no-show, a moved booking, new extra hours) is offered to the waiting
patients that fit it under every booking rule, the one function `booking.booking_problems` (the
physiotherapist's working hours and time off, the patient's own other bookings, the physiotherapist
being IMS-qualified, the area's IMS screening on that day as judged by the caller, the interval
between IMS treatments), plus what the patient asked for: the physiotherapists acceptable, the days
and the part of the day that suit, the earliest date. The best come first:
the higher priority, then the longer wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from frontdesk.domain.booking import BookingFacts, ScreeningAnswer, area_problem, booking_problems, check_slot
from frontdesk.domain.scheduling import (
    CLINIC_ZONE,
    Busy,
    Interval,
    PartOfDay,
    TherapistAvailability,
    next_grid_time,
)
from frontdesk.domain.when import SHORT_WEEKDAYS, plural


class WaitState(StrEnum):
    WAITING = "waiting"
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"waiting": "Waiting", "booked": "Booked", "withdrawn": "Withdrawn"}[self.value]


class Priority(IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return {1: "Low", 2: "Normal", 3: "High"}[int(self)]


@dataclass(frozen=True)
class WaitEntry:
    """What matching needs of one waitlist entry. Empty ``therapist_ids`` or ``weekdays`` mean any."""

    id: int
    patient_id: int
    type_id: int
    area: str
    therapist_ids: frozenset[int]
    weekdays: frozenset[int]
    part_of_day: PartOfDay
    earliest: date
    priority: Priority
    added_at: datetime
    state: WaitState = WaitState.WAITING


@dataclass(frozen=True)
class SlotType:
    """An appointment type as matching sees it."""

    duration: timedelta
    is_ims: bool


@dataclass(frozen=True)
class FreeTime:
    """A freed stretch of one physiotherapist's time; a patient is offered its start."""

    therapist_id: int
    interval: Interval


@dataclass(frozen=True)
class Match:
    entry: WaitEntry
    interval: Interval


def waiting_days(added_at: datetime, today: date, zone: ZoneInfo = CLINIC_ZONE) -> int:
    return max(0, (today - added_at.astimezone(zone).date()).days)


def waiting_text(added_at: datetime, today: date, zone: ZoneInfo = CLINIC_ZONE) -> str:
    """``waiting 12 days``, ``waiting 1 day``, ``added today``."""
    days = waiting_days(added_at, today, zone)
    if days == 0:
        return "added today"
    return f"waiting {plural(days, 'day')}"


def days_text(weekdays: Iterable[int]) -> str:
    chosen = sorted(set(weekdays))
    if not chosen or len(chosen) == 7:
        return "Any day"
    if chosen == [0, 1, 2, 3, 4]:
        return "Weekdays"
    return ", ".join(SHORT_WEEKDAYS[d] for d in chosen)


def best_first(entries: Iterable[WaitEntry]) -> list[WaitEntry]:
    """Higher priority first, then the one waiting longest, then the older entry."""
    return sorted(entries, key=lambda e: (-int(e.priority), e.added_at, e.id))


def match_free_time(
    free: FreeTime,
    entries: Sequence[WaitEntry],
    *,
    types: Mapping[int, SlotType],
    availability: TherapistAvailability,
    therapist_ims_qualified: bool,
    patient_busy: Mapping[int, Sequence[Busy]],
    ims_ok: Callable[[int, str, date], bool],
    ims_days: Callable[[int], Sequence[date]],
    ims_interval_days: int,
    now: datetime | None = None,
    zone: ZoneInfo = CLINIC_ZONE,
    limit: int | None = None,
    step: timedelta | None = None,
) -> list[Match]:
    """The waiting entries that may be booked at the start of ``free``, best first (at most ``limit``).

    ``availability`` is the physiotherapist's hours, time off and live appointments (the freed one no
    longer among them); ``patient_busy`` each patient's live appointments near the slot;
    ``ims_ok(patient, area, day)`` whether the patient's screening allows IMS of the area that day
    (`ims.ims_status(...).allowed`); ``ims_days(patient)`` their days with live IMS near the slot.
    The two IMS questions are asked last, in best-first order, and not at all once ``limit`` entries
    fit: the caller may answer them lazily. With ``step`` (the clinic's slot grid), a freed stretch
    longer than a visit (new extra hours, say) offers each entry its first start on the grid where
    everything fits; without it, only the start of the stretch.
    """
    start = free.interval.start
    local = start.astimezone(zone)
    day, weekday = local.date(), local.weekday()
    starts = [start]
    if step is not None and step > timedelta(0):
        t = next_grid_time(start + step, zone, step)
        while t < free.interval.end:
            starts.append(t)
            t = next_grid_time(t + step, zone, step)
    # The physiotherapist's side (hours, time off, other bookings, the past) is the same for every
    # entry of one length: asked once per length and start.
    slots: dict[int, list[Interval]] = {}
    for type_id, kind in types.items():
        slots[type_id] = [
            Interval(t, t + kind.duration) for t in starts
            if t + kind.duration <= free.interval.end
            and not check_slot(Interval(t, t + kind.duration), availability, zone=zone, now=now)
        ]
    parts_at = {t: {part for part in PartOfDay if part.accepts(t, zone)} for t in starts}
    matches: list[Match] = []
    for entry in best_first(entries):
        if entry.state is not WaitState.WAITING or day < entry.earliest:
            continue
        if (entry.therapist_ids and free.therapist_id not in entry.therapist_ids) or \
                (entry.weekdays and weekday not in entry.weekdays):
            continue
        own = patient_busy.get(entry.patient_id, ())
        # The first start that suits the patient and where neither of them is busy (a quick look; the
        # booking rules below judge it again, with everything else).
        interval = next((iv for iv in slots.get(entry.type_id, ()) if entry.part_of_day in parts_at[iv.start]
                         and not any(busy.interval.overlaps(iv) for busy in own)), None)
        if interval is None:
            continue
        is_ims = types[entry.type_id].is_ims
        screening = None
        if is_ims and therapist_ims_qualified and area_problem(entry.area, True) is None:
            screening = ScreeningAnswer(ims_ok(entry.patient_id, entry.area, day))
        facts = BookingFacts(interval, availability, own, is_ims=is_ims, area=entry.area,
                             therapist_ims_qualified=therapist_ims_qualified, screening=screening,
                             ims_days=ims_days(entry.patient_id) if screening is not None else (),
                             ims_interval_days=ims_interval_days if is_ims else 0)
        if booking_problems(facts, zone=zone, now=now):
            continue
        matches.append(Match(entry, interval))
        if limit is not None and len(matches) >= limit:
            break
    return matches
