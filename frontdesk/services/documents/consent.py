"""The IMS consent form of one booked IMS appointment (or a batch of them), and the consents the clinic
keeps: stored as the exact PDF bytes shown and signed, with their SHA-256, so a copy can later be
checked against the record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Consent, Patient
from frontdesk.domain.patients import clean_text
from frontdesk.domain.roles import Permission
from frontdesk.reports import (
    ClinicDetails,
    ConsentData,
    OnScreenSignature,
    Physiotherapist,
    SubstituteDecisionMaker,
    consent_pdf,
    pdf_sha256,
)
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.consents import ConsentSetup, consent_setup, held_words, require_consent
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.documents.common import (
    DocumentKind,
    clinic_details,
    patient_details,
    patient_name,
    printed_at,
)
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in

MAX_SIGNER = 200
MAX_RELATIONSHIP = 100
#: A drawn signature is a small PNG; anything far larger is not one.
MAX_SIGNATURE_BYTES = 2_000_000
#: Ids per IN (...) list when reading a batch, well under every database's limit on parameters.
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ConsentMethod(StrEnum):
    on_screen = "on_screen"
    paper_unsigned = "paper_unsigned"
    paper_signed = "paper_signed"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    ConsentMethod.on_screen: "Signed on screen",
    ConsentMethod.paper_unsigned: "Printed, waiting for signature",
    ConsentMethod.paper_signed: "Signed on paper",
}


@dataclass(frozen=True)
class ConsentRecord:
    """A consent as kept on file. The PDF itself comes from `consent_copy`."""

    id: int
    patient_id: int
    screening_id: int
    appointment_id: int | None
    method: ConsentMethod
    created_at: datetime
    created_by: str
    signer_name: str
    signer_relationship: str
    signed_at: datetime | None
    witnessed_by: str | None
    pdf_sha256: str
    electrical_stimulation: bool | None = None

    @property
    def is_signed(self) -> bool:
        return self.method is not ConsentMethod.paper_unsigned

    @property
    def signer(self) -> str:
        """"Zoë Ødegård", or "Mei Tsai (daughter)" for a substitute decision-maker."""
        if self.signer_relationship:
            return f"{self.signer_name} ({self.signer_relationship})"
        return self.signer_name


def fee_words(cents: int | None) -> str | None:
    """"$95.00" for 9500 cents; None when no fee is set."""
    if cents is None:
        return None
    return f"${cents // 100:,}.{cents % 100:02d}"


def consent_data(ctx: ServiceContext, setup: ConsentSetup, substitute: SubstituteDecisionMaker | None,
                  signature: OnScreenSignature | None, electrical_stimulation: bool | None,
                  clinic: ClinicDetails | None = None, generated_at: datetime | None = None) -> ConsentData:
    screening, scope = require_consent(setup)
    therapist = setup.therapist
    return ConsentData(
        clinic=clinic or clinic_details(ctx),
        patient=patient_details(setup.patient),
        physiotherapist=Physiotherapist(therapist.full_name, (therapist.registration_number or "").strip(),
                                        therapist.designation or "Registered Physiotherapist"),
        appointment_at=setup.appointment.starts_at,
        appointment_type=setup.kind.name,
        areas=tuple(area.label for area in scope.covered),
        not_covered=tuple(held_words(item) for item in scope.held),
        fee_per_visit=fee_words(setup.kind.fee_cents),
        generated_at=generated_at or printed_at(ctx),
        screened_on=screening.screened_on,
        screened_by=screening.screened_by,
        substitute=substitute,
        signature=signature,
        electrical_stimulation=electrical_stimulation,
    )


@checked_inputs
def consent_document(ctx: ServiceContext, actor: Actor, appointment_id: int,
                     signature: OnScreenSignature | None = None, *,
                     substitute: SubstituteDecisionMaker | None = None,
                     electrical_stimulation: bool | None = None) -> bytes:
    """The consent form for one booked IMS appointment, not stored.

    Refused (`ConsentRefused`, with the reason and the first allowed day) when no area may be needled
    on the appointment's day, and (`RegistrationMissing`) when its physiotherapist has no college
    registration number on file.
    """
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print consent forms")
        setup = consent_setup(ctx, uow.session, appointment_id)
        data = consent_data(ctx, setup, substitute, signature, electrical_stimulation)
        uow.audit("print", "document", appointment_id, patient_id=setup.patient.id,
                  kind=DocumentKind.consent.value, screening_id=setup.screening.id if setup.screening else None)
        uow.commit()
    return consent_pdf(data)


@checked_inputs
def consent_documents(ctx: ServiceContext, actor: Actor, appointment_ids: Sequence[int]) -> list[bytes]:
    """Consent forms for several IMS appointments at once (say, everyone booked for IMS tomorrow), one
    per id in the order given.

    Every printing is recorded in one transaction; the forms are laid out after it ends. When any
    appointment cannot have a consent, nothing is printed and the message names each patient and why.
    """
    wanted = list(dict.fromkeys(appointment_ids))
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print consent forms")
        clinic = clinic_details(ctx)
        generated_at = printed_at(ctx)
        data: dict[int, tuple[int, ConsentData]] = {}
        problems: list[str] = []
        for appointment_id in wanted:
            try:
                setup = consent_setup(ctx, uow.session, appointment_id)
            except NotFound:
                problems.append("An appointment on the list no longer exists: refresh the list.")
                continue
            except Conflict as refused:
                problems.append(refused.message)
                continue
            try:
                data[appointment_id] = (setup.patient.id,
                                        consent_data(ctx, setup, None, None, None, clinic, generated_at))
            except Conflict as refused:
                problems.append(f"{patient_name(setup.patient)}: {refused.message}")
        if problems:
            raise Conflict("Nothing was printed. " + " ".join(dict.fromkeys(problems)))
        for appointment_id in appointment_ids:
            uow.audit("print", "document", appointment_id, patient_id=data[appointment_id][0],
                      kind=DocumentKind.consent.value)
        uow.commit()
    pdfs = {appointment_id: consent_pdf(form) for appointment_id, (_, form) in data.items()}
    return [pdfs[appointment_id] for appointment_id in appointment_ids]


def _consent_record(session: Session, row: Consent) -> ConsentRecord:
    ids = {row.created_by} | ({row.witnessed_by} if row.witnessed_by is not None else set())
    names = display_names_in(session, ids)
    return ConsentRecord(
        id=row.id,
        patient_id=row.patient_id,
        screening_id=row.screening_id,
        method=ConsentMethod(row.method),
        created_at=row.created_at,
        created_by=names.get(row.created_by, "?"),
        signer_name=row.signer_name,
        signer_relationship=row.signer_relationship,
        signed_at=row.signed_at,
        witnessed_by=names.get(row.witnessed_by) if row.witnessed_by is not None else None,
        pdf_sha256=row.pdf_sha256,
        appointment_id=row.appointment_id,
        electrical_stimulation=row.electrical_stimulation,
    )


def _signer(patient: Patient, signer_name: str, relationship: str) -> tuple[str, str]:
    """Who signs: the patient (no relationship), or a substitute decision-maker named with theirs."""
    name = clean_text(signer_name)
    relation = clean_text(relationship)
    errors: dict[str, str] = {}
    if relation and not name:
        errors["signer_name"] = "Enter the name of the substitute decision-maker who signs."
    if len(name) > MAX_SIGNER:
        errors["signer_name"] = f"Keep the name under {MAX_SIGNER} characters."
    if len(relation) > MAX_RELATIONSHIP:
        errors["signer_relationship"] = f"Keep this under {MAX_RELATIONSHIP} characters."
    if errors:
        raise ValidationFailed(errors)
    if not relation:
        return patient_name(patient), ""
    return name, relation


def _store_consent(ctx: ServiceContext, actor: Actor, appointment_id: int, method: ConsentMethod,
                   signer_name: str, relationship: str, signature_png: bytes | None,
                   electrical_stimulation: bool | None) -> ConsentRecord:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.PRINT, "prepare consent forms")
        setup = consent_setup(ctx, uow.session, appointment_id)
        name, relation = _signer(setup.patient, signer_name, relationship)
        substitute = SubstituteDecisionMaker(name, relation) if relation else None
        signed_at = ctx.now()
        signature = (OnScreenSignature(png=signature_png, signed_at=signed_at, witnessed_by=actor.display_name)
                     if signature_png is not None else None)
        data = consent_data(ctx, setup, substitute, signature, electrical_stimulation)
        patient_id, screening_id = setup.patient.id, setup.screening.id if setup.screening else 0
    pdf = consent_pdf(data)
    digest = pdf_sha256(pdf)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "prepare consent forms")
        # The screening may have been replaced, or the appointment changed, while the form was laid out.
        again = consent_setup(ctx, uow.session, appointment_id)
        require_consent(again)
        if again.screening is None or again.screening.id != screening_id:
            raise Conflict("A newer screening has replaced the one this consent was prepared from. Prepare "
                           "the consent again.")
        signed = method is ConsentMethod.on_screen
        row = Consent(
            patient_id=patient_id,
            screening_id=screening_id,
            appointment_id=appointment_id,
            created_at=ctx.now(),
            created_by=actor.user_id,
            method=method.value,
            signer_name=name,
            signer_relationship=relation,
            signed_at=signed_at if signed else None,
            witnessed_by=actor.user_id if signed else None,
            electrical_stimulation=electrical_stimulation if signed else None,
            pdf_sha256=digest,
            pdf=pdf,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.audit("sign" if signed else "print", "consent", row.id, patient_id=patient_id, method=method.value,
                  screening_id=screening_id, appointment_id=appointment_id, pdf_sha256=digest,
                  substitute=bool(relation), electrical_stimulation=electrical_stimulation)
        uow.commit()
        return _consent_record(uow.session, row)


@checked_inputs
def store_signed_consent(ctx: ServiceContext, actor: Actor, appointment_id: int, signature_png: bytes,
                         signer_name: str = "", relationship: str = "", *,
                         electrical_stimulation: bool | None = None) -> ConsentRecord:
    """Generate the consent for an IMS appointment with the signature drawn at the counter and keep the
    exact bytes.

    An empty `relationship` means the patient signs; otherwise `signer_name` is the substitute
    decision-maker. The acting user is recorded as the witness. `electrical_stimulation` is the
    patient's yes or no to a current through the needles (None: not asked, the boxes stay empty).
    """
    if not signature_png:
        raise ValidationFailed({"signature": "Ask the patient to sign in the box first."})
    if not signature_png.startswith(PNG_MAGIC) or len(signature_png) > MAX_SIGNATURE_BYTES:
        raise ValidationFailed({"signature": "The signature could not be read. Clear it and sign again."})
    return _store_consent(ctx, actor, appointment_id, ConsentMethod.on_screen, signer_name, relationship,
                          signature_png, electrical_stimulation)


@checked_inputs
def record_unsigned_consent(ctx: ServiceContext, actor: Actor, appointment_id: int,
                            signer_name: str = "", relationship: str = "") -> ConsentRecord:
    """Generate and keep the consent for an IMS appointment printed for signatures in ink; mark it
    signed once it is. The patient ticks yes or no to electrical stimulation on the paper."""
    return _store_consent(ctx, actor, appointment_id, ConsentMethod.paper_unsigned, signer_name,
                          relationship, None, None)


@checked_inputs
def mark_signed_on_paper(ctx: ServiceContext, actor: Actor, consent_id: int) -> ConsentRecord:
    """Record that the printed consent came back signed; the acting user saw the signed paper."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "record signed consent forms")
        row = uow.session.get(Consent, consent_id)
        if row is None:
            raise NotFound("That consent form is not on file.")
        if row.method != ConsentMethod.paper_unsigned:
            raise Conflict(f"This consent is already recorded as “{ConsentMethod(row.method).label.lower()}”.")
        row.method = ConsentMethod.paper_signed.value
        row.signed_at = ctx.now()
        row.witnessed_by = actor.user_id
        uow.audit("mark_signed", "consent", row.id, patient_id=row.patient_id, pdf_sha256=row.pdf_sha256)
        uow.commit()
        return _consent_record(uow.session, row)


@checked_inputs
def consents_for_patient(ctx: ServiceContext, actor: Actor, patient_id: int) -> list[ConsentRecord]:
    """The patient's consents, newest first."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see consent forms")
        rows = uow.session.scalars(select(Consent).where(Consent.patient_id == patient_id)
                                   .order_by(Consent.created_at.desc(), Consent.id.desc()))
        return [_consent_record(uow.session, row) for row in rows]


@checked_inputs
def consent_copy(ctx: ServiceContext, actor: Actor, consent_id: int) -> bytes:
    """The exact bytes kept for a consent, to show, print again or save."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print consent forms")
        row = uow.session.get(Consent, consent_id)
        if row is None:
            raise NotFound("That consent form is not on file.")
        uow.audit("copy", "consent", row.id, patient_id=row.patient_id)
        uow.commit()
        return bytes(row.pdf)


@checked_inputs
def verify_consent_copy(ctx: ServiceContext, actor: Actor, pdf_bytes: bytes) -> ConsentRecord | None:
    """The consent whose stored bytes are exactly `pdf_bytes`, or None: the copy is not one we issued
    (or it was changed)."""
    digest = pdf_sha256(pdf_bytes)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "check consent forms")
        row = uow.session.scalar(select(Consent).where(Consent.pdf_sha256 == digest).order_by(Consent.id).limit(1))
        record = _consent_record(uow.session, row) if row is not None else None
        uow.audit("verify", "consent", row.id if row is not None else None,
                  patient_id=row.patient_id if row is not None else None, pdf_sha256=digest, matched=row is not None)
        uow.commit()
        return record
