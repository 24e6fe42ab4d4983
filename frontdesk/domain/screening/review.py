"""A physiotherapist's decision on a screening, and the level it leaves."""

from __future__ import annotations

from enum import StrEnum

from frontdesk.domain.screening.assessment import AreaAssessment, Assessment
from frontdesk.domain.screening.questions import Level

class ReviewDecision(StrEnum):
    approve = "approve"
    approve_altered = "approve_altered"
    decline = "decline"

    @property
    def label(self) -> str:
        return _DECISION_LABELS[self]


_DECISION_LABELS = {
    ReviewDecision.approve: "Approved",
    ReviewDecision.approve_altered: "Approved with an altered technique",
    ReviewDecision.decline: "Declined",
}


def effective_level(subject: Assessment | AreaAssessment, decision: ReviewDecision | None) -> Level:
    """The level once a physiotherapist's decision is taken into account.

    Approval clears findings that only needed a review; it does not lift a "not yet" or "not eligible
    now" finding. Declining makes IMS not eligible now, whatever the screening said.
    """
    level = subject.level
    if decision is None:
        return level
    if decision is ReviewDecision.decline:
        return Level.NOT_ELIGIBLE
    if level is Level.REVIEW:
        return Level.ELIGIBLE
    return level

