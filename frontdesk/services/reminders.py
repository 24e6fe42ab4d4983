"""Email reminders: the clinic's mail settings, the password of the mail server, the outbox kept in
step, and what the desk sees of an appointment's reminder. The message itself is composed in
`services.reminder_messages`; the sender is `services.reminder_sender`.

The outbox (`reminder_outbox`) has one row per appointment and booked time. Booking, moving and
cancelling keep it in step at once (`sync_reminders_in`, called inside those transactions); the
sender also adds any row that is missing (consent given after booking, reminders turned on later) and
checks each row against the appointment again just before sending, so a stale row is withdrawn rather
than sent.

The password of the mail server is kept in the operating system's keyring where there is a working
one (the optional `keyring` package), otherwise in the database encrypted with Fernet (the
`cryptography` package) under a key kept in a file readable only by this account, in Front Desk's
data folder (or the file named by ``FRONTDESK_SECRET_KEY_FILE``, for a server's cron job). It is never
logged, audited or shown.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from frontdesk.db.encryption import usable_keyring
from frontdesk.db.models import Appointment, Patient, ReminderOutbox, Setting
from frontdesk.db.plain import Reader, SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.contact import ContactError, normalise_email
from frontdesk.domain.reminders import (
    LAST_CALL,
    MAX_HOURS_BEFORE,
    MIN_HOURS_BEFORE,
    ReminderState,
    due_at,
    why_no_reminder,
)
from frontdesk.domain.roles import Permission
from frontdesk.domain.when import format_clock, format_weekday_date
from frontdesk.services.clinic_settings import stored_setting_text
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.reminder_outbox import (
    APPOINTMENT_AND_PATIENT,
    REMINDERS_KEY,
    ReminderSettings,
    as_utc,
    reminder_settings_from,
    sync_reminders_in,
)
from frontdesk.services.errors import NotFound, ServiceError, ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

log = logging.getLogger("frontdesk.reminders")

SECRET_KEY = "reminders_secret"
KEYRING_SERVICE = "Front Desk mail server"
SECRET_FILE_ENV = "FRONTDESK_SECRET_KEY_FILE"
SECRET_FILE_NAME = "mail-password.key"
SECURITY_CHOICES = ("starttls", "tls")
CHANGES = frozenset({Kind.REMINDERS})


# --- Settings ------------------------------------------------------------------------------------


@checked_inputs
def get_reminder_settings(ctx: ServiceContext, actor: Actor) -> ReminderSettings:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "see the reminder settings")
        return reminder_settings_from(SessionReader(uow.session))


def validate_reminder_settings(settings: ReminderSettings, *, password_given: bool) -> ReminderSettings:
    errors: dict[str, str] = {}
    host = settings.smtp_host.strip()
    if settings.enabled and not host:
        errors["smtp_host"] = "Enter the mail server's name (for example smtp.example.com)."
    elif any(ch.isspace() for ch in host) or len(host) > 253:
        errors["smtp_host"] = "The server name has no spaces (for example smtp.example.com)."
    if not 1 <= settings.smtp_port <= 65535:
        errors["smtp_port"] = "The port is a number from 1 to 65535 (usually 587 for STARTTLS, 465 for TLS)."
    if settings.security not in SECURITY_CHOICES:
        errors["security"] = "Choose STARTTLS or TLS."
    if not MIN_HOURS_BEFORE <= settings.hours_before <= MAX_HOURS_BEFORE:
        errors["hours_before"] = (f"Send the reminder between {MIN_HOURS_BEFORE} and {MAX_HOURS_BEFORE} "
                                  "hours before the appointment.")
    sender = settings.from_address.strip()
    if settings.enabled and not sender:
        errors["from_address"] = "Enter the address the reminders come from (the clinic's email)."
    elif sender:
        try:
            sender = normalise_email(sender)
        except ContactError as error:
            errors["from_address"] = str(error)
    if len(settings.username) > 320:
        errors["username"] = "Keep the user name under 320 characters."
    if len(settings.what_to_bring) > 1000:
        errors["what_to_bring"] = "Keep this under 1,000 characters."
    if settings.enabled and settings.username.strip() and not (password_given or settings.password_kept):
        errors["password"] = "Enter the password of the mail server's account."
    if errors:
        raise ValidationFailed(errors)
    return replace(settings, smtp_host=host, from_address=sender, username=settings.username.strip(),
                   what_to_bring=settings.what_to_bring.strip())


@checked_inputs
def update_reminder_settings(ctx: ServiceContext, actor: Actor, settings: ReminderSettings,
                             password: str | None = None) -> ReminderSettings:
    """Save the settings; a `password` (None: keep the saved one) goes to the keyring or, encrypted,
    to the database. The audit trail names the changed settings, never the password."""
    if password is not None and ("\x00" in password or len(password) > 1000):
        raise ValidationFailed({"password": "That password cannot be used."})
    clean = validate_reminder_settings(settings, password_given=bool(password))
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "change the reminder settings")
        session = uow.session
        before = reminder_settings_from(SessionReader(session))
        if password:
            kept = _store_password(ctx, session, clean, password, actor)
            clean = replace(clean, password_kept=kept)
        else:
            clean = replace(clean, password_kept=before.password_kept)
        _put_setting(session, ctx, actor, REMINDERS_KEY, asdict(clean))
        old, new = asdict(before), asdict(clean)
        changed = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
        if before.hours_before != clean.hours_before:
            _reschedule_queued(session, clean.hours_before, ctx.now())
        uow.audit("update", "reminder_settings", None, changed=changed, password_changed=bool(password))
        uow.commit()
    return clean


def _reschedule_queued(session: Session, hours_before: int, now: datetime) -> None:
    """Queued reminders not tried yet follow a new "how long before"."""
    for row in session.scalars(select(ReminderOutbox).where(ReminderOutbox.state == ReminderState.QUEUED.value,
                                                            ReminderOutbox.attempts == 0)):
        row.due_at = row.next_try_at = max(due_at(as_utc(row.starts_at), hours_before), now)
        row.updated_at = now


def _put_setting(session: Session, ctx: ServiceContext, actor: Actor | None, key: str, value: dict[str, Any]) -> None:
    row = session.get(Setting, key)
    user = actor.user_id if actor else None
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=ctx.now(), updated_by=user))
    else:
        row.value = value
        row.updated_at = ctx.now()
        row.updated_by = user


# --- The password --------------------------------------------------------------------------------


def _keyring_account(settings: ReminderSettings) -> str:
    return f"{settings.username}@{settings.smtp_host}:{settings.smtp_port}"


def secret_key_file() -> Path:
    from frontdesk.config import data_dir

    override = os.environ.get(SECRET_FILE_ENV)
    return Path(override) if override else data_dir() / SECRET_FILE_NAME


def _fernet(create: bool) -> Fernet | None:
    """The Fernet of this computer's key file (made, readable by this account only, when `create`)."""
    from cryptography.fernet import Fernet

    path = secret_key_file()
    try:
        return Fernet(path.read_bytes().strip())
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return Fernet(path.read_bytes().strip())
    with os.fdopen(handle, "wb") as out:
        out.write(key)
    return Fernet(key)


def _store_password(ctx: ServiceContext, session: Session, settings: ReminderSettings, password: str,
                    actor: Actor | None) -> str:
    ring = usable_keyring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, _keyring_account(settings), password)
            _put_setting(session, ctx, actor, SECRET_KEY, {})
            return "keyring"
        except Exception as error:  # noqa: BLE001 - fall back to the database; the reason is logged
            log.warning("the keyring refused the mail password (%s); it is kept encrypted in the database",
                        type(error).__name__)
    fernet = _fernet(create=True)
    if fernet is None:
        raise ServiceError(f"The mail server's password was not saved: this computer's key for saved passwords "
                           f"({secret_key_file()}) cannot be read. Ask whoever looks after this computer.")
    token = fernet.encrypt(password.encode("utf-8")).decode("ascii")
    _put_setting(session, ctx, actor, SECRET_KEY, {"token": token})
    return "database"


class PasswordUnavailable(ServiceError):
    """The mail server's password cannot be read on this computer."""


def mail_password(reader: Reader, settings: ReminderSettings) -> str | None:
    """The saved password (None when the account needs none); `PasswordUnavailable` when it cannot be read."""
    if not settings.username:
        return None
    if settings.password_kept == "keyring":
        ring = usable_keyring()
        found = None
        if ring is not None:
            try:
                found = ring.get_password(KEYRING_SERVICE, _keyring_account(settings))
            except Exception:  # noqa: BLE001 - treated as "not here"
                found = None
        if found is None:
            raise PasswordUnavailable("The mail server's password is kept in another computer's keyring. Enter it "
                                      "again in Settings ▸ Reminders on this computer.")
        return str(found)
    if settings.password_kept == "database":
        from cryptography.fernet import InvalidToken

        text = stored_setting_text(reader, SECRET_KEY)
        token = (json.loads(text) or {}).get("token") if text else None
        fernet = _fernet(create=False)
        if token and fernet is not None:
            try:
                return str(fernet.decrypt(token.encode("ascii")).decode("utf-8"))
            except InvalidToken:
                pass
        raise PasswordUnavailable("The mail server's password was saved on another computer and cannot be read "
                                  "here. Enter it again in Settings ▸ Reminders on this computer.")
    raise PasswordUnavailable("No password is saved for the mail server. Enter it in Settings ▸ Reminders.")


# --- Keeping the outbox in step ------------------------------------------------------------------


def sync_reminders(ctx: ServiceContext, appointment_ids: Iterable[int]) -> None:
    """`sync_reminders_in` in a transaction of its own (for changes made outside the booking services)."""
    with UnitOfWork(ctx, None, write=True) as uow:
        sync_reminders_in(uow.session, ctx.now(), appointment_ids)
        uow.commit()


def queue_missing_reminders(ctx: ServiceContext) -> int:
    """Add the reminders the outbox lacks for appointments coming up within the reminder period
    (consent recorded after booking, reminders turned on later); returns how many were added."""
    now = ctx.now()
    with UnitOfWork(ctx, None, write=True) as uow:
        session = uow.session
        settings = reminder_settings_from(SessionReader(session))
        if not settings.enabled:
            return 0
        missing = session.scalars(
            select(Appointment.id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .outerjoin(ReminderOutbox, and_(ReminderOutbox.appointment_id == Appointment.id,
                                            ReminderOutbox.starts_at == Appointment.starts_at))
            .where(Appointment.status == AppointmentStatus.BOOKED.value,
                   Appointment.starts_at > now + LAST_CALL,
                   Appointment.starts_at <= now + timedelta(hours=settings.hours_before),
                   Patient.email_reminders.is_(True), Patient.email != "",
                   or_(ReminderOutbox.id.is_(None),
                       # refused for good at an address that has been corrected since
                       and_(ReminderOutbox.state == ReminderState.FAILED.value,
                            ReminderOutbox.next_try_at.is_(None), ReminderOutbox.to_address != "",
                            ReminderOutbox.to_address != Patient.email)))
        ).all()
        if not missing:
            return 0
        sync_reminders_in(session, now, missing)
        uow.commit()
    return len(missing)


# --- What the desk sees --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderStatus:
    state: ReminderState | None
    text: str
    can_preview: bool = True


@checked_inputs
def reminder_status(ctx: ServiceContext, actor: Actor, appointment_id: int) -> ReminderStatus:
    """The appointment's reminder in a sentence, on the clinic's clock."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see reminders")
        session = uow.session
        found = session.execute(APPOINTMENT_AND_PATIENT.where(Appointment.id == appointment_id)).first()
        if found is None:
            raise NotFound("That appointment no longer exists.")
        appointment, patient = found
        settings = reminder_settings_from(SessionReader(session))
        rows = list(session.scalars(select(ReminderOutbox).where(ReminderOutbox.appointment_id == appointment_id)
                                    .order_by(ReminderOutbox.id)))
        start = as_utc(appointment.starts_at)
        row = next((r for r in reversed(rows) if as_utc(r.starts_at) == start), rows[-1] if rows else None)
        reason = why_no_reminder(enabled=settings.enabled, consented=bool(patient.email_reminders),
                                 email=patient.email, booked=appointment.status == AppointmentStatus.BOOKED.value,
                                 starts_at=appointment.starts_at, now=ctx.now())
        session.expunge_all()
    if row is None:
        return ReminderStatus(None, f"No reminder: {_lower_first(reason)}" if reason else
                              "A reminder will be queued shortly.")
    state = ReminderState(row.state)
    when = _when(ctx, row.next_try_at)
    if state is ReminderState.QUEUED:
        text = f"Queued: goes out {when}" if row.next_try_at and row.next_try_at > ctx.now() else \
            "Queued: goes out at the next send."
    elif state is ReminderState.SENDING:
        text = "Being sent now."
    elif state is ReminderState.SENT:
        text = f"Sent {_when(ctx, row.sent_at)} to {row.to_address}."
    elif state is ReminderState.FAILED:
        text = f"Not sent ({row.attempts} attempt{'s' if row.attempts != 1 else ''}): {row.last_error}"
        text += f" Trying again {when}" if row.next_try_at else " Not tried again; call the patient instead."
    else:
        text = f"Withdrawn: {row.last_error}"
    return ReminderStatus(state, text)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _when(ctx: ServiceContext, moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ctx.zone)
    return f"on {format_weekday_date(local.date())} at {format_clock(local)}"
