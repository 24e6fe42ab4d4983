"""The health check of the open database: schema, integrity, audit chain and record counts (`frontdesk check`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from frontdesk.db.migrate import head_revision, schema_state
from frontdesk.db.models import Appointment, Patient, Screening, Therapist
from frontdesk.services.context import ServiceContext
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
