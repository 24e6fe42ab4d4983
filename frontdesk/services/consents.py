"""Which booked IMS appointment a consent is for, and what it may cover: read without laying out any
document, so the Intake tab can say on its Print menu which visit the consent is for (or why there is
none) without loading the printouts.

The rule itself is the domain's (`domain.consent.consent_scope`); the consent form is made in
`services.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentType, Patient, Therapist
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.consent import ConsentScope, HeldArea, consent_scope
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_date
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import clinic_settings_in, screening_rules_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound
from frontdesk.services.screenings import current_screening_in
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.unit_of_work import UnitOfWork


class ConsentRefused(Conflict):
    """No consent can be signed for the appointment: no area may be needled on its day.
    `first_allowed` is the first day one could be, or None when time alone will not do."""

    def __init__(self, message: str, first_allowed: date | None = None) -> None:
        super().__init__(message)
        self.first_allowed = first_allowed


class RegistrationMissing(Conflict):
    """The physiotherapist has no college registration number on file, and a consent must show it."""


@dataclass(frozen=True)
class ConsentAppointment:
    """A booked IMS appointment as its consent sees it: what a consent would cover, or why there is none.

    `areas` are the areas a consent would cover, by name; `refusal` is "" when a consent can be printed,
    else the reason for a person to read (with the first allowed day in `first_allowed` when there is one).
    """

    appointment_id: int
    patient_id: int
    starts_at: datetime
    type_name: str
    therapist_name: str
    areas: tuple[str, ...]
    refusal: str = ""
    first_allowed: date | None = None
    #: Why the form cannot be printed although areas may be needled ("" when it can): the
    #: physiotherapist's college registration number is not on file.
    missing_registration: str = ""

    @property
    def ready(self) -> bool:
        return not self.refusal and not self.missing_registration


@dataclass(frozen=True)
class ConsentSetup:
    appointment: Appointment
    patient: Patient
    therapist: Therapist
    kind: AppointmentType
    screening: ScreeningRecord | None
    scope: ConsentScope | None
    refusal: str
    first_allowed: date | None


def held_words(item: HeldArea) -> str:
    if item.first_allowed is not None:
        return f"{item.area.label}: not before {format_date(item.first_allowed)}"
    if item.level is Level.REVIEW:
        return f"{item.area.label}: a physiotherapist reviews first"
    if item.level is Level.NOT_ELIGIBLE:
        return f"{item.area.label}: not eligible now"
    if item.level is Level.ELIGIBLE:
        return f"{item.area.label}: screen again first"
    return f"{item.area.label}: not yet"


def consent_setup(ctx: ServiceContext, session: Session, appointment_id: int) -> ConsentSetup:
    """The appointment, its people and kind, and what a consent for it may cover (or why nothing).
    Raises NotFound or Conflict when the appointment cannot have a consent at all."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("That appointment no longer exists.")
    kind = session.get(AppointmentType, appointment.type_id)
    if kind is None or not kind.is_ims:
        raise Conflict("A consent to IMS belongs to an IMS appointment; this one is not. Book an IMS "
                       "appointment first, then print its consent.")
    status = AppointmentStatus(appointment.status)
    if status not in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        raise Conflict(f"This appointment is {status.label.lower()}, so there is nothing to consent to. "
                       "Print the consent for a booked IMS appointment.")
    patient = session.get(Patient, appointment.patient_id)
    if patient is None:
        raise NotFound("That patient record no longer exists.")
    therapist = session.get(Therapist, appointment.therapist_id)
    if therapist is None:
        raise NotFound("The physiotherapist of this appointment is not on the clinic's list.")
    screening = current_screening_in(session, patient.id)
    on = ctx.local(appointment.starts_at).date()
    if screening is None:
        return ConsentSetup(appointment, patient, therapist, kind, None, None,
                            "This patient has not been screened for IMS yet, so there is no consent to sign. "
                            "Screen the patient first.", None)
    try:
        area = BodyArea.parse(appointment.area) if appointment.area else None
    except ValueError:
        area = None
    settings = clinic_settings_in(session)
    scope = consent_scope(screening.answers, area, on, screening_rules_in(session), screening.decision,
                          screening.screened_on, settings.rescreen_months)
    return ConsentSetup(appointment, patient, therapist, kind, screening, scope, scope.refusal,
                        scope.first_allowed)


def _consent_appointment(setup: ConsentSetup) -> ConsentAppointment:
    covered = tuple(area.label for area in setup.scope.covered) if setup.scope is not None else ()
    return ConsentAppointment(
        appointment_id=setup.appointment.id, patient_id=setup.patient.id, starts_at=setup.appointment.starts_at,
        type_name=setup.kind.name, therapist_name=setup.therapist.full_name, areas=covered,
        refusal=setup.refusal, first_allowed=setup.first_allowed,
        missing_registration="" if setup.refusal else _registration_problem(setup.therapist),
    )


def _registration_problem(therapist: Therapist) -> str:
    if (therapist.registration_number or "").strip():
        return ""
    return (f"{therapist.full_name} has no college registration number on file, and a consent form must show it. "
            "An administrator adds it in Settings ▸ Physiotherapists and hours…; then print again.")


def require_consent(setup: ConsentSetup) -> tuple[ScreeningRecord, ConsentScope]:
    """The screening and scope of an appointment that may have a consent; raises the reason otherwise."""
    if setup.refusal or setup.screening is None or setup.scope is None:
        raise ConsentRefused(setup.refusal, setup.first_allowed)
    problem = _registration_problem(setup.therapist)
    if problem:
        raise RegistrationMissing(problem)
    return setup.screening, setup.scope


@checked_inputs
def consent_appointment(ctx: ServiceContext, actor: Actor, appointment_id: int) -> ConsentAppointment:
    """What a consent for this IMS appointment would cover, or why none can be signed (never raises
    for that: the reason is in `refusal`). Raises for an appointment that cannot have a consent at all."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see consent forms")
        return _consent_appointment(consent_setup(ctx, uow.session, appointment_id))


@checked_inputs
def next_consent_appointment(ctx: ServiceContext, actor: Actor, patient_id: int) -> ConsentAppointment | None:
    """The patient's next booked IMS appointment (from today on) with what its consent would cover, or
    None when none is booked."""
    start_of_today = datetime.combine(ctx.today(), datetime.min.time(), ctx.zone)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see consent forms")
        row = uow.session.scalar(
            select(Appointment)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id)
            .where(Appointment.patient_id == patient_id, AppointmentType.is_ims.is_(True),
                   Appointment.status.in_((AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value)),
                   Appointment.starts_at >= start_of_today)
            .order_by(Appointment.starts_at, Appointment.id).limit(1))
        if row is None:
            return None
        return _consent_appointment(consent_setup(ctx, uow.session, row.id))
