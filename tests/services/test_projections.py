"""Each record is read once (a `Projection`): the first screen's driver (plain `sqlite3` on a SQLite
file, plain `psycopg` on a server) and SQLAlchemy's session, as SQL text or as a composed `Select`,
must give the same records, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import pytest
from screening_answers import NO_TO_ALL
from sqlalchemy import select

from frontdesk.db.models import Appointment
from frontdesk.db.plain import Projection, SessionReader
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.roles import Role
from frontdesk.domain.scheduling import Interval
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.services.account_lookup import find_account_actor
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.booking import book_appointment
from frontdesk.services.ims_statuses import ims_statuses_from
from frontdesk.services.reading import ReadUnit
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import appointment_query, load_appointment_records
from frontdesk.services.schedule_view import (
    APPOINTMENT_ROWS,
    appointment_records,
    therapists_from,
    therapists_time,
)
from frontdesk.services.screenings import record_review, record_screening
from frontdesk.services.staff import TherapistDetails, create_therapist
from frontdesk.services.therapist_time import add_time_off
from frontdesk.services.unit_of_work import UnitOfWork

from .test_schedule import LEFT_KNEE, MONDAY, at, screen

FROM_MONDAY = "WHERE a.starts_at >= :start ORDER BY a.starts_at, a.id"


@pytest.fixture
def booked(ctx, reception, anh, ben, chris, tracey, physio_type, ims_type):
    """An eligible IMS booking with an area and notes, a cancelled one with its reason, a plain one."""
    screen(ctx, reception, anh)
    ims = book_appointment(ctx, reception, BookingRequest(anh, tracey.id, ims_type.id, at(MONDAY, 9),
                                                          area="knee:left", notes="Bring shorts: ø 蔡"))
    cancelled = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 10)))
    cancel_appointment(ctx, reception, cancelled.id, cancelled.version, "Car broke down")
    plain = book_appointment(ctx, reception, BookingRequest(ben, chris.id, physio_type.id, at(MONDAY, 11, 30)))
    return ims, cancelled, plain


def test_the_first_screen_reads_without_sqlalchemy_on_either_database(ctx):
    with ReadUnit(ctx, None) as unit:
        assert not isinstance(unit.reader, SessionReader)
        assert unit.reader.dialect == ctx.database.backend


def test_an_appointment_record_is_the_same_through_every_driver(ctx, reception, booked):
    with ReadUnit(ctx, None) as unit:
        plain = appointment_records(unit.reader, unit.reader.select(APPOINTMENT_ROWS, FROM_MONDAY,
                                                                   {"start": at(MONDAY, 0)}))
    with UnitOfWork(ctx, None) as uow:
        reader = SessionReader(uow.session)
        as_text = appointment_records(reader, reader.select(APPOINTMENT_ROWS, FROM_MONDAY, {"start": at(MONDAY, 0)}))
        composed = load_appointment_records(uow.session, appointment_query().where(
            Appointment.starts_at >= at(MONDAY, 0)).order_by(Appointment.starts_at, Appointment.id))
        entity = load_appointment_records(uow.session, select(Appointment).where(
            Appointment.starts_at >= at(MONDAY, 0)).order_by(Appointment.starts_at, Appointment.id))
    assert plain == as_text == composed == entity
    ims, cancelled, _plain = booked
    assert [(r.id, r.patient_name, r.therapist_name, r.type_name, r.status, r.ims_flag) for r in plain] == [
        (ims.id, "Nguyen, Anh", "Tracey McQuair", "IMS treatment", AppointmentStatus.BOOKED, ImsFlag.ELIGIBLE),
        (cancelled.id, "Okafor, Ben", "Chris Stokes", "Physiotherapy treatment", AppointmentStatus.CANCELLED,
         ImsFlag.NONE),
        (_plain.id, "Okafor, Ben", "Chris Stokes", "Physiotherapy treatment", AppointmentStatus.BOOKED,
         ImsFlag.NONE),
    ]
    first, second = plain[0], plain[1]
    assert (first.area, first.notes, first.is_ims, first.starts_at, first.ends_at - first.starts_at) == (
        "knee:left", "Bring shorts: ø 蔡", True, at(MONDAY, 9), timedelta(minutes=30))
    assert (second.cancel_reason, second.version) == ("Car broke down", cancelled.version + 1)


def test_a_physiotherapist_and_their_time_are_the_same_through_every_driver(ctx, admin, reception, chris):
    made = create_therapist(ctx, admin, TherapistDetails(
        "Dana Whitfield", registration_number="PT-0042", ims_qualified=True, ims_qualified_on=date(2024, 3, 1),
        colour="#2e7d32"))
    add_time_off(ctx, admin, chris.id, at(MONDAY, 14), at(MONDAY, 15, 30), "Course")
    window = Interval(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0))
    with ReadUnit(ctx, None) as unit:
        plain = therapists_from(unit.reader, active_only=False)
        plain_time = therapists_time(unit.reader, [t.id for t in plain], window)
    with UnitOfWork(ctx, None) as uow:
        reader = SessionReader(uow.session)
        assert therapists_from(reader, active_only=False) == plain
        assert therapists_time(reader, [t.id for t in plain], window) == plain_time
    # The record a save returns (built from the row just written) is the record the day view reads.
    assert [t for t in plain if t.id == made.id] == [made]
    assert (made.registration_number, made.ims_qualified_on, made.colour) == ("PT-0042", date(2024, 3, 1), "#2e7d32")
    assert [(a.reason, a.interval) for a in plain_time.away[chris.id]] == [
        ("Course", Interval(at(MONDAY, 14), at(MONDAY, 15, 30)))]
    assert plain_time.blocks[chris.id]


def test_screenings_decisions_and_accounts_are_the_same_through_every_driver(ctx, physio, reception, anh, ben):
    answers = ScreeningAnswers(dict(NO_TO_ALL, osteoporosis="severe_or_poorly_controlled"), (), (LEFT_KNEE,))
    first = record_screening(ctx, reception, anh, answers, "Knee pain")
    record_review(ctx, physio, first.id, "approve", "Seen the scan")
    screen(ctx, reception, ben)
    asked = [(anh, "", MONDAY), (anh, "knee:left", MONDAY), (ben, "", MONDAY + timedelta(days=400))]
    with ReadUnit(ctx, None) as unit:
        plain = ims_statuses_from(unit.reader, asked)
        plain_account = find_account_actor(unit.reader, "desk")
    with UnitOfWork(ctx, None) as uow:
        reader = SessionReader(uow.session)
        assert ims_statuses_from(reader, asked) == plain
        assert find_account_actor(reader, "desk") == plain_account
    assert all(status is not None for status in plain.values())
    assert (plain_account.user_id, plain_account.role) == (reception.user_id, Role.RECEPTION)


class _Pair(NamedTuple):
    name: str
    colour: str


def test_a_column_out_of_place_is_refused_not_read_as_another_field():
    with pytest.raises(ValueError, match="do not match its fields"):
        Projection(_Pair, (("t", "therapists", None),), {"name": "t.full_name"})
    pair = Projection(_Pair, (("t", "therapists", None),), {"colour": "t.colour", "name": "t.full_name"})
    assert pair.sql.startswith("SELECT t.full_name AS name, t.colour AS colour FROM therapists t ")
    assert pair.built(("name", "colour"), [("Chris", "#fff")]) == [_Pair("Chris", "#fff")]
    with pytest.raises(ValueError, match="not its fields"):
        pair.built(("colour", "name"), [("#fff", "Chris")])


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://frontdesk:s%40cret%3Aword@db.clinic.lan:5433/front%20desk",
    "postgresql+psycopg://frontdesk@127.0.0.1/frontdesk?sslmode=require&connect_timeout=5",
    "postgresql+psycopg://frontdesk@[::1]:5432/frontdesk",
    "postgresql://desk:pw@server/clinic",
])
def test_a_server_address_is_read_as_sqlalchemy_reads_it(url):
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import make_url

    from frontdesk.db.plain import server_conninfo

    parsed = make_url(url)
    expected = {"host": parsed.host, "port": str(parsed.port) if parsed.port else None, "user": parsed.username,
                "password": parsed.password, "dbname": parsed.database, **parsed.query}
    assert conninfo_to_dict(server_conninfo(url)) == {key: value for key, value in expected.items() if value}
