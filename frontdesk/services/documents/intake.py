"""The intake form: blank for the patient to fill in, or pre-filled from the record and the current
screening for the patient to confirm or correct."""

from __future__ import annotations

from frontdesk.db.models import Patient
from frontdesk.domain.areas import Side
from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import reading_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import QUESTIONS, Answer, QuestionKey, ScreeningAnswers
from frontdesk.reports import IntakeFormData, IntakeQuestion, IntakeRecord, OperationEntry, intake_form_pdf
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.documents.common import DocumentKind, answer_label, clinic_details, printed_at, read_patient
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.screenings import current_screening_in
from frontdesk.services.unit_of_work import UnitOfWork


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
            chosen = answer_label(question, answers.get(question.key.value))
        questions.append(IntakeQuestion(text=_FORM_WORDING.get(question.key, question.text),
                                        choices=tuple(c.label for c in question.choices), chosen=chosen,
                                        help=_FORM_HELP.get(question.key, question.help) or None))
    return tuple(questions)


def _intake_record(patient: Patient, screening: ScreeningRecord | None) -> IntakeRecord:
    answers = screening.answers if screening is not None else None
    operations: tuple[OperationEntry, ...] = ()
    if answers is not None and answers.get(QuestionKey.had_surgery.value) != Answer.no:
        operations = tuple(
            OperationEntry(when=s.date, area=s.area.region.label, side=(s.area.side or Side.midline).label)
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
            patient = read_patient(uow.session, patient_id)
            current = current_screening_in(uow.session, patient_id)
            answers = current.answers if current is not None else None
            record = _intake_record(patient, current)
        kind = DocumentKind.intake_form if patient_id is not None else DocumentKind.blank_intake_form
        uow.audit("print", "document", None, patient_id=patient_id, kind=kind.value)
        uow.commit()
    data = IntakeFormData(clinic=clinic_details(ctx), questions=_intake_questions(answers),
                          generated_at=printed_at(ctx), record=record)
    return intake_form_pdf(data)
