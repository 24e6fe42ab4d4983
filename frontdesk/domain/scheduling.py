"""Therapist schedules: working hours, time off, conflicts and free slots.

Every instant is a timezone-aware ``datetime``. An :class:`Interval` stores its ends in UTC so that
comparisons and arithmetic are in real elapsed time (Python compares and subtracts two datetimes that
share a ``tzinfo`` by their wall clocks, which is wrong across a daylight-saving change). Working hours
are wall-clock times in the clinic's zone: a 9:00 block is at 9:00 local on every day of the year.

Local times that do not exist or occur twice (the daylight-saving changes, at 2:00 in Vancouver) are
resolved by :func:`local_instant`: a time in the spring-forward gap moves forward by the length of the
gap (2:30 becomes 3:30), and a time in the repeated autumn hour means its first occurrence.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import accumulate, islice
from typing import cast
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


CLINIC_ZONE = ZoneInfo("America/Vancouver")
DEFAULT_CANCELLATION_NOTICE = timedelta(hours=24)


def require_aware(value: datetime, what: str) -> None:
    """Refuse a naive datetime: every instant in the domain carries its time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")


def local_instant(day: date, wall: time, zone: ZoneInfo = CLINIC_ZONE) -> datetime:
    """The instant (in UTC) at which clocks in ``zone`` show ``wall`` on ``day``.

    A wall time in the spring-forward gap moves forward by the gap (2:30 -> 3:30); a wall time in the
    repeated autumn hour is its first occurrence. This is the PEP 495 reading of ``fold=0``.
    """
    if wall.tzinfo is not None or wall.fold:
        wall = wall.replace(tzinfo=None, fold=0)
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return local_instant(day, time(0), zone)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open stretch of time ``[start, end)``; the ends are stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is not UTC:
                require_aware(value, name)
                object.__setattr__(self, name, value.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(f"an interval must end after it starts: {self.start} .. {self.end}")

    @classmethod
    def lasting(cls, start: datetime, duration: timedelta) -> Interval:
        """From ``start`` for ``duration`` of real time. Adding a timedelta to a zoned datetime counts
        wall-clock time instead, which on the night the clocks go back can end before it starts."""
        require_aware(start, "start")
        begins = start.astimezone(UTC)
        return cls(begins, begins + duration)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """True when the two share some time; intervals that only touch (9:00-9:30, 9:30-10:00) do not."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval | datetime) -> bool:
        if isinstance(other, Interval):
            return self.start <= other.start and other.end <= self.end
        require_aware(other, "instant")
        return self.start <= other < self.end

    def local(self, zone: ZoneInfo = CLINIC_ZONE) -> tuple[datetime, datetime]:
        """The two ends as wall-clock datetimes in ``zone`` (for display)."""
        return self.start.astimezone(zone), self.end.astimezone(zone)


@dataclass(frozen=True)
class WorkingBlock:
    """Weekly working hours: ``weekday`` 0 = Monday; a day may have several blocks (breaks are the gaps)."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times without a time zone")
        if self.end <= self.start:
            raise ValueError("a working block must end after it starts on the same day")


@dataclass(frozen=True)
class TimeOff:
    """Time away (whole or part days) with the reason the admin entered."""

    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        Interval(self.start, self.end)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class ExtraHours:
    """One-off hours on top of the weekly pattern."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        Interval(self.start, self.end)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class Busy:
    """Time already taken by a live appointment.

    ``label`` names who is busy (used in messages); ``appointment_id`` lets a reschedule ignore the
    appointment being moved.
    """

    interval: Interval
    label: str = ""
    appointment_id: int | None = None


def _as_busy(items: Iterable[Interval | Busy]) -> tuple[Busy, ...]:
    result = [item if isinstance(item, Busy) else Busy(item) for item in items]
    result.sort(key=lambda b: (b.interval.start, b.interval.end))
    return tuple(result)


class _BusyIndex:
    """Busy intervals sorted by start, with a running maximum of their ends.

    The running maximum answers "does anything that started before t still run at t?" in O(1), so both
    the overlap test and the free time of a window cost one bisect plus the intervals inside it.
    """

    __slots__ = ("ends", "items", "max_end", "starts")

    def __init__(self, items: tuple[Busy, ...]) -> None:
        self.items = items
        self.starts = [b.interval.start for b in items]
        self.ends = [b.interval.end for b in items]
        self.max_end = list(accumulate(self.ends, max))

    def overlapping(self, window: Interval) -> Iterator[Busy]:
        stop = bisect_left(self.starts, window.end)
        for i in range(stop - 1, -1, -1):
            if self.max_end[i] <= window.start:
                break
            if self.ends[i] > window.start:
                yield self.items[i]

    def free_parts(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        i = bisect_left(self.starts, start)
        cursor = start
        if i and self.max_end[i - 1] > cursor:
            cursor = self.max_end[i - 1]
        starts, ends, n = self.starts, self.ends, len(self.starts)
        while i < n and starts[i] < end:
            if starts[i] > cursor:
                yield cursor, starts[i]
            if ends[i] > cursor:
                cursor = ends[i]
            i += 1
        if cursor < end:
            yield cursor, end


@dataclass(frozen=True)
class TherapistAvailability:
    """Everything that decides when one therapist can be booked.

    ``busy`` holds the therapist's live appointments only (cancelled and no-show ones free the slot);
    it is kept as :class:`Busy` entries sorted by start. ``name`` is used in the messages for the
    receptionist.
    """

    therapist_id: int
    blocks: Sequence[WorkingBlock] = ()
    time_off: Sequence[TimeOff] = ()
    extra_hours: Sequence[ExtraHours] = ()
    busy: Sequence[Interval | Busy] = ()
    name: str = ""
    _busy_index: _BusyIndex = field(init=False, repr=False, compare=False)
    _weekly: tuple[list[WorkingBlock], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))
        object.__setattr__(self, "_weekly", _blocks_by_weekday(self.blocks))
        object.__setattr__(self, "time_off", tuple(self.time_off))
        object.__setattr__(self, "extra_hours", tuple(self.extra_hours))
        busy = _as_busy(self.busy)
        object.__setattr__(self, "busy", busy)
        object.__setattr__(self, "_busy_index", _BusyIndex(busy))

    @property
    def busy_times(self) -> tuple[Busy, ...]:
        """`busy` as `__post_init__` keeps it: sorted `Busy` entries."""
        return cast("tuple[Busy, ...]", self.busy)

    @property
    def display_name(self) -> str:
        return self.name or "This physiotherapist"

    def working_intervals(self, day: date, zone: ZoneInfo = CLINIC_ZONE) -> list[Interval]:
        return _day_hours(day, zone, self._weekly[day.weekday()], self.extra_hours, self.time_off)

    def busy_overlapping(self, window: Interval) -> Iterator[Busy]:
        """The therapist's appointments that overlap ``window`` (latest start first)."""
        return self._busy_index.overlapping(window)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union; overlapping or touching intervals become one."""
    merged: list[Interval] = []
    for iv in sorted(intervals):
        if merged and iv.start <= merged[-1].end:
            if iv.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, iv.end)
        else:
            merged.append(iv)
    return merged


def subtract_intervals(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """The parts of ``base`` not covered by any of ``remove`` (sorted, merged)."""
    index = _BusyIndex(_as_busy(remove))
    return [
        Interval(start, end)
        for iv in merge_intervals(base)
        for start, end in index.free_parts(iv.start, iv.end)
    ]


def _clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    return [
        Interval(max(iv.start, window.start), min(iv.end, window.end))
        for iv in intervals
        if iv.overlaps(window)
    ]


def _blocks_by_weekday(blocks: Iterable[WorkingBlock]) -> tuple[list[WorkingBlock], ...]:
    by_day: tuple[list[WorkingBlock], ...] = tuple([] for _ in range(7))
    for block in blocks:
        by_day[block.weekday].append(block)
    return by_day


def _day_hours(
    day: date,
    zone: ZoneInfo,
    blocks: Sequence[WorkingBlock],
    extra_hours: Sequence[ExtraHours],
    time_off: Sequence[TimeOff],
) -> list[Interval]:
    hours = []
    for block in blocks:
        start, end = local_instant(day, block.start, zone), local_instant(day, block.end, zone)
        if start < end:  # a block lying wholly in the spring-forward gap is empty
            hours.append(Interval(start, end))
    if not time_off and not extra_hours:
        return merge_intervals(hours) if len(hours) > 1 else hours
    today = Interval(_start_of_day(day, zone), _start_of_day(day + timedelta(days=1), zone))
    away = [t.interval for t in time_off if t.start < today.end and t.end > today.start]
    extra = _clip((e.interval for e in extra_hours), today)
    return merge_intervals([*subtract_intervals(hours, away), *extra])


def working_intervals(
    day: date,
    zone: ZoneInfo = CLINIC_ZONE,
    blocks: Iterable[WorkingBlock] = (),
    extra_hours: Iterable[ExtraHours] = (),
    time_off: Iterable[TimeOff] = (),
) -> list[Interval]:
    """The bookable hours of one local day: weekly blocks minus time off, plus extra hours.

    Extra hours are added after time off is taken away, so a one-off shift entered inside a holiday
    counts. The result is sorted, merged (touching blocks join) and lies within the local day.
    """
    todays_blocks = [b for b in blocks if b.weekday == day.weekday()]
    return _day_hours(day, zone, todays_blocks, tuple(extra_hours), tuple(time_off))


class PartOfDay(StrEnum):
    """Filter for "find next available", by the slot's local start time (noon is afternoon)."""

    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"

    @property
    def label(self) -> str:
        return {"any": "Any time", "morning": "Mornings", "afternoon": "Afternoons"}[self.value]

    def accepts(self, instant: datetime, zone: ZoneInfo = CLINIC_ZONE) -> bool:
        if self is PartOfDay.ANY:
            return True
        is_morning = instant.astimezone(zone).hour < 12
        return is_morning if self is PartOfDay.MORNING else not is_morning


@dataclass(frozen=True)
class Slot:
    therapist_id: int
    interval: Interval


def next_grid_time(
    instant: datetime,
    zone: ZoneInfo = CLINIC_ZONE,
    step: timedelta = timedelta(minutes=15),
) -> datetime:
    """The first instant at or after ``instant`` whose local wall time is a multiple of ``step``
    counted from local midnight (9:00, 9:15, ... for 15 minutes). Returned in UTC.

    Alignment is done in the UTC offset in force at the candidate; if the candidate lands across an
    offset change it is aligned again, which keeps both 1:00 hours of the autumn change on the grid.
    """
    candidate = instant.astimezone(UTC)
    while True:
        offset = candidate.astimezone(zone).utcoffset()
        assert offset is not None
        wall = candidate.replace(tzinfo=None) + offset
        since_midnight = wall - datetime.combine(wall.date(), time(0))
        remainder = since_midnight % step
        aligned = candidate if not remainder else candidate + (step - remainder)
        if aligned.astimezone(zone).utcoffset() == offset:
            return aligned
        candidate = aligned


def _therapist_slots(
    availability: TherapistAvailability,
    duration: timedelta,
    window: Interval,
    zone: ZoneInfo,
    step: timedelta,
    part_of_day: PartOfDay,
    patients: _BusyIndex,
) -> Iterator[Slot]:
    day = window.start.astimezone(zone).date()
    last_day = window.end.astimezone(zone).date()
    therapist = availability._busy_index
    while day <= last_day:
        for hours in availability.working_intervals(day, zone):
            start, end = max(hours.start, window.start), min(hours.end, window.end)
            if end - start < duration:
                continue
            for free_start, free_end in therapist.free_parts(start, end):
                for part_start, part_end in patients.free_parts(free_start, free_end):
                    t = next_grid_time(part_start, zone, step)
                    while t + duration <= part_end:
                        if part_of_day.accepts(t, zone):
                            yield Slot(availability.therapist_id, Interval(t, t + duration))
                        t = next_grid_time(t + step, zone, step)
        day += timedelta(days=1)


def find_free_slots(
    duration: timedelta,
    availabilities: Iterable[TherapistAvailability],
    start_from: datetime,
    until: datetime,
    zone: ZoneInfo = CLINIC_ZONE,
    step: timedelta = timedelta(minutes=15),
    part_of_day: PartOfDay | None = None,
    patient_busy: Iterable[Interval | Busy] = (),
    limit: int = 20,
    ignore_appointment: int | None = None,
) -> list[Slot]:
    """The first free slots across therapists, ordered by start then therapist id.

    A slot lies wholly inside one stretch of working hours and inside ``[start_from, until]``, starts
    on the local ``step`` grid, and overlaps neither the therapist's nor the patient's appointments.
    Slots do not cross local midnight. ``ignore_appointment`` frees the time of the appointment being
    rescheduled. Each therapist's slots are generated lazily in time order and merged, so the search
    stops as soon as ``limit`` slots are found.
    """
    if duration <= timedelta(0):
        raise ValueError("the appointment length must be positive")
    if step <= timedelta(0):
        raise ValueError("the step must be positive")
    require_aware(start_from, "start_from")
    require_aware(until, "until")
    if limit <= 0 or until - start_from < duration:
        return []
    window = Interval(start_from, until)
    patient_times = _as_busy(patient_busy)
    if ignore_appointment is not None:
        patient_times = tuple(b for b in patient_times if b.appointment_id != ignore_appointment)
        availabilities = [
            replace(av, busy=[b for b in av.busy_times if b.appointment_id != ignore_appointment])
            for av in availabilities
        ]
    patients = _BusyIndex(patient_times)
    wanted = part_of_day or PartOfDay.ANY
    streams = [
        _therapist_slots(av, duration, window, zone, step, wanted, patients)
        for av in availabilities
    ]
    merged = heapq.merge(*streams, key=lambda s: (s.interval.start, s.therapist_id))
    return list(islice(merged, limit))


def recurrence(
    first: Interval,
    every: timedelta | relativedelta,
    count: int,
    zone: ZoneInfo = CLINIC_ZONE,
) -> list[Interval]:
    """``count`` occurrences starting with ``first``, ``every`` apart on the wall clock.

    The step is added to the local date and time, so a weekly 9:00 appointment stays at 9:00 across
    a daylight-saving change, and every occurrence lasts as long (in real time) as the first.
    """
    if count < 1:
        raise ValueError("a series needs at least one occurrence")
    local_start = first.start.astimezone(zone).replace(tzinfo=None)
    if local_start + every <= local_start:
        raise ValueError("the repeat interval must be positive")
    series = []
    for n in range(count):
        wall = local_start + every * n
        start = local_instant(wall.date(), wall.time(), zone)
        series.append(Interval(start, start + first.duration))
    return series


def day_grid(
    day: date,
    zone: ZoneInfo = CLINIC_ZONE,
    start: time = time(7),
    end: time = time(20),
    step: timedelta = timedelta(minutes=15),
) -> list[Interval]:
    """Rows of the day view, each ``step`` of real time, from local ``start`` to local ``end``.

    ``end=time(0)`` means midnight at the end of the day. A grid that spans the 2:00 change has one
    hour fewer rows in spring and one more in autumn (the repeated hour appears twice); the last row
    is shortened if ``step`` does not divide the span.
    """
    if step <= timedelta(0):
        raise ValueError("the row length must be positive")
    if end != time(0) and end <= start:
        raise ValueError("the day view must end after it starts")
    first = local_instant(day, start, zone)
    if end == time(0):
        last = local_instant(day + timedelta(days=1), time(0), zone)
    else:
        last = local_instant(day, end, zone)
    rows = []
    t = first
    while t < last:
        rows.append(Interval(t, min(t + step, last)))
        t += step
    return rows


def is_late_cancellation(
    appointment_start: datetime,
    now: datetime,
    notice: timedelta = DEFAULT_CANCELLATION_NOTICE,
) -> bool:
    """True when less than ``notice`` of real time is left before the appointment.

    Cancelling exactly ``notice`` ahead (24 h to the minute) is on time; cancelling after the start
    is late. Hours are real hours, so on a daylight-saving weekend "24 h" is not "same time tomorrow".
    """
    require_aware(appointment_start, "appointment_start")
    require_aware(now, "now")
    left = appointment_start.astimezone(UTC) - now.astimezone(UTC)
    return left < notice
