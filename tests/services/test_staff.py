"""The admin's side of the schedule: physiotherapists, appointment types, time off and extra hours."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from frontdesk.db.models import AuditEvent, ScheduleException
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.availability import find_next_available
from frontdesk.services.booking import BookingRefused, book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import day_schedule, list_therapists
from frontdesk.services.therapist_time import add_extra_hours, add_time_off, set_working_hours
from frontdesk.services.staff import (
    AppointmentTypeDetails,
    ExceptionKind,
    TherapistDetails,
    blocks_from_rows,
    booked_appointments,
    cancel_schedule_exception,
    create_appointment_type,
    create_therapist,
    describe_appointments,
    list_all_appointment_types,
    list_all_therapists,
    list_schedule_exceptions,
    update_appointment_type,
    update_therapist,
    weekly_hours_problems,
    whole_days,
)
from frontdesk.services.unit_of_work import UnitOfWork

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 11, 30)  # the clock stands at Wednesday 2026-11-25 10:00
SATURDAY = date(2026, 12, 5)


def at(day: date, hour: int, minute: int = 0):
    return local_instant(day, time(hour, minute), VAN)


def audit_rows(ctx, entity: str) -> list[tuple[str, int | None, str, dict]]:
    with UnitOfWork(ctx, None) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.username, AuditEvent.detail)
            .where(AuditEvent.entity == entity).order_by(AuditEvent.id))]


def types_by_name(ctx, actor):
    return {t.name: t for t in list_appointment_types(ctx, actor)}


@pytest.fixture
def anh(ctx, reception):
    return register_patient(ctx, reception, PatientDetails(family_name="Nguyen", given_names="Anh",
                                                           date_of_birth=date(1980, 1, 2))).id


@pytest.fixture
def chris(ctx, admin):
    return next(t for t in list_therapists(ctx, admin) if t.name == "Chris Stokes")


@pytest.fixture
def physio_type(ctx, admin):
    return types_by_name(ctx, admin)["Physiotherapy treatment"]


# --- Physiotherapists ----------------------------------------------------------------------------


def test_a_new_physiotherapist_is_a_column_of_the_day_view_and_audited(ctx, admin):
    added = create_therapist(ctx, admin, TherapistDetails(
        "  Mina   Okafor ", registration_number=" 12345 ", ims_qualified=True, colour="#AA3377"))
    assert (added.name, added.registration_number, added.colour) == ("Mina Okafor", "12345", "#aa3377")
    assert added.ims_qualified_on == ctx.today()  # empty date: recorded today
    columns = [c.therapist.name for c in day_schedule(ctx, admin, MONDAY).columns]
    assert columns[-1] == "Mina Okafor"
    [(action, entity_id, user, detail)] = audit_rows(ctx, "therapist")
    assert (action, entity_id, user, detail["full_name"]) == ("create", added.id, "owner", "Mina Okafor")


def test_switching_off_hides_the_column_but_keeps_the_appointments(ctx, admin, reception, anh, chris, physio_type):
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    update_therapist(ctx, admin, chris.id, TherapistDetails(
        chris.name, chris.designation, ims_qualified=True, ims_qualified_on=chris.ims_qualified_on,
        active=False, colour=chris.colour), expected_version=chris.version)
    day = day_schedule(ctx, admin, MONDAY)
    assert "Chris Stokes" not in [c.therapist.name for c in day.columns]
    assert booked.id in [a.id for a in day.appointments]
    assert "Chris Stokes" in [t.name for t in list_all_therapists(ctx, admin)]
    [(action, _id, _user, detail)] = audit_rows(ctx, "therapist")
    assert (action, detail["fields"], detail["before"], detail["after"]) == (
        "update", ["active"], {"active": True}, {"active": False})


def test_an_unchanged_save_writes_no_audit_row(ctx, admin, chris):
    update_therapist(ctx, admin, chris.id, TherapistDetails(
        chris.name, chris.designation, chris.registration_number, True, chris.ims_qualified_on, True, chris.colour),
        expected_version=chris.version)
    assert audit_rows(ctx, "therapist") == []


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        (TherapistDetails("   "), "full_name", "Type the physiotherapist's name."),
        (TherapistDetails("tracey mcquair"), "full_name", "Tracey McQuair is already in the list"),
        (TherapistDetails("Mina Okafor", designation=""), "designation", "Type the designation"),
        (TherapistDetails("Mina Okafor", colour="green"), "colour", "six hex digits"),
        (TherapistDetails("Mina Okafor", registration_number="9" * 51), "registration_number", "under 50"),
        (TherapistDetails("Mina Okafor", ims_qualified=True, ims_qualified_on=date(2027, 1, 1)),
         "ims_qualified_on", "cannot be in the future"),
    ],
)
def test_therapist_details_are_checked_field_by_field(ctx, admin, details, field, message):
    with pytest.raises(ValidationFailed) as refused:
        create_therapist(ctx, admin, details)
    assert message in refused.value.errors[field]


def test_not_qualified_forgets_the_qualification_date(ctx, admin):
    added = create_therapist(ctx, admin, TherapistDetails("Mina Okafor", ims_qualified=False,
                                                          ims_qualified_on=date(2020, 1, 1)))
    assert (added.ims_qualified, added.ims_qualified_on) == (False, None)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda ctx, who, t: create_therapist(ctx, who, TherapistDetails("Mina Okafor")),
        lambda ctx, who, t: update_therapist(ctx, who, t.id, TherapistDetails(t.name, active=False),
                                             expected_version=t.version),
        lambda ctx, who, t: list_all_therapists(ctx, who),
        lambda ctx, who, t: create_appointment_type(ctx, who, AppointmentTypeDetails("Taping", 15)),
        lambda ctx, who, t: update_appointment_type(ctx, who, 1, AppointmentTypeDetails("Taping", 15),
                                                    expected=AppointmentTypeDetails("Taping", 15)),
        lambda ctx, who, t: set_working_hours(ctx, who, t.id, [], expected=[]),
        lambda ctx, who, t: add_time_off(ctx, who, t.id, at(MONDAY, 8), at(MONDAY, 12), "Course"),
    ],
    ids=["create therapist", "update therapist", "list all", "create type", "update type", "hours", "time off"],
)
def test_reception_is_refused_and_the_refusal_is_recorded(ctx, reception, chris, attempt):
    with pytest.raises(PermissionDenied, match="Reception accounts may not"):
        attempt(ctx, reception, chris)
    [(action, _id, user, _detail)] = audit_rows(ctx, "permission")
    assert (action, user) == ("denied", "desk")


# --- Weekly hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ([(0, time(8), time(12)), (0, time(13), time(17))], {}),
        ([(0, time(8), time(12)), (0, time(12), time(17))], {}),  # touching blocks are fine
        ([(0, time(8), time(12)), (1, time(9), time(11))], {}),  # other day
        ([(0, time(12), time(8))], {0: "The block must end after it starts."}),
        ([(0, time(9), time(9))], {0: "The block must end after it starts."}),
        ([(2, time(8), time(12)), (2, time(11), time(14))],
         {0: "Overlaps another Wednesday block (11:00–14:00).",
          1: "Overlaps another Wednesday block (8:00–12:00); join them or fix the times."}),
    ],
    ids=["two blocks", "touching", "other day", "reversed", "empty", "overlap"],
)
def test_weekly_hours_problems_name_the_row(rows, problems):
    assert weekly_hours_problems(rows) == problems


def test_blocks_from_rows_refuses_with_the_row_number():
    with pytest.raises(ValidationFailed) as refused:
        blocks_from_rows([(0, time(8), time(12)), (0, time(12), time(10))])
    assert refused.value.errors == {"blocks": "Row 2: The block must end after it starts."}


def test_new_weekly_hours_make_saturday_bookable(ctx, admin, reception, anh, physio_type):
    mina = create_therapist(ctx, admin, TherapistDetails("Mina Okafor"))
    set_working_hours(ctx, admin, mina.id, blocks_from_rows([(5, time(9), time(12))]), expected=[])
    slots = find_next_available(ctx, reception, physio_type.id, mina.id, MONDAY)
    assert slots[0].starts_at == at(SATURDAY, 9)


# --- Time off and extra hours --------------------------------------------------------------------


def test_time_off_shows_as_away_in_the_day_view(ctx, admin, chris):
    add_time_off(ctx, admin, chris.id, at(MONDAY, 13), at(MONDAY, 17), "Dentist")
    column = next(c for c in day_schedule(ctx, admin, MONDAY).columns if c.therapist.id == chris.id)
    [away] = column.away
    assert (away.interval.start, away.interval.end, away.reason) == (at(MONDAY, 13), at(MONDAY, 17), "Dentist")
    assert [(w.start, w.end) for w in column.working] == [(at(MONDAY, 8), at(MONDAY, 12))]


def test_whole_days_cover_a_daylight_saving_change():
    span = whole_days(date(2027, 3, 13), date(2027, 3, 14), VAN)  # clocks spring forward on the 14th
    assert (span.start, span.end) == (at(date(2027, 3, 13), 0), at(date(2027, 3, 15), 0))
    assert span.duration == timedelta(hours=47)


def test_extra_hours_on_a_saturday_become_bookable(ctx, admin, reception, anh, chris, physio_type):
    with pytest.raises(BookingRefused):
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(SATURDAY, 10)))
    add_extra_hours(ctx, admin, chris.id, at(SATURDAY, 9), at(SATURDAY, 12), "Sports day clinic")
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(SATURDAY, 10)))
    assert booked.starts_at == at(SATURDAY, 10)


def test_extra_hours_are_for_one_day_at_a_time(ctx, admin, reception, anh, chris, physio_type):
    with pytest.raises(ValidationFailed) as refused:
        add_extra_hours(ctx, admin, chris.id, at(SATURDAY, 9), at(SATURDAY + timedelta(days=1), 12), "Weekend")
    assert "one day at a time" in refused.value.errors["ends_at"]
    # Nothing was written: the night between stays closed.
    with pytest.raises(BookingRefused):
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(SATURDAY, 23)))
    until_midnight = add_extra_hours(ctx, admin, chris.id, at(SATURDAY, 18), at(SATURDAY + timedelta(days=1), 0))
    assert until_midnight.interval.end == at(SATURDAY + timedelta(days=1), 0)


def test_booked_appointments_list_what_time_off_would_strand(ctx, admin, reception, anh, chris, physio_type):
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    span = whole_days(MONDAY, MONDAY, VAN)
    found = booked_appointments(ctx, admin, chris.id, span.start, span.end)
    assert [a.id for a in found] == [booked.id]
    assert booked_appointments(ctx, admin, chris.id, at(MONDAY, 9, 30), at(MONDAY, 12)) == []
    assert [a.id for a in booked_appointments(ctx, admin, chris.id, at(MONDAY, 0))] == [booked.id]
    assert booked_appointments(ctx, admin, chris.id, at(MONDAY, 0), ims_only=True) == []
    assert describe_appointments(found, VAN) == (
        "• Monday, November 30 9:00 — Nguyen, Anh (Physiotherapy treatment)")


def test_list_and_cancel_time_off_keeps_the_entry(ctx, admin, reception, anh, chris, physio_type):
    entry = add_time_off(ctx, admin, chris.id, at(MONDAY, 8), at(MONDAY, 12), "Course")
    add_extra_hours(ctx, admin, chris.id, at(SATURDAY, 9), at(SATURDAY, 12), "")
    listed = list_schedule_exceptions(ctx, admin, chris.id, MONDAY, SATURDAY)
    assert [(e.kind, e.reason, e.cancelled) for e in listed] == [
        (ExceptionKind.TIME_OFF, "Course", False), (ExceptionKind.EXTRA_HOURS, "", False)]

    cancelled = cancel_schedule_exception(ctx, admin, entry.id)
    assert cancelled.cancelled
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    assert [e.cancelled for e in list_schedule_exceptions(ctx, admin, chris.id, MONDAY, MONDAY)] == [True]
    assert list_schedule_exceptions(ctx, admin, chris.id, MONDAY, MONDAY, include_cancelled=False) == []
    with UnitOfWork(ctx, None) as uow:
        assert uow.session.get(ScheduleException, entry.id).cancelled
    assert [row[0] for row in audit_rows(ctx, "time_off")] == ["add", "cancel"]
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_schedule_exception(ctx, admin, entry.id)
    with pytest.raises(PermissionDenied):
        cancel_schedule_exception(ctx, reception, entry.id)


# --- Appointment types ---------------------------------------------------------------------------


def test_a_new_type_is_offered_for_booking_and_audited(ctx, admin, reception):
    added = create_appointment_type(ctx, admin, AppointmentTypeDetails(" Taping ", 15))
    assert types_by_name(ctx, reception)["Taping"].duration_minutes == 15
    assert [(r[0], r[1], r[3]["name"]) for r in audit_rows(ctx, "appointment_type")] == [
        ("create", added.id, "Taping")]


def as_shown(kind) -> AppointmentTypeDetails:
    """The kind as an editing form shows it: what a save is checked against."""
    return AppointmentTypeDetails(kind.name, kind.duration_minutes, kind.is_ims, getattr(kind, "active", True))


def test_a_new_length_applies_to_new_bookings_only(ctx, admin, reception, anh, chris, physio_type):
    before = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    update_appointment_type(ctx, admin, physio_type.id, AppointmentTypeDetails(physio_type.name, 45),
                            expected=as_shown(physio_type))
    after = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 10)))
    assert (before.ends_at, after.ends_at) == (at(MONDAY, 9, 30), at(MONDAY, 10, 45))
    [(action, _id, _user, detail)] = audit_rows(ctx, "appointment_type")
    assert (action, detail["before"], detail["after"]) == ("update", {"duration_minutes": 30},
                                                           {"duration_minutes": 45})


def test_a_switched_off_type_is_not_offered_but_listed_for_the_admin(ctx, admin, reception, physio_type):
    update_appointment_type(ctx, admin, physio_type.id, AppointmentTypeDetails(physio_type.name, 30, active=False),
                            expected=as_shown(physio_type))
    assert physio_type.name not in types_by_name(ctx, reception)
    listed = {t.name: t for t in list_all_appointment_types(ctx, admin)}
    assert listed[physio_type.name].active is False


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        (AppointmentTypeDetails("", 30), "name", "Type a name"),
        (AppointmentTypeDetails("ims TREATMENT", 30), "name", "already a kind of appointment"),
        (AppointmentTypeDetails("Taping", 0), "duration_minutes", "from 5 to 480 minutes"),
        (AppointmentTypeDetails("Taping", 17), "duration_minutes", "in steps of 5"),
        (AppointmentTypeDetails("Taping", 485), "duration_minutes", "from 5 to 480 minutes"),
    ],
)
def test_type_details_are_checked(ctx, admin, details, field, message):
    with pytest.raises(ValidationFailed) as refused:
        create_appointment_type(ctx, admin, details)
    assert message in refused.value.errors[field]


def test_a_used_type_keeps_its_ims_flag(ctx, admin, reception, anh, chris, physio_type):
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    with pytest.raises(ValidationFailed) as refused:
        update_appointment_type(ctx, admin, physio_type.id, AppointmentTypeDetails(physio_type.name, 30, is_ims=True),
                                expected=as_shown(physio_type))
    assert "1 appointment already use" in refused.value.errors["is_ims"]


def test_the_last_type_in_use_cannot_be_switched_off(ctx, admin):
    types = list_all_appointment_types(ctx, admin)
    for kind in types[:-1]:
        update_appointment_type(ctx, admin, kind.id, AppointmentTypeDetails(kind.name, kind.duration_minutes,
                                                                            kind.is_ims, active=False),
                                expected=as_shown(kind))
    last = types[-1]
    with pytest.raises(ValidationFailed) as refused:
        update_appointment_type(ctx, admin, last.id, AppointmentTypeDetails(last.name, last.duration_minutes,
                                                                            last.is_ims, active=False),
                                expected=as_shown(last))
    assert "at least one" in refused.value.errors["active"]


@pytest.mark.parametrize(("typed", "cents"), [("95", 9500), ("95.5", 9550), ("$1,095.00", 109500), ("", None)])
def test_a_fee_is_read_as_people_type_it(typed, cents):
    from frontdesk.services.staff import parse_fee

    assert parse_fee(typed) == cents


@pytest.mark.parametrize("typed", ["ninety", "95.555", "-5", "9 5"])
def test_a_fee_that_is_not_one_is_refused(typed):
    from frontdesk.services.staff import parse_fee

    with pytest.raises(ValueError):
        parse_fee(typed)
