"""What a consent to IMS may cover: the areas that may be needled on the day of one booked appointment.

Consent is specific to the treatment, the day and the physiotherapist (see DESIGN.md, "Informed
consent"), so it is never a blanket yes for every area asked about at screening: each area is judged
for the appointment's day with the same rule as the booking check (`domain.ims.ims_status`), and only
the areas allowed then are named on the form. When none is allowed there is no consent to sign; the
scope says why and, when time alone lifts the block, the first day it could be signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims import ims_status
from frontdesk.domain.screening import Level, ReviewDecision, RuleTable, ScreeningAnswers
from frontdesk.domain.when import format_date


@dataclass(frozen=True)
class HeldArea:
    """An area asked about that may not be needled on the day, with what holds it up."""

    area: BodyArea
    level: Level
    reasons: tuple[str, ...]
    first_allowed: date | None


@dataclass(frozen=True)
class ConsentScope:
    """The areas a consent for one day covers, and those it does not.

    `reasons` says, each reason once, why nothing at all may be covered (empty when something is);
    `first_allowed` is then the first day a consent could cover an area, or None when something other
    than time must happen first (a review, a new screening, the end of a condition).
    """

    on: date
    covered: tuple[BodyArea, ...]
    held: tuple[HeldArea, ...]
    reasons: tuple[str, ...] = ()
    first_allowed: date | None = None

    @property
    def allowed(self) -> bool:
        return bool(self.covered)

    @property
    def refusal(self) -> str:
        """The sentence a person reads when no consent can be signed ("" when one can)."""
        if self.allowed:
            return ""
        why = " ".join(_sentence(reason) for reason in self.reasons)
        when = (f" The first day a consent can be signed is {format_date(self.first_allowed)}."
                if self.first_allowed is not None else
                " No date can be given yet: this has to be resolved first.")
        return f"No area may be needled on {format_date(self.on)}, so there is no consent to sign. {why}{when}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def consent_scope(answers: ScreeningAnswers, appointment_area: BodyArea | None, on: date, rules: RuleTable,
                  decision: ReviewDecision | None, screened_on: date, rescreen_months: int) -> ConsentScope:
    """Which areas a consent signed for an IMS appointment on `on` may cover.

    The areas are the appointment's own area first, then the other areas planned at screening; each is
    covered when IMS is allowed for it on that day (the screening current, the physiotherapist's
    decision applied). Raises ValueError when the answers can no longer be assessed.
    """
    areas = list(dict.fromkeys(([appointment_area] if appointment_area is not None else [])
                               + list(answers.planned_areas)))
    covered: list[BodyArea] = []
    held: list[HeldArea] = []
    stale_until: date | None = None
    for area in areas:
        status = ims_status(answers, area, on, rules, decision, screened_on, rescreen_months)
        if status.allowed:
            covered.append(area)
            continue
        if status.stale:
            stale_until = status.valid_until
        reasons = tuple(reason.text for reason in status.verdict.reasons if not reason.informs_only)
        if status.level is Level.NOT_ELIGIBLE and decision is ReviewDecision.decline:
            reasons += ("A physiotherapist decided against IMS after reviewing the screening.",)
        elif status.level is Level.REVIEW:
            reasons += ("A physiotherapist has to review the screening first.",)
        held.append(HeldArea(area, status.level, reasons, status.first_allowed))
    if covered:
        return ConsentScope(on, tuple(covered), tuple(held))
    if not areas:
        return ConsentScope(on, (), (), ("No area to be treated was chosen at screening or booking.",))
    if stale_until is not None:
        return ConsentScope(on, (), tuple(held), (
            f"The IMS screening counted until {format_date(stale_until)}; screen the patient again.",))
    reasons = tuple(dict.fromkeys(reason for item in held for reason in item.reasons))
    dates = [item.first_allowed for item in held]
    first = min((day for day in dates if day is not None), default=None)
    return ConsentScope(on, (), tuple(held), reasons or ("The screening does not allow IMS on this day.",), first)
