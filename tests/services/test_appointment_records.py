"""A day's appointment records are built from their rows by position (for speed: a day view builds
hundreds); every column must still land in the field of the same name."""

from datetime import UTC, datetime

from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.services.schedule_view import AppointmentRow, appointment_records


def test_each_column_of_a_row_lands_in_its_own_field_of_the_record():
    row = AppointmentRow(
        id=11, version=12, patient_id=13, family_name="Ødegård", given_names="Zoë", preferred_name="Zo",
        phone="2504931152", therapist_id=14, therapist_name="Marie Tremblay", type_id=15,
        type_name="Follow-up", is_ims=False, starts_at="2026-12-07 17:00:00.000000",
        ends_at="2026-12-07 17:30:00.000000", status="cancelled", area="neck", notes="Prefers mornings",
        series_id="series-7", cancel_reason="Sick", late_cancellation=True,
    )
    (record,) = appointment_records(None, [row])  # type: ignore[arg-type]  # no IMS: nothing is read

    assert (record.id, record.version, record.patient_id) == (11, 12, 13)
    assert record.patient_name == 'Ødegård, Zoë "Zo"'
    assert record.stored_phone == "2504931152"
    assert (record.therapist_id, record.therapist_name) == (14, "Marie Tremblay")
    assert (record.type_id, record.type_name, record.is_ims) == (15, "Follow-up", False)
    assert record.starts_at == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    assert record.ends_at == datetime(2026, 12, 7, 17, 30, tzinfo=UTC)
    assert record.status is AppointmentStatus.CANCELLED
    assert (record.area, record.notes, record.series_id) == ("neck", "Prefers mornings", "series-7")
    assert (record.cancel_reason, record.late_cancellation) == ("Sick", True)
