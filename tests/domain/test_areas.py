from __future__ import annotations

import pytest

from frontdesk.domain.areas import (
    ADJACENCY,
    ALL_AREAS,
    BodyArea,
    Region,
    Side,
    adjacent_areas,
    are_adjacent,
    is_same,
)


def area(key: str) -> BodyArea:
    return BodyArea.parse(key)


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("knee:left", "Left knee"),
        ("wrist_hand:right", "Right wrist and hand"),
        ("neck", "Neck"),
        ("lower_back", "Lower back"),
        ("head_jaw", "Head and jaw"),
    ],
)
def test_an_area_reads_as_the_clinic_says_it_and_its_key_round_trips(key: str, label: str) -> None:
    parsed = area(key)
    assert parsed.label == label
    assert parsed.key == key
    assert BodyArea.parse(parsed.key) == parsed


@pytest.mark.parametrize(
    ("region", "side"),
    [
        (Region.knee, None),
        (Region.knee, Side.midline),
        (Region.neck, Side.left),
        (Region.lower_back, Side.right),
    ],
)
def test_a_side_is_required_exactly_for_paired_regions(region: Region, side: Side | None) -> None:
    with pytest.raises(ValueError):
        BodyArea(region, side)


@pytest.mark.parametrize("key", ["", "knee:up", "elbows:left", "knee", "neck:left"])
def test_parsing_refuses_unknown_areas(key: str) -> None:
    with pytest.raises(ValueError):
        BodyArea.parse(key)


def test_a_midline_area_is_the_same_with_or_without_the_midline_side() -> None:
    assert BodyArea(Region.neck) == BodyArea(Region.neck, Side.midline) == area("neck:midline")


def test_all_areas_lists_every_area_once_from_head_to_toe() -> None:
    assert len(ALL_AREAS) == len(set(ALL_AREAS))
    assert ALL_AREAS[0] == area("head_jaw")
    assert ALL_AREAS[-1] == area("ankle_foot:right")
    assert [a.sort_key for a in ALL_AREAS] == list(range(len(ALL_AREAS)))
    paired = [a for a in ALL_AREAS if a.region.is_paired]
    assert {a.side for a in paired} == {Side.left, Side.right}


@pytest.mark.parametrize(
    ("a", "b", "adjacent"),
    [
        ("knee:left", "thigh:left", True),
        ("knee:left", "lower_leg:left", True),
        ("knee:left", "thigh:right", False),
        ("knee:left", "knee:right", False),
        ("knee:left", "knee:left", False),
        ("knee:left", "hip:left", False),
        ("lower_back", "hip:left", True),
        ("lower_back", "hip:right", True),
        ("lower_back", "buttock:right", True),
        ("neck", "shoulder:left", True),
        ("neck", "shoulder:right", True),
        ("neck", "upper_back", True),
        ("neck", "lower_back", False),
        ("head_jaw", "neck", True),
        ("shoulder:right", "upper_arm:right", True),
        ("elbow:left", "upper_arm:left", True),
        ("elbow:left", "forearm:left", True),
        ("forearm:left", "wrist_hand:left", True),
        ("elbow:left", "wrist_hand:left", False),
        ("hip:right", "thigh:right", True),
        ("hip:right", "buttock:right", True),
        ("lower_leg:left", "ankle_foot:left", True),
        ("upper_back", "shoulder:left", True),
        ("chest_wall", "shoulder:right", True),
        ("ankle_foot:left", "knee:left", False),
    ],
)
def test_adjacency_follows_the_map_and_laterality(a: str, b: str, adjacent: bool) -> None:
    assert are_adjacent(area(a), area(b)) is adjacent
    assert are_adjacent(area(b), area(a)) is adjacent


def test_same_area_means_same_region_and_side() -> None:
    assert is_same(area("knee:left"), area("knee:left"))
    assert not is_same(area("knee:left"), area("knee:right"))


def test_adjacent_areas_of_a_left_knee_stay_on_the_left() -> None:
    assert adjacent_areas(area("knee:left")) == (area("thigh:left"), area("lower_leg:left"))


def test_the_map_joins_different_regions_and_every_region_has_a_neighbour() -> None:
    assert all(len(pair) == 2 for pair in ADJACENCY)
    joined = {region for pair in ADJACENCY for region in pair}
    assert joined == set(Region)
