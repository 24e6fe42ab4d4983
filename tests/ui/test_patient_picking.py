"""Picking the right patient, in the Intake search and in the booking dialog's picker, driven by keys sent
to whatever has focus (and clicks on what is visible), as a receptionist works."""

from datetime import date

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.patients import open_patient, register_patient, set_patient_archived
from frontdesk.ui.common.patient_picker import PATIENT_ROLE


def press(qtbot, key, modifier=Qt.NoModifier) -> None:
    """One key, to the widget that has focus now."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str) -> None:
    """Typed as key events that carry their text (safe for any character), to the focused widget."""
    for char in text:
        target = QApplication.focusWidget()
        assert target is not None
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.NoModifier, char))


def register(window, family, given, born, *, archived=False) -> int:
    record = register_patient(window.ctx, window.actor, PatientDetails(
        family_name=family, given_names=given, date_of_birth=born), confirmed_new=True)
    if archived:
        set_patient_archived(window.ctx, window.actor, record.id, True)
    return record.id


@pytest.fixture
def people(window):
    return {
        "quang": register(window, "Bùi", "Quang", date(1970, 1, 2)),
        "thao": register(window, "Bùi", "Thảo", date(1982, 5, 6)),
        "dana": register(window, "Kelly", "Dana", date(1990, 3, 4)),
        "anne": register(window, "Archer", "Anne", date(1955, 8, 9), archived=True),
    }


@pytest.fixture
def intake(window, qtbot, people):
    window.tabs.setCurrentWidget(window.intake)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.intake.search.search_box.setFocus()
    return window.intake


def search_for(qtbot, panel, text: str, rows: int) -> None:
    type_text(qtbot, text)
    qtbot.waitUntil(lambda: panel.model.rowCount() == rows and panel.search_box.text() == text)


def test_enter_opens_the_highlighted_patient_never_a_hidden_first_match(intake, qtbot, people):
    panel = intake.search
    search_for(qtbot, panel, "bui", 2)
    assert panel.highlighted().id == people["quang"]  # the first result is highlighted as it arrives
    press(qtbot, Qt.Key_Down)  # into the list
    assert QApplication.focusWidget() is panel.results
    press(qtbot, Qt.Key_Down)
    assert panel.highlighted().id == people["thao"]
    press(qtbot, Qt.Key_F, Qt.ControlModifier)  # back to the box; the highlight stays on Thảo
    assert QApplication.focusWidget() is panel.search_box
    press(qtbot, Qt.Key_Return)
    assert intake.patient.id == people["thao"]
    assert panel.highlighted().id == people["thao"]  # opened from the list: the list stays as it was


def test_a_click_opens_the_patient_clicked(intake, qtbot, people):
    panel = intake.search
    search_for(qtbot, panel, "bui", 2)
    rect = panel.results.visualRect(panel.model.index(1, 0))
    qtbot.mouseClick(panel.results.viewport(), Qt.LeftButton, pos=rect.center())
    assert intake.patient.id == people["thao"]
    assert panel.highlighted().id == people["thao"]


@pytest.mark.parametrize("typed", ["kelly, d", "Kelly, Dana", "dana kelly", "da kel"])
def test_names_are_found_as_the_app_prints_them_and_either_way_round(intake, qtbot, people, typed):
    search_for(qtbot, intake.search, typed, 1)
    press(qtbot, Qt.Key_Return)
    assert intake.patient.id == people["dana"]


def test_results_go_when_the_text_is_cleared_or_another_patient_is_started(intake, qtbot, people):
    panel = intake.search
    search_for(qtbot, panel, "bui", 2)
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    press(qtbot, Qt.Key_Backspace)
    assert panel.model.rowCount() == 0  # at once, not after the typing pause
    search_for(qtbot, panel, "bui", 2)
    press(qtbot, Qt.Key_Return)
    assert intake.patient.id == people["quang"]
    press(qtbot, Qt.Key_N, Qt.ControlModifier)  # a new patient: the old results would mislead
    assert intake.patient is None
    assert panel.model.rowCount() == 0 and panel.search_box.text() == ""


def test_an_archived_patient_is_found_marked_and_can_be_restored(intake, qtbot, people, window):
    panel = intake.search
    search_for(qtbot, panel, "archer", 1)
    assert panel.model.index(0, 0).data() == "Archer, Anne (archived)"
    assert "1 archived" in panel.status.text()
    press(qtbot, Qt.Key_Return)
    assert intake.patient.id == people["anne"] and intake.patient.archived
    assert "(archived)" in intake.title.text()
    assert intake.archived_bar.isVisibleTo(intake) and intake.restore_button.isVisibleTo(intake)
    assert "restored" in intake.archived_note.text()
    press(qtbot, Qt.Key_E, Qt.AltModifier)  # Restore record
    qtbot.waitUntil(lambda: not intake.archived_bar.isVisibleTo(intake))
    assert not open_patient(window.ctx, window.actor, people["anne"]).archived
    assert "Restored Archer, Anne" in intake.status.text()
    assert "(archived)" not in intake.title.text()
    assert panel.model.index(0, 0).data() == "Archer, Anne"  # the list says so too, still highlighted
    assert panel.highlighted().id == people["anne"]


def test_the_booking_picker_takes_the_highlighted_patient(window, qtbot, people):
    from frontdesk.ui.schedule.booking_dialog import BookingDialog

    chosen = []
    dialog = BookingDialog(window.ctx, window.actor, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.patient.box)
    picker = dialog.patient
    picker.patient_chosen.connect(chosen.append)
    type_text(qtbot, "bui")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 2)
    assert picker.patient_id == people["quang"]  # the first result is highlighted, so chosen
    press(qtbot, Qt.Key_Down)
    assert QApplication.focusWidget() is picker.results
    press(qtbot, Qt.Key_Down)
    assert picker.patient_id == people["thao"]  # the highlighted row is the chosen one
    assert "Bùi, Thảo" in picker.status.text()
    press(qtbot, Qt.Key_Return)
    assert picker.patient_id == people["thao"]
    assert QApplication.focusWidget() is not picker.results  # moved on to the next field
    assert chosen == [people["quang"], people["thao"]]

    # A click chooses too.
    rect = picker.results.visualRect(picker.model.index(0))
    qtbot.mouseClick(picker.results.viewport(), Qt.LeftButton, pos=rect.center())
    assert picker.patient_id == people["quang"]

    # Clearing the text clears the results; the chosen patient stays.
    picker.box.setFocus()
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    press(qtbot, Qt.Key_Backspace)
    assert picker.model.rowCount() == 0 and picker.patient_id == people["quang"]

    # Typing a unique prefix then Enter at once takes it, without waiting for the typing pause.
    type_text(qtbot, "kel")
    press(qtbot, Qt.Key_Return)
    assert picker.patient_id == people["dana"]

    # An archived record highlighted is not the patient any more: the dialog no longer shows Dana's bookings.
    picker.box.setFocus()
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    type_text(qtbot, "archer")
    qtbot.waitUntil(lambda: picker.highlighted() is not None and picker.highlighted().id == people["anne"])
    assert picker.patient_id is None and chosen[-1] is None
    assert "archived" in picker.status.text()


def test_the_booking_picker_lists_archived_records_and_restores_them_before_booking(window, qtbot, people):
    from frontdesk.ui.common.patient_picker import PatientPicker

    picker = PatientPicker(window.ctx, window.actor)
    qtbot.addWidget(picker)
    picker.show()
    picker.box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is picker.box)
    type_text(qtbot, "archer")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    assert picker.model.index(0).data().endswith("(archived)")
    assert picker.patient_id is None  # an archived record is not taken for a booking
    assert "archived" in picker.status.text() and picker.restore_button.isVisible()
    press(qtbot, Qt.Key_Return)
    assert picker.patient_id is None
    picker.restore_button.click()
    assert picker.patient_id == people["anne"]
    assert not picker.model.index(0).data(PATIENT_ROLE).archived
    assert not open_patient(window.ctx, window.actor, people["anne"]).archived


def test_a_patient_chosen_from_outside_clears_the_old_search(window, qtbot, people):
    from frontdesk.services.patients import search_patients
    from frontdesk.ui.common.patient_picker import PatientPicker

    picker = PatientPicker(window.ctx, window.actor)
    qtbot.addWidget(picker)
    picker.box.setText("bui")
    picker.search_now()
    assert picker.model.rowCount() == 2
    dana = search_patients(window.ctx, window.actor, "kelly")[0]
    picker.set_patient(dana)
    assert picker.model.rowCount() == 0 and picker.box.text() == ""
    assert picker.patient_id == people["dana"] and "Kelly, Dana" in picker.status.text()


def test_the_audit_trail_search_shows_the_highlighted_patient_and_marks_archived_ones(window, qtbot, people):
    from frontdesk.ui.settings.audit_dialog import AuditTrailDialog

    dialog = AuditTrailDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search)
    type_text(qtbot, "bui")
    qtbot.waitUntil(lambda: dialog.matches.count() == 2)
    assert dialog.patient.id == people["quang"]  # the first match is highlighted, and its trail shown
    dialog.matches.setCurrentRow(1)
    assert dialog.patient.id == people["thao"]
    press(qtbot, Qt.Key_Return)  # in the search box: the list is for this text, so Thảo stays
    assert dialog.patient.id == people["thao"] and dialog.matches.currentRow() == 1
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    type_text(qtbot, "archer")
    press(qtbot, Qt.Key_Return)  # typed, not yet searched: Enter searches at once
    assert dialog.matches.count() == 1 and dialog.matches.item(0).text().endswith("(archived)")
    assert dialog.patient.id == people["anne"]
