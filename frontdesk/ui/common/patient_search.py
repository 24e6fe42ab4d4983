"""Find a patient as you type: by name, phone or date of birth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.intake_records import PatientSummary
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.table_model import Column, RowTableModel

SEARCH_DELAY_MS = 150


ARCHIVED_COLOUR = QColor("#6b6b6b")


def listed_name(patient: PatientSummary) -> str:
    """The name as a result list shows it: an archived record says so in words, not by colour alone."""
    return f"{patient.name} (archived)" if patient.archived else patient.name


def _column(header: str, text: Callable[[PatientSummary], str]) -> Column[PatientSummary]:
    """The tooltip repeats the text, and says when the record is archived."""
    return Column(header, text, tooltip=lambda patient: f"{text(patient)} (archived record)" if patient.archived
                  else text(patient))


class PatientSearchModel(RowTableModel[PatientSummary]):
    """Search results: name, date of birth, phone. The row role gives the patient's id."""

    def __init__(self, parent=None) -> None:
        super().__init__((
            _column("Name", listed_name),
            _column("Born", lambda patient: patient.date_of_birth.isoformat()),
            _column("Phone", lambda patient: patient.phone),
        ), parent)

    def row_value(self, row: PatientSummary) -> int:
        return row.id

    def row_foreground(self, row: PatientSummary) -> QColor | None:
        return ARCHIVED_COLOUR if row.archived else None

    def replace_row(self, row: int, patient: PatientSummary) -> None:
        self._rows[row] = patient
        self.row_changed(row)


class _SearchBox(QLineEdit):
    """Down arrow moves into the results, so a receptionist never needs the mouse."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class PatientSearchPanel(QWidget):
    open_requested = Signal(int)
    new_requested = Signal()

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.search_box = _SearchBox()
        self.search_box.setObjectName("patient_search")
        self.search_box.setPlaceholderText("Name, phone or YYYY-MM-DD")
        self.search_box.setToolTip("A name (\"Family, Given\" or \"Given Family\", the first letters are enough), "
                                   "three or more digits of a phone number, or a birth date as YYYY-MM-DD")
        self.search_box.setClearButtonEnabled(True)
        label = QLabel("Find a patient (Ctrl+F)")
        label.setBuddy(self.search_box)

        self.model = PatientSearchModel(self)
        self.results = QTableView()
        self.results.setObjectName("patient_results")
        self.results.setModel(self.model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setTabKeyNavigation(False)
        self.results.verticalHeader().hide()
        # A long name wraps onto a second line rather than being cut short.
        self.results.setWordWrap(True)
        self.results.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        # A click opens the patient it is on; arrows move the highlight and Enter opens it.
        self.results.activated.connect(lambda index: self._open_row(index.row()))
        self.results.clicked.connect(lambda index: self._open_row(index.row()))

        self.status = QLabel("Type at least two letters, three digits of a phone number, or a birth date.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(mid);")

        self.new_button = QPushButton("&New patient (Ctrl+N)")
        self.new_button.setObjectName("new_patient")
        self.new_button.clicked.connect(self.new_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(label)
        layout.addWidget(self.search_box)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self._searched = ""
        self.search_box.textChanged.connect(self._text_changed)
        self.search_box.returnPressed.connect(self._enter)
        self.search_box.down_pressed.connect(self._into_results)

    #: Narrower than this (a small screen), the results leave out the phone column so the names fit.
    PHONE_COLUMN_FROM = 330

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.results.setColumnHidden(2, self.width() < self.PHONE_COLUMN_FROM)

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def search_now(self) -> None:
        self._timer.stop()
        text = self.search_box.text().strip()
        self._searched = text
        if len(text) < 2:
            self.model.set_rows([])
            self.status.setText("Type at least two letters, three digits of a phone number, or a birth date.")
            return
        from frontdesk.services.patients import search_patients  # loaded by the first search, not at start

        rows = call_service(self, self.prompts, "Find a patient", search_patients, self.ctx, self.actor, text)
        if rows is None:
            return
        self.show_results(rows)
        if rows:
            count = f"{len(rows)} patient{'s' if len(rows) != 1 else ''}"
            archived = sum(1 for row in rows if row.archived)
            note = f" ({archived} archived)" if archived else ""
            self.status.setText(f"{count} found{note}. Enter opens the highlighted one; ↓ moves into the list.")
        else:
            self.status.setText("No patient found. Check the spelling, or register a new patient (Ctrl+N).")

    def show_results(self, rows: list[PatientSummary]) -> None:
        """List these patients with the first one highlighted: Enter opens what is highlighted."""
        self.model.set_rows(rows)
        if rows:
            self.results.selectRow(0)
            self.results.scrollToTop()

    def highlighted(self) -> PatientSummary | None:
        index = self.results.currentIndex()
        rows = self.results.selectionModel().selectedRows()
        if rows:
            return self.model.row_at(rows[0].row())
        return self.model.row_at(index.row()) if index.isValid() else None

    def mark_restored(self, patient_id: int) -> None:
        """A listed record was restored: list it as active, still highlighted."""
        for row, patient in enumerate(self.model.rows):
            if patient.id == patient_id and patient.archived:
                self.model.replace_row(row, replace(patient, archived=False))

    def clear_results(self) -> None:
        """Forget the last search (the patient on screen changed some other way)."""
        self._timer.stop()
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self._searched = ""
        self.model.set_rows([])
        self.status.setText("Type at least two letters, three digits of a phone number, or a birth date.")

    def _text_changed(self, text: str) -> None:
        if not text.strip():
            self.search_now()  # cleared: the old results go at once
        else:
            self._timer.start()

    def _enter(self) -> None:
        # Search first only when the results on screen are not for the text in the box; otherwise
        # open exactly the highlighted row (it may not be the first).
        if self._timer.isActive() or self._searched != self.search_box.text().strip():
            self.search_now()
        patient = self.highlighted()
        if patient is not None:
            self.open_requested.emit(patient.id)

    def _into_results(self) -> None:
        if self._timer.isActive():
            self.search_now()
        if self.model.rowCount():
            if not self.results.selectionModel().hasSelection():
                self.results.selectRow(0)
            self.results.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_row(self, row: int) -> None:
        patient = self.model.row_at(row)
        if patient is not None:
            self.results.selectRow(row)
            self.open_requested.emit(patient.id)
