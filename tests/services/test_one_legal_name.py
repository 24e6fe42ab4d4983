"""A patient with one legal name only is registered, found and printed as that one name."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.documents import intake_form
from frontdesk.services.patients import open_patient, register_patient, search_patients
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import day_schedule

VANCOUVER = ZoneInfo("America/Vancouver")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_one_legal_name_is_registered_listed_booked_and_printed(ctx, admin):
    record = register_patient(ctx, admin, PatientDetails("Sukarno", "", date(1961, 6, 6)), confirmed_new=True)
    assert open_patient(ctx, admin, record.id).name == "Sukarno"
    [found] = search_patients(ctx, admin, "sukar")
    assert found.name == "Sukarno"
    kind = next(t for t in list_appointment_types(ctx, admin) if not t.is_ims)
    day = date(2026, 11, 26)
    booked = book_appointment(ctx, admin, BookingRequest(record.id, 1, kind.id,
                                                         datetime.combine(day, time(9), tzinfo=VANCOUVER)))
    assert booked.patient_name == "Sukarno"
    assert [a.patient_name for a in day_schedule(ctx, admin, day).appointments] == ["Sukarno"]
    printed = _text(intake_form(ctx, admin, record.id))
    assert "Sukarno" in printed and "Sukarno," not in printed and ", Sukarno" not in printed


def test_a_given_name_only_is_the_name_too(ctx, admin):
    record = register_patient(ctx, admin, PatientDetails("", "Wiremu", date(1990, 1, 1)), confirmed_new=True)
    assert record.name == "Wiremu"
    assert [p.name for p in search_patients(ctx, admin, "wire")] == ["Wiremu"]
