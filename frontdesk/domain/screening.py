"""IMS intake screening: the questions, the clinic's rules, and the assessment they give.

`assess` is pure: the same answers, date and rule table always give the same `Assessment`. Services
store the answers and call `assess(answers, on=appointment_date)` again when booking, so a block that
ends by itself (the surgery waits) is lifted on the right day without anyone editing the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

from frontdesk.domain.areas import BodyArea, adjacent_areas, are_adjacent


class Level(IntEnum):
    """Screening levels from best to worst; the worst finding sets the verdict."""

    ELIGIBLE = 0
    REVIEW = 1
    NOT_YET = 2
    NOT_ELIGIBLE = 3

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def key(self) -> str:
        """Stable text form for storage: "eligible", "review", "not_yet", "not_eligible"."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Level:
        return cls[key.upper()]


_LEVEL_LABELS = {
    Level.ELIGIBLE: "Eligible",
    Level.REVIEW: "Physiotherapist review first",
    Level.NOT_YET: "Not yet",
    Level.NOT_ELIGIBLE: "Not eligible now",
}


class Choice(StrEnum):
    """A set of answers to one question, each with a label for the form."""

    @property
    def label(self) -> str:
        return self._labels()[self]

    @classmethod
    def _labels(cls) -> dict[Any, str]:
        raise NotImplementedError


class Answer(Choice):
    yes = "yes"
    no = "no"
    unsure = "unsure"

    @classmethod
    def _labels(cls) -> dict[Any, str]:
        return {cls.yes: "Yes", cls.no: "No", cls.unsure: "Not sure"}


class CancerHistory(Choice):
    never = "never"
    survivor = "survivor"
    active = "active"
    unsure = "unsure"

    @classmethod
    def _labels(cls) -> dict[Any, str]:
        return {
            cls.never: "Never had cancer",
            cls.survivor: "Had cancer, now a survivor",
            cls.active: "Cancer is active now",
            cls.unsure: "Not sure",
        }


class AutoimmuneStatus(Choice):
    none = "none"
    controlled = "controlled"
    uncontrolled = "uncontrolled"
    unsure = "unsure"

    @classmethod
    def _labels(cls) -> dict[Any, str]:
        return {
            cls.none: "No autoimmune condition",
            cls.controlled: "Yes, well controlled",
            cls.uncontrolled: "Yes, not under control",
            cls.unsure: "Not sure",
        }


class BoneDensity(Choice):
    """Osteoporosis or osteopenia, by severity."""

    none = "none"
    mild = "mild"
    moderate = "moderate"
    severe_or_poorly_controlled = "severe_or_poorly_controlled"
    unsure = "unsure"

    @classmethod
    def _labels(cls) -> dict[Any, str]:
        return {
            cls.none: "No",
            cls.mild: "Yes, mild",
            cls.moderate: "Yes, moderate",
            cls.severe_or_poorly_controlled: "Yes, very severe or poorly controlled",
            cls.unsure: "Not sure",
        }


UNSURE = "unsure"


class QuestionKey(StrEnum):
    cancer = "cancer"
    needle_fear = "needle_fear"
    understands_treatment = "understands_treatment"
    pregnant = "pregnant"
    autoimmune = "autoimmune"
    osteoporosis = "osteoporosis"
    had_surgery = "had_surgery"
    bleeding_risk = "bleeding_risk"
    implanted_device = "implanted_device"
    metal_allergy = "metal_allergy"
    lymphedema = "lymphedema"
    skin_problem = "skin_problem"
    epilepsy = "epilepsy"
    diabetes = "diabetes"
    weakened_immunity = "weakened_immunity"
    needling_reaction = "needling_reaction"


_Q = QuestionKey


@dataclass(frozen=True)
class Question:
    """One intake question. `topic` completes "Not sure about ..." in the reason text."""

    key: QuestionKey
    text: str
    choices: type[Choice]
    help: str
    topic: str

    choice_values: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choice_values", tuple(choice.value for choice in self.choices))


QUESTIONS: tuple[Question, ...] = (
    Question(
        _Q.cancer,
        "Do you have cancer now, or have you had cancer in the past?",
        CancerHistory,
        "Active cancer means under treatment or not yet in remission.",
        "cancer",
    ),
    Question(
        _Q.needle_fear,
        "Do you have a severe fear of needles?",
        Answer,
        "A little nervousness is common and fine; this is about a fear strong enough to make needling hard.",
        "a fear of needles",
    ),
    Question(
        _Q.understands_treatment,
        "Can the patient understand what IMS involves and why it is being done?",
        Answer,
        "Yes is the usual answer. Answer No if the patient cannot understand it, for example with dementia"
        " or a child too young to follow. There is no age limit otherwise.",
        "understanding the treatment",
    ),
    Question(_Q.pregnant, "Are you pregnant?", Answer, "", "pregnancy"),
    Question(
        _Q.autoimmune,
        "Do you have an autoimmune condition (for example rheumatoid arthritis, lupus, Crohn's disease)?",
        AutoimmuneStatus,
        "Well controlled means stable on treatment, without flare-ups right now.",
        "an autoimmune condition",
    ),
    Question(
        _Q.osteoporosis,
        "Do you have osteoporosis or osteopenia (thinning bones)?",
        BoneDensity,
        "Mild or moderate bone thinning does not prevent IMS.",
        "osteoporosis or osteopenia",
    ),
    Question(
        _Q.had_surgery,
        "Have you had surgery in the past year?",
        Answer,
        "If yes, list each operation with its date and body area.",
        "recent surgery",
    ),
    Question(
        _Q.bleeding_risk,
        "Do you have a bleeding disorder, or do you take blood thinners?",
        Answer,
        "Blood thinners include warfarin, apixaban, rivaroxaban and daily aspirin.",
        "a bleeding disorder or blood thinners",
    ),
    Question(
        _Q.implanted_device,
        "Do you have a pacemaker or another implanted electrical device?",
        Answer,
        "This matters if a small electrical current is used through the needles.",
        "an implanted electrical device",
    ),
    Question(
        _Q.metal_allergy,
        "Are you allergic to any metal, such as nickel?",
        Answer,
        "",
        "a metal allergy",
    ),
    Question(
        _Q.lymphedema,
        "Do you have lymphedema (swelling from lymph fluid) in an area to be treated?",
        Answer,
        "",
        "lymphedema",
    ),
    Question(
        _Q.skin_problem,
        "Is there a skin infection, wound or skin lesion where the needles would go?",
        Answer,
        "",
        "the skin where the needles would go",
    ),
    Question(_Q.epilepsy, "Do you have epilepsy or seizures?", Answer, "", "epilepsy"),
    Question(_Q.diabetes, "Do you have diabetes?", Answer, "", "diabetes"),
    Question(
        _Q.weakened_immunity,
        "Is your immune system weakened (by illness or by medication)?",
        Answer,
        "For example chemotherapy, long-term steroids, or drugs taken after a transplant.",
        "a weakened immune system",
    ),
    Question(
        _Q.needling_reaction,
        "Have you had a bad reaction to needling before (IMS, dry needling, acupuncture or injections)?",
        Answer,
        "For example fainting, a strong allergic reaction, or lasting pain.",
        "an earlier reaction to needling",
    ),
)

QUESTIONS_BY_KEY: Mapping[str, Question] = {question.key.value: question for question in QUESTIONS}

_VALID_VALUES = {question.key.value: frozenset(question.choice_values) for question in QUESTIONS}

PRECAUTION_KEYS: tuple[QuestionKey, ...] = (
    _Q.bleeding_risk,
    _Q.implanted_device,
    _Q.metal_allergy,
    _Q.lymphedema,
    _Q.skin_problem,
    _Q.epilepsy,
    _Q.diabetes,
    _Q.weakened_immunity,
    _Q.needling_reaction,
)
"""Precautions the physiotherapist wants to see; not on the clinic's list, so the rule table decides
whether each one only informs or needs a review first."""

_PRECAUTION_FACTS = {
    _Q.bleeding_risk: "Has a bleeding disorder or takes blood thinners",
    _Q.implanted_device: "Has a pacemaker or other implanted electrical device (matters for electrical"
    " stimulation through the needles)",
    _Q.metal_allergy: "Has a metal allergy",
    _Q.lymphedema: "Has lymphedema in an area to be treated",
    _Q.skin_problem: "Has a skin infection, wound or lesion where the needles would go",
    _Q.epilepsy: "Has epilepsy or seizures",
    _Q.diabetes: "Has diabetes",
    _Q.weakened_immunity: "Has a weakened immune system",
    _Q.needling_reaction: "Had a bad reaction to needling before",
}


# --- The answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surgery:
    date: date
    area: BodyArea

    def to_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "area": self.area.key}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Surgery:
        return cls(date.fromisoformat(data["date"]), BodyArea.parse(data["area"]))


@dataclass(frozen=True)
class ScreeningAnswers:
    """What the patient answered. `answers` may be given as any mapping; it is kept as sorted pairs so
    the value is hashable and compares equal whatever order the answers came in."""

    answers: tuple[tuple[str, str], ...] | Mapping[str, str] = ()
    surgeries: tuple[Surgery, ...] = ()
    planned_areas: tuple[BodyArea, ...] = ()

    def __post_init__(self) -> None:
        pairs = self.answers.items() if isinstance(self.answers, Mapping) else self.answers
        object.__setattr__(self, "answers", tuple(sorted((str(k), str(v)) for k, v in pairs)))
        object.__setattr__(self, "surgeries", tuple(self.surgeries))
        object.__setattr__(self, "planned_areas", tuple(self.planned_areas))

    @property
    def answer_pairs(self) -> tuple[tuple[str, str], ...]:
        """The answers as sorted (key, value) pairs, as `__post_init__` keeps them."""
        assert not isinstance(self.answers, Mapping)
        return self.answers

    @property
    def answer_map(self) -> dict[str, str]:
        return dict(self.answers)

    def get(self, key: str) -> str | None:
        for answer_key, value in self.answer_pairs:
            if answer_key == key:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": dict(self.answers),
            "surgeries": [surgery.to_dict() for surgery in self.surgeries],
            "planned_areas": [area.key for area in self.planned_areas],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreeningAnswers:
        return cls(
            answers=dict(data.get("answers", {})),
            surgeries=tuple(Surgery.from_dict(item) for item in data.get("surgeries", ())),
            planned_areas=tuple(BodyArea.parse(key) for key in data.get("planned_areas", ())),
        )


# --- Validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A message for one field of a form. `field` is a question key, "surgeries" or "planned_areas";
    `index` points at one row of a list (an operation, a planned area)."""

    field: str
    message: str
    index: int | None = None
    missing: bool = False


@dataclass(frozen=True)
class ValidationReport:
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> tuple[str, ...]:
        """Question keys not answered yet, in questionnaire order."""
        return tuple(p.field for p in self.problems if p.missing)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(p.field for p in self.problems)

    def for_field(self, name: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.field == name)


def validate(answers: ScreeningAnswers, on: date) -> ValidationReport:
    """Every problem with the answers at once, so a form can highlight them all."""
    problems: list[Problem] = []
    given = answers.answer_map
    for question in QUESTIONS:
        value = given.get(question.key.value)
        if value is None or value == "":
            problems.append(Problem(question.key.value, "Please answer this question.", missing=True))
        elif value not in question.choice_values:
            labels = ", ".join(choice.label for choice in question.choices)
            problems.append(Problem(question.key.value, f"Choose one of: {labels}."))
    for key in given:
        if key not in QUESTIONS_BY_KEY:
            problems.append(Problem(key, "This is not one of the screening questions."))

    had_surgery = given.get(_Q.had_surgery.value)
    if had_surgery == Answer.yes and not answers.surgeries:
        problems.append(Problem("surgeries", "Add each operation with its date and body area."))
    if had_surgery == Answer.no and answers.surgeries:
        problems.append(Problem(_Q.had_surgery.value, "Operations are listed, so the answer cannot be No."))
    for index, surgery in enumerate(answers.surgeries):
        if surgery.date > on:
            problems.append(Problem("surgeries", "The date of the operation is in the future.", index))

    if not answers.planned_areas:
        problems.append(Problem("planned_areas", "Choose at least one body area to treat."))
    seen: set[BodyArea] = set()
    for index, area in enumerate(answers.planned_areas):
        if area in seen:
            problems.append(Problem("planned_areas", f"{area.label} is listed twice.", index))
        seen.add(area)
    return ValidationReport(tuple(problems))


class ScreeningIncomplete(ValueError):
    """The answers cannot be assessed as a finished screening; `report` lists every problem."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in report.problems))
        self.report = report


# --- The rule table -----------------------------------------------------------------------------


class PrecautionKind(StrEnum):
    inform = "inform"
    review = "review"


@dataclass(frozen=True)
class RuleTable:
    """The parts of the rules the clinic may change without code (resources/screening_rules.json)."""

    version: str
    precautions: tuple[tuple[str, PrecautionKind], ...]
    direct_wait_months: int = 3
    adjacent_wait_days: int = 42
    _kinds: dict[str, PrecautionKind] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        pairs = tuple(sorted((str(k), PrecautionKind(v)) for k, v in dict(self.precautions).items()))
        unknown = {key for key, _ in pairs} - set(PRECAUTION_KEYS)
        if unknown:
            raise ValueError(f"Unknown precautions in the rule table: {', '.join(sorted(unknown))}")
        for name in ("direct_wait_months", "adjacent_wait_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number of zero or more, not {value!r}")
        object.__setattr__(self, "precautions", pairs)
        object.__setattr__(self, "_kinds", dict(pairs))

    def kind_of(self, precaution: str) -> PrecautionKind:
        """Precautions the table does not mention only inform."""
        return self._kinds.get(precaution, PrecautionKind.inform)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RuleTable:
        surgery = data.get("surgery", {})
        return cls(
            version=str(data["version"]),
            precautions=tuple(dict(data.get("precautions", {})).items()),
            direct_wait_months=surgery.get("direct_wait_months", 3),
            adjacent_wait_days=surgery.get("adjacent_wait_days", 42),
        )

    def to_mapping(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "surgery": {
                "direct_wait_months": self.direct_wait_months,
                "adjacent_wait_days": self.adjacent_wait_days,
            },
            "precautions": {key: kind.value for key, kind in self.precautions},
        }


DEFAULT_RULES = RuleTable(
    version="2026-1",
    precautions=tuple((key.value, PrecautionKind.inform) for key in PRECAUTION_KEYS),
    direct_wait_months=3,
    adjacent_wait_days=42,
)


# --- The assessment -----------------------------------------------------------------------------


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
class AreaVerdict:
    area: BodyArea
    level: Level
    not_before: date | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Assessment:
    level: Level
    areas: tuple[AreaVerdict, ...]
    reasons: tuple[Reason, ...]
    not_before: date | None
    assessed_on: date
    rules_version: str = DEFAULT_RULES.version

    def verdict_for(self, area: BodyArea) -> AreaVerdict | None:
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
                AreaVerdict(
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
        if value not in _VALID_VALUES.get(key, ()):
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


def _verdict(area: BodyArea, reasons: tuple[Reason, ...]) -> AreaVerdict:
    own = tuple(reason for reason in reasons if reason.applies_to(area))
    level = max((reason.level for reason in own), default=Level.ELIGIBLE)
    return AreaVerdict(area=area, level=level, not_before=_not_before(level, own), reasons=own)


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
        elif question.key in _PRECAUTION_FACTS and value == Answer.yes:
            reasons.append(_precaution_reason(question.key, rules.kind_of(key)))
    return reasons


def _precaution_reason(key: QuestionKey, kind: PrecautionKind) -> Reason:
    fact = _PRECAUTION_FACTS[key]
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
                f" {format_date(direct_until)} ({_months(rules.direct_wait_months)} after surgery).",
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
                    f" {format_date(adjacent_until)} ({_days(rules.adjacent_wait_days)} after surgery).",
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


# --- A physiotherapist's review -----------------------------------------------------------------


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


def effective_level(subject: Assessment | AreaVerdict, decision: ReviewDecision | None) -> Level:
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


# --- Small helpers ------------------------------------------------------------------------------

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_date(value: date) -> str:
    """"March 1, 2026": plain, and independent of the computer's locale."""
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def _months(count: int) -> str:
    return "1 month" if count == 1 else f"{count} months"


def _days(count: int) -> str:
    if count and count % 7 == 0:
        weeks = count // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if count == 1 else f"{count} days"


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
