"""Who last changed a patient or an appointment, read from the audit trail (or the row's own stamp)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import appointment_detail, mark_arrived
from frontdesk.services.last_change import patient_last_change
from frontdesk.services.patients import open_patient, register_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.series import book_series
from frontdesk.services.unit_of_work import UnitOfWork

VANCOUVER = ZoneInfo("America/Vancouver")


def test_opening_a_record_is_not_a_change(ctx, admin, reception, clock):
    record = register_patient(ctx, reception, PatientDetails("Lee", "Sam", date(1970, 3, 3)), confirmed_new=True)
    clock.advance(hours=1)
    open_patient(ctx, admin, record.id)
    change = patient_last_change(ctx, admin, record.id)
    assert (change.name, change.action, change.at) == ("Front Desk Reception", "create", record.created_at)


def test_the_appointments_of_a_series_name_who_booked_them(ctx, reception, physio, clock):
    from frontdesk.db.models import Patient

    record = register_patient(ctx, reception, PatientDetails("Lee", "Sam", date(1970, 3, 3)), confirmed_new=True)
    kind = next(t for t in list_appointment_types(ctx, reception) if not t.is_ims)
    first = datetime.combine(date(2026, 11, 30), time(9), tzinfo=VANCOUVER)
    series = book_series(ctx, reception, BookingRequest(record.id, 1, kind.id, first),
                         [first, first + timedelta(days=7)])
    later = series[1]
    # The trail records a series once, under its first appointment: the second one's stamp answers.
    detail = appointment_detail(ctx, physio, later.id)
    assert detail.last_change.name == "Front Desk Reception"
    clock.advance(minutes=30)
    mark_arrived(ctx, physio, later.id, later.version)
    assert appointment_detail(ctx, reception, later.id).last_change.name == "Chris Stokes"

    # A record changed without a trail entry of its own (brought in from elsewhere): its stamp answers.
    clock.advance(hours=2)
    with UnitOfWork(ctx, physio, write=True) as uow:
        row = uow.session.get(Patient, record.id)
        row.updated_at, row.updated_by = ctx.now(), physio.user_id
        uow.commit()
    change = patient_last_change(ctx, reception, record.id)
    assert (change.name, change.at) == ("Chris Stokes", ctx.now())
