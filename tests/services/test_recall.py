"""Recall lists from the database (SQLite and PostgreSQL), their CSV and their printout."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from reports.pdf_reading import read_pdf, unembedded_fonts
from sqlalchemy import select

from frontdesk.db.models import AuditEvent, Patient
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.recall import RecallList
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.appointments import mark_arrived, mark_completed
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.recall import recall_csv, recall_list, recall_sheet
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.screenings import record_screening
from frontdesk.services.unit_of_work import UnitOfWork

VAN = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)
KNEE = BodyArea(Region.knee, Side.left)
PHYSIO = 4
NO_TO_ALL = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


def at(day: date, hour: int) -> datetime:
    return local_instant(day, time(hour), VAN)


def person(ctx, actor, family, phone) -> int:
    return register_patient(ctx, actor, PatientDetails(family_name=family, given_names="Sam",
                                                       date_of_birth=date(1975, 3, 4), phone=phone),
                            confirmed_new=True).id


def screen(ctx, actor, clock, patient_id, on: date, surgery: date | None = None) -> None:
    clock.at = at(on, 9)
    answers = dict(NO_TO_ALL, had_surgery="yes" if surgery else "no")
    surgeries = (Surgery(surgery, KNEE),) if surgery else ()
    record_screening(ctx, actor, patient_id, ScreeningAnswers(answers, surgeries, (KNEE,)), "knee")
    clock.at = at(TODAY, 10)


def visit(ctx, actor, clock, patient_id, day: date, *, completed: bool, hour: int = 9) -> None:
    clock.at = at(day, 7)
    record = book_appointment(ctx, actor, BookingRequest(patient_id=patient_id, therapist_id=1, type_id=PHYSIO,
                                                         starts_at=at(day, hour)))
    if completed:
        clock.at = at(day, hour)
        arrived = mark_arrived(ctx, actor, record.id, record.version)
        clock.at = at(day, hour + 1)
        mark_completed(ctx, actor, record.id, arrived.version)
    clock.at = at(TODAY, 10)


@pytest.fixture
def clinic(ctx, admin, clock):
    """Who is on which list on Wednesday, November 25, 2026."""
    ids = {}
    # Screened a year and a bit ago, physiotherapy booked after the screening runs out: recall.
    ids["stale"] = person(ctx, admin, "Stale", "250 555 0101")
    screen(ctx, admin, clock, ids["stale"], date(2025, 12, 1))
    visit(ctx, admin, clock, ids["stale"], date(2026, 12, 2), completed=False)
    # Screened recently, booked: fine.
    ids["fresh"] = person(ctx, admin, "Fresh", "250 555 0102")
    screen(ctx, admin, clock, ids["fresh"], date(2026, 11, 20))
    visit(ctx, admin, clock, ids["fresh"], date(2026, 12, 2), completed=False, hour=10)
    # Last treated five weeks ago, nothing booked: course stopped.
    ids["stopped"] = person(ctx, admin, "Stopped", "+44 20 7946 0958")
    visit(ctx, admin, clock, ids["stopped"], date(2026, 10, 21), completed=True)
    # Treated a week ago: stopped only with N = 1.
    ids["recent"] = person(ctx, admin, "Recent", "250 555 0104")
    visit(ctx, admin, clock, ids["recent"], date(2026, 11, 18), completed=True)
    # Treated five weeks ago but booked again: not stopped.
    ids["returning"] = person(ctx, admin, "Returning", "250 555 0105")
    visit(ctx, admin, clock, ids["returning"], date(2026, 10, 21), completed=True, hour=11)
    visit(ctx, admin, clock, ids["returning"], date(2026, 12, 3), completed=False)
    # Knee surgery on August 1: IMS on the knee from November 1 ("not yet" until then), nothing booked.
    ids["waited"] = person(ctx, admin, "=Waited", "250 555 0106")
    screen(ctx, admin, clock, ids["waited"], date(2026, 8, 15), surgery=date(2026, 8, 1))
    # The same, but surgery on October 1: IMS from January 1, not yet.
    ids["waiting"] = person(ctx, admin, "Waiting", "250 555 0107")
    screen(ctx, admin, clock, ids["waiting"], date(2026, 10, 15), surgery=date(2026, 10, 1))
    return ids


def names(entries) -> list[str]:
    return [e.patient.name.split(",")[0] for e in entries]


def test_the_three_lists(ctx, admin, clinic):
    stale = recall_list(ctx, admin, RecallList.STALE_SCREENING)
    assert names(stale) == ["Stale"]
    assert stale[0].patient.phone == "(250) 555-0101"
    assert stale[0].reason == ("Visit on December 2, 2026; the IMS screening of December 1, 2025 is out of date "
                               "after December 1, 2026. Screen again before the visit.")
    assert names(recall_list(ctx, admin, RecallList.COURSE_STOPPED)) == ["Stopped"]
    assert names(recall_list(ctx, admin, RecallList.COURSE_STOPPED, weeks=1)) == ["Recent", "Stopped"]
    not_yet = recall_list(ctx, admin, RecallList.NOT_YET_ENDED)
    assert names(not_yet) == ["=Waited"]
    assert not_yet[0].reason == ("IMS possible from November 1, 2026 (screening of August 15, 2026); "
                                 "nothing booked.")


def test_archived_patients_are_left_out_and_viewing_is_audited(ctx, admin, clinic):
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Patient, clinic["stopped"]).archived = True
        uow.commit()
    assert recall_list(ctx, admin, RecallList.COURSE_STOPPED) == []
    with UnitOfWork(ctx, None) as uow:
        last = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (last.action, last.entity, last.detail["list"]) == ("view", "recall_list", "course_stopped")


def test_weeks_out_of_range_are_refused_beside_the_field(ctx, admin):
    with pytest.raises(ValidationFailed) as refused:
        recall_list(ctx, admin, RecallList.COURSE_STOPPED, weeks=0)
    assert "weeks" in refused.value.errors


def test_the_csv_reads_back_and_no_cell_runs_as_a_formula(ctx, admin, clinic):
    rows = list(csv.reader(io.StringIO(recall_csv(ctx, admin, RecallList.NOT_YET_ENDED))))
    assert rows[0] == ["Patient", "Phone", "Reason", "Date"]
    assert rows[1] == ["'=Waited, Sam", "(250) 555-0106",
                       "IMS possible from November 1, 2026 (screening of August 15, 2026); nothing booked.",
                       "2026-11-01"]
    stopped = list(csv.reader(io.StringIO(recall_csv(ctx, admin, RecallList.COURSE_STOPPED))))
    assert stopped[1][1].startswith("'+44"), "a phone number starting with + is kept as text"


def test_the_printout_lists_each_patient_with_phone_and_reason(ctx, admin, clinic):
    pdf = read_pdf(recall_sheet(ctx, admin, RecallList.COURSE_STOPPED, weeks=1))
    assert "Recall list: Course of treatment stopped (1 week or more)" in pdf.text
    assert "Recent, Sam" in pdf.text and "Stopped, Sam" in pdf.text
    assert "(250) 555-0104" in pdf.text
    assert "Last visit on October 21, 2026 (5 weeks ago); nothing booked." in pdf.text
    assert "2 patients" in pdf.text
    assert unembedded_fonts(pdf.reader) == []
    empty = read_pdf(recall_sheet(ctx, admin, RecallList.STALE_SCREENING, weeks=4))
    assert "Stale, Sam" in empty.text
