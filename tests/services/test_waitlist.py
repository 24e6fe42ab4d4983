"""The waitlist service on SQLite and PostgreSQL: entries kept and audited, the IMS first-allowed date,
a cancellation telling who fits the freed slot, and booking one off the list in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from frontdesk.db.models import Appointment, AuditEvent, WaitlistEntry
from frontdesk.domain.screening import Surgery
from frontdesk.domain.waitlist import Priority, WaitState
from frontdesk.services.appointments import StatusNotChanged, cancel_appointment, mark_no_show
from frontdesk.services.errors import Conflict, ValidationFailed
from frontdesk.services.booking import SlotTaken, book_appointment, reschedule_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.therapist_time import add_extra_hours
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.waitlist import (
    WaitlistRequest,
    add_to_waitlist,
    book_from_waitlist,
    earliest_allowed,
    list_waitlist,
    update_waitlist_entry,
    withdraw_waitlist_entry,
)
from frontdesk.services.waitlist_offers import offers_for_freed

from .test_schedule import LEFT_KNEE, MONDAY, at, patient, screen

TODAY = date(2026, 11, 25)


@pytest.fixture
def freed(ctx):
    seen = []
    ctx.freed.subscribe(seen.append)
    return seen


def test_an_entry_is_kept_audited_and_withdrawn_never_deleted(ctx, reception, anh, chris, physio_type):
    record = add_to_waitlist(ctx, reception, WaitlistRequest(anh, physio_type.id, TODAY, therapist_ids=(chris.id,),
                                                             weekdays=(0, 2), part_of_day="morning",
                                                             note="Can come at short notice", priority=3))
    assert (record.state, record.priority, record.therapists_text) == (WaitState.WAITING, Priority.HIGH, chris.name)
    assert record.when_text == "Mon, Wed, mornings" and record.added_by and record.waiting_text(TODAY) == "added today"
    assert record.waiting_text(TODAY + timedelta(days=12)) == "waiting 12 days"
    changed = update_waitlist_entry(ctx, reception, record.id, record.version,
                                    replace(record.as_request(), priority=1, weekdays=()))
    assert changed.priority is Priority.LOW and changed.when_text == "Any day, mornings"
    with pytest.raises(Conflict):
        update_waitlist_entry(ctx, reception, record.id, record.version, record.as_request())
    gone = withdraw_waitlist_entry(ctx, reception, changed.id, changed.version, "Found another clinic")
    assert gone.state is WaitState.WITHDRAWN and gone.closed_reason == "Found another clinic"
    assert list_waitlist(ctx, reception) == []
    assert [r.id for r in list_waitlist(ctx, reception, state=None)] == [record.id]
    with UnitOfWork(ctx, None) as uow:
        assert uow.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 1
        actions = uow.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "waitlist_entry")
                                      .order_by(AuditEvent.id)).all()
    assert actions == ["add", "update", "withdraw"]


def test_bad_entries_are_refused_field_by_field(ctx, reception, anh, chris, ims_type, physio_type):
    with pytest.raises(ValidationFailed) as refused:
        add_to_waitlist(ctx, reception, WaitlistRequest(anh, ims_type.id, TODAY - timedelta(days=1), note="x" * 1001))
    assert set(refused.value.errors) == {"area", "earliest", "note"}


def test_ims_earliest_date_is_never_before_the_areas_first_allowed_date(ctx, reception, anh, ims_type):
    screen(ctx, reception, anh, surgeries=[Surgery(date(2026, 11, 2), LEFT_KNEE)])
    assert earliest_allowed(ctx, reception, anh, ims_type.id, LEFT_KNEE.key) == date(2027, 2, 2)
    with pytest.raises(ValidationFailed) as refused:
        add_to_waitlist(ctx, reception, WaitlistRequest(anh, ims_type.id, TODAY, LEFT_KNEE.key))
    assert "February 2, 2027" in refused.value.errors["earliest"]
    record = add_to_waitlist(ctx, reception, WaitlistRequest(anh, ims_type.id, date(2027, 2, 2), LEFT_KNEE.key))
    assert record.area_label and record.earliest == date(2027, 2, 2)


def test_a_cancellation_offers_the_slot_to_who_fits_best_first(ctx, reception, anh, ben, chris, physio_type,
                                                                ims_type, freed):
    carla = patient(ctx, reception, "Rossi", "Carla", date(1990, 3, 4))
    dan = patient(ctx, reception, "Singh", "Dan", date(1985, 5, 6))
    booked = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 9)))
    normal = add_to_waitlist(ctx, reception, WaitlistRequest(anh, physio_type.id, TODAY))
    high = add_to_waitlist(ctx, reception, WaitlistRequest(carla, physio_type.id, TODAY, priority=3))
    add_to_waitlist(ctx, reception, WaitlistRequest(dan, physio_type.id, TODAY, weekdays=(1,)))  # Tuesdays only
    screen(ctx, reception, dan)
    add_to_waitlist(ctx, reception, WaitlistRequest(dan, ims_type.id, TODAY, LEFT_KNEE.key))
    add_to_waitlist(ctx, reception, WaitlistRequest(ben, physio_type.id, TODAY))  # Ben is the one cancelling

    cancel_appointment(ctx, reception, booked.id, booked.version, "Patient is unwell")
    assert [(f.therapist_id, f.starts_at, f.why) for f in freed] == [(chris.id, at(MONDAY, 9), "cancelled")]
    offers = offers_for_freed(ctx, reception, chris.id, freed[0].starts_at, freed[0].ends_at)
    names = [o.entry.patient_name for o in offers.offers]
    assert [o.entry.id for o in offers.offers][:2] == [high.id, normal.id]
    assert "Singh, Dan" in names  # IMS: screened, qualified physiotherapist, no IMS nearby
    assert all(o.starts_at == at(MONDAY, 9) for o in offers.offers)
    assert len(names) == 4  # Ben fits too: his own booking is cancelled; Dan's Tuesday-only entry does not

    assert [o.later_booking for o in offers.offers][:2] == [None, None]
    appointment = book_from_waitlist(ctx, reception, high.id, high.version, chris.id, at(MONDAY, 9))
    assert appointment.patient_id == carla and appointment.starts_at == at(MONDAY, 9)
    taken = list_waitlist(ctx, reception, state="booked")
    assert [(r.id, r.appointment_id) for r in taken] == [(high.id, appointment.id)]
    assert high.id not in [r.id for r in list_waitlist(ctx, reception)]
    # the slot is taken now: nobody else is offered it, and booking it again is refused with nothing changed
    assert offers_for_freed(ctx, reception, chris.id, at(MONDAY, 9), at(MONDAY, 9, 30)).offers == ()
    with pytest.raises(SlotTaken):
        book_from_waitlist(ctx, reception, normal.id, normal.version, chris.id, at(MONDAY, 9))
    assert list_waitlist(ctx, reception, type_id=physio_type.id)[0].id == normal.id


def test_no_show_move_and_extra_hours_free_time_too(ctx, admin, reception, anh, ben, chris, tracey, physio_type,
                                                    freed):
    one = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    reschedule_appointment(ctx, reception, one.id, one.version, at(MONDAY, 11), tracey.id)
    add_extra_hours(ctx, admin, chris.id, at(MONDAY + timedelta(days=5), 9), at(MONDAY + timedelta(days=5), 12))
    assert [(f.therapist_id, f.starts_at, f.why) for f in freed] == [
        (chris.id, at(MONDAY, 9), "moved"), (chris.id, at(MONDAY + timedelta(days=5), 9), "extra_hours")]
    add_to_waitlist(ctx, reception, WaitlistRequest(ben, physio_type.id, TODAY, therapist_ids=(chris.id,)))
    saturday = offers_for_freed(ctx, reception, chris.id, freed[1].starts_at, freed[1].ends_at)
    assert [o.entry.patient_id for o in saturday.offers] == [ben]
    from frontdesk.services.appointments import get_appointment

    moved = get_appointment(ctx, reception, one.id)
    freed.clear()
    with pytest.raises(StatusNotChanged):  # a no-show before the visit has started is refused by the status rules
        mark_no_show(ctx, reception, moved.id, moved.version)
    assert freed == []


def test_booking_from_the_list_is_all_or_nothing(ctx, reception, anh, ben, chris, physio_type):
    entry = add_to_waitlist(ctx, reception, WaitlistRequest(anh, physio_type.id, TODAY))
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    with pytest.raises(SlotTaken):
        book_from_waitlist(ctx, reception, entry.id, entry.version, chris.id, at(MONDAY, 9))
    with UnitOfWork(ctx, None) as uow:
        assert uow.session.get(WaitlistEntry, entry.id).state == "waiting"
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_new_extra_hours_take_one_waiting_patient_after_another(ctx, admin, reception, anh, ben, chris, physio_type,
                                                               freed):
    saturday = MONDAY + timedelta(days=5)
    first = add_to_waitlist(ctx, reception, WaitlistRequest(anh, physio_type.id, TODAY, priority=3))
    add_to_waitlist(ctx, reception, WaitlistRequest(ben, physio_type.id, TODAY))
    add_extra_hours(ctx, admin, chris.id, at(saturday, 9), at(saturday, 11))
    stretch = freed[-1]
    offers = offers_for_freed(ctx, reception, chris.id, stretch.starts_at, stretch.ends_at).offers
    assert [(o.entry.patient_id, o.starts_at) for o in offers] == [(anh, at(saturday, 9)), (ben, at(saturday, 9))]
    book_from_waitlist(ctx, reception, first.id, first.version, chris.id, at(saturday, 9))
    offers = offers_for_freed(ctx, reception, chris.id, stretch.starts_at, stretch.ends_at).offers
    assert [(o.entry.patient_id, o.starts_at) for o in offers] == [(ben, at(saturday, 9, 30))]


def test_an_offer_names_the_later_visit_it_may_replace(ctx, reception, anh, ben, chris, tracey, physio_type):
    later = book_appointment(ctx, reception, BookingRequest(anh, tracey.id, physio_type.id,
                                                            at(MONDAY + timedelta(days=14), 10)))
    add_to_waitlist(ctx, reception, WaitlistRequest(anh, physio_type.id, TODAY))
    offers = offers_for_freed(ctx, reception, chris.id, at(MONDAY, 9), at(MONDAY, 9, 30)).offers
    assert [(o.entry.patient_id, o.later_booking) for o in offers] == [(anh, later.starts_at)]
