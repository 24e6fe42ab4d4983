"""The conditions the clinic treats with IMS, each with the body areas it usually involves.

Choosing a condition pre-fills the planned areas on the intake form; the receptionist can still change
them. A condition not on the list is entered as free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontdesk.domain.areas import BodyArea, Region, Side


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    regions: tuple[Region, ...] = ()

    @property
    def needs_side(self) -> bool:
        """True when its usual areas are on the left or the right, so the user picks a side."""
        return any(region.is_paired for region in self.regions)


R = Region

CONDITIONS: tuple[Condition, ...] = (
    Condition("low_back_pain", "Low back pain", (R.lower_back,)),
    Condition("neck_pain", "Neck pain", (R.neck, R.upper_back)),
    Condition("joint_degeneration", "Joint degeneration"),
    Condition("osteoarthritis", "Osteoarthritis"),
    Condition("rotator_cuff", "Rotator cuff tear or irritation", (R.shoulder, R.upper_arm)),
    Condition("plantar_fasciitis", "Plantar fasciitis", (R.ankle_foot, R.lower_leg)),
    Condition("tennis_elbow", "Tennis elbow", (R.elbow, R.forearm)),
    Condition("golfers_elbow", "Golfer's elbow", (R.elbow, R.forearm)),
    Condition("knee_pain", "Patellofemoral or knee pain", (R.knee, R.thigh)),
    Condition("ankle_sprain", "Recovery from an ankle sprain", (R.ankle_foot, R.lower_leg)),
    Condition("trochanteric_bursitis", "Trochanteric bursitis", (R.hip, R.buttock, R.thigh)),
    Condition("whiplash", "Whiplash", (R.neck, R.upper_back)),
    Condition("headache", "Headaches and migraines", (R.head_jaw, R.neck, R.upper_back)),
    Condition("shoulder_dislocation", "Shoulder dislocation", (R.shoulder, R.upper_arm)),
    Condition("posture", "Postural problems", (R.neck, R.upper_back, R.lower_back)),
    Condition("disc", "Slipped or bulging disc", (R.lower_back,)),
    Condition("sciatica", "Sciatica", (R.lower_back, R.buttock, R.thigh, R.lower_leg)),
    Condition("tendonitis", "Tendonitis"),
    Condition("repetitive_strain", "Repetitive strain injury", (R.forearm, R.wrist_hand)),
    Condition("carpal_tunnel", "Carpal tunnel syndrome", (R.wrist_hand, R.forearm)),
    Condition("fibromyalgia", "Fibromyalgia"),
    Condition("achilles_tendonitis", "Achilles tendonitis", (R.ankle_foot, R.lower_leg)),
    Condition("it_band", "Iliotibial (IT) band syndrome", (R.thigh, R.knee, R.hip)),
    Condition("shin_splints", "Shin splints", (R.lower_leg,)),
    Condition("frozen_shoulder", "Frozen shoulder", (R.shoulder, R.upper_arm)),
    Condition("jaw_pain", "TMJ or jaw pain", (R.head_jaw, R.neck)),
    Condition("after_surgery_or_fracture", "Recovering movement after surgery or a fracture"),
)
"""In the order of the clinic's own list. Conditions without regions can affect any area."""

del R

CONDITIONS_BY_KEY: Mapping[str, Condition] = {condition.key: condition for condition in CONDITIONS}


def condition(key: str) -> Condition:
    try:
        return CONDITIONS_BY_KEY[key]
    except KeyError:
        raise ValueError(f"Unknown condition: {key!r}") from None


def areas_for(
    which: Condition | str, side: Side | None = None, *, both_sides: bool = False
) -> tuple[BodyArea, ...]:
    """The usual areas of a condition, in head-to-toe order.

    Paired regions take `side`, or both sides with `both_sides=True`; a condition with paired regions
    and neither raises ValueError so the form asks for the side.
    """
    found = condition(which) if isinstance(which, str) else which
    if both_sides:
        sides: tuple[Side, ...] = (Side.left, Side.right)
    elif side in (Side.left, Side.right):
        sides = (Side(side),)
    elif found.needs_side:
        raise ValueError(f"{found.label}: choose the left or the right side.")
    else:
        sides = ()
    areas: set[BodyArea] = set()
    for region in found.regions:
        if region.is_paired:
            areas.update(BodyArea(region, one) for one in sides)
        else:
            areas.add(BodyArea(region))
    return tuple(sorted(areas, key=lambda area: area.sort_key))


def search(text: str) -> tuple[Condition, ...]:
    """Conditions whose name contains every word typed, for find-as-you-type."""
    words = text.casefold().split()
    return tuple(c for c in CONDITIONS if all(word in c.label.casefold() for word in words))


@dataclass(frozen=True)
class PresentingCondition:
    """What brings the patient in: one of the clinic's conditions, or free text for anything else."""

    key: str | None = None
    other: str = ""

    def __post_init__(self) -> None:
        other = self.other.strip()
        object.__setattr__(self, "other", other)
        if self.key is None and not other:
            raise ValueError("Choose a condition or describe it in your own words.")
        if self.key is not None:
            condition(self.key)

    @property
    def condition(self) -> Condition | None:
        return None if self.key is None else CONDITIONS_BY_KEY[self.key]

    @property
    def label(self) -> str:
        """The condition's name, followed by the free text when both are given."""
        if self.key is None:
            return self.other
        name = CONDITIONS_BY_KEY[self.key].label
        return f"{name}: {self.other}" if self.other else name

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "other": self.other}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PresentingCondition:
        return cls(key=data.get("key"), other=data.get("other", ""))
