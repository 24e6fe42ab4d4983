"""The slots another desk freed, read back from the audit trail: what each kind of change frees (and an
arrival does not), only what is still to come, never this desk's own, and each entry once."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment, mark_arrived
from frontdesk.services.booking import book_appointment, reschedule_appointment
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.context import FixedClock
from frontdesk.services.freed import freed_at_other_desks, newest_trail_entry
from frontdesk.services.patients import register_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.therapist_time import add_extra_hours

VANCOUVER = ZoneInfo("America/Vancouver")
CHRIS, TRACEY = 1, 2


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), VANCOUVER)


@pytest.fixture
def other(db_url, clock, admin):
    """Another desk's services on the same file (its own connections, its own record of what it wrote)."""
    context = open_clinic(db_url, clock=clock)
    yield context
    context.database.dispose()


@pytest.fixture
def booked(ctx, admin):
    kind = next(t for t in list_appointment_types(ctx, admin) if t.name == "Physiotherapy treatment")
    patient = register_patient(ctx, admin, PatientDetails(family_name="Okafor", given_names="Ben",
                                                          date_of_birth=date(1980, 1, 2)), confirmed_new=True)
    return [book_appointment(ctx, admin, BookingRequest(patient.id, CHRIS, kind.id, at(date(2026, 11, 30), hour)))
            for hour in (9, 11, 14)]


def test_each_kind_of_freeing_change_is_read_back_at_the_other_desk_once(ctx, other, admin, booked):
    start = newest_trail_entry(other)
    first, second, third = booked
    cancel_appointment(ctx, admin, first.id, first.version, "Unwell")
    reschedule_appointment(ctx, admin, second.id, second.version, at(date(2026, 12, 1), 9), TRACEY)
    mark_arrived(ctx, admin, third.id, third.version)  # still taken: frees nothing
    add_extra_hours(ctx, admin, TRACEY, at(date(2026, 12, 5), 9), at(date(2026, 12, 5), 12), "Saturday clinic")

    slots, newest = freed_at_other_desks(other, admin, start)
    assert [(s.why, s.therapist_id, s.starts_at, s.ends_at - s.starts_at) for s in slots] == [
        ("cancelled", CHRIS, first.starts_at, first.ends_at - first.starts_at),
        ("moved", CHRIS, second.starts_at, second.ends_at - second.starts_at),
        ("extra_hours", TRACEY, at(date(2026, 12, 5), 9), at(date(2026, 12, 5), 12) - at(date(2026, 12, 5), 9)),
    ]
    assert freed_at_other_desks(other, admin, newest) == ([], newest)
    assert freed_at_other_desks(ctx, admin, start)[0] == []  # the desk that did it heard from its services


def test_a_slot_already_over_is_not_offered(db_url, ctx, admin, booked):
    first = booked[0]
    cancel_appointment(ctx, admin, first.id, first.version, "Unwell")
    later = open_clinic(db_url, clock=FixedClock(datetime(2026, 12, 1, 8, tzinfo=VANCOUVER)))
    try:
        assert freed_at_other_desks(later, admin, 0)[0] == []
    finally:
        later.database.dispose()
