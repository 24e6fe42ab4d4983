"""Body areas a physiotherapist may needle, with laterality and the clinic's adjacency map.

The surgery rule needs two questions answered: is a planned area the operated area itself, and is it
connected with it. Both are answered here, in one place, so the intake form, the booking dialog and the
printed summary agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import chain


class Side(StrEnum):
    left = "left"
    right = "right"
    midline = "midline"

    @property
    def label(self) -> str:
        return _SIDE_LABELS[self]


_SIDE_LABELS = {Side.left: "Left", Side.right: "Right", Side.midline: "Midline"}


class Region(StrEnum):
    """Regions from head to toe; the declaration order is the display order."""

    head_jaw = "head_jaw"
    neck = "neck"
    shoulder = "shoulder"
    upper_back = "upper_back"
    chest_wall = "chest_wall"
    upper_arm = "upper_arm"
    elbow = "elbow"
    forearm = "forearm"
    wrist_hand = "wrist_hand"
    abdomen = "abdomen"
    lower_back = "lower_back"
    hip = "hip"
    buttock = "buttock"
    thigh = "thigh"
    knee = "knee"
    lower_leg = "lower_leg"
    ankle_foot = "ankle_foot"

    @property
    def label(self) -> str:
        return _REGION_LABELS[self]

    @property
    def is_paired(self) -> bool:
        """A paired region exists on the left and on the right; the others sit on the midline."""
        return self not in MIDLINE_REGIONS


_REGION_LABELS = {
    Region.head_jaw: "Head and jaw",
    Region.neck: "Neck",
    Region.shoulder: "Shoulder",
    Region.upper_back: "Upper back",
    Region.chest_wall: "Chest wall",
    Region.upper_arm: "Upper arm",
    Region.elbow: "Elbow",
    Region.forearm: "Forearm",
    Region.wrist_hand: "Wrist and hand",
    Region.abdomen: "Abdomen",
    Region.lower_back: "Lower back",
    Region.hip: "Hip",
    Region.buttock: "Buttock",
    Region.thigh: "Thigh",
    Region.knee: "Knee",
    Region.lower_leg: "Lower leg",
    Region.ankle_foot: "Ankle and foot",
}

MIDLINE_REGIONS: frozenset[Region] = frozenset(
    {Region.head_jaw, Region.neck, Region.upper_back, Region.chest_wall, Region.abdomen, Region.lower_back}
)


@dataclass(frozen=True, slots=True)
class BodyArea:
    """A region with its side. Midline regions always carry `Side.midline` (None is accepted for it)."""

    region: Region
    side: Side | None = None

    def __post_init__(self) -> None:
        region = Region(self.region)
        side = None if self.side is None else Side(self.side)
        if region.is_paired:
            if side not in (Side.left, Side.right):
                raise ValueError(f"{region.label} needs a side: left or right.")
        else:
            if side not in (None, Side.midline):
                raise ValueError(f"{region.label} is on the midline and has no left or right.")
            side = Side.midline
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "side", side)

    @property
    def label(self) -> str:
        if self.region.is_paired and self.side is not None:
            return f"{self.side.label} {self.region.label.lower()}"
        return self.region.label

    @property
    def key(self) -> str:
        """Stable text form for storage: "knee:left", "neck"."""
        if self.region.is_paired and self.side is not None:
            return f"{self.region.value}:{self.side.value}"
        return self.region.value

    @classmethod
    def parse(cls, key: str) -> BodyArea:
        region_text, _, side_text = key.strip().partition(":")
        try:
            region = Region(region_text)
            side = Side(side_text) if side_text else None
        except ValueError:
            raise ValueError(f"Unknown body area: {key!r}") from None
        return cls(region, side)

    @property
    def sort_key(self) -> int:
        """Position in `ALL_AREAS`, for head-to-toe display order."""
        return _ORDER[self]

    def __str__(self) -> str:
        return self.label


def area_label(key: str) -> str:
    """How a stored area key reads ("Left knee"); "" for none, and the key itself when it is not one
    this version knows."""
    try:
        return BodyArea.parse(key).label if key else ""
    except ValueError:
        return key


def areas_of(region: Region) -> tuple[BodyArea, ...]:
    """The selectable areas of one region: left and right, or the single midline area."""
    if region.is_paired:
        return (BodyArea(region, Side.left), BodyArea(region, Side.right))
    return (BodyArea(region),)


ALL_AREAS: tuple[BodyArea, ...] = tuple(chain.from_iterable(areas_of(region) for region in Region))
_ORDER = {area: index for index, area in enumerate(ALL_AREAS)}


def _pairs(*pairs: tuple[Region, Region]) -> frozenset[frozenset[Region]]:
    return frozenset(frozenset(pair) for pair in pairs)


R = Region

ADJACENCY: frozenset[frozenset[Region]] = _pairs(
    # Head and trunk: muscles that cross from one region into the next.
    (R.head_jaw, R.neck),  # jaw and suboccipital muscles run into the neck
    (R.neck, R.shoulder),  # upper trapezius, levator scapulae
    (R.neck, R.upper_back),  # cervical and thoracic spine meet
    (R.upper_back, R.shoulder),  # shoulder-blade muscles
    (R.upper_back, R.chest_wall),  # the same ribs, front and back
    (R.upper_back, R.lower_back),  # the back muscles run the length of the spine
    (R.chest_wall, R.shoulder),  # pectoral muscles attach at the shoulder
    (R.chest_wall, R.abdomen),  # lower ribs and abdominal wall
    (R.abdomen, R.lower_back),  # the trunk wall wraps around
    (R.abdomen, R.hip),  # groin and hip flexors
    (R.lower_back, R.hip),  # hip flexors and lumbar spine
    (R.lower_back, R.buttock),  # sacrum and gluteal muscles
    # Arm, shoulder to hand.
    (R.shoulder, R.upper_arm),
    (R.upper_arm, R.elbow),
    (R.elbow, R.forearm),
    (R.forearm, R.wrist_hand),
    # Leg, hip to foot.
    (R.hip, R.buttock),
    (R.hip, R.thigh),
    (R.buttock, R.thigh),  # hamstrings start at the sitting bone
    (R.thigh, R.knee),
    (R.knee, R.lower_leg),
    (R.lower_leg, R.ankle_foot),
)
"""Which regions are connected with each other, for the "adjacent to the surgical area" rule.

Pairs are symmetric. Laterality is applied on top by `are_adjacent`: two paired regions are adjacent
only on the same side (a left knee is next to the left thigh, not the right thigh); a midline region is
adjacent to its paired neighbours on both sides (the neck is next to both shoulders)."""

del R


def neighbours(region: Region) -> frozenset[Region]:
    return frozenset(other for pair in ADJACENCY if region in pair for other in pair if other != region)


def is_same(a: BodyArea, b: BodyArea) -> bool:
    return a == b


def are_adjacent(a: BodyArea, b: BodyArea) -> bool:
    """True when `b` is connected with `a` but is not `a` itself."""
    if frozenset((a.region, b.region)) not in ADJACENCY:
        return False
    if a.region.is_paired and b.region.is_paired:
        return a.side == b.side
    return True


def adjacent_areas(area: BodyArea) -> tuple[BodyArea, ...]:
    """Every area adjacent to `area`, in display order."""
    return tuple(other for other in ALL_AREAS if are_adjacent(area, other))
