"""The people who use Front Desk: the first administrator, sign-in, the idle lock and user accounts.

Passwords are hashed with Argon2id (memory-hard) by argon2-cffi with its RFC 9106 defaults; a hash
made with older settings is renewed at the next successful sign-in. Wrong passwords make the account
wait before its next try (`domain.passwords.seconds_to_wait`): the service refuses with the number of
seconds instead of sleeping, so neither the window nor a test ever blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.models import User
from frontdesk.domain.passwords import normalise_password, password_problems, seconds_phrase, seconds_to_wait
from frontdesk.domain.roles import Permission, Role
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.accounts import login_name
from frontdesk.services.accounts import needs_first_admin as needs_first_admin  # re-exported: who may sign in
from frontdesk.services.accounts import workstation_actor as workstation_actor
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork

#: The hasher every password goes through. Tests swap in a cheap one; the stored hash names its own
#: parameters, so verifying never depends on this object's settings.
PASSWORD_HASHER = PasswordHasher()

_USERNAME = re.compile(r"^[\w.@-]{1,64}$")

WRONG_PASSWORD = "The username or password is not right. Check Caps Lock and try again."


class SignInRefused(ServiceError):
    """Sign-in did not succeed; the message says why in words the person can act on."""


class SignInDelayed(SignInRefused):
    """Too many wrong passwords for this account: it must wait `seconds` before the next try."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"Too many wrong passwords for this account. Wait {seconds_phrase(seconds)}, then try again."
        )
        self.seconds = seconds


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


def _actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        therapist_id=user.therapist_id,
    )


def _summary(user: User) -> UserSummary:
    return UserSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        active=bool(user.active),
        has_password=user.password_hash is not None,
        therapist_id=user.therapist_id,
        failed_sign_ins=user.failed_sign_ins or 0,
    )


def _normal_username(username: str) -> str:
    return username.strip().casefold()


def _find(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == _normal_username(username)))


def _hash(password: str) -> str:
    return PASSWORD_HASHER.hash(normalise_password(password))


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(stored_hash, normalise_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_account_fields(session: Session, username: str, display_name: str, *,
                          exclude_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = _normal_username(username)
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


def _password_errors(password: str, username: str, display_name: str) -> dict[str, str]:
    problems = password_problems(password, username=username, display_name=display_name)
    return {"password": " ".join(problems)} if problems else {}


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
    errors |= _password_errors(password, username, display_name)
    if errors:
        raise ValidationFailed(errors)
    password_hash = _hash(password)
    with UnitOfWork(ctx, None, write=True) as uow:
        session = uow.session
        if session.scalar(select(User.id).where(User.password_hash.is_not(None)).limit(1)) is not None:
            raise Conflict("The clinic already has an administrator. Sign in with that account instead.")
        user = _find(session, username)
        if user is None:
            user = User(username=_normal_username(username), created_at=ctx.now())
            session.add(user)
        user.display_name = display_name.strip()
        user.role = Role.ADMIN.value
        user.active = True
        user.password_hash = password_hash
        user.failed_sign_ins = 0
        session.flush()
        uow.actor = _actor(user)
        uow.audit("create", "user", user.id, role=user.role, first_admin=True)
        uow.audit("sign_in", "user", user.id)
        uow.commit()
        return _actor(user)


# --- Sign-in, lock and sign-out -------------------------------------------------------------------


@checked_inputs
def sign_in(ctx: ServiceContext, username: str, password: str) -> Actor:
    """The account's actor when the password is right; `SignInRefused` (or `SignInDelayed`) otherwise.

    Every attempt, right or wrong, is written to the audit trail.
    """
    return _authenticate(ctx, username, password, action="sign_in")


@checked_inputs
def unlock_session(ctx: ServiceContext, session_actor: Actor, username: str, password: str) -> Actor:
    """Unlock a locked window: the person who was signed in, or an administrator, signs in again."""

    def allowed(person: Actor) -> str | None:
        if person.user_id == session_actor.user_id or person.role is Role.ADMIN:
            return None
        return f"Only {session_actor.display_name} or an administrator can unlock this screen."

    return _authenticate(ctx, username, password, action="unlock", allowed=allowed,
                         detail={"session_user": session_actor.username})


def lock_session(ctx: ServiceContext, actor: Actor) -> None:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("lock", "session", actor.user_id)
        uow.commit()


def sign_out(ctx: ServiceContext, actor: Actor) -> None:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("sign_out", "user", actor.user_id)
        uow.commit()


def _record_attempt(ctx: ServiceContext, actor: Actor | None, action: str, user_id: int | None,
                    **detail: object) -> None:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit(action, "user", user_id, **detail)
        uow.commit()


def _authenticate(ctx: ServiceContext, username: str, password: str, *, action: str,
                  allowed: Callable[[Actor], str | None] | None = None,
                  detail: dict | None = None) -> Actor:
    detail = dict(detail or {})
    name = _normal_username(username)
    if not name or not password:
        raise SignInRefused("Enter your username and your password.")
    account: Actor | None = None
    stored_hash: str | None = None
    wait = 0
    with UnitOfWork(ctx, None) as uow:
        user = _find(uow.session, name)
        if user is not None:
            account = _actor(user)
            stored_hash = user.password_hash
            wait = seconds_to_wait(user.failed_sign_ins or 0, user.last_failed_at, ctx.now())
    if account is None or stored_hash is None:
        _record_attempt(ctx, None, f"{action}_failed", account.user_id if account else None,
                        attempted=name[:64], reason="no password set" if account else "unknown account",
                        **detail)
        raise SignInRefused(WRONG_PASSWORD)
    if wait:
        _record_attempt(ctx, account, f"{action}_delayed", account.user_id, wait_seconds=wait, **detail)
        raise SignInDelayed(wait)
    right = _verify(stored_hash, password)
    renewed = _hash(password) if right and PASSWORD_HASHER.check_needs_rehash(stored_hash) else None
    refusal: SignInRefused | None = None
    with UnitOfWork(ctx, account, write=True) as uow:
        row = uow.session.get(User, account.user_id)
        now = ctx.now()
        if not right:
            row.failed_sign_ins = (row.failed_sign_ins or 0) + 1
            row.last_failed_at = now
            uow.audit(f"{action}_failed", "user", row.id, failed_sign_ins=row.failed_sign_ins, **detail)
            next_wait = seconds_to_wait(row.failed_sign_ins, now, now)
            message = WRONG_PASSWORD
            if next_wait:
                message += f" For safety, the next try is possible in {seconds_phrase(next_wait)}."
            refusal = SignInRefused(message)
        elif not row.active:
            uow.audit(f"{action}_failed", "user", row.id, reason="account switched off", **detail)
            refusal = SignInRefused("This account has been switched off. Ask the clinic's administrator.")
        else:
            account = _actor(row)
            reason = allowed(account) if allowed else None
            if reason is not None:
                uow.actor = account
                uow.audit("denied", "session", row.id, attempted=action, **detail)
                refusal = PermissionDenied(reason)
            else:
                row.failed_sign_ins = 0
                if renewed is not None:
                    row.password_hash = renewed
                uow.audit(action, "user", row.id, **detail)
        uow.commit()
    if refusal is not None:
        raise refusal
    return account


# --- Accounts (administrators) --------------------------------------------------------------------


def list_users(ctx: ServiceContext, actor: Actor) -> list[UserSummary]:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_USERS, "see the list of user accounts")
        rows = uow.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.display_name), User.id))
        return [_summary(row) for row in rows]


@checked_inputs
def create_user(ctx: ServiceContext, actor: Actor | None, username: str, display_name: str,
                role: Role, therapist_id: int | None = None, *, password: str | None = None) -> Actor:
    """Add an account. Without a password it cannot sign in until an administrator sets one."""
    errors: dict[str, str] = {}
    if password is not None:
        errors |= _password_errors(password, username, display_name)
    password_hash = _hash(password) if password is not None and not errors else None
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "add user accounts")
        errors = _check_account_fields(uow.session, username, display_name) | errors
        if errors:
            raise ValidationFailed(errors)
        user = User(
            username=_normal_username(username),
            display_name=display_name.strip(),
            role=Role(role).value,
            active=True,
            therapist_id=therapist_id,
            password_hash=password_hash,
            failed_sign_ins=0,
            created_at=ctx.now(),
        )
        uow.session.add(user)
        uow.session.flush()
        uow.audit("create", "user", user.id, role=user.role, username=user.username,
                  with_password=password_hash is not None)
        uow.commit()
        return _actor(user)


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
            return _summary(user)
        if new_role is not Role.ADMIN:
            _keep_an_admin(uow.session, user, "take away their administrator role")
        before = user.role
        user.role = new_role.value
        uow.audit("change_role", "user", user.id, before=before, after=new_role.value)
        uow.commit()
        return _summary(user)


@checked_inputs
def deactivate_user(ctx: ServiceContext, actor: Actor, user_id: int) -> UserSummary:
    """Switch an account off: it can no longer sign in; what it did stays attributed to it."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "switch user accounts off")
        user = _target(uow.session, user_id)
        if user.id == actor.user_id:
            raise Conflict("You cannot switch off your own account while you are signed in with it.")
        if not user.active:
            return _summary(user)
        _keep_an_admin(uow.session, user, "switch their account off")
        user.active = False
        uow.audit("deactivate", "user", user.id)
        uow.commit()
        return _summary(user)


@checked_inputs
def reactivate_user(ctx: ServiceContext, actor: Actor, user_id: int) -> UserSummary:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_USERS, "switch user accounts back on")
        user = _target(uow.session, user_id)
        if user.active:
            return _summary(user)
        user.active = True
        uow.audit("reactivate", "user", user.id)
        uow.commit()
        return _summary(user)


@checked_inputs
def reset_password(ctx: ServiceContext, actor: Actor, user_id: int, new_password: str) -> UserSummary:
    """Give an account a new password (and clear its wrong-password wait)."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_USERS, "set other people's passwords")
        user = _target(uow.session, user_id)
        errors = _password_errors(new_password, user.username, user.display_name)
    if errors:
        raise ValidationFailed(errors)
    password_hash = _hash(new_password)
    with UnitOfWork(ctx, actor, write=True) as uow:
        user = _target(uow.session, user_id)
        user.password_hash = password_hash
        user.failed_sign_ins = 0
        user.last_failed_at = None
        uow.audit("reset_password", "user", user.id)
        uow.commit()
        return _summary(user)


@checked_inputs
def change_own_password(ctx: ServiceContext, actor: Actor, current_password: str, new_password: str) -> None:
    """The signed-in person gives their account a new password, typing the current one first: a
    colleague at a screen left open cannot. A wrong current password counts as a wrong sign-in (the
    same wait after repeated tries) and is audited; the change is audited too."""
    with UnitOfWork(ctx, actor) as uow:
        user = _target(uow.session, actor.user_id)
        username, display_name = user.username, user.display_name
    errors = {} if current_password else {"current": "Type your current password first."}
    errors |= _password_errors(new_password, username, display_name)
    if current_password and new_password and normalise_password(new_password) == normalise_password(current_password):
        errors["password"] = "The new password must differ from the current one."
    if errors:
        raise ValidationFailed(errors)

    def same_person(person: Actor) -> str | None:
        return None if person.user_id == actor.user_id else "Only the account's own user can change its password here."

    try:
        _authenticate(ctx, username, current_password, action="confirm_password", allowed=same_person)
    except SignInDelayed as delayed:
        raise ValidationFailed({"current": delayed.message}) from delayed
    except SignInRefused as refused:
        message = refused.message.replace(WRONG_PASSWORD, "That is not your current password. Check Caps Lock "
                                          "and try again.")
        raise ValidationFailed({"current": message}) from refused
    password_hash = _hash(new_password)
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
    """Create the password-less account `name` for `accounts.workstation_actor` (or return it, when
    another computer made it a moment ago)."""
    with UnitOfWork(ctx, None, write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == name))
        if user is None:
            first = uow.session.scalar(select(User.id).limit(1)) is None
            user = User(
                username=name,
                display_name=name,
                role=(Role.ADMIN if first else Role.RECEPTION).value,
                active=True,
                failed_sign_ins=0,
                created_at=ctx.now(),
            )
            uow.session.add(user)
            uow.session.flush()
            uow.actor = _actor(user)
            uow.audit("create", "user", user.id, role=user.role)
            uow.commit()
        return _actor(user)


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
            user = User(
                username=COMMAND_LINE_USERNAME,
                display_name=f"Command line ({login_name()})"[:200],
                role=Role.ADMIN.value,
                password_hash=None,
                active=True,
                failed_sign_ins=0,
                created_at=ctx.now(),
            )
            uow.session.add(user)
            uow.session.flush()
            uow.actor = _actor(user)
            uow.audit("create", "user", user.id, role=user.role)
            uow.commit()
        return _actor(user)


def display_names_in(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display name of each of these users, read inside the caller's session (one query)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
