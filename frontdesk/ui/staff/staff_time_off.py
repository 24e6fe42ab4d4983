"""The Time off and Extra hours pages of the physiotherapists dialog.

Time off warns, before anything is saved, with the appointments already booked in it; the admin goes
ahead or not. Nothing is cancelled automatically: the booked patients are the front desk's calls.
"""

from __future__ import annotations

from datetime import time, timedelta
from itertools import pairwise

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.scheduling import Interval
from frontdesk.services.changes import Changes
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.records import TherapistInfo
from frontdesk.services.therapist_time import add_extra_hours, add_time_off
from frontdesk.services.staff import (
    THERAPIST_CHANGES,
    ExceptionKind,
    ScheduleExceptionEntry,
    booked_appointments,
    cancel_schedule_exception,
    describe_appointments,
    list_schedule_exceptions,
    part_of_day,
    whole_days,
)
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.staff.staff_models import ScheduleExceptionModel
from frontdesk.ui.common.widgets import ERROR_STYLE, DateEdit

#: How far back the list reaches: a month by default, three years with "Show earlier entries".
RECENT_DAYS = 31
EARLIER_DAYS = 3 * 366
AHEAD_DAYS = 3 * 366


def _time_edit(name: str, value: time) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute))
    edit.setObjectName(name)
    edit.setDisplayFormat("HH:mm")
    return edit


def _wall(edit: QTimeEdit) -> time:
    return time(edit.time().hour(), edit.time().minute())


class ExceptionPanel(QWidget):
    """A list of one kind of dated change for the selected physiotherapist, and a form to add one."""

    changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, kind: ExceptionKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts, self.kind = ctx, actor, prompts, kind
        self.therapist: TherapistInfo | None = None
        time_off = kind is ExceptionKind.TIME_OFF
        prefix = "time_off" if time_off else "extra"

        self.model = ScheduleExceptionModel(ctx.zone, ctx.now(), self)
        self.table = QTableView()
        self.table.setObjectName(f"{prefix}_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.show_earlier = QCheckBox("Show &earlier entries")
        self.show_earlier.toggled.connect(self.reload)
        self.cancel_button = QPushButton("&Cancel the selected entry…")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)

        self.first_day = DateEdit()
        self.first_day.setObjectName(f"{prefix}_first_day")
        self.last_day = DateEdit()
        self.last_day.setObjectName(f"{prefix}_last_day")
        self.last_day.setPlaceholderText("same day")
        self.whole_days = QCheckBox("&Whole days")
        self.whole_days.setObjectName(f"{prefix}_whole_days")
        self.start = _time_edit(f"{prefix}_start", time(8) if time_off else time(9))
        self.end = _time_edit(f"{prefix}_end", time(12))
        self.reason = QLineEdit()
        self.reason.setObjectName(f"{prefix}_reason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Holiday, course, sick day …" if time_off else "Why, if it helps (optional)")
        self.add_button = QPushButton("&Add time off" if time_off else "&Add extra hours")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        for field in (self.first_day, self.last_day, self.reason):
            field.returnPressed.connect(self.add)
        self.notice = QLabel()
        self.notice.setObjectName(f"{prefix}_notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff4ce; border: 1px solid #c9a400; border-radius: 3px; padding: 4px;")
        self.notice.hide()
        self.error = QLabel()
        self.error.setObjectName(f"{prefix}_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        times = QHBoxLayout()
        from_label = QLabel("Fro&m")
        from_label.setBuddy(self.start)
        until_label = QLabel("&until")
        until_label.setBuddy(self.end)
        for widget in (from_label, self.start, until_label, self.end):
            times.addWidget(widget)
        if time_off:
            days = QHBoxLayout()
            last_label = QLabel("to the &last day")
            last_label.setBuddy(self.last_day)
            for widget in (self.first_day, last_label, self.last_day, self.whole_days):
                days.addWidget(widget)
            days.addStretch(1)
            first_label = QLabel("F&irst day")
            first_label.setBuddy(self.first_day)
            form.addRow(first_label, days)
            self.whole_days.setChecked(True)
            self.whole_days.toggled.connect(self._whole_days_toggled)
            self._whole_days_toggled(True)
        else:
            day_label = QLabel("Da&y")
            day_label.setBuddy(self.first_day)
            form.addRow(day_label, self.first_day)
            for unused in (self.last_day, self.whole_days):
                unused.setParent(self)
                unused.hide()
        times.addStretch(1)
        form.addRow("Time", times)
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        self.reason.setMinimumWidth(320)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        form.addRow("", add_row)

        list_row = QHBoxLayout()
        list_row.addWidget(self.show_earlier)
        list_row.addStretch(1)
        list_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        heading = QLabel("<b>New time off</b>" if time_off else "<b>New extra hours</b> (outside the weekly hours, "
                         "for one day)")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addSpacing(6)
        layout.addWidget(QLabel("<b>Entered</b> (cancelled entries stay listed)"))
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(list_row)
        chain = [self.first_day, *((self.last_day, self.whole_days) if time_off else ()), self.start, self.end,
                 self.reason, self.add_button, self.table, self.show_earlier, self.cancel_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self._update_buttons()

    # --- Loading ---------------------------------------------------------------------------------

    def load(self, therapist: TherapistInfo | None) -> None:
        self.therapist = therapist
        self.error.hide()
        self.notice.hide()
        self.reload()

    def changed_elsewhere(self, changes: set) -> None:
        """Another desk added or cancelled an entry of the physiotherapist shown: the list shows it at
        once, keeping the selected entry and what is typed in the form above; a line says who."""
        from frontdesk.domain.when import format_time
        from frontdesk.services.saved_meanwhile import changed_by
        from frontdesk.ui.window.live_updates import touches_therapist

        if self.therapist is None or not getattr(changes, "remote", False) or \
                not touches_therapist(changes, self.therapist.id):
            return
        before = list(self.model.rows)
        self.reload()
        if list(self.model.rows) == before:
            return
        try:
            change = changed_by(self.ctx, self.actor, self.kind.value, None, therapist_id=self.therapist.id)
        except ServiceError:
            change = None
        who = f" by {change.name} at {format_time(change.at, self.ctx.zone)}" if change is not None else ""
        self.notice.setText(f"⚠ {self.kind.label} of {self.therapist.name} changed at another desk{who}: "
                            "the list below shows it now.")
        self.notice.show()

    def reload(self, *_: object) -> None:
        if self.therapist is None:
            self.model.set_rows([])
            return
        kept = self.selected()
        today = self.ctx.today()
        first = today - timedelta(days=EARLIER_DAYS if self.show_earlier.isChecked() else RECENT_DAYS)
        entries = call_service(self, self.prompts, self.kind.label, list_schedule_exceptions, self.ctx, self.actor,
                               self.therapist.id, first, today + timedelta(days=AHEAD_DAYS))
        self.model.now = self.ctx.now()
        self.model.set_rows(e for e in entries or [] if e.kind is self.kind)
        if kept is not None:
            row = next((i for i, e in enumerate(self.model.rows) if e.id == kept.id), None)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))

    def selected(self) -> ScheduleExceptionEntry | None:
        return self.model.row_at(self.table.currentIndex().row())

    # --- Adding ----------------------------------------------------------------------------------

    def entered_interval(self) -> Interval:
        """The stretch typed in the form; `ValidationFailed` names the field that is wrong."""
        first = self.first_day.date()
        if first is None:
            raise ValidationFailed({"first_day": self.first_day.problem() or "Type the first day."})
        if self.kind is ExceptionKind.TIME_OFF and self.whole_days.isChecked():
            if self.last_day.problem():
                raise ValidationFailed({"last_day": self.last_day.problem()})
            return whole_days(first, self.last_day.date() or first, self.ctx.zone)
        return part_of_day(first, _wall(self.start), _wall(self.end), self.ctx.zone)

    def add(self) -> None:
        if self.therapist is None:
            return
        try:
            interval = self.entered_interval()
        except ValidationFailed as refused:
            self._show_error(" ".join(refused.errors.values()))
            return
        reason = self.reason.text().strip()
        if self.kind is ExceptionKind.TIME_OFF:
            if not self._go_ahead_despite_bookings(interval):
                return
            service = add_time_off
        else:
            service = add_extra_hours
        try:
            service(self.ctx, self.actor, self.therapist.id, interval.start, interval.end, reason)
        except ServiceError as error:
            self._show_error(" ".join(error.errors.values()) if isinstance(error, ValidationFailed) else error.message)
            return
        self.error.hide()
        self.notice.hide()  # the list is read again now: the note about another desk's change is old news
        self.reason.clear()
        self.reload()
        self._select_entry_at(interval)
        self.changed.emit(Changes.made(THERAPIST_CHANGES))

    def _go_ahead_despite_bookings(self, interval: Interval) -> bool:
        booked = call_service(self, self.prompts, "Time off", booked_appointments, self.ctx, self.actor,
                              self.therapist.id, interval.start, interval.end)
        if booked is None:
            return False
        if not booked:
            return True
        count = len(booked)
        return self.prompts.confirm(
            self, "Appointments already booked",
            f"{self.therapist.name} has {count} appointment{'s' if count != 1 else ''} booked in this time:\n\n"
            f"{describe_appointments(booked, self.ctx.zone)}\n\n"
            f"Recording the time off does not cancel {'them' if count != 1 else 'it'}: call "
            f"{'these patients' if count != 1 else 'the patient'} to move or cancel. Record the time off anyway?")

    def _select_entry_at(self, interval: Interval) -> None:
        for row, entry in enumerate(self.model.rows):
            if entry.interval == interval and not entry.cancelled:
                self.table.setCurrentIndex(self.model.index(row, 0))
                return

    # --- Cancelling ------------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.cancelled or self.therapist is None:
            return
        name = self.therapist.name
        if entry.kind is ExceptionKind.TIME_OFF:
            message = (f"Cancel this time off? {name} can be booked again in that time, within the weekly "
                       "hours. The entry stays in the list, marked cancelled.")
        else:
            booked = call_service(self, self.prompts, "Extra hours", booked_appointments, self.ctx, self.actor,
                                  self.therapist.id, entry.interval.start, entry.interval.end) or []
            message = "Cancel these extra hours? The entry stays in the list, marked cancelled."
            if booked:
                message += (f"\n\nThese appointments stay booked but will be outside {name}'s hours; call the "
                            f"patients to move them:\n\n{describe_appointments(booked, self.ctx.zone)}")
        if not self.prompts.confirm(self, f"Cancel {self.kind.label.lower()}", message):
            return
        if call_service(self, self.prompts, self.kind.label, cancel_schedule_exception, self.ctx, self.actor,
                        entry.id) is not None:
            self.reload()
            self.changed.emit(Changes.made(THERAPIST_CHANGES))

    # --- State -----------------------------------------------------------------------------------

    def _whole_days_toggled(self, whole: bool) -> None:
        self.start.setEnabled(not whole)
        self.end.setEnabled(not whole)
        self.last_day.setEnabled(whole)

    def _show_error(self, message: str) -> None:
        self.error.setText(f"⚠ {message}")
        self.error.show()

    def _update_buttons(self, *_: object) -> None:
        entry = self.selected()
        self.cancel_button.setEnabled(entry is not None and not entry.cancelled)

