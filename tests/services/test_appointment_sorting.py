"""The appointments list in the order asked for, page after page, ties by start time."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.services.appointments import AppointmentFilter, list_appointments
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening

VANCOUVER = ZoneInfo("America/Vancouver")
DAY = date(2026, 11, 27)
ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


@pytest.fixture
def booked(ctx, reception):
    types = {t.name: t.id for t in list_appointment_types(ctx, reception)}
    rows = [("Ødegård", "Zoë", 9, 1, "Physiotherapy treatment"), ("abbott", "Lee", 10, 2, "IMS treatment"),
            ("Young", "Ann", 11, 1, "Physiotherapy assessment"), ("Baker", "Sam", 13, 3, "IMS treatment")]
    for family, given, hour, therapist, kind in rows:
        patient = register_patient(ctx, reception, PatientDetails(family_name=family, given_names=given,
                                                                  date_of_birth=date(1980, 1, 1)), confirmed_new=True)
        if kind.startswith("IMS"):
            record_screening(ctx, reception, patient.id,
                             ScreeningAnswers(ALL_CLEAR, (), (BodyArea(Region.neck),)), "Neck pain")
        book_appointment(ctx, reception, BookingRequest(patient.id, therapist, types[kind],
                                                        datetime.combine(DAY, time(hour), tzinfo=VANCOUVER),
                                                        "neck" if kind.startswith("IMS") else ""))


def names(ctx, actor, sort, descending=False, page=2):
    flt = AppointmentFilter(date_from=DAY, date_to=DAY, sort=sort, descending=descending)
    found, offset = [], 0
    while batch := list_appointments(ctx, actor, flt, offset, limit=page):
        found += [record.patient_name.split(",")[0] for record in batch]
        offset += len(batch)
    return found


@pytest.mark.parametrize("sort, descending, expected", [
    ("start", False, ["Ødegård", "abbott", "Young", "Baker"]),
    ("start", True, ["Baker", "Young", "abbott", "Ødegård"]),
    ("patient", False, ["abbott", "Baker", "Ødegård", "Young"]),  # accents and case do not scatter names
    ("patient", True, ["Young", "Ødegård", "Baker", "abbott"]),
    ("ims", False, ["abbott", "Baker", "Ødegård", "Young"]),
    ("type", False, ["abbott", "Baker", "Young", "Ødegård"]),
])
def test_the_list_comes_in_the_order_asked_for_across_pages(ctx, reception, booked, sort, descending, expected):
    assert names(ctx, reception, sort, descending) == expected


def test_an_unknown_order_is_refused(ctx, reception):
    with pytest.raises(ValidationFailed):
        list_appointments(ctx, reception, AppointmentFilter(sort="favourite colour"))
