"""One transaction per use case, the audit trail, and database faults turned into plain messages."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from types import TracebackType

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from frontdesk.db.models import AuditEvent
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseUnavailable,
    PermissionDenied,
    ServiceError,
    StorageFull,
)

GENESIS_HASH = "0" * 64


def audit_hash(prev_hash: str, at: datetime, user_id: int | None, username: str, action: str,
               entity: str, entity_id: int | None, patient_id: int | None, detail: dict) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(timezone.utc).isoformat(), user_id, username, action, entity, entity_id, patient_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def translate_database_error(error: Exception) -> ServiceError | None:
    """A plain-language `ServiceError` for a database fault, or None if it is not one we know."""
    if isinstance(error, IntegrityError):
        return None
    if not isinstance(error, (OperationalError, DBAPIError)):
        return None
    text_ = str(getattr(error, "orig", error)).lower()
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
    if getattr(error, "connection_invalidated", False) or "connection" in text_ or "server" in text_:
        return DatabaseUnavailable(
            "The clinic's database server cannot be reached right now. Nothing was saved; your "
            "entries are still here. Check the network, then try again."
        )
    return None


class UnitOfWork:
    """`with UnitOfWork(ctx, actor, write=True) as uow: ...; uow.commit()`.

    Leaving the block without `commit()` rolls back. A write unit takes the database's write lock
    at its start (SQLite `BEGIN IMMEDIATE`), so checks and inserts cannot interleave with another
    front-desk PC's.
    """

    def __init__(self, ctx: ServiceContext, actor: Actor | None, *, write: bool = False) -> None:
        self.ctx = ctx
        self.actor = actor
        self.write = write
        self.session: Session
        self._committed = False
        self._denied: tuple[Permission, str] | None = None

    def __enter__(self) -> UnitOfWork:
        try:
            self.session = self.ctx.database.session(write=self.write)
        except (OperationalError, DBAPIError) as error:
            translated = translate_database_error(error)
            if translated is not None:
                raise translated from error
            raise
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
        if self._denied is not None:
            # Recorded in a transaction of its own, after this one let go of the write lock.
            record_denial(self.ctx, self.actor, *self._denied)
        if exc is not None and isinstance(exc, Exception):
            translated = translate_database_error(exc)
            if translated is not None:
                raise translated from exc

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def require(self, permission: Permission, what: str) -> None:
        """Refuse (and record the refusal) when the actor's role does not allow `permission`."""
        if self.actor is not None and self.actor.may(permission):
            return
        self._denied = (permission, what)
        role = self.actor.role.label if self.actor else "No one signed in"
        raise PermissionDenied(f"{role} accounts may not {what}. Ask a colleague with the right role.")

    def audit(self, action: str, entity: str, entity_id: int | None = None, *,
              patient_id: int | None = None, **detail: object) -> None:
        append_audit(self.session, self.ctx, self.actor, action, entity, entity_id, patient_id, detail)


_AUDIT = AuditEvent.__table__
#: The chain's last link: the newest row by its integer key (SQLite reads it from the end of the table).
#: A plain table query: the ORM's result machinery costs more than the lookup itself.
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT_AUDIT = insert(_AUDIT)


def append_audit(session: Session, ctx: ServiceContext, actor: Actor | None, action: str, entity: str,
                 entity_id: int | None, patient_id: int | None, detail: dict) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers of the chain; SQLite's write lock already does this.
        session.execute(text("SELECT pg_advisory_xact_lock(7311)"))
    if session.autoflush:
        # What the ORM query did before it: changes made through the session are written first.
        session.flush()
    prev = session.scalar(_LAST_HASH) or GENESIS_HASH
    at = ctx.now().astimezone(timezone.utc)
    user_id = actor.user_id if actor else None
    username = actor.username if actor else "(system)"
    clean = json.loads(json.dumps(detail, default=str))
    # A plain INSERT, run now: the next entry's "last hash" query must see this one, and the ORM's
    # unit-of-work bookkeeping is not needed for a row that is never changed.
    session.execute(_INSERT_AUDIT, dict(
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


def record_denial(ctx: ServiceContext, actor: Actor | None, permission: Permission, what: str) -> None:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("denied", "permission", None, permission=permission.value, attempted=what)
        uow.commit()


def verify_audit_chain(session: Session) -> list[str]:
    """Every break in the chain (an edited, removed or inserted row), as readable lines."""
    problems: list[str] = []
    prev = GENESIS_HASH
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for row in rows:
        if row.prev_hash != prev:
            problems.append(f"audit entry {row.id}: does not follow the entry before it")
        expected = audit_hash(row.prev_hash, row.at, row.user_id, row.username, row.action, row.entity,
                              row.entity_id, row.patient_id, row.detail)
        if expected != row.hash:
            problems.append(f"audit entry {row.id}: its content was changed after it was written")
        prev = row.hash
    return problems
