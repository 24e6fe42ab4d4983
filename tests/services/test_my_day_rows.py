"""My day's IMS outlook: the area, its verdict and its "not before" date, for IMS and ordinary visits."""

from __future__ import annotations

from datetime import date, datetime, time

from frontdesk.domain.appointments import ImsFlag
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.my_day import my_day_rows
from frontdesk.services.patients import register_patient
from frontdesk.services.schedule import BookingRequest, book_appointment, list_appointment_types
from frontdesk.services.screenings import record_screening
from screening_answers import AFTER_SURGERY

from .conftest import VANCOUVER

TODAY = date(2026, 11, 25)
CHRIS = 1
LEFT_KNEE = BodyArea(Region.knee, Side.left)
LEFT_THIGH = BodyArea(Region.thigh, Side.left)


def _book(ctx, actor, patient_id, hour, kind, area=""):
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == kind)
    start = datetime.combine(TODAY, time(hour), VANCOUVER)
    return book_appointment(ctx, actor, BookingRequest(patient_id, CHRIS, type_id, start, area=area))


def test_ims_and_ordinary_visits_show_the_area_its_verdict_and_the_date(ctx, reception, physio):
    knee_done = register_patient(ctx, reception, PatientDetails(family_name="Kelly", given_names="Dana",
                                                                date_of_birth=date(1970, 5, 6)), confirmed_new=True)
    # A knee operation six weeks ago: the thigh (next to it) may be needled now, the knee not yet.
    record_screening(ctx, reception, knee_done.id, ScreeningAnswers(
        AFTER_SURGERY, (Surgery(date(2026, 10, 14), LEFT_KNEE),), (LEFT_KNEE, LEFT_THIGH)))
    unscreened = register_patient(ctx, reception, PatientDetails(family_name="Reid", given_names="Sam",
                                                                 date_of_birth=date(1980, 1, 2)), confirmed_new=True)
    ims = _book(ctx, reception, knee_done.id, 11, "IMS treatment", LEFT_THIGH.key)
    ordinary = _book(ctx, reception, knee_done.id, 13, "Physiotherapy treatment")
    other = _book(ctx, reception, unscreened.id, 15, "Physiotherapy treatment")

    rows = {row.record.id: row for row in my_day_rows(ctx, physio, CHRIS, TODAY)}
    booked, knee = rows[ims.id].outlooks
    assert (booked.area, booked.flag, booked.not_before, booked.booked) == ("Left thigh", ImsFlag.ELIGIBLE, None, True)
    assert (knee.area, knee.flag, knee.not_before, knee.booked) == ("Left knee", ImsFlag.NOT_YET, date(2027, 1, 14),
                                                                     False)
    assert [(o.area, o.flag, o.not_before) for o in rows[ordinary.id].outlooks] == [
        ("Left knee", ImsFlag.NOT_YET, date(2027, 1, 14))]
    assert rows[other.id].outlooks == ()  # an ordinary visit with nothing to say about IMS


def test_an_empty_day_is_empty(ctx, physio):
    assert my_day_rows(ctx, physio, CHRIS, TODAY) == []
