"""Recall lists: which patients the front desk should call, and why.

Three lists, each a pure selection over plain facts the services read:

* a booked visit of a patient whose IMS screening will be out of date by that day (screen again first);
  an IMS visit with no screening at all is listed too. (Booking refuses an IMS visit on a day the
  screening no longer covers, so IMS visits reach this list when the clinic shortens its re-screen
  interval or the data was imported; a physiotherapy visit of a patient in an IMS course reaches it
  whenever the screening runs out before the visit.)
* a course of treatment that stopped: the last completed visit is at least N weeks ago (and within the
  look-back), and nothing is booked;
* a "not yet" block that has ended: the screening said IMS could start on a date that has come, and
  nothing is booked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from frontdesk.domain.appointments import is_screening_stale, screening_valid_until
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_date, plural

DEFAULT_STOPPED_WEEKS = 4
MIN_STOPPED_WEEKS = 1
MAX_STOPPED_WEEKS = 52
#: A course that stopped longer ago than this is history, not a call to make.
LOOK_BACK_WEEKS = 52


class RecallList(StrEnum):
    STALE_SCREENING = "stale_screening"
    COURSE_STOPPED = "course_stopped"
    NOT_YET_ENDED = "not_yet_ended"

    @property
    def heading(self) -> str:
        return _TITLES[self]

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_TITLES = {
    RecallList.STALE_SCREENING: "Screening out of date before the visit",
    RecallList.COURSE_STOPPED: "Course of treatment stopped",
    RecallList.NOT_YET_ENDED: "IMS block has ended",
}
_EXPLANATIONS = {
    RecallList.STALE_SCREENING: "Patients with a booked visit whose IMS screening will be out of date by "
                                "then. Ask them to come a little early to be screened again.",
    RecallList.COURSE_STOPPED: "Patients whose last visit was some weeks ago, with nothing booked since.",
    RecallList.NOT_YET_ENDED: "Patients whose screening said \"not yet\" for IMS until a date that has now "
                              "come, with nothing booked.",
}


@dataclass(frozen=True)
class RecallPatient:
    patient_id: int
    name: str
    phone: str


@dataclass(frozen=True)
class RecallEntry:
    patient: RecallPatient
    reason: str
    #: The date the list is sorted by (the visit, the last visit, the date IMS became possible).
    on: date


@dataclass(frozen=True)
class UpcomingVisit:
    patient: RecallPatient
    day: date
    is_ims: bool
    #: The day of the patient's current IMS screening; None when they have none.
    screened_on: date | None


def _goes_stale(visit: UpcomingVisit, rescreen_months: int) -> bool:
    if visit.screened_on is None:
        return visit.is_ims
    return is_screening_stale(visit.screened_on, visit.day, rescreen_months)


def stale_before_visit(visits: Iterable[UpcomingVisit], today: date, rescreen_months: int) -> list[RecallEntry]:
    """One entry per patient: their first booked visit (from today) on which their IMS screening is out
    of date (or, for an IMS visit, missing); sorted by that visit."""
    first: dict[int, UpcomingVisit] = {}
    for visit in sorted(visits, key=lambda v: (v.day, not v.is_ims, v.patient.patient_id)):
        if visit.day < today or visit.patient.patient_id in first:
            continue
        if _goes_stale(visit, rescreen_months):
            first[visit.patient.patient_id] = visit
    entries = []
    for visit in first.values():
        what = "IMS visit" if visit.is_ims else "Visit"
        if visit.screened_on is None:
            reason = f"{what} on {format_date(visit.day)}; no IMS screening on file. Screen before the visit."
        else:
            until = screening_valid_until(visit.screened_on, rescreen_months)
            reason = (f"{what} on {format_date(visit.day)}; the IMS screening of "
                      f"{format_date(visit.screened_on)} is out of date after {format_date(until)}. "
                      "Screen again before the visit.")
        entries.append(RecallEntry(visit.patient, reason, visit.day))
    return sorted(entries, key=lambda e: (e.on, e.patient.name, e.patient.patient_id))


@dataclass(frozen=True)
class VisitHistory:
    patient: RecallPatient
    last_visit: date | None
    booked_ahead: bool


def course_stopped(histories: Iterable[VisitHistory], today: date, weeks: int,
                   look_back_weeks: int = LOOK_BACK_WEEKS) -> list[RecallEntry]:
    """Patients with no visit for at least ``weeks`` weeks after their last completed one (which is
    within ``look_back_weeks``), and nothing booked; the most recent stop first."""
    if not MIN_STOPPED_WEEKS <= weeks <= MAX_STOPPED_WEEKS:
        raise ValueError(f"weeks must be between {MIN_STOPPED_WEEKS} and {MAX_STOPPED_WEEKS}")
    latest = today - timedelta(weeks=weeks)
    earliest = today - timedelta(weeks=max(look_back_weeks, weeks))
    entries = []
    for history in histories:
        last = history.last_visit
        if last is None or history.booked_ahead or not earliest <= last <= latest:
            continue
        ago = (today - last).days // 7
        reason = f"Last visit on {format_date(last)} ({plural(ago, 'week')} ago); nothing booked."
        entries.append(RecallEntry(history.patient, reason, last))
    return sorted(entries, key=lambda e: (-e.on.toordinal(), e.patient.name, e.patient.patient_id))


@dataclass(frozen=True)
class NotYetScreening:
    patient: RecallPatient
    level: Level
    not_before: date | None
    screened_on: date
    booked_ahead: bool


def not_yet_ended(screenings: Iterable[NotYetScreening], today: date) -> list[RecallEntry]:
    """Patients whose current screening is "not yet" until a date on or before today, with nothing
    booked; the longest-waiting first."""
    entries = []
    for screening in screenings:
        if screening.level is not Level.NOT_YET or screening.not_before is None:
            continue
        if screening.not_before > today or screening.booked_ahead:
            continue
        reason = (f"IMS possible from {format_date(screening.not_before)} (screening of "
                  f"{format_date(screening.screened_on)}); nothing booked.")
        entries.append(RecallEntry(screening.patient, reason, screening.not_before))
    return sorted(entries, key=lambda e: (e.on, e.patient.name, e.patient.patient_id))
