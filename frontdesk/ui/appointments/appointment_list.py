"""The list of appointments: filters, the table (read as it scrolls), actions, detail and exports."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.services import appointments as service
from frontdesk.services.appointments import AppointmentFilter
from frontdesk.services.changes import Kind, touches_days
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound, ServiceError
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.schedule_view import list_therapists
from frontdesk.ui.appointments.appointment_actions import StatusActions
from frontdesk.ui.appointments.appointment_detail import AppointmentDetailPane
from frontdesk.ui.appointments.reminder_preview import reminder_line
from frontdesk.ui.appointments.appointment_model import LIST_COLUMNS, AppointmentTableModel, Column
from frontdesk.ui.appointments.desk_undo import DeskUndo
from frontdesk.ui.common.errors import Prompts, call_service, report_unexpected
from frontdesk.ui.common.geometry import ui_settings
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.tasks import ServiceOp, write_file
from frontdesk.ui.common.widgets import DateEdit

DEFAULT_DAYS_AHEAD = 30
TEXT_DELAY_MS = 300
#: Narrower than this, the detail pane goes below the list instead of beside it.
WIDE_ENOUGH = 1180


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def action_button(action) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


#: "Sort by": the text, the service's sort key and whether the order is reversed.
SORT_CHOICES = (
    ("Date and time, earliest first", "start", False),
    ("Date and time, latest first", "start", True),
    ("Patient, A to Z", "patient", False),
    ("Patient, Z to A", "patient", True),
    ("Physiotherapist, A to Z", "therapist", False),
    ("Physiotherapist, Z to A", "therapist", True),
    ("Type, A to Z", "type", False),
    ("Type, Z to A", "type", True),
    ("Status, A to Z", "status", False),
    ("Status, Z to A", "status", True),
    ("IMS appointments first", "ims", False),
    ("IMS appointments last", "ims", True),
)
_SORT_OF_COLUMN = {Column.DATE: "start", Column.TIME: "start", Column.PATIENT: "patient",
                   Column.THERAPIST: "therapist", Column.TYPE: "type", Column.STATUS: "status", Column.IMS: "ims"}

#: The longest text each key column can show (what its width is measured on).
_WIDEST = {
    Column.DATE: ["Wed Sep 30"],
    Column.TIME: ["10:00\u201310:30"],
    Column.STATUS: [status.label for status in AppointmentStatus] + ["Cancelled (late)"],
    Column.IMS: [flag.short for flag in ImsFlag] + [Column.IMS.value],
    Column.PATIENT: ["Fitzgerald, Cathy"],
    Column.THERAPIST: ["Catherine Fussell"],
}
#: The patient column grows to the longest name listed, up to this (a longer one shows in its tooltip).
PATIENT_WIDEST = 220


def _column_width(view: QTableView, column: Column) -> int:
    texts = _WIDEST.get(column)
    if not texts:
        return 0
    metrics = view.fontMetrics()
    header = view.horizontalHeader().fontMetrics().horizontalAdvance(column.value) + 20
    return max(header, *(metrics.horizontalAdvance(text) + 14 for text in texts))


class AppointmentListPage(QWidget):
    changed = Signal(set)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 desk: DeskUndo | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self._filter = AppointmentFilter()
        #: The window's actions on an appointment (Book again), added to the context menu.
        self.context_actions: list = []
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_filters())

        self.model = AppointmentTableModel(ctx.zone, LIST_COLUMNS, short_ims=True, parent=self)
        self.model.load_failed.connect(self._show_load_problem)
        self.table = QTableView()
        self.table.setObjectName("appointments_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab goes on to the buttons; the arrows move in the list
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # Date, time, status and IMS are sized to the longest they can be; the type takes what is left
        # (its full name is in the detail pane), so Status and IMS stay in view on a 1024-pixel screen.
        for section, column in enumerate(LIST_COLUMNS):
            width = _column_width(self.table, column)
            if width:
                header.resizeSection(section, width)
        header.setSectionResizeMode(LIST_COLUMNS.index(Column.TYPE), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        # A click on a heading orders the list by it (again: the other way round); "Sort by" does the
        # same from the keyboard.
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(LIST_COLUMNS.index(Column.DATE), Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._heading_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # The selected appointment's detail beside the list, kept in place when the list is read again.
        self.master = MasterDetail(self.table, lambda index: getattr(self.model.record(index.row()), "id", None),
                                   self._selection_moved)
        self.master.follow(self.table.selectionModel().selectionChanged)
        # Tab into the list: the row the focus lands on is the chosen one, not just outlined.
        self.table.selectionModel().currentRowChanged.connect(self._current_row_moved)

        self.actions = StatusActions(ctx, self.signed_in, prompts, self, self.current_record, desk=desk)
        self.actions.record_changed.connect(self._record_changed)
        self.actions.changed.connect(self.changed)
        self.actions.reload_needed.connect(self.reload)

        self.detail = AppointmentDetailPane(ctx)
        self.detail.setObjectName("appointment_detail")
        self.detail.reminder_preview_requested.connect(self.preview_reminder)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("appointments_splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)  # a wider window widens the list; the detail keeps its size
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        bar = QHBoxLayout()
        self.toolbar = QToolBar("Appointment actions")
        self.toolbar.setObjectName("appointment_actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setStyleSheet(
            "QToolButton { border: 1px solid #9a9a9a; border-radius: 3px; padding: 3px 10px; margin-right: 4px; }"
            "QToolButton:disabled { color: #a0a0a0; border-color: #d0d0d0; }"
            "QToolButton:focus { border: 2px solid #2f7bd8; }"
        )
        for action in self.actions.all:
            self.toolbar.addAction(action)
        bar.addWidget(self.toolbar, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")
        bar.addWidget(self.count_label)
        bar.addSpacing(12)
        self.export_csv_button = QPushButton("E&xport CSV…")
        self.export_csv_button.setToolTip("Save the appointments in this list as a spreadsheet (CSV) file")
        self.export_csv_button.clicked.connect(self.choose_csv_export)
        self.export_ics_button = QPushButton("Export calen&dar…")
        self.export_ics_button.setToolTip("Save the chosen physiotherapist's appointments in these dates "
                                          "as a calendar (.ics) file")
        self.export_ics_button.clicked.connect(self.choose_ics_export)
        bar.addWidget(self.export_csv_button)
        bar.addWidget(self.export_ics_button)
        layout.addLayout(bar)

        self._detail_beside: bool | None = None
        self._place_detail(beside=True)
        self.splitter.splitterMoved.connect(
            lambda *_: ui_settings().setValue(self._splitter_key(), self.splitter.saveState()))
        self.apply_filter()

    # --- Order -----------------------------------------------------------------------------------

    def _heading_clicked(self, section: int, order: Qt.SortOrder) -> None:
        key = _SORT_OF_COLUMN[LIST_COLUMNS[section]]
        wanted = (key, order == Qt.SortOrder.DescendingOrder)
        index = next(i for i, (_text, *choice) in enumerate(SORT_CHOICES) if tuple(choice) == wanted)
        if index != self.sort.currentIndex():
            self.sort.setCurrentIndex(index)  # applies it

    def _sort_chosen(self, _index: int) -> None:
        _text, key, descending = SORT_CHOICES[self.sort.currentIndex()]
        column = next(c for c in LIST_COLUMNS if _SORT_OF_COLUMN[c] == key)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(LIST_COLUMNS.index(column), order)
        header.blockSignals(False)
        header.viewport().update()
        self.apply_filter()

    # --- Layout ----------------------------------------------------------------------------------

    def _splitter_key(self) -> str:
        return "appointments/splitter" if self._detail_beside else "appointments/splitter_below"

    def _place_detail(self, *, beside: bool) -> None:
        """The detail pane beside the list on a wide screen, below it on a narrow one (1024 pixels), so
        every column of the list, Status and IMS included, stays in view."""
        if beside == self._detail_beside:
            return
        self._detail_beside = beside
        self.splitter.setOrientation(Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical)
        self.detail.setMinimumWidth(300 if beside else 0)
        saved = ui_settings().value(self._splitter_key())
        if saved is None or not self.splitter.restoreState(saved) or self.splitter.orientation() != (
                Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical):
            self.splitter.setOrientation(Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical)
            self.splitter.setSizes([1000, 320] if beside else [600, 220])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_detail(beside=event.size().width() >= WIDE_ENOUGH)
        # Below the list, the detail takes at most a quarter of the height: the list stays the main thing.
        if self._detail_beside:
            self.detail.setMaximumHeight(16777215)
            return
        cap = max(150, event.size().height() // 4)
        self.detail.setMaximumHeight(cap)
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sum(sizes) > 0:
            below = min(sizes[1], cap)
            self.splitter.setSizes([sum(sizes) - below, below])

    # --- Filters ---------------------------------------------------------------------------------

    def _build_filters(self) -> QVBoxLayout:
        today = self.ctx.today()
        self.date_from = DateEdit(weekday=True, today=self.ctx.today)
        self.date_to = DateEdit(weekday=True, today=self.ctx.today)
        for edit, name, value in ((self.date_from, "date_from", today),
                                  (self.date_to, "date_to", today + timedelta(days=DEFAULT_DAYS_AHEAD))):
            edit.setObjectName(name)
            edit.set_date(value)
            edit.date_chosen.connect(self.apply_filter)
        self.therapist = QComboBox()
        self.therapist.setObjectName("therapist_filter")
        self.therapist.addItem("All physiotherapists", None)
        for therapist in call_service(self, self.prompts, "Physiotherapists", list_therapists, self.ctx,
                                      self.actor, False) or []:
            self.therapist.addItem(therapist.name, therapist.id)
        self.therapist.currentIndexChanged.connect(self.apply_filter)
        self.patient = QLineEdit()
        self.patient.setObjectName("patient_filter")
        self.patient.setPlaceholderText("Name or phone")
        self.patient.setClearButtonEnabled(True)
        self.patient.setMinimumWidth(140)
        self.patient.setMaximumWidth(320)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self.apply_filter)
        self.patient.textChanged.connect(lambda _text: self._text_timer.start())
        self.patient.returnPressed.connect(self.apply_filter)
        self.status = QComboBox()
        self.status.setObjectName("status_filter")
        self.status.addItem("All statuses", frozenset())
        for status in AppointmentStatus:
            self.status.addItem(status.label, frozenset({status}))
        self.status.addItem("Cancelled or no-show",
                            frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}))
        self.status.currentIndexChanged.connect(self.apply_filter)
        self.ims_only = QCheckBox("IMS on&ly")
        self.ims_only.setObjectName("ims_only")
        self.ims_only.toggled.connect(self.apply_filter)
        self.sort = QComboBox()
        self.sort.setObjectName("sort_order")
        for text, _key, _descending in SORT_CHOICES:
            self.sort.addItem(text)
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sort.currentIndexChanged.connect(self._sort_chosen)
        for combo in (self.therapist, self.status):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        first, second = QHBoxLayout(), QHBoxLayout()
        for line, fields in ((first, (("Fro&m", self.date_from), ("T&o", self.date_to),
                                      ("Physiothe&rapist", self.therapist))),
                             (second, (("Patie&nt", self.patient), ("Stat&us", self.status)))):
            for text, widget in fields:
                label = QLabel(text)
                label.setBuddy(widget)
                line.addWidget(label)
                line.addWidget(widget, 1 if widget is self.patient else 0)
                line.addSpacing(6)
        second.addWidget(self.ims_only)
        second.addSpacing(12)
        sort_label = QLabel("Sort &by")
        sort_label.setBuddy(self.sort)
        second.addWidget(sort_label)
        second.addWidget(self.sort)
        first.addStretch(1)
        second.addStretch(1)
        rows = QVBoxLayout()
        rows.setSpacing(4)
        rows.addLayout(first)
        rows.addLayout(second)
        return rows

    def current_filter(self) -> AppointmentFilter:
        """The filter as the fields show it; a date that cannot be read keeps the one in use."""
        return AppointmentFilter(
            date_from=self.date_from.date() or self._filter.date_from or self.ctx.today(),
            date_to=self.date_to.date() or self._filter.date_to or self.ctx.today(),
            therapist_id=self.therapist.currentData(),
            statuses=self.status.currentData() or frozenset(),
            ims_only=self.ims_only.isChecked(),
            sort=SORT_CHOICES[self.sort.currentIndex()][1],
            descending=SORT_CHOICES[self.sort.currentIndex()][2],
            text=self.patient.text().strip(),
        )

    def apply_filter(self, *_args) -> None:
        self._text_timer.stop()
        flt = self.current_filter()
        unreadable = next((edit for edit in (self.date_from, self.date_to) if edit.problem()), None)
        if unreadable is not None:
            self.count_label.setText(f"<span style='color:#b00020'>{unreadable.problem()}</span>")
            return
        if flt.date_to < flt.date_from:
            self.count_label.setText("<span style='color:#b00020'>The end date is before the start date.</span>")
            self.model.set_records([])
            return
        self._filter = flt
        # The year is in the From and To fields; the rows repeat it only when the dates span two years.
        self.model.show_year = flt.date_from.year != flt.date_to.year
        date_column = LIST_COLUMNS.index(Column.DATE)
        year = self.table.fontMetrics().horizontalAdvance(", 2026") if self.model.show_year else 0
        self.table.setColumnWidth(date_column, _column_width(self.table, Column.DATE) + year)
        self.reload()

    def reload(self, *, keep_scroll: bool = False) -> None:
        """Read the list again from the first page, keeping the selected appointment if still listed
        (and the scroll, if asked); its detail is read again."""
        flt = self._filter

        def page(after, limit):
            # In time order each page follows the last row shown; in any other order, the rows held.
            return service.list_appointments(self.ctx, self.actor, flt, self.model.rowCount(), limit=limit,
                                             after=after)

        with self.master.reload(keep_scroll=keep_scroll):
            self.model.set_loader(page)
            total = call_service(self, self.prompts, "Appointments", service.count_appointments, self.ctx,
                                 self.actor, flt)
            if total is not None:
                self.count_label.setText("1 appointment" if total == 1 else f"{total:,} appointments")
            self._fit_patient_column()

    def _fit_patient_column(self) -> None:
        """Wide enough for the longest name on the first page (measured on the names, not the cells)."""
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(r.patient_name) for r in self.model.records), default=0) + 14
        column = LIST_COLUMNS.index(Column.PATIENT)
        width = min(PATIENT_WIDEST, max(_column_width(self.table, Column.PATIENT), widest))
        if width > self.table.columnWidth(column):
            self.table.setColumnWidth(column, width)

    def _show_load_problem(self, message: str) -> None:
        self.count_label.setText(f"<span style='color:#b00020'>{message}</span>")

    # --- Selection, detail and actions -----------------------------------------------------------

    def current_record(self) -> AppointmentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def select_appointment(self, appointment_id: int) -> bool:
        return self.master.select(appointment_id)

    def _current_row_moved(self, current, _previous) -> None:
        if current.isValid() and not self.table.selectionModel().isRowSelected(current.row()):
            self.table.selectRow(current.row())

    def _selection_moved(self, *_args) -> None:
        record = self.current_record()
        self.actions.update_enabled(record)
        if record is None:
            self.detail.show_nothing()
            return
        self._show_detail(record.id)

    def _show_detail(self, appointment_id: int) -> None:
        try:
            detail = service.appointment_detail(self.ctx, self.actor, appointment_id)
        except NotFound:
            self.detail.show_nothing("This appointment is no longer in the book.")
            return
        except ServiceError as error:
            self.detail.show_nothing(error.message)
            return
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error, self.prompts)
            return
        self.model.replace_record(detail.appointment)
        self.actions.update_enabled(detail.appointment)
        self.detail.show_detail(detail)
        self.detail.show_reminder(reminder_line(self.ctx, self.actor, appointment_id))

    def preview_reminder(self, appointment_id: int) -> None:
        from frontdesk.ui.appointments.reminder_preview import show_reminder_preview

        show_reminder_preview(self.ctx, self.actor, self.prompts, self, appointment_id)

    def _record_changed(self, record: AppointmentRecord) -> None:
        if not self.model.replace_record(record):
            self.reload()
        self._selection_moved()

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for action in self.context_actions:
            menu.addAction(action)
        for action in self.actions.all:
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(point))
        self._menu = menu

    def refresh(self, changes: set[Kind]) -> None:
        if self._shows(changes):
            self.reload(keep_scroll=True)
        if Kind.THERAPISTS in changes:
            self._reload_therapists()

    def _shows(self, changes: set[Kind]) -> bool:
        """Whether the change touches the list as filtered (another desk's change names its days)."""
        if changes & {Kind.PATIENTS, Kind.SCREENINGS, Kind.CONSENTS}:
            return True  # names, IMS flags and consents show on any row
        flt = self._filter
        return touches_days(changes, flt.date_from or date.min, flt.date_to or date.max, flt.therapist_id)

    def _reload_therapists(self) -> None:
        chosen = self.therapist.currentData()
        self.therapist.blockSignals(True)
        self.therapist.clear()
        self.therapist.addItem("All physiotherapists", None)
        for therapist in call_service(self, self.prompts, "Physiotherapists", list_therapists, self.ctx,
                                      self.actor, False) or []:
            self.therapist.addItem(therapist.name, therapist.id)
        self.therapist.setCurrentIndex(max(0, self.therapist.findData(chosen)))
        self.therapist.blockSignals(False)

    # --- Exports ---------------------------------------------------------------------------------

    def choose_csv_export(self) -> None:
        """Export CSV…: the list as it is filtered, written off the UI thread (a year of a large clinic's
        appointments takes seconds)."""
        flt = self._filter
        start = str(Path.home() / f"appointments-{flt.date_from}-to-{flt.date_to}.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export appointments as CSV", start, "CSV files (*.csv)")
        if not path:
            return
        actor = self.actor

        def export(ctx: ServiceContext) -> Path:
            return write_file(Path(path), service.export_csv(ctx, actor, flt).encode("utf-8-sig"))

        ServiceOp(self, "Export CSV", export, self.ctx,
                  lambda written: self.prompts.info(self, "Export CSV", f"The appointments were saved to {written}."),
                  prompts=self.prompts).busy("Exporting the appointments as CSV…", self.export_csv_button).run()

    def choose_ics_export(self) -> None:
        flt = self._filter
        if flt.therapist_id is None:
            self.prompts.error(self, "Export calendar",
                               "A calendar file is for one physiotherapist: choose one in the "
                               "Physiotherapist list first.")
            self.therapist.setFocus()
            return
        name = self.therapist.currentText().lower().replace(" ", "-")
        start = str(Path.home() / f"{name}-{flt.date_from}-to-{flt.date_to}.ics")
        path, _ = QFileDialog.getSaveFileName(self, "Export calendar", start, "Calendar files (*.ics)")
        if not path:
            return
        actor, therapist_id = self.actor, flt.therapist_id

        def export(ctx: ServiceContext) -> Path:
            return write_file(Path(path), service.export_ics(ctx, actor, therapist_id, flt.date_from, flt.date_to))

        ServiceOp(self, "Export calendar", export, self.ctx,
                  lambda written: self.prompts.info(self, "Export calendar", f"The calendar was saved to {written}."),
                  prompts=self.prompts).busy("Exporting the calendar…", self.export_ics_button).run()
