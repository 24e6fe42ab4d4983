""""Find next available": the first free slots for a type, any or one therapist, from a date.

Enter on a slot books it for the chosen patient (or hands it back to the booking dialog that asked).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.scheduling import PartOfDay, format_day, format_time_range
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.schedule import (
    AppointmentRecord,
    BookingRequest,
    FreeSlot,
    book_appointment,
    find_next_available,
    list_appointment_types,
    list_therapists,
)
from frontdesk.ui.booking_fields import (
    area_combo,
    date_edit,
    picked_date,
    select_data,
    therapist_combo,
    type_combo,
)
from frontdesk.ui.errors import report_unexpected
from frontdesk.ui.geometry import remember_geometry
from frontdesk.ui.patient_picker import PatientPicker
from frontdesk.ui.table_model import Column, RowTableModel
from frontdesk.ui.widgets import ERROR_STYLE

SLOT_ROLE = Qt.UserRole + 1


def _day(slot: FreeSlot, zone: ZoneInfo) -> str:
    local_day = slot.starts_at.astimezone(zone).date()
    return f"{format_day(local_day)}, {local_day.year}"


class FreeSlotModel(RowTableModel[FreeSlot]):
    ROW_ROLE = SLOT_ROLE
    TEXT_ROLES = (Qt.DisplayRole, Qt.AccessibleTextRole)

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__((
            Column("Day", lambda slot: _day(slot, zone)),
            Column("Time", lambda slot: format_time_range(slot.interval, zone)),
            Column("Physiotherapist", lambda slot: slot.therapist_name),
        ), parent)


class _SlotTable(QTableView):
    chosen = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentIndex().isValid():
            self.chosen.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class FindSlotDialog(QDialog):
    """Search, then Enter on a slot. With `book_directly` the slot is booked here for the chosen
    patient (`booked` holds the record); otherwise `chosen_slot` is handed back to the caller."""

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None, *,
                 type_id: int | None = None, therapist_id: int | None = None, from_date: date | None = None,
                 patient=None, area: str = "", book_directly: bool = True) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.book_directly = book_directly
        self.chosen_slot: FreeSlot | None = None
        self.booked: AppointmentRecord | None = None
        self.setWindowTitle("Find next available")
        self.setObjectName("find_slot_dialog")

        self.type = type_combo(list_appointment_types(ctx, actor))
        self.therapist = therapist_combo(list_therapists(ctx, actor), any_label="Any physiotherapist")
        self.from_date = date_edit(from_date or ctx.today())
        self.part = QComboBox()
        self.part.setObjectName("part_of_day")
        for part in PartOfDay:
            self.part.addItem(part.label, part)
        self.area = area_combo()
        self.patient = PatientPicker(ctx, actor)
        if patient is not None:
            self.patient.set_patient(patient)
        if type_id is not None:
            select_data(self.type, lambda k: k is not None and k.id == type_id)
        if therapist_id is not None:
            select_data(self.therapist, lambda t: t is not None and t.id == therapist_id)
        if area:
            select_data(self.area, lambda key: key == area)

        form = QFormLayout()
        form.addRow("&Type:", self.type)
        form.addRow("&Physiotherapist:", self.therapist)
        form.addRow("&From:", self.from_date)
        form.addRow("&When:", self.part)
        form.addRow("IMS &area:", self.area)
        form.addRow("Pa&tient:", self.patient)
        self.search_button = QPushButton("&Search")
        self.search_button.setObjectName("search")
        self.search_button.clicked.connect(self.search)
        self.model = FreeSlotModel(ctx.zone, self)
        self.table = _SlotTable()
        self.table.setObjectName("slots")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.chosen.connect(self.choose)
        self.table.doubleClicked.connect(self.choose)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        hint = QLabel("Search (Alt+S), then pick a slot and press Enter to book it.")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.search_button)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.search)
        self.type.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        self.resize(560, 560)
        remember_geometry(self, "find_slot_dialog")

    def _type_changed(self) -> None:
        kind = self.type.currentData()
        self.area.setEnabled(bool(kind and kind.is_ims))

    def search(self) -> None:
        kind = self.type.currentData()
        therapist = self.therapist.currentData()
        area = self.area.currentData() if self.area.isEnabled() else ""
        self.message.setText("")
        try:
            slots = find_next_available(
                self.ctx, self.actor, kind.id, therapist.id if therapist else None, picked_date(self.from_date),
                self.part.currentData(), patient_id=self.patient.patient_id, area=area or None)
        except ServiceError as error:
            self.model.set_rows([])
            self.message.setText(error.message)
            return
        except Exception as error:  # noqa: BLE001 - shown as a short dialog, logged in full
            report_unexpected(self, error)
            return
        self.model.set_rows(slots)
        if slots:
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus()
        else:
            self.message.setText("No free time in the next six months for this choice. Try another "
                                 "physiotherapist or any time of day.")

    def choose(self, index: QModelIndex) -> None:
        slot: FreeSlot | None = index.data(SLOT_ROLE) if index.isValid() else None
        if slot is None:
            return
        self.chosen_slot = slot
        if not self.book_directly:
            self.accept()
            return
        if self.patient.patient_id is None:
            self.message.setText("Choose the patient first, then press Enter on the slot again.")
            self.patient.setFocus()
            return
        kind = self.type.currentData()
        area = self.area.currentData() if self.area.isEnabled() else ""
        try:
            self.booked = book_appointment(self.ctx, self.actor, BookingRequest(
                self.patient.patient_id, slot.therapist_id, kind.id, slot.starts_at, area=area))
        except ValidationFailed as error:
            self.message.setText(" ".join(error.errors.values()) or error.message)
            return
        except ServiceError as error:
            self.message.setText(error.message)
            self.search()
            return
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error)
            return
        self.accept()
