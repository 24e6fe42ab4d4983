"""What the printouts show: plain values, already worded by the services.

Dates are `date`s and moments are timezone-aware `datetime`s; the documents format them and show every
moment in the clinic's time zone. Levels, reasons, statuses and answers arrive as the words to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Tone(StrEnum):
    """How a level is highlighted: one tone per screening level (GO eligible, CAUTION review first, WAIT
    not yet, STOP not eligible now) and NEUTRAL for a verdict not reached. Sign and colours are the
    domain's (`frontdesk.domain.level_looks`), the same as on screen. The level is always printed in
    words too, never by colour alone."""

    GO = "go"
    CAUTION = "caution"
    WAIT = "wait"
    STOP = "stop"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class ClinicDetails:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    time_zone: str = "America/Vancouver"
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class PatientDetails:
    full_name: str
    preferred_name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PrintedAreaVerdict:
    """One area's line on a printed verdict, in words ("Left knee", "Not yet") with its tone: what the
    domain's `AreaAssessment` comes to once a review decision is counted."""

    area: str
    level: str
    tone: Tone
    not_before: date | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The screening verdict: a level for the patient as a whole, the reasons that hold IMS up for the
    whole patient (an area's own reasons are on its line), notes that only inform the physiotherapist,
    and one line per area. Each reason is listed once."""

    level: str
    tone: Tone
    reasons: tuple[str, ...] = ()
    areas: tuple[PrintedAreaVerdict, ...] = ()
    not_before: date | None = None
    #: The verdict in one line, part by part (one per area): ((tone, "Left knee: from January 23, 2027"), ...).
    headline: tuple[tuple[Tone, str], ...] = ()
    #: A plain sentence under the headline, e.g. that ordinary physiotherapy is fine now.
    note: str | None = None
    #: Findings that only inform the physiotherapist and hold nothing up, each once.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningAnswer:
    question: str
    answer: str


@dataclass(frozen=True)
class SubstituteDecisionMaker:
    name: str
    relationship: str


@dataclass(frozen=True)
class OnScreenSignature:
    """A signature drawn at the counter, as a PNG, and who saw it being made."""

    png: bytes
    signed_at: datetime
    witnessed_by: str


@dataclass(frozen=True)
class Physiotherapist:
    """The physiotherapist who gives the treatment the consent is for."""

    name: str
    registration_number: str
    designation: str = "Registered Physiotherapist"


@dataclass(frozen=True)
class ConsentData:
    """A consent to IMS for one booked appointment.

    `areas` are the areas that may be needled on that day, by name; `not_covered` names the other
    areas asked about with what holds each up (e.g. "Left knee: not before May 10, 2025").
    `fee_per_visit` is worded already ("$95.00"); None leaves a line to write it on.
    `electrical_stimulation` is the patient's yes or no given on screen; None leaves the boxes to tick.
    """

    clinic: ClinicDetails
    patient: PatientDetails
    physiotherapist: Physiotherapist
    appointment_at: datetime
    appointment_type: str
    areas: tuple[str, ...]
    generated_at: datetime
    not_covered: tuple[str, ...] = ()
    fee_per_visit: str | None = None
    screened_on: date | None = None
    screened_by: str | None = None
    substitute: SubstituteDecisionMaker | None = None
    signature: OnScreenSignature | None = None
    electrical_stimulation: bool | None = None


@dataclass(frozen=True)
class PrintedReview:
    """A physiotherapist's review as the eligibility summary prints it: the decision in words (the
    domain's `ReviewDecision` label), who took it, when, and the note."""

    decision: str
    decided_by: str
    decided_at: datetime
    note: str | None = None


@dataclass(frozen=True)
class EligibilityData:
    clinic: ClinicDetails
    patient: PatientDetails
    verdict: Verdict
    screened_by: str
    screened_at: datetime
    payer: str
    referral: str
    generated_at: datetime
    review: PrintedReview | None = None
    screen_again_by: date | None = None
    #: Whether a finding asks for a physiotherapist's review (None: not known, the summary says neither).
    review_needed: bool | None = None


@dataclass(frozen=True)
class IntakeQuestion:
    """A question with boxes to tick; `chosen` is one of `choices` on a pre-filled form."""

    text: str
    choices: tuple[str, ...]
    chosen: str | None = None
    details_label: str | None = None
    details: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class OperationEntry:
    """One past operation: when, where on the body, which side."""

    when: date | None
    area: str
    side: str
    description: str | None = None


@dataclass(frozen=True)
class IntakeRecord:
    """What the clinic already knows about the patient, printed for them to check.

    `payer` is one of the form's payer choices (ticked); `screened_on` and `screened_by` say which
    screening the ticked answers come from (None: no screening yet, the questions are left blank).
    """

    family_name: str
    given_names: str = ""
    preferred_name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    emergency_contact: str | None = None
    payer: str | None = None
    plan_details: str | None = None
    claim_number: str | None = None
    referring_doctor: str | None = None
    operations: tuple[OperationEntry, ...] = ()
    screened_on: date | None = None
    screened_by: str | None = None
    reading_name: str = ""

    @property
    def full_name(self) -> str:
        """The legal name in reading order, as the patient writes it (e.g. "Zoë Ødegård", "蔡英文")."""
        return self.reading_name or " ".join(part for part in (self.given_names, self.family_name) if part)


@dataclass(frozen=True)
class IntakeFormData:
    """The intake form; without a record it is the blank form for the clipboard."""

    clinic: ClinicDetails
    questions: tuple[IntakeQuestion, ...]
    generated_at: datetime
    record: IntakeRecord | None = None


@dataclass(frozen=True)
class DaySheetAppointment:
    """One appointment of the day. `areas` are the areas and their IMS state on the day, each with its
    level's tone: on an IMS visit the booked area's first, on any visit the areas held up by a block
    ("Left knee: from Feb 1"); `ims_flag` is a single state in words when there are no areas.
    `needs_attention` marks an IMS flag the physiotherapist must act on (not "IMS now")."""

    starts_at: datetime
    ends_at: datetime
    patient_name: str
    appointment_type: str
    status: str
    phone: str | None = None
    ims_flag: str | None = None
    ims_tone: Tone = Tone.NEUTRAL
    cancelled: bool = False
    needs_attention: bool = False
    areas: tuple[tuple[Tone, str], ...] = ()


@dataclass(frozen=True)
class DaySheetData:
    clinic: ClinicDetails
    therapist_name: str
    day: date
    appointments: tuple[DaySheetAppointment, ...]
    generated_at: datetime
