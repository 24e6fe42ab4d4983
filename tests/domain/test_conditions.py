"""The presenting condition and the payer: the rest of what the intake form asks."""

from __future__ import annotations

from datetime import date

import pytest

from frontdesk.domain.areas import BodyArea, Side
from frontdesk.domain.conditions import (
    CONDITIONS,
    PresentingCondition,
    areas_for,
    condition,
    search,
)
from frontdesk.domain.payer import Payer, referral_requirement, validate_referral


def keys(areas: tuple[BodyArea, ...]) -> list[str]:
    return [area.key for area in areas]


@pytest.mark.parametrize(
    ("key", "side", "expected"),
    [
        ("tennis_elbow", Side.right, ["elbow:right", "forearm:right"]),
        ("golfers_elbow", Side.left, ["elbow:left", "forearm:left"]),
        ("plantar_fasciitis", Side.left, ["lower_leg:left", "ankle_foot:left"]),
        ("sciatica", Side.right, ["lower_back", "buttock:right", "thigh:right", "lower_leg:right"]),
        ("low_back_pain", None, ["lower_back"]),
        ("headache", None, ["head_jaw", "neck", "upper_back"]),
        ("whiplash", Side.left, ["neck", "upper_back"]),
        ("fibromyalgia", None, []),
    ],
)
def test_a_condition_pre_fills_its_usual_areas_on_the_chosen_side(
    key: str, side: Side | None, expected: list[str]
) -> None:
    assert keys(areas_for(key, side)) == expected


def test_both_sides_can_be_chosen() -> None:
    assert keys(areas_for(condition("knee_pain"), both_sides=True)) == [
        "thigh:left",
        "thigh:right",
        "knee:left",
        "knee:right",
    ]


@pytest.mark.parametrize("side", [None, Side.midline])
def test_a_one_sided_condition_asks_for_the_side(side: Side | None) -> None:
    with pytest.raises(ValueError, match="left or the right"):
        areas_for("frozen_shoulder", side)


def test_the_clinics_list_is_complete_and_unique() -> None:
    assert len(CONDITIONS) == 27
    assert len({c.key for c in CONDITIONS}) == len({c.label for c in CONDITIONS}) == 27
    with pytest.raises(ValueError):
        condition("broken_heart")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("elbow", ["tennis_elbow", "golfers_elbow"]),
        ("TMJ", ["jaw_pain"]),
        ("back pain", ["low_back_pain"]),
        ("zzz", []),
    ],
)
def test_conditions_can_be_found_as_you_type(typed: str, expected: list[str]) -> None:
    assert [c.key for c in search(typed)] == expected


@pytest.mark.parametrize(
    ("presenting", "label"),
    [
        (PresentingCondition("whiplash"), "Whiplash"),
        (PresentingCondition("whiplash", " after a rear-end crash "), "Whiplash: after a rear-end crash"),
        (PresentingCondition(None, "Stiff calf after hiking"), "Stiff calf after hiking"),
    ],
)
def test_free_text_is_allowed_and_round_trips(presenting: PresentingCondition, label: str) -> None:
    assert presenting.label == label
    assert PresentingCondition.from_dict(presenting.to_dict()) == presenting


@pytest.mark.parametrize(("key", "other"), [(None, "  "), ("broken_heart", "")])
def test_a_presenting_condition_needs_a_known_condition_or_words(key: str | None, other: str) -> None:
    with pytest.raises(ValueError):
        PresentingCondition(key, other)


# --- Payer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payer", "required", "words"),
    [
        (Payer.worksafebc, True, "WorkSafeBC claim: a doctor's referral is required"),
        (Payer.icbc, True, "ICBC claim: a doctor's referral is required"),
        (Payer.private_plan, False, "some plans ask for a doctor's referral"),
        (Payer.self_pay, False, "no referral"),
    ],
)
def test_a_claim_requires_a_referral_and_the_summary_says_so(
    payer: Payer, required: bool, words: str
) -> None:
    needed, text = referral_requirement(payer)
    assert needed is required
    assert words in text


@pytest.mark.parametrize(
    ("payer", "doctor", "referred", "claim", "fields"),
    [
        (Payer.worksafebc, "", None, "", ["doctor", "referral_date", "claim_number"]),
        (Payer.icbc, "Dr. Amrit Gill", date(2026, 3, 1), " ", ["claim_number"]),
        (Payer.icbc, "Dr. Amrit Gill", date(2026, 3, 1), "KA1234567", []),
        (Payer.worksafebc, "Dr. Amrit Gill", date(2026, 3, 11), "7654321", ["referral_date"]),
        (Payer.private_plan, None, None, None, []),
        (Payer.private_plan, "Dr. Amrit Gill", date(2026, 3, 11), None, ["referral_date"]),
        (Payer.self_pay, None, None, None, []),
    ],
)
def test_referral_details_are_checked_field_by_field(
    payer: Payer, doctor: str | None, referred: date | None, claim: str | None, fields: list[str]
) -> None:
    problems = validate_referral(payer, doctor, referred, claim, today=date(2026, 3, 10))
    assert [p.field for p in problems] == fields
    assert all(p.message for p in problems)


def test_payers_have_labels() -> None:
    assert [p.label for p in Payer] == [
        "Private plan (extended health)",
        "WorkSafeBC claim",
        "ICBC claim",
        "Self-pay",
    ]
