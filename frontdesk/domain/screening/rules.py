"""The parts of the screening rules the clinic may change without code: which precautions need a
review first, and how long after surgery the areas around the operation wait."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from frontdesk.domain.screening.questions import PRECAUTION_KEYS



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

