"""What every printed document shares: the kinds of document, the clinic and the patient as printed,
a screening's verdict and answers in the reports' words, and reading a patient and a screening."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from frontdesk.db.models import Patient
from frontdesk.domain.contact import format_phone
from frontdesk.domain.level_looks import LOOKS, PHYSIOTHERAPY_NOTE, UNFINISHED, area_result, headline
from frontdesk.domain.patients import display_name
from frontdesk.domain.screening import (
    QUESTIONS,
    AreaAssessment,
    Level,
    Question,
    QuestionKey,
    ReviewDecision,
    ScreeningAnswers,
    effective_level,
)
from frontdesk.domain.when import format_date
from frontdesk.reports import ClinicDetails, PatientDetails, PrintedAreaVerdict, ScreeningAnswer, Tone, Verdict
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.screenings import current_screening_in, screening_in


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


# --- Turning records into the reports' data --------------------------------------------------------

LEVEL_TONES = {
    Level.ELIGIBLE: Tone.GO,
    Level.REVIEW: Tone.CAUTION,
    Level.NOT_YET: Tone.WAIT,
    Level.NOT_ELIGIBLE: Tone.STOP,
}

#: The same look on paper as on screen: each level's look is one tone.
_LOOK_TONES = {**{LOOKS[level]: tone for level, tone in LEVEL_TONES.items()}, UNFINISHED: Tone.NEUTRAL}


def clinic_details(ctx: ServiceContext) -> ClinicDetails:
    settings = get_clinic_settings(ctx)
    lines = tuple(line.strip() for line in settings.address.splitlines() if line.strip())
    return ClinicDetails(name=settings.name, address_lines=lines, phone=format_phone(settings.phone),
                         time_zone=settings.time_zone, email=settings.email or None,
                         website=settings.website or None)


def printed_at(ctx: ServiceContext) -> datetime:
    return ctx.now().astimezone(ctx.zone)


def patient_name(row: Patient) -> str:
    """The name as printed: family name first, as the clinic files it; the preferred name apart."""
    return display_name(row.family_name, row.given_names)


def patient_details(row: Patient) -> PatientDetails:
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
        tone=LEVEL_TONES[level],
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
    return PrintedAreaVerdict(area=area.area.label, level=words, tone=LEVEL_TONES[level])


def answer_label(question: Question, value: str | None) -> str:
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
        text = answer_label(question, answers.get(question.key.value))
        if question.key is QuestionKey.had_surgery and answers.surgeries:
            operations = "; ".join(f"{s.area.label.lower()}, {format_date(s.date)}" for s in answers.surgeries)
            text = f"{text}: {operations}"
        rows.append(ScreeningAnswer(question.text, text))
    if answers.planned_areas:
        rows.append(ScreeningAnswer("Areas to be treated",
                                    ", ".join(area.label for area in answers.planned_areas)))
    return tuple(rows)


# --- Reading inside a transaction ------------------------------------------------------------------


def read_patient(session: Session, patient_id: int) -> Patient:
    row = session.get(Patient, patient_id)
    if row is None:
        raise NotFound("That patient record no longer exists.")
    return row


def read_screening(session: Session, patient_id: int, screening_id: int | None) -> ScreeningRecord:
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
