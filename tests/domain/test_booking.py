"""The one booking rule, `booking_problems`: every rule, its wording and the order they come in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.booking import (
    BookingFacts,
    ProblemKind,
    ScreeningAnswer,
    area_problem,
    booking_problems,
    first_allowed,
    ims_refusals,
)
from frontdesk.domain.scheduling import Busy, Interval, TherapistAvailability, TimeOff, WorkingBlock

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 3, 2)
K = ProblemKind


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=VAN)


def iv(day: date, start: str, end: str) -> Interval:
    (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
    return Interval(at(day, sh, sm), at(day, eh, em))


CHRIS = TherapistAvailability(
    7,
    blocks=[WorkingBlock(d, time(9), time(12)) for d in range(5)]
    + [WorkingBlock(d, time(13), time(17)) for d in range(5)],
    time_off=[TimeOff(at(date(2026, 3, 3), 0), at(date(2026, 3, 4), 0), "Conference")],
    busy=[Busy(iv(MONDAY, "9:00", "9:30"), appointment_id=11)],
    name="Chris Stokes",
)
#: A physiotherapy booking Monday 10:00-10:30 that breaks no rule; each row changes what it names.
FREE = BookingFacts(iv(MONDAY, "10:00", "10:30"), CHRIS)
#: The same as an IMS treatment of the left knee, screening allowing it, other IMS two weeks away.
IMS = replace(
    FREE,
    is_ims=True,
    area="knee:left",
    screening=ScreeningAnswer(True),
    ims_days=[MONDAY - timedelta(days=14)],
    ims_interval_days=7,
)
NOT_YET = ScreeningAnswer(False, ("Knee surgery on February 20: IMS near it waits 3 months.",), date(2026, 5, 20))

QUALIFY = "Chris Stokes is not IMS-qualified; choose an IMS-qualified physiotherapist or a physiotherapy appointment."
TOO_CLOSE = (
    "Only 3 days from the patient's IMS on Friday, February 27; the clinic keeps IMS treatments at least "
    "7 days apart. Booking it needs a reason."
)


@pytest.mark.parametrize(
    ("case", "facts", "expected"),
    [
        ("a free physiotherapy slot", FREE, []),
        ("a free IMS slot", IMS, []),
        (
            "an unknown area",
            replace(FREE, area="elbow:middle"),
            [(K.AREA, "Choose the area to be treated from the list.")],
        ),
        (
            "IMS needs an area",
            replace(IMS, area="", screening=None),
            [(K.AREA, "Choose the area to be treated with IMS; the screening is checked for that area.")],
        ),
        ("physiotherapy needs no area", replace(FREE, area=""), []),
        (
            "IMS needs an IMS-qualified physiotherapist",
            replace(IMS, therapist_ims_qualified=False),
            [(K.NOT_IMS_QUALIFIED, QUALIFY)],
        ),
        ("physiotherapy with a physiotherapist not IMS-qualified", replace(FREE, therapist_ims_qualified=False), []),
        (
            "the screening does not allow IMS yet",
            replace(IMS, screening=NOT_YET),
            [(K.IMS_SCREENING, "Knee surgery on February 20: IMS near it waits 3 months.")],
        ),
        (
            "the screening says no without a reason",
            replace(IMS, screening=ScreeningAnswer(False)),
            [(K.IMS_SCREENING, "The patient's screening does not allow IMS on this date.")],
        ),
        (
            "IMS too close to the patient's other IMS",
            replace(IMS, ims_days=[date(2026, 2, 27)]),
            [(K.IMS_TOO_CLOSE, TOO_CLOSE)],
        ),
        (
            "a second IMS the same day",
            replace(IMS, ims_days=[MONDAY]),
            [
                (
                    K.IMS_TOO_CLOSE,
                    "The patient already has IMS on this day; a second IMS treatment the same day needs a reason.",
                )
            ],
        ),
        (
            "too close, with a reason",
            replace(IMS, ims_days=[date(2026, 2, 27)], interval_reason="Flare-up, seen by Chris"),
            [],
        ),
        (
            "too close, the interval not judged (a series' plan)",
            replace(IMS, ims_days=[MONDAY], ims_interval_days=0),
            [],
        ),
        ("the moved appointment's own day is left out by the caller", replace(IMS, ims_days=[]), []),
        (
            "time off",
            replace(FREE, interval=iv(date(2026, 3, 3), "10:00", "10:30")),
            [(K.TIME_OFF, "Chris Stokes is away at this time (Conference).")],
        ),
        (
            "outside working hours",
            replace(FREE, interval=iv(MONDAY, "12:00", "12:30")),
            [
                (
                    K.OUTSIDE_HOURS,
                    "Outside working hours: Chris Stokes works 9:00–12:00 and 13:00–17:00 on Monday, March 2.",
                )
            ],
        ),
        (
            "the therapist is busy",
            replace(FREE, interval=iv(MONDAY, "9:15", "9:45")),
            [(K.THERAPIST_BUSY, "Chris Stokes already has an appointment 9:00–9:30.")],
        ),
        (
            "the patient is busy",
            replace(FREE, patient_busy=[Busy(iv(MONDAY, "10:15", "10:45"), "The patient", 21)]),
            [(K.PATIENT_BUSY, "The patient already has an appointment 10:15–10:45.")],
        ),
        (
            "moving an appointment onto its own time",
            replace(FREE, interval=iv(MONDAY, "9:15", "9:45"), ignore_appointment=11),
            [],
        ),
        (
            "every rule at once, in one order",
            replace(
                IMS,
                interval=iv(MONDAY, "8:45", "9:15"),
                area="",
                screening=None,
                therapist_ims_qualified=False,
                ims_days=[MONDAY],
                patient_busy=[Busy(iv(MONDAY, "9:00", "9:20"), "The patient", 22)],
            ),
            [K.AREA, K.NOT_IMS_QUALIFIED, K.IMS_TOO_CLOSE, K.OUTSIDE_HOURS, K.THERAPIST_BUSY, K.PATIENT_BUSY],
        ),
        (
            "the screening's refusal comes after the qualification",
            replace(IMS, therapist_ims_qualified=False, screening=NOT_YET),
            [K.NOT_IMS_QUALIFIED, K.IMS_SCREENING],
        ),
    ],
)
def test_booking_problems(case, facts, expected):
    problems = booking_problems(facts, zone=VAN)
    if expected and isinstance(expected[0], tuple):
        assert [(p.kind, p.message) for p in problems] == expected, case
    else:
        assert [p.kind for p in problems] == expected, case


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(MONDAY, 9, 59), []),
        (at(MONDAY, 10, 0), []),
        (at(MONDAY, 10, 1), [(K.IN_PAST, "This time has already passed.")]),
    ],
)
def test_a_time_that_has_passed_cannot_be_booked(now, expected):
    assert [(p.kind, p.message) for p in booking_problems(FREE, zone=VAN, now=now)] == expected


def test_the_past_comes_first_among_the_time_rules():
    facts = replace(FREE, interval=iv(MONDAY, "9:15", "9:45"))
    assert [p.kind for p in booking_problems(facts, zone=VAN, now=at(MONDAY, 11))] == [K.IN_PAST, K.THERAPIST_BUSY]


@pytest.mark.parametrize(
    ("screening", "on", "expected"),
    [
        (NOT_YET, MONDAY, date(2026, 5, 20)),  # time alone ends the block
        (replace(NOT_YET, first_allowed=None), MONDAY, None),  # something else must happen first (a review)
        (replace(NOT_YET, first_allowed=MONDAY), MONDAY, None),  # not later than the day asked
    ],
)
def test_first_allowed_is_the_day_the_screening_s_block_ends(screening, on, expected):
    assert (
        first_allowed(ims_refusals(on, therapist_name="Chris Stokes", qualified=True, screening=screening)) == expected
    )


@pytest.mark.parametrize(
    ("area", "is_ims", "expected"),
    [
        ("", False, None),
        ("knee:left", True, None),
        ("neck", False, None),
        ("", True, "Choose the area to be treated with IMS; the screening is checked for that area."),
        ("knee", True, "Choose the area to be treated from the list."),  # a paired area needs its side
        ("ankle:up", False, "Choose the area to be treated from the list."),
    ],
)
def test_area_problem(area, is_ims, expected):
    assert area_problem(area, is_ims) == expected


def test_kinds_say_who_holds_the_time_and_what_blocks_ims():
    assert {k for k in ProblemKind if k.is_taken} == {K.THERAPIST_BUSY, K.PATIENT_BUSY}
    assert {k for k in ProblemKind if k.is_ims} == {K.NOT_IMS_QUALIFIED, K.IMS_SCREENING}
