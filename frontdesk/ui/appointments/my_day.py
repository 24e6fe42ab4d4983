""""My day": one physiotherapist's appointments on one day, with IMS flags and the day sheet.

Each row shows the area, that area's IMS verdict and its "not before" date: for an IMS appointment the
area booked, and for any appointment the patient's other areas that may not be needled that day (a
knee that is "not yet" shows beside an ordinary physiotherapy visit too). Enter opens the detail.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from enum import StrEnum

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import ImsFlag
from frontdesk.domain.level_looks import look_of
from frontdesk.domain.when import format_date, format_day
from frontdesk.services import appointments as service
from frontdesk.services.changes import Kind, touches_days
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.my_day import AreaOutlook, MyDayRow, my_day_rows
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.schedule_view import list_therapists
from frontdesk.ui.appointments.appointment_actions import StatusActions
from frontdesk.ui.appointments.appointment_detail import AppointmentDetailPane
from frontdesk.ui.appointments.appointment_list import action_button
from frontdesk.ui.appointments.appointment_model import AppointmentTableModel, Column
from frontdesk.ui.appointments.desk_undo import DeskUndo
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import recalled_value, remember_value
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn
from frontdesk.ui.common.widgets import DateEdit

THERAPIST_KEY = "my_day/therapist"


class DayColumn(StrEnum):
    """My day's own columns, beside the appointment list's."""

    AREA = "Area"
    NOT_BEFORE = "Not before"


MY_DAY_COLUMNS = (Column.TIME, Column.PATIENT, Column.TYPE, DayColumn.AREA, Column.IMS, DayColumn.NOT_BEFORE,
                  Column.STATUS)


def _verdict_text(outlook: AreaOutlook) -> str:
    """The level's sign and words, as the Intake tab and the printouts show them ('◷ Not yet'); an
    out-of-date or missing screening says so."""
    if outlook.level is None or outlook.stale:
        return outlook.flag.short or outlook.flag.label
    return look_of(outlook.level).text()


_SENTENCES = {
    ImsFlag.ELIGIBLE: "IMS may go ahead",
    ImsFlag.NOT_YET: "not yet",
    ImsFlag.NOT_ELIGIBLE: "not eligible for IMS",
    ImsFlag.REVIEW_PENDING: "waiting for a physiotherapist's review",
    ImsFlag.STALE_SCREENING: "the screening is out of date: screen again",
    ImsFlag.NO_SCREENING: "not screened for IMS yet",
}


def _outlook_sentence(record: AppointmentRecord, outlook: AreaOutlook) -> str:
    """``Left knee: not yet, not before January 14, 2027.``"""
    text = f"{outlook.area}: {_SENTENCES.get(outlook.flag, outlook.flag.label)}"
    if outlook.not_before is not None:
        text += f", not before {format_date(outlook.not_before)}"
    return text + "."


class MyDayModel(AppointmentTableModel):
    """The day's appointments with, per row, each area worth knowing about on its own line."""

    def __init__(self, zone, parent=None) -> None:
        super().__init__(zone, MY_DAY_COLUMNS, parent=parent)
        self._outlooks: dict[int, tuple[AreaOutlook, ...]] = {}

    def set_rows(self, rows: list[MyDayRow]) -> None:
        self._outlooks = {row.record.id: row.outlooks for row in rows}
        self.set_records([row.record for row in rows])

    def outlooks(self, record: AppointmentRecord) -> tuple[AreaOutlook, ...]:
        return self._outlooks.get(record.id, ())

    def _text(self, record: AppointmentRecord, column) -> str:
        if column is DayColumn.AREA:
            return "\n".join(o.area for o in self.outlooks(record))
        if column is Column.IMS:
            return "\n".join(_verdict_text(o) for o in self.outlooks(record))
        if column is DayColumn.NOT_BEFORE:
            return "\n".join(format_date(o.not_before) if o.not_before else "" for o in self.outlooks(record))
        return super()._text(record, column)

    def _tooltip(self, record: AppointmentRecord, column) -> str | None:
        if column in (DayColumn.AREA, Column.IMS, DayColumn.NOT_BEFORE):
            outlooks = self.outlooks(record)
            if not outlooks:
                return None
            lines = [_outlook_sentence(record, o) for o in outlooks]
            if not record.is_ims:
                lines.insert(0, "Ordinary physiotherapy is fine today. For IMS later:")
            return "\n".join(lines)
        return super()._tooltip(record, column)


class AppointmentDetailDialog(QDialog):
    """Enter on a row of My day: the appointment, the patient's latest screening and its history."""

    def __init__(self, ctx: ServiceContext, detail: service.AppointmentDetail, outlooks: tuple[AreaOutlook, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        record = detail.appointment
        self.setWindowTitle(f"Appointment — {record.patient_name}")
        self.pane = AppointmentDetailPane(ctx)
        self.pane.setObjectName("my_day_detail")
        self.pane.show_detail(detail)
        # Worth a line of its own only when some area may not be needled that day (the pane below
        # already says whether the IMS booked may go ahead).
        worth = any(o.warns or o.not_before for o in outlooks)
        sentences = "<br>".join(escape(_outlook_sentence(record, o)) for o in outlooks)
        self.outlook = QLabel(f"<b>IMS by area on this day</b><br>{sentences}" if worth else "")
        self.outlook.setObjectName("my_day_detail_outlook")
        self.outlook.setWordWrap(True)
        self.outlook.setVisible(worth)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.pane.widget().layout().insertWidget(1, self.outlook)  # after who and when, before the screening
        layout = QVBoxLayout(self)
        layout.addWidget(self.pane, 1)
        layout.addWidget(buttons)
        self.resize(480, 440)


class MyDayWidget(QWidget):
    changed = Signal(set)
    #: ("day_sheet", therapist id, day): the documents feature prints it.
    print_requested = Signal(str, int, object)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor | SignedIn, prompts: Prompts,
                 parent: QWidget | None = None, *, desk: DeskUndo | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.detail_dialog: AppointmentDetailDialog | None = None
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.therapist = QComboBox()
        self.therapist.setObjectName("my_day_therapist")
        self.therapist.setMinimumWidth(200)
        self._fill_therapists()
        therapist_label = QLabel("Physiothe&rapist")
        therapist_label.setBuddy(self.therapist)
        self.day = DateEdit(weekday=True, today=ctx.today)
        self.day.set_date(ctx.today())
        self.day.setObjectName("my_day_date")
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

        self.model = MyDayModel(ctx.zone, parent=self)
        self.table = QTableView()
        self.table.setObjectName("my_day_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MY_DAY_COLUMNS.index(Column.PATIENT), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.master = MasterDetail(self.table, lambda index: getattr(self.model.record(index.row()), "id", None),
                                   self._selection_moved)
        self.master.follow(self.table.selectionModel().selectionChanged)
        self.table.activated.connect(self.open_detail)
        layout.addWidget(self.table, 1)

        self.actions = StatusActions(ctx, self.signed_in, prompts, self, self.current_record, desk=desk)
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
        self.day.date_chosen.connect(self.reload)
        self.signed_in.changed.connect(self._person_changed)
        self.reload()

    def _fill_therapists(self) -> None:
        therapists = call_service(self, self.prompts, "Physiotherapists", list_therapists, self.ctx,
                                  self.actor) or []
        for therapist in therapists:
            self.therapist.addItem(therapist.name, therapist.id)
        # A physiotherapist's own list first; anyone else finds the one chosen last time.
        wanted = self.actor.therapist_id if self.actor.therapist_id is not None else recalled_value(THERAPIST_KEY)
        try:
            index = self.therapist.findData(int(wanted)) if wanted is not None else -1
        except (TypeError, ValueError):
            index = -1
        self.therapist.setCurrentIndex(max(index, 0) if self.therapist.count() else -1)

    def _day_button(self, text: str, tip: str, shortcut: str, step: int) -> QToolButton:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # while My day is shown, wherever the focus is
        action.triggered.connect(lambda: self.go_to(self.ctx.today() if step == 0 else
                                                    self.current_day() + timedelta(days=step)))
        self.addAction(action)
        return action_button(action)

    # --- State -----------------------------------------------------------------------------------

    def current_therapist(self) -> int | None:
        return self.therapist.currentData()

    def current_day(self) -> date:
        """The day shown (a date typed that cannot be read keeps the day before)."""
        shown = self.day.date()
        if shown is None:
            shown = getattr(self, "_shown_day", None) or self.ctx.today()
        self._shown_day = shown
        return shown

    def go_to(self, day: date) -> None:
        self.day.set_date(day)
        self.reload()

    def choose_therapist(self, therapist_id: int) -> None:
        self.therapist.setCurrentIndex(self.therapist.findData(therapist_id))

    def show_own_day(self) -> None:
        """Today's list of the signed-in physiotherapist (nothing changes for an account without one)."""
        own = self.actor.therapist_id
        if own is not None and self.therapist.findData(own) >= 0:
            self.choose_therapist(own)
            self.go_to(self.ctx.today())

    def _person_changed(self, _actor: Actor) -> None:
        self.show_own_day()

    def current_record(self) -> AppointmentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _therapist_chosen(self, _index: int) -> None:
        therapist_id = self.current_therapist()
        if therapist_id is not None:
            remember_value(THERAPIST_KEY, therapist_id)
        self.reload()

    # --- Loading ---------------------------------------------------------------------------------

    def reload(self, *_args: object, keep_scroll: bool = False) -> None:
        """Read the day again: the selected appointment stays selected (else the first not yet over)."""
        with self.master.reload(keep_scroll=keep_scroll, first=self._first_row_to_see):
            self._read_day()

    def _read_day(self) -> None:
        therapist_id, day = self.current_therapist(), self.current_day()
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
            return
        rows = call_service(self, self.prompts, "My day", my_day_rows, self.ctx, self.actor, therapist_id, day) or []
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        self.summary.setText(self._summary(self.model.records))

    def _first_row_to_see(self) -> int | None:
        """Today: the first appointment not yet over; another day: the first."""
        records = self.model.records
        if not records:
            return None
        if self.current_day() != self.ctx.today():
            return 0
        now = self.ctx.now()
        return next((row for row, record in enumerate(records) if record.ends_at > now and record.is_live), 0)

    def open_detail(self, index: QModelIndex | None = None) -> AppointmentDetailDialog | None:
        """The selected appointment's detail (Enter or a double-click on a row)."""
        record = self.model.record(index.row()) if index is not None and index.isValid() else self.current_record()
        if record is None:
            return None
        detail = call_service(self, self.prompts, "Appointment", service.appointment_detail, self.ctx, self.actor,
                              record.id)
        if detail is None:
            return None
        self.detail_dialog = dialog = AppointmentDetailDialog(self.ctx, detail, self.model.outlooks(record), self)
        self.detail_dialog.finished.connect(self._detail_closed)
        from frontdesk.ui.window.live_updates import follow_changes

        def changed(changes: set) -> None:  # another desk's change to what it shows: read it again
            if getattr(changes, "remote", False) and dialog.pane.shows_changed(changes):
                again = call_service(dialog, self.prompts, "Appointment", service.appointment_detail, self.ctx,
                                     self.actor, record.id)
                if again is not None:
                    dialog.pane.show_detail(again)

        follow_changes(dialog, changed)
        self.detail_dialog.open()
        return self.detail_dialog

    def _detail_closed(self, _result: int) -> None:
        """Back on the same row of the list, ready for the next Down and Enter."""
        self.activateWindow()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def refresh(self, changes: set[Kind]) -> None:
        day, therapist = self.current_day(), self.current_therapist()
        if changes & {Kind.PATIENTS, Kind.SCREENINGS, Kind.CONSENTS, Kind.THERAPISTS} or \
                touches_days(changes, day, day, therapist):
            if Kind.THERAPISTS in changes:
                chosen = self.current_therapist()
                self.therapist.blockSignals(True)
                self.therapist.clear()
                self._fill_therapists()
                if chosen is not None and self.therapist.findData(chosen) >= 0:
                    self.therapist.setCurrentIndex(self.therapist.findData(chosen))
                self.therapist.blockSignals(False)
            self.reload(keep_scroll=True)

    def request_print(self) -> None:
        therapist_id = self.current_therapist()
        if therapist_id is not None:
            self.print_requested.emit("day_sheet", therapist_id, self.current_day())

