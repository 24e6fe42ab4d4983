"""Who last changed a record, and when: "Last changed by NAME at TIME" on the appointment and the patient.

Read from the audit trail (the newest entry that changed this record; opening, printing and looking
do not count). A record whose last change has no entry of its own there still has an answer: every
change also stamps the row itself (`updated_at`, `updated_by`), and the newer of the two is taken.
That covers the appointments of a series (the trail records the series once, under its first
appointment) and records that came in without the trail (a generated demo clinic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import AuditEvent, Patient
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in

#: The trail's actions that change each kind of record.
PATIENT_CHANGES = ("create", "update", "archive", "unarchive")
APPOINTMENT_CHANGES = ("book", "book_series", "move", "status", "undo_status")


@dataclass(frozen=True)
class LastChange:
    """The newest change of a record: when, and who (their name as shown to colleagues)."""

    at: datetime
    user_id: int | None
    name: str
    action: str = ""


def last_change_in(session: Session, entity: str, record_id: int, patient_id: int | None,
                   actions: tuple[str, ...], stamped_at: datetime | None, stamped_by: int | None) -> LastChange | None:
    """Inside the caller's unit of work: the newest of the trail's entry for the record and the row's stamp.

    The trail is looked up through its patient index (every entry about a patient's records names the
    patient), so the cost does not grow with the whole trail.
    """
    trail = AuditEvent.__table__.c
    entry = session.execute(
        select(trail.at, trail.user_id, trail.username, trail.action)
        .where(trail.patient_id == patient_id, trail.entity == entity, trail.entity_id == record_id,
               trail.action.in_(actions))
        .order_by(trail.id.desc()).limit(1)
    ).first()
    if entry is not None and (stamped_at is None or entry.at >= stamped_at):
        at, user_id, username, action = entry.at, entry.user_id, entry.username, entry.action
    elif stamped_at is not None:
        at, user_id, username, action = stamped_at, stamped_by, "", ""
    else:
        return None
    name = display_names_in(session, {user_id}).get(user_id) if user_id is not None else None
    return LastChange(at=at, user_id=user_id, name=name or username or "someone", action=action)


def patient_last_change(ctx: ServiceContext, actor: Actor, patient_id: int) -> LastChange | None:
    """Who last changed the patient's record (registered, edited, archived or brought back), and when."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see patient records")
        row = uow.session.get(Patient, patient_id)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        return last_change_in(uow.session, "patient", row.id, row.id, PATIENT_CHANGES, row.updated_at, row.updated_by)
