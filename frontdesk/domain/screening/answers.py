"""What a patient answered (with their operations and the areas to treat), and the check that every
question has a usable answer before the screening is assessed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from frontdesk.domain.areas import BodyArea
from frontdesk.domain.screening.questions import QUESTIONS, QUESTIONS_BY_KEY, Answer, QuestionKey

_Q = QuestionKey


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

