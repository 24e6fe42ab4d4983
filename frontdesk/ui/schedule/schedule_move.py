"""Move an appointment to another time or physiotherapist: the keyboard twin of drag and drop.

An IMS treatment moved closer to another of the patient's than the clinic's interval is warned about
at once and needs a reason, as when booking."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.when import format_time, format_time_range, format_weekday_iso, local_day
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.booking import IntervalReasonNeeded, SlotTaken, check_booking, reschedule_appointment
from frontdesk.services.records import AppointmentRecord, BookingRequest
from frontdesk.services.schedule_view import list_therapists
from frontdesk.ui.schedule.booking_fields import (
    DateField,
    escape,
    picked_start,
    select_data,
    therapist_combo,
    time_edit,
)
from frontdesk.ui.common.errors import report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.widgets import ERROR_STYLE


class MoveDialog(QDialog):
    """`moved` holds the updated record once accepted; `conflicted` is set when a colleague changed
    the appointment in between (the caller reloads)."""

    def __init__(self, ctx: ServiceContext, actor: Actor, record: AppointmentRecord,
                 parent: QWidget | None = None, prompts=None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.record = ctx, actor, record
        self.prompts = prompts
        self.moved: AppointmentRecord | None = None
        self.conflicted = False
        self.setWindowTitle("Move appointment")
        self.setObjectName("move_dialog")
        local = record.starts_at.astimezone(ctx.zone)
        self.summary = summary = QLabel(self._summary_text(record))
        from frontdesk.ui.window.live_updates import ChangedBanner

        self.changed_banner = ChangedBanner()  # a colleague moved or cancelled it while this is open
        self.changed_banner.reload_requested.connect(self.reload_theirs)
        self.changed_banner.keep_requested.connect(self.keep_mine)
        self._theirs: AppointmentRecord | None = None
        self.therapist = therapist_combo(list_therapists(ctx, actor))
        select_data(self.therapist, lambda t: t.id == record.therapist_id)
        self.date = DateField(local.date(), ctx.today())
        self.date.setObjectName("date")
        self.time = time_edit(local.time())
        self.time.setObjectName("time")
        when_box = QWidget()
        when = QHBoxLayout(when_box)
        when.setContentsMargins(0, 0, 0, 0)
        when.addWidget(self.date)
        when.addWidget(self.time)
        when.addStretch(1)
        when_box.setFocusProxy(self.date)
        self.warning = QLabel("")
        self.warning.setObjectName("interval_warning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet("background: #fff3cd; padding: 4px; border-radius: 3px;")
        self.reason = QLineEdit()
        self.reason.setObjectName("interval_reason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why this IMS treatment is moved sooner (kept with the appointment)")
        self.reason_label = QLabel("&Why sooner:")
        self.reason_label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow("&Physiotherapist:", self.therapist)
        form.addRow("&New start:", when_box)
        form.addRow("", self.warning)
        form.addRow(self.reason_label, self.reason)
        self.problems = QLabel("")
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox()
        self.move_button = buttons.addButton("&Move", QDialogButtonBox.ButtonRole.AcceptRole)
        self.move_button.setDefault(True)
        buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.changed_banner)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        for signal in (self.therapist.currentIndexChanged, self.date.dateChanged, self.time.timeChanged):
            signal.connect(self.refresh_check)
        self._show_warning("")
        from frontdesk.ui.window.live_updates import follow_changes

        follow_changes(self, self.changed_elsewhere)  # moved, cancelled or its new time taken at another desk
        remember_geometry(self, "move_dialog")
        self.time.setFocus()

    def _summary_text(self, record: AppointmentRecord) -> str:
        zone = self.ctx.zone
        state = "" if record.status.value == "booked" else f" <b>({escape(record.status.label.lower())})</b>"
        day = format_weekday_iso(local_day(record.starts_at, zone))
        return (f"<b>{escape(record.patient_name)}</b>, {escape(record.type_name)}<br>"
                f"now {day} {format_time_range(record.interval, zone)} with {escape(record.therapist_name)}{state}")

    # --- Edits that meet ----------------------------------------------------------------------------

    def changed_elsewhere(self, changes: set[Kind]) -> None:
        """Another desk changed appointments: if this one, say so at once (not only when Move is pressed)."""
        from frontdesk.services.changes import Kind, touches_appointment
        from frontdesk.services.saved_meanwhile import appointment_as_saved

        if not getattr(changes, "remote", False) or Kind.APPOINTMENTS not in changes:
            return
        if not touches_appointment(changes, self.record.id):
            self.refresh_check()  # the new time chosen may have just been taken at another desk
            return
        try:
            saved = appointment_as_saved(self.ctx, self.actor, self.record.id)
        except ServiceError:
            return
        if saved.record.version == self.record.version:
            return
        self._theirs = saved.record
        change = saved.change
        self.changed_banner.show_change(change.name if change else None, change.at if change else None,
                                        self.ctx.zone, "Enter")
        self.adjustSize()
        if saved.record.status.value != "booked":
            self.changed_banner.keep_button.setEnabled(False)
            self.problems.setText(f"It is {saved.record.status.label.lower()} now: it cannot be moved. Close "
                                  "this, or Reload to see it.")

    def reload_theirs(self) -> None:
        """The banner's Reload: the appointment as the other desk left it, in the fields too."""
        if self._theirs is None:
            return
        theirs, self._theirs = self._theirs, None
        self.record = theirs
        self.summary.setText(self._summary_text(theirs))
        local = theirs.starts_at.astimezone(self.ctx.zone)
        select_data(self.therapist, lambda t: t.id == theirs.therapist_id)
        self.date.setDate(local.date())
        self.time.setTime(local.time())
        self.changed_banner.hide()
        self.move_button.setEnabled(theirs.status.value == "booked")
        self.refresh_check()

    def keep_mine(self) -> None:
        """The banner's Keep mine: show their time against the one chosen here, ask once, then move."""
        if self._theirs is None:
            return
        theirs = self._theirs
        zone = self.ctx.zone
        chosen = picked_start(self.date, self.time, zone)
        therapist = self.therapist.currentData()
        def when(moment: datetime) -> str:
            return f"{format_weekday_iso(local_day(moment, zone))} {format_time(moment, zone)}"

        question = (f"Now, as the other desk left it: {when(theirs.starts_at)} with {theirs.therapist_name}\n"
                    f"→ as you chose it: {when(chosen)} with {therapist.name}\n\nMove it to your time?")
        if self.prompts is not None and not self.prompts.confirm(self, "Keep mine", question):
            return
        self.record, self._theirs = theirs, None  # the move goes over their version
        self.changed_banner.hide()
        self.accept()

    def _show_warning(self, text: str) -> None:
        self.too_close = text
        self.warning.setText(text)
        for widget in (self.warning, self.reason, self.reason_label):
            widget.setVisible(bool(text))

    def refresh_check(self) -> None:
        therapist = self.therapist.currentData()
        request = BookingRequest(self.record.patient_id, therapist.id, self.record.type_id,
                                 picked_start(self.date, self.time, self.ctx.zone), self.record.area)
        try:
            check = check_booking(self.ctx, self.actor, request, ignore_appointment=self.record.id)
        except ServiceError as error:
            self.problems.setText(error.message)
            return
        self._show_warning(check.too_close)
        self.problems.setText("\n".join(check.problems))

    def accept(self) -> None:
        if self._theirs is not None and self._theirs.status.value == "booked":
            self.keep_mine()  # moved at another desk meanwhile: first see their time against this one
            return
        therapist = self.therapist.currentData()
        if not self.date.commit():
            self.problems.setText("The new date is not a date; type one like 2026-12-07 or Dec 7.")
            self.date.setFocus()
            return
        reason = self.reason.text().strip() if self.too_close else ""
        if self.too_close and not reason:
            self.problems.setText("Give the reason for moving this IMS treatment sooner (Alt+W), or pick another date.")
            self.reason.setFocus()
            return
        try:
            self.moved = reschedule_appointment(self.ctx, self.actor, self.record.id, self.record.version,
                                                picked_start(self.date, self.time, self.ctx.zone), therapist.id,
                                                interval_reason=reason)
        except IntervalReasonNeeded as error:
            self._show_warning(error.warning)
            self.problems.setText("Give the reason for moving this IMS treatment sooner (Alt+W).")
            self.reason.setFocus()
            return
        except SlotTaken as error:
            self.problems.setText(error.message)
            return
        except Conflict as error:
            self.problems.setText(error.message)
            self.conflicted = True
            return
        except ValidationFailed as error:
            self.problems.setText(" ".join(error.errors.values()) or error.message)
            return
        except ServiceError as error:
            self.problems.setText(error.message)
            return
        except Exception as error:  # noqa: BLE001
            report_unexpected(self, error)
            return
        super().accept()
