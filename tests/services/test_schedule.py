"""Booking rules, IMS refusals, moves, series, free-slot search and the day view's data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from frontdesk.db.models import Appointment, AppointmentEvent, AuditEvent, Therapist
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import Interval, PartOfDay, local_instant
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.availability import find_next_available
from frontdesk.services.booking import (
    BookingRefused,
    SlotTaken,
    book_appointment,
    check_booking,
    reschedule_appointment,
)
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import appointment_query, load_appointment_records
from frontdesk.services.schedule_view import day_schedule, list_therapists, week_schedule
from frontdesk.services.series import book_series, plan_series
from frontdesk.services.therapist_time import add_extra_hours, add_time_off
from frontdesk.services.unit_of_work import UnitOfWork
from screening_answers import NO_TO_ALL

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 11, 30)  # the clock stands at Wednesday 2026-11-25 10:00
LEFT_KNEE = BodyArea(Region.knee, Side.left)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), VAN)


def patient(ctx, actor, family="Nguyen", given="Anh", born=date(1980, 1, 2)) -> int:
    return register_patient(ctx, actor, PatientDetails(family_name=family, given_names=given,
                                                       date_of_birth=born)).id


def screen(ctx, actor, patient_id, surgeries=(), areas=(LEFT_KNEE,)):
    from frontdesk.services.screenings import record_screening

    answers = dict(NO_TO_ALL, had_surgery="yes" if surgeries else "no")
    return record_screening(ctx, actor, patient_id, ScreeningAnswers(answers, tuple(surgeries), tuple(areas)),
                            "knee pain")


def test_booking_is_saved_with_history_and_audit(ctx, reception, anh, chris, physio_type):
    record = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    assert record.starts_at == at(MONDAY, 9)
    assert record.ends_at - record.starts_at == timedelta(minutes=30)
    assert (record.status, record.therapist_name, record.patient_name) == (
        AppointmentStatus.BOOKED, "Chris Stokes", "Nguyen, Anh")
    assert record.ims_flag is ImsFlag.NONE
    with UnitOfWork(ctx, None) as uow:
        events = list(uow.session.execute(select(AppointmentEvent.kind, AppointmentEvent.by_user)
                                          .where(AppointmentEvent.appointment_id == record.id)))
        audit = list(uow.session.execute(select(AuditEvent.action, AuditEvent.username)
                                         .where(AuditEvent.entity == "appointment")))
    assert events == [("booked", reception.user_id)]
    assert audit == [("book", "desk")]


@pytest.mark.parametrize(
    ("day", "hour", "minute", "expected"),
    [
        (MONDAY, 7, 30, "Outside working hours: Chris Stokes works 8:00–12:00 and 13:00–17:00"),
        (MONDAY, 11, 45, "Outside working hours"),  # runs into the lunch break
        (MONDAY, 12, 15, "Outside working hours"),
        (date(2026, 12, 5), 9, 0, "Chris Stokes does not work on Saturday, December 5"),
        (date(2026, 11, 24), 9, 0, "This time has already passed"),
    ],
)
def test_booking_outside_bookable_time_is_refused(ctx, reception, anh, chris, physio_type, day, hour, minute,
                                                   expected):
    with pytest.raises(BookingRefused) as refused:
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(day, hour, minute)))
    assert expected in refused.value.message


def test_time_off_blocks_booking_and_names_the_reason(ctx, admin, reception, anh, chris, physio_type):
    result = add_time_off(ctx, admin, chris.id, at(MONDAY, 8), at(MONDAY, 12), "Course in Vancouver")
    assert result.affected == ()
    with pytest.raises(BookingRefused, match=r"away at this time \(Course in Vancouver\)"):
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    # the afternoon still works
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 14)))


def test_time_off_lists_the_appointments_already_booked(ctx, admin, reception, anh, chris, physio_type):
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    result = add_time_off(ctx, admin, chris.id, at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), "Sick")
    assert [a.id for a in result.affected] == [booked.id]


def test_reception_may_not_enter_time_off(ctx, reception, chris):
    with pytest.raises(PermissionDenied):
        add_time_off(ctx, reception, chris.id, at(MONDAY, 8), at(MONDAY, 12), "")


@pytest.mark.parametrize(
    ("who", "start", "message"),
    [
        ("same therapist", (9, 15), "Chris Stokes already has an appointment 9:00–9:30"),
        ("same therapist", (8, 45), "Chris Stokes already has an appointment 9:00–9:30"),
        ("same patient, other therapist", (9, 0), "The patient already has an appointment 9:00–9:30"),
    ],
)
def test_overlapping_booking_is_a_conflict(ctx, reception, anh, ben, chris, tracey, physio_type, who, start,
                                           message):
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    if who == "same therapist":
        request = BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, *start))
    else:
        request = BookingRequest(anh, tracey.id, physio_type.id, at(MONDAY, *start))
    with pytest.raises(SlotTaken) as taken:
        book_appointment(ctx, reception, request)
    assert isinstance(taken.value, Conflict)
    assert message in taken.value.message


def test_touching_appointments_are_fine_and_cancelled_ones_free_the_slot(ctx, reception, anh, ben, chris,
                                                                        physio_type):
    first = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 9, 30)))
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Appointment, first.id).status = "cancelled"
        uow.commit()
    again = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 9)))
    assert again.starts_at == at(MONDAY, 9)


@pytest.mark.parametrize("day", [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2),
                                 date(2027, 3, 14)])
def test_nine_oclock_is_nine_oclock_around_daylight_saving(ctx, clock, admin, reception, anh, chris,
                                                           physio_type, day):
    clock.at = datetime(2026, 10, 20, 10, tzinfo=VAN)
    add_extra_hours(ctx, admin, chris.id, at(day, 8), at(day, 12), "DST cover")
    record = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(day, 9)))
    local = record.starts_at.astimezone(VAN)
    assert (local.date(), local.hour, local.minute) == (day, 9, 0)
    assert record.ends_at - record.starts_at == timedelta(minutes=30)
    assert record.ends_at.astimezone(VAN).time() == time(9, 30)
    schedule = day_schedule(ctx, reception, day)
    row = next(i for i, r in enumerate(schedule.rows) if r.start == record.starts_at)
    assert schedule.rows[row].start.astimezone(VAN).time() == time(9)
    assert [a.id for a in schedule.appointments] == [record.id]


# --- IMS ------------------------------------------------------------------------------------------


def test_ims_refused_until_surgery_wait_ends_with_the_first_date(ctx, reception, anh, chris, ims_type,
                                                                 physio_type):
    screen(ctx, reception, anh, surgeries=[Surgery(date(2026, 11, 2), LEFT_KNEE)])
    request = BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9), area=LEFT_KNEE.key)
    with pytest.raises(BookingRefused) as refused:
        book_appointment(ctx, reception, request)
    assert refused.value.ims
    assert refused.value.first_allowed == date(2027, 2, 2)
    assert "February 2, 2027" in refused.value.message
    check = check_booking(ctx, reception, request)
    assert (check.ims_refused, check.first_allowed) == (True, date(2027, 2, 2))
    # physiotherapy without needling can still be booked
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    # and the search for IMS starts on the first allowed day
    slots = find_next_available(ctx, reception, ims_type.id, None, MONDAY, patient_id=anh, area=LEFT_KNEE.key,
                                limit=3)
    assert slots[0].starts_at == at(date(2027, 2, 2), 8)
    booked = book_appointment(ctx, reception, BookingRequest(anh, slots[0].therapist_id, ims_type.id,
                                                             slots[0].starts_at, area=LEFT_KNEE.key))
    assert booked.ims_flag is ImsFlag.ELIGIBLE


def test_ims_refused_without_screening_and_with_unqualified_therapist(ctx, admin, reception, anh, chris,
                                                                      ims_type):
    request = BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9), area=LEFT_KNEE.key)
    with pytest.raises(BookingRefused, match="No IMS screening on file") as refused:
        book_appointment(ctx, reception, request)
    assert refused.value.first_allowed is None
    screen(ctx, reception, anh)
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Therapist, chris.id).ims_qualified = False
        uow.commit()
    with pytest.raises(BookingRefused, match="Chris Stokes is not IMS-qualified"):
        book_appointment(ctx, reception, request)
    with pytest.raises(ValidationFailed) as invalid:
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9)))
    assert "area" in invalid.value.errors


def test_stale_screening_is_flagged_and_refused(ctx, clock, reception, anh, chris, ims_type):
    screen(ctx, reception, anh)
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9),
                                                             area=LEFT_KNEE.key))
    assert booked.ims_flag is ImsFlag.ELIGIBLE
    next_year = date(2027, 11, 29)
    with pytest.raises(BookingRefused, match="out of date"):
        book_appointment(ctx, reception, BookingRequest(anh, chris.id, ims_type.id, at(next_year, 9),
                                                        area=LEFT_KNEE.key))
    with UnitOfWork(ctx, None) as uow:
        records = load_appointment_records(uow.session, select(Appointment))
    assert [r.ims_flag for r in records] == [ImsFlag.ELIGIBLE]


# --- Moving ---------------------------------------------------------------------------------------


def test_reschedule_moves_and_records_history(ctx, reception, anh, ben, chris, tracey, physio_type):
    first = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    moved = reschedule_appointment(ctx, reception, first.id, first.version, at(MONDAY, 14), tracey.id)
    assert (moved.starts_at, moved.therapist_id, moved.version) == (at(MONDAY, 14), tracey.id, 2)
    with UnitOfWork(ctx, None) as uow:
        kinds = list(uow.session.scalars(select(AppointmentEvent.kind)
                                         .where(AppointmentEvent.appointment_id == first.id)
                                         .order_by(AppointmentEvent.id)))
    assert kinds == ["booked", "moved"]
    with pytest.raises(Conflict, match="Someone else changed"):
        reschedule_appointment(ctx, reception, first.id, first.version, at(MONDAY, 15))
    # a move by a few minutes over its own old time is fine
    nudged = reschedule_appointment(ctx, reception, first.id, moved.version, at(MONDAY, 14, 15))
    assert nudged.starts_at == at(MONDAY, 14, 15)
    other = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 9)))
    with pytest.raises(SlotTaken):
        reschedule_appointment(ctx, reception, other.id, other.version, at(MONDAY, 14), tracey.id)


# --- Series ---------------------------------------------------------------------------------------


def test_series_lists_conflicts_then_books_skipping_or_moving(ctx, reception, anh, ben, chris, physio_type):
    blocker = book_appointment(ctx, reception, BookingRequest(
        ben, chris.id, physio_type.id, at(MONDAY + timedelta(weeks=2), 9)))
    request = BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9))
    plan = plan_series(ctx, reception, request, timedelta(weeks=1), 4)
    assert [p.ok for p in plan] == [True, True, False, True]
    assert "Chris Stokes already has an appointment 9:00–9:30" in plan[2].problems[0]
    assert plan[2].alternative is not None
    assert plan[2].alternative.starts_at == at(MONDAY + timedelta(weeks=2), 9, 30)
    with UnitOfWork(ctx, None) as uow:
        count_before = len(list(uow.session.scalars(select(Appointment.id))))
    with pytest.raises(SlotTaken):
        book_series(ctx, reception, request, [p.interval for p in plan])
    with UnitOfWork(ctx, None) as uow:
        assert len(list(uow.session.scalars(select(Appointment.id)))) == count_before  # nothing saved

    chosen = [p.interval if p.ok else p.alternative.interval for p in plan]
    records = book_series(ctx, reception, request, chosen)
    assert len({r.series_id for r in records}) == 1 and records[0].series_id
    assert [r.starts_at.astimezone(VAN).time() for r in records] == [time(9), time(9), time(9, 30), time(9)]
    assert blocker.id not in [r.id for r in records]


def test_series_never_proposes_a_move_the_ims_gate_would_refuse(ctx, reception, anh, ben, chris, ims_type,
                                                                physio_type):
    screen(ctx, reception, anh, surgeries=[Surgery(date(2026, 9, 1), LEFT_KNEE)])  # knee needling from Dec 1
    request = BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9), area=LEFT_KNEE.key)
    assert check_booking(ctx, reception, request).first_allowed == date(2026, 12, 1)
    book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 9)))  # and a clash
    plan = plan_series(ctx, reception, request, timedelta(weeks=1), 3)
    assert [p.ok for p in plan] == [False, True, True]
    moved = plan[0].alternative
    assert moved is not None and moved.starts_at.astimezone(VAN).date() >= date(2026, 12, 1)
    assert check_booking(ctx, reception, replace(request, starts_at=moved.starts_at)).ok
    assert book_appointment(ctx, reception, replace(request, starts_at=moved.starts_at)).starts_at == moved.starts_at


def test_series_offers_no_move_when_ims_is_never_allowed_for_the_area(ctx, reception, anh, chris, ims_type):
    screen(ctx, reception, anh, areas=(BodyArea(Region.neck),))  # the knee was not screened
    plan = plan_series(ctx, reception, BookingRequest(anh, chris.id, ims_type.id, at(MONDAY, 9),
                                                      area=LEFT_KNEE.key), timedelta(weeks=1), 2)
    for occurrence in plan:
        if occurrence.alternative is not None:
            moved = BookingRequest(anh, chris.id, ims_type.id, occurrence.alternative.starts_at, area=LEFT_KNEE.key)
            assert check_booking(ctx, reception, moved).ok


def test_series_keeps_wall_clock_time_across_daylight_saving(ctx, reception, anh, chris, physio_type):
    start = at(date(2027, 3, 1), 9)
    plan = plan_series(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, start), timedelta(weeks=1), 3)
    assert [p.interval.start.astimezone(VAN).time() for p in plan] == [time(9)] * 3
    assert plan[2].interval.start - plan[1].interval.start == timedelta(days=7, hours=-1)


# --- Free slots -----------------------------------------------------------------------------------


def test_find_next_available_returns_truly_free_slots(ctx, reception, anh, ben, chris, physio_type):
    for n, therapist in enumerate(list_therapists(ctx, reception)):
        someone = patient(ctx, reception, f"Family{n}", "Pat", date(1970, 1, n + 1))
        book_appointment(ctx, reception, BookingRequest(someone, therapist.id, physio_type.id, at(MONDAY, 8)))
    slots = find_next_available(ctx, reception, physio_type.id, None, MONDAY, PartOfDay.MORNING, limit=10)
    assert slots[0].starts_at == at(MONDAY, 8, 30)
    assert all(s.starts_at.astimezone(VAN).hour < 12 for s in slots)
    only_chris = find_next_available(ctx, reception, physio_type.id, chris.id, MONDAY, PartOfDay.AFTERNOON,
                                     patient_id=ben, limit=2)
    assert [s.starts_at for s in only_chris] == [at(MONDAY, 13), at(MONDAY, 13, 15)]
    booked = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id,
                                                             only_chris[0].starts_at))
    with UnitOfWork(ctx, None) as uow:
        live = load_appointment_records(uow.session, select(Appointment).where(
            Appointment.therapist_id == chris.id))
    assert not any(a.interval.overlaps(booked.interval) for a in live if a.id != booked.id)


def test_ims_search_uses_only_qualified_therapists(ctx, reception, ims_type):
    with UnitOfWork(ctx, None, write=True) as uow:
        for row in uow.session.scalars(select(Therapist).where(Therapist.id != 3)):
            row.ims_qualified = False
        uow.commit()
    slots = find_next_available(ctx, reception, ims_type.id, None, MONDAY, limit=5)
    assert {s.therapist_id for s in slots} == {3}


# --- Day and week ---------------------------------------------------------------------------------


def test_day_schedule_has_every_therapist_and_cancelled_appointments(ctx, admin, reception, anh, chris,
                                                                    physio_type):
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Appointment, booked.id).status = "cancelled"
        uow.commit()
    add_time_off(ctx, admin, chris.id, at(MONDAY, 13), at(MONDAY, 17), "Dentist")
    schedule = day_schedule(ctx, reception, MONDAY)
    assert len(schedule.columns) == 7
    assert schedule.rows[0].start == at(MONDAY, 7) and schedule.rows[-1].end == at(MONDAY, 20)
    column = schedule.columns[0]
    assert column.working == (Interval(at(MONDAY, 8), at(MONDAY, 12)),)
    assert column.away_at(Interval(at(MONDAY, 14), at(MONDAY, 14, 15))).reason == "Dentist"
    assert [(a.id, a.status) for a in schedule.appointments] == [(booked.id, AppointmentStatus.CANCELLED)]


def test_the_day_read_without_sqlalchemy_matches_the_read_through_it(ctx, admin, reception, anh, ben, chris,
                                                                     tracey, physio_type, ims_type, monkeypatch):
    """The day view is read through a plain driver (`sqlite3` on a SQLite file, `psycopg` on a server),
    and through SQLAlchemy's session where there is none. Both must give the same day, IMS flags and
    away time included."""
    screen(ctx, reception, anh)
    book_appointment(ctx, reception, BookingRequest(anh, tracey.id, ims_type.id, at(MONDAY, 9), area="knee:left"))
    cancelled = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 10)))
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Appointment, cancelled.id).status = "cancelled"
        uow.commit()
    book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 11, 30)))
    add_time_off(ctx, admin, chris.id, at(MONDAY, 14), at(MONDAY, 15, 30), "Course: ø ü 蔡")
    day = day_schedule(ctx, reception, MONDAY)
    week = week_schedule(ctx, reception, chris.id, MONDAY)
    plain_reads = ctx.database.reads_plainly
    monkeypatch.setattr(type(ctx.database), "reads_plainly", property(lambda self: False))
    assert day_schedule(ctx, reception, MONDAY) == day
    assert week_schedule(ctx, reception, chris.id, MONDAY) == week
    assert [(a.patient_name, a.ims_flag, a.status) for a in day.appointments] == [
        ("Nguyen, Anh", ImsFlag.ELIGIBLE, AppointmentStatus.BOOKED),
        ("Okafor, Ben", ImsFlag.NONE, AppointmentStatus.CANCELLED),
        ("Okafor, Ben", ImsFlag.NONE, AppointmentStatus.BOOKED),
    ]
    assert [(a.starts_at, a.ends_at - a.starts_at) for a in day.appointments] == [
        (at(MONDAY, 9), timedelta(minutes=30)), (at(MONDAY, 10), timedelta(minutes=30)),
        (at(MONDAY, 11, 30), timedelta(minutes=30))]
    away = day.columns[0].away[0]
    assert (away.interval, away.reason) == (Interval(at(MONDAY, 14), at(MONDAY, 15, 30)), "Course: ø ü 蔡")
    assert day.columns[1].working == (Interval(at(MONDAY, 8), at(MONDAY, 12)), Interval(at(MONDAY, 13), at(MONDAY, 17)))
    assert plain_reads  # a SQLite file through sqlite3, a server through psycopg


def test_day_schedule_uses_a_few_queries_whatever_the_bookings(ctx, reception, chris, physio_type, count_selects):
    for n in range(12):
        pid = patient(ctx, reception, f"Family{n}", "Pat", date(1970, 1, n + 1))
        book_appointment(ctx, reception, BookingRequest(pid, chris.id, physio_type.id, at(MONDAY, 8, 0) +
                                                        timedelta(minutes=30 * (n % 8) + (300 if n >= 8 else 0))))
    with count_selects(ctx) as counted:
        schedule = day_schedule(ctx, reception, MONDAY)
    assert len(schedule.appointments) == 12
    assert 5 <= counted.count <= 8


def test_week_schedule_shows_one_therapist_seven_days(ctx, reception, anh, chris, physio_type):
    booked = book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id,
                                                             at(MONDAY + timedelta(days=2), 10)))
    week = week_schedule(ctx, reception, chris.id, MONDAY)
    assert [c.day for c in week.columns] == [MONDAY + timedelta(days=n) for n in range(7)]
    assert week.columns[5].working == ()
    assert week.row_times[0] == time(7) and week.row_times[-1] == time(19, 45)
    assert [a.id for a in week.appointments] == [booked.id]


def test_load_records_accepts_a_joined_query(ctx, reception, anh, chris, physio_type):
    from frontdesk.db.models import Patient

    book_appointment(ctx, reception, BookingRequest(anh, chris.id, physio_type.id, at(MONDAY, 9)))
    with UnitOfWork(ctx, None) as uow:
        records = load_appointment_records(uow.session, appointment_query().where(Patient.family_name == "Nguyen"))
    assert [r.patient_name for r in records] == ["Nguyen, Anh"]
    assert records[0].starts_at.tzinfo is UTC
