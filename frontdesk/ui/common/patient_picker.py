"""Pick a patient by typing: name words ("Kelly, D", "d kel"), phone digits or a birth date (YYYY-MM-DD).

The highlighted row is the chosen patient: the first result is highlighted as the results arrive, and
a click or the arrow keys choose another. Down moves from the box into the results; Enter (in the box
or the list) takes the highlighted patient and moves on. The search runs a moment after the last
keystroke, so fast typing costs one query. Archived records are listed and marked; they cannot be
booked until restored (Restore, for those allowed).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QListView, QPushButton, QVBoxLayout, QWidget

from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import restore_patient, search_patients
from frontdesk.services.intake_records import PatientSummary

ARCHIVED_COLOUR = QColor("#6b6b6b")

SEARCH_DELAY_MS = 150
PATIENT_ROLE = Qt.ItemDataRole.UserRole + 1


class PatientListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.patients: list[PatientSummary] = []

    def set_patients(self, patients: list[PatientSummary]) -> None:
        self.beginResetModel()
        self.patients = list(patients)
        self.endResetModel()

    def replace_patient(self, patient: PatientSummary) -> None:
        for row, listed in enumerate(self.patients):
            if listed.id == patient.id:
                self.patients[row] = patient
                self.dataChanged.emit(self.index(row), self.index(row))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.patients)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.patients):
            return None
        patient = self.patients[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            phone = f"   {patient.phone}" if patient.phone else ""
            archived = "   (archived)" if patient.archived else ""
            return f"{patient.name}   born {patient.date_of_birth:%Y-%m-%d}{phone}{archived}"
        if role == Qt.ItemDataRole.ForegroundRole and patient.archived:
            return ARCHIVED_COLOUR
        if role == PATIENT_ROLE:
            return patient
        return None


class _SearchBox(QLineEdit):
    down = Signal()
    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter.emit()
            return
        super().keyPressEvent(event)


class _ResultList(QListView):
    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter.emit()
            return
        super().keyPressEvent(event)


class PatientPicker(QWidget):
    """A search box, its results and the chosen patient; `patient_chosen` carries the patient's id, or
    None when the highlighted record cannot be chosen (archived)."""

    patient_chosen = Signal(object)

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.chosen: PatientSummary | None = None
        self._searched = ""
        self.box = _SearchBox()
        self.box.setObjectName("patient_search")
        self.box.setPlaceholderText("Name (Family, Given), phone or birth date (YYYY-MM-DD)")
        self.box.setClearButtonEnabled(True)
        self.model = PatientListModel(self)
        self.results = _ResultList()
        self.results.setObjectName("patient_results")
        self.results.setModel(self.model)
        # Shown only while there are results to pick from: a patient already chosen (Book again, Book from
        # an open patient) leaves no empty box, and the dialog stays compact.
        self._show_results(False)
        self.results.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.status = QLabel("No patient chosen yet.")
        self.status.setObjectName("patient_status")
        self.status.setWordWrap(True)
        self.restore_button = QPushButton("Restore record")
        self.restore_button.setObjectName("restore_patient")
        self.restore_button.setAutoDefault(False)
        self.restore_button.hide()
        self.restore_button.clicked.connect(self.restore_highlighted)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.results)
        layout.addLayout(status_row)
        self.setFocusProxy(self.box)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.box.textEdited.connect(self._edited)
        self.box.textChanged.connect(lambda text: None if text.strip() else self._clear_results())
        self.box.down.connect(self._into_results)
        self.box.enter.connect(self._take_current)
        self.results.enter.connect(self._take_current)
        self.results.doubleClicked.connect(lambda _index: self._take_current())
        self.results.selectionModel().currentChanged.connect(lambda current, _previous: self._highlighted(current))

    @property
    def patient_id(self) -> int | None:
        return self.chosen.id if self.chosen else None

    def search_now(self) -> None:
        self._timer.stop()
        text = self.box.text().strip()
        self._searched = text
        if not text:
            self._clear_results()
            return
        try:
            found = search_patients(self.ctx, self.actor, text, limit=30)
        except ServiceError as error:
            self.status.setText(error.message)
            return
        self.model.set_patients(found)
        self._show_results(bool(found))
        if found:
            self.results.setCurrentIndex(self.model.index(0))  # highlighted, so chosen
        else:
            self.status.setText("No patient matches. Check the spelling, or register the patient "
                                "on the Intake tab first.")
            self.restore_button.hide()

    def _show_results(self, shown: bool) -> None:
        """The list takes room for four names (at most 110 px) while it has results, none otherwise."""
        rows = min(110, 4 * (self.results.fontMetrics().height() + 4) + 4)
        self.results.setFixedHeight(rows if shown else 0)
        self.results.setFrameShape(QListView.Shape.StyledPanel if shown else QListView.Shape.NoFrame)
        self.results.setFocusPolicy(Qt.FocusPolicy.StrongFocus if shown else Qt.FocusPolicy.NoFocus)

    def set_patient(self, patient: PatientSummary) -> None:
        """Choose `patient` from outside (the dialog opened for them): the old search goes."""
        self._timer.stop()
        self.box.clear()
        self._clear_results()
        self._choose(patient)

    def highlighted(self) -> PatientSummary | None:
        index = self.results.currentIndex()
        return index.data(PATIENT_ROLE) if index.isValid() else None

    def restore_highlighted(self) -> None:
        """Restore the highlighted archived record, then choose it."""
        patient = self.highlighted()
        if patient is None or not patient.archived:
            return
        try:
            restore_patient(self.ctx, self.actor, patient.id)
        except ServiceError as error:
            self.status.setText(error.message)
            return
        restored = replace(patient, archived=False)
        self.model.replace_patient(restored)
        self._choose(restored)
        self.status.setText(f"Restored. {self.status.text()}")

    def _edited(self, text: str) -> None:
        if text.strip():
            self._timer.start()

    def _clear_results(self) -> None:
        self._timer.stop()
        self._searched = ""
        self.model.set_patients([])
        self._show_results(False)
        self.restore_button.hide()
        self._show_chosen()

    def _highlighted(self, index: QModelIndex) -> None:
        patient = index.data(PATIENT_ROLE) if index.isValid() else None
        if patient is None:
            return
        if patient.archived:
            if self.chosen is not None:  # the highlighted row is the chosen one: here, none can be
                self.chosen = None
                self.patient_chosen.emit(None)
            may_restore = self.actor.may(Permission.EDIT_PATIENTS)
            self.status.setText(
                f"<b>{_escape(patient.name)}</b>'s record is archived: restore it before booking."
                + ("" if may_restore else " Ask a colleague who may restore records."))
            self.restore_button.setVisible(may_restore)
            return
        self.restore_button.hide()
        self._choose(patient)

    def _choose(self, patient: PatientSummary) -> None:
        changed = self.chosen is None or self.chosen.id != patient.id
        self.chosen = patient
        self._show_chosen()
        if changed:
            self.patient_chosen.emit(patient.id)

    def _show_chosen(self) -> None:
        patient = self.chosen
        if patient is None:
            self.status.setText("No patient chosen yet.")
        else:
            self.status.setText(f"Patient: <b>{_escape(patient.name)}</b>, born {patient.date_of_birth:%Y-%m-%d}")

    def _into_results(self) -> None:
        if self._timer.isActive() or self._searched != self.box.text().strip():
            self.search_now()
        if self.model.rowCount():
            self.results.setFocus()
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.model.index(0))

    def _take_current(self) -> None:
        # Search first only when the list is not for the text in the box; then take exactly the
        # highlighted row, which may not be the first.
        if self.sender() is self.box and (self._timer.isActive() or self._searched != self.box.text().strip()):
            self.search_now()
        patient = self.highlighted()
        if patient is None and self.chosen is not None and not self.box.text().strip():
            self.focusNextChild()  # nothing typed: keep the patient already chosen and move on
            return
        if patient is None or patient.archived:
            return
        self._choose(patient)
        self.focusNextChild()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
