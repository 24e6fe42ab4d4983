"""Email reminders: the clinic's mail settings, the outbox, and the sender.

The outbox (`reminder_outbox`) has one row per appointment and booked time. Booking, moving and
cancelling keep it in step at once (`sync_reminders_in`, called inside those transactions); the
sender also adds any row that is missing (consent given after booking, reminders turned on later) and
checks each row against the appointment again just before sending, so a stale row is withdrawn rather
than sent.

Never twice: a sender claims a row in a short transaction of its own (PostgreSQL: ``SELECT ... FOR
UPDATE SKIP LOCKED``, then a conditional UPDATE; SQLite: the conditional UPDATE under the database's
write lock) by setting it to ``sending`` with its own token, talks to the mail server outside any
transaction, then records the outcome only where the row still carries its token. A row left in
``sending`` by a sender that stopped is marked failed after `STALE_CLAIM` and is NOT sent again
automatically: the mail server may already have accepted it.

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
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from frontdesk.db.encryption import usable_keyring
from frontdesk.db.models import Appointment, Patient, ReminderOutbox, Setting, Therapist
from frontdesk.db.plain import Reader, SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.contact import ContactError, format_phone, normalise_email
from frontdesk.domain.reminders import (
    APPOINTMENT_WORDS,
    LAST_CALL,
    MAX_HOURS_BEFORE,
    MIN_HOURS_BEFORE,
    STALE_CLAIM,
    ReminderFacts,
    ReminderState,
    ReminderText,
    cancel_notice,
    due_at,
    is_permanent_refusal,
    next_try,
    reminder_text,
    why_no_reminder,
)
from frontdesk.domain.roles import Permission
from frontdesk.domain.when import format_clock, format_weekday_date
from frontdesk.services.calendar_file import CalendarEvent, calendar_bytes
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_from, stored_setting_text
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.reminder_outbox import (
    APPOINTMENT_AND_PATIENT,
    MOVED,
    REMINDERS_KEY,
    ReminderSettings,
    as_utc,
    reminder_settings_from,
    sync_reminders_in,
)
from frontdesk.services.errors import NotFound, ServiceError, ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork

log = logging.getLogger("frontdesk.reminders")

SECRET_KEY = "reminders_secret"
KEYRING_SERVICE = "Front Desk mail server"
SECRET_FILE_ENV = "FRONTDESK_SECRET_KEY_FILE"
SECRET_FILE_NAME = "mail-password.key"
SMTP_TIMEOUT = 30.0
BATCH = 50
SECURITY_CHOICES = ("starttls", "tls")
_OPEN = (ReminderState.QUEUED.value, ReminderState.FAILED.value)
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


def _put_setting(session: Session, ctx: ServiceContext, actor: Actor | None, key: str, value: dict) -> None:
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


def _fernet(create: bool) -> Any | None:
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
    token = fernet.encrypt(password.encode("utf-8")).decode("ascii")
    _put_setting(session, ctx, actor, SECRET_KEY, {"token": token})
    return "database"


class PasswordUnavailable(ServiceError):
    """The mail server's password cannot be read on this computer."""


def _password(reader: Reader, settings: ReminderSettings) -> str | None:
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


# --- Composing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComposedReminder:
    to: str
    sender: str
    text: ReminderText
    ics: bytes
    message_id: str

    def message(self, now: datetime) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = self.text.subject
        message["From"] = self.sender
        message["To"] = self.to
        message["Date"] = format_datetime(now.astimezone(UTC))
        message["Message-ID"] = self.message_id
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.text.body)
        message.add_attachment(self.ics, maintype="text", subtype="calendar", filename=self.text.attachment_name,
                               params={"method": "PUBLISH"})
        return message


def _facts(clinic: ClinicSettings, settings: ReminderSettings, appointment: Appointment, patient: Patient,
           therapist_name: str) -> ReminderFacts:
    return ReminderFacts(
        patient_first_name=(patient.preferred_name or patient.given_names).split(" ")[0] if (
            patient.preferred_name or patient.given_names) else "",
        starts_at=as_utc(appointment.starts_at), ends_at=as_utc(appointment.ends_at), time_zone=clinic.time_zone,
        therapist_name=therapist_name, clinic_name=clinic.name, clinic_phone=format_phone(clinic.phone),
        clinic_address=clinic.address, late_cancel_hours=clinic.late_cancel_hours,
        what_to_bring=settings.what_to_bring,
    )


def _compose(session: Session, ctx: ServiceContext, appointment_id: int, settings: ReminderSettings,
             outbox_id: int | None) -> tuple[ComposedReminder, Appointment, Patient]:
    found = session.execute(
        select(Appointment, Patient, Therapist.full_name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(Therapist, Therapist.id == Appointment.therapist_id)
        .where(Appointment.id == appointment_id)
    ).first()
    if found is None:
        raise NotFound("That appointment no longer exists.")
    appointment, patient, therapist_name = found
    clinic = clinic_settings_from(SessionReader(session))
    facts = _facts(clinic, settings, appointment, patient, therapist_name)
    text = reminder_text(facts)
    local = facts.starts_at.astimezone(clinic.zone)
    address = ", ".join(line.strip() for line in clinic.address.splitlines() if line.strip())
    event = CalendarEvent(
        appointment.id, facts.starts_at, facts.ends_at, f"{APPOINTMENT_WORDS} with {therapist_name}",
        appointment.version, location=", ".join(p for p in (clinic.name, address) if p),
        description=f"{APPOINTMENT_WORDS} at {clinic.name} with {therapist_name}. {cancel_notice(facts)}",
    )
    ics = calendar_bytes([event], clinic.zone, ctx.now(), local.date(), local.date())
    domain = (settings.from_address.rpartition("@")[2] or "frontdesk.clinic").strip()
    message_id = f"<reminder-{outbox_id or 0}.{appointment.id}@{domain}>"
    sender = formataddr((clinic.name, settings.from_address)) if settings.from_address else clinic.name
    return ComposedReminder(patient.email, sender, text, ics, message_id), appointment, patient


@dataclass(frozen=True)
class ReminderPreview:
    to: str
    sender: str
    subject: str
    body: str
    attachment_name: str
    ics: str
    note: str


@checked_inputs
def preview_reminder(ctx: ServiceContext, actor: Actor, appointment_id: int) -> ReminderPreview:
    """The exact message the patient would get now (subject, body, attachment), and whether they will."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see reminders")
        settings = reminder_settings_from(SessionReader(uow.session))
        outbox = uow.session.scalar(select(ReminderOutbox.id).where(ReminderOutbox.appointment_id == appointment_id)
                                    .order_by(ReminderOutbox.id.desc()).limit(1))
        composed, appointment, patient = _compose(uow.session, ctx, appointment_id, settings, outbox)
        reason = why_no_reminder(enabled=settings.enabled, consented=bool(patient.email_reminders),
                                 email=patient.email, booked=appointment.status == AppointmentStatus.BOOKED.value,
                                 starts_at=appointment.starts_at, now=ctx.now())
    note = reason or "The patient will get this message."
    return ReminderPreview(composed.to or "(no email address)", composed.sender, composed.text.subject,
                           composed.text.body, composed.text.attachment_name, composed.ics.decode("utf-8"), note)


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


# --- Sending -------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    withdrawn: int = 0
    queued: int = 0
    #: Why nothing was tried (reminders off, no password on this computer ...), or "".
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        return (f"{self.sent} reminder(s) sent, {self.failed} not sent, {self.withdrawn} withdrawn, "
                f"{self.queued} newly queued.")


@dataclass(frozen=True)
class _Failure:
    reason: str
    permanent: bool


class ReminderSender:
    """Sends the reminders that are due: `run_once()` from the app's timer or `frontdesk send-reminders`."""

    def __init__(self, ctx: ServiceContext, *, timeout: float = SMTP_TIMEOUT,
                 tls_context: Callable[[], ssl.SSLContext] | None = None, batch: int = BATCH) -> None:
        self.ctx = ctx
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context
        self.batch = batch
        self.token = f"{socket.gethostname()[:30]}-{uuid.uuid4().hex[:16]}"

    def run_once(self) -> SendReport:
        report = SendReport()
        with UnitOfWork(self.ctx, None) as uow:
            reader = SessionReader(uow.session)
            settings = reminder_settings_from(reader)
            if not settings.enabled:
                report.skipped = "Email reminders are turned off."
                return report
            try:
                password = _password(reader, settings)
            except PasswordUnavailable as error:
                report.skipped = error.message
                return report
        self._give_up_stale_claims()
        report.queued = queue_missing_reminders(self.ctx)
        while True:
            claimed = self._claim()
            if not claimed:
                return report
            self._send_batch(settings, password, claimed, report)
            if len(claimed) < self.batch:
                return report

    def _give_up_stale_claims(self) -> None:
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None, write=True) as uow:
            uow.session.execute(
                update(ReminderOutbox)
                .where(ReminderOutbox.state == ReminderState.SENDING.value,
                       ReminderOutbox.claimed_at < now - STALE_CLAIM)
                .values(state=ReminderState.FAILED.value, next_try_at=None, updated_at=now,
                        last_error="Sending was interrupted (Front Desk stopped). It may have gone out, so it is "
                                   "not sent again by itself.")
            )
            uow.commit()

    def _claim(self) -> list[int]:
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None, write=True) as uow:
            session = uow.session
            due = (select(ReminderOutbox.id)
                   .where(ReminderOutbox.state.in_(_OPEN), ReminderOutbox.next_try_at <= now)
                   .order_by(ReminderOutbox.next_try_at, ReminderOutbox.id).limit(self.batch))
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = []
            for outbox_id in session.scalars(due).all():
                result = session.execute(
                    update(ReminderOutbox)
                    .where(ReminderOutbox.id == outbox_id, ReminderOutbox.state.in_(_OPEN),
                           ReminderOutbox.next_try_at <= now)
                    .values(state=ReminderState.SENDING.value, claimed_by=self.token, claimed_at=now,
                            attempts=ReminderOutbox.attempts + 1, updated_at=now)
                )
                if result.rowcount == 1:
                    claimed.append(outbox_id)
            uow.commit()
        return claimed

    def _send_batch(self, settings: ReminderSettings, password: str | None, claimed: list[int],
                    report: SendReport) -> None:
        connection: smtplib.SMTP | None = None
        connect_failure: _Failure | None = None
        try:
            for outbox_id in claimed:
                if not self._still_mine(outbox_id):
                    continue  # another sender gave the claim up as stale: never send on a lost claim
                try:
                    composed, withdraw_reason = self._prepare(settings, outbox_id)
                except Exception as error:  # recorded on the reminder; the others go on
                    log.exception("preparing reminder %s failed", outbox_id)
                    self._fail(outbox_id, _Failure(f"The message could not be put together: {error}", True))
                    report.failed += 1
                    continue
                if composed is None:
                    self._finish(outbox_id, ReminderState.WITHDRAWN, withdraw_reason or "")
                    report.withdrawn += 1
                    continue
                if connection is None and connect_failure is None:
                    try:
                        connection = self._connect(settings, password)
                    except Exception as error:  # noqa: BLE001 - every reason is recorded on the reminder
                        connect_failure = _describe(error)
                failure = connect_failure
                if failure is None:
                    assert connection is not None
                    try:
                        connection.send_message(composed.message(self.ctx.now()))
                    except Exception as error:  # noqa: BLE001 - recorded on the reminder
                        failure = _describe(error)
                        if not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError |
                                          smtplib.SMTPSenderRefused):
                            _close(connection)
                            connection, connect_failure = None, failure
                if failure is None:
                    self._finish(outbox_id, ReminderState.SENT, "", to=composed.to)
                    report.sent += 1
                else:
                    self._fail(outbox_id, failure, to=composed.to)
                    report.failed += 1
        finally:
            if connection is not None:
                _close(connection)

    def _still_mine(self, outbox_id: int) -> bool:
        """Renew the claim just before talking to the server (a long batch stays fresh); False when
        the row is no longer this sender's."""
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None, write=True) as uow:
            result = uow.session.execute(
                update(ReminderOutbox)
                .where(ReminderOutbox.id == outbox_id, ReminderOutbox.claimed_by == self.token,
                       ReminderOutbox.state == ReminderState.SENDING.value)
                .values(claimed_at=now)
            )
            uow.commit()
        return result.rowcount == 1

    def _prepare(self, settings: ReminderSettings, outbox_id: int) -> tuple[ComposedReminder | None, str | None]:
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None) as uow:
            row = uow.session.get(ReminderOutbox, outbox_id)
            assert row is not None
            composed, appointment, patient = _compose(uow.session, self.ctx, row.appointment_id, settings, row.id)
            reason = why_no_reminder(enabled=settings.enabled, consented=bool(patient.email_reminders),
                                     email=patient.email,
                                     booked=appointment.status == AppointmentStatus.BOOKED.value,
                                     starts_at=appointment.starts_at, now=now)
            if reason is None and as_utc(appointment.starts_at) != as_utc(row.starts_at):
                reason = MOVED
        return (None, reason) if reason else (composed, None)

    def _connect(self, settings: ReminderSettings, password: str | None) -> smtplib.SMTP:
        if settings.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                        timeout=self.timeout, context=self.tls_context())
        else:
            connection = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=self.timeout)
            connection.ehlo()
            connection.starttls(context=self.tls_context())
            connection.ehlo()
        if settings.username:
            connection.user, connection.password = settings.username, password or ""
            if connection.has_extn("auth") and "PLAIN" in connection.esmtp_features["auth"].upper().split():
                connection.auth("PLAIN", connection.auth_plain)
            else:
                connection.login(settings.username, password or "")
        return connection

    def _finish(self, outbox_id: int, state: ReminderState, reason: str, to: str = "") -> None:
        now = self.ctx.now()
        values: dict[str, Any] = {"state": state.value, "updated_at": now, "last_error": reason, "next_try_at": None}
        if state is ReminderState.SENT:
            values.update(sent_at=now, to_address=to)
        self._record(outbox_id, values)

    def _fail(self, outbox_id: int, failure: _Failure, to: str = "") -> None:
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None) as uow:
            row = uow.session.get(ReminderOutbox, outbox_id)
            assert row is not None
            attempts, starts_at = row.attempts, row.starts_at
        later = None if failure.permanent else next_try(attempts, now, as_utc(starts_at))
        self._record(outbox_id, {"state": ReminderState.FAILED.value, "updated_at": now, "to_address": to,
                                 "last_error": failure.reason, "next_try_at": later})

    def _record(self, outbox_id: int, values: dict[str, Any]) -> None:
        with UnitOfWork(self.ctx, None, write=True) as uow:
            uow.session.execute(
                update(ReminderOutbox)
                .where(ReminderOutbox.id == outbox_id, ReminderOutbox.claimed_by == self.token,
                       ReminderOutbox.state == ReminderState.SENDING.value)
                .values(**values)
            )
            uow.commit()


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except Exception:  # noqa: BLE001 - the connection is gone either way
        connection.close()


def _describe(error: BaseException) -> _Failure:
    """The mail server's own words where it gave some; plain words for a network fault."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        return _Failure(f"The mail server refused the patient's address: {code} {_text(text)}".strip(),
                        is_permanent_refusal(code, at_recipient=True))
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _Failure(f"The mail server did not accept the user name or password: {error.smtp_code} "
                        f"{_text(error.smtp_error)}", False)
    if isinstance(error, smtplib.SMTPResponseException):
        return _Failure(f"The mail server refused the message: {error.smtp_code} {_text(error.smtp_error)}", False)
    if isinstance(error, TimeoutError) or (isinstance(error, smtplib.SMTPServerDisconnected)
                                           and "timed out" in str(error)):
        return _Failure("The mail server did not answer in time.", False)
    if isinstance(error, ssl.SSLError):
        return _Failure(f"A secure connection to the mail server failed: {error.reason or error}", False)
    if isinstance(error, (ConnectionError, OSError, smtplib.SMTPException)):
        return _Failure(f"The mail server could not be reached: {error}", False)
    return _Failure(f"Sending failed: {error}", False)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


@checked_inputs
def send_test_message(ctx: ServiceContext, actor: Actor, settings: ReminderSettings, password: str | None = None,
                      *, timeout: float = SMTP_TIMEOUT,
                      tls_context: Callable[[], ssl.SSLContext] | None = None) -> str:
    """Send a short test message to the clinic's own address with these settings (the saved password
    when none is typed); returns what happened in a sentence, or raises `ServiceError` with the reason."""
    clean = validate_reminder_settings(replace(settings, enabled=True), password_given=bool(password)
                                       or bool(settings.password_kept))
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "test the mail server")
        reader = SessionReader(uow.session)
        clinic = clinic_settings_from(reader)
        if not password and clean.username:
            password = _password(reader, clean)
    sender = ReminderSender(ctx, timeout=timeout, tls_context=tls_context)
    message = EmailMessage()
    message["Subject"] = "Front Desk: test of the reminder settings"
    message["From"] = formataddr((clinic.name, clean.from_address))
    message["To"] = clean.from_address
    message["Date"] = format_datetime(ctx.now().astimezone(UTC))
    message.set_content("This message was sent by Front Desk to check the mail server settings for appointment "
                        "reminders. Nothing needs to be done.\n")
    try:
        connection = sender._connect(clean, password)
        try:
            connection.send_message(message)
        finally:
            _close(connection)
    except Exception as error:  # noqa: BLE001 - the reason is the answer
        raise ServiceError(_describe(error).reason) from None
    return f"A test message was sent to {clean.from_address}. Check that it arrived."


def send_due_reminders(ctx: ServiceContext, **options: Any) -> SendReport:
    """One pass of the sender (the app's timer and the `send-reminders` command)."""
    return ReminderSender(ctx, **options).run_once()
