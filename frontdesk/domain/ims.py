"""May IMS go ahead on a given day? A saved screening judged again for that day.

The booking check and the flags on every appointment list ask this one rule: the stored answers are
assessed again for the day (so a surgery wait that has ended by then no longer counts), the
physiotherapist's decision is applied, and a screening older than the clinic's re-screen interval is
out of date whatever it said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from frontdesk.domain.appointments import screening_valid_until
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.screening import AreaAssessment, Assessment, Level, ReviewDecision, RuleTable, ScreeningAnswers
from frontdesk.domain.screening import assess, effective_level


@dataclass(frozen=True)
class ImsStatus:
    """A screening judged for one day.

    `verdict` is the screening's verdict for that day (the area's, when asked about one); `level` is
    its level with the physiotherapist's decision applied. `first_allowed` is the first day on or after
    the asked one when IMS would be allowed with the screening as it stands, or None when something
    other than time must happen first (a review, a new screening, the end of a condition).
    """

    verdict: Assessment | AreaAssessment
    level: Level
    stale: bool
    valid_until: date
    first_allowed: date | None

    @property
    def allowed(self) -> bool:
        return self.level is Level.ELIGIBLE and not self.stale


def verdict_on(answers: ScreeningAnswers, area: BodyArea | None, on: date,
               rules: RuleTable) -> Assessment | AreaAssessment:
    """The verdict of `answers` on the day `on`: for `area` alone, or (None) the patient as a whole
    with the planned areas."""
    if area is None:
        return assess(answers, on, rules, require_complete=False)
    single = ScreeningAnswers(answers.answers, answers.surgeries, (area,))
    return assess(single, on, rules, require_complete=False).areas[0]


def same_every_day(answers: ScreeningAnswers, area: BodyArea | None) -> bool:
    """Whether `verdict_on` gives these answers the same verdict whatever the day: for one area,
    when no surgery is recorded (a surgery's waits are the only blocks that end by date). The patient
    as a whole is never the same: that verdict carries the day it was assessed on."""
    return area is not None and not answers.surgeries


#: What `ims_status` asks for a verdict: `verdict_on`, or a caller's stand-in giving the same answer
#: (a list judging many appointments reuses the verdict of equal answers for the same area).
VerdictOn = Callable[[ScreeningAnswers, BodyArea | None, date, RuleTable], Assessment | AreaAssessment]


def _judged(verdict: Assessment | AreaAssessment, on: date, decision: ReviewDecision | None, screened_on: date,
            rescreen_months: int) -> ImsStatus:
    valid_until = screening_valid_until(screened_on, rescreen_months)
    level = effective_level(verdict, decision)
    stale = on > valid_until
    return ImsStatus(verdict, level, stale, valid_until, on if level is Level.ELIGIBLE and not stale else None)


def ims_status(answers: ScreeningAnswers, area: BodyArea | None, on: date, rules: RuleTable,
               decision: ReviewDecision | None, screened_on: date, rescreen_months: int, *,
               verdicts: VerdictOn = verdict_on) -> ImsStatus:
    """The screening with these `answers`, done on `screened_on`, judged for `area` (None: the patient
    as a whole, with the planned areas) on the day `on`.

    A screening counts until the same day `rescreen_months` later; from the next day it is stale.
    Raises ValueError when the answers can no longer be assessed (use `saved_ims_status` then).
    """
    status = _judged(verdicts(answers, area, on, rules), on, decision, screened_on, rescreen_months)
    if status.level is not Level.NOT_YET or status.stale:
        return status
    # "Not yet" after the decision means the verdict itself is "not yet" (a decision never makes one),
    # so its end date is the first day the blocks lift: what `first_allowed_date` would assess again.
    candidate = status.verdict.not_before
    if candidate is None or candidate > status.valid_until:
        return status
    if effective_level(verdicts(answers, area, candidate, rules), decision) is not Level.ELIGIBLE:
        return status
    return replace(status, first_allowed=candidate)


def saved_ims_status(saved: Assessment, area: BodyArea | None, on: date, decision: ReviewDecision | None,
                     screened_on: date, rescreen_months: int) -> ImsStatus:
    """The same judgement from the assessment saved with the screening, for answers that can no
    longer be assessed (a question or an area changed since); a block's end date is not offered."""
    verdict = (saved.verdict_for(area) if area is not None else None) or saved
    return _judged(verdict, on, decision, screened_on, rescreen_months)
