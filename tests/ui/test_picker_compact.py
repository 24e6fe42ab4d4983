"""The booking dialog's patient picker shows its results list only while there are results to pick
from: opened for a patient already chosen (Book again from an open patient) it has no empty box."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.patients import register_patient
from frontdesk.ui.schedule.booking_dialog import BookingDialog
from keyboard import Keys


def test_book_again_for_an_open_patient_has_no_empty_results_box_until_a_name_is_typed(qtbot, window):
    ctx, actor = window.ctx, window.actor
    for family, given in (("Kelly", "Dana"), ("Kellerman", "Ruth")):
        register_patient(ctx, actor, PatientDetails(family_name=family, given_names=given,
                                                    date_of_birth=date(1980, 2, 3)))
    window.tabs.setCurrentWidget(window.intake)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    keys = Keys(qtbot)
    keys.press("Ctrl+F")
    keys.type("kelly")
    search = window.intake.search
    qtbot.waitUntil(lambda: search.model.rowCount() == 1)
    keys.press("Return")  # opens Kelly, Dana
    qtbot.waitUntil(lambda: window.intake.patient is not None)
    keys.press("Ctrl+R")
    qtbot.waitUntil(lambda: isinstance(window.book_again.active_dialog, BookingDialog))
    dialog = window.book_again.active_dialog
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
    picker = dialog.patient
    assert picker.patient_id == window.intake.patient.id
    assert picker.results.height() == 0
    assert "Kelly, Dana" in picker.status.text()

    keys.press("Alt+P")  # the patient field: another patient is typed
    assert QApplication.focusWidget() is picker.box
    keys.type("kel")
    qtbot.waitUntil(lambda: picker.results.height() > 40 and picker.model.rowCount() == 2)
    keys.press("Down")  # into the results
    keys.press_until("Down", lambda: picker.highlighted().name == "Kellerman, Ruth", limit=2)
    keys.press("Return")
    assert picker.chosen.name == "Kellerman, Ruth"
    keys.press("Alt+P")
    keys.press("Ctrl+A", "Delete")  # the box emptied: the list goes, the chosen patient stays
    qtbot.waitUntil(lambda: picker.results.height() == 0)
    assert picker.chosen.name == "Kellerman, Ruth"
    keys.press("Escape")
