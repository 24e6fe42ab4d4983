""""Find next available": the first free slots for a type, any or one therapist, from a date.

It starts from today. With a patient chosen, their last and next appointments are shown, their own
bookings are never offered and IMS keeps the clinic's interval from their other IMS treatments.
Enter on the form searches; Enter (or a double-click) on a slot chooses it: the dialog closes with
`chosen_slot`, and the caller opens the booking form filled in with it, where Enter books, as
everywhere. Escape closes without choosing.
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

from frontdesk.domain.scheduling import PartOfDay
from frontdesk.domain.when import format_time_range, format_weekday_date, local_day
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.availability import find_next_available
from frontdesk.services.records import AppointmentRecord, FreeSlot
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import list_therapists
from frontdesk.ui.appointments.appointment_model import short_date
from frontdesk.ui.schedule.booking_fields import (
    DateField,
    area_combo,
    show_patient_bookings,
    picked_date,
    select_data,
    therapist_combo,
    type_combo,
)
from frontdesk.ui.common.errors import report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.patient_picker import PatientPicker
from frontdesk.ui.common.table_model import Column, RowTableModel
from frontdesk.ui.common.tasks import ServiceOp
from frontdesk.ui.common.widgets import ERROR_STYLE

SLOT_ROLE = Qt.ItemDataRole.UserRole + 1


def _day(slot: FreeSlot, zone: ZoneInfo) -> str:
    return format_weekday_date(local_day(slot.starts_at, zone))


def _short_day(slot: FreeSlot, zone: ZoneInfo) -> str:
    return short_date(slot.starts_at, zone)


class FreeSlotModel(RowTableModel[FreeSlot]):
    ROW_ROLE = SLOT_ROLE
    TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__((
            Column("Day", lambda slot: _short_day(slot, zone), tooltip=lambda slot: _day(slot, zone)),
            Column("Time", lambda slot: format_time_range(slot.interval, zone)),
            Column("Physiotherapist", lambda slot: slot.therapist_name),
        ), parent)


class _SlotTable(QTableView):
    chosen = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.chosen.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class FindSlotDialog(QDialog):
    """Search, then Enter on a slot: the dialog is accepted with `chosen_slot` (and the type, area
    and patient as chosen here, see `chosen_type_id`, `chosen_area`, `patient.chosen`)."""

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None, *,
                 type_id: int | None = None, therapist_id: int | None = None, from_date: date | None = None,
                 patient=None, area: str = "") -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.chosen_slot: FreeSlot | None = None
        #: While another desk's change is searched again: the slots shown before it, and the highlighted one.
        self._live: tuple[set, FreeSlot | None] | None = None
        self.booked: AppointmentRecord | None = None
        self.setWindowTitle("Find next available")
        self.setObjectName("find_slot_dialog")

        self.type = type_combo(list_appointment_types(ctx, actor))
        self.therapist = therapist_combo(list_therapists(ctx, actor), any_label="Any physiotherapist")
        self.from_date = DateField(max(from_date or ctx.today(), ctx.today()), ctx.today())
        self.from_date.setObjectName("from_date")
        self.part = QComboBox()
        self.part.setObjectName("part_of_day")
        for part in PartOfDay:
            self.part.addItem(part.label, part)
        self.area = area_combo()
        self.patient = PatientPicker(ctx, actor)
        self.bookings = QLabel("")
        self.bookings.setObjectName("patient_bookings")
        self.bookings.setTextFormat(Qt.TextFormat.PlainText)
        self.bookings.hide()
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
        form.addRow("Pat&ient:", self.patient)
        form.addRow("", self.bookings)
        self.search_button = QPushButton("&Search")
        self.search_button.setObjectName("search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.model = FreeSlotModel(ctx.zone, self)
        self.table = _SlotTable()
        self.table.setObjectName("slots")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.chosen.connect(self.choose)
        self.table.doubleClicked.connect(self.choose)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        hint = QLabel("Enter or Alt+S searches; Enter on a slot fills in the booking, where Enter books. "
                      "Esc closes.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
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
        self.patient.patient_chosen.connect(self._patient_chosen)
        self._type_changed()
        self._patient_chosen(self.patient.patient_id)
        from frontdesk.ui.window.live_updates import follow_changes

        follow_changes(self, self.changed_elsewhere)  # a slot shown may be booked at another desk meanwhile
        self.resize(680, 640)
        remember_geometry(self, "find_slot_dialog")

    def _type_changed(self) -> None:
        kind = self.type.currentData()
        self.area.setEnabled(bool(kind and kind.is_ims))

    def _patient_chosen(self, patient_id: int | None) -> None:
        """Show the patient's bookings; results found for someone else are searched again."""
        if patient_id is None:
            self.bookings.hide()
            return
        show_patient_bookings(self.ctx, self.actor, patient_id, self.bookings, self.area)
        self.bookings.show()
        if self.model.rowCount():
            self.search()

    @property
    def chosen_type_id(self) -> int | None:
        kind = self.type.currentData()
        return kind.id if kind is not None else None

    @property
    def chosen_area(self) -> str:
        return (self.area.currentData() or "") if self.area.isEnabled() else ""

    def changed_elsewhere(self, changes: set) -> None:
        """Another desk booked, moved or cancelled (or changed hours) in the days the slots shown cover:
        search again at once, keeping the highlighted slot and the focus where they are."""
        from frontdesk.services.changes import Kind, touches_days

        if not getattr(changes, "remote", False) or not self.model.rowCount():
            return
        rows = self.model.rows
        zone = self.ctx.zone
        first, last = (rows[0].starts_at.astimezone(zone).date(), rows[-1].starts_at.astimezone(zone).date())
        if not (Kind.THERAPISTS in changes or touches_days(changes, min(first, last), max(first, last))):
            return
        current = self.model.row_at(self.table.currentIndex().row())
        self._live = ({(slot.therapist_id, slot.starts_at) for slot in rows}, current)
        self.search(live=True)

    def search(self, *, live: bool = False) -> None:
        """Look for free slots; `live` (another desk's change): the same search again, the focus and the
        highlighted slot stay."""
        if not live:
            self._live = None
        kind = self.type.currentData()
        therapist = self.therapist.currentData()
        area = self.area.currentData() if self.area.isEnabled() else ""
        self.message.setText("")
        if not self.from_date.commit():
            self.message.setText("“From” is not a date; type one like 2026-12-07 or Dec 7.")
            self.from_date.setFocus()
            return
        actor, therapist_id, start, part = self.actor, therapist.id if therapist else None, \
            picked_date(self.from_date), self.part.currentData()
        patient_id = self.patient.patient_id

        def find(ctx: ServiceContext) -> list[FreeSlot]:
            return find_next_available(ctx, actor, kind.id, therapist_id, start, part, patient_id=patient_id,
                                       area=area or None)

        # Asked again while a search runs (another patient chosen): the newest search is the one shown.
        ServiceOp(self, "Find next available", find, self.ctx, self._found).failure(self._not_found) \
            .busy("Looking for free time…", self.search_button).newest_wins().run()

    def _found(self, slots: list[FreeSlot]) -> None:
        live, self._live = self._live, None
        self.model.set_rows(slots)
        row = 0
        if live is not None:
            shown, current = live
            if shown - {(slot.therapist_id, slot.starts_at) for slot in slots}:
                self.message.setText("A time shown here was just booked at another desk: the list shows what is "
                                     "free now.")
            row = next((n for n, slot in enumerate(slots) if slot == current), 0)
        if slots:
            self.table.setCurrentIndex(self.model.index(row, 0))
            if live is None:
                self.table.setFocus()
        else:
            self.message.setText("No free time in the next six months for this choice. Try another "
                                 "physiotherapist or any time of day.")

    def _not_found(self, error: BaseException) -> None:
        if isinstance(error, ServiceError):
            self.model.set_rows([])
            self.message.setText(error.message)
        else:  # shown as a short dialog, logged in full
            report_unexpected(self, error)

    def choose(self, index: QModelIndex) -> None:
        slot: FreeSlot | None = index.data(SLOT_ROLE) if index.isValid() else None
        if slot is None:
            return
        self.chosen_slot = slot
        self.accept()
