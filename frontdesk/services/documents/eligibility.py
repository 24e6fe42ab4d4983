"""The IMS eligibility summary: one screening's verdict, for the patient's file."""

from __future__ import annotations

from frontdesk.db.models import Patient
from frontdesk.domain.appointments import screening_valid_until
from frontdesk.domain.payer import Payer, referral_requirement
from frontdesk.domain.roles import Permission
from frontdesk.domain.when import format_date
from frontdesk.reports import EligibilityData, PrintedReview, eligibility_summary_pdf
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.documents.common import (
    DocumentKind,
    clinic_details,
    patient_details,
    printed_at,
    read_patient,
    read_screening,
    verdict_of,
)
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.unit_of_work import UnitOfWork


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


@checked_inputs
def eligibility_summary(ctx: ServiceContext, actor: Actor, patient_id: int, screening_id: int | None) -> bytes:
    """The verdict of one screening (the current one when `screening_id` is None) for the file."""
    settings = get_clinic_settings(ctx)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print eligibility summaries")
        patient = read_patient(uow.session, patient_id)
        screening = read_screening(uow.session, patient_id, screening_id)
        data = EligibilityData(
            clinic=clinic_details(ctx),
            patient=patient_details(patient),
            verdict=verdict_of(screening),
            screened_by=screening.screened_by,
            screened_at=screening.screened_at,
            payer=payer_text(patient),
            referral=referral_text(patient),
            generated_at=printed_at(ctx),
            review=_review(screening),
            screen_again_by=screening_valid_until(screening.screened_on, settings.rescreen_months),
            review_needed=screening.needs_review,
        )
        uow.audit("print", "document", screening.id, patient_id=patient_id,
                  kind=DocumentKind.eligibility_summary.value)
        uow.commit()
    return eligibility_summary_pdf(data)
