"""The Intake tab's item models and small widgets, without the main window."""

from datetime import UTC, date, datetime


from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.screening import ReviewDecision, ScreeningAnswers, Surgery, assess
from frontdesk.services.intake_records import PatientSummary, ReviewRecord, ScreeningRecord
from frontdesk.ui.common.patient_search import PatientSearchModel
from frontdesk.ui.intake.screening_operations import OperationsModel
from frontdesk.ui.intake.screening_history import ScreeningHistoryModel
from frontdesk.ui.intake.screening_verdict import AreaVerdictModel
from frontdesk.ui.common.widgets import DateEdit

LEFT_KNEE = BodyArea(Region.knee, Side.left)
NECK = BodyArea(Region.neck)
ANSWERS = ScreeningAnswers(
    {"cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
     "autoimmune": "none", "osteoporosis": "unsure", "had_surgery": "yes", "bleeding_risk": "no",
     "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
     "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no"},
    (Surgery(date(2026, 11, 1), LEFT_KNEE),),
    (NECK, LEFT_KNEE),
)
ASSESSMENT = assess(ANSWERS, date(2026, 11, 25))


def record(id_: int, current: bool, reviews=()) -> ScreeningRecord:
    return ScreeningRecord(
        id=id_, patient_id=1, screened_at=datetime(2026, 11, 25, 18, tzinfo=UTC),
        screened_on=date(2026, 11, 25), screened_by="Front Desk", presenting_condition="Knee pain",
        answers=ANSWERS, assessment=ASSESSMENT, superseded_by=None if current else id_ + 1, reviews=tuple(reviews),
    )


def test_date_edit_shows_the_date_in_full_once_left(qtbot):
    edit = DateEdit()
    qtbot.addWidget(edit)
    with qtbot.waitSignal(edit.date_changed) as changed:
        qtbot.keyClicks(edit, "2026/3/4")
    assert changed.args == [date(2026, 3, 4)]
    edit.editingFinished.emit()
    assert edit.text() == "2026-03-04" and edit.problem() is None
    edit.setText("soon")
    assert edit.date() is None and "YYYY-MM-DD" in edit.problem()


def test_patient_search_model(qtmodeltester):
    model = PatientSearchModel()
    qtmodeltester.check(model)
    model.set_rows([PatientSummary(1, 'Ødegård, Zoë "Zo"', date(1985, 3, 4), "(250) 493-1152"),
                    PatientSummary(2, "Tsai, Li", date(1990, 7, 1), "", archived=True)])
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == 'Ødegård, Zoë "Zo"'
    assert model.index(1, 1).data() == "1990-07-01"


def test_operations_model_edits_and_validates_rows(qtmodeltester):
    model = OperationsModel()
    qtmodeltester.check(model)
    model.add_row()
    model.add_row()
    model.setData(model.index(0, 0), "2026/11/1")
    model.setData(model.index(0, 1), "knee")
    model.setData(model.index(0, 2), "left")
    model.setData(model.index(1, 1), "neck")
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "2026-11-01"
    assert model.index(1, 2).data() == "Midline"
    assert model.surgeries() == (Surgery(date(2026, 11, 1), LEFT_KNEE),)
    assert model.problems() == ["Operation 2: type the date as YYYY-MM-DD."]
    model.remove_row(1)
    qtmodeltester.check(model)
    assert model.problems() == []


def test_area_verdict_model_applies_the_review(qtmodeltester):
    model = AreaVerdictModel()
    qtmodeltester.check(model)
    model.set_verdicts(ASSESSMENT.areas)
    qtmodeltester.check(model)
    assert [model.index(r, 1).data() for r in range(2)] == [
        "! Physiotherapist review first", "◷ Not yet: from February 1, 2027"]
    assert model.columnCount() == 2  # the date is in the words, never in a column of its own to be cut off
    model.set_verdicts(ASSESSMENT.areas, ReviewDecision.approve)
    assert model.index(0, 1).data() == "✓ Eligible: IMS now"


def test_history_model_shows_verdicts_reviews_and_status(qtmodeltester):
    model = ScreeningHistoryModel()
    qtmodeltester.check(model)
    review = ReviewRecord(1, 2, ReviewDecision.decline, "Bone density", datetime(2026, 11, 26, tzinfo=UTC),
                          "Chris Stokes")
    model.set_rows([record(2, True, [review]), record(1, False)])
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in range(6)] == [
        "2026-11-25", "✕ Not eligible now", "Declined", "Current", "Front Desk", "Neck, Left knee"]
    assert model.index(1, 3).data() == "Replaced"
    assert model.index(1, 2).data() == ""
