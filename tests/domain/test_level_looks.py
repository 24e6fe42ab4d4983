"""One look per level, and the verdict's headline in words, read by the screen and the printouts alike."""

from datetime import date

import pytest

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.level_looks import (
    LOOKS,
    UNFINISHED,
    area_result,
    headline,
    headline_text,
    overall_look,
)
from frontdesk.domain.screening import Level, ReviewDecision, ScreeningAnswers, Surgery, assess

TODAY = date(2026, 11, 25)
THIGH, KNEE = BodyArea(Region.thigh, Side.left), BodyArea(Region.knee, Side.left)
CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "yes", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
KNEE_OPERATED = (Surgery(date(2026, 10, 14), KNEE),)  # six weeks ago: the thigh beside it is free today


def test_each_level_has_its_own_sign_and_colours_and_none_is_the_unfinished_look():
    looks = [*LOOKS.values(), UNFINISHED]
    assert len({look.sign for look in looks}) == len({look.ink for look in looks}) == len(looks)
    assert [LOOKS[level].word for level in Level] == [level.label for level in Level]
    assert "…" not in "".join(look.sign for look in looks)


@pytest.mark.parametrize(
    ("answers", "areas", "missing", "expected"),
    [
        (CLEAR, (THIGH, KNEE), 0, "✓ Left thigh: IMS now · ◷ Left knee: from January 14, 2027"),
        ({**CLEAR, "osteoporosis": "severe_or_poorly_controlled"}, (THIGH,), 0,
         "! Left thigh: physiotherapist review first"),
        ({**CLEAR, "cancer": "active"}, (THIGH,), 0, "✕ Left thigh: not eligible now"),
        ({**CLEAR, "pregnant": "yes"}, (THIGH,), 0, "◷ Left thigh: not yet"),
        # Unfinished: neutral, the number of questions first; only areas already held up follow.
        ({"cancer": "never", "needle_fear": "no", "had_surgery": "yes"}, (THIGH, KNEE), 13,
         "○ 13 questions to answer · ◷ Left knee: from January 14, 2027"),
        ({"cancer": "never"}, (THIGH,), 15, "○ 15 questions to answer"),
        (CLEAR, (), 0, "○ No area to treat chosen yet"),
        ({**CLEAR, "cancer": "active"}, (), 0, "○ No area to treat chosen yet · ✕ Not eligible now"),
    ],
)
def test_the_headline_speaks_per_area_and_is_never_green_while_unfinished(answers, areas, missing, expected):
    assessment = assess(ScreeningAnswers(answers, KNEE_OPERATED, areas), TODAY, require_complete=False)
    assert headline_text(headline(assessment, missing=missing)) == expected
    look = overall_look(assessment, missing=missing)
    assert look is not LOOKS[Level.ELIGIBLE] or (areas and not missing)


def test_an_approval_makes_a_review_area_read_as_ims_now_and_a_decline_as_not_eligible():
    answers = {**CLEAR, "had_surgery": "no", "osteoporosis": "severe_or_poorly_controlled"}
    assessment = assess(ScreeningAnswers(answers, (), (THIGH,)), TODAY)
    assert headline_text(headline(assessment, ReviewDecision.approve)) == "✓ Left thigh: IMS now"
    assert headline_text(headline(assessment, ReviewDecision.decline)) == "✕ Left thigh: not eligible now"


@pytest.mark.parametrize(
    ("level", "not_before", "finished", "expected"),
    [
        (Level.ELIGIBLE, None, True, "✓ Eligible: IMS now"),
        (Level.ELIGIBLE, None, False, "○ Not finished"),
        (Level.NOT_YET, date(2027, 1, 14), False, "◷ Not yet: from January 14, 2027"),
        (Level.NOT_YET, None, True, "◷ Not yet"),
        (Level.REVIEW, None, True, "! Physiotherapist review first"),
        (Level.NOT_ELIGIBLE, None, True, "✕ Not eligible now"),
    ],
)
def test_an_area_in_a_table_reads_the_same_on_screen_and_on_paper(level, not_before, finished, expected):
    look, words = area_result(level, not_before, finished=finished)
    assert look.text(words) == expected
