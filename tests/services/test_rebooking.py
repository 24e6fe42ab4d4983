"""Book again and the IMS interval: the proposal copies the last visit and finds the first slot that
obeys every rule; closer IMS treatments need a reason, which is kept with the appointment and audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from frontdesk.db.models import AppointmentEvent, AuditEvent
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.availability import find_next_available, patient_bookings, rebooking
from frontdesk.services.booking import IntervalReasonNeeded, book_appointment, check_booking
from frontdesk.services.records import BookingRequest
from frontdesk.services.unit_of_work import UnitOfWork

from .test_schedule import LEFT_KNEE, MONDAY, at, screen


@pytest.fixture
def screened(ctx, reception, anh):
    screen(ctx, reception, anh)
    return anh


def ims(ctx, actor, patient_id, therapist_id, type_id, start, reason=""):
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist_id, type_id, start, LEFT_KNEE.key,
                                                       interval_reason=reason))


def test_a_second_ims_inside_the_interval_needs_a_reason_which_is_kept(ctx, reception, screened, chris, ims_type):
    first = ims(ctx, reception, screened, chris.id, ims_type.id, at(MONDAY, 9))
    request = BookingRequest(screened, chris.id, ims_type.id, at(MONDAY + timedelta(days=3), 9), LEFT_KNEE.key)
    check = check_booking(ctx, reception, request)
    assert check.ok and "3 days" in check.too_close and "at least 7 days apart" in check.too_close
    with pytest.raises(IntervalReasonNeeded) as refused:
        book_appointment(ctx, reception, request)
    assert refused.value.warning == check.too_close
    same_day = check_booking(ctx, reception, replace(request, starts_at=at(MONDAY, 14)))
    assert "already has IMS on this day" in same_day.too_close

    second = book_appointment(ctx, reception, replace(request, interval_reason="Travelling next week"))
    with UnitOfWork(ctx, None) as uow:
        detail = uow.session.scalar(select(AppointmentEvent.detail).where(AppointmentEvent.appointment_id == second.id))
        audit = uow.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "book",
                                                                   AuditEvent.entity_id == second.id))
    assert "Travelling next week" in detail["reason"]
    assert audit["interval_reason"] == "Travelling next week"
    # a week after the first is too close to the second, until the second is cancelled
    week_later = replace(request, starts_at=at(MONDAY + timedelta(days=7), 9))
    assert "4 days" in check_booking(ctx, reception, week_later).too_close
    cancel_appointment(ctx, reception, second.id, second.version, "Patient is unwell")
    assert not check_booking(ctx, reception, week_later).too_close
    assert first.id


def test_the_interval_is_a_clinic_setting(ctx, admin, reception, screened, chris, ims_type):
    assert get_clinic_settings(ctx).ims_interval_days == 7
    ims(ctx, reception, screened, chris.id, ims_type.id, at(MONDAY, 9))
    request = BookingRequest(screened, chris.id, ims_type.id, at(MONDAY + timedelta(days=3), 9), LEFT_KNEE.key)
    update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx), ims_interval_days=3))
    assert not check_booking(ctx, reception, request).too_close
    with pytest.raises(ValidationFailed) as refused:
        update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx), ims_interval_days=0))
    assert "ims_interval_days" in refused.value.errors


def test_the_finder_keeps_ims_apart_and_never_offers_the_patients_own_time(ctx, reception, screened, chris, tracey,
                                                                          ims_type, physio_type):
    ims(ctx, reception, screened, chris.id, ims_type.id, at(MONDAY, 9))
    slots = find_next_available(ctx, reception, ims_type.id, None, MONDAY, patient_id=screened, area=LEFT_KNEE.key)
    assert slots and all(s.starts_at.astimezone(at(MONDAY, 9).tzinfo) for s in slots)
    days = {s.starts_at.date() for s in slots}
    assert min(days) >= MONDAY + timedelta(days=7)
    # a physiotherapy visit is not IMS: it may be the same week, but never at the patient's own time
    book_appointment(ctx, reception, BookingRequest(screened, tracey.id, physio_type.id, at(MONDAY, 10)))
    physio = find_next_available(ctx, reception, physio_type.id, None, MONDAY, patient_id=screened, limit=60)
    taken = [at(MONDAY, 9), at(MONDAY, 10)]
    assert not any(s.interval.start < t + timedelta(minutes=30) and t < s.interval.end
                   for s in physio for t in taken)


def test_book_again_copies_the_last_visit_and_proposes_the_first_allowed_slot(ctx, clock, reception, screened,
                                                                              tracey, ims_type):
    past = at(date(2026, 11, 23), 9)  # Monday, before the clock's Wednesday 2026-11-25 10:00
    now = clock.at
    clock.at = past - timedelta(days=7)  # booked the week before, as it was then
    earlier = ims(ctx, reception, screened, tracey.id, ims_type.id, past)
    clock.at = now
    proposal = rebooking(ctx, reception, screened)
    assert proposal.template.id == earlier.id
    assert (proposal.type_id, proposal.therapist_id, proposal.area) == (ims_type.id, tracey.id, LEFT_KNEE.key)
    assert proposal.slot.therapist_id == tracey.id
    assert proposal.slot.starts_at >= at(date(2026, 11, 30), 0)  # seven days after Monday the 23rd
    assert proposal.bookings.last[0].id == earlier.id and not proposal.bookings.upcoming
    assert "First free time" in proposal.note
    booked = ims(ctx, reception, screened, proposal.slot.therapist_id, ims_type.id, proposal.slot.starts_at)
    assert patient_bookings(ctx, reception, screened).upcoming[0].id == booked.id


def test_book_again_without_any_visit_asks_for_the_type(ctx, reception, ben):
    proposal = rebooking(ctx, reception, ben)
    assert proposal.template is None and proposal.slot is None and "choose the type" in proposal.note


def test_moving_ims_closer_needs_a_reason_too(ctx, reception, screened, chris, ims_type):
    from frontdesk.services.booking import reschedule_appointment

    ims(ctx, reception, screened, chris.id, ims_type.id, at(MONDAY, 9))
    later = ims(ctx, reception, screened, chris.id, ims_type.id, at(MONDAY + timedelta(days=7), 9))
    with pytest.raises(IntervalReasonNeeded):
        reschedule_appointment(ctx, reception, later.id, later.version, at(MONDAY + timedelta(days=3), 9))
    moved = reschedule_appointment(ctx, reception, later.id, later.version, at(MONDAY + timedelta(days=3), 9),
                                   interval_reason="Away the week after")
    assert moved.starts_at == at(MONDAY + timedelta(days=3), 9)
    # moving it within its own week is not "closer to itself"
    again = reschedule_appointment(ctx, reception, moved.id, moved.version, at(MONDAY + timedelta(days=10), 10))
    assert again.starts_at == at(MONDAY + timedelta(days=10), 10)


def test_a_series_closer_than_the_interval_needs_the_reason_once(ctx, reception, screened, chris, ims_type):
    from frontdesk.services.series import book_series

    request = BookingRequest(screened, chris.id, ims_type.id, at(MONDAY, 9), LEFT_KNEE.key)
    twice_a_week = [at(MONDAY, 9), at(MONDAY + timedelta(days=3), 9), at(MONDAY + timedelta(days=7), 9)]
    with pytest.raises(IntervalReasonNeeded) as refused:
        book_series(ctx, reception, request, twice_a_week)
    assert refused.value.warning.startswith("Thursday, December 3: Only 3 days")
    booked = book_series(ctx, reception, replace(request, interval_reason="Acute flare-up"), twice_a_week)
    assert len(booked) == 3
