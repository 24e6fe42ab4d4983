"""Printed documents from the records: consent, eligibility summary, intake form, day sheet; and the
consents the clinic keeps.

The records are turned into the reports' plain dataclasses here, in the domain's own words (level
labels, reasons, "not before" dates, payer and referral text), so the printout says what the screen
says. Printing is recorded in the audit trail. A consent is stored as the exact PDF bytes that were
shown and signed, with their SHA-256, so a copy can later be checked against the record.

Each call reads in one transaction and builds the PDF after it ends, so the database is never locked
while a document is being laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Consent, Patient, Screening, Therapist
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag, screening_valid_until
from frontdesk.domain.consent import ConsentScope, HeldArea, consent_scope
from frontdesk.domain.contact import format_phone
from frontdesk.domain.level_looks import LOOKS, PHYSIOTHERAPY_NOTE, UNFINISHED, area_result, headline, outcome
from frontdesk.domain.patients import clean_text, display_name, reading_name
from frontdesk.domain.payer import Payer, referral_requirement
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import (
    QUESTIONS,
    Answer,
    AreaAssessment,
    Question,
    Level,
    QuestionKey,
    ReviewDecision,
    ScreeningAnswers,
    effective_level,
)
from frontdesk.domain.when import format_date, format_month_day
from frontdesk.reports import (
    ClinicDetails,
    ConsentData,
    DaySheetAppointment,
    DaySheetData,
    EligibilityData,
    IntakeFormData,
    IntakeQuestion,
    IntakeRecord,
    OnScreenSignature,
    OperationEntry,
    PatientDetails,
    Physiotherapist,
    PrintedAreaVerdict,
    PrintedReview,
    ScreeningAnswer,
    SubstituteDecisionMaker,
    Tone,
    Verdict,
    consent_pdf,
    day_sheet_pdf,
    eligibility_summary_pdf,
    intake_form_pdf,
    pdf_sha256,
)
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import clinic_settings_in, get_clinic_settings, screening_rules_in
from frontdesk.services.consents import (
    ConsentAppointment,
    ConsentRefused,
    ConsentSetup,
    RegistrationMissing,
    consent_appointment,
    consent_setup,
    held_words,
    next_consent_appointment,
    require_consent,
)
from frontdesk.services.appointments import my_day
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.screenings import current_screening_in, screening_in, screening_records_in
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in

MAX_SIGNER = 200
MAX_RELATIONSHIP = 100
#: A drawn signature is a small PNG; anything far larger is not one.
MAX_SIGNATURE_BYTES = 2_000_000
#: Ids per IN (...) list when reading a batch, well under every database's limit on parameters.
BATCH_CHUNK = 500
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class DocumentKind(StrEnum):
    """What can be printed; the UI's print requests name one of these."""

    consent = "consent"
    eligibility_summary = "summary"
    intake_form = "intake"
    blank_intake_form = "blank_intake"
    day_sheet = "day_sheet"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    DocumentKind.consent: "IMS consent form",
    DocumentKind.eligibility_summary: "IMS eligibility summary",
    DocumentKind.intake_form: "Intake form",
    DocumentKind.blank_intake_form: "Blank intake form",
    DocumentKind.day_sheet: "Day sheet",
}


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


# --- Turning records into the reports' data --------------------------------------------------------

_TONES = {
    Level.ELIGIBLE: Tone.GO,
    Level.REVIEW: Tone.CAUTION,
    Level.NOT_YET: Tone.WAIT,
    Level.NOT_ELIGIBLE: Tone.STOP,
}

#: The same look on paper as on screen: each level's look is one tone.
_LOOK_TONES = {**{LOOKS[level]: tone for level, tone in _TONES.items()}, UNFINISHED: Tone.NEUTRAL}

_FLAG_TONES = {
    ImsFlag.ELIGIBLE: Tone.GO,
    ImsFlag.REVIEW_PENDING: Tone.CAUTION,
    ImsFlag.STALE_SCREENING: Tone.CAUTION,
    ImsFlag.NOT_YET: Tone.WAIT,
    ImsFlag.NOT_ELIGIBLE: Tone.STOP,
    ImsFlag.NO_SCREENING: Tone.STOP,
}


def clinic_details(ctx: ServiceContext) -> ClinicDetails:
    settings = get_clinic_settings(ctx)
    lines = tuple(line.strip() for line in settings.address.splitlines() if line.strip())
    return ClinicDetails(name=settings.name, address_lines=lines, phone=format_phone(settings.phone),
                         time_zone=settings.time_zone, email=settings.email or None,
                         website=settings.website or None)


def _generated_at(ctx: ServiceContext) -> datetime:
    return ctx.now().astimezone(ctx.zone)


def patient_name(row: Patient) -> str:
    """The name as printed: family name first, as the clinic files it; the preferred name apart."""
    return display_name(row.family_name, row.given_names)


def _patient_details(row: Patient) -> PatientDetails:
    preferred = row.preferred_name if row.preferred_name and row.preferred_name != row.given_names else None
    return PatientDetails(full_name=patient_name(row), preferred_name=preferred,
                          date_of_birth=row.date_of_birth, phone=format_phone(row.phone) or None)


def verdict_of(record: ScreeningRecord) -> Verdict:
    """The screening's verdict as printed, with the physiotherapist's decision applied.

    Reasons that hold IMS up are listed once each (a surgery reason that blocks two areas too), apart
    from notes that only inform the physiotherapist; an area's line carries its level and date.
    """
    assessment = record.assessment
    decision = record.decision
    level = effective_level(assessment, decision)
    level_text = level.label
    if decision is not None:
        level_text = f"{level.label} ({decision.label.lower()} after review)"
    areas = tuple(_area_verdict(area, decision) for area in assessment.areas)
    holding = [reason for reason in assessment.reasons if not reason.informs_only]
    notes = [reason for reason in assessment.reasons if reason.informs_only]
    return Verdict(
        level=level_text,
        tone=_TONES[level],
        reasons=tuple(dict.fromkeys(reason.text for reason in holding)),
        areas=areas,
        not_before=assessment.not_before if level is Level.NOT_YET else None,
        headline=tuple((_LOOK_TONES[look], words) for look, words in headline(assessment, decision)),
        note=PHYSIOTHERAPY_NOTE,
        notes=tuple(dict.fromkeys(reason.text for reason in notes)),
    )


def _area_verdict(area: AreaAssessment, decision: ReviewDecision | None) -> PrintedAreaVerdict:
    level = effective_level(area, decision)
    # The same words as the screen's table: "From January 23, 2027" carries its date. Every reason is
    # listed once above the table (an operation that blocks two areas too), so a row repeats none.
    _look, words = area_result(level, area.not_before)
    return PrintedAreaVerdict(area=area.area.label, level=words, tone=_TONES[level])


def _answer_label(question: Question, value: str | None) -> str:
    if value is None:
        return "Not answered"
    try:
        return question.choices(value).label
    except ValueError:
        return value


def screening_answers(answers: ScreeningAnswers) -> tuple[ScreeningAnswer, ...]:
    """Each question with the patient's answer in words; operations and planned areas spelled out."""
    rows: list[ScreeningAnswer] = []
    for question in QUESTIONS:
        text = _answer_label(question, answers.get(question.key.value))
        if question.key is QuestionKey.had_surgery and answers.surgeries:
            operations = "; ".join(f"{s.area.label.lower()}, {format_date(s.date)}" for s in answers.surgeries)
            text = f"{text}: {operations}"
        rows.append(ScreeningAnswer(question.text, text))
    if answers.planned_areas:
        rows.append(ScreeningAnswer("Areas to be treated",
                                    ", ".join(area.label for area in answers.planned_areas)))
    return tuple(rows)


def _review(record: ScreeningRecord) -> PrintedReview | None:
    review = record.review
    if review is None:
        return None
    return PrintedReview(decision=review.label, decided_by=review.decided_by, decided_at=review.decided_at,
                          note=review.note or None)


def payer_text(row: Patient) -> str:
    payer = Payer(row.payer)
    details = [text for text in (row.plan_details.strip(), row.claim_number.strip()) if text]
    if payer.is_claim and row.claim_number.strip():
        return f"{payer.label}, claim number {row.claim_number.strip()}"
    return f"{payer.label}: {details[0]}" if details else payer.label


def referral_text(row: Patient) -> str:
    """Whether a referral is needed (the domain's sentence), and the referral on file if there is one."""
    payer = Payer(row.payer)
    requirement = referral_requirement(payer)
    doctor = row.referral_doctor.strip()
    if not doctor:
        return requirement.text
    on_file = f"referral from {doctor}"
    if row.referral_date is not None:
        on_file += f" dated {format_date(row.referral_date)}"
    if requirement.required:
        return f"Required for a {payer.label}. On file: {on_file}."
    return f"{requirement.text} On file: {on_file}."


# --- Reading inside a transaction ------------------------------------------------------------------


def _patient(session: Session, patient_id: int) -> Patient:
    row = session.get(Patient, patient_id)
    if row is None:
        raise NotFound("That patient record no longer exists.")
    return row


def _screening(session: Session, patient_id: int, screening_id: int | None) -> ScreeningRecord:
    """The given screening of this patient, or the current one when `screening_id` is None."""
    if screening_id is None:
        record = current_screening_in(session, patient_id)
        if record is None:
            raise NotFound("This patient has no IMS screening yet. Screen the patient first.")
    else:
        record = screening_in(session, screening_id)
        if record is None or record.patient_id != patient_id:
            raise NotFound("That screening is not on this patient's record.")
    return record


# --- Consent: one booked IMS appointment ------------------------------------------------------------


def fee_words(cents: int | None) -> str | None:
    """"$95.00" for 9500 cents; None when no fee is set."""
    if cents is None:
        return None
    return f"${cents // 100:,}.{cents % 100:02d}"


def _consent_data(ctx: ServiceContext, setup: ConsentSetup, substitute: SubstituteDecisionMaker | None,
                  signature: OnScreenSignature | None, electrical_stimulation: bool | None,
                  clinic: ClinicDetails | None = None, generated_at: datetime | None = None) -> ConsentData:
    screening, scope = require_consent(setup)
    therapist = setup.therapist
    return ConsentData(
        clinic=clinic or clinic_details(ctx),
        patient=_patient_details(setup.patient),
        physiotherapist=Physiotherapist(therapist.full_name, (therapist.registration_number or "").strip(),
                                        therapist.designation or "Registered Physiotherapist"),
        appointment_at=setup.appointment.starts_at,
        appointment_type=setup.kind.name,
        areas=tuple(area.label for area in scope.covered),
        not_covered=tuple(held_words(item) for item in scope.held),
        fee_per_visit=fee_words(setup.kind.fee_cents),
        generated_at=generated_at or _generated_at(ctx),
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
        data = _consent_data(ctx, setup, substitute, signature, electrical_stimulation)
        uow.audit("print", "document", appointment_id, patient_id=setup.patient.id,
                  kind=DocumentKind.consent.value, screening_id=setup.screening.id if setup.screening else None)
        uow.commit()
    return consent_pdf(data)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start:start + BATCH_CHUNK] for start in range(0, len(ids), BATCH_CHUNK)]


def _current_screenings_in(session: Session, patient_ids: Sequence[int]) -> dict[int, ScreeningRecord]:
    """Each patient's current screening (the latest not replaced), read in a few queries for all."""
    latest: dict[int, Screening] = {}
    for chunk in _chunks(patient_ids):
        rows = session.scalars(select(Screening).where(Screening.patient_id.in_(chunk),
                                                       Screening.superseded_by.is_(None)))
        for row in rows:
            known = latest.get(row.patient_id)
            if known is None or (row.screened_at, row.id) > (known.screened_at, known.id):
                latest[row.patient_id] = row
    return {record.patient_id: record for record in screening_records_in(session, list(latest.values()))}


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
        generated_at = _generated_at(ctx)
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
                                        _consent_data(ctx, setup, None, None, None, clinic, generated_at))
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


@checked_inputs
def eligibility_summary(ctx: ServiceContext, actor: Actor, patient_id: int, screening_id: int | None) -> bytes:
    """The verdict of one screening (the current one when `screening_id` is None) for the file."""
    settings = get_clinic_settings(ctx)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print eligibility summaries")
        patient = _patient(uow.session, patient_id)
        screening = _screening(uow.session, patient_id, screening_id)
        data = EligibilityData(
            clinic=clinic_details(ctx),
            patient=_patient_details(patient),
            verdict=verdict_of(screening),
            screened_by=screening.screened_by,
            screened_at=screening.screened_at,
            payer=payer_text(patient),
            referral=referral_text(patient),
            generated_at=_generated_at(ctx),
            review=_review(screening),
            screen_again_by=screening_valid_until(screening.screened_on, settings.rescreen_months),
            review_needed=screening.needs_review,
        )
        uow.audit("print", "document", screening.id, patient_id=patient_id,
                  kind=DocumentKind.eligibility_summary.value)
        uow.commit()
    return eligibility_summary_pdf(data)


#: How the intake form asks each question: in the second person, since the patient fills it in or
#: confirms it (the screen's wording may speak of "the patient").
_FORM_WORDING = {
    QuestionKey.understands_treatment: "Do you understand what IMS involves and why it is being offered to you?",
    QuestionKey.had_surgery: "Have you had an operation in the past year?",
}
_FORM_HELP = {
    QuestionKey.understands_treatment: "Ask us to explain anything that is not clear. A parent or guardian "
                                       "answers for a child.",
    QuestionKey.had_surgery: "If yes, list each operation under Operations below, with its date, the area of "
                             "the body and the side.",
}

_PAYER_CHOICES = {"self_pay": "I pay myself", "private_plan": "Extended health plan",
                  "worksafebc": "WorkSafeBC claim", "icbc": "ICBC claim"}


def _intake_questions(answers: ScreeningAnswers | None) -> tuple[IntakeQuestion, ...]:
    questions = []
    for question in QUESTIONS:
        chosen = None
        if answers is not None and answers.get(question.key.value) is not None:
            chosen = _answer_label(question, answers.get(question.key.value))
        questions.append(IntakeQuestion(text=_FORM_WORDING.get(question.key, question.text),
                                        choices=tuple(c.label for c in question.choices), chosen=chosen,
                                        help=_FORM_HELP.get(question.key, question.help) or None))
    return tuple(questions)


def _intake_record(patient: Patient, screening: ScreeningRecord | None) -> IntakeRecord:
    answers = screening.answers if screening is not None else None
    operations: tuple[OperationEntry, ...] = ()
    if answers is not None and answers.get(QuestionKey.had_surgery.value) != Answer.no:
        operations = tuple(
            OperationEntry(when=s.date, area=s.area.region.label, side=s.area.side.label)
            for s in sorted(answers.surgeries, key=lambda s: s.date, reverse=True)
        )
    return IntakeRecord(
        family_name=patient.family_name,
        given_names=patient.given_names,
        reading_name=reading_name(patient.family_name, patient.given_names),
        preferred_name=patient.preferred_name or None,
        date_of_birth=patient.date_of_birth,
        phone=format_phone(patient.phone) or None,
        email=patient.email or None,
        address=patient.address or None,
        emergency_contact=patient.emergency_contact or None,
        payer=_PAYER_CHOICES.get(patient.payer),
        plan_details=patient.plan_details.strip() or None,
        claim_number=patient.claim_number.strip() or None,
        referring_doctor=patient.referral_doctor.strip() or None,
        operations=operations,
        screened_on=screening.screened_on if screening is not None else None,
        screened_by=screening.screened_by if screening is not None else None,
    )


@checked_inputs
def intake_form(ctx: ServiceContext, actor: Actor, patient_id: int | None) -> bytes:
    """The intake form pre-filled from the patient's record and current screening, or blank (None)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print intake forms")
        record = None
        answers = None
        if patient_id is not None:
            patient = _patient(uow.session, patient_id)
            current = current_screening_in(uow.session, patient_id)
            answers = current.answers if current is not None else None
            record = _intake_record(patient, current)
        kind = DocumentKind.intake_form if patient_id is not None else DocumentKind.blank_intake_form
        uow.audit("print", "document", None, patient_id=patient_id, kind=kind.value)
        uow.commit()
    data = IntakeFormData(clinic=clinic_details(ctx), questions=_intake_questions(answers),
                          generated_at=_generated_at(ctx), record=record)
    return intake_form_pdf(data)


_FLAG_WORDS = {
    ImsFlag.ELIGIBLE: outcome(Level.ELIGIBLE),
    ImsFlag.REVIEW_PENDING: "review first",
    ImsFlag.STALE_SCREENING: "screen again",
    ImsFlag.NOT_YET: outcome(Level.NOT_YET),
    ImsFlag.NOT_ELIGIBLE: outcome(Level.NOT_ELIGIBLE),
    ImsFlag.NO_SCREENING: "not screened",
}


def _held_short(item: HeldArea) -> tuple[Tone, str]:
    """(tone, "Left knee: from Feb 1") for the day sheet's narrow column: the level's words, a short date."""
    if item.level is Level.ELIGIBLE:  # held only because the screening is out of date
        return Tone.CAUTION, f"{item.area.label}: screen again"
    if item.first_allowed:
        words = f"from {format_month_day(item.first_allowed)}"
    else:
        words = "review first" if item.level is Level.REVIEW else outcome(item.level)
    return _TONES[item.level], f"{item.area.label}: {words}"


def _day_sheet_row(record: AppointmentRecord, scope: ConsentScope | None) -> DaySheetAppointment:
    """One appointment: the booked area and its IMS state on an IMS visit, and on any visit the
    patient's areas held up by a block that day (so a physio-only visit shows the knee is not to be
    needled yet)."""
    status = record.status.label
    if record.status is AppointmentStatus.CANCELLED and record.late_cancellation:
        status = "Cancelled late"
    flag = record.ims_flag
    parts: list[tuple[Tone, str]] = []
    named: set[str] = set()
    if flag is not ImsFlag.NONE:
        words = _FLAG_WORDS.get(flag, flag.short)
        if flag is ImsFlag.NOT_YET and scope is not None:
            when = next((item.first_allowed for item in scope.held
                         if item.area.label == record.area_label and item.first_allowed), None)
            words = f"from {format_month_day(when)}" if when else words
        parts.append((_FLAG_TONES.get(flag, Tone.NEUTRAL), f"{record.area_label or 'IMS'}: {words}"))
        named.add(record.area_label)
    parts += [_held_short(item) for item in (scope.held if scope is not None else ())
              if item.area.label not in named]
    return DaySheetAppointment(
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        patient_name=record.patient_name,
        appointment_type=record.type_name,
        status=status,
        phone=record.patient_phone or None,
        ims_flag="; ".join(text for _tone, text in parts) or None,
        ims_tone=parts[0][0] if parts else Tone.NEUTRAL,
        cancelled=not record.status.is_live,
        needs_attention=flag.needs_attention and record.status.is_live,
        areas=tuple(parts),
    )


def _day_scopes(ctx: ServiceContext, session: Session, records: Sequence[AppointmentRecord],
                day: date) -> dict[int, ConsentScope]:
    """Each patient's areas judged for the day, from their current screening (none: no entry)."""
    screenings = _current_screenings_in(session, sorted({record.patient_id for record in records}))
    if not screenings:
        return {}
    rules = screening_rules_in(session)
    months = clinic_settings_in(session).rescreen_months
    scopes: dict[int, ConsentScope] = {}
    for patient_id, screening in screenings.items():
        try:
            scopes[patient_id] = consent_scope(screening.answers, None, day, rules, screening.decision,
                                               screening.screened_on, months)
        except ValueError:
            continue
    return scopes


@checked_inputs
def day_sheet(ctx: ServiceContext, actor: Actor, therapist_id: int, day: date) -> bytes:
    """One physiotherapist's day in time order, cancelled visits greyed out, each area's IMS state shown."""
    records = my_day(ctx, actor, therapist_id, day)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print day sheets")
        therapist = uow.session.get(Therapist, therapist_id)
        if therapist is None:
            raise NotFound("That physiotherapist is not on the clinic's list.")
        therapist_name = therapist.full_name
        scopes = _day_scopes(ctx, uow.session, records, day)
        uow.audit("print", "document", therapist_id, kind=DocumentKind.day_sheet.value, day=day.isoformat())
        uow.commit()
    data = DaySheetData(clinic=clinic_details(ctx), therapist_name=therapist_name, day=day,
                        appointments=tuple(_day_sheet_row(record, scopes.get(record.patient_id))
                                           for record in records),
                        generated_at=_generated_at(ctx))
    return day_sheet_pdf(data)


# --- Consents on file ------------------------------------------------------------------------------


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
        data = _consent_data(ctx, setup, substitute, signature, electrical_stimulation)
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


__all__ = [
    "ConsentAppointment",
    "ConsentMethod",
    "ConsentRecord",
    "ConsentRefused",
    "DocumentKind",
    "RegistrationMissing",
    "consent_appointment",
    "consent_copy",
    "consent_document",
    "consent_documents",
    "consents_for_patient",
    "day_sheet",
    "eligibility_summary",
    "intake_form",
    "mark_signed_on_paper",
    "next_consent_appointment",
    "record_unsigned_consent",
    "store_signed_consent",
    "verify_consent_copy",
]
