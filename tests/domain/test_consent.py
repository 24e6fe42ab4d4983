"""What a consent may cover: the areas allowed on the appointment's day, or why none is."""

from datetime import date

import pytest

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.consent import consent_scope
from frontdesk.domain.patients import reading_name
from frontdesk.domain.screening import DEFAULT_RULES, Level, ReviewDecision, ScreeningAnswers, Surgery

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
KNEE = BodyArea(Region.knee, Side.left)
THIGH = BodyArea(Region.thigh, Side.left)
BACK = BodyArea(Region.lower_back)
DAY = date(2026, 11, 27)
SCREENED = date(2026, 11, 25)
KNEE_OPERATION = ScreeningAnswers({**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 1), KNEE),),
                                  (BACK, KNEE, THIGH))


def scope(answers, area=None, on=DAY, decision=None, screened_on=SCREENED):
    return consent_scope(answers, area, on, DEFAULT_RULES, decision, screened_on, 12)


def test_only_the_areas_allowed_that_day_are_covered_the_others_say_when():
    found = scope(KNEE_OPERATION, BACK)
    assert found.allowed and found.covered == (BACK,)
    assert [(item.area, item.first_allowed) for item in found.held] == [(KNEE, date(2027, 2, 1)),
                                                                       (THIGH, date(2026, 12, 13))]
    assert found.refusal == ""


def test_the_appointments_own_area_comes_first():
    answers = ScreeningAnswers(ALL_CLEAR, (), (BACK, KNEE))
    assert scope(answers, KNEE).covered == (KNEE, BACK)


def test_when_no_area_is_allowed_the_reason_is_given_once_with_the_first_day():
    answers = ScreeningAnswers({**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 1), KNEE),), (KNEE,))
    found = scope(answers, KNEE)
    assert not found.allowed and found.first_allowed == date(2027, 2, 1)
    assert found.refusal.count("Operation on the left knee") == 1
    assert "The first day a consent can be signed is February 1, 2027." in found.refusal


@pytest.mark.parametrize(
    ("answers", "decision", "says"),
    [
        ({"cancer": "active"}, None, "Active cancer"),
        ({"osteoporosis": "severe_or_poorly_controlled"}, None, "review the screening first"),
        ({"osteoporosis": "severe_or_poorly_controlled"}, ReviewDecision.decline, "decided against IMS"),
    ],
)
def test_a_block_no_date_lifts_gives_no_first_day(answers, decision, says):
    found = scope(ScreeningAnswers({**ALL_CLEAR, **answers}, (), (BACK,)), BACK, decision=decision)
    assert not found.allowed and found.first_allowed is None
    assert says in found.refusal and "No date can be given yet" in found.refusal


def test_an_approved_review_lets_the_area_be_covered():
    answers = ScreeningAnswers({**ALL_CLEAR, "osteoporosis": "severe_or_poorly_controlled"}, (), (BACK,))
    assert scope(answers, BACK, decision=ReviewDecision.approve).covered == (BACK,)


def test_an_out_of_date_screening_covers_nothing():
    found = scope(ScreeningAnswers(ALL_CLEAR, (), (BACK,)), BACK, screened_on=date(2025, 1, 5))
    assert not found.allowed and "screen the patient again" in found.refusal
    assert found.held[0].level is Level.ELIGIBLE


@pytest.mark.parametrize(
    ("family", "given", "written"),
    [("Ødegård", "Zoë", "Zoë Ødegård"), ("蔡", "英文", "蔡英文"), ("김", "민준", "김민준"),
     ("山田", "太郎", "山田太郎"), ("Wong", "美玲", "美玲 Wong"), ("王", "Zoë", "Zoë 王"),
     ("Nguyễn", "Thị Minh Khai", "Thị Minh Khai Nguyễn"), ("Sukarno", "", "Sukarno"), ("", "Madonna", "Madonna")],
)
def test_the_legal_name_reads_as_the_person_writes_it(family, given, written):
    assert reading_name(family, given) == written
