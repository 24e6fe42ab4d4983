"""The Schedule tab: every therapist's day (or one therapist's week) as a grid of time slots.

Keyboard: Ctrl+T or Home = today; Ctrl+Left/Right or PgUp/PgDn = previous/next day (week in the
week view); Ctrl+G = go to a date; Ctrl+1 / Ctrl+2 = day / week; Enter on a white cell books it,
Enter on an appointment moves it; Ctrl+B = book, Ctrl+M = move, Ctrl+Shift+F = find next available
(Ctrl+F is the window's "Find a patient"); the status actions (arrived, cancel ...) are those of the
Appointments tab. The window's "Book again" (Ctrl+R) is in the context menu of an appointment.
These keys work while the schedule is shown, wherever the focus is (on the tab bar after Alt+S too).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.roles import Permission
from frontdesk.domain.when import format_day, format_time_range, format_weekday_date
from frontdesk.services.changes import Changes, Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.schedule_view import day_schedule, list_therapists, week_schedule
from frontdesk.ui.appointments.desk_undo import DeskUndo
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.geometry import recalled_value, remember_value
from frontdesk.ui.schedule.schedule_grid import INTERVAL_ROLE, ScheduleGridModel, ScheduleGridView
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.widgets import DateEdit

RELOAD_ON = frozenset({Kind.APPOINTMENTS, Kind.PATIENTS, Kind.SCREENINGS, Kind.THERAPISTS, Kind.CLINIC})


class ScheduleTab(QWidget):
    changed = Signal(set)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 desk: DeskUndo | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.desk = desk
        self.day: date = ctx.today()
        self.week_mode = False
        self.active_dialog = None
        self._shown_patients: set[int] = set()
        #: The window's actions on an appointment (Book again), added to the context menu.
        self.context_actions: list[QAction] = []

        self.model = ScheduleGridModel(ctx.zone, self)
        self.model.move_requested.connect(self.move_by_drop)
        self.view = ScheduleGridView(ctx.zone)
        self.view.setModel(self.model)
        self.view.cell_activated.connect(self.activate_cell)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)

        self.toolbar = QToolBar()
        self.toolbar.setObjectName("schedule_toolbar")
        # The selected appointment's actions get a row of their own, beside the day's title, so none of
        # them hides behind the toolbar's "»" on a 1024-pixel screen.
        self.status_toolbar = QToolBar()
        self.status_toolbar.setObjectName("schedule_status_toolbar")
        self.previous_action = self._action("◀ &Previous", ["Ctrl+Left", "PgUp"], "Previous day", self.previous)
        self.today_action = self._action("&Today", ["Ctrl+T", "Home"], "Go to today", self.go_today)
        self.next_action = self._action("&Next ▶", ["Ctrl+Right", "PgDown"], "Next day", self.next)
        self.date_edit = DateEdit(weekday=True, today=ctx.today)
        self.date_edit.setObjectName("go_to_date")
        self.date_edit.setToolTip("Go to a date (Ctrl+G): type it, or Alt+Down for the calendar")
        self.date_edit.date_chosen.connect(self._date_picked)
        self.goto_action = self._action("&Go to date", ["Ctrl+G"], "Go to a date", self.focus_date, toolbar=False)
        self.view_combo = QComboBox()
        self.view_combo.setObjectName("view_mode")
        self.view_combo.addItems(["Day: all physiotherapists", "Week: one physiotherapist"])
        self.view_combo.currentIndexChanged.connect(lambda index: self.set_week_mode(index == 1))
        self.day_action = self._action("Day view", ["Ctrl+1"], "Show everyone's day",
                                       lambda: self.set_week_mode(False), toolbar=False)
        self.week_action = self._action("Week view", ["Ctrl+2"], "Show one physiotherapist's week",
                                        lambda: self.set_week_mode(True), toolbar=False)
        self.therapist_combo = QComboBox()
        self.therapist_combo.setObjectName("week_therapist")
        self.therapist_combo.setToolTip("Whose week to show")
        self._fill_therapists()
        self.therapist_combo.currentIndexChanged.connect(self._therapist_picked)

        self.toolbar.addAction(self.previous_action)
        self.toolbar.addAction(self.today_action)
        self.toolbar.addAction(self.next_action)
        self.toolbar.addWidget(self.date_edit)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.view_combo)
        self.therapist_combo_action = self.toolbar.addWidget(self.therapist_combo)
        self.toolbar.addSeparator()
        self.book_action = self._action("&Book…", ["Ctrl+B"], "Book an appointment", self.book)
        self.move_action = self._action("&Move…", ["Ctrl+M"], "Move the selected appointment", self.move_selected)
        self.find_action = self._action("&Find next available…", ["Ctrl+Shift+F"], "Find the next free slots",
                                        self.find_next_available)
        self._apply_role()
        self.signed_in.changed.connect(self._role_changed)
        self.status_actions = self._status_actions()

        self.title = QLabel("")
        self.title.setObjectName("schedule_title")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.summary = QLabel("")
        self.summary.setObjectName("schedule_summary")
        self.message = QLabel("")
        self.message.setObjectName("schedule_message")
        self.message.setWordWrap(True)
        legend = QLabel("White: free · Grey: not working · Hatched: away · Struck through: cancelled or "
                        "no-show. Enter or double-click books a free cell or moves an appointment; "
                        "drag a block to move it.")
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #555;")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.status_toolbar)
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addLayout(footer)
        layout.addWidget(legend)
        self.setFocusProxy(self.view)
        self.set_week_mode(False)

    # --- Building ---------------------------------------------------------------------------------

    def _action(self, text: str, keys: list[str], tip: str, slot, toolbar: bool = True) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        # Window-wide while the schedule is shown (after Alt+S the focus is on the tab bar, not in the grid).
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({', '.join(keys)})")
        action.triggered.connect(slot)
        self.addAction(action)
        if toolbar and text:
            self.toolbar.addAction(action)
        return action

    @property
    def may_book(self) -> bool:
        return self.actor.may(Permission.BOOK)

    def _apply_role(self, *_args) -> None:
        """Booking actions follow the signed-in person's role (another person may unlock the window)."""
        for action in (self.book_action, self.move_action, self.find_action):
            action.setEnabled(self.may_book)

    def _role_changed(self, *_args) -> None:
        self._apply_role()
        self._current_changed(self.view.currentIndex())

    def _status_actions(self):
        try:
            from frontdesk.ui.appointments.appointment_actions import StatusActions
        except ImportError:
            return None
        actions = StatusActions(self.ctx, self.signed_in, self.prompts, self, self.selected_appointment,
                                desk=self.desk)
        actions.changed.connect(self._after_change)
        actions.reload_needed.connect(self.reload)
        for action in actions.all:
            self.status_toolbar.addAction(action)
        return actions

    def _fill_therapists(self) -> None:
        wanted = (self.therapist_combo.currentData() or self.actor.therapist_id
                  or recalled_value("schedule/week_therapist"))
        self.therapist_combo.blockSignals(True)
        self.therapist_combo.clear()
        for therapist in list_therapists(self.ctx, self.actor):
            self.therapist_combo.addItem(therapist.name, therapist.id)
        index = self.therapist_combo.findData(int(wanted)) if wanted else -1
        self.therapist_combo.setCurrentIndex(max(index, 0))
        self.therapist_combo.blockSignals(False)

    # --- Navigation -------------------------------------------------------------------------------

    @property
    def step(self) -> timedelta:
        return timedelta(days=7 if self.week_mode else 1)

    def go_to(self, day: date) -> None:
        self.day = day
        self.reload()

    def go_today(self) -> None:
        self.go_to(self.ctx.today())

    def previous(self) -> None:
        self.go_to(self.day - self.step)

    def next(self) -> None:
        self.go_to(self.day + self.step)

    def focus_date(self) -> None:
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.date_edit.selectAll()

    def _date_picked(self, picked: date) -> None:
        if picked != self.day:
            self.go_to(picked)

    def set_week_mode(self, week: bool) -> None:
        self.week_mode = week
        self.view_combo.blockSignals(True)
        self.view_combo.setCurrentIndex(1 if week else 0)
        self.view_combo.blockSignals(False)
        self.therapist_combo_action.setVisible(week)
        self.previous_action.setToolTip(f"Previous {'week' if week else 'day'} (Ctrl+Left, PgUp)")
        self.next_action.setToolTip(f"Next {'week' if week else 'day'} (Ctrl+Right, PgDown)")
        self.reload()

    def _therapist_picked(self) -> None:
        remember_value("schedule/week_therapist", self.therapist_combo.currentData())
        if self.week_mode:
            self.reload()

    # --- Loading ----------------------------------------------------------------------------------

    def refresh(self, changes: set[Kind]) -> None:
        if Kind.THERAPISTS in changes:
            self._fill_therapists()
        if changes & RELOAD_ON and self._shows(changes):
            from frontdesk.ui.common.master_detail import kept_scroll

            with kept_scroll(self.view):
                self.reload()
        # An open booking or move dialog follows other desks' changes itself (`follow_changes`).

    def _shows(self, changes: set[Kind]) -> bool:
        """Whether a change (another desk's names exactly what) touches the day or week shown."""
        from frontdesk.services.changes import touches_days, touches_patient

        if changes & (RELOAD_ON - {Kind.APPOINTMENTS, Kind.PATIENTS, Kind.SCREENINGS}):
            return True
        first = self.day - timedelta(days=self.day.weekday()) if self.week_mode else self.day
        last = first + timedelta(days=6) if self.week_mode else first
        if touches_days(changes, first, last, self.therapist_combo.currentData() if self.week_mode else None):
            return True
        return any(touches_patient(changes, patient_id) for patient_id in self._shown_patients)

    def reload(self) -> None:
        current = self.view.currentIndex()
        keep = (current.row(), current.column()) if current.isValid() else None
        try:
            if self.week_mode:
                therapist_id = self.therapist_combo.currentData()
                if therapist_id is None:
                    return
                week_start = self.day - timedelta(days=self.day.weekday())
                schedule = week_schedule(self.ctx, self.actor, therapist_id, week_start)
                self.model.set_week(schedule)
                self.title.setText(f"{schedule.therapist.name}: week of {format_day(week_start)}, "
                                   f"{week_start.year}")
                appointments = schedule.appointments
            else:
                schedule = day_schedule(self.ctx, self.actor, self.day)
                self.model.set_day(schedule)
                today = "  (today)" if self.day == self.ctx.today() else ""
                self.title.setText(f"{format_weekday_date(self.day)}{today}")
                appointments = schedule.appointments
        except ServiceError as error:
            self.message.setText(error.message)
            return
        self._shown_patients = {a.patient_id for a in appointments}
        self.date_edit.set_date(self.day)
        self.view.apply_spans()
        live = sum(1 for a in appointments if a.is_live)
        gone = len(appointments) - live
        self.summary.setText(f"{live} booked" + (f", {gone} cancelled or no-show" if gone else ""))
        if keep and keep[0] < self.model.rowCount() and keep[1] < self.model.columnCount():
            self.view.setCurrentIndex(self.model.index(*keep))
        elif self.model.rowCount() and self.model.columnCount():
            self._select_first_working_cell()
        self._current_changed(self.view.currentIndex())

    def _select_first_working_cell(self) -> None:
        found = self.model.first_bookable()
        if found is not None:
            index = self.model.index(*found)
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index, ScheduleGridView.ScrollHint.PositionAtTop)
            return
        self.view.setCurrentIndex(self.model.index(0, 0))

    # --- Selection --------------------------------------------------------------------------------

    def selected_appointment(self) -> AppointmentRecord | None:
        return self.model.appointment_at(self.view.currentIndex())

    def _current_changed(self, index: QModelIndex, _previous: QModelIndex | None = None) -> None:
        record = self.model.appointment_at(index)
        self.move_action.setEnabled(self.may_book and record is not None and record.status.value == "booked")
        if self.status_actions is not None:
            self.status_actions.update_enabled(record)
        self.message.setText("")

    def select_appointment(self, appointment_id: int) -> None:
        index = self.model.anchor_index(appointment_id)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    # --- Acting on cells --------------------------------------------------------------------------

    def activate_cell(self, index: QModelIndex) -> None:
        record = self.model.appointment_at(index)
        if record is not None:
            if record.status.value == "booked":
                self.move_selected()
            else:
                self.message.setText(f"{record.patient_name}'s appointment is {record.status.label.lower()}; "
                                     "it stays here for the record.")
            return
        if not self.model.is_bookable(index):
            interval = index.data(INTERVAL_ROLE)
            column = self.model.columns[index.column()]
            self.message.setText(f"{column.therapist.name} is not working at "
                                 f"{format_time_range(interval, self.ctx.zone)}. Pick a white cell, or use "
                                 "Find next available (Ctrl+Shift+F).")
            return
        column = self.model.columns[index.column()]
        self.book(start=index.data(INTERVAL_ROLE).start, therapist_id=column.therapist.id)

    def book(self, *, start: datetime | None = None, therapist_id: int | None = None) -> None:
        if not self.may_book:
            return
        if start is None:
            index = self.view.currentIndex()
            if index.isValid() and self.model.appointment_at(index) is None \
                    and index.data(INTERVAL_ROLE).start >= self.ctx.now():
                start = index.data(INTERVAL_ROLE).start
                therapist_id = self.model.columns[index.column()].therapist.id
            # otherwise the dialog starts at the next free time (never in the past)
        try:
            from frontdesk.ui.schedule.booking_dialog import BookingDialog  # the first screen does not need it

            dialog = BookingDialog(self.ctx, self.actor, self, start=start, therapist_id=therapist_id)
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error, self.prompts)
            return
        self._open(dialog, lambda: self._booked(dialog.booked))

    def _booked(self, records: list[AppointmentRecord]) -> None:
        if not records:
            return
        first = records[0]
        if self.status_actions is not None:
            self.status_actions.desk.booked(records)
        self.day = first.starts_at.astimezone(self.ctx.zone).date()
        self._after_change(Changes.made(Kind.APPOINTMENTS))
        self.select_appointment(first.id)
        self.message.setText(f"Booked {first.patient_name}, {format_time_range(first.interval, self.ctx.zone)} "
                             f"with {first.therapist_name}" + (f" ({len(records)} dates)" if len(records) > 1 else "")
                             + ".")

    def move_selected(self) -> None:
        record = self.selected_appointment()
        if record is None or not self.may_book:
            return
        from frontdesk.ui.schedule.schedule_move import MoveDialog

        dialog = MoveDialog(self.ctx, self.actor, record, self, self.prompts)
        dialog.finished.connect(lambda _result: dialog.conflicted and self.reload())
        self._open(dialog, lambda: self._moved(dialog.moved, record))

    def _moved(self, record: AppointmentRecord | None, before: AppointmentRecord | None = None) -> None:
        if record is None:
            return
        if before is not None and self.status_actions is not None:
            self.status_actions.desk.moved(before, record)
        self.day = record.starts_at.astimezone(self.ctx.zone).date()
        self._after_change(Changes.made(Kind.APPOINTMENTS))
        self.select_appointment(record.id)
        self.message.setText(f"Moved {record.patient_name} to {format_time_range(record.interval, self.ctx.zone)} "
                             f"with {record.therapist_name}.")

    def move_by_drop(self, appointment_id: int, version: int, start: datetime, therapist_id: int) -> None:
        """A block was dropped on a cell: move it there (the service checks every rule)."""
        from frontdesk.services.booking import IntervalReasonNeeded, reschedule_appointment

        before = self.model.appointment_at(self.model.anchor_index(appointment_id))
        try:
            record = reschedule_appointment(self.ctx, self.actor, appointment_id, version, start, therapist_id)
        except IntervalReasonNeeded as error:
            self.prompts.error(self, "Move appointment", f"{error.warning} Not moved: use Move… (Ctrl+M) to "
                                                         "give the reason.")
            return
        except Conflict as error:
            self.prompts.error(self, "Move appointment", error.message)
            self.reload()
            return
        except ServiceError as error:
            self.prompts.error(self, "Move appointment", error.message)
            return
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error, self.prompts)
            return
        self._moved(record, before)

    def find_next_available(self) -> None:
        if not self.may_book:
            return
        column = self.model.columns[self.view.currentIndex().column()] if self.view.currentIndex().isValid() \
            and self.week_mode else None
        from frontdesk.ui.schedule.booking_find import FindSlotDialog

        dialog = FindSlotDialog(self.ctx, self.actor, self, therapist_id=column.therapist.id if column else None)
        # After the finder has closed: the booking form, filled in with the slot (Enter books).
        self._open(dialog, lambda: QTimer.singleShot(0, lambda: self._book_slot(dialog)))

    def _book_slot(self, finder) -> None:
        slot = finder.chosen_slot
        if slot is None:
            return
        from frontdesk.ui.schedule.booking_dialog import BookingDialog

        try:
            dialog = BookingDialog(self.ctx, self.actor, self, start=slot.starts_at, therapist_id=slot.therapist_id,
                                   type_id=finder.chosen_type_id, patient=finder.patient.chosen,
                                   area=finder.chosen_area)
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error, self.prompts)
            return
        (dialog.book_button if finder.patient.chosen is not None else dialog.patient).setFocus()
        self._open(dialog, lambda: self._booked(dialog.booked))

    def _open(self, dialog, on_accept) -> None:
        """Open without blocking (tests drive the dialog); act when it is accepted."""
        self.active_dialog = dialog
        dialog.accepted.connect(on_accept)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()
        self.view.setFocus()

    def _after_change(self, changes: Changes) -> None:
        self.reload()
        self.changed.emit(changes)

    def _context_menu(self, position) -> None:
        index = self.view.indexAt(position)
        if index.isValid():
            self.view.setCurrentIndex(index)
        menu = QMenu(self)
        if self.model.appointment_at(index) is None:
            menu.addAction(self.book_action)
        else:
            for action in self.context_actions:
                menu.addAction(action)
            menu.addAction(self.move_action)
            if self.status_actions is not None:
                for action in self.status_actions.all:
                    menu.addAction(action)
        menu.addAction(self.find_action)
        menu.popup(self.view.viewport().mapToGlobal(position))

