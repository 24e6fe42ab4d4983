"""The Intake tab on the smallest counter screen (1024×700): no visible label, field, choice or button
text cut short, no cell of the verdict table (or the search results) cut short. A picture of each state
is saved under the test's folder for the eye."""

import re
from datetime import date

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QTableView,
    QWidget,
)

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.patients import register_patient
from frontdesk.services.screenings import record_screening

ANSWERS = {
    "cancer": "survivor", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "controlled", "osteoporosis": "severe_or_poorly_controlled", "had_surgery": "yes",
    "bleeding_risk": "no", "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no",
    "skin_problem": "no", "epilepsy": "no", "diabetes": "yes", "weakened_immunity": "no", "needling_reaction": "no",
}
AREAS = (BodyArea(Region.wrist_hand, Side.left), BodyArea(Region.ankle_foot, Side.right),
         BodyArea(Region.thigh, Side.left), BodyArea(Region.knee, Side.left))


def shown_text(text: str) -> str:
    """What a label or button draws: rich text as plain text, a mnemonic '&' dropped ('&&' is one '&')."""
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return re.sub(r"&(.)", r"\1", text)


def visible(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and not widget.visibleRegion().isEmpty()


def clipped_widgets(root: QWidget) -> list[str]:
    problems = []
    for widget in root.findChildren(QWidget):
        if not visible(widget, root) or isinstance(widget.parent(), QComboBox) or widget.objectName().startswith("qt_"):
            continue
        metrics = widget.fontMetrics()
        if isinstance(widget, QLabel):
            text = shown_text(widget.text())
            if not text.strip():
                continue
            room = widget.contentsRect().width() - 2 * max(0, widget.margin()) - max(0, widget.indent())
            if widget.wordWrap():
                widest_word = max(metrics.horizontalAdvance(word) for word in text.split())
                needed = widget.heightForWidth(widget.width())
                if widest_word > room or needed > widget.height():
                    problems.append(f"label {text!r}: {widget.width()}×{widget.height()}, needs {needed} high")
            elif any(metrics.horizontalAdvance(line) > room for line in text.splitlines()):
                problems.append(f"label {text!r}: {metrics.horizontalAdvance(text)} wide in {room}")
        elif isinstance(widget, QLineEdit):
            text = widget.text()
            margins = widget.textMargins()
            room = widget.width() - 2 * widget.style().pixelMetric(QStyle.PM_DefaultFrameWidth) - 6 \
                - margins.left() - margins.right() - (22 if widget.isClearButtonEnabled() and text else 0)
            if text and metrics.horizontalAdvance(text) > room:
                problems.append(f"field {widget.objectName() or text!r}: {text!r} needs "
                                f"{metrics.horizontalAdvance(text)}, has {room}")
        elif isinstance(widget, QComboBox):
            option = QStyleOptionComboBox()
            widget.initStyleOption(option)
            room = widget.style().subControlRect(QStyle.CC_ComboBox, option, QStyle.SC_ComboBoxEditField,
                                                 widget).width()
            text = widget.currentText()
            if text and metrics.horizontalAdvance(text) > room:
                problems.append(f"choice {widget.objectName()!r}: {text!r} needs {metrics.horizontalAdvance(text)}, "
                                f"has {room}")
        elif isinstance(widget, QAbstractButton):
            text = shown_text(widget.text())
            if text and widget.sizeHint().width() > widget.width():
                problems.append(f"button {text!r}: needs {widget.sizeHint().width()}, has {widget.width()}")
    return problems


def cut_areas(tab) -> list[str]:
    """Areas to treat whose name does not fit its place in the list (or lies outside the list)."""
    areas = tab.screening_form.planned.areas
    problems = []
    for row in range(areas.count()):
        item = areas.item(row)
        rect = areas.visualItemRect(item)
        needed = areas.sizeHintForIndex(areas.indexFromItem(item)).width()  # check box, text and margins
        if rect.width() < needed or not areas.viewport().rect().contains(rect):
            problems.append(f"{item.text()!r}: {rect.width()} wide at {rect.x()},{rect.y()}, needs {needed}")
    return problems


def elided_cells(view: QTableView) -> list[str]:
    """Cells whose text does not fit: wider than the column and not wrapped onto lines the row holds."""
    model, metrics, problems = view.model(), view.fontMetrics(), []
    margin = view.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, view) + 1
    for row in range(model.rowCount()):
        if view.isRowHidden(row):
            continue
        for column in range(model.columnCount()):
            if view.isColumnHidden(column):
                continue
            text = model.index(row, column).data() or ""
            room = view.columnWidth(column) - 2 * margin
            if metrics.horizontalAdvance(text) <= room:
                continue
            wrapped = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextWordWrap, text)
            widest_word = max(metrics.horizontalAdvance(word) for word in text.split())
            if not view.wordWrap() or widest_word > room or wrapped.height() > view.rowHeight(row):
                problems.append(f"row {row}, column {column}: {text!r} in {room}×{view.rowHeight(row)}")
    return problems


@pytest.fixture
def small_window(window, qtbot):
    window.tabs.setCurrentWidget(window.intake)
    window.resize(1024, 700)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.width() <= 1024 and window.height() <= 700
    return window


def open_long_named_patient(window, qtbot):
    record = register_patient(window.ctx, window.actor, PatientDetails(
        family_name="Kowalczyk-Fitzgerald", given_names="Alexandra Marie", preferred_name="Sandy",
        date_of_birth=date(1961, 12, 30), phone="250 493 1152", email="alexandra.kowalczyk-fitzgerald@example.ca",
        payer="private_plan", plan_details="Pacific Blue Cross, group 88123, member 0042"))
    record_screening(window.ctx, window.actor, record.id, ScreeningAnswers(
        ANSWERS, (Surgery(date(2026, 10, 30), BodyArea(Region.knee, Side.left)),), AREAS),
        "Patellofemoral or knee pain")
    tab = window.intake
    tab.search.search_box.setFocus()
    qtbot.keyClicks(tab.search.search_box, "kowal")
    qtbot.waitUntil(lambda: tab.search.model.rowCount() == 1)
    qtbot.keyClick(tab.search.search_box, Qt.Key_Return)
    assert tab.patient is not None and tab.history_panel.model.rowCount() == 1
    return tab


def test_an_open_patient_with_a_verdict_fits_1024_by_700(small_window, qtbot, tmp_path):
    tab = open_long_named_patient(small_window, qtbot)
    qtbot.waitUntil(lambda: tab.verdict.areas_model.rowCount() == 4)
    QApplication.processEvents()
    small_window.grab().save(str(tmp_path / "intake-1024-patient.png"))
    assert tab.scroll.widget().width() <= tab.scroll.viewport().width()  # nothing to the right, out of reach
    assert clipped_widgets(tab) == []
    assert elided_cells(tab.verdict.areas_view) == []
    assert elided_cells(tab.search.results) == []
    assert elided_cells(tab.history_panel.view) == []  # it may scroll sideways, but cuts nothing short
    assert cut_areas(tab) == []
    header = tab.verdict.areas_view.horizontalHeader()
    assert header.sectionResizeMode(0) == header.ResizeMode.ResizeToContents  # the area column sized to its names
    # Scrolled to the questions, every choice is readable too.
    tab.scroll.ensureWidgetVisible(tab.screening_form.questions["osteoporosis"])
    QApplication.processEvents()
    assert clipped_widgets(tab) == []


def test_a_new_screening_fits_1024_by_700(small_window, qtbot, tmp_path):
    tab = small_window.intake
    qtbot.keyClick(tab.search.search_box, Qt.Key_N, Qt.ControlModifier)
    planned = tab.screening_form.planned
    planned.condition.setCurrentIndex(planned.condition.findText("Patellofemoral or knee pain"))
    planned.side.setCurrentIndex(planned.side.findText("Both sides"))
    tab.screening_form.questions["pregnant"].buttons["no"].click()
    QApplication.processEvents()
    small_window.grab().save(str(tmp_path / "intake-1024-new.png"))
    assert planned.side.currentText() == "Both sides"
    assert clipped_widgets(tab) == []
    assert elided_cells(tab.verdict.areas_view) == []
    assert tab.verdict.areas_model.rowCount() == 4
    assert cut_areas(tab) == []


@pytest.mark.parametrize("size", [(1280, 820), (1600, 1000)])
def test_larger_windows_cut_nothing_either(window, qtbot, size):
    window.tabs.setCurrentWidget(window.intake)
    window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: window.intake.scroll.viewport().width() > 0)
    tab = open_long_named_patient(window, qtbot)
    QApplication.processEvents()
    assert clipped_widgets(tab) == []
    assert elided_cells(tab.verdict.areas_view) == []
    assert elided_cells(tab.history_panel.view) == []
    assert cut_areas(tab) == []


def test_the_wheel_scrolls_the_form_without_changing_a_choice_under_the_pointer(small_window, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    tab = small_window.intake
    tab.new_patient()
    payer = tab.patient_form.payer
    before = payer.currentText()
    bar = tab.scroll.verticalScrollBar()
    assert bar.value() == 0 and not payer.hasFocus()
    centre = QPointF(payer.rect().center())
    wheel = QWheelEvent(centre, QPointF(payer.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(payer, wheel)
    assert payer.currentText() == before  # the patient's payer is not changed by passing over it
    assert bar.value() > 0  # the page scrolled instead
