"""IMS intake screening: the questions, the clinic's rules, and the assessment they give.

By job:
    questions   the intake questions, their answer choices and the screening levels
    answers     what the patient answered, and the check that every question has a usable answer
    rules       the rule table the clinic may change without code (resources/screening_rules.json)
    assessment  `assess`: the verdict for the patient and for each area on a given day, with reasons
    review      a physiotherapist's decision on a screening, and the level it leaves

The names below are the screening's public API: import them from `frontdesk.domain.screening`.
"""

from __future__ import annotations

from frontdesk.domain.screening.answers import (
    Problem,
    ScreeningAnswers,
    ScreeningIncomplete,
    Surgery,
    ValidationReport,
    validate,
)
from frontdesk.domain.screening.assessment import (
    AreaAssessment,
    Assessment,
    Reason,
    assess,
    first_allowed_date,
    surgery_blocks,
)
from frontdesk.domain.screening.questions import (
    PRECAUTION_KEYS,
    QUESTIONS,
    QUESTIONS_BY_KEY,
    UNSURE,
    Answer,
    AutoimmuneStatus,
    BoneDensity,
    CancerHistory,
    Choice,
    Level,
    Question,
    QuestionKey,
)
from frontdesk.domain.screening.review import ReviewDecision, effective_level
from frontdesk.domain.screening.rules import DEFAULT_RULES, PrecautionKind, RuleTable

__all__ = [
    "DEFAULT_RULES",
    "PRECAUTION_KEYS",
    "QUESTIONS",
    "QUESTIONS_BY_KEY",
    "UNSURE",
    "Answer",
    "AreaAssessment",
    "Assessment",
    "AutoimmuneStatus",
    "BoneDensity",
    "CancerHistory",
    "Choice",
    "Level",
    "PrecautionKind",
    "Problem",
    "Question",
    "QuestionKey",
    "Reason",
    "ReviewDecision",
    "RuleTable",
    "ScreeningAnswers",
    "ScreeningIncomplete",
    "Surgery",
    "ValidationReport",
    "assess",
    "effective_level",
    "first_allowed_date",
    "surgery_blocks",
    "validate",
]
