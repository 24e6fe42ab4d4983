"""The people who use Front Desk: the first administrator, sign-in, the idle lock and user accounts.

Passwords are hashed with Argon2id (memory-hard) by argon2-cffi with its RFC 9106 defaults; a hash
made with older settings is renewed at the next successful sign-in. Wrong passwords make the account
wait before its next try (`domain.passwords.seconds_to_wait`): the service refuses with the number of
seconds instead of sleeping, so neither the window nor a test ever blocks.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.models import Therapist, User
from frontdesk.domain.passwords import normalise_password, password_problems, seconds_phrase, seconds_to_wait
from frontdesk.domain.roles import Permission, Role
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.accounts import login_name
from frontdesk.services.accounts import needs_first_admin as needs_first_admin  # re-exported: who may sign in
from frontdesk.services.accounts import workstation_actor as workstation_actor
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationFailed,
    changed_meanwhile,
)
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
    #: The linked physiotherapist's name ("" when none): their "My day" is this account's.
    therapist_name: str = ""


def _actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        therapist_id=user.therapist_id,
    )


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
    # Recorded whatever became of the account meanwhile: leaving the counter is never refused.
    with UnitOfWork(ctx, actor, write=True, check_account=False) as uow:
        uow.audit("lock", "session", actor.user_id)
        uow.commit()


def sign_out(ctx: ServiceContext, actor: Actor) -> None:
    with UnitOfWork(ctx, actor, write=True, check_account=False) as uow:
        uow.audit("sign_out", "user", actor.user_id)
        uow.commit()


def _record_attempt(ctx: ServiceContext, actor: Actor | None, action: str, user_id: int | None,
                    **detail: object) -> None:
    with UnitOfWork(ctx, actor, write=True, check_account=False) as uow:
        uow.audit(action, "user", user_id, **detail)
        uow.commit()


class _UnknownNames:
    """Wrong tries at usernames that have no account, counted in this process like an account's
    failures, so a made-up name meets the same growing wait as a real one and probing cannot tell
    them apart by the answers. Only the most recent names are kept."""

    def __init__(self, kept: int = 1024) -> None:
        self._lock = threading.Lock()
        self._kept = kept
        self._tries: OrderedDict[str, tuple[int, datetime]] = OrderedDict()

    def count(self, name: str, now: datetime) -> tuple[int, int]:
        """(seconds to wait, 0) when the name must wait; else (0, failures now counted)."""
        with self._lock:
            failures, last = self._tries.get(name, (0, None))
            wait = seconds_to_wait(failures, last, now)
            if wait:
                return wait, 0
            self._tries[name] = (failures + 1, now)
            self._tries.move_to_end(name)
            while len(self._tries) > self._kept:
                self._tries.popitem(last=False)
            return 0, failures + 1


#: One count per open database: the names of one clinic are not another's.
_UNKNOWN_NAMES: WeakKeyDictionary[object, _UnknownNames] = WeakKeyDictionary()
_UNKNOWN_NAMES_LOCK = threading.Lock()


def _unknown_names(ctx: ServiceContext) -> _UnknownNames:
    with _UNKNOWN_NAMES_LOCK:
        found = _UNKNOWN_NAMES.get(ctx.database)
        if found is None:
            found = _UNKNOWN_NAMES[ctx.database] = _UnknownNames()
        return found

#: A hash of a random password for each hasher's settings: an attempt at an unknown name, or at an
#: account that cannot sign in, is verified against it, so every attempt costs one verification.
_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash() -> str:
    hasher = PASSWORD_HASHER
    key = (id(hasher), hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len,
           hasher.salt_len, hasher.type)
    found = _DUMMY_HASHES.get(key)
    if found is None:
        found = _DUMMY_HASHES[key] = hasher.hash(secrets.token_urlsafe(24))
    return found


def _wrong_password_message(failures: int, now: datetime) -> str:
    message = WRONG_PASSWORD
    next_wait = seconds_to_wait(failures, now, now)
    if next_wait:
        message += f" For safety, the next try is possible in {seconds_phrase(next_wait)}."
    return message


def _authenticate(ctx: ServiceContext, username: str, password: str, *, action: str,
                  allowed: Callable[[Actor], str | None] | None = None,
                  detail: dict | None = None) -> Actor:
    """Check a password, telling nothing about the account to someone who does not know it.

    Every attempt costs one Argon2 verification, against the account's hash or a dummy one, so an
    unknown name answers as slowly as a real one. The attempt is counted as a failure (and the wait
    read) in one write transaction before the password is checked, so attempts in parallel queue
    behind each other's counts instead of all reaching the hash; a right password then takes the
    count back. A switched-off account, or one without a password, answers exactly as a wrong
    password does, whatever was typed; the audit trail records the real reason.
    """
    detail = dict(detail or {})
    name = _normal_username(username)
    if not name or not password:
        raise SignInRefused("Enter your username and your password.")
    dummy = _dummy_hash()  # made before anything is looked up, so the first attempt costs the same for any name
    now = ctx.now()
    account: Actor | None = None
    stored_hash: str | None = None
    active = False
    wait = failures = 0
    with UnitOfWork(ctx, None, write=True, check_account=False) as uow:
        user = uow.session.scalar(select(User).where(func.lower(User.username) == name).with_for_update())
        if user is not None:
            account = _actor(user)
            stored_hash, active = user.password_hash, bool(user.active)
            wait = seconds_to_wait(user.failed_sign_ins or 0, user.last_failed_at, now)
            if wait:
                uow.actor = account
                uow.audit(f"{action}_delayed", "user", user.id, wait_seconds=wait, **detail)
            else:
                user.failed_sign_ins = failures = (user.failed_sign_ins or 0) + 1
                user.last_failed_at = now
        else:
            wait, failures = _unknown_names(ctx).count(name, now)
            if wait:
                uow.audit(f"{action}_delayed", "user", None, attempted=name[:64], wait_seconds=wait, **detail)
        uow.commit()
    if wait:
        raise SignInDelayed(wait)

    right = _verify(stored_hash or dummy, password) and stored_hash is not None
    if account is None:
        _record_attempt(ctx, None, f"{action}_failed", None, attempted=name[:64], reason="unknown account", **detail)
        raise SignInRefused(_wrong_password_message(failures, now))
    renewed = _hash(password) if right and active and stored_hash is not None and \
        PASSWORD_HASHER.check_needs_rehash(stored_hash) else None
    refusal: ServiceError | None = None
    with UnitOfWork(ctx, account, write=True, check_account=False) as uow:
        row = uow.session.get(User, account.user_id)
        if not right or not row.active:
            reason = {"reason": "no password set"} if stored_hash is None else \
                {"reason": "account switched off"} if not row.active else {}
            uow.audit(f"{action}_failed", "user", row.id, failed_sign_ins=row.failed_sign_ins, **reason, **detail)
            refusal = SignInRefused(_wrong_password_message(failures, now))
        else:
            row.failed_sign_ins = 0  # the password was right: the count taken before checking goes
            account = _actor(row)
            reason_refused = allowed(account) if allowed else None
            if reason_refused is not None:
                uow.actor = account
                uow.audit("denied", "session", row.id, attempted=action, **detail)
                refusal = PermissionDenied(reason_refused)
            else:
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
        names = dict(uow.session.execute(select(Therapist.id, Therapist.full_name)).all())
        return [_summary(row, names.get(row.therapist_id, "")) for row in rows]


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
        errors |= _check_therapist_link(uow.session, therapist_id, Role(role))
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
        _flush_link(uow.session)
        uow.audit("create", "user", user.id, role=user.role, username=user.username,
                  with_password=password_hash is not None, therapist_id=therapist_id)
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
