"""Backups and health checks of the open database."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from frontdesk.db.encryption import connect_file
from frontdesk.db.engine import OWNER_ONLY_FILE
from frontdesk.db.migrate import backup_name, head_revision, schema_state
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


def backup_database(ctx: ServiceContext, actor: Actor | None, destination: Path, *,
                    full_check: bool = True) -> Path:
    """A consistent copy of the SQLite database, taken while others may be writing.

    Uses SQLite's online backup API into a temporary file beside the destination, verifies it
    (`integrity_check`, or the much faster `quick_check` when not `full_check`), then renames it into
    place, so a half-written backup never carries the final name. The copy of an encrypted database
    is encrypted with the same passphrase. A folder as destination gets a dated file name.
    """
    if actor is not None:
        # Before anything else, so a refused role learns nothing about the database or the folder.
        with UnitOfWork(ctx, actor) as uow:
            uow.require(Permission.BACKUP, "make backups")
    source = ctx.database.path
    if source is None:
        raise ServiceError(
            "Backups from a database server are made on the server (pg_dump); see README, "
            "'Several front-desk computers'."
        )
    destination = Path(destination).expanduser()
    if destination.is_dir():
        destination = destination / backup_name(source, ctx.local(ctx.now()))
    if not destination.parent.is_dir():
        raise ServiceError(f"The folder {destination.parent} does not exist.")
    if destination.resolve() == source.resolve():
        raise ServiceError("Choose a different file for the backup than the database itself.")
    passphrase = ctx.database.passphrase
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # Created readable by this account only before a single page of patient data goes in.
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, OWNER_ONLY_FILE))
        src = connect_file(source, passphrase)
        try:
            dst = connect_file(partial, passphrase)
            try:
                src.backup(dst)
                pragma = "integrity_check" if full_check else "quick_check"
                result = dst.execute(f"PRAGMA {pragma}").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if result != "ok":
            raise ServiceError(f"The backup copy failed its integrity check ({result}); nothing was replaced.")
        with partial.open("r+b") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    except ServiceError:
        partial.unlink(missing_ok=True)
        raise
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written to {destination}: {error.strerror}.") from error
    except Exception as error:  # sqlite3 and sqlcipher3 errors alike
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written: {error}.") from error
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("backup", "database", None, destination=str(destination))
        uow.commit()
    return destination
