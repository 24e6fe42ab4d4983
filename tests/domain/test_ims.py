from datetime import date

import pytest

from frontdesk.domain.appointments import ImsFlag
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.ims import ims_status, saved_ims_status
from frontdesk.domain.screening import DEFAULT_RULES, Level, ReviewDecision, ScreeningAnswers, Surgery, assess

LEFT_KNEE = BodyArea(Region.knee, Side.left)
LEFT_THIGH = BodyArea(Region.thigh, Side.left)
NECK = BodyArea(Region.neck)
SCREENED = date(2026, 11, 25)

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
KNEE_SURGERY = ScreeningAnswers({**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 1), LEFT_KNEE),),
                                (NECK, LEFT_KNEE))
TO_REVIEW = ScreeningAnswers({**ALL_CLEAR, "osteoporosis": "severe_or_poorly_controlled"}, (), (NECK,))
CLEAR = ScreeningAnswers(ALL_CLEAR, (), (NECK,))


def status(answers, area, on, decision=None, months=12):
    return ims_status(answers, area, on, DEFAULT_RULES, decision, SCREENED, months)


@pytest.mark.parametrize(
    ("answers", "area", "on", "decision", "level", "allowed", "first_allowed"),
    [
        (CLEAR, NECK, date(2026, 11, 26), None, Level.ELIGIBLE, True, date(2026, 11, 26)),
        # The surgery wait lifts by itself on the day three months after the operation.
        (KNEE_SURGERY, LEFT_KNEE, date(2027, 1, 31), None, Level.NOT_YET, False, date(2027, 2, 1)),
        (KNEE_SURGERY, LEFT_KNEE, date(2027, 2, 1), None, Level.ELIGIBLE, True, date(2027, 2, 1)),
        (KNEE_SURGERY, LEFT_THIGH, date(2026, 12, 12), None, Level.NOT_YET, False, date(2026, 12, 13)),
        (KNEE_SURGERY, NECK, date(2026, 11, 26), None, Level.ELIGIBLE, True, date(2026, 11, 26)),
        (KNEE_SURGERY, None, date(2026, 11, 26), None, Level.NOT_YET, False, date(2027, 2, 1)),
        # A review gates IMS until a physiotherapist approves; declining stops it whatever the answers.
        (TO_REVIEW, NECK, date(2026, 11, 26), None, Level.REVIEW, False, None),
        (TO_REVIEW, NECK, date(2026, 11, 26), ReviewDecision.approve_altered, Level.ELIGIBLE, True,
         date(2026, 11, 26)),
        (CLEAR, NECK, date(2026, 11, 26), ReviewDecision.decline, Level.NOT_ELIGIBLE, False, None),
    ],
)
def test_a_screening_is_judged_again_for_the_day(answers, area, on, decision, level, allowed, first_allowed):
    judged = status(answers, area, on, decision)
    assert (judged.level, judged.allowed, judged.first_allowed) == (level, allowed, first_allowed)
    assert not judged.stale


@pytest.mark.parametrize(
    ("on", "months", "stale"),
    [
        (date(2027, 11, 25), 12, False),  # the anniversary is the last day it counts
        (date(2027, 11, 26), 12, True),
        (date(2027, 5, 26), 6, True),
    ],
)
def test_an_old_screening_is_stale_whatever_it_said(on, months, stale):
    judged = status(CLEAR, NECK, on, months=months)
    assert judged.stale is stale
    assert judged.allowed is not stale
    assert judged.level is Level.ELIGIBLE


def test_no_date_is_offered_beyond_the_screenings_last_day():
    # The wait ends on February 1, 2027, but a two-month screening counts only until January 25.
    judged = status(KNEE_SURGERY, LEFT_KNEE, date(2026, 12, 1), months=2)
    assert judged.level is Level.NOT_YET and judged.first_allowed is None


def test_the_saved_assessment_stands_for_answers_that_can_no_longer_be_assessed():
    saved = assess(KNEE_SURGERY, SCREENED, DEFAULT_RULES)
    judged = saved_ims_status(saved, LEFT_KNEE, date(2027, 3, 1), ReviewDecision.decline, SCREENED, 12)
    assert (judged.level, judged.allowed, judged.first_allowed) == (Level.NOT_ELIGIBLE, False, None)
    assert saved_ims_status(saved, NECK, date(2026, 11, 26), None, SCREENED, 12).allowed


@pytest.mark.parametrize(
    ("level", "stale", "flag"),
    [
        (None, False, ImsFlag.NO_SCREENING),
        (Level.NOT_ELIGIBLE, True, ImsFlag.STALE_SCREENING),
        (Level.ELIGIBLE, True, ImsFlag.STALE_SCREENING),
        (Level.ELIGIBLE, False, ImsFlag.ELIGIBLE),
        (Level.REVIEW, False, ImsFlag.REVIEW_PENDING),
        (Level.NOT_YET, False, ImsFlag.NOT_YET),
        (Level.NOT_ELIGIBLE, False, ImsFlag.NOT_ELIGIBLE),
    ],
)
def test_the_flag_on_an_ims_appointment(level, stale, flag):
    assert ImsFlag.for_screening(level, stale) is flag
