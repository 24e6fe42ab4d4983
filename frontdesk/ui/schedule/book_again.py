"""Book again: from a selected appointment, a patient's row in a search or the open patient, the
booking form opens filled in from that patient's last visit, at the first slot that obeys every
rule, with the focus on Book (Enter books).

"Last visit" is the patient's most recent appointment that was not cancelled or a no-show and has
started by now (of the same type, when asked from an appointment), or failing that their next booked
one; `services.availability.rebooking` decides it and finds the slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from frontdesk.domain.when import format_day, format_time
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.records import AppointmentRecord
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn


@dataclass(frozen=True)
class Target:
    """Whom to book again, and of which type (None: the type of their last visit)."""

    patient_id: int
    type_id: int | None = None


class BookAgain(QObject):
    """Opens the booking dialog for a `Target`; `booked` carries the records once saved and
    `message` a sentence for the status bar (what happened, or why nothing did)."""

    booked = Signal(list)
    message = Signal(str)
    actor = CurrentActor()  # the window's signed-in person, whoever that is when Book again is asked

    def __init__(self, ctx: ServiceContext, actor: Actor | SignedIn, prompts: Prompts, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.window = parent
        self.active_dialog = None

    @staticmethod
    def target_of(record: AppointmentRecord | None) -> Target | None:
        return Target(record.patient_id, record.type_id) if record is not None else None

    def open(self, target: Target | None) -> None:
        if target is None:
            self.message.emit("Book again: select an appointment, or find and open a patient first (Ctrl+F).")
            return
        if self.active_dialog is not None:
            self.active_dialog.raise_()
            self.active_dialog.activateWindow()
            return
        from frontdesk.services.availability import rebooking
        from frontdesk.ui.schedule.booking_dialog import BookingDialog

        try:
            proposal = rebooking(self.ctx, self.actor, target.patient_id, target.type_id)
            dialog = BookingDialog(self.ctx, self.actor, self.window, rebook=proposal)
        except ValidationFailed as error:
            self.message.emit(" ".join(error.errors.values()) or error.message)
            return
        except ServiceError as error:
            self.message.emit(error.message)
            return
        except Exception as error:  # noqa: BLE001 - shown as a short dialog, logged in full
            report_unexpected(self.window, error, self.prompts)
            return
        self.active_dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog.booked))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()  # window-modal, without blocking the event loop
        focus = QApplication.focusWidget()
        if proposal.slot is not None and focus is not dialog.book_button:
            dialog.book_button.setFocus()

    def _saved(self, records: list[AppointmentRecord]) -> None:
        if not records:
            return
        first = records[0]
        local = first.starts_at.astimezone(self.ctx.zone)
        self.message.emit(f"Booked {first.patient_name}: {first.type_name}, {format_day(local.date())} at "
                          f"{format_time(first.starts_at, self.ctx.zone)} with {first.therapist_name}"
                          + (f" ({first.area_label})" if first.area_label else "") + ".")
        self.booked.emit(records)

    def _closed(self, dialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()
