"""The intake questions, their answer choices, and the screening levels a finding can have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


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

VALID_VALUES: Mapping[str, frozenset[str]] = {
    question.key.value: frozenset(question.choice_values) for question in QUESTIONS
}


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

PRECAUTION_FACTS = {
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

