"""A read-only use case's transaction, with or without SQLAlchemy, and the faults both kinds share.

`ReadUnit` is the reading sibling of `UnitOfWork`: on a SQLite file it reads through a plain
`sqlite3` connection, on a PostgreSQL server through a plain `psycopg` one (`Database.plain_reader`),
so the first screen never waits for SQLAlchemy to load; anywhere else (an in-memory database) it is a
`UnitOfWork` read through its session. Either way the reads see one
consistent state, the actor's permission is checked (and a refusal audited), and a database fault
becomes a plain message.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from frontdesk.db.faults import connection_was_lost, fault_text
from frontdesk.db.plain import Projection, Reader, SessionReader
from frontdesk.domain.roles import Permission, Role, may
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import (
    AccountSwitchedOff,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseUnavailable,
    PermissionDenied,
    RoleChanged,
    ServiceError,
    StorageFull,
)

if TYPE_CHECKING:
    from frontdesk.services.unit_of_work import UnitOfWork

#: What a refused attempt leaves for the audit trail: the permission asked for (None: any write),
#: the attempt in words, and anything else worth recording (why it was refused).
Denial = tuple[Permission | None, str, dict[str, object]]



class AccountNow(NamedTuple):
    """The acting account as the database holds it now."""

    active: bool
    role: str
    username: str


#: The acting account as it is now: read inside the unit's own transaction at each check (as SQL
#: here, as `ACCOUNT_NOW.statement()` by `UnitOfWork`, which may lock the row).
ACCOUNT_NOW = Projection(AccountNow, (("u", "users", None),), {name: f"u.{name}" for name in AccountNow._fields})


def translate_database_error(error: BaseException) -> ServiceError | None:
    """A plain-language `ServiceError` for a database fault, or None if it is not one we know."""
    text_ = fault_text(error)
    if text_ is None:
        return None
    if "locked" in text_ or "busy" in text_:
        return DatabaseBusy(
            "The database is busy with another front-desk computer and did not answer in time. "
            "Nothing was saved yet and your entries are still here: try again in a moment."
        )
    if "malformed" in text_ or "not a database" in text_:
        return DatabaseDamaged(
            "The database file is damaged, so Front Desk stopped before saving anything more. Close "
            "Front Desk and ask the administrator to restore the latest backup (frontdesk restore); "
            "the damaged file is kept."
        )
    if "disk is full" in text_ or "disk full" in text_ or "no space" in text_ or "database or disk is full" in text_:
        return StorageFull(
            "The disk holding the database is full, so nothing was saved. Your entries are still "
            "here. Free some space (or ask the administrator) and save again."
        )
    if connection_was_lost(error) or "connection" in text_ or "server" in text_:
        return DatabaseUnavailable(
            "The clinic's database server cannot be reached right now. Nothing was saved; your "
            "entries are still here. Check the network, then try again."
        )
    return None


def raise_translated(error: BaseException) -> NoReturn:
    """Raise the plain-language `ServiceError` for a database fault, or `error` itself if it is none."""
    translated = translate_database_error(error)
    if translated is not None:
        raise translated from error
    raise error


def close_out(ctx: ServiceContext, actor: Actor | None, denied: Denial | None,
              exc: BaseException | None) -> None:
    """What a unit does once its transaction is over: record a refused permission (in a transaction
    of its own, now that this one has let go of its locks), and turn a database fault into a plain
    message."""
    if denied is not None:
        from frontdesk.services.unit_of_work import record_denial

        permission, what, extra = denied
        if extra.get("reason") == "account not found":
            # Nothing to attribute the refusal to in this database (a backup from before the account
            # was made has been restored, say): recorded under the name the window had.
            record_denial(ctx, None, permission, what, username=actor.username if actor else None, **extra)
        else:
            record_denial(ctx, actor, permission, what, **extra)
    if exc is not None and isinstance(exc, Exception):
        translated = translate_database_error(exc)
        if translated is not None:
            raise translated from exc


def refusal(actor: Actor | None, permission: Permission, what: str) -> PermissionDenied | None:
    """The refusal to show when `actor` may not use `permission`, else None."""
    if actor is not None and actor.may(permission):
        return None
    role = actor.role.label if actor else "No one signed in"
    return PermissionDenied(f"{role} accounts may not {what}. Ask a colleague with the right role.")


def account_refusal(actor: Actor, account: AccountNow | None, permission: Permission | None,
                    what: str) -> tuple[PermissionDenied, dict[str, object]] | None:
    """The refusal when the acting account, as the database holds it now (`account`: its active flag
    role and username, None when it is gone), may not do `what`, with the reason for the audit trail; else None.

    The signed-in `actor` was read when its person signed in: an administrator may have switched the
    account off, or changed its role, since. `permission` None asks only whether the account is on.
    """
    if account is None or account.username != actor.username:
        return AccountSwitchedOff(
            f"The account {actor.username} is not in this database any more, so Front Desk did not {what}. "
            "Nothing was saved. Sign out, then sign in again."), {"reason": "account not found"}
    if not account.active:
        return AccountSwitchedOff(
            f"The account {actor.username} has been switched off, so Front Desk did not {what}. "
            "Nothing was saved. Ask the clinic's administrator."), {"reason": "account switched off"}
    try:
        role = Role(account.role)
    except ValueError:
        role = None
    if permission is None or (role is not None and may(role, permission)):
        return None
    label = role.label if role is not None else "This"
    if role is not actor.role:
        return RoleChanged(
            f"Your account's role was changed to {label} since you signed in, and {label} accounts may "
            f"not {what}. Sign out and in again to see what your role allows."), \
            {"reason": "role changed", "role_now": account.role}
    refused = refusal(actor, permission, what)
    return (refused, {}) if refused is not None else None


class ReadUnit:
    """`with ReadUnit(ctx, actor) as unit: unit.require(...); rows = unit.reader.rows(SQL, params)`.

    Nothing is ever written through it; a refused permission is recorded after it closes.
    """

    def __init__(self, ctx: ServiceContext, actor: Actor | None) -> None:
        self.ctx = ctx
        self.actor = actor
        self.reader: Reader
        self._plain: AbstractContextManager[Reader] | None = None
        self._unit: UnitOfWork | None = None
        self._denied: Denial | None = None

    def __enter__(self) -> ReadUnit:
        database = self.ctx.database
        try:
            if database.reads_plainly:
                plain = self._plain = database.plain_reader()
                self.reader = plain.__enter__()
            else:
                from frontdesk.services.unit_of_work import UnitOfWork

                unit = self._unit = UnitOfWork(self.ctx, self.actor)
                self.reader = SessionReader(unit.__enter__().session)
        except Exception as error:  # noqa: BLE001 - raised again as the service error it means
            raise_translated(error)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._unit is not None:
            self._unit.__exit__(exc_type, exc, tb)  # it records refusals and translates faults itself
            return
        assert self._plain is not None
        try:
            self._plain.__exit__(exc_type, exc, tb)
        except Exception as error:  # noqa: BLE001 - raised again as a service error, unless one is on its way
            if exc is None:
                raise_translated(error)
        close_out(self.ctx, self.actor, self._denied, exc)

    def require(self, permission: Permission, what: str) -> None:
        """Refuse (and record the refusal) when the acting account, as it is now, is switched off or its
        role does not allow `permission`."""
        if self._unit is not None:
            self._unit.require(permission, what)
            return
        refused = refusal(self.actor, permission, what) if self.actor is None else None
        extra: dict[str, object] = {}
        if self.actor is not None:
            # The account as it is now, read in this unit's own read transaction (see `UnitOfWork.require`).
            rows = self.reader.select(ACCOUNT_NOW, "WHERE u.id = :id", {"id": self.actor.user_id})
            found = account_refusal(self.actor, rows[0] if rows else None, permission, what)
            if found is not None:
                refused, extra = found
        if refused is not None:
            self._denied = (permission, what, extra)
            raise refused
