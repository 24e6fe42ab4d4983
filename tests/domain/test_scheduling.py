from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from frontdesk.domain.booking import ProblemKind, check_slot
from frontdesk.domain.scheduling import (
    Busy,
    ExtraHours,
    Interval,
    PartOfDay,
    Slot,
    TherapistAvailability,
    TimeOff,
    WorkingBlock,
    day_grid,
    find_free_slots,
    is_late_cancellation,
    local_instant,
    next_grid_time,
    recurrence,
    working_intervals,
)
from frontdesk.domain.when import format_time, format_time_range

VAN = ZoneInfo("America/Vancouver")
MIN = timedelta(minutes=1)

# 2026-03-08 (Sunday): clocks go from 2:00 PST to 3:00 PDT. 2026-11-01 (Sunday): 2:00 PDT back to 1:00 PST.
SPRING = date(2026, 3, 8)
AUTUMN = date(2026, 11, 1)
MONDAY = date(2026, 3, 2)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=VAN)


def iv(day: date, start: str, end: str) -> Interval:
    sh, sm = map(int, start.split(":"))
    eh, em = map(int, end.split(":"))
    return Interval(at(day, sh, sm), at(day, eh, em))


def shown(intervals) -> list[str]:
    return [format_time_range(i, VAN) for i in intervals]


def week(*blocks: tuple[str, str], days=range(7)) -> list[WorkingBlock]:
    return [
        WorkingBlock(d, time.fromisoformat(f"{s:0>5}"), time.fromisoformat(f"{e:0>5}"))
        for d in days for s, e in blocks
    ]


WEEKDAY_HOURS = week(("9:00", "12:00"), ("13:00", "17:00"), days=range(5))


# --- Interval -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (("9:00", "9:30"), ("9:30", "10:00"), False),  # touching
        (("9:00", "9:30"), ("9:29", "10:00"), True),
        (("9:00", "12:00"), ("10:00", "10:30"), True),  # nested
        (("9:00", "9:30"), ("9:00", "9:30"), True),  # same
        (("9:00", "9:30"), ("11:00", "12:00"), False),
    ],
)
def test_overlap_is_symmetric_and_touching_intervals_do_not_overlap(a, b, overlap):
    first, second = iv(MONDAY, *a), iv(MONDAY, *b)
    assert first.overlaps(second) is overlap
    assert second.overlaps(first) is overlap


@pytest.mark.parametrize(
    ("instant", "inside"),
    [((9, 0), True), ((9, 29), True), ((9, 30), False), ((8, 59), False)],
)
def test_interval_is_half_open(instant, inside):
    assert iv(MONDAY, "9:00", "9:30").contains(at(MONDAY, *instant)) is inside


def test_interval_contains_interval():
    assert iv(MONDAY, "9:00", "12:00").contains(iv(MONDAY, "11:30", "12:00"))
    assert not iv(MONDAY, "9:00", "12:00").contains(iv(MONDAY, "11:30", "12:15"))


def test_interval_is_the_same_instant_in_any_zone():
    utc = Interval(
        datetime(2026, 3, 2, 17, tzinfo=UTC), datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    )
    assert utc == iv(MONDAY, "9:00", "9:30")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10)),  # naive
        (at(MONDAY, 10), at(MONDAY, 10)),  # empty
        (at(MONDAY, 10), at(MONDAY, 9)),  # backwards
    ],
)
def test_interval_refuses_naive_or_backwards_times(start, end):
    with pytest.raises(ValueError):
        Interval(start, end)


def test_duration_is_real_time_across_the_spring_change():
    # 1:45 PST to 3:15 PDT is 30 real minutes although the clocks moved 1 h 30 min.
    assert iv(SPRING, "1:45", "3:15").duration == timedelta(minutes=30)


# --- working hours --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "day", "blocks", "extra", "time_off", "expected"),
    [
        ("several blocks, lunch break", MONDAY, WEEKDAY_HOURS, [], [], ["9:00–12:00", "13:00–17:00"]),
        ("no hours on Saturday", date(2026, 3, 7), WEEKDAY_HOURS, [], [], []),
        (
            "touching blocks join",
            MONDAY,
            week(("9:00", "12:00"), ("12:00", "14:00")),
            [], [],
            ["9:00–14:00"],
        ),
        (
            "blocks entered out of order",
            MONDAY,
            week(("13:00", "17:00"), ("8:00", "10:00")),
            [], [],
            ["8:00–10:00", "13:00–17:00"],
        ),
        (
            "whole day off",
            MONDAY,
            WEEKDAY_HOURS,
            [],
            [TimeOff(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), "Vacation")],
            [],
        ),
        (
            "week off covering the day",
            MONDAY + timedelta(days=2),
            WEEKDAY_HOURS,
            [],
            [TimeOff(at(MONDAY, 0), at(MONDAY + timedelta(days=7), 0), "Course")],
            [],
        ),
        (
            "part day off in the morning",
            MONDAY,
            WEEKDAY_HOURS,
            [],
            [TimeOff(at(MONDAY, 10, 30), at(MONDAY, 12), "Dentist")],
            ["9:00–10:30", "13:00–17:00"],
        ),
        (
            "time off across the lunch break",
            MONDAY,
            WEEKDAY_HOURS,
            [],
            [TimeOff(at(MONDAY, 11), at(MONDAY, 14), "Errand")],
            ["9:00–11:00", "14:00–17:00"],
        ),
        (
            "time off on another day changes nothing",
            MONDAY,
            WEEKDAY_HOURS,
            [],
            [TimeOff(at(MONDAY + timedelta(days=1), 0), at(MONDAY + timedelta(days=2), 0), "Sick")],
            ["9:00–12:00", "13:00–17:00"],
        ),
        (
            "extra Saturday morning",
            date(2026, 3, 7),
            WEEKDAY_HOURS,
            [ExtraHours(at(date(2026, 3, 7), 9), at(date(2026, 3, 7), 13))],
            [],
            ["9:00–13:00"],
        ),
        (
            "extra hours over the lunch break join both blocks",
            MONDAY,
            WEEKDAY_HOURS,
            [ExtraHours(at(MONDAY, 12), at(MONDAY, 13))],
            [],
            ["9:00–17:00"],
        ),
        (
            "extra evening after the last block",
            MONDAY,
            WEEKDAY_HOURS,
            [ExtraHours(at(MONDAY, 17), at(MONDAY, 19))],
            [],
            ["9:00–12:00", "13:00–19:00"],
        ),
        (
            "extra hours count even inside time off",
            MONDAY,
            WEEKDAY_HOURS,
            [ExtraHours(at(MONDAY, 14), at(MONDAY, 16))],
            [TimeOff(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), "Vacation")],
            ["14:00–16:00"],
        ),
        (
            "extra hours on another day do not leak in",
            MONDAY,
            WEEKDAY_HOURS,
            [ExtraHours(at(MONDAY - timedelta(days=1), 9), at(MONDAY - timedelta(days=1), 12))],
            [],
            ["9:00–12:00", "13:00–17:00"],
        ),
    ],
)
def test_working_intervals(case, day, blocks, extra, time_off, expected):
    result = working_intervals(day, VAN, blocks, extra, time_off)
    assert shown(result) == expected, case
    assert all(i.start.astimezone(VAN).date() == day for i in result)


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [
        (date(2026, 3, 7), -8),
        (SPRING, -7),
        (date(2026, 3, 9), -7),
        (date(2026, 10, 31), -7),
        (AUTUMN, -8),
        (date(2026, 11, 2), -8),
    ],
)
def test_nine_oclock_stays_nine_oclock_around_daylight_saving(day, utc_offset_hours):
    (hours,) = working_intervals(day, VAN, week(("9:00", "17:00")))
    local = hours.start.astimezone(VAN)
    assert (local.date(), local.hour, local.minute) == (day, 9, 0)
    assert local.utcoffset() == timedelta(hours=utc_offset_hours)
    assert hours.duration == timedelta(hours=8)


@pytest.mark.parametrize(
    ("day", "wall", "shown_as", "utc_hour"),
    [
        (SPRING, time(2, 30), "3:30", 10),  # does not exist: moved forward by the gap
        (SPRING, time(1, 30), "1:30", 9),
        (SPRING, time(3, 0), "3:00", 10),
        (AUTUMN, time(1, 30), "1:30", 8),  # happens twice: the first (PDT) one
        (AUTUMN, time(2, 0), "2:00", 10),
    ],
)
def test_local_instant_resolves_missing_and_repeated_times(day, wall, shown_as, utc_hour):
    instant = local_instant(day, wall, VAN)
    assert format_time(instant, VAN) == shown_as
    assert instant.hour == utc_hour and instant.tzinfo is UTC


def test_night_blocks_on_daylight_saving_days_last_real_hours():
    # A 0:00-4:00 block is three real hours on the spring day and five on the autumn day.
    night = week(("0:00", "4:00"))
    assert working_intervals(SPRING, VAN, night)[0].duration == timedelta(hours=3)
    assert working_intervals(AUTUMN, VAN, night)[0].duration == timedelta(hours=5)


# --- checking one slot ----------------------------------------------------------------------------

CHRIS = TherapistAvailability(
    therapist_id=1,
    name="Chris Stokes",
    blocks=WEEKDAY_HOURS,
    time_off=[TimeOff(at(date(2026, 3, 3), 0), at(date(2026, 3, 4), 0), "Conference")],
    busy=[
        Busy(iv(MONDAY, "9:00", "9:30"), appointment_id=11),
        iv(MONDAY, "14:00", "15:00"),
    ],
)
PATIENT_BUSY = [Busy(iv(MONDAY, "10:00", "10:45"), "Zoë Tremblay", appointment_id=21)]


@pytest.mark.parametrize(
    ("case", "slot", "expected"),
    [
        ("free slot", iv(MONDAY, "9:30", "10:00"), []),
        ("ends as the lunch break starts", iv(MONDAY, "11:30", "12:00"), []),
        ("starts as an appointment ends", iv(MONDAY, "15:00", "15:30"), []),
        (
            "over an appointment",
            iv(MONDAY, "9:15", "9:45"),
            [(ProblemKind.THERAPIST_BUSY, "Chris Stokes already has an appointment 9:00–9:30.")],
        ),
        (
            "lunch break",
            iv(MONDAY, "12:00", "12:30"),
            [(ProblemKind.OUTSIDE_HOURS,
              "Outside working hours: "
              "Chris Stokes works 9:00–12:00 and 13:00–17:00 on Monday, March 2.")],
        ),
        ("runs into the lunch break", iv(MONDAY, "11:45", "12:15"), [ProblemKind.OUTSIDE_HOURS]),
        ("before opening", iv(MONDAY, "8:30", "9:00"), [ProblemKind.OUTSIDE_HOURS]),
        ("after closing", iv(MONDAY, "17:00", "17:30"), [ProblemKind.OUTSIDE_HOURS]),
        (
            "day without hours",
            iv(date(2026, 3, 8), "10:00", "10:30"),
            [(ProblemKind.OUTSIDE_HOURS,
              "Outside working hours: Chris Stokes does not work on Sunday, March 8.")],
        ),
        (
            "time off",
            iv(date(2026, 3, 3), "10:00", "10:30"),
            [(ProblemKind.TIME_OFF, "Chris Stokes is away at this time (Conference).")],
        ),
        (
            "patient already booked elsewhere",
            iv(MONDAY, "10:30", "11:00"),
            [(ProblemKind.PATIENT_BUSY, "Zoë Tremblay already has an appointment 10:00–10:45.")],
        ),
        (
            "patient appointment only touching",
            iv(MONDAY, "10:45", "11:15"),
            [],
        ),
        (
            "unlabelled busy time uses the therapist's name",
            iv(MONDAY, "14:30", "15:30"),
            [(ProblemKind.THERAPIST_BUSY, "Chris Stokes already has an appointment 14:00–15:00.")],
        ),
        (
            "several problems at once",
            iv(MONDAY, "8:45", "10:15"),
            [ProblemKind.OUTSIDE_HOURS, ProblemKind.THERAPIST_BUSY, ProblemKind.PATIENT_BUSY],
        ),
    ],
)
def test_check_slot(case, slot, expected):
    problems = check_slot(slot, CHRIS, PATIENT_BUSY, zone=VAN)
    if expected and isinstance(expected[0], tuple):
        assert [(p.kind, p.message) for p in problems] == expected, case
    else:
        assert [p.kind for p in problems] == expected, case


def test_check_slot_refuses_a_time_that_has_passed():
    problems = check_slot(iv(MONDAY, "9:30", "10:00"), CHRIS, zone=VAN, now=at(MONDAY, 9, 31))
    assert [p.kind for p in problems] == [ProblemKind.IN_PAST]
    assert check_slot(iv(MONDAY, "9:30", "10:00"), CHRIS, zone=VAN, now=at(MONDAY, 9, 30)) == []


def test_rescheduling_ignores_the_appointment_being_moved():
    slot = iv(MONDAY, "9:15", "9:45")
    assert check_slot(slot, CHRIS, zone=VAN, ignore_appointment=11) == []
    slot = iv(MONDAY, "10:30", "11:00")
    assert check_slot(slot, CHRIS, PATIENT_BUSY, zone=VAN, ignore_appointment=21) == []


def test_next_available_for_a_reschedule_may_reuse_the_appointments_own_time():
    slots = find_free_slots(
        timedelta(minutes=30), [CHRIS], at(MONDAY, 9), at(MONDAY, 10), VAN, ignore_appointment=11,
    )
    assert starts(slots) == [(1, "03-02 09:00"), (1, "03-02 09:15"), (1, "03-02 09:30")]


def test_thirty_minutes_on_the_spring_day_is_checked_in_real_time():
    sunday = TherapistAvailability(1, blocks=week(("9:00", "12:00")), busy=[iv(SPRING, "9:00", "9:30")])
    assert check_slot(iv(SPRING, "9:30", "10:00"), sunday, zone=VAN) == []
    assert [p.kind for p in check_slot(iv(SPRING, "9:29", "9:59"), sunday, zone=VAN)] == [
        ProblemKind.THERAPIST_BUSY
    ]


# --- next available -------------------------------------------------------------------------------

def therapist(tid: int, busy=(), blocks=WEEKDAY_HOURS, **kw) -> TherapistAvailability:
    return TherapistAvailability(tid, blocks=blocks, busy=list(busy), **kw)


def starts(slots: list[Slot]) -> list[tuple[int, str]]:
    return [(s.therapist_id, s.interval.start.astimezone(VAN).strftime("%m-%d %H:%M")) for s in slots]


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        (
            "ordered by start, then therapist",
            dict(start_from=at(MONDAY, 9), limit=4),
            [(1, "03-02 09:30"), (2, "03-02 09:30"), (2, "03-02 09:45"), (2, "03-02 10:00")],
        ),
        (
            "start is rounded up to the 15-minute grid",
            dict(start_from=at(MONDAY, 10, 7), limit=2),
            [(2, "03-02 10:45"), (1, "03-02 11:00")],
        ),
        (
            "a 30-minute step keeps the half-hour grid",
            dict(start_from=at(MONDAY, 10, 7), step=timedelta(minutes=30), limit=2),
            [(1, "03-02 11:00"), (2, "03-02 11:00")],
        ),
        (
            "afternoons only",
            dict(start_from=at(MONDAY, 9), part_of_day=PartOfDay.AFTERNOON, limit=3),
            [(1, "03-02 13:00"), (2, "03-02 13:00"), (1, "03-02 14:00")],
        ),
        (
            "mornings only skips to the next morning",
            dict(start_from=at(MONDAY, 11, 40), part_of_day=PartOfDay.MORNING, limit=2),
            [(1, "03-03 09:00"), (2, "03-03 09:00")],
        ),
        (
            "nothing after the end of the search",
            dict(start_from=at(MONDAY, 16, 0), until=at(MONDAY, 17, 0)),
            [(1, "03-02 16:00"), (2, "03-02 16:00"), (1, "03-02 16:15"), (2, "03-02 16:15"),
             (1, "03-02 16:30"), (2, "03-02 16:30")],
        ),
        (
            "the patient's own appointment is avoided",
            dict(start_from=at(MONDAY, 9), patient_busy=[iv(MONDAY, "9:00", "11:30")], limit=2),
            [(1, "03-02 11:30"), (2, "03-02 11:30")],
        ),
    ],
)
def test_find_free_slots(case, kwargs, expected):
    # Chris (1) is free 9:30-10:00, 11:00-12:00, 13:00-13:30 and from 14:00;
    # Tracey (2) is free 9:30-10:30, 10:45-12:00, 13:00-13:30 and from 15:00.
    chris = therapist(1, [
        iv(MONDAY, "9:00", "9:30"), iv(MONDAY, "10:00", "11:00"), iv(MONDAY, "13:30", "14:00"),
    ])
    tracey = therapist(2, [
        iv(MONDAY, "8:00", "9:30"), iv(MONDAY, "10:30", "10:45"), iv(MONDAY, "13:30", "15:00"),
    ])
    options = dict(until=at(MONDAY + timedelta(days=14), 0), zone=VAN)
    options.update(kwargs)
    slots = find_free_slots(timedelta(minutes=30), [tracey, chris], **options)
    assert starts(slots) == expected, case
    for slot in slots:
        assert slot.interval.duration == timedelta(minutes=30)


def test_a_slot_needs_a_gap_long_enough():
    # The morning gaps are 45 and 30 minutes: a 60-minute appointment first fits after lunch.
    busy = [iv(MONDAY, "9:45", "10:15"), iv(MONDAY, "11:00", "11:30")]
    slots = find_free_slots(
        timedelta(hours=1), [therapist(1, busy)], at(MONDAY, 9), at(MONDAY, 17), VAN, limit=1,
    )
    assert starts(slots) == [(1, "03-02 13:00")]


def test_first_free_slot_on_the_spring_day_is_nine_local():
    everyday = week(("9:00", "12:00"))
    slots = find_free_slots(
        timedelta(minutes=30), [therapist(3, blocks=everyday)], at(date(2026, 3, 7), 15), at(SPRING, 23), VAN,
        limit=2,
    )
    assert starts(slots) == [(3, "03-08 09:00"), (3, "03-08 09:15")]
    assert [s.interval.start.hour for s in slots] == [16, 16]  # UTC: PDT
    assert all(s.interval.duration == timedelta(minutes=30) for s in slots)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (SPRING, ["0:00", "1:00", "3:00"]),  # 2:00-3:00 does not exist
        (AUTUMN, ["0:00", "1:00", "1:00", "2:00", "3:00"]),  # 1:00-2:00 happens twice
    ],
)
def test_hourly_slots_through_the_night_of_a_clock_change(day, expected):
    night = [ExtraHours(at(day, 0), local_instant(day, time(4), VAN))]
    slots = find_free_slots(
        timedelta(hours=1), [therapist(1, blocks=[], extra_hours=night)], at(day, 0), at(day, 12), VAN,
        step=timedelta(hours=1),
    )
    assert [format_time(s.interval.start, VAN) for s in slots] == expected
    assert all(s.interval.duration == timedelta(hours=1) for s in slots)


@pytest.mark.parametrize(
    ("instant_utc", "step", "expected_local"),
    [
        (datetime(2026, 3, 2, 17, 7, tzinfo=UTC), 15, "09:15"),
        (datetime(2026, 3, 2, 17, 15, tzinfo=UTC), 15, "09:15"),
        (datetime(2026, 3, 8, 9, 50, tzinfo=UTC), 15, "03:00"),  # 1:50 PST -> 3:00 PDT
        (datetime(2026, 11, 1, 8, 50, tzinfo=UTC), 15, "01:00"),  # 1:50 PDT -> 1:00 PST
        (datetime(2026, 3, 2, 17, 7, tzinfo=UTC), 20, "09:20"),
    ],
)
def test_grid_times_are_aligned_on_the_local_clock(instant_utc, step, expected_local):
    result = next_grid_time(instant_utc, VAN, timedelta(minutes=step))
    assert result >= instant_utc
    assert result.astimezone(VAN).strftime("%H:%M") == expected_local


@pytest.mark.parametrize("seed", range(5))
def test_find_free_slots_agrees_with_checking_every_grid_time(seed):
    rng = random.Random(seed)
    start_day = MONDAY
    days = 6

    def random_busy(n):
        result = []
        for _ in range(n):
            day = start_day + timedelta(days=rng.randrange(days))
            begin = at(day, rng.randrange(8, 17), rng.choice([0, 10, 15, 30, 45]))
            result.append(Interval(begin, begin + timedelta(minutes=rng.choice([15, 30, 45, 60, 90]))))
        return result

    team = [
        therapist(tid, random_busy(25), time_off=[TimeOff(at(away, 11), at(away, 15), "Course")])
        for tid, away in zip((1, 2, 3), (start_day + timedelta(days=n) for n in (1, 2, 0)), strict=True)
    ]
    patient = random_busy(6)
    duration = timedelta(minutes=rng.choice([30, 45, 60]))
    begin, end = at(start_day, 8), at(start_day + timedelta(days=days), 0)
    found = find_free_slots(duration, team, begin, end, VAN, patient_busy=patient, limit=10_000)

    expected = []
    for n in range(days):  # hours are 9:00-17:00, so no slot can start before 8:00 or after 18:00
        t = at(start_day + timedelta(days=n), 8)
        while t < at(start_day + timedelta(days=n), 18):
            for av in team:
                slot = Interval(t, t + duration)
                if not check_slot(slot, av, patient, zone=VAN):
                    expected.append(Slot(av.therapist_id, slot))
            t += timedelta(minutes=15)
    assert found == expected
    assert found


def test_large_clinic_first_free_slots_are_the_real_holes():
    """20 therapists fully booked for 90 days except a few holes: the search must find exactly those."""
    first_day = date(2026, 1, 5)
    team = []
    for tid in range(1, 21):
        busy = []
        for n in range(90):
            day = first_day + timedelta(days=n)
            if day.weekday() >= 5:
                continue
            for block_start, block_end in ((9, 12), (13, 17)):
                t = at(day, block_start)
                while t < at(day, block_end):
                    hole = (
                        (tid == 7 and n == 45 and t == at(day, 10, 30))
                        or (tid == 3 and n == 45 and t == at(day, 10, 30))
                        or (tid == 12 and n == 44 and t == at(day, 14))
                    )
                    if not hole:
                        busy.append(Interval(t, t + timedelta(minutes=30)))
                    t += timedelta(minutes=30)
        rng = random.Random(tid)
        rng.shuffle(busy)
        team.append(therapist(tid, busy))
    assert sum(len(av.busy) for av in team) > 10_000

    slots = find_free_slots(
        timedelta(minutes=30), team, at(first_day, 0), at(first_day + timedelta(days=90), 0), VAN, limit=20,
    )
    hole_day, day_before = first_day + timedelta(days=45), first_day + timedelta(days=44)
    assert [(s.therapist_id, s.interval) for s in slots] == [
        (12, iv(day_before, "14:00", "14:30")),
        (3, iv(hole_day, "10:30", "11:00")),
        (7, iv(hole_day, "10:30", "11:00")),
    ]


# --- recurring bookings ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "first", "every", "count", "expected_days"),
    [
        (
            "weekly across the spring change",
            iv(MONDAY, "9:00", "9:30"), timedelta(weeks=1), 3,
            [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)],
        ),
        (
            "every 2 days through the spring Sunday",
            iv(date(2026, 3, 6), "9:00", "9:30"), timedelta(days=2), 3,
            [date(2026, 3, 6), SPRING, date(2026, 3, 10)],
        ),
        (
            "every 2 weeks across the autumn change",
            iv(date(2026, 10, 26), "9:00", "9:30"), relativedelta(weeks=2), 2,
            [date(2026, 10, 26), date(2026, 11, 9)],
        ),
        (
            "weekly, one occurrence",
            iv(MONDAY, "9:00", "9:30"), relativedelta(weeks=1), 1,
            [MONDAY],
        ),
    ],
)
def test_recurrence_keeps_the_local_time(case, first, every, count, expected_days):
    series = recurrence(first, every, count, VAN)
    assert [i.start.astimezone(VAN).date() for i in series] == expected_days, case
    assert shown(series) == ["9:00–9:30"] * count
    assert all(i.duration == timedelta(minutes=30) for i in series)


@pytest.mark.parametrize(
    ("every", "count"), [(timedelta(weeks=1), 0), (timedelta(0), 3), (relativedelta(weeks=-1), 2)],
)
def test_recurrence_refuses_nonsense(every, count):
    with pytest.raises(ValueError):
        recurrence(iv(MONDAY, "9:00", "9:30"), every, count, VAN)


# --- day view rows --------------------------------------------------------------------------------

@pytest.mark.parametrize("day", [MONDAY, SPRING, AUTUMN])
def test_default_day_grid_is_7_to_20_in_local_quarter_hours(day):
    rows = day_grid(day, VAN)
    assert len(rows) == 52
    assert format_time(rows[0].start, VAN) == "7:00"
    assert format_time(rows[-1].end, VAN) == "20:00"
    assert all(r.duration == timedelta(minutes=15) for r in rows)
    assert all(a.end == b.start for a, b in pairwise(rows))


@pytest.mark.parametrize(
    ("day", "hours", "labels_between_1_and_4"),
    [
        (MONDAY, 24, ["1:00", "2:00", "3:00"]),
        (SPRING, 23, ["1:00", "3:00"]),
        (AUTUMN, 25, ["1:00", "1:00", "2:00", "3:00"]),
    ],
)
def test_whole_day_grid_has_23_or_25_hours_on_daylight_saving_days(day, hours, labels_between_1_and_4):
    rows = day_grid(day, VAN, start=time(0), end=time(0), step=timedelta(hours=1))
    assert len(rows) == hours
    labels = [format_time(r.start, VAN) for r in rows]
    assert labels[1:1 + len(labels_between_1_and_4)] == labels_between_1_and_4
    assert all(r.duration == timedelta(hours=1) for r in rows)


def test_day_grid_refuses_an_end_before_the_start():
    with pytest.raises(ValueError):
        day_grid(MONDAY, VAN, start=time(12), end=time(9))


# --- late cancellation ----------------------------------------------------------------------------

APPOINTMENT = at(date(2026, 3, 10), 9)
SUNDAY_TEN = at(SPRING, 10)


@pytest.mark.parametrize(
    ("case", "start", "now", "late"),
    [
        ("exactly 24 h before is on time", APPOINTMENT, APPOINTMENT - timedelta(hours=24), False),
        ("a minute less is late", APPOINTMENT, APPOINTMENT - timedelta(hours=24) + MIN, True),
        ("two days before", APPOINTMENT, APPOINTMENT - timedelta(days=2), False),
        ("an hour before", APPOINTMENT, APPOINTMENT - timedelta(hours=1), True),
        ("after the start", APPOINTMENT, APPOINTMENT + MIN, True),
        # 10:00 on the spring Sunday is only 23 real hours after 10:00 on Saturday.
        ("same clock time the day before the spring change", SUNDAY_TEN, at(date(2026, 3, 7), 10), True),
        ("25 real hours before the spring Sunday", SUNDAY_TEN, SUNDAY_TEN - timedelta(hours=25), False),
        # 10:00 on the autumn Sunday is 25 real hours after 10:00 on Saturday.
        ("same clock time the day before the autumn change",
         at(AUTUMN, 10), at(date(2026, 10, 31), 10), False),
    ],
)
def test_late_cancellation(case, start, now, late):
    assert is_late_cancellation(start, now, timedelta(hours=24)) is late, case


def test_notice_period_is_a_clinic_setting():
    assert is_late_cancellation(APPOINTMENT, APPOINTMENT - timedelta(hours=30), timedelta(hours=48))
    assert not is_late_cancellation(APPOINTMENT, APPOINTMENT - timedelta(hours=30), timedelta(hours=12))


def test_an_interval_lasting_half_an_hour_counts_real_time_on_the_night_the_clocks_go_back():
    # 1:45 the second time round (PST) plus 30 minutes of wall clock would read 2:15 PST... or, with the
    # fold lost, 1:55 PDT: before the start. Real time gives 2:15 PST, half an hour later.
    zone = ZoneInfo("America/Vancouver")
    second_145 = datetime(2026, 11, 1, 1, 45, tzinfo=zone, fold=1)
    made = Interval.lasting(second_145, timedelta(minutes=30))
    assert made.duration == timedelta(minutes=30)
    assert made.end.astimezone(zone).replace(tzinfo=None) == datetime(2026, 11, 1, 2, 15)
    first_145 = datetime(2026, 11, 1, 1, 45, tzinfo=zone)
    assert Interval.lasting(first_145, timedelta(minutes=30)).end.astimezone(zone).strftime("%H:%M %Z") == "01:15 PST"
