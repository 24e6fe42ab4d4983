"""The reminder message of one appointment, composed exactly as the patient gets it (subject, body and
calendar attachment), and its preview for the desk. No health detail reaches it: see `domain.reminders`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, Patient, ReminderOutbox, Therapist
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.contact import format_phone
from frontdesk.domain.reminders import (
    APPOINTMENT_WORDS,
    ReminderFacts,
    ReminderText,
    cancel_notice,
    reminder_text,
    why_no_reminder,
)
from frontdesk.domain.roles import Permission
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.calendar_file import CalendarEvent, calendar_bytes
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_from
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.reminder_outbox import ReminderSettings, as_utc, reminder_settings_from
from frontdesk.services.unit_of_work import UnitOfWork



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


def compose_reminder(session: Session, ctx: ServiceContext, appointment_id: int, settings: ReminderSettings,
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
        composed, appointment, patient = compose_reminder(uow.session, ctx, appointment_id, settings, outbox)
        reason = why_no_reminder(enabled=settings.enabled, consented=bool(patient.email_reminders),
                                 email=patient.email, booked=appointment.status == AppointmentStatus.BOOKED.value,
                                 starts_at=appointment.starts_at, now=ctx.now())
    note = reason or "The patient will get this message."
    return ReminderPreview(composed.to or "(no email address)", composed.sender, composed.text.subject,
                           composed.text.body, composed.text.attachment_name, composed.ics.decode("utf-8"), note)
