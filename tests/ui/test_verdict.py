"""The verdict as a receptionist reads it, on screen and on paper: neutral until every question is
answered, per area, with a word about ordinary physiotherapy, the same signs and words on the printed
eligibility summary; after Ctrl+S the form shows what was saved."""

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication

from frontdesk.domain.level_looks import LOOKS, UNFINISHED
from frontdesk.domain.screening import QUESTIONS, Level
from frontdesk.services.documents import eligibility_summary
from frontdesk.services.screenings import screening_history
from reports.pdf_reading import read_pdf

ANSWERS = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "yes", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "yes", "weakened_immunity": "no", "needling_reaction": "no",
}
FIRST_FOUR = ("cancer", "needle_fear", "understands_treatment", "pregnant")
#: Six weeks before the test clock's day (2026-11-25): the thigh next to the knee may be needled today,
#: the knee itself three months after the operation.
OPERATED = "2026-10-14"
HEADLINE = "✓ Left thigh: IMS now · ◷ Left knee: from January 14, 2027"


def press(qtbot, key, modifier=Qt.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str) -> None:
    for char in text:
        target = QApplication.focusWidget()
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.NoModifier, char))


def click_answer(qtbot, tab, key: str, value: str) -> None:
    button = tab.screening_form.questions[key].buttons[value]
    tab.scroll.ensureWidgetVisible(button)
    qtbot.mouseClick(button, Qt.LeftButton, pos=QPoint(8, button.height() // 2))  # on the round button
    assert button.isChecked()


def tick_with_keys(qtbot, tab, label: str) -> None:
    """In the areas list, typing jumps to the area; Space ticks it."""
    areas = tab.screening_form.planned.areas
    assert QApplication.focusWidget() is areas
    type_text(qtbot, label)
    assert areas.currentItem().text() == label
    press(qtbot, Qt.Key_Space)
    assert areas.currentItem().checkState() == Qt.Checked


def test_the_verdict_reads_right_on_screen_and_on_paper_and_the_saved_form_stays(window, qtbot):
    tab = window.intake
    window.tabs.setCurrentWidget(tab)
    window.resize(1280, 900)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab.search.search_box.setFocus()

    press(qtbot, Qt.Key_N, Qt.ControlModifier)
    for text in ("Kelly", "\t", "Dana", "\t", "\t", "1990-03-04"):
        if text == "\t":
            press(qtbot, Qt.Key_Tab)
        else:
            type_text(qtbot, text)
    press(qtbot, Qt.Key_C, Qt.AltModifier)  # the presenting condition, typed in the patient's words
    type_text(qtbot, "Knee pain after surgery")
    press(qtbot, Qt.Key_Tab)  # Side
    press(qtbot, Qt.Key_Tab)  # the areas to treat
    tick_with_keys(qtbot, tab, "Left thigh")
    press(qtbot, Qt.Key_Down)  # Right thigh
    press(qtbot, Qt.Key_Down)  # Left knee
    press(qtbot, Qt.Key_Space)
    assert [area.label for area in tab.screening_form.answers().planned_areas] == ["Left thigh", "Left knee"]
    for key in FIRST_FOUR:
        click_answer(qtbot, tab, key, ANSWERS[key])

    # Unfinished: neutral, never green, and says how many questions are left.
    verdict = tab.verdict
    assert verdict.level_text == "○ 12 questions to answer"
    assert UNFINISHED.ink in verdict.level_label.styleSheet()
    assert LOOKS[Level.ELIGIBLE].ink not in verdict.level_label.styleSheet()
    assert verdict.area_result("Left thigh") == "○ Not finished"
    assert "✓" not in verdict.level_text + "".join(verdict.area_result(a) for a in ("Left thigh", "Left knee"))

    for key, value in ANSWERS.items():
        if key not in FIRST_FOUR:
            click_answer(qtbot, tab, key, value)
    editor = tab.screening_form.operations
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)  # opens the date cell for typing
    type_text(qtbot, OPERATED)
    press(qtbot, Qt.Key_Return)
    qtbot.waitUntil(lambda: editor.table.state() != QAbstractItemView.EditingState)
    editor.model.setData(editor.model.index(0, 1), "knee")
    editor.model.setData(editor.model.index(0, 2), "left")

    # Finished: per area, no "…", and a plain word about ordinary physiotherapy.
    assert verdict.level_text == HEADLINE
    assert "…" not in verdict.level_text
    assert verdict.area_result("Left thigh") == "✓ Eligible: IMS now"
    assert verdict.area_result("Left knee") == "◷ Not yet: from January 14, 2027"
    assert verdict.physio_label.isVisibleTo(tab)
    assert verdict.physio_label.text() == "Ordinary physiotherapy (without needles) is fine now: this verdict is " \
                                          "about IMS only."

    press(qtbot, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: tab.patient is not None and tab.history_panel.model.rowCount() == 1)
    assert tab.status.text().startswith("Saved.")

    # The form shows what was saved, not blanks.
    form = tab.screening_form
    assert {key: row.value() for key, row in form.questions.items()} == ANSWERS
    assert form.presenting_condition() == "Knee pain after surgery"
    assert [area.label for area in form.answers().planned_areas] == ["Left thigh", "Left knee"]
    assert [(row.date_text, row.region.value, row.side.value) for row in editor.model.rows] == \
        [(OPERATED, "knee", "left")]
    assert not form.is_touched() and not tab.has_unsaved_changes()
    assert verdict.level_text == HEADLINE  # the saved screening, the same words

    # On paper: the same signs and words as on screen (today the PDF showed a red ✕ for "Not yet").
    saved = screening_history(window.ctx, window.actor, tab.patient.id)[0]
    assert saved.presenting_condition == "Knee pain after surgery"
    pdf = eligibility_summary(window.ctx, window.actor, tab.patient.id, saved.id)
    text = read_pdf(pdf).text
    assert HEADLINE in text
    assert "◷ Not yet: from January 14, 2027" in text and "✓ Eligible: IMS now" in text
    assert "Ordinary physiotherapy (without needles) is fine now" in text
    assert "✕" not in text and "…" not in text

    # Changing one answer makes it a new screening to save; the old one stays on file.
    click_answer(qtbot, tab, "diabetes", "no")
    assert form.is_touched()
    assert [q.key.value for q in QUESTIONS] == list(form.questions)
