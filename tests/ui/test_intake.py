"""The Intake tab, driven as a receptionist would: keyboard where ASCII allows, setText for Unicode."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication
from sqlalchemy import func, select

from frontdesk.db.models import Patient, Screening, ScreeningReview, Therapist
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.screening import QUESTIONS, ReviewDecision, RuleTable, ScreeningAnswers, Surgery, assess
from frontdesk.services.clinic_settings_edit import get_screening_rules
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.services.screenings import screening_history
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.ui.intake.screening_history import ReviewDialog

VANCOUVER = ZoneInfo("America/Vancouver")

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "yes", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


def count(window, table) -> int:
    with UnitOfWork(window.ctx, None) as uow:
        return uow.session.scalar(select(func.count()).select_from(table))


@pytest.fixture
def tab(window, qtbot):
    window.tabs.setCurrentWidget(window.intake)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window only
    window.intake.search.search_box.setFocus()
    return window.intake


def fill_patient(tab, qtbot, family="Ødegård", given="Zoë"):
    form = tab.patient_form
    form.family_name.setText(family)  # Unicode: set, not typed (see DESIGN.md)
    form.given_names.setText(given)
    qtbot.keyClicks(form.date_of_birth, "1985-03-04")
    qtbot.keyClicks(form.phone, "250 493 1152")


def answer(tab, answers):
    for key, value in answers.items():
        tab.screening_form.questions[key].buttons[value].click()


def add_operation(tab, qtbot, when, region, side):
    editor = tab.screening_form.operations
    editor.add_button.click()  # opens the date cell for typing
    typing = QApplication.focusWidget()
    assert typing.parent() is editor.table.viewport()
    qtbot.keyClicks(typing, when)
    qtbot.keyClick(typing, Qt.Key_Return)  # the view commits the typing on its next event loop turn
    qtbot.waitUntil(lambda: editor.table.state() != QAbstractItemView.EditingState)
    model = editor.model
    row = model.rowCount() - 1
    assert model.index(row, 0).data() in (when, "")
    model.setData(model.index(row, 1), region)
    model.setData(model.index(row, 2), side)


def choose_condition(tab, label, side_label):
    planned = tab.screening_form.planned
    planned.condition.setCurrentIndex(planned.condition.findText(label))
    planned.side.setCurrentIndex(planned.side.findText(side_label))


def tick(tab, area_label):
    areas = tab.screening_form.planned.areas
    areas.findItems(area_label, Qt.MatchExactly)[0].setCheckState(Qt.Checked)


def test_no_question_is_answered_before_the_patient_answers(tab):
    assert [q.key.value for q in QUESTIONS] == list(tab.screening_form.questions)
    for row in tab.screening_form.questions.values():
        assert row.group.checkedButton() is None
        assert row.group.exclusive()


def test_new_patient_with_a_recent_knee_operation(tab, qtbot, window):
    qtbot.keyClick(tab.search.search_box, Qt.Key_N, Qt.ControlModifier)
    assert tab.patient_form.family_name.hasFocus()
    fill_patient(tab, qtbot)
    choose_condition(tab, "Patellofemoral or knee pain", "Left")
    assert {a.key for a in tab.screening_form.answers().planned_areas} == {"knee:left", "thigh:left"}
    tick(tab, "Neck")
    answer(tab, ALL_CLEAR)
    add_operation(tab, qtbot, "2026-11-01", "knee", "left")

    assert tab.verdict.area_result("Left knee") == "◷ Not yet: from February 1, 2027"
    assert tab.verdict.area_result("Left thigh") == "◷ Not yet: from December 13, 2026"
    assert tab.verdict.area_result("Neck") == "✓ Eligible: IMS now"
    assert tab.verdict.level_text == ("✓ Neck: IMS now · ◷ Left thigh: from December 13, 2026"
                                      " · ◷ Left knee: from February 1, 2027")
    assert tab.verdict.physio_label.text().startswith("Ordinary physiotherapy (without needles) is fine now")
    assert "Operation on the left knee" in tab.verdict.reasons_text
    shown = tab.verdict.assessment

    with qtbot.waitSignal(tab.changed) as saved:
        qtbot.keyClick(tab.patient_form.family_name, Qt.Key_S, Qt.ControlModifier)
    assert saved.args == [{"patients", "screenings"}]
    assert (count(window, Patient), count(window, Screening)) == (1, 1)
    stored = screening_history(window.ctx, window.actor, tab.patient.id)[0]
    rules = RuleTable.from_mapping(get_screening_rules(window.ctx))
    assert shown == stored.assessment == assess(stored.answers, date(2026, 11, 25), rules)
    assert stored.presenting_condition == "Patellofemoral or knee pain"
    assert tab.patient.details.phone == "+12504931152"
    assert not tab.screening_form.is_touched()

    # Start over, find her again by typing, and see the history.
    qtbot.keyClick(tab.patient_form.family_name, Qt.Key_N, Qt.ControlModifier)
    assert tab.patient is None and tab.history_panel.model.rowCount() == 0
    qtbot.keyClick(tab.patient_form.family_name, Qt.Key_F, Qt.ControlModifier)
    assert tab.search.search_box.hasFocus()
    qtbot.keyClicks(tab.search.search_box, "zoe")
    qtbot.waitUntil(lambda: tab.search.model.rowCount() == 1)
    qtbot.keyClick(tab.search.search_box, Qt.Key_Return)
    assert tab.patient is not None and tab.patient.details.given_names == "Zoë"
    assert tab.patient_form.phone.text() == "(250) 493-1152"
    history = tab.history_panel.model
    assert history.rowCount() == 1
    assert history.index(0, 1).data() == "◷ Not yet: from February 1, 2027"
    assert history.index(0, 3).data() == "Current"
    assert tab.verdict.assessment == stored.assessment
    assert tab.verdict.area_result("Neck") == "✓ Eligible: IMS now"


def test_an_incomplete_screening_is_refused_with_the_missing_questions_marked(tab, qtbot, window):
    tab.new_patient()
    fill_patient(tab, qtbot)
    answer(tab, {"cancer": "never", "needle_fear": "no"})
    assert not tab.save()
    assert "nothing was saved" in tab.status.text()
    assert "14 questions" in tab.status.text()
    rows = tab.screening_form.questions
    assert rows["pregnant"].problem == "Please answer this question."
    assert rows["cancer"].problem == ""
    assert "at least one body area" in tab.screening_form.planned.error_label.text()
    assert (count(window, Patient), count(window, Screening)) == (0, 0)
    rows["pregnant"].buttons["no"].click()
    assert rows["pregnant"].problem == ""


def test_invalid_patient_details_are_shown_beside_the_fields_and_nothing_is_saved(tab, qtbot, window):
    tab.new_patient()
    tab.patient_form.family_name.setText("Tsai")
    qtbot.keyClicks(tab.patient_form.date_of_birth, "1985-31-31")
    qtbot.keyClicks(tab.patient_form.phone, "555")
    tab.patient_form.payer.setCurrentIndex(tab.patient_form.payer.findData("worksafebc"))
    tick(tab, "Neck")
    answer(tab, {**ALL_CLEAR, "had_surgery": "no"})
    assert not tab.save()
    fields = tab.patient_form.fields
    assert not fields["given_names"].error  # one legal name is enough
    assert "YYYY-MM-DD" in fields["date_of_birth"].error
    assert "phone" in fields["phone"].error.lower()
    assert fields["claim_number"].error and fields["referral_doctor"].error
    assert fields["claim_number"].isVisibleTo(tab)
    assert fields["date_of_birth"].error_label.isVisibleTo(tab)
    assert (count(window, Patient), count(window, Screening)) == (0, 0)


def test_an_unfinished_operation_row_is_refused(tab, qtbot, window):
    tab.new_patient()
    fill_patient(tab, qtbot)
    tick(tab, "Neck")
    answer(tab, ALL_CLEAR)
    add_operation(tab, qtbot, "last spring", "knee", "")
    assert not tab.save()
    problem = tab.screening_form.operations.error_label.text()
    assert "Operation 1" in problem and "YYYY-MM-DD" in problem and "left or right" in problem
    assert count(window, Patient) == 0


def test_a_probable_duplicate_asks_first(tab, qtbot, window, prompts):
    existing = register_patient(window.ctx, window.actor, PatientDetails(
        family_name="Odegard", given_names="Zoe", date_of_birth=date(1985, 3, 4)))
    tab.new_patient()
    fill_patient(tab, qtbot)
    prompts.confirm_answer = False
    assert not tab.save()
    assert prompts.infos[-1][0] == "Possible duplicate"
    assert [tab.search.model.row_at(0).id] == [existing.id]
    assert count(window, Patient) == 1
    prompts.confirm_answer = True
    assert tab.save()
    assert count(window, Patient) == 2


def test_someone_elses_change_is_shown_and_the_typing_kept(tab, qtbot, window, prompts):
    record = register_patient(window.ctx, window.actor, PatientDetails(
        family_name="Tsai", given_names="Li", date_of_birth=date(1990, 7, 1)))
    assert tab.open_patient(record.id)
    update_patient(window.ctx, window.actor, record.id, record.version, PatientDetails(
        family_name="Tsai", given_names="Li", date_of_birth=date(1990, 7, 1), email="li@example.ca"))
    qtbot.keyClicks(tab.patient_form.preferred_name, "Lee")
    assert not tab.save()
    assert "li@example.ca" in tab.patient_form.fields["email"].error
    assert tab.patient_form.preferred_name.text() == "Lee"
    assert "email" in prompts.errors[-1][1]
    assert tab.save()
    saved = open_patient(window.ctx, window.actor, record.id)
    assert saved.details.preferred_name == "Lee" and saved.version == 3


def test_a_physiotherapist_review_is_recorded_and_shown(tab, qtbot, window):
    tab.new_patient()
    fill_patient(tab, qtbot)
    tick(tab, "Neck")
    answer(tab, {**ALL_CLEAR, "had_surgery": "no", "osteoporosis": "severe_or_poorly_controlled"})
    assert tab.save()
    panel = tab.history_panel
    assert panel.model.index(0, 2).data() == "Waiting"
    assert panel.review_button.isVisibleTo(tab) and panel.review_button.isEnabled()

    dialog = ReviewDialog(window.ctx, window.actor, window.prompts, panel.current_record(), tab)
    qtbot.addWidget(dialog)
    dialog.buttons[ReviewDecision.approve_altered].click()
    dialog.accept()
    assert dialog.note_error.isVisibleTo(dialog) and count(window, ScreeningReview) == 0
    qtbot.keyClicks(dialog.note, "Superficial needling only")
    dialog.accept()
    assert dialog.result() == 1
    with qtbot.waitSignal(tab.changed):
        panel.reviewed.emit(dialog.saved)
    assert panel.model.index(0, 2).data() == "Approved with an altered technique"
    assert panel.model.index(0, 1).data() == "✓ Eligible: IMS now"
    assert "Superficial needling only" in tab.verdict.review_label.text()
    assert panel.review_button.isEnabled()  # a later decision may be added; the latest counts


def test_print_actions_wait_for_a_patient_and_say_what_to_print(tab, qtbot, window):
    assert not tab.print_consent_action.isEnabled() and not tab.print_intake_action.isEnabled()
    assert tab.print_blank_intake_action.isEnabled()
    tab.new_patient()
    fill_patient(tab, qtbot)
    tick(tab, "Neck")
    answer(tab, {**ALL_CLEAR, "had_surgery": "no"})
    assert tab.save()
    assert tab.print_summary_action.isEnabled()
    # A consent belongs to a booked IMS appointment: the entry says so until one is booked.
    assert not tab.print_consent_action.isEnabled()
    assert "no IMS visit booked" in tab.print_consent_action.text()
    types = {t.name: t.id for t in list_appointment_types(window.ctx, window.actor)}
    visit = book_appointment(window.ctx, window.actor, BookingRequest(
        tab.patient.id, 1, types["IMS treatment"], datetime(2026, 11, 27, 9, 0, tzinfo=VANCOUVER), area="neck"))
    tab.refresh({"appointments"})
    assert not tab.print_consent_action.isEnabled()  # Chris Stokes's college number is not on file yet
    assert tab.print_consent_action.text() == "&Consent form: Chris Stokes's registration number is missing"
    assert "Settings ▸ Physiotherapists" in tab.print_consent_action.toolTip()
    with UnitOfWork(window.ctx, None, write=True) as uow:
        uow.session.get(Therapist, 1).registration_number = "PT-04411"
        uow.commit()
    tab.refresh({"therapists"})
    assert tab.print_consent_action.isEnabled()
    assert "for the IMS visit on November 27, 2026" in tab.print_consent_action.text()
    with qtbot.waitSignal(tab.print_requested) as printed:
        tab.print_consent_action.trigger()
    assert printed.args == ["consent", tab.patient.id, visit.id]

    # An operation on the neck since: nothing may be needled that day, and the entry says why.
    record_screening(window.ctx, window.actor, tab.patient.id, ScreeningAnswers(
        {**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 20), BodyArea(Region.neck)),),
        (BodyArea(Region.neck),)))
    tab.refresh({"appointments"})
    assert not tab.print_consent_action.isEnabled()
    assert tab.print_consent_action.text() == ("&Consent form: no area may be needled on November 27, 2026 "
                                               "(possible from February 20, 2027)")
    assert "Operation on the neck" in tab.print_consent_action.toolTip()


def test_the_tab_fits_a_small_screen_without_sideways_scrolling(tab, window, qtbot):
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: tab.scroll.viewport().width() > 0)
    assert tab.scroll.widget().minimumSizeHint().width() <= tab.scroll.viewport().width()
