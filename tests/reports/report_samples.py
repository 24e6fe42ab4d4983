"""Realistic inputs for the printouts, as the services would fill them."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

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

VANCOUVER = ZoneInfo("America/Vancouver")
GENERATED_AT = datetime(2025, 3, 4, 14, 35, tzinfo=VANCOUVER)

CLINIC = ClinicDetails(
    name="Okanagan Physiotherapy & IMS Clinic",
    address_lines=("101 – 2180 Main Street", "Penticton, BC V2A 5H4"),
    phone="+1 250 493 1152",
    email="frontdesk@example.ca",
)

NAMES = (
    "蔡英文",
    "김민준",
    "山田太郎",
    "Zoë Ødegård",
    "Łucja Wiśniewska",
    "Nguyễn Thị Minh Khai",
    "Ελένη Παπαδοπούλου",
    "Дмитрий Иванов",
    "Chloé O'Brien-蔡",
)

SURGERY_REASON = "Left knee surgery on February 10, 2025: no needling around the knee for 3 months."
ADJACENT_REASON = "Areas connected with the left knee (thigh, calf) wait 6 weeks after the surgery."
OSTEO_REASON = "Osteoporosis described as severe: the physiotherapist decides whether to alter the technique."

VERDICT = Verdict(
    level="Needs review by a physiotherapist",
    tone=Tone.CAUTION,
    reasons=(OSTEO_REASON,),
    areas=(
        PrintedAreaVerdict("Lower back", "Eligible", Tone.GO),
        PrintedAreaVerdict("Left knee", "Not yet", Tone.STOP, date(2025, 5, 10), (SURGERY_REASON,)),
        PrintedAreaVerdict("Left thigh", "Not yet", Tone.STOP, date(2025, 3, 24), (ADJACENT_REASON,)),
    ),
)

ANSWERS = (
    ScreeningAnswer("Do you have an active cancer (are you being treated for cancer now)?", "No"),
    ScreeningAnswer("Do you have a severe fear of needles?", "No"),
    ScreeningAnswer("Are you pregnant, or could you be pregnant?", "No"),
    ScreeningAnswer("Do you have an autoimmune condition that is not well controlled?", "No"),
    ScreeningAnswer("Have you been told you have osteoporosis or osteopenia? How severe?", "Yes, severe"),
    ScreeningAnswer("Have you had surgery in the last 6 months?", "Yes: left knee, February 10, 2025"),
    ScreeningAnswer("Do you understand what IMS is and why it is being offered?", "Yes"),
)


def patient(name: str = "Zoë Ødegård") -> PatientDetails:
    return PatientDetails(full_name=name, preferred_name="Zoe", date_of_birth=date(1984, 7, 12),
                          phone="+1 250 555 0142")


def signature_png() -> bytes:
    image = Image.new("RGBA", (600, 160), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    pen.line([(20, 120), (80, 40), (130, 130), (200, 50), (260, 110), (380, 70), (560, 90)],
             fill=(10, 20, 90, 255), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


PHYSIO = Physiotherapist("Sofy Tsai", "PT12345")
APPOINTMENT_AT = datetime(2025, 3, 5, 9, 0, tzinfo=VANCOUVER)


def consent(name: str = "Zoë Ødegård", *, signed: bool = False, substitute: bool = False,
            electrical: bool | None = None) -> ConsentData:
    """A consent for a patient whose lower back may be needled on the day, but not the left knee and thigh."""
    return ConsentData(
        clinic=CLINIC,
        patient=patient(name),
        physiotherapist=PHYSIO,
        appointment_at=APPOINTMENT_AT,
        appointment_type="IMS treatment",
        areas=("Lower back", "Neck"),
        not_covered=("Left knee: not before May 10, 2025", "Left thigh: not before March 24, 2025"),
        fee_per_visit="$95.00",
        generated_at=GENERATED_AT,
        screened_on=date(2025, 3, 4),
        screened_by="Dana Lee",
        substitute=SubstituteDecisionMaker("Mei Tsai", "daughter") if substitute else None,
        signature=OnScreenSignature(signature_png(), datetime(2025, 3, 4, 22, 40, tzinfo=ZoneInfo("UTC")),
                                    "Dana Lee") if signed else None,
        electrical_stimulation=electrical,
    )


def eligibility(name: str = "Zoë Ødegård", *, reviewed: bool = True,
                verdict: Verdict = VERDICT) -> EligibilityData:
    return EligibilityData(
        clinic=CLINIC,
        patient=patient(name),
        verdict=verdict,
        screened_by="Dana Lee",
        screened_at=datetime(2025, 3, 4, 13, 50, tzinfo=VANCOUVER),
        payer="WorkSafeBC (claim 8812345)",
        referral="Doctor's referral needed: WorkSafeBC claims require one.",
        generated_at=GENERATED_AT,
        review=PrintedReview(
            decision="IMS may go ahead on the lower back with a gentler technique",
            decided_by="Tracey McQuair",
            decided_at=datetime(2025, 3, 4, 15, 5, tzinfo=VANCOUVER),
            note="Bone density scan from 2024 reviewed with the patient.",
        ) if reviewed else None,
        screen_again_by=date(2025, 9, 4),
    )


QUESTIONS = (
    IntakeQuestion("Do you have an active cancer (are you being treated for cancer now)?", ("Yes", "No")),
    IntakeQuestion("Do you have a severe fear of needles?", ("Yes", "No"),
                   help="A little nervousness is common and fine."),
    IntakeQuestion("Are you pregnant, or could you be pregnant?", ("Yes", "No", "Not sure")),
    IntakeQuestion("Do you have an autoimmune condition (e.g. rheumatoid arthritis, lupus)?",
                   ("No", "Yes, well controlled", "Yes, not well controlled"), details_label="Which condition?"),
    IntakeQuestion("Have you been told you have osteoporosis or osteopenia?",
                   ("No", "Mild or moderate", "Severe or poorly controlled", "Not sure")),
    IntakeQuestion("Do you understand what IMS is and why it is being offered?", ("Yes", "No", "Not sure")),
    IntakeQuestion("How did you hear about us?", ("Doctor", "Friend or family", "Online", "Other")),
)


def intake(name: str | None = "Zoë Ødegård") -> IntakeFormData:
    if name is None:
        return IntakeFormData(clinic=CLINIC, questions=QUESTIONS, generated_at=GENERATED_AT)
    chosen = ("No", "No", "No", "Yes, well controlled", "Severe or poorly controlled", "Yes", "Doctor")
    questions = tuple(
        replace(q, chosen=c, details="Hashimoto's thyroiditis" if q.details_label else None)
        for q, c in zip(QUESTIONS, chosen, strict=True)
    )
    family, _, given = name.partition(" ") if " " in name else (name, "", "")
    record = IntakeRecord(
        family_name=family,
        given_names=given,
        reading_name=name,
        preferred_name="Zoe",
        date_of_birth=date(1984, 7, 12),
        phone="+1 250 555 0142",
        email="zoe.odegard@example.com",
        address="48 Lakeshore Drive West\nPenticton, BC V2A 1B7",
        emergency_contact="Lars Ødegård (spouse), +1 250 555 0199",
        payer="Extended health plan",
        plan_details="Pacific Blue Cross extended health, plan 55012",
        screened_on=date(2025, 3, 4),
        screened_by="Dana Lee",
        operations=(
            OperationEntry(date(2025, 2, 10), "Knee", "Left", "Arthroscopy"),
            OperationEntry(date(2019, 5, 2), "Shoulder", "Right", None),
        ),
    )
    return IntakeFormData(clinic=CLINIC, questions=questions, generated_at=GENERATED_AT, record=record)


DAY = date(2025, 3, 5)
PATIENTS = (*NAMES, "Maria Fernández", "Tom Baker", "Aiyana Joe", "Priya Sharma", "Lucas Martin",
            "Grace Wong", "Owen Fraser", "Fatima Al-Sayed")
TYPES = ("IMS treatment", "IMS initial assessment", "Physiotherapy treatment", "IMS treatment")
STATUSES = ("Booked", "Confirmed", "Arrived", "Booked")
FLAGS = (
    (None, Tone.NEUTRAL, False),
    ("Neck: review first", Tone.CAUTION, True),
    ("Left knee: from May 10", Tone.WAIT, True),
    ("Lower back: IMS now", Tone.GO, False),
    ("Left knee: from May 10", Tone.WAIT, False),
)


def day_sheet(count: int = 16) -> DaySheetData:
    start = datetime(2025, 3, 5, 8, 30, tzinfo=VANCOUVER)
    appointments = []
    for i in range(count):
        starts = start + timedelta(minutes=30 * i + (60 if i >= 7 else 0))  # a lunch hour
        flag, tone, attention = FLAGS[i % len(FLAGS)]
        appointments.append(DaySheetAppointment(
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            patient_name=PATIENTS[i % len(PATIENTS)],
            appointment_type=TYPES[i % len(TYPES)],
            status="Cancelled by patient" if i == 6 else STATUSES[i % len(STATUSES)],
            cancelled=i == 6,
            phone=f"+1 250 555 {100 + i:04d}",
            ims_flag=flag,
            ims_tone=tone,
            needs_attention=attention and i != 6,
        ))
    appointments.reverse()
    return DaySheetData(clinic=CLINIC, therapist_name="Sofy Tsai", day=DAY,
                        appointments=tuple(appointments), generated_at=GENERATED_AT)
