"""Printed documents: plain data in, PDF bytes out (Letter pages, every font embedded)."""

from __future__ import annotations

from frontdesk.reports.consent import consent_pdf
from frontdesk.reports.data import (
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
)
from frontdesk.reports.day_sheet import day_sheet_pdf
from frontdesk.reports.eligibility import eligibility_summary_pdf
from frontdesk.reports.fonts import ensure_fonts
from frontdesk.reports.intake import intake_form_pdf
from frontdesk.reports.layout import pdf_sha256

__all__ = [
    "ClinicDetails",
    "ConsentData",
    "DaySheetAppointment",
    "DaySheetData",
    "EligibilityData",
    "IntakeFormData",
    "IntakeQuestion",
    "IntakeRecord",
    "OnScreenSignature",
    "OperationEntry",
    "PatientDetails",
    "Physiotherapist",
    "PrintedAreaVerdict",
    "PrintedReview",
    "ScreeningAnswer",
    "SubstituteDecisionMaker",
    "Tone",
    "Verdict",
    "consent_pdf",
    "day_sheet_pdf",
    "eligibility_summary_pdf",
    "ensure_fonts",
    "intake_form_pdf",
    "pdf_sha256",
]
