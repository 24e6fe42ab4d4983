"""The plain records of the intake that screens, dialogs and documents are built from: patients (a search
result line, the full record, the possible-duplicate refusal) and screenings with their reviews.

Values only, no SQLAlchemy: the Intake tab can be the first screen before SQLAlchemy has loaded. The use
cases that read and change them are `services.patients` and `services.screenings`; the schedule's records
are `services.records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import PatientDetails, display_name
from frontdesk.domain.screening import Assessment, Level, ReviewDecision, ScreeningAnswers, effective_level
from frontdesk.services.errors import ServiceError


@dataclass(frozen=True)
class PatientSummary:
    """One line of a search result."""

    id: int
    name: str
    date_of_birth: date
    phone: str
    archived: bool = False


@dataclass(frozen=True)
class PatientRecord:
    id: int
    version: int
    details: PatientDetails
    archived: bool
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        return display_name(self.details.family_name, self.details.given_names, self.details.preferred_name)

    @property
    def legal_name(self) -> str:
        """The legal name(s) only, as printed on documents: 'Ødegård, Zoë', or the one name."""
        return display_name(self.details.family_name, self.details.given_names)

    @property
    def phone_display(self) -> str:
        return format_phone(self.details.phone)


class PossibleDuplicate(ServiceError):
    """A patient with the same name and birth date, or the same phone, is already registered."""

    def __init__(self, matches: list[PatientSummary]) -> None:
        names = "; ".join(f"{m.name} (born {m.date_of_birth:%Y-%m-%d})" for m in matches[:3])
        super().__init__(f"This may be a patient who is already registered: {names}. Open that record, "
                         "or confirm that this is a different person.")
        self.matches = matches


@dataclass(frozen=True)
class ReviewRecord:
    """A physiotherapist's decision on a screening, as recorded."""

    id: int
    screening_id: int
    decision: ReviewDecision
    note: str
    decided_at: datetime
    decided_by: str

    @property
    def label(self) -> str:
        return self.decision.label


@dataclass(frozen=True)
class ScreeningRecord:
    """One saved screening with who did it and every review decision on it (oldest first)."""

    id: int
    patient_id: int
    screened_at: datetime
    screened_on: date
    screened_by: str
    presenting_condition: str
    answers: ScreeningAnswers
    assessment: Assessment
    superseded_by: int | None
    reviews: tuple[ReviewRecord, ...] = ()

    @property
    def level(self) -> Level:
        return self.assessment.level

    @property
    def not_before(self) -> date | None:
        return self.assessment.not_before

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None

    @property
    def review(self) -> ReviewRecord | None:
        """The decision that counts: the latest one."""
        return self.reviews[-1] if self.reviews else None

    @property
    def decision(self) -> ReviewDecision | None:
        return self.review.decision if self.review else None

    @property
    def needs_review(self) -> bool:
        """A finding asks for a physiotherapist's review (even when a date also holds IMS up)."""
        return any(reason.level is Level.REVIEW for reason in self.assessment.reasons)

    @property
    def effective_level(self) -> Level:
        return effective_level(self.assessment, self.decision)
