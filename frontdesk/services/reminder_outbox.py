"""The reminder outbox kept in step with the appointments (imported by the booking services, so it
loads nothing of mail or encryption; the settings are in `services.reminders`, the message in
`services.reminder_messages`, the sender in `services.reminder_sender`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, Patient, ReminderOutbox, Setting
from frontdesk.db.plain import Reader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.reminders import (
    DEFAULT_HOURS_BEFORE,
    DEFAULT_WHAT_TO_BRING,
    ReminderState,
    due_at,
    why_no_reminder,
)
from frontdesk.services.clinic_settings import stored_setting_text

REMINDERS_KEY = "reminders"
MOVED = "The appointment was moved; the reminder for the new time replaces this one."


@dataclass(frozen=True)
class ReminderSettings:
    enabled: bool = False
    hours_before: int = DEFAULT_HOURS_BEFORE
    smtp_host: str = ""
    smtp_port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    what_to_bring: str = DEFAULT_WHAT_TO_BRING
    #: Where the password is: "keyring", "database", or "" (none saved).
    password_kept: str = ""


def reminder_settings_from(reader: Reader) -> ReminderSettings:
    text = stored_setting_text(reader, REMINDERS_KEY)
    return reminder_settings_of(json.loads(text) if text else None)


APPOINTMENT_AND_PATIENT = (
    select(Appointment, Patient)
    .join(Patient, Patient.id == Appointment.patient_id)
)


_SETTING = select(Setting.value).where(Setting.key == REMINDERS_KEY)


def _settings_in(session: Session) -> ReminderSettings:
    """The reminder settings in the caller's transaction: one prepared primary-key lookup on the
    session's connection (every booking asks)."""
    value = session.connection().execute(_SETTING).scalar()
    return reminder_settings_of(value)


def reminder_settings_of(value: object) -> ReminderSettings:
    """The reminder settings from the stored value of their setting (None: never saved)."""
    stored = value if isinstance(value, dict) else {}
    known = {f.name for f in fields(ReminderSettings)}
    return ReminderSettings(**{k: v for k, v in stored.items() if k in known})


def sync_reminders_in(session: Session, now: datetime, appointment_ids: Iterable[int], *,
                      new: bool = False, settings: ReminderSettings | None = None) -> None:
    """Queue, move or withdraw the reminders of these appointments, inside the caller's transaction
    (booking, moving, cancelling, undoing). Does nothing while reminders are off and none is open.
    `new`: the appointments were just inserted, so they have no reminder yet (one query fewer).
    `settings`: the reminder settings as the caller read them in this transaction (else read here)."""
    ids = sorted(set(appointment_ids))
    if not ids:
        return
    if settings is None:
        settings = _settings_in(session)
    if new and not settings.enabled:
        return
    existing: dict[int, list[ReminderOutbox]] = {}
    if not new:
        for row in session.scalars(select(ReminderOutbox).where(ReminderOutbox.appointment_id.in_(ids))):
            existing.setdefault(row.appointment_id, []).append(row)
    if not settings.enabled and not existing:
        return
    for appointment, patient in session.execute(APPOINTMENT_AND_PATIENT.where(Appointment.id.in_(ids))).all():
        _sync_one(session, settings, appointment, patient, existing.get(appointment.id, []), now)
    session.flush()


def _sync_one(session: Session, settings: ReminderSettings, appointment: Appointment, patient: Patient,
              rows: list[ReminderOutbox], now: datetime) -> None:
    reason = why_no_reminder(enabled=settings.enabled, consented=bool(patient.email_reminders), email=patient.email,
                             booked=appointment.status == AppointmentStatus.BOOKED.value,
                             starts_at=appointment.starts_at, now=now)
    start = as_utc(appointment.starts_at)
    for_now = next((r for r in rows if as_utc(r.starts_at) == start), None)
    open_rows = [r for r in rows if _is_open(r) and r is not for_now]
    if reason is not None:
        for row in [*open_rows, *([for_now] if for_now is not None and _is_open(for_now) else [])]:
            _withdraw(row, reason, now)
        return
    due = max(due_at(start, settings.hours_before), now)
    if for_now is not None:
        refused_for_good = for_now.state == ReminderState.FAILED.value and for_now.next_try_at is None
        if for_now.state == ReminderState.WITHDRAWN.value or (
                refused_for_good and for_now.to_address and for_now.to_address != patient.email):
            _requeue(for_now, start, due, now)  # back, or refused at an address corrected since
        for row in open_rows:
            _withdraw(row, MOVED, now)
        return
    if open_rows:
        _requeue(open_rows[0], start, due, now)
        for row in open_rows[1:]:
            _withdraw(row, MOVED, now)
        return
    session.add(ReminderOutbox(appointment_id=appointment.id, patient_id=patient.id, starts_at=start, due_at=due,
                               state=ReminderState.QUEUED.value, attempts=0, next_try_at=due, last_error="",
                               claimed_by="", to_address="", created_at=now, updated_at=now))


def _is_open(row: ReminderOutbox) -> bool:
    return row.state == ReminderState.QUEUED.value or (row.state == ReminderState.FAILED.value
                                                       and row.next_try_at is not None)


def _withdraw(row: ReminderOutbox, reason: str, now: datetime) -> None:
    row.state = ReminderState.WITHDRAWN.value
    row.next_try_at = None
    row.last_error = reason
    row.updated_at = now


def _requeue(row: ReminderOutbox, start: datetime, due: datetime, now: datetime) -> None:
    row.starts_at, row.due_at, row.next_try_at = start, due, due
    row.state, row.attempts, row.last_error, row.updated_at = ReminderState.QUEUED.value, 0, "", now


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)




def sync_patient_reminders_in(session: Session, now: datetime, patient_id: int) -> None:
    """After the patient's email or consent changed: their coming appointments' reminders follow."""
    ids = session.scalars(select(Appointment.id).where(
        Appointment.patient_id == patient_id, Appointment.status == AppointmentStatus.BOOKED.value,
        Appointment.starts_at > now)).all()
    sync_reminders_in(session, now, ids)
