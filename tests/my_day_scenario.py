"""A physiotherapist's day for the My day tests (the service's rows and the window's table)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from screening_answers import AFTER_SURGERY

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)  # the test clock: Wednesday 10:00
CHRIS, TRACEY = 1, 2
LEFT_KNEE = BodyArea(Region.knee, Side.left)
LEFT_THIGH = BodyArea(Region.thigh, Side.left)


def book_today(ctx, actor, patient_id, hour, kind, therapist=CHRIS, area=""):
    """Book `kind` (an appointment type's name) today at `hour` o'clock."""
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == kind)
    start = datetime.combine(TODAY, time(hour), VANCOUVER)
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist, type_id, start, area=area))


def kelly_and_reid(ctx, actor) -> tuple[int, int]:
    """Dana Kelly, whose left knee was operated six weeks ago (the thigh beside it may be needled now,
    the knee not yet), and Sam Reid, never screened: their patient ids."""
    kelly = register_patient(ctx, actor, PatientDetails(family_name="Kelly", given_names="Dana",
                                                        date_of_birth=date(1970, 5, 6)), confirmed_new=True)
    record_screening(ctx, actor, kelly.id, ScreeningAnswers(
        AFTER_SURGERY, (Surgery(date(2026, 10, 14), LEFT_KNEE),), (LEFT_KNEE, LEFT_THIGH)))
    reid = register_patient(ctx, actor, PatientDetails(family_name="Reid", given_names="Sam",
                                                       date_of_birth=date(1980, 1, 2)), confirmed_new=True)
    return kelly.id, reid.id
