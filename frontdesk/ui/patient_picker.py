"""Pick a patient by typing: name words, phone digits or a birth date (YYYY-MM-DD).

Down moves from the box into the results; Enter (in the box or the list) takes the highlighted
patient. The search runs a moment after the last keystroke, so fast typing costs one query.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import PatientSummary, search_patients

SEARCH_DELAY_MS = 150
PATIENT_ROLE = Qt.UserRole + 1


class PatientListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.patients: list[PatientSummary] = []

    def set_patients(self, patients: list[PatientSummary]) -> None:
        self.beginResetModel()
        self.patients = list(patients)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.patients)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.patients):
            return None
        patient = self.patients[index.row()]
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            phone = f"   {patient.phone}" if patient.phone else ""
            return f"{patient.name}   born {patient.date_of_birth:%Y-%m-%d}{phone}"
        if role == PATIENT_ROLE:
            return patient
        return None


class _SearchBox(QLineEdit):
    down = Signal()
    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Down:
            self.down.emit()
            return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.enter.emit()
            return
        super().keyPressEvent(event)


class _ResultList(QListView):
    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.enter.emit()
            return
        super().keyPressEvent(event)


class PatientPicker(QWidget):
    """A search box, its results and the chosen patient; `patient_chosen` carries the patient's id."""

    patient_chosen = Signal(int)

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.chosen: PatientSummary | None = None
        self.box = _SearchBox()
        self.box.setObjectName("patient_search")
        self.box.setPlaceholderText("Type a name, phone or birth date (YYYY-MM-DD)")
        self.box.setClearButtonEnabled(True)
        self.model = PatientListModel(self)
        self.results = _ResultList()
        self.results.setObjectName("patient_results")
        self.results.setModel(self.model)
        self.results.setMaximumHeight(110)
        self.results.setEditTriggers(QListView.NoEditTriggers)
        self.status = QLabel("No patient chosen yet.")
        self.status.setObjectName("patient_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.results)
        layout.addWidget(self.status)
        self.setFocusProxy(self.box)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.box.textEdited.connect(lambda _text: self._timer.start())
        self.box.down.connect(self._into_results)
        self.box.enter.connect(self._take_current)
        self.results.enter.connect(self._take_current)
        self.results.doubleClicked.connect(lambda _index: self._take_current())

    @property
    def patient_id(self) -> int | None:
        return self.chosen.id if self.chosen else None

    def search_now(self) -> None:
        self._timer.stop()
        try:
            found = search_patients(self.ctx, self.actor, self.box.text(), limit=30)
        except ServiceError as error:
            self.status.setText(error.message)
            return
        self.model.set_patients(found)
        if found:
            self.results.setCurrentIndex(self.model.index(0))
        elif self.box.text().strip():
            self.status.setText("No patient matches. Check the spelling, or register the patient "
                                "on the Intake tab first.")

    def set_patient(self, patient: PatientSummary) -> None:
        self.chosen = patient
        self.status.setText(f"Patient: <b>{_escape(patient.name)}</b>, born {patient.date_of_birth:%Y-%m-%d}")
        self.patient_chosen.emit(patient.id)

    def _into_results(self) -> None:
        if self._timer.isActive():
            self.search_now()
        if self.model.rowCount():
            self.results.setFocus()
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.model.index(0))

    def _take_current(self) -> None:
        if self._timer.isActive():
            self.search_now()
        index = self.results.currentIndex()
        if not index.isValid() and self.model.rowCount() == 1:
            index = self.model.index(0)
        if index.isValid():
            self.set_patient(index.data(PATIENT_ROLE))
            self.focusNextChild()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
