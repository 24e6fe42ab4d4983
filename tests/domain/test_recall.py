"""Recall lists: the selection rules, row by row."""

from __future__ import annotations

from datetime import date

import pytest

from frontdesk.domain.recall import (
    NotYetScreening,
    RecallPatient,
    UpcomingVisit,
    VisitHistory,
    course_stopped,
    not_yet_ended,
    stale_before_visit,
)
from frontdesk.domain.screening import Level

TODAY = date(2026, 11, 25)
ANH = RecallPatient(1, "Nguyen, Anh", "(250) 555-0101")
BO = RecallPatient(2, "Chen, Bo", "(250) 555-0102")


@pytest.mark.parametrize(("visit_day", "is_ims", "screened_on", "months", "listed"), [
    # screened a year ago: counts until its anniversary, stale from the day after
    (date(2026, 12, 1), True, date(2025, 12, 1), 12, False),
    (date(2026, 12, 2), True, date(2025, 12, 1), 12, True),
    (date(2026, 12, 2), False, date(2025, 12, 1), 12, True),  # a physiotherapy visit of an IMS patient too
    (date(2026, 12, 2), True, date(2026, 6, 1), 12, False),
    (date(2026, 12, 2), True, date(2026, 6, 1), 6, True),    # the clinic shortened its interval
    (date(2026, 12, 2), True, None, 12, True),                # IMS booked with no screening on file
    (date(2026, 12, 2), False, None, 12, False),              # never screened, physiotherapy only
    (date(2026, 11, 24), True, date(2024, 1, 1), 12, False),  # the visit is in the past
    (date(2026, 11, 25), True, date(2024, 1, 1), 12, True),   # today counts
])
def test_stale_before_visit(visit_day, is_ims, screened_on, months, listed):
    entries = stale_before_visit([UpcomingVisit(ANH, visit_day, is_ims, screened_on)], TODAY, months)
    assert [e.patient for e in entries] == ([ANH] if listed else [])


def test_stale_before_visit_lists_a_patient_once_at_their_first_stale_visit_with_the_reason():
    visits = [
        UpcomingVisit(ANH, date(2026, 12, 9), True, date(2025, 12, 1)),
        UpcomingVisit(ANH, date(2026, 12, 2), False, date(2025, 12, 1)),
        UpcomingVisit(BO, date(2026, 11, 30), True, None),
    ]
    entries = stale_before_visit(visits, TODAY, 12)
    assert [(e.patient.name, e.on) for e in entries] == [("Chen, Bo", date(2026, 11, 30)),
                                                         ("Nguyen, Anh", date(2026, 12, 2))]
    assert entries[1].reason == ("Visit on December 2, 2026; the IMS screening of December 1, 2025 is out of date "
                                 "after December 1, 2026. Screen again before the visit.")
    assert entries[0].reason.startswith("IMS visit on November 30, 2026; no IMS screening on file.")


@pytest.mark.parametrize(("last_visit", "booked_ahead", "weeks", "listed"), [
    (date(2026, 10, 28), False, 4, True),    # exactly 4 weeks ago
    (date(2026, 10, 29), False, 4, False),   # 4 weeks less a day
    (date(2026, 10, 1), True, 4, False),     # something is booked
    (None, False, 4, False),                 # never treated
    (date(2026, 11, 18), False, 1, True),    # N is adjustable
    (date(2026, 11, 18), False, 2, False),
    (date(2025, 11, 26), False, 4, True),    # 52 weeks back is still looked at
    (date(2025, 11, 25), False, 4, False),   # older is history
])
def test_course_stopped(last_visit, booked_ahead, weeks, listed):
    entries = course_stopped([VisitHistory(ANH, last_visit, booked_ahead)], TODAY, weeks)
    assert [e.patient for e in entries] == ([ANH] if listed else [])


def test_course_stopped_reason_and_order():
    entries = course_stopped([VisitHistory(ANH, date(2026, 9, 30), False), VisitHistory(BO, date(2026, 10, 14), False)],
                             TODAY, 4)
    assert [e.patient for e in entries] == [BO, ANH], "the most recent stop first"
    assert entries[0].reason == "Last visit on October 14, 2026 (6 weeks ago); nothing booked."


@pytest.mark.parametrize("weeks", [0, 53])
def test_course_stopped_refuses_weeks_out_of_range(weeks):
    with pytest.raises(ValueError):
        course_stopped([], TODAY, weeks)


@pytest.mark.parametrize(("level", "not_before", "booked_ahead", "listed"), [
    (Level.NOT_YET, date(2026, 11, 25), False, True),    # the date has come today
    (Level.NOT_YET, date(2026, 11, 1), False, True),
    (Level.NOT_YET, date(2026, 11, 26), False, False),   # not yet
    (Level.NOT_YET, date(2026, 11, 1), True, False),     # already booked
    (Level.NOT_YET, None, False, False),                 # blocked until an event, not a date
    (Level.ELIGIBLE, date(2026, 11, 1), False, False),
    (Level.NOT_ELIGIBLE, date(2026, 11, 1), False, False),  # a physiotherapist declined since
])
def test_not_yet_ended(level, not_before, booked_ahead, listed):
    entries = not_yet_ended([NotYetScreening(ANH, level, not_before, date(2026, 8, 15), booked_ahead)], TODAY)
    assert [e.patient for e in entries] == ([ANH] if listed else [])
    if listed:
        assert entries[0].reason.startswith("IMS possible from ")
        assert entries[0].reason.endswith("(screening of August 15, 2026); nothing booked.")
