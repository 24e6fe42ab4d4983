"""One transaction per use case, the audit trail, and database faults turned into plain messages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, Executable, Select, bindparam, insert, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from frontdesk.db.models import AuditEvent, User
from frontdesk.db.moved import moved_message, read_marker
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.reading import (
    ACCOUNT_NOW,
    AccountNow,
    Denial,
    account_refusal,
    close_out,
    raise_translated,
    refusal,
    translate_database_error,
)

if TYPE_CHECKING:
    from frontdesk.services.changes import Change, Changes

__all__ = ["GENESIS_HASH", "UnitOfWork", "account_statement", "append_audit", "audit_hash", "core_execute",
           "record_denial", "translate_database_error", "verify_audit_chain"]

GENESIS_HASH = "0" * 64


def audit_hash(prev_hash: str, at: datetime, user_id: int | None, username: str, action: str,
               entity: str, entity_id: int | None, patient_id: int | None, detail: Mapping[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(), user_id, username, action, entity, entity_id, patient_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class UnitOfWork:
    """`with UnitOfWork(ctx, actor, write=True) as uow: ...; uow.commit()`.

    Leaving the block without `commit()` rolls back. A write unit takes the database's write lock
    at its start (SQLite `BEGIN IMMEDIATE`), so checks and inserts cannot interleave with another
    front-desk PC's.

    The acting account is read again inside the transaction, never taken from the `Actor` made at
    sign-in: `require` refuses an account that was switched off or whose role no longer allows the
    permission, and `commit` refuses a write by a switched-off account even where nothing was
    required. On PostgreSQL the row is read `FOR SHARE`, so an administrator's change to it waits for
    this transaction to end. The units that record sign-in, locking and refusals themselves pass
    `check_account=False`: they are about the account, not done with it.
    """

    def __init__(self, ctx: ServiceContext, actor: Actor | None, *, write: bool = False,
                 check_account: bool = True) -> None:
        self.ctx = ctx
        self.actor = actor
        self.write = write
        self.check_account = check_account
        self.session: Session
        self._committed = False
        self._denied: Denial | None = None
        self._account: AccountNow | None = None
        self._account_read = False
        #: What this unit changed, from what it audited (`frontdesk.services.changes`); None: everything.
        self._changes: list[Change] | None = []
        self._entries: list[int] = []

    def __enter__(self) -> UnitOfWork:
        if self.write:
            _refuse_if_moved(self.ctx)
        try:
            self.session = self.ctx.database.session(write=self.write)
        except (OperationalError, DBAPIError) as error:
            raise_translated(error)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        except (OperationalError, DBAPIError):
            pass
        finally:
            self.session.close()
        close_out(self.ctx, self.actor, self._denied, exc)

    def commit(self) -> None:
        if self.write and self.check_account and self.actor is not None:
            self._refuse_unless_allowed(None, "save this change")
        if self._entries:
            self._announce()
        self.session.commit()
        self._committed = True
        if self._entries:
            from frontdesk.services.changes import collecting, committed

            if collecting():  # someone asked what changed (`collect_changes`); else no set is built
                committed(self.changes)

    @property
    def changes(self) -> Changes:
        """What this unit changed so far, typed, from what it audited (everything, after a restore)."""
        from frontdesk.services.changes import Changes

        return Changes.everything(remote=False) if self._changes is None else Changes(self._changes)

    def _announce(self) -> None:
        """Tell the other desks what this unit changed: its trail entries are marked as this desk's own
        (a SQLite window reads the others' from the trail), and on a server a NOTIFY in this transaction
        carries the changes, delivered to every listening desk when the transaction commits."""
        from frontdesk.services.changes import desk_of

        desk = desk_of(self.ctx)
        desk.wrote(self._entries)
        if self._changes == [] or self.session.get_bind().dialect.name != "postgresql":
            return
        from frontdesk.db.notify import send

        send(self.session, self.changes.to_payload(desk.origin))

    def require(self, permission: Permission, what: str) -> None:
        """Refuse (and record the refusal) when the acting account, as it is now, is switched off or
        its role does not allow `permission`."""
        if self.actor is None or not self.check_account:
            refused = refusal(self.actor, permission, what)
            if refused is not None:
                self._denied = (permission, what, {})
                raise refused
            return
        self._refuse_unless_allowed(permission, what)

    def _refuse_unless_allowed(self, permission: Permission | None, what: str) -> None:
        assert self.actor is not None
        found = account_refusal(self.actor, self._account_now(), permission, what)
        if found is not None:
            refused, extra = found
            self._denied = (permission, what, extra)
            raise refused

    def account_read_with(self, account: AccountNow | None) -> None:
        """The acting account as the caller's own query read it inside this unit's transaction (in a
        write unit locked FOR SHARE, as `_account_now` locks it): `require` and `commit` use it rather
        than read it again. Ignored once the account was read."""
        if not self._account_read:
            self._account, self._account_read = account, True

    def _account_now(self) -> AccountNow | None:
        """The acting account's (active, role, username), read once per unit inside its transaction."""
        if not self._account_read:
            assert self.actor is not None
            found = ACCOUNT_NOW.rows_of(core_execute(self.session, account_statement(self.write),
                                                     {"user": self.actor.user_id}))
            self._account = found[0] if found else None
            self._account_read = True
        return self._account

    def audit(self, action: str, entity: str, entity_id: int | None = None, *,
              patient_id: int | None = None, **detail: object) -> None:
        entry = append_audit(self.session, self.ctx, self.actor, action, entity, entity_id, patient_id, detail)
        self._entries.append(entry)
        if self._changes is not None:
            from frontdesk.services.changes import changes_of

            found = changes_of(self.session, self.ctx.zone, action, entity, entity_id, patient_id, detail)
            if found is None:
                self._changes = None
            else:
                self._changes.extend(found)


@cache
def account_statement(write: bool) -> Select[*tuple[Any, ...]]:
    """The read of the acting account (``:user``), built once: building the expression and its cache
    key at every unit cost more than running it. A write unit's locks the row (FOR SHARE on
    PostgreSQL; SQLite holds its write lock); a booking reads it within its own query (`booking`)."""
    query = ACCOUNT_NOW.statement().where(User.id == bindparam("user"))
    return query.with_for_update(read=True) if write else query


def core_execute(session: Session, statement: Executable, params: Mapping[str, Any] | None = None
                 ) -> CursorResult[*tuple[Any, ...]]:
    """Run a Core statement (rows to read or write, no ORM entities to load) on the session's
    connection, in its transaction: the ORM's execute path costs about a tenth of a millisecond more
    per statement, several times a booking. Pending ORM changes are written first, as the session's
    autoflush would (nothing to do, and next to no time, when there are none)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def _refuse_if_moved(ctx: ServiceContext) -> None:
    """A desk that had the SQLite clinic open while it was moved to a server changes it no more:
    those changes would never reach the server (see `frontdesk.db.moved`)."""
    path = ctx.database.path
    if path is None:
        return
    marker = read_marker(path)
    if marker is not None:
        raise ServiceError(moved_message(path, marker))


_AUDIT = AuditEvent.__table__
#: The chain's last link: the newest row by its integer key (SQLite reads it from the end of the table).
#: A plain table query: the ORM's result machinery costs more than the lookup itself.
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT_AUDIT = insert(_AUDIT)
#: On PostgreSQL: wait for the chain's lock (serialising its writers; SQLite's write lock already does),
#: then read the last link, in one round trip. Two statements, sent together (psycopg sends a query
#: without parameters by the simple protocol, which runs them in turn): the read takes its snapshot
#: once the lock is held, so it sees the entry of the writer that held the lock before. One statement
#: could not do it: its snapshot would be taken before the wait.
_LOCK = "SELECT pg_advisory_xact_lock(7311)"
_LOCK_AND_LAST_HASH = _LOCK + "; SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1"


def _last_hash(session: Session, postgres: bool) -> str | None:
    """The chain's last link, read after taking its lock (PostgreSQL) or under the write lock (SQLite)."""
    if not postgres:
        return session.connection().scalar(_LAST_HASH)
    # The unit's own psycopg connection (SQLAlchemy's documented `driver_connection`), in the unit's
    # transaction: the two statements go in one query, with no parameters, by the simple protocol.
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a connection in use always has one
    with driver.cursor() as cursor:
        cursor.execute(_LOCK_AND_LAST_HASH)
        if not cursor.nextset():  # past the lock's result, to the read's
            raise RuntimeError("the audit trail's last entry was not read")
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def append_audit(session: Session, ctx: ServiceContext, actor: Actor | None, action: str, entity: str,
                 entity_id: int | None, patient_id: int | None, detail: Mapping[str, Any]) -> int:
    """Write one entry of the trail, chained to the one before; return its id."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if session.autoflush and (session.new or session.dirty or session.deleted):
        # What the ORM query did before it: changes made through the session are written first, on
        # PostgreSQL under the chain's lock, as before (taken again below: it is held once more, harmlessly).
        if postgres:
            session.connection().exec_driver_sql(_LOCK)
        session.flush()
    prev = _last_hash(session, postgres) or GENESIS_HASH
    at = ctx.now().astimezone(UTC)
    user_id = actor.user_id if actor else None
    username = actor.username if actor else "(system)"
    clean = json.loads(json.dumps(detail, default=str))
    # A plain INSERT, run now: the next entry's "last hash" query must see this one, and the ORM's
    # unit-of-work bookkeeping is not needed for a row that is never changed.
    result = session.connection().execute(_INSERT_AUDIT, dict(
        at=at,
        user_id=user_id,
        username=username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        detail=clean,
        prev_hash=prev,
        hash=audit_hash(prev, at, user_id, username, action, entity, entity_id, patient_id, clean),
    ))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def record_denial(ctx: ServiceContext, actor: Actor | None, permission: Permission | None, what: str,
                  **extra: Any) -> None:
    with UnitOfWork(ctx, actor, write=True, check_account=False) as uow:
        uow.audit("denied", "permission", None, permission=permission.value if permission else None,
                  attempted=what, **extra)
        uow.commit()


def verify_audit_chain(session: Session) -> list[str]:
    """Every break in the chain (an edited, removed or inserted row), as readable lines."""
    problems: list[str] = []
    prev = GENESIS_HASH
    # In batches: a clinic's trail grows by every record opened, and the check keeps memory flat.
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)).scalars()
    for row in rows:
        if row.prev_hash != prev:
            problems.append(f"audit entry {row.id}: does not follow the entry before it")
        expected = audit_hash(row.prev_hash, row.at, row.user_id, row.username, row.action, row.entity,
                              row.entity_id, row.patient_id, row.detail)
        if expected != row.hash:
            problems.append(f"audit entry {row.id}: its content was changed after it was written")
        prev = row.hash
    return problems
