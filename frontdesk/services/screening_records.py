"""The plain records of screenings and reviews that the screens and documents are built from (no
SQLAlchemy: the Intake tab can be the first screen before it has loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from frontdesk.domain.screening import Assessment, Level, ReviewDecision, ScreeningAnswers, effective_level


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
