"""At the Intake tab a patient with one legal name is registered with the given names left empty,
and found again in the search list as that one name."""

from PySide6.QtCore import Qt

from frontdesk.services.patients import search_patients

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


def test_a_patient_with_one_legal_name_is_registered_at_intake(window, qtbot):
    tab = window.intake
    window.tabs.setCurrentWidget(tab)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab.search.search_box.setFocus()
    qtbot.keyClick(tab.search.search_box, Qt.Key_N, Qt.ControlModifier)
    form = tab.patient_form
    qtbot.keyClicks(form.family_name, "Sukarno")
    qtbot.keyClicks(form.date_of_birth, "1961-06-06")
    tab.screening_form.planned.areas.findItems("Neck", Qt.MatchExactly)[0].setCheckState(Qt.Checked)
    for key, value in ALL_CLEAR.items():
        tab.screening_form.questions[key].buttons[value].click()
    with qtbot.waitSignal(tab.changed):
        qtbot.keyClick(form.family_name, Qt.Key_S, Qt.ControlModifier)
    assert not form.fields["given_names"].error and not form.fields["family_name"].error
    assert tab.patient is not None and tab.patient.name == "Sukarno"
    assert [p.name for p in search_patients(window.ctx, window.actor, "sukarno")] == ["Sukarno"]

    qtbot.keyClick(form.family_name, Qt.Key_N, Qt.ControlModifier)
    qtbot.keyClick(form.family_name, Qt.Key_F, Qt.ControlModifier)
    qtbot.keyClicks(tab.search.search_box, "sukar")
    qtbot.waitUntil(lambda: tab.search.model.rowCount() == 1)
    shown = [tab.search.model.index(0, column).data() for column in range(tab.search.model.columnCount())]
    assert "Sukarno" in shown and not any(isinstance(cell, str) and "Sukarno," in cell for cell in shown)
