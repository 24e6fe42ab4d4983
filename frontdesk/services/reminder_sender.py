"""The sender of email reminders: `ReminderSender.run_once()` from the app's timer or
`frontdesk send-reminders`, and the test message of the settings dialog.

Never twice: a sender claims a row in a short transaction of its own (PostgreSQL: ``SELECT ... FOR
UPDATE SKIP LOCKED``, then a conditional UPDATE; SQLite: the conditional UPDATE under the database's
write lock) by setting it to ``sending`` with its own token, talks to the mail server outside any
transaction, then records the outcome only where the row still carries its token. A row left in
``sending`` by a sender that stopped is marked failed after `STALE_CLAIM` and is NOT sent again
automatically: the mail server may already have accepted it.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from frontdesk.db.models import ReminderOutbox
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.reminders import STALE_CLAIM, ReminderState, is_permanent_refusal, next_try, why_no_reminder
from frontdesk.domain.roles import Permission
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import clinic_settings_from
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.reminder_outbox import MOVED, ReminderSettings, as_utc, reminder_settings_from
from frontdesk.services.reminder_messages import ComposedReminder, compose_reminder
from frontdesk.services.reminders import (
    PasswordUnavailable,
    mail_password,
    queue_missing_reminders,
    validate_reminder_settings,
)
from frontdesk.services.unit_of_work import UnitOfWork

log = logging.getLogger("frontdesk.reminders")

SMTP_TIMEOUT = 30.0
BATCH = 50
_OPEN = (ReminderState.QUEUED.value, ReminderState.FAILED.value)


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
                password = mail_password(reader, settings)
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
                result = cast(CursorResult[Any], session.execute(  # an UPDATE's result: a cursor's
                    update(ReminderOutbox)
                    .where(ReminderOutbox.id == outbox_id, ReminderOutbox.state.in_(_OPEN),
                           ReminderOutbox.next_try_at <= now)
                    .values(state=ReminderState.SENDING.value, claimed_by=self.token, claimed_at=now,
                            attempts=ReminderOutbox.attempts + 1, updated_at=now)
                ))
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
            result = cast(CursorResult[Any], uow.session.execute(  # an UPDATE's result: a cursor's
                update(ReminderOutbox)
                .where(ReminderOutbox.id == outbox_id, ReminderOutbox.claimed_by == self.token,
                       ReminderOutbox.state == ReminderState.SENDING.value)
                .values(claimed_at=now)
            ))
            uow.commit()
        return result.rowcount == 1

    def _prepare(self, settings: ReminderSettings, outbox_id: int) -> tuple[ComposedReminder | None, str | None]:
        now = self.ctx.now()
        with UnitOfWork(self.ctx, None) as uow:
            row = uow.session.get(ReminderOutbox, outbox_id)
            assert row is not None
            composed, appointment, patient = compose_reminder(uow.session, self.ctx, row.appointment_id, settings,
                                                              row.id)
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
            password = mail_password(reader, clean)
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
