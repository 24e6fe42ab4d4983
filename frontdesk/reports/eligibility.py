"""The eligibility summary: one screening's verdict, its reasons and dates, the review, payer and referral."""

from __future__ import annotations

from reportlab.lib.units import inch
from reportlab.platypus import Flowable

from frontdesk.domain.when import format_date, format_moment
from frontdesk.reports.data import EligibilityData
from frontdesk.reports.layout import Page, build_pdf, details_table, local, para, section
from frontdesk.reports.verdict import verdict_flowables

TITLE = "IMS Eligibility Summary"


def eligibility_summary_pdf(data: EligibilityData) -> bytes:
    """The screening verdict for one patient, worded for the patient file and the physiotherapist."""
    page = Page(
        clinic=data.clinic,
        title=TITLE,
        subject=f"IMS eligibility for {data.patient.full_name}",
        generated_at=data.generated_at,
        patient_name=data.patient.full_name,
        footer_title="IMS eligibility summary",
    )
    width = page.frame_width
    patient = data.patient
    clinic = data.clinic
    story: list[Flowable] = [
        para(TITLE, "title"),
        para(
            f"Screened by {data.screened_by} on {format_moment(local(data.screened_at, clinic))}.",
            "subtitle",
        ),
        details_table(
            [
                ("Patient", patient.full_name),
                ("Date of birth", format_date(patient.date_of_birth) if patient.date_of_birth else ""),
                ("Preferred name", patient.preferred_name or ""),
                ("Phone", patient.phone or ""),
            ],
            width,
        ),
        *section("Verdict", needs=1.6 * inch),
        *verdict_flowables(data.verdict, width),
        *section("Physiotherapist review"),
    ]
    review = data.review
    if review is None and data.review_needed is False:
        story.append(para("No review is needed: nothing in the screening asks for one."))
    elif review is None and data.review_needed:
        story.append(para("Waiting for a physiotherapist's review before IMS."))
    elif review is None:
        story.append(para("No review has been recorded for this screening."))
    else:
        pairs = [
            ("Decision", review.decision),
            ("Decided by", review.decided_by),
            ("When", format_moment(local(review.decided_at, clinic))),
        ]
        if review.note:
            pairs.append(("Note", review.note))
        story.append(details_table(pairs, width, columns=1, label_width=1.3 * inch))
    story += section("Payment and referral")
    pairs = [("Payer", data.payer), ("Doctor's referral", data.referral)]
    if data.screen_again_by is not None:
        pairs.append(("Screen again by", format_date(data.screen_again_by)))
    story.append(details_table(pairs, width, columns=1, label_width=1.3 * inch))
    story += [
        *section("About this summary", needs=0.8 * inch),
        para(
            "This summary reflects the answers given at screening. If the patient's health changes (for "
            "example surgery, pregnancy or a new diagnosis), screen again before the next IMS treatment. "
            "Only a registered physiotherapist with IMS training may perform IMS.",
            "small",
        ),
    ]
    return build_pdf(story, page)
