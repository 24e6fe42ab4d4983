from __future__ import annotations

import json
from datetime import date

import pytest

from frontdesk.domain.areas import BodyArea
from frontdesk.domain.screening import (
    DEFAULT_RULES,
    PRECAUTION_KEYS,
    QUESTIONS,
    Answer,
    Assessment,
    Level,
    PrecautionKind,
    Reason,
    ReviewDecision,
    RuleTable,
    ScreeningAnswers,
    ScreeningIncomplete,
    Surgery,
    assess,
    effective_level,
    first_allowed_date,
    surgery_blocks,
    validate,
)
from frontdesk.resources import resource_path

TODAY = date(2026, 3, 10)

GOOD_ANSWERS = {
    "cancer": "never",
    "needle_fear": "no",
    "understands_treatment": "yes",
    "pregnant": "no",
    "autoimmune": "none",
    "osteoporosis": "none",
    "had_surgery": "no",
    **{key.value: "no" for key in PRECAUTION_KEYS},
}


def area(key: str) -> BodyArea:
    return BodyArea.parse(key)


def screening(
    planned: tuple[str, ...] = ("neck",), surgeries: tuple[tuple[str, str], ...] = (), **answers: str
) -> ScreeningAnswers:
    given = dict(GOOD_ANSWERS)
    if surgeries:
        given["had_surgery"] = "yes"
    given.update(answers)
    return ScreeningAnswers(
        given,
        tuple(Surgery(date.fromisoformat(when), area(where)) for when, where in surgeries),
        tuple(area(key) for key in planned),
    )


def test_every_question_has_text_choices_and_an_unsure_choice() -> None:
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS) == len(GOOD_ANSWERS)
    for question in QUESTIONS:
        assert question.text.endswith("?")
        assert "unsure" in question.choice_values
        assert all(choice.label for choice in question.choices)


def test_all_good_answers_are_eligible_with_no_reasons() -> None:
    result = assess(screening(("neck", "knee:left")), TODAY)
    assert result.level is Level.ELIGIBLE
    assert result.reasons == ()
    assert [(v.area.key, v.level) for v in result.areas] == [
        ("neck", Level.ELIGIBLE),
        ("knee:left", Level.ELIGIBLE),
    ]
    assert result.not_before is None


# --- The clinic's list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "value", "level", "words"),
    [
        ("cancer", "active", Level.NOT_ELIGIBLE, "no longer active"),
        ("cancer", "survivor", Level.ELIGIBLE, "survivor"),
        ("needle_fear", "yes", Level.NOT_ELIGIBLE, "fear of needles"),
        ("understands_treatment", "no", Level.NOT_ELIGIBLE, "understand"),
        ("pregnant", "yes", Level.NOT_YET, "after the pregnancy"),
        ("autoimmune", "uncontrolled", Level.NOT_ELIGIBLE, "well controlled"),
        ("autoimmune", "controlled", Level.ELIGIBLE, "does not prevent IMS"),
        ("osteoporosis", "mild", Level.ELIGIBLE, "does not prevent IMS"),
        ("osteoporosis", "moderate", Level.ELIGIBLE, "does not prevent IMS"),
        ("osteoporosis", "severe_or_poorly_controlled", Level.REVIEW, "change the technique"),
    ],
)
def test_the_clinics_list_gives_its_level_and_a_plain_reason(
    question: str, value: str, level: Level, words: str
) -> None:
    result = assess(screening(**{question: value}), TODAY)
    assert result.level is level
    (reason,) = result.reasons
    assert (reason.question_key, reason.level, reason.areas, reason.until) == (question, level, (), None)
    assert words in reason.text
    assert result.areas[0].level is level


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("cancer", "never"),
        ("needle_fear", "no"),
        ("understands_treatment", "yes"),
        ("pregnant", "no"),
        ("autoimmune", "none"),
        ("osteoporosis", "none"),
    ],
)
def test_the_good_answer_to_each_question_gives_no_reason(question: str, value: str) -> None:
    assert assess(screening(**{question: value}), TODAY).reasons == ()


def test_pregnancy_has_no_end_date_because_an_event_ends_it() -> None:
    result = assess(screening(pregnant="yes"), TODAY)
    assert result.level is Level.NOT_YET
    assert result.not_before is None
    assert result.areas[0].not_before is None
    assert first_allowed_date(screening(pregnant="yes"), area("neck"), TODAY) is None


@pytest.mark.parametrize("question", [q.key.value for q in QUESTIONS])
def test_unsure_on_any_question_means_speak_with_a_physiotherapist_first(question: str) -> None:
    result = assess(screening(**{question: "unsure"}), TODAY)
    assert result.level is Level.REVIEW
    (reason,) = result.reasons
    assert reason.question_key == question
    assert reason.level is Level.REVIEW
    assert "speak with a physiotherapist first" in reason.text


# --- Extra precautions ---------------------------------------------------------------------------


@pytest.mark.parametrize("precaution", [key.value for key in PRECAUTION_KEYS])
def test_a_precaution_informs_by_default_and_is_still_listed(precaution: str) -> None:
    result = assess(screening(**{precaution: "yes"}), TODAY)
    assert result.level is Level.ELIGIBLE
    (reason,) = result.reasons
    assert reason.question_key == precaution
    assert reason.informs_only
    assert "information" in reason.text


@pytest.mark.parametrize("precaution", [key.value for key in PRECAUTION_KEYS])
def test_the_clinic_can_move_a_precaution_to_review_without_code(precaution: str) -> None:
    data = DEFAULT_RULES.to_mapping()
    data["precautions"][precaution] = "review"
    rules = RuleTable.from_mapping(data)
    result = assess(screening(**{precaution: "yes"}), TODAY, rules)
    assert result.level is Level.REVIEW
    assert result.reasons[0].level is Level.REVIEW
    assert "reviews this before IMS" in result.reasons[0].text
    others = [key for key in PRECAUTION_KEYS if key != precaution]
    assert all(rules.kind_of(key) is PrecautionKind.inform for key in others)


def test_a_precaution_missing_from_the_table_only_informs() -> None:
    rules = RuleTable.from_mapping({"version": "x", "precautions": {}})
    assert rules.kind_of("diabetes") is PrecautionKind.inform
    assert (rules.direct_wait_months, rules.adjacent_wait_days) == (3, 42)


@pytest.mark.parametrize(
    "data",
    [
        {"version": "x", "precautions": {"sunburn": "review"}},
        {"version": "x", "precautions": {"diabetes": "forbid"}},
        {"version": "x", "surgery": {"direct_wait_months": -1}},
        {"version": "x", "surgery": {"adjacent_wait_days": "six weeks"}},
    ],
)
def test_a_broken_rule_table_is_refused(data: dict) -> None:
    with pytest.raises(ValueError):
        RuleTable.from_mapping(data)


def test_the_rules_file_and_the_built_in_defaults_agree() -> None:
    data = json.loads(resource_path("screening_rules.json").read_text(encoding="utf-8"))
    assert RuleTable.from_mapping(data) == DEFAULT_RULES
    assert set(data["precautions"]) == {key.value for key in PRECAUTION_KEYS}
    assert {k: data[k] for k in ("version", "surgery", "precautions")} == DEFAULT_RULES.to_mapping()


def test_the_waits_come_from_the_rule_table() -> None:
    rules = RuleTable.from_mapping(
        {"version": "x", "surgery": {"direct_wait_months": 6, "adjacent_wait_days": 10}}
    )
    answers = screening(("knee:left", "thigh:left"), (("2026-03-01", "knee:left"),))
    result = assess(answers, date(2026, 3, 5), rules)
    assert [(v.area.key, v.not_before) for v in result.areas] == [
        ("knee:left", date(2026, 9, 1)),
        ("thigh:left", date(2026, 3, 11)),
    ]
    assert "6 months" in result.reasons[0].text and "10 days" in result.reasons[1].text
    assert result.rules_version == "x"


# --- Surgery -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surgery_on", "planned", "on", "level", "not_before"),
    [
        # Directly at the operated area: three calendar months, allowed on that day.
        ("2026-03-01", "knee:left", "2026-05-31", Level.NOT_YET, "2026-06-01"),
        ("2026-03-01", "knee:left", "2026-06-01", Level.ELIGIBLE, None),
        # Month-end clamping.
        ("2026-11-30", "knee:left", "2027-02-27", Level.NOT_YET, "2027-02-28"),
        ("2026-11-30", "knee:left", "2027-02-28", Level.ELIGIBLE, None),
        ("2027-11-30", "knee:left", "2028-02-28", Level.NOT_YET, "2028-02-29"),
        ("2027-11-30", "knee:left", "2028-02-29", Level.ELIGIBLE, None),
        ("2026-03-31", "knee:left", "2026-06-29", Level.NOT_YET, "2026-06-30"),
        ("2026-03-31", "knee:left", "2026-06-30", Level.ELIGIBLE, None),
        # Adjacent: 42 days.
        ("2026-03-01", "thigh:left", "2026-04-11", Level.NOT_YET, "2026-04-12"),
        ("2026-03-01", "thigh:left", "2026-04-12", Level.ELIGIBLE, None),
        ("2026-03-01", "lower_leg:left", "2026-04-11", Level.NOT_YET, "2026-04-12"),
        # Laterality and distance: not affected at all.
        ("2026-03-01", "knee:right", "2026-03-02", Level.ELIGIBLE, None),
        ("2026-03-01", "thigh:right", "2026-03-02", Level.ELIGIBLE, None),
        ("2026-03-01", "neck", "2026-03-02", Level.ELIGIBLE, None),
        ("2026-03-01", "hip:left", "2026-03-02", Level.ELIGIBLE, None),
    ],
)
def test_surgery_blocks_the_operated_and_adjacent_areas_until_the_wait_is_over(
    surgery_on: str, planned: str, on: str, level: Level, not_before: str | None
) -> None:
    answers = screening((planned,), ((surgery_on, "knee:left"),))
    result = assess(answers, date.fromisoformat(on))
    expected = None if not_before is None else date.fromisoformat(not_before)
    assert (result.level, result.not_before) == (level, expected)
    assert (result.areas[0].level, result.areas[0].not_before) == (level, expected)
    allowed = first_allowed_date(answers, area(planned), date.fromisoformat(on))
    assert allowed == (expected or date.fromisoformat(on))


def test_a_midline_operation_blocks_neighbours_on_both_sides() -> None:
    answers = screening(
        ("lower_back", "hip:left", "hip:right", "buttock:right", "knee:left"), (("2026-03-01", "lower_back"),)
    )
    result = assess(answers, date(2026, 3, 20))
    assert [(v.area.key, v.level, v.not_before) for v in result.areas] == [
        ("lower_back", Level.NOT_YET, date(2026, 6, 1)),
        ("hip:left", Level.NOT_YET, date(2026, 4, 12)),
        ("hip:right", Level.NOT_YET, date(2026, 4, 12)),
        ("buttock:right", Level.NOT_YET, date(2026, 4, 12)),
        ("knee:left", Level.ELIGIBLE, None),
    ]


def test_a_recent_knee_operation_leaves_the_neck_eligible() -> None:
    result = assess(screening(("knee:left", "neck"), (("2026-02-10", "knee:left"),)), TODAY)
    knee, neck = result.areas
    assert (knee.level, knee.not_before) == (Level.NOT_YET, date(2026, 5, 10))
    assert "left knee" in knee.reasons[0].text and "May 10, 2026" in knee.reasons[0].text
    assert (neck.level, neck.reasons) == (Level.ELIGIBLE, ())
    assert result.level is Level.NOT_YET
    assert result.not_before == date(2026, 5, 10)


def test_each_operation_counts_and_the_latest_end_wins() -> None:
    answers = screening(
        ("knee:left", "thigh:left", "shoulder:right"),
        (
            ("2026-01-20", "knee:left"),  # direct: until 2026-04-20
            ("2026-03-01", "thigh:left"),  # knee is adjacent: until 2026-04-12; thigh direct until 06-01
            ("2026-03-05", "upper_arm:right"),  # shoulder adjacent: until 2026-04-16
        ),
    )
    result = assess(answers, TODAY)
    assert [(v.area.key, v.not_before) for v in result.areas] == [
        ("knee:left", date(2026, 4, 20)),
        ("thigh:left", date(2026, 6, 1)),
        ("shoulder:right", date(2026, 4, 16)),
    ]
    knee = result.areas[0]
    assert len(knee.reasons) == 2
    assert result.not_before == date(2026, 6, 1)
    assert first_allowed_date(answers, area("knee:left"), TODAY) == date(2026, 4, 20)


def test_assessing_on_a_later_date_lifts_the_blocks_that_have_ended() -> None:
    answers = screening(("knee:left", "thigh:left"), (("2026-03-01", "knee:left"),))
    on_screening = assess(answers, date(2026, 3, 2))
    assert [v.level for v in on_screening.areas] == [Level.NOT_YET, Level.NOT_YET]
    on_appointment = assess(answers, date(2026, 4, 20))
    assert [v.level for v in on_appointment.areas] == [Level.NOT_YET, Level.ELIGIBLE]
    assert on_appointment.not_before == date(2026, 6, 1)
    assert assess(answers, date(2026, 6, 1)).level is Level.ELIGIBLE


def test_first_allowed_date_works_for_an_area_not_planned_yet() -> None:
    answers = screening(("neck",), (("2026-03-01", "knee:left"),))
    assert first_allowed_date(answers, area("knee:left"), TODAY) == date(2026, 6, 1)
    assert first_allowed_date(answers, area("neck"), TODAY) == TODAY
    assert first_allowed_date(screening(cancer="active"), area("neck"), TODAY) is None
    assert first_allowed_date(screening(osteoporosis="unsure"), area("neck"), TODAY) == TODAY


def test_surgery_blocks_lists_the_operated_area_and_its_neighbours() -> None:
    blocks = surgery_blocks(Surgery(date(2026, 11, 30), area("elbow:right")))
    assert blocks == {
        area("upper_arm:right"): date(2027, 1, 11),
        area("elbow:right"): date(2027, 2, 28),
        area("forearm:right"): date(2027, 1, 11),
    }


# --- Several findings at once --------------------------------------------------------------------


def test_the_worst_finding_sets_the_level_and_every_finding_is_kept() -> None:
    answers = screening(
        ("knee:left", "neck"),
        (("2026-03-01", "knee:left"),),
        cancer="active",
        pregnant="yes",
        osteoporosis="unsure",
        diabetes="yes",
    )
    result = assess(answers, TODAY)
    assert result.level is Level.NOT_ELIGIBLE
    assert result.not_before is None
    assert [(r.question_key, r.level) for r in result.reasons] == [
        ("cancer", Level.NOT_ELIGIBLE),
        ("pregnant", Level.NOT_YET),
        ("had_surgery", Level.NOT_YET),
        ("osteoporosis", Level.REVIEW),
        ("diabetes", Level.ELIGIBLE),
    ]
    knee, neck = result.areas
    assert len(knee.reasons) == 5 and len(neck.reasons) == 4
    assert knee.level is neck.level is Level.NOT_ELIGIBLE


def test_pregnancy_and_surgery_together_have_no_date_because_an_event_ends_one() -> None:
    result = assess(screening(("knee:left",), (("2026-03-01", "knee:left"),), pregnant="yes"), TODAY)
    assert result.level is Level.NOT_YET
    assert result.not_before is None
    assert result.areas[0].not_before is None


def test_review_and_a_surgery_block_keep_the_date() -> None:
    result = assess(screening(("knee:left",), (("2026-03-01", "knee:left"),), needle_fear="unsure"), TODAY)
    assert result.level is Level.NOT_YET
    assert result.not_before == date(2026, 6, 1)


# --- Validation ----------------------------------------------------------------------------------


def test_validation_lists_every_missing_question_at_once() -> None:
    report = validate(ScreeningAnswers({}, (), (area("neck"),)), TODAY)
    assert not report.ok
    assert report.missing == tuple(q.key.value for q in QUESTIONS)


def test_nothing_is_pre_answered_an_empty_answer_is_missing() -> None:
    answers = screening(pregnant="")
    assert validate(answers, TODAY).missing == ("pregnant",)
    with pytest.raises(ScreeningIncomplete) as raised:
        assess(answers, TODAY)
    assert raised.value.report.missing == ("pregnant",)


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        (screening(cancer="maybe"), {"cancer"}),
        (screening(smoker="no"), {"smoker"}),
        (screening(had_surgery="yes"), {"surgeries"}),
        (screening(surgeries=(("2026-03-01", "knee:left"),), had_surgery="no"), {"had_surgery"}),
        (screening(surgeries=(("2026-03-11", "knee:left"),)), {"surgeries"}),
        (screening(planned=()), {"planned_areas"}),
        (screening(planned=("neck", "neck")), {"planned_areas"}),
        (screening(planned=(), cancer="maybe", pregnant=""), {"planned_areas", "cancer", "pregnant"}),
    ],
)
def test_validation_reports_each_problem_next_to_its_field(
    answers: ScreeningAnswers, fields: set[str]
) -> None:
    report = validate(answers, TODAY)
    assert report.fields == fields
    assert all(problem.message for problem in report.problems)


def test_a_future_operation_points_at_its_row() -> None:
    answers = screening(surgeries=(("2026-03-01", "knee:left"), ("2026-04-01", "hip:left")))
    (problem,) = validate(answers, TODAY).problems
    assert (problem.field, problem.index) == ("surgeries", 1)


def test_operations_count_when_unsure_about_more() -> None:
    answers = screening(("knee:left",), (("2026-03-01", "knee:left"),), had_surgery="unsure")
    assert validate(answers, TODAY).ok
    assert {r.level for r in assess(answers, TODAY).reasons} == {Level.REVIEW, Level.NOT_YET}


def test_a_partial_screening_can_be_assessed_for_the_live_panel() -> None:
    answers = ScreeningAnswers({"cancer": "active"}, (), (area("neck"),))
    with pytest.raises(ScreeningIncomplete):
        assess(answers, TODAY)
    result = assess(answers, TODAY, require_complete=False)
    assert result.level is Level.NOT_ELIGIBLE
    with pytest.raises(ScreeningIncomplete):
        assess(ScreeningAnswers({"cancer": "maybe"}), TODAY, require_complete=False)


# --- Serialisation and review decisions ----------------------------------------------------------


def test_answers_compare_equal_whatever_order_and_round_trip() -> None:
    answers = screening(("knee:left", "neck"), (("2026-03-01", "knee:left"),), pregnant="yes")
    shuffled = ScreeningAnswers(dict(reversed(answers.answers)), answers.surgeries, answers.planned_areas)
    assert shuffled == answers and hash(shuffled) == hash(answers)
    stored = json.loads(json.dumps(answers.to_dict()))
    assert ScreeningAnswers.from_dict(stored) == answers
    assert answers.get("pregnant") == Answer.yes


@pytest.mark.parametrize(
    "answers",
    [
        screening(),
        screening(("knee:left", "thigh:left", "neck"), (("2026-03-01", "knee:left"),), diabetes="yes"),
        screening(("lower_back",), (("2026-03-01", "lower_back"),), cancer="active", autoimmune="unsure"),
    ],
)
def test_an_assessment_survives_storage_unchanged(answers: ScreeningAnswers) -> None:
    result = assess(answers, TODAY)
    stored = json.loads(json.dumps(result.to_dict()))
    assert Assessment.from_dict(stored) == result


def test_a_reason_round_trips_on_its_own() -> None:
    reason = Reason("had_surgery", Level.NOT_YET, "text", (area("knee:left"),), date(2026, 6, 1))
    assert Reason.from_dict(json.loads(json.dumps(reason.to_dict()))) == reason


FRAIL_BONES = screening(osteoporosis="severe_or_poorly_controlled")


@pytest.mark.parametrize(
    ("answers", "decision", "level"),
    [
        (FRAIL_BONES, ReviewDecision.approve, Level.ELIGIBLE),
        (FRAIL_BONES, ReviewDecision.approve_altered, Level.ELIGIBLE),
        (FRAIL_BONES, ReviewDecision.decline, Level.NOT_ELIGIBLE),
        (FRAIL_BONES, None, Level.REVIEW),
        (screening(), ReviewDecision.decline, Level.NOT_ELIGIBLE),
        (screening(pregnant="yes"), ReviewDecision.approve, Level.NOT_YET),
        (screening(cancer="active"), ReviewDecision.approve, Level.NOT_ELIGIBLE),
    ],
)
def test_a_review_clears_review_findings_only(
    answers: ScreeningAnswers, decision: ReviewDecision | None, level: Level
) -> None:
    result = assess(answers, TODAY)
    assert effective_level(result, decision) is level
    assert effective_level(result.areas[0], decision) is level


def test_levels_and_decisions_have_labels() -> None:
    assert [level.label for level in Level] == [
        "Eligible",
        "Physiotherapist review first",
        "Not yet",
        "Not eligible now",
    ]
    assert all(decision.label for decision in ReviewDecision)

