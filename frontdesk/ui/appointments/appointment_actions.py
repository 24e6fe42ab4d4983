"""The status actions shared by the Appointments list and "My day", and the cancel dialog."""

from __future__ import annotations

from types import ModuleType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import AppointmentStatus, allowed_next
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.changes import collect_changes
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.records import AppointmentRecord
from frontdesk.ui.appointments.appointment_model import short_date, time_range
from frontdesk.ui.appointments.desk_undo import DeskUndo
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn
from frontdesk.ui.common.widgets import ERROR_STYLE


def _service() -> ModuleType:
    """The appointment services, imported at the first status change: the module also builds
    calendar exports (icalendar), which the schedule's first screen does not need."""
    from frontdesk.services import appointments

    return appointments


COMMON_REASONS = (
    "Patient called to cancel",
    "Patient is unwell",
    "Patient will rebook later",
    "Clinic had to reschedule",
    "Booked by mistake",
)


class CancelDialog(QDialog):
    """Asks for the reason and says plainly whether this counts as a late cancellation."""

    def __init__(self, ctx: ServiceContext, record: AppointmentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cancel appointment")
        self.setObjectName("cancel_dialog")
        layout = QVBoxLayout(self)
        when = f"{short_date(record.starts_at, ctx.zone)}, {time_range(record, ctx.zone)}"
        summary = QLabel(f"<b>{_escape(record.patient_name)}</b><br>{when} with "
                         f"{_escape(record.therapist_name)}<br>{_escape(record.type_name)}")
        layout.addWidget(summary)
        self.late = _service().is_late_if_cancelled_now(ctx, record)
        hours = _notice_hours(ctx)
        if self.late:
            notice = QLabel(f"This is a <b>late cancellation</b>: less than {hours} hours' notice. "
                            "It will be recorded as late.")
            notice.setStyleSheet("background: #fff3cd; padding: 6px; border-radius: 3px;")
        else:
            notice = QLabel(f"More than {hours} hours' notice: not a late cancellation.")
        notice.setObjectName("late_notice")
        notice.setWordWrap(True)
        layout.addWidget(notice)
        label = QLabel("&Reason for cancelling:")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(COMMON_REASONS)
        self.reason.setCurrentIndex(-1)
        self.reason.setEditText("")
        editor = self.reason.lineEdit()
        assert editor is not None  # an editable combo box has one
        editor.setPlaceholderText("Type a reason or pick one")
        editor.setMaxLength(_service().MAX_REASON)
        label.setBuddy(self.reason)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setObjectName("reason_error")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.confirm = buttons.addButton("Cancel the &appointment", QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setDefault(True)  # Enter cancels (once a reason is given); Escape keeps it
        buttons.addButton("&Keep it", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason.setFocus()
        remember_geometry(self, "cancel_dialog")

    @property
    def reason_text(self) -> str:
        return " ".join(self.reason.currentText().split())

    def accept(self) -> None:
        if not self.reason_text:
            self.error.setText("Please give a reason; it is kept with the appointment.")
            self.error.show()
            self.reason.setFocus()
            return
        super().accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _notice_hours(ctx: ServiceContext) -> int:
    return get_clinic_settings(ctx).late_cancel_hours


class StatusActions(QObject):
    """Arrived, Completed, Cancel…, No-show and Undo as `QAction`s, acting on the current record.

    `current` is a callable giving the selected appointment (or None). After a change the new
    record is announced with `record_changed`; `changed` carries what changed for other views.
    A refusal is shown as the service wrote it; a clash with someone else's change reloads.

    The shortcuts are window-wide but belong to the view they were made for: they act while that
    view is shown, wherever the focus is (on the tab bar after Alt+S, say). Undo takes back the
    desk's last change (`desk`, shared by the main window's views), not the selected appointment's;
    without a shared desk the view keeps its own, with Ctrl+Z.
    """

    record_changed = Signal(object)
    changed = Signal(set)
    reload_needed = Signal()

    actor = CurrentActor()  # the window's signed-in person, read at each use
    signed_in: SignedIn

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget,
                 current, *, cancel_dialog=CancelDialog, desk: DeskUndo | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.widget = parent
        self.current = current
        self.cancel_dialog = cancel_dialog
        self.owns_desk = desk is None
        self.desk = desk if desk is not None else DeskUndo(ctx, self.signed_in, prompts, self)
        self.arrived = self._action("Arri&ved", "Ctrl+Shift+A", "Mark the patient as arrived", self.mark_arrived)
        self.completed = self._action("Com&pleted", "Ctrl+Shift+D", "Mark the appointment as completed",
                                      self.mark_completed)
        self.cancel = self._action("&Cancel…", "Ctrl+Shift+X", "Cancel the appointment (asks for a reason)",
                                   self.cancel_selected)
        self.no_show = self._action("&No-show", "Ctrl+Shift+N", "Record that the patient did not come",
                                    self.mark_no_show)
        self.undo = self._action("Undo", QKeySequence.StandardKey.Undo if self.owns_desk else None,
                                 "Undo the last booking or status change made at this desk", self.undo_last)
        self.undo.setIconText("Undo")
        self.undo.setToolTip("Undo the last booking or status change made at this desk (Ctrl+Z)")
        self.all = (self.arrived, self.completed, self.cancel, self.no_show, self.undo)
        self.desk.stack_changed.connect(self._follow_desk)
        if self.owns_desk:
            self.desk.undone.connect(self.record_changed)
            self.desk.changed.connect(self.changed)
        self.update_enabled(None)

    def _action(self, text: str, shortcut, tip: str, slot) -> QAction:
        action = QAction(text, self.widget)
        action.setIconText(text.replace("&", ""))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            tip = f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.widget.addAction(action)
        return action

    def _follow_desk(self) -> None:
        self.undo.setText(_menu_text(self.desk.undo_text))
        self.undo.setEnabled(self.desk.last is not None)

    def update_enabled(self, record: AppointmentRecord | None) -> None:
        nexts = allowed_next(record.status) if record else frozenset()
        started = record is not None and self.ctx.now() >= record.starts_at
        self.arrived.setEnabled(AppointmentStatus.ARRIVED in nexts)
        self.completed.setEnabled(AppointmentStatus.COMPLETED in nexts)
        self.cancel.setEnabled(AppointmentStatus.CANCELLED in nexts)
        self.no_show.setEnabled(AppointmentStatus.NO_SHOW in nexts and started)
        if record is not None and AppointmentStatus.NO_SHOW in nexts and not started:
            self.no_show.setToolTip("A no-show can be recorded once the start time has passed.")
        else:
            self.no_show.setToolTip("Record that the patient did not come (Ctrl+Shift+N)")
        self._follow_desk()

    # --- The actions -----------------------------------------------------------------------------

    def mark_arrived(self) -> None:
        self._run("Arrived", _service().mark_arrived)

    def mark_completed(self) -> None:
        self._run("Completed", _service().mark_completed)

    def mark_no_show(self) -> None:
        self._run("No-show", _service().mark_no_show)

    def cancel_selected(self) -> None:
        record = self.current()
        if record is None:
            return
        dialog = self.cancel_dialog(self.ctx, record, self.widget)
        if not dialog.exec():
            return
        self._run("Cancel appointment", _service().cancel_appointment, dialog.reason_text)

    def undo_last(self) -> None:
        """The desk's last change, whichever appointment it was; no question first (it says what it did)."""
        self.desk.undo(self.widget)

    def _run(self, title: str, fn, *extra) -> AppointmentRecord | None:
        record = self.current()
        if record is None:
            return None
        try:
            with collect_changes() as made:  # what the service changed, typed (the appointment, its day)
                updated = fn(self.ctx, self.actor, record.id, record.version, *extra)
        except Conflict as error:
            self.prompts.error(self.widget, title, error.message)
            self.reload_needed.emit()
            return None
        except (ValidationFailed, ServiceError) as error:
            self.prompts.error(self.widget, title, error.message)
            return None
        except Exception as error:  # noqa: BLE001 - never a traceback on screen
            report_unexpected(self.widget, error, self.prompts)
            return None
        self.desk.status_changed(updated)
        self.record_changed.emit(updated)
        self.changed.emit(made)
        return updated


def _menu_text(text: str) -> str:
    """A name in a menu entry: its '&' is a letter, not a mnemonic."""
    return text.replace("&", "&&")
