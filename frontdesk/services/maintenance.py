"""Backups and health checks of the open database."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from frontdesk.db.migrate import head_revision, schema_state
from frontdesk.db.models import Appointment, Patient, Screening, Therapist
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.unit_of_work import UnitOfWork, verify_audit_chain


@dataclass(frozen=True)
class CheckReport:
    database: str
    schema_version: str | None
    schema_head: str
    integrity: str
    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [
            f"Database: {self.database}",
            f"Schema version: {self.schema_version} (this app expects {self.schema_head})",
            f"Integrity: {self.integrity}",
        ]
        out += [f"{name}: {count}" for name, count in self.counts.items()]
        out += [f"PROBLEM: {p}" for p in self.problems]
        out.append("All checks passed." if self.ok else f"{len(self.problems)} problem(s) found.")
        return out


def check_database(ctx: ServiceContext) -> CheckReport:
    """Schema version, storage integrity, foreign keys and the audit chain."""
    problems: list[str] = []
    state = schema_state(ctx.database)
    if not state.up_to_date:
        problems.append(f"schema is at {state.current}, expected {state.head}")
    with UnitOfWork(ctx, None) as uow:
        session = uow.session
        if ctx.database.is_sqlite:
            results = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
            integrity = "ok" if results == ["ok"] else "; ".join(results[:5])
            if integrity != "ok":
                problems.append(f"storage integrity: {integrity}")
            broken = session.execute(text("PRAGMA foreign_key_check")).all()
            if broken:
                problems.append(f"{len(broken)} row(s) point to records that do not exist")
        else:
            integrity = "checked by the server"
        problems += verify_audit_chain(session)
        counts = {
            "Therapists": session.scalar(select(func.count()).select_from(Therapist)) or 0,
            "Patients": session.scalar(select(func.count()).select_from(Patient)) or 0,
            "Screenings": session.scalar(select(func.count()).select_from(Screening)) or 0,
            "Appointments": session.scalar(select(func.count()).select_from(Appointment)) or 0,
        }
    return CheckReport(
        database=ctx.database.display_name,
        schema_version=state.current,
        schema_head=head_revision(),
        integrity=integrity,
        counts=counts,
        problems=problems,
    )


def backup_database(ctx: ServiceContext, actor: Actor | None, destination: Path) -> Path:
    """A consistent copy of the SQLite database, taken while others may be writing.

    Uses SQLite's online backup API into a temporary file beside the destination, verifies it, then
    renames it into place, so a half-written backup never carries the final name.
    """
    source = ctx.database.path
    if source is None:
        raise ServiceError(
            "Backups from a database server are made on the server (pg_dump); see README, "
            "'Several front-desk computers'."
        )
    destination = Path(destination).expanduser()
    if destination.is_dir():
        stamp = ctx.local(ctx.now()).strftime("%Y-%m-%d_%H%M%S")
        destination = destination / f"frontdesk-{stamp}.sqlite3"
    if not destination.parent.is_dir():
        raise ServiceError(f"The folder {destination.parent} does not exist.")
    if destination.resolve() == source.resolve():
        raise ServiceError("Choose a different file for the backup than the database itself.")
    if actor is not None:
        with UnitOfWork(ctx, actor) as uow:
            uow.require(Permission.BACKUP, "make backups")
    partial = destination.with_name(destination.name + ".partial")
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                result = dst.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if result != "ok":
            raise ServiceError(f"The backup copy failed its integrity check ({result}); nothing was replaced.")
        os.chmod(partial, 0o600)
        os.replace(partial, destination)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written: {error}.") from error
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written to {destination}: {error.strerror}.") from error
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("backup", "database", None, destination=str(destination))
        uow.commit()
    return destination
