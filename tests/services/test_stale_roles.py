"""An account changed by an administrator while its person is signed in: the change counts at once.

The `Actor` a window holds was read at sign-in; every unit of work reads the account again inside its
own transaction. These run on SQLite and on PostgreSQL (see conftest).
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import func, select

from frontdesk.db.models import Appointment, AuditEvent, User
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.services import schedule_view, signing_in
from frontdesk.services.errors import AccountSwitchedOff, PermissionDenied, RoleChanged
from frontdesk.services.patients import register_patient, search_patients
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import create_user, deactivate_user, list_users, reset_password, set_user_role

from .conftest import VANCOUVER


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


def _last_audit(ctx) -> AuditEvent:
    with ctx.database.session() as session:
        return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def _count(ctx, model) -> int:
    with ctx.database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_admin_demoted_in_another_session_can_no_longer_add_an_admin(ctx, admin):
    reset_password(ctx, admin, admin.user_id, "the owner's own passphrase")
    manager = create_user(ctx, admin, "manager", "Clinic Manager", Role.ADMIN, password="managers passphrase")
    # The manager is signed in elsewhere with `manager`; the owner takes the administrator role away.
    set_user_role(ctx, admin, manager.user_id, Role.RECEPTION)
    with pytest.raises(RoleChanged) as refused:
        create_user(ctx, manager, "intruder", "Someone New", Role.ADMIN)
    assert "changed to Reception since you signed in" in refused.value.message
    assert "intruder" not in {u.username for u in list_users(ctx, admin)}
    last = _last_audit(ctx)
    assert (last.action, last.user_id, last.detail["attempted"], last.detail["reason"]) == (
        "denied", manager.user_id, "add user accounts", "role changed")


def test_a_switched_off_account_cannot_book(ctx, admin, reception):
    patient = register_patient(ctx, reception, PatientDetails(family_name="Reid", given_names="Sam",
                                                              date_of_birth=date(1980, 1, 2)), confirmed_new=True)
    type_id = next(t.id for t in list_appointment_types(ctx, reception) if not t.is_ims)
    request = BookingRequest(patient.id, 1, type_id, datetime.combine(date(2026, 11, 26), time(9), VANCOUVER))
    deactivate_user(ctx, admin, reception.user_id)
    before = _count(ctx, Appointment)
    with pytest.raises(AccountSwitchedOff) as refused:
        book_appointment(ctx, reception, request)
    assert "switched off" in refused.value.message and "Nothing was saved" in refused.value.message
    assert _count(ctx, Appointment) == before
    last = _last_audit(ctx)
    assert (last.action, last.user_id, last.detail["reason"]) == ("denied", reception.user_id, "account switched off")


def test_a_switched_off_account_is_refused_before_its_booking_is_looked_at(ctx, admin, reception):
    type_id = next(t.id for t in list_appointment_types(ctx, reception) if not t.is_ims)
    request = BookingRequest(999999, 1, type_id, datetime.combine(date(2026, 11, 26), time(9), VANCOUVER))
    deactivate_user(ctx, admin, reception.user_id)
    with pytest.raises(AccountSwitchedOff):
        book_appointment(ctx, reception, request)
    assert _last_audit(ctx).detail["reason"] == "account switched off"


def test_a_booking_holds_its_account_until_it_ends(ctx, reception):
    # An administrator switching the account off waits for a booking under way (PostgreSQL's row
    # lock; SQLite's write lock holds every row anyway), as for any unit of work that required it.
    if ctx.database.is_sqlite:
        pytest.skip("row locks are PostgreSQL's; SQLite's write lock holds the whole file")
    import psycopg

    from frontdesk.db.plain import server_conninfo
    from frontdesk.domain.roles import Permission
    from frontdesk.services.booking import load_parts

    patient = register_patient(ctx, reception, PatientDetails(family_name="Reid", given_names="Sam",
                                                              date_of_birth=date(1980, 1, 2)), confirmed_new=True)
    type_id = next(t.id for t in list_appointment_types(ctx, reception) if not t.is_ims)
    request = BookingRequest(patient.id, 1, type_id, datetime.combine(date(2026, 11, 26), time(9), VANCOUVER))
    with UnitOfWork(ctx, reception, write=True) as uow:
        load_parts(uow.session, request, lock=True, uow=uow, permission=(Permission.BOOK, "book appointments"))
        with psycopg.connect(server_conninfo(ctx.database.url), autocommit=True) as administrator:
            administrator.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                administrator.execute("UPDATE users SET active = false WHERE id = %s", (reception.user_id,))


def test_a_switched_off_account_cannot_read_either(ctx, admin, reception):
    deactivate_user(ctx, admin, reception.user_id)
    with pytest.raises(AccountSwitchedOff):
        search_patients(ctx, reception, "Reid")
    with pytest.raises(AccountSwitchedOff):  # the first screen's plain reads on SQLite
        schedule_view.day_schedule(ctx, reception, date(2026, 11, 25))
    assert _last_audit(ctx).detail["reason"] == "account switched off"


def test_a_write_that_requires_nothing_is_refused_at_commit(ctx, admin, reception):
    deactivate_user(ctx, admin, reception.user_id)
    with pytest.raises(AccountSwitchedOff):
        with UnitOfWork(ctx, reception, write=True) as uow:
            uow.audit("note", "test", None)
            uow.commit()
    with ctx.database.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "note")) == 0


def test_a_promotion_counts_at_once_too(ctx, admin, reception):
    with pytest.raises(PermissionDenied):
        list_users(ctx, reception)
    set_user_role(ctx, admin, reception.user_id, Role.ADMIN)
    assert "desk" in {u.username for u in list_users(ctx, reception)}


def test_switched_back_on_works_again(ctx, admin, reception):
    from frontdesk.services.user_accounts import reactivate_user

    deactivate_user(ctx, admin, reception.user_id)
    with pytest.raises(AccountSwitchedOff):
        search_patients(ctx, reception, "Reid")
    reactivate_user(ctx, admin, reception.user_id)
    assert search_patients(ctx, reception, "Reid") == []
    with ctx.database.session() as session:
        assert session.get(User, reception.user_id).active


def test_an_account_that_is_not_the_one_signed_in_any_more_is_refused(ctx, admin, reception):
    """After a restore, the id a window holds may name another account, or none."""
    from sqlalchemy import update

    with ctx.database.session() as session:
        session.execute(update(User).where(User.id == reception.user_id).values(username="someone.else"))
        session.commit()
    with pytest.raises(AccountSwitchedOff) as refused:
        search_patients(ctx, reception, "Reid")
    assert "not in this database any more" in refused.value.message
    last = _last_audit(ctx)
    assert (last.action, last.user_id, last.detail["username"], last.detail["reason"]) == (
        "denied", None, "desk", "account not found")
