""""My day": one physiotherapist's appointments on one day, with IMS flags and the day sheet."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.scheduling import format_day
from frontdesk.services import appointments as service
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.schedule import AppointmentRecord, list_therapists
from frontdesk.ui.appointment_actions import StatusActions
from frontdesk.ui.appointment_list import action_button, from_qdate, to_qdate
from frontdesk.ui.appointment_model import DAY_COLUMNS, AppointmentTableModel
from frontdesk.ui.errors import Prompts, call_service
from frontdesk.ui.geometry import recalled_value, remember_value

THERAPIST_KEY = "my_day/therapist"


class MyDayWidget(QWidget):
    changed = Signal(set)
    #: ("day_sheet", therapist id, day): the documents feature prints it.
    print_requested = Signal(str, int, object)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.therapist = QComboBox()
        self.therapist.setObjectName("my_day_therapist")
        self.therapist.setMinimumWidth(200)
        self._fill_therapists()
        therapist_label = QLabel("Physiothe&rapist")
        therapist_label.setBuddy(self.therapist)
        self.day = QDateEdit(to_qdate(ctx.today()))
        self.day.setObjectName("my_day_date")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd yyyy-MM-dd")
        day_label = QLabel("&Day")
        day_label.setBuddy(self.day)
        self.previous_day = self._day_button("\u25c0", "Previous day (Alt+Left)", "Alt+Left", -1)
        self.today_button = self._day_button("Today", "Back to today (Alt+Home)", "Alt+Home", 0)
        self.next_day = self._day_button("\u25b6", "Next day (Alt+Right)", "Alt+Right", 1)
        for widget in (therapist_label, self.therapist):
            top.addWidget(widget)
        top.addSpacing(12)
        for widget in (day_label, self.previous_day, self.day, self.next_day, self.today_button):
            top.addWidget(widget)
        top.addStretch(1)
        layout.addLayout(top)

        self.title = QLabel()
        self.title.setObjectName("my_day_title")
        layout.addWidget(self.title)

        self.model = AppointmentTableModel(ctx.zone, DAY_COLUMNS, parent=self)
        self.table = QTableView()
        self.table.setObjectName("my_day_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for section, width in zip(range(len(DAY_COLUMNS)), (110, 240, 200, 130)):
            header.resizeSection(section, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        layout.addWidget(self.table, 1)

        self.actions = StatusActions(ctx, actor, prompts, self, self.current_record)
        self.actions.arrived.setText("Arri&ved")
        self.actions.completed.setText("Co&mpleted")
        self.actions.record_changed.connect(self._record_changed)
        self.actions.changed.connect(self.changed)
        self.actions.reload_needed.connect(self.reload)

        bar = QHBoxLayout()
        bar.addWidget(action_button(self.actions.arrived))
        bar.addWidget(action_button(self.actions.completed))
        bar.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("my_day_summary")
        bar.addWidget(self.summary)
        bar.addSpacing(12)
        self.print_button = QPushButton("&Print day sheet")
        self.print_button.setObjectName("print_day_sheet")
        self.print_button.setToolTip("Print this physiotherapist's list for the day")
        self.print_button.clicked.connect(self.request_print)
        bar.addWidget(self.print_button)
        layout.addLayout(bar)

        self.therapist.currentIndexChanged.connect(self._therapist_chosen)
        self.day.dateChanged.connect(self.reload)
        self.reload()

    def _fill_therapists(self) -> None:
        therapists = call_service(self, self.prompts, "Physiotherapists", list_therapists, self.ctx,
                                  self.actor) or []
        for therapist in therapists:
            self.therapist.addItem(therapist.name, therapist.id)
        wanted = recalled_value(THERAPIST_KEY)
        if wanted is None and self.actor.therapist_id is not None:
            wanted = self.actor.therapist_id
        try:
            index = self.therapist.findData(int(wanted)) if wanted is not None else -1
        except (TypeError, ValueError):
            index = -1
        self.therapist.setCurrentIndex(max(index, 0) if self.therapist.count() else -1)

    def _day_button(self, text: str, tip: str, shortcut: str, step: int) -> QToolButton:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda: self.go_to(self.ctx.today() if step == 0 else
                                                    self.current_day() + timedelta(days=step)))
        self.addAction(action)
        return action_button(action)

    # --- State -----------------------------------------------------------------------------------

    def current_therapist(self) -> int | None:
        return self.therapist.currentData()

    def current_day(self) -> date:
        return from_qdate(self.day.date())

    def go_to(self, day: date) -> None:
        self.day.setDate(to_qdate(day))

    def choose_therapist(self, therapist_id: int) -> None:
        self.therapist.setCurrentIndex(self.therapist.findData(therapist_id))

    def current_record(self) -> AppointmentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _therapist_chosen(self, _index: int) -> None:
        therapist_id = self.current_therapist()
        if therapist_id is not None:
            remember_value(THERAPIST_KEY, therapist_id)
        self.reload()

    # --- Loading ---------------------------------------------------------------------------------

    def reload(self, *_args) -> None:
        therapist_id, day = self.current_therapist(), self.current_day()
        keep = self.current_record()
        heading = format_day(day)
        if day == self.ctx.today():
            heading = f"Today, {heading}"
        name = self.therapist.currentText()
        self.title.setText(f"<span style='font-size:13pt'><b>{heading}</b></span>"
                           + (f" \u2014 {name}" if name else ""))
        self.print_button.setEnabled(therapist_id is not None)
        if therapist_id is None:
            self.model.set_records([])
            self.summary.setText("No physiotherapist to show.")
            self._selection_moved()
            return
        records = call_service(self, self.prompts, "My day", service.my_day, self.ctx, self.actor,
                               therapist_id, day) or []
        self.model.set_records(records)
        self.summary.setText(self._summary(records))
        if keep is not None and (row := self.model.row_of(keep.id)) is not None:
            self.table.selectRow(row)
        self._selection_moved()

    @staticmethod
    def _summary(records: list[AppointmentRecord]) -> str:
        live = [r for r in records if r.status.is_live]
        if not records:
            return "No appointments."
        text = "1 appointment" if len(live) == 1 else f"{len(live)} appointments"
        gone = len(records) - len(live)
        if gone:
            text += f" ({gone} cancelled or no-show)"
        attention = sum(1 for r in live if r.ims_flag.needs_attention)
        if attention:
            text += f" \u2014 <span style='color:#8d1c1c'><b>{attention} IMS flag{'s' if attention > 1 else ''} " \
                    "to check</b></span>"
        return text

    def _selection_moved(self, *_args) -> None:
        self.actions.update_enabled(self.current_record())

    def _record_changed(self, record: AppointmentRecord) -> None:
        self.model.replace_record(record)
        self._selection_moved()

    def refresh(self, changes: set) -> None:
        if changes & {"appointments", "patients", "screenings", "therapists"}:
            if "therapists" in changes:
                chosen = self.current_therapist()
                self.therapist.blockSignals(True)
                self.therapist.clear()
                self._fill_therapists()
                if chosen is not None and self.therapist.findData(chosen) >= 0:
                    self.therapist.setCurrentIndex(self.therapist.findData(chosen))
                self.therapist.blockSignals(False)
            self.reload()

    def request_print(self) -> None:
        therapist_id = self.current_therapist()
        if therapist_id is not None:
            self.print_requested.emit("day_sheet", therapist_id, self.current_day())

