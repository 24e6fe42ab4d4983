"""Each role tries what it must not do, through the services: refused, and the refusal is audited."""

from __future__ import annotations

from dataclasses import replace

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import select

from frontdesk.db.models import AuditEvent
from frontdesk.domain.roles import Role
from frontdesk.services import (
    audit,
    backups,
    clinic_settings,
    clinic_settings_edit,
    screenings,
    signing_in,
    user_accounts,
)
from frontdesk.services.errors import PermissionDenied


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


def _change_settings(ctx, actor, tmp_path, admin):
    current = clinic_settings.get_clinic_settings(ctx)
    clinic_settings_edit.update_clinic_settings(ctx, actor, replace(current, idle_lock_minutes=9))


def _add_user(ctx, actor, tmp_path, admin):
    user_accounts.create_user(ctx, actor, "intruder", "Someone New", Role.ADMIN)


def _promote_self(ctx, actor, tmp_path, admin):
    user_accounts.set_user_role(ctx, actor, actor.user_id, Role.ADMIN)


def _switch_off_the_admin(ctx, actor, tmp_path, admin):
    user_accounts.deactivate_user(ctx, actor, admin.user_id)


def _reset_admin_password(ctx, actor, tmp_path, admin):
    user_accounts.reset_password(ctx, actor, admin.user_id, "taken over the clinic")


def _list_users(ctx, actor, tmp_path, admin):
    user_accounts.list_users(ctx, actor)


def _read_audit(ctx, actor, tmp_path, admin):
    audit.audit_for_patient(ctx, actor, 1)


def _export_audit(ctx, actor, tmp_path, admin):
    audit.export_audit_csv(ctx, actor, 1, tmp_path / "trail.csv")


def _check_chain(ctx, actor, tmp_path, admin):
    audit.verify_chain(ctx, actor)


def _review_screening(ctx, actor, tmp_path, admin):
    screenings.record_review(ctx, actor, 1, "approve")


def _backup(ctx, actor, tmp_path, admin):
    backups.backup_database(ctx, actor, tmp_path)


FORBIDDEN = [
    ("reception", _change_settings, "change the clinic's settings"),
    ("physio", _change_settings, "change the clinic's settings"),
    ("reception", _add_user, "add user accounts"),
    ("physio", _add_user, "add user accounts"),
    ("reception", _promote_self, "change anyone's role"),
    ("physio", _switch_off_the_admin, "switch user accounts off"),
    ("reception", _reset_admin_password, "set other people's passwords"),
    ("physio", _list_users, "see the list of user accounts"),
    ("reception", _read_audit, "see the audit trail"),
    ("physio", _read_audit, "see the audit trail"),
    ("reception", _export_audit, "see the audit trail"),
    ("physio", _check_chain, "check the audit trail"),
    ("reception", _review_screening, "record a physiotherapist's review"),
    ("reception", _backup, "make backups"),
    ("physio", _backup, "make backups"),
]


@pytest.mark.parametrize(("who", "attempt", "attempted"), FORBIDDEN,
                         ids=[f"{who}-{fn.__name__.strip('_')}" for who, fn, _ in FORBIDDEN])
def test_a_role_is_refused_what_it_may_not_do_and_the_refusal_is_audited(request, ctx, admin, tmp_path, who,
                                                                        attempt, attempted):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as refusal:
        attempt(ctx, actor, tmp_path, admin)
    assert actor.role.label in refusal.value.message
    with ctx.database.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (last.action, last.user_id, last.detail["attempted"]) == ("denied", actor.user_id, attempted)


def test_nothing_was_changed_by_the_refused_attempts(ctx, admin, reception, physio, tmp_path):
    for who, attempt, _ in FORBIDDEN:
        with pytest.raises(PermissionDenied):
            attempt(ctx, reception if who == "reception" else physio, tmp_path, admin)
    assert clinic_settings.get_clinic_settings(ctx).idle_lock_minutes != 9
    accounts = {u.username: u for u in user_accounts.list_users(ctx, admin)}
    assert "intruder" not in accounts
    assert accounts["owner"].active and accounts["owner"].role is Role.ADMIN
    assert accounts["desk"].role is Role.RECEPTION
    assert list(tmp_path.glob("frontdesk-*")) == []


@pytest.mark.parametrize(("attempt",), [(_change_settings,), (_add_user,), (_read_audit,), (_review_screening,)])
def test_no_one_signed_in_is_refused_too(ctx, admin, tmp_path, attempt):
    with pytest.raises(PermissionDenied, match="No one signed in"):
        attempt(ctx, None, tmp_path, admin)
