"""Reading the audit trail: who saw or changed a patient's file, its CSV export, and the chain check.

The trail itself is written by `UnitOfWork.audit`; nothing here edits or deletes an entry. Looking at
or exporting a patient's trail is itself recorded, since it shows which patients came to the clinic.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from frontdesk.db.models import AuditEvent, Patient
from frontdesk.domain.roles import Permission
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.csv_export import csv_writer
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound, ServiceError
from frontdesk.services.unit_of_work import UnitOfWork, verify_audit_chain
from frontdesk.services.user_accounts import display_names_in

#: (action, entity) in the trail → what a person reading it understands.
_WHAT = {
    ("view", "patient"): "Opened the patient's record",
    ("create", "patient"): "Registered the patient",
    ("update", "patient"): "Changed the patient's record",
    ("archive", "patient"): "Archived the patient's record",
    ("unarchive", "patient"): "Brought the record back from the archive",
    ("create", "screening"): "Recorded an IMS screening",
    ("review", "screening"): "Recorded a physiotherapist's review of a screening",
    ("view", "screening"): "Looked at a screening",
    ("print", "document"): "Printed a document",
    ("print", "consent"): "Printed a consent form",
    ("sign", "consent"): "Recorded a consent signed on screen",
    ("mark_signed", "consent"): "Marked a paper consent as signed",
    ("copy", "consent"): "Made a copy of a consent form",
    ("verify", "consent"): "Checked a consent form's fingerprint",
    ("book", "appointment"): "Booked an appointment",
    ("book_series", "appointment"): "Booked a series of appointments",
    ("move", "appointment"): "Moved an appointment",
    ("status", "appointment"): "Changed an appointment's status",
    ("undo_status", "appointment"): "Undid an appointment status change",
    ("view", "appointment"): "Opened an appointment",
    ("export", "appointments"): "Exported appointments",
    ("create", "therapist"): "Added a physiotherapist",
    ("update", "therapist"): "Changed a physiotherapist's details",
    ("update", "working_hours"): "Changed a physiotherapist's weekly hours",
    ("create", "appointment_type"): "Added an appointment type",
    ("update", "appointment_type"): "Changed an appointment type",
    ("view", "audit_trail"): "Looked at this audit trail",
    ("export", "audit_trail"): "Exported this audit trail",
}

CSV_COLUMNS = ["Entry", "When", "User", "Name", "What", "Record", "Record number", "Details"]


@dataclass(frozen=True)
class AuditEntry:
    """One line of the trail, with the person's name looked up."""

    id: int
    at: datetime
    user_id: int | None
    username: str
    display_name: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def what(self) -> str:
        text = _WHAT.get((self.action, self.entity))
        if text is None:
            text = f"{self.action.replace('_', ' ').capitalize()} ({self.entity.replace('_', ' ')})"
        fields = self.detail.get("fields")
        if isinstance(fields, (list, dict)) and fields:
            text += ": " + ", ".join(str(name).replace("_", " ") for name in fields)
        kind = self.detail.get("kind")
        if self.action == "print" and isinstance(kind, str):
            text += f" ({kind.replace('_', ' ')})"
        return text

    @property
    def record(self) -> str:
        return self.entity.replace("_", " ")

    @property
    def details_text(self) -> str:
        return "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(self.detail.items()))


def _entries(session: Session, statement: Select[AuditEvent]) -> list[AuditEntry]:
    rows = list(session.scalars(statement))
    names = display_names_in(session, {row.user_id for row in rows})
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            user_id=row.user_id,
            username=row.username,
            display_name=names.get(row.user_id, "") if row.user_id is not None else "",
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            detail=dict(row.detail or {}),
        )
        for row in rows
    ]


@checked_inputs
def audit_for_patient(ctx: ServiceContext, actor: Actor, patient_id: int) -> list[AuditEntry]:
    """Every view and change of one patient's file, oldest first (administrators only)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.VIEW_AUDIT, "see the audit trail")
        if uow.session.get(Patient, patient_id) is None:
            raise NotFound("That patient's record does not exist.")
        entries = _entries(
            uow.session,
            select(AuditEvent).where(AuditEvent.patient_id == patient_id).order_by(AuditEvent.id),
        )
        uow.audit("view", "audit_trail", patient_id, patient_id=patient_id)
        uow.commit()
    return entries


def audit_csv_text(entries: list[AuditEntry], zone: ZoneInfo) -> str:
    """The entries as CSV, times in the clinic's zone (with their UTC offset, so DST is unambiguous)."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([
            entry.id,
            entry.at.astimezone(zone).isoformat(timespec="seconds"),
            entry.username,
            entry.display_name,
            entry.what,
            entry.record,
            "" if entry.entity_id is None else entry.entity_id,
            entry.details_text,
        ])
    return out.getvalue()


@checked_inputs
def export_audit_csv(ctx: ServiceContext, actor: Actor, patient_id: int, destination: Path) -> Path:
    """Write one patient's trail to a CSV file only the current user can read; return its path."""
    destination = Path(destination).expanduser()
    if not destination.parent.is_dir():
        raise ServiceError(f"The folder {destination.parent} does not exist.")
    entries = audit_for_patient(ctx, actor, patient_id)
    partial = destination.with_name(destination.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # utf-8-sig: spreadsheet programs then read accented names correctly.
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(audit_csv_text(entries, ctx.zone))
        os.replace(partial, destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The file {destination} could not be written: {error.strerror}.") from error
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("export", "audit_trail", patient_id, patient_id=patient_id, entries=len(entries))
        uow.commit()
    return destination


def verify_chain(ctx: ServiceContext, actor: Actor) -> list[str]:
    """Every break in the hash chain (an entry edited, removed or slipped in); empty when intact."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_AUDIT, "check the audit trail")
        return verify_audit_chain(uow.session)
