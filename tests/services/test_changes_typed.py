"""What changed, typed: `Kind` members (equal to the strings sent between desks), the change set a unit
of work exposes, and `collect_changes` around service calls."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.changes import EVERYTHING, Change, Changes, Kind, collect_changes
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.unit_of_work import UnitOfWork

VANCOUVER = ZoneInfo("America/Vancouver")
TOMORROW = date(2026, 11, 26)


def test_kinds_are_typed_and_travel_as_their_strings():
    changes = Changes([Change(Kind.APPOINTMENTS, 7, 3, 1, TOMORROW)], kinds=[Kind.WAITLIST])
    assert changes == {Kind.APPOINTMENTS, Kind.WAITLIST} and all(isinstance(k, Kind) for k in changes)
    payload = changes.to_payload("desk-a")
    assert '"appointments"' in payload and "Kind." not in payload
    _origin, back = Changes.from_payload(payload)
    assert back.events == changes.events and all(isinstance(e.kind, Kind) for e in back.events)
    assert Changes.made(Kind.CLINIC, {Kind.USERS}) == {Kind.CLINIC, Kind.USERS}
    assert Changes.made(EVERYTHING) == EVERYTHING and Kind.REMINDERS not in EVERYTHING


def test_a_change_made_here_names_kinds_only_so_it_touches_every_record_of_them():
    from frontdesk.services.changes import touches_appointment, touches_days, touches_patient

    made = Changes.made(Kind.APPOINTMENTS)
    assert not made.complete and not made.events
    assert touches_patient(made, 5, (Kind.APPOINTMENTS,)) and touches_appointment(made, 9)
    assert touches_days(made, TOMORROW, TOMORROW, 2)
    assert not touches_patient(made, 5)  # but only of its kinds
    saved = Changes.made()
    saved.add(Kind.PATIENTS)  # kinds added one by one, as a form saves its parts
    assert touches_patient(saved, 5)


def test_a_kind_this_desk_does_not_know_is_refused_so_the_listener_reads_everything():
    with pytest.raises(ValueError):
        Change.from_list(["invoices", 1, None, None, None])
    with pytest.raises(ValueError):
        Changes(kinds=["appointmnets"])  # a typo is an error, not a kind no view reacts to


def test_a_unit_of_work_exposes_what_it_changed(ctx, admin):
    with UnitOfWork(ctx, admin, write=True) as uow:
        assert uow.changes == set()
        uow.audit("update", "clinic_settings", None)
        uow.audit("print", "document", None)  # changes nothing shown
        assert uow.changes == {Kind.CLINIC} and uow.changes.complete
        uow.commit()


def test_collect_changes_gathers_the_typed_events_of_the_services_called(ctx, admin):
    details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2))
    kind = next(t.id for t in list_appointment_types(ctx, admin) if t.name == "Physiotherapy treatment")
    with collect_changes() as outer:
        with collect_changes() as made:
            patient = register_patient(ctx, admin, details, confirmed_new=True)
        record = book_appointment(ctx, admin, BookingRequest(patient.id, 2, kind,
                                                             datetime.combine(TOMORROW, time(9), tzinfo=VANCOUVER)))
    assert made == {Kind.PATIENTS} and made.events == {Change(Kind.PATIENTS, patient.id, patient.id)}
    assert outer == {Kind.PATIENTS, Kind.APPOINTMENTS} and outer.complete and not outer.remote
    booked = outer.of(Kind.APPOINTMENTS)
    assert [(e.record_id, e.patient_id, e.therapist_id, e.day) for e in booked] == [
        (record.id, patient.id, 2, TOMORROW)]
    with collect_changes() as later:
        pass
    assert later == set() and not later.events  # only what was committed inside the block
