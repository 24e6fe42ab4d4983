from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from frontdesk.db.models import AuditEvent, Screening, ScreeningReview
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import (
    QUESTIONS,
    Level,
    ReviewDecision,
    RuleTable,
    ScreeningAnswers,
    Surgery,
    assess,
)
from frontdesk.services.clinic_settings_edit import get_screening_rules
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.screenings import (
    current_screening,
    ims_allowed,
    ims_statuses_in,
    record_review,
    record_screening,
    screening_history,
)
from frontdesk.services.unit_of_work import UnitOfWork

LEFT_KNEE = BodyArea(Region.knee, Side.left)
RIGHT_KNEE = BodyArea(Region.knee, Side.right)
LEFT_THIGH = BodyArea(Region.thigh, Side.left)
NECK = BodyArea(Region.neck)
VANCOUVER = ZoneInfo("America/Vancouver")

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


def answers(areas=(NECK,), surgeries=(), **changes) -> ScreeningAnswers:
    given = {**ALL_CLEAR, **changes}
    if surgeries:
        given["had_surgery"] = "yes"
    return ScreeningAnswers(given, tuple(surgeries), tuple(areas))


KNEE_OPERATION = Surgery(date(2026, 11, 1), LEFT_KNEE)


@pytest.fixture
def patient(ctx, reception):
    details = PatientDetails(family_name="Ødegård", given_names="Zoë", date_of_birth=date(1985, 3, 4))
    return register_patient(ctx, reception, details)


def count(ctx, table) -> int:
    with UnitOfWork(ctx, None) as uow:
        return uow.session.scalar(select(func.count()).select_from(table))


def test_the_stored_assessment_is_the_one_the_domain_returned(ctx, reception, patient):
    given = answers((NECK, LEFT_KNEE), [KNEE_OPERATION])
    record = record_screening(ctx, reception, patient.id, given, "Neck pain")
    expected = assess(given, date(2026, 11, 25), RuleTable.from_mapping(get_screening_rules(ctx)))
    assert record.assessment == expected
    assert record.answers == given
    assert record.level is Level.NOT_YET
    assert record.not_before == date(2027, 2, 1)
    assert record.assessment.verdict_for(NECK).level is Level.ELIGIBLE
    assert record.screened_by == "Front Desk Reception"
    assert record.screened_on == date(2026, 11, 25)
    assert record.presenting_condition == "Neck pain"
    with UnitOfWork(ctx, None) as uow:
        row = uow.session.get(Screening, record.id)
        assert (row.level, row.not_before) == (int(Level.NOT_YET), date(2027, 2, 1))
        assert uow.session.scalar(select(AuditEvent.action).where(AuditEvent.entity == "screening")) == "create"


def test_an_incomplete_screening_names_every_missing_question_and_saves_nothing(ctx, reception, patient):
    partial = ScreeningAnswers({"cancer": "never", "pregnant": "no"}, (), ())
    with pytest.raises(ValidationFailed) as refused:
        record_screening(ctx, reception, patient.id, partial)
    expected_missing = {q.key.value for q in QUESTIONS} - {"cancer", "pregnant"}
    assert expected_missing | {"planned_areas"} == set(refused.value.errors)
    assert "14 questions" in refused.value.message
    assert count(ctx, Screening) == 0


def test_an_operation_is_needed_when_the_answer_is_yes(ctx, reception, patient):
    with pytest.raises(ValidationFailed) as refused:
        record_screening(ctx, reception, patient.id, answers(had_surgery="yes"))
    assert set(refused.value.errors) == {"surgeries"}


def test_a_new_screening_supersedes_the_current_one_and_history_keeps_both(ctx, reception, physio, patient, clock):
    first = record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
    clock.advance(days=3)
    second = record_screening(ctx, physio, patient.id, answers())
    history = screening_history(ctx, reception, patient.id)
    assert [item.id for item in history] == [second.id, first.id]
    assert [item.is_current for item in history] == [True, False]
    assert history[1].superseded_by == second.id
    assert [item.screened_by for item in history] == ["Chris Stokes", "Front Desk Reception"]
    assert [item.level for item in history] == [Level.ELIGIBLE, Level.REVIEW]
    assert current_screening(ctx, reception, patient.id).id == second.id


def test_no_screening_yet(ctx, reception, patient):
    assert current_screening(ctx, reception, patient.id) is None
    assert screening_history(ctx, reception, patient.id) == []


@pytest.mark.parametrize(
    ("decision", "note", "effective"),
    [
        (ReviewDecision.approve, "", Level.ELIGIBLE),
        (ReviewDecision.approve_altered, "Shallow needling only, away from the spine.", Level.ELIGIBLE),
        (ReviewDecision.decline, "Bone density too low for needling.", Level.NOT_ELIGIBLE),
    ],
)
def test_a_physiotherapist_records_the_review(ctx, reception, physio, patient, decision, note, effective):
    screening = record_screening(ctx, reception, patient.id, answers(osteoporosis="severe_or_poorly_controlled"))
    reviewed = record_review(ctx, physio, screening.id, decision, note)
    assert reviewed.decision is decision
    assert reviewed.review.decided_by == "Chris Stokes"
    assert reviewed.review.note == note
    assert reviewed.effective_level is effective
    assert screening_history(ctx, reception, patient.id)[0].decision is decision


def test_reception_may_not_review_and_the_refusal_is_recorded(ctx, reception, patient):
    screening = record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
    with pytest.raises(PermissionDenied):
        record_review(ctx, reception, screening.id, ReviewDecision.approve)
    assert count(ctx, ScreeningReview) == 0
    with UnitOfWork(ctx, None) as uow:
        assert uow.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == "denied"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("eligible", "does not ask for"),
        ("superseded", "newer screening"),
    ],
)
def test_only_a_current_screening_with_a_review_finding_can_be_reviewed(ctx, reception, admin, patient, setup,
                                                                       message):
    needs_review = record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
    if setup == "eligible":
        target = record_screening(ctx, reception, patient.id, answers())
    else:
        record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
        target = needs_review
    with pytest.raises(Conflict, match=message):
        record_review(ctx, admin, target.id, ReviewDecision.approve)


def test_declining_needs_a_note(ctx, reception, physio, patient):
    screening = record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
    with pytest.raises(ValidationFailed) as refused:
        record_review(ctx, physio, screening.id, ReviewDecision.decline, "  ")
    assert "note" in refused.value.errors
    assert count(ctx, ScreeningReview) == 0


def test_reviews_are_appended_and_the_latest_counts(ctx, reception, physio, admin, patient):
    screening = record_screening(ctx, reception, patient.id, answers(osteoporosis="unsure"))
    record_review(ctx, physio, screening.id, ReviewDecision.approve)
    latest = record_review(ctx, admin, screening.id, ReviewDecision.decline, "Changed my mind after imaging.")
    assert [review.decision for review in latest.reviews] == [ReviewDecision.approve, ReviewDecision.decline]
    assert count(ctx, ScreeningReview) == 2


def test_ims_without_a_screening_is_not_allowed(ctx, patient):
    decision = ims_allowed(ctx, patient.id, "neck", date(2026, 11, 26))
    assert not decision.allowed
    assert decision.level is None and decision.screening_id is None
    assert "screen the patient" in decision.reasons[0]


def test_ims_for_an_eligible_patient(ctx, reception, patient):
    screening = record_screening(ctx, reception, patient.id, answers(diabetes="yes"))
    decision = ims_allowed(ctx, patient.id, "neck", date(2026, 11, 26))
    assert decision.allowed and decision.level is Level.ELIGIBLE
    assert decision.first_allowed == date(2026, 11, 26)
    assert decision.screening_id == screening.id
    assert any("diabetes" in reason for reason in decision.reasons)


@pytest.mark.parametrize(
    ("area", "on", "allowed", "first_allowed"),
    [
        (LEFT_KNEE, date(2027, 1, 31), False, date(2027, 2, 1)),  # the day before 3 months
        (LEFT_KNEE, date(2027, 2, 1), True, date(2027, 2, 1)),  # the day itself
        (LEFT_THIGH, date(2026, 12, 12), False, date(2026, 12, 13)),  # adjacent: 42 days
        (LEFT_THIGH, date(2026, 12, 13), True, date(2026, 12, 13)),
        (RIGHT_KNEE, date(2026, 11, 26), True, date(2026, 11, 26)),  # the other side is not blocked
        (NECK, date(2026, 11, 26), True, date(2026, 11, 26)),
        (None, date(2026, 11, 26), False, date(2027, 2, 1)),  # the patient as a whole
    ],
)
def test_ims_after_knee_surgery_depends_on_the_area_and_the_date(ctx, reception, patient, area, on, allowed,
                                                                first_allowed):
    record_screening(ctx, reception, patient.id, answers((NECK, LEFT_KNEE), [KNEE_OPERATION]))
    decision = ims_allowed(ctx, patient.id, area, on)
    assert (decision.allowed, decision.first_allowed) == (allowed, first_allowed)
    assert decision.level is (Level.ELIGIBLE if allowed else Level.NOT_YET)
    if not allowed:
        assert any("Operation on the left knee" in reason for reason in decision.reasons)


def test_area_keys_are_accepted_as_text(ctx, reception, patient):
    record_screening(ctx, reception, patient.id, answers((NECK, LEFT_KNEE), [KNEE_OPERATION]))
    assert not ims_allowed(ctx, patient.id, "knee:left", date(2026, 11, 26)).allowed
    with pytest.raises(ValidationFailed):
        ims_allowed(ctx, patient.id, "elbow", date(2026, 11, 26))


def test_a_screening_older_than_the_rescreen_interval_is_stale(ctx, reception, patient, clock):
    today = clock.at
    clock.at = datetime(2025, 11, 20, 9, 0, tzinfo=VANCOUVER)
    old = record_screening(ctx, reception, patient.id, answers())
    clock.at = today
    still_valid = ims_allowed(ctx, patient.id, "neck", date(2026, 11, 20))  # 12 months on: the last day
    assert still_valid.allowed and not still_valid.stale
    decision = ims_allowed(ctx, patient.id, "neck", ctx.today())
    assert not decision.allowed and decision.stale
    assert decision.screening_id == old.id and decision.first_allowed is None
    assert any("renew the screening" in reason for reason in decision.reasons)
    record_screening(ctx, reception, patient.id, answers())
    assert ims_allowed(ctx, patient.id, "neck", ctx.today()).allowed


def test_an_approved_review_allows_ims_and_a_pending_one_does_not(ctx, reception, physio, patient):
    screening = record_screening(ctx, reception, patient.id, answers(osteoporosis="severe_or_poorly_controlled"))
    pending = ims_allowed(ctx, patient.id, "neck", date(2026, 11, 26))
    assert not pending.allowed and pending.level is Level.REVIEW and pending.first_allowed is None
    assert "Waiting for a physiotherapist's review." in pending.reasons
    record_review(ctx, physio, screening.id, ReviewDecision.approve_altered, "Superficial needling only.")
    approved = ims_allowed(ctx, patient.id, "neck", date(2026, 11, 26))
    assert approved.allowed and approved.level is Level.ELIGIBLE
    assert any("Superficial needling only." in reason and "Chris Stokes" in reason for reason in approved.reasons)


def test_a_review_approved_while_a_surgery_wait_runs_counts_once_the_wait_is_over(ctx, reception, physio, patient):
    given = answers((LEFT_KNEE,), [KNEE_OPERATION], bleeding_risk="unsure")
    screening = record_screening(ctx, reception, patient.id, given)
    assert screening.level is Level.NOT_YET and screening.needs_review
    before = ims_allowed(ctx, patient.id, "knee:left", date(2026, 12, 1))
    assert not before.allowed and before.first_allowed is None  # the review is still missing
    record_review(ctx, physio, screening.id, ReviewDecision.approve)
    after = ims_allowed(ctx, patient.id, "knee:left", date(2026, 12, 1))
    assert not after.allowed and after.first_allowed == date(2027, 2, 1)
    assert ims_allowed(ctx, patient.id, "knee:left", date(2027, 2, 1)).allowed


def test_ims_can_be_asked_inside_the_callers_transaction(ctx, reception, patient):
    record_screening(ctx, reception, patient.id, answers())
    with UnitOfWork(ctx, reception, write=True) as uow:
        assert ims_allowed(ctx, patient.id, "neck", date(2026, 11, 26), session=uow.session).allowed


def _register(ctx, reception, family: str) -> int:
    return register_patient(ctx, reception, PatientDetails(family_name=family, given_names="Pat",
                                                           date_of_birth=date(1980, 1, 1))).id


def test_the_flags_of_a_list_agree_with_the_booking_check(ctx, reception, physio, clock):
    """Appointment lists judge many patients at once; each answer is the booking check's answer."""
    unscreened = _register(ctx, reception, "Unscreened")
    clear = _register(ctx, reception, "Clear")
    record_screening(ctx, reception, clear, answers())
    operated = _register(ctx, reception, "Operated")
    record_screening(ctx, reception, operated, answers((NECK, LEFT_KNEE), [KNEE_OPERATION]))
    pending = _register(ctx, reception, "Pending")
    record_screening(ctx, reception, pending, answers(osteoporosis="severe_or_poorly_controlled"))
    approved = _register(ctx, reception, "Approved")
    to_approve = record_screening(ctx, reception, approved, answers(osteoporosis="severe_or_poorly_controlled"))
    record_review(ctx, physio, to_approve.id, ReviewDecision.approve)
    declined = _register(ctx, reception, "Declined")
    to_decline = record_screening(ctx, reception, declined, answers(osteoporosis="severe_or_poorly_controlled"))
    record_review(ctx, physio, to_decline.id, ReviewDecision.decline, "Imaging first.")
    today = clock.at
    clock.at = datetime(2025, 11, 1, 9, 0, tzinfo=VANCOUVER)
    old = _register(ctx, reception, "Old")
    record_screening(ctx, reception, old, answers())
    clock.at = today

    asked = [
        (patient_id, area, on)
        for patient_id in (unscreened, clear, operated, pending, approved, declined, old)
        for area in ("neck", "knee:left", "thigh:left", "")
        for on in (date(2026, 11, 26), date(2026, 12, 13), date(2027, 2, 1))
    ]
    with UnitOfWork(ctx, None) as uow:
        statuses = ims_statuses_in(uow.session, asked)
    for patient_id, area, on in asked:
        decision = ims_allowed(ctx, patient_id, area, on)
        status = statuses[(patient_id, area, on)]
        if decision.level is None:
            assert status is None
            continue
        assert (status.allowed, status.level, status.stale, status.first_allowed) == (
            decision.allowed, decision.level, decision.stale, decision.first_allowed), (patient_id, area, on)


def test_judging_many_patients_takes_a_few_queries(ctx, reception, count_selects):
    patients = [_register(ctx, reception, f"Family{n}") for n in range(12)]
    for patient_id in patients:
        record_screening(ctx, reception, patient_id, answers())
    with UnitOfWork(ctx, None) as uow, count_selects(ctx) as counted:
        statuses = ims_statuses_in(uow.session, [(p, "neck", date(2026, 11, 26)) for p in patients])
    assert all(status.allowed for status in statuses.values())
    assert 2 <= counted.count <= 4



def test_a_screening_read_again_shares_its_answers_with_the_judgements_remembered(ctx, reception):
    """The waitlist judges a waiting patient's screening for every freed slot, each in a read of its
    own; the judgements remembered by answers hold the screening's answers once, not once per day."""
    from frontdesk.db.plain import SessionReader
    from frontdesk.services.ims_statuses import _current_on_file

    patient_id = _register(ctx, reception, "Waiting")
    record_screening(ctx, reception, patient_id, answers())
    read = []
    for on in (date(2026, 11, 26), date(2026, 11, 27)):  # two freed slots, two reads
        with UnitOfWork(ctx, None) as uow:
            status = ims_statuses_in(uow.session, [(patient_id, "neck", on)])[(patient_id, "neck", on)]
            read.append(_current_on_file(SessionReader(uow.session), [patient_id])[patient_id].answers_text)
        assert status is not None and status.allowed
    assert read[0] == read[1] and read[0] is read[1]
