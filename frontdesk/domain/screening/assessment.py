"""The assessment: what the clinic's rules make of a patient's answers on a given day, for the patient
as a whole and for each area to be treated, with the reasons in plain words.

`assess` is pure: the same answers, date and rule table always give the same `Assessment`. Services
store the answers and call `assess(answers, on=appointment_date)` again when booking, so a block that
ends by itself (the surgery waits) is lifted on the right day without anyone editing the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from frontdesk.domain.areas import BodyArea, adjacent_areas, are_adjacent
from frontdesk.domain.screening.answers import ScreeningAnswers, ScreeningIncomplete, Surgery, validate
from frontdesk.domain.screening.questions import (
    PRECAUTION_FACTS,
    QUESTIONS,
    UNSURE,
    VALID_VALUES,
    Answer,
    AutoimmuneStatus,
    BoneDensity,
    CancerHistory,
    Level,
    Question,
    QuestionKey,
)
from frontdesk.domain.screening.rules import DEFAULT_RULES, PrecautionKind, RuleTable
from frontdesk.domain.when import format_date, format_days, format_months

_Q = QuestionKey



@dataclass(frozen=True)
class Reason:
    """One finding, tied to the answer that caused it. Empty `areas` means the whole patient; `until`
    is the first day the block no longer applies, when a date (not an event) ends it."""

    question_key: str
    level: Level
    text: str
    areas: tuple[BodyArea, ...] = ()
    until: date | None = None

    @property
    def informs_only(self) -> bool:
        """Listed for the physiotherapist, but does not hold anything up."""
        return self.level is Level.ELIGIBLE

    def applies_to(self, area: BodyArea) -> bool:
        return not self.areas or area in self.areas

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question_key,
            "level": self.level.key,
            "text": self.text,
            "areas": [area.key for area in self.areas],
            "until": _iso(self.until),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            question_key=data["question"],
            level=Level.from_key(data["level"]),
            text=data["text"],
            areas=tuple(BodyArea.parse(key) for key in data.get("areas", ())),
            until=_from_iso(data.get("until")),
        )


@dataclass(frozen=True)
class AreaAssessment:
    """The assessment of one area to be treated: its level, the first day it may be needled (when a
    date ends the block), and the reasons that apply to it."""

    area: BodyArea
    level: Level
    not_before: date | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Assessment:
    level: Level
    areas: tuple[AreaAssessment, ...]
    reasons: tuple[Reason, ...]
    not_before: date | None
    assessed_on: date
    rules_version: str = DEFAULT_RULES.version

    def verdict_for(self, area: BodyArea) -> AreaAssessment | None:
        for verdict in self.areas:
            if verdict.area == area:
                return verdict
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; area verdicts refer to their reasons by position in `reasons`."""
        index = {reason: position for position, reason in enumerate(self.reasons)}
        return {
            "level": self.level.key,
            "not_before": _iso(self.not_before),
            "assessed_on": self.assessed_on.isoformat(),
            "rules_version": self.rules_version,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "areas": [
                {
                    "area": verdict.area.key,
                    "level": verdict.level.key,
                    "not_before": _iso(verdict.not_before),
                    "reasons": [index[reason] for reason in verdict.reasons],
                }
                for verdict in self.areas
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        reasons = tuple(Reason.from_dict(item) for item in data["reasons"])
        return cls(
            level=Level.from_key(data["level"]),
            areas=tuple(
                AreaAssessment(
                    area=BodyArea.parse(item["area"]),
                    level=Level.from_key(item["level"]),
                    not_before=_from_iso(item.get("not_before")),
                    reasons=tuple(reasons[position] for position in item["reasons"]),
                )
                for item in data["areas"]
            ),
            reasons=reasons,
            not_before=_from_iso(data.get("not_before")),
            assessed_on=date.fromisoformat(data["assessed_on"]),
            rules_version=data.get("rules_version", DEFAULT_RULES.version),
        )


def assess(
    answers: ScreeningAnswers,
    on: date,
    rules: RuleTable = DEFAULT_RULES,
    *,
    require_complete: bool = True,
) -> Assessment:
    """The verdict for these answers on the day `on`.

    With `require_complete=False` (the live verdict panel while the form is being filled in) questions
    not answered yet are skipped instead of raising `ScreeningIncomplete`.
    """
    if require_complete:
        report = validate(answers, on)
        if not report.ok:
            raise ScreeningIncomplete(report)
    given = answers.answer_map
    for key, value in given.items():
        if value not in VALID_VALUES.get(key, ()):
            raise ScreeningIncomplete(validate(answers, on))

    reasons = _patient_reasons(given, rules)
    if given.get(_Q.had_surgery.value) != Answer.no:
        for surgery in answers.surgeries:
            reasons.extend(_surgery_reasons(surgery, answers.planned_areas, on, rules))
    reasons.sort(key=lambda reason: -reason.level)
    all_reasons = tuple(reasons)

    verdicts = tuple(_verdict(area, all_reasons) for area in answers.planned_areas)
    level = max((reason.level for reason in all_reasons), default=Level.ELIGIBLE)
    return Assessment(
        level=level,
        areas=verdicts,
        reasons=all_reasons,
        not_before=_not_before(level, all_reasons),
        assessed_on=on,
        rules_version=rules.version,
    )


def first_allowed_date(
    answers: ScreeningAnswers, area: BodyArea, on: date, rules: RuleTable = DEFAULT_RULES
) -> date | None:
    """The first day on or after `on` when no block holds IMS up for `area`, or None when an event
    (not a date) has to end it first. A physiotherapist's review is a separate gate and does not
    change the date."""
    single = ScreeningAnswers(answers.answers, answers.surgeries, (area,))
    verdict = assess(single, on, rules, require_complete=False).areas[0]
    if verdict.level is Level.NOT_ELIGIBLE:
        return None
    if verdict.level is Level.NOT_YET:
        return verdict.not_before
    return on


def _verdict(area: BodyArea, reasons: tuple[Reason, ...]) -> AreaAssessment:
    own = tuple(reason for reason in reasons if reason.applies_to(area))
    level = max((reason.level for reason in own), default=Level.ELIGIBLE)
    return AreaAssessment(area=area, level=level, not_before=_not_before(level, own), reasons=own)


def _not_before(level: Level, reasons: Iterable[Reason]) -> date | None:
    if level is not Level.NOT_YET:
        return None
    dates = [reason.until for reason in reasons if reason.level is Level.NOT_YET]
    known = [until for until in dates if until is not None]
    if len(known) < len(dates):
        return None
    return max(known)


def _speak_first(question: Question) -> Reason:
    return Reason(
        question.key.value,
        Level.REVIEW,
        f"Not sure about {question.topic}: please speak with a physiotherapist first.",
    )


_FINDING_TABLE: dict[tuple[str, str], tuple[Level, str]] = {
    (_Q.cancer, CancerHistory.active): (
        Level.NOT_ELIGIBLE,
        "Active cancer: IMS is not offered while the cancer is active. It can be considered again once"
        " the cancer is no longer active.",
    ),
    (_Q.cancer, CancerHistory.survivor): (
        Level.ELIGIBLE,
        "Had cancer and is now a survivor: in most cases this does not prevent IMS.",
    ),
    (_Q.needle_fear, Answer.yes): (
        Level.NOT_ELIGIBLE,
        "Severe fear of needles: IMS is not a good fit for now. Screen again if the fear eases.",
    ),
    (_Q.understands_treatment, Answer.no): (
        Level.NOT_ELIGIBLE,
        "Cannot understand what IMS involves and why: the patient needs to understand the treatment."
        " Screen again if that changes, for example when a child is old enough.",
    ),
    (_Q.pregnant, Answer.yes): (
        Level.NOT_YET,
        "Pregnant: no IMS during pregnancy. Screen again after the pregnancy.",
    ),
    (_Q.autoimmune, AutoimmuneStatus.uncontrolled): (
        Level.NOT_ELIGIBLE,
        "Autoimmune condition not under control: IMS is not offered for now. It can be considered again"
        " once the condition is well controlled.",
    ),
    (_Q.autoimmune, AutoimmuneStatus.controlled): (
        Level.ELIGIBLE,
        "Well-controlled autoimmune condition: this does not prevent IMS.",
    ),
    (_Q.osteoporosis, BoneDensity.mild): (
        Level.ELIGIBLE,
        "Mild osteoporosis or osteopenia: this does not prevent IMS.",
    ),
    (_Q.osteoporosis, BoneDensity.moderate): (
        Level.ELIGIBLE,
        "Moderate osteoporosis or osteopenia: this does not prevent IMS.",
    ),
    (_Q.osteoporosis, BoneDensity.severe_or_poorly_controlled): (
        Level.REVIEW,
        "Very severe or poorly controlled osteoporosis or osteopenia: a physiotherapist reviews first and"
        " may change the technique or decide against IMS.",
    ),
}
_FINDINGS = {(str(key), str(value)): finding for (key, value), finding in _FINDING_TABLE.items()}


def _patient_reasons(given: Mapping[str, str], rules: RuleTable) -> list[Reason]:
    reasons: list[Reason] = []
    for question in QUESTIONS:
        key = question.key.value
        value = given.get(key)
        if value is None:
            continue
        if value == UNSURE:
            reasons.append(_speak_first(question))
            continue
        finding = _FINDINGS.get((key, value))
        if finding is not None:
            reasons.append(Reason(key, finding[0], finding[1]))
        elif question.key in PRECAUTION_FACTS and value == Answer.yes:
            reasons.append(_precaution_reason(question.key, rules.kind_of(key)))
    return reasons


def _precaution_reason(key: QuestionKey, kind: PrecautionKind) -> Reason:
    fact = PRECAUTION_FACTS[key]
    if kind is PrecautionKind.review:
        return Reason(key.value, Level.REVIEW, f"{fact}: a physiotherapist reviews this before IMS.")
    return Reason(key.value, Level.ELIGIBLE, f"{fact}: for the physiotherapist's information.")


def _surgery_reasons(
    surgery: Surgery, planned: tuple[BodyArea, ...], on: date, rules: RuleTable
) -> list[Reason]:
    reasons: list[Reason] = []
    operated = surgery.area.label.lower()
    when = format_date(surgery.date)

    direct_until = surgery.date + relativedelta(months=rules.direct_wait_months)
    if on < direct_until and surgery.area in planned:
        reasons.append(
            Reason(
                _Q.had_surgery.value,
                Level.NOT_YET,
                f"Operation on the {operated} on {when}: no needling at the operated area before"
                f" {format_date(direct_until)} ({format_months(rules.direct_wait_months)} after surgery).",
                (surgery.area,),
                direct_until,
            )
        )

    adjacent_until = surgery.date + timedelta(days=rules.adjacent_wait_days)
    if on < adjacent_until:
        near = tuple(area for area in planned if are_adjacent(surgery.area, area))
        if near:
            names = ", ".join(area.label.lower() for area in near)
            reasons.append(
                Reason(
                    _Q.had_surgery.value,
                    Level.NOT_YET,
                    f"Operation on the {operated} on {when}: no needling next to it ({names}) before"
                    f" {format_date(adjacent_until)} ({format_days(rules.adjacent_wait_days)} after surgery).",
                    near,
                    adjacent_until,
                )
            )
    return reasons


def surgery_blocks(surgery: Surgery, rules: RuleTable = DEFAULT_RULES) -> dict[BodyArea, date]:
    """Every area an operation blocks and the first day it may be needled again, ignoring today."""
    adjacent_until = surgery.date + timedelta(days=rules.adjacent_wait_days)
    blocks = {area: adjacent_until for area in adjacent_areas(surgery.area)}
    blocks[surgery.area] = surgery.date + relativedelta(months=rules.direct_wait_months)
    return blocks


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
