"""User accounts: the first administrator, the accounts an administrator adds and changes (role,
physiotherapist, switched on or off, password), a person's own password, and the accounts that act for
the command line. Signing in is `services.signing_in`; the plain-SQL look-ups of the first screen are
`services.account_lookup`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.models import Therapist, User
from frontdesk.domain.passwords import normalise_password
from frontdesk.domain.roles import Permission, Role
from frontdesk.services.account_lookup import account_actor, login_name
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed, changed_meanwhile
from frontdesk.services.signing_in import (
    WRONG_PASSWORD,
    SignInDelayed,
    SignInRefused,
    authenticate,
    hash_password,
    normal_username,
    password_errors,
)
from frontdesk.services.unit_of_work import UnitOfWork

_USERNAME = re.compile(r"^[\w.@-]{1,64}$")


@dataclass(frozen=True)
class UserSummary:
    """One account as the Users dialog lists it."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    has_password: bool
    therapist_id: int | None = None
    failed_sign_ins: int = 0
    #: The linked physiotherapist's name ("" when none): their "My day" is this account's.
    therapist_name: str = ""


def _summary(user: User, therapist_name: str = "") -> UserSummary:
    return UserSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        active=bool(user.active),
        has_password=user.password_hash is not None,
        therapist_id=user.therapist_id,
        failed_sign_ins=user.failed_sign_ins or 0,
        therapist_name=therapist_name,
    )


def _summary_in(session: Session, user: User) -> UserSummary:
    name = session.scalar(select(Therapist.full_name).where(Therapist.id == user.therapist_id)) \
        if user.therapist_id is not None else None
    return _summary(user, name or "")


#: Roles whose account may belong to a physiotherapist (an owner who also treats is an administrator).
ROLES_WITH_A_PHYSIOTHERAPIST = frozenset({Role.PHYSIOTHERAPIST, Role.ADMIN})


def _check_therapist_link(session: Session, therapist_id: int | None, role: Role, *,
                          user_id: int | None = None, was: int | None = None) -> dict[str, str]:
    """What is wrong with linking the account (`user_id`, None for a new one) to `therapist_id`.

    One account per physiotherapist; a switched-off physiotherapist gets no new link (an existing one,
    `was`, may stay as it is); a reception account belongs to no physiotherapist.
    """
    if therapist_id is None:
        return {}
    if role not in ROLES_WITH_A_PHYSIOTHERAPIST:
        return {"therapist": f"A {role.label.lower()} account does not belong to a physiotherapist. Choose "
                             "the Physiotherapist role, or no physiotherapist."}
    therapist = session.get(Therapist, therapist_id)
    if therapist is None:
        return {"therapist": "That physiotherapist is not in the list any more. Choose another."}
    if not therapist.active and therapist_id != was:
        return {"therapist": f"{therapist.full_name} is switched off in Physiotherapists and hours, so no "
                             "account can be linked to them. Switch them on there first."}
    holder = session.scalar(select(User).where(User.therapist_id == therapist_id, User.id != user_id)
                            if user_id is not None else select(User).where(User.therapist_id == therapist_id))
    if holder is not None:
        return {"therapist": f"{therapist.full_name} already has the account “{holder.username}” "
                             f"({holder.display_name}). One account per physiotherapist: unlink that one "
                             "first."}
    return {}


def _flush_link(session: Session) -> None:
    """Write pending changes; a link another computer made meanwhile (the unique index) is a conflict."""
    try:
        session.flush()
    except IntegrityError as error:
        if "therapist" not in str(error.orig).lower():
            raise
        raise Conflict("Another computer has just linked that physiotherapist to an account. Close this "
                       "window and look again.") from error


def _find(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == normal_username(username)))


def _check_account_fields(session: Session, username: str, display_name: str, *,
                          exclude_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = normal_username(username)
    if not name:
        errors["username"] = "Enter a username, for example the person's first name."
    elif not _USERNAME.match(name):
        errors["username"] = ("Use up to 64 letters, digits, dots, dashes or underscores, with no spaces.")
    else:
        existing = _find(session, name)
        if existing is not None and existing.id != exclude_id:
            errors["username"] = f"The username “{name}” is already taken; choose another."
    shown = display_name.strip()
    if not shown:
        errors["display_name"] = "Enter the person's name as colleagues know it."
    elif len(shown) > 200:
        errors["display_name"] = "Keep the name under 200 characters."
    return errors


def _active_admins_who_can_sign_in(session: Session) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True),
                              User.password_hash.is_not(None))
    ))


# --- First start ----------------------------------------------------------------------------------


@checked_inputs
def create_first_admin(ctx: ServiceContext, username: str, display_name: str, password: str) -> Actor:
    """Create the clinic's first administrator (signed in at once). Refused once anyone has a password.

    A password-less account of the same name (made for a command-line task) becomes this administrator.
    """
    with UnitOfWork(ctx, None) as uow:
        errors = _check_account_fields(uow.session, username, display_name)
        existing = _find(uow.session, username)
        if "username" in errors and existing is not None and existing.password_hash is None:
            del errors["username"]
    errors |= password_errors(password, username, display_name)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)
    with UnitOfWork(ctx, None, write=True) as uow:
        session = uow.session
        if session.scalar(select(User.id).where(User.password_hash.is_not(None)).limit(1)) is not None:
            raise Conflict("The clinic already has an administrator. Sign in with that account instead.")
        user = _find(session, username)
        if user is None:
            user = User(username=normal_username(username), created_at=ctx.now())
            session.add(user)
        user.display_name = display_name.strip()
        user.role = Role.ADMIN.value
        user.active = True
        user.password_hash = password_hash
        user.failed_sign_ins = 0
        session.flush()
        uow.actor = account_actor(user)
        uow.audit("create", "user", user.id, role=user.role, first_admin=True)
        uow.audit("sign_in", "user", user.id)
        uow.commit()
        return account_actor(user)


# --- Accounts (administrators) --------------------------------------------------------------------


def list_users(ctx: ServiceContext, actor: Actor) -> list[UserSummary]:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_USERS, "see the list of user accounts")
        rows = uow.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.display_name), User.id))
        names = dict(uow.session.execute(select(Therapist.id, Therapist.full_name)).all())
        return [_summary(row, names.get(row.therapist_id, "") if row.therapist_id is not None else "") for row in rows]


@checked_inputs
def create_user(ctx: ServiceContext, actor: Actor | None, username: str, display_name: str,
                role: Role, therapist_id: int | None = None, *, password: str | None = None) -> Actor:
    """Add an account. Without a password it cannot sign in until an administrator sets one."""
    errors: dict[str, str] = {}
    if password is not None:
        errors |= password_errors(password, username, display_name)
    password_hash = hash_password(password) if password is not None and not errors else None
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "add user accounts")
        errors = _check_account_fields(uow.session, username, display_name) | errors
        errors |= _check_therapist_link(uow.session, therapist_id, Role(role))
        if errors:
            raise ValidationFailed(errors)
        user = User(
            username=normal_username(username),
            display_name=display_name.strip(),
            role=Role(role).value,
            active=True,
            therapist_id=therapist_id,
            password_hash=password_hash,
            failed_sign_ins=0,
            created_at=ctx.now(),
        )
        uow.session.add(user)
        _flush_link(uow.session)
        uow.audit("create", "user", user.id, role=user.role, username=user.username,
                  with_password=password_hash is not None, therapist_id=therapist_id)
        uow.commit()
        return account_actor(user)


def _target(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That user account no longer exists.")
    return user


def _keep_an_admin(session: Session, user: User, what: str) -> None:
    """Refuse to remove the last administrator who can sign in: the clinic would be locked out."""
    remaining = [uid for uid in _active_admins_who_can_sign_in(session) if uid != user.id]
    if user.role == Role.ADMIN.value and user.active and not remaining:
        raise Conflict(f"{user.display_name} is the only administrator who can sign in, so you cannot "
                       f"{what}. Make another account an administrator first.")


@checked_inputs
def set_user_role(ctx: ServiceContext, actor: Actor, user_id: int, role: Role) -> UserSummary:
    new_role = Role(role)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "change anyone's role")
        user = _target(uow.session, user_id)
        if user.role == new_role.value:
            return _summary_in(uow.session, user)
        if new_role is not Role.ADMIN:
            _keep_an_admin(uow.session, user, "take away their administrator role")
        before = user.role
        user.role = new_role.value
        uow.audit("change_role", "user", user.id, before=before, after=new_role.value)
        if user.therapist_id is not None and new_role not in ROLES_WITH_A_PHYSIOTHERAPIST:
            uow.audit("unlink_therapist", "user", user.id, before=user.therapist_id, after=None)
            user.therapist_id = None
        uow.commit()
        return _summary_in(uow.session, user)


def update_user(ctx: ServiceContext, actor: Actor, user_id: int, role: Role,
                therapist_id: int | None, *, expected: UserSummary | None = None) -> UserSummary:
    """Settings ▸ Users ▸ Edit: the account's role and the physiotherapist it belongs to, in one go.

    `expected` is the account as the form showed it: if its role, physiotherapist or state changed
    since (another administrator), the save is refused (`Conflict`) instead of undoing that change."""
    new_role = Role(role)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "change anyone's role")
        user = _target(uow.session, user_id)
        if expected is not None and (user.role, user.therapist_id, bool(user.active)) != (
                Role(expected.role).value, expected.therapist_id, expected.active):
            raise changed_meanwhile(f"The account {user.username} was", current=_summary_in(uow.session, user))
        errors = _check_therapist_link(uow.session, therapist_id, new_role, user_id=user.id, was=user.therapist_id)
        if errors:
            raise ValidationFailed(errors)
        if user.role != new_role.value:
            if new_role is not Role.ADMIN:
                _keep_an_admin(uow.session, user, "take away their administrator role")
            uow.audit("change_role", "user", user.id, before=user.role, after=new_role.value)
            user.role = new_role.value
        if user.therapist_id != therapist_id:
            uow.audit("link_therapist" if therapist_id is not None else "unlink_therapist", "user", user.id,
                      before=user.therapist_id, after=therapist_id)
            user.therapist_id = therapist_id
        _flush_link(uow.session)
        uow.commit()
        return _summary_in(uow.session, user)


def link_therapist_account(ctx: ServiceContext, actor: Actor, user_id: int, therapist_id: int) -> UserSummary:
    """Link an existing account to a physiotherapist (from Physiotherapists and hours). A reception
    account becomes a physiotherapist's; an administrator stays one."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_USERS, "link accounts to physiotherapists")
        role = Role(_target(uow.session, user_id).role)
    return update_user(ctx, actor, user_id, Role.PHYSIOTHERAPIST if role is Role.RECEPTION else role, therapist_id)


@checked_inputs
def deactivate_user(ctx: ServiceContext, actor: Actor, user_id: int) -> UserSummary:
    """Switch an account off: it can no longer sign in; what it did stays attributed to it."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "switch user accounts off")
        user = _target(uow.session, user_id)
        if user.id == actor.user_id:
            raise Conflict("You cannot switch off your own account while you are signed in with it.")
        if not user.active:
            return _summary_in(uow.session, user)
        _keep_an_admin(uow.session, user, "switch their account off")
        user.active = False
        uow.audit("deactivate", "user", user.id)
        uow.commit()
        return _summary_in(uow.session, user)


@checked_inputs
def reactivate_user(ctx: ServiceContext, actor: Actor, user_id: int) -> UserSummary:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "switch user accounts back on")
        user = _target(uow.session, user_id)
        if user.active:
            return _summary_in(uow.session, user)
        user.active = True
        uow.audit("reactivate", "user", user.id)
        uow.commit()
        return _summary_in(uow.session, user)


@checked_inputs
def reset_password(ctx: ServiceContext, actor: Actor, user_id: int, new_password: str) -> UserSummary:
    """Give an account a new password (and clear its wrong-password wait)."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_USERS, "set other people's passwords")
        user = _target(uow.session, user_id)
        errors = password_errors(new_password, user.username, user.display_name)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(new_password)
    with UnitOfWork(ctx, actor, write=True) as uow:
        user = _target(uow.session, user_id)
        user.password_hash = password_hash
        user.failed_sign_ins = 0
        user.last_failed_at = None
        uow.audit("reset_password", "user", user.id)
        uow.commit()
        return _summary_in(uow.session, user)


@checked_inputs
def change_own_password(ctx: ServiceContext, actor: Actor, current_password: str, new_password: str) -> None:
    """The signed-in person gives their account a new password, typing the current one first: a
    colleague at a screen left open cannot. A wrong current password counts as a wrong sign-in (the
    same wait after repeated tries) and is audited; the change is audited too."""
    with UnitOfWork(ctx, actor) as uow:
        user = _target(uow.session, actor.user_id)
        username, display_name = user.username, user.display_name
    errors = {} if current_password else {"current": "Type your current password first."}
    errors |= password_errors(new_password, username, display_name)
    if current_password and new_password and normalise_password(new_password) == normalise_password(current_password):
        errors["password"] = "The new password must differ from the current one."
    if errors:
        raise ValidationFailed(errors)

    def same_person(person: Actor) -> str | None:
        return None if person.user_id == actor.user_id else "Only the account's own user can change its password here."

    try:
        authenticate(ctx, username, current_password, action="confirm_password", allowed=same_person)
    except SignInDelayed as delayed:
        raise ValidationFailed({"current": delayed.message}) from delayed
    except SignInRefused as refused:
        message = refused.message.replace(WRONG_PASSWORD, "That is not your current password. Check Caps Lock "
                                          "and try again.")
        raise ValidationFailed({"current": message}) from refused
    password_hash = hash_password(new_password)
    with UnitOfWork(ctx, actor, write=True) as uow:
        user = _target(uow.session, actor.user_id)
        user.password_hash = password_hash
        user.failed_sign_ins = 0
        user.last_failed_at = None
        uow.audit("change_password", "user", user.id)
        uow.commit()


# --- Command line and tests -----------------------------------------------------------------------


@checked_inputs
def create_workstation_account(ctx: ServiceContext, name: str) -> Actor:
    """Create the password-less account `name` for `account_lookup.workstation_actor` (or return it, when
    another computer made it a moment ago)."""
    with UnitOfWork(ctx, None, write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == name))
        if user is None:
            first = uow.session.scalar(select(User.id).limit(1)) is None
            user = _add_passwordless_account(ctx, uow, name, name, Role.ADMIN if first else Role.RECEPTION)
        return account_actor(user)


COMMAND_LINE_USERNAME = "command-line"


def command_line_actor(ctx: ServiceContext) -> Actor:
    """The administrator account that the admin commands (demo, backup, restore) act as.

    Whoever can run them already holds the database file, so they act with administrator rights;
    the account has no password and can never sign in to the window. Its actions are audited under
    its own name, so the trail still tells them apart from people at the counter.
    """
    with UnitOfWork(ctx, None, write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == COMMAND_LINE_USERNAME))
        if user is None:
            user = _add_passwordless_account(ctx, uow, COMMAND_LINE_USERNAME,
                                             f"Command line ({login_name()})"[:200], Role.ADMIN)
        return account_actor(user)


def _add_passwordless_account(ctx: ServiceContext, uow: UnitOfWork, username: str, display_name: str,
                              role: Role) -> User:
    """Add, audit as its own creation and commit an account that can never sign in with a password."""
    user = User(username=username, display_name=display_name, role=role.value, password_hash=None, active=True,
                failed_sign_ins=0, created_at=ctx.now())
    uow.session.add(user)
    uow.session.flush()
    uow.actor = account_actor(user)
    uow.audit("create", "user", user.id, role=user.role)
    uow.commit()
    return user


def display_names_in(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display name of each of these users, read inside the caller's session (one query)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
