"""Signing in: passwords checked with Argon2id, the idle lock, signing out.

Passwords are hashed with Argon2id (memory-hard) by argon2-cffi with its RFC 9106 defaults; a hash
made with older settings is renewed at the next successful sign-in. Wrong passwords make the account
wait before its next try (`domain.passwords.seconds_to_wait`): the service refuses with the number of
seconds instead of sleeping, so neither the window nor a test ever blocks. Creating and changing
accounts (and a person's own password) is `services.user_accounts`.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from frontdesk.db.models import User
from frontdesk.domain.passwords import normalise_password, password_problems, seconds_phrase, seconds_to_wait
from frontdesk.domain.roles import Role
from frontdesk.services.account_lookup import account_actor
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import PermissionDenied, ServiceError
from frontdesk.services.unit_of_work import UnitOfWork

#: The hasher every password goes through. Tests swap in a cheap one; the stored hash names its own
#: parameters, so verifying never depends on this object's settings.
PASSWORD_HASHER = PasswordHasher()

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


def normal_username(username: str) -> str:
    return username.strip().casefold()


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(normalise_password(password))


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(stored_hash, normalise_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_errors(password: str, username: str, display_name: str) -> dict[str, str]:
    problems = password_problems(password, username=username, display_name=display_name)
    return {"password": " ".join(problems)} if problems else {}


# --- Sign-in, lock and sign-out -------------------------------------------------------------------


@checked_inputs
def sign_in(ctx: ServiceContext, username: str, password: str) -> Actor:
    """The account's actor when the password is right; `SignInRefused` (or `SignInDelayed`) otherwise.

    Every attempt, right or wrong, is written to the audit trail.
    """
    return authenticate(ctx, username, password, action="sign_in")


@checked_inputs
def unlock_session(ctx: ServiceContext, session_actor: Actor, username: str, password: str) -> Actor:
    """Unlock a locked window: the person who was signed in, or an administrator, signs in again."""

    def allowed(person: Actor) -> str | None:
        if person.user_id == session_actor.user_id or person.role is Role.ADMIN:
            return None
        return f"Only {session_actor.display_name} or an administrator can unlock this screen."

    return authenticate(ctx, username, password, action="unlock", allowed=allowed,
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
                    **detail: Any) -> None:
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
_DUMMY_HASHES: dict[tuple[object, ...], str] = {}


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


def authenticate(ctx: ServiceContext, username: str, password: str, *, action: str,
                  allowed: Callable[[Actor], str | None] | None = None,
                  detail: dict[str, Any] | None = None) -> Actor:
    """Check a password, telling nothing about the account to someone who does not know it.

    Every attempt costs one Argon2 verification, against the account's hash or a dummy one, so an
    unknown name answers as slowly as a real one. The attempt is counted as a failure (and the wait
    read) in one write transaction before the password is checked, so attempts in parallel queue
    behind each other's counts instead of all reaching the hash; a right password then takes the
    count back. A switched-off account, or one without a password, answers exactly as a wrong
    password does, whatever was typed; the audit trail records the real reason.
    """
    detail = dict(detail or {})
    name = normal_username(username)
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
            account = account_actor(user)
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
    renewed = hash_password(password) if right and active and stored_hash is not None and \
        PASSWORD_HASHER.check_needs_rehash(stored_hash) else None
    refusal: ServiceError | None = None
    with UnitOfWork(ctx, account, write=True, check_account=False) as uow:
        row = uow.session.get_one(User, account.user_id)
        if not right or not row.active:
            reason: dict[str, Any] = {"reason": "no password set"} if stored_hash is None else \
                {"reason": "account switched off"} if not row.active else {}
            uow.audit(f"{action}_failed", "user", row.id, failed_sign_ins=row.failed_sign_ins, **reason, **detail)
            refusal = SignInRefused(_wrong_password_message(failures, now))
        else:
            row.failed_sign_ins = 0  # the password was right: the count taken before checking goes
            account = account_actor(row)
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


