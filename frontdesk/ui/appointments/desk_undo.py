"""The desk's own changes to appointments, said in a sentence and undone in one key.

Every booking, move and status change made at this window is recorded here, newest last. Each one
is announced (`message`, for the status bar: what happened, then "Undo (Ctrl+Z)"), and Undo takes
back the newest change still on the list, whichever appointment is selected now. An undo never asks
first: it is itself recorded in the appointment's history, and it says what it did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.services.changes import Changes, Kind, collect_changes
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.records import AppointmentRecord
from frontdesk.ui.appointments.appointment_model import short_date, time_range
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn

#: How many of the desk's changes can be undone, newest first.
KEPT = 20
UNDO_KEY_HINT = "Undo (Ctrl+Z)"


class ChangeKind(StrEnum):
    STATUS = "status"
    BOOKING = "booking"
    MOVE = "move"


#: What an undo takes back, per status reached: "Undo no-show for Kelly, D."
_STATUS_NOUNS = {
    AppointmentStatus.ARRIVED: "arrival",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.CANCELLED: "cancellation",
    AppointmentStatus.NO_SHOW: "no-show",
}


def short_patient(name: str) -> str:
    """'Kelly, Dana' -> 'Kelly, D.' (as the schedule's blocks print a name)."""
    family, _, given = name.partition(",")
    given = given.strip()
    return f"{family.strip()}, {given[0]}." if given else family.strip()


@dataclass(frozen=True)
class DeskChange:
    kind: ChangeKind
    #: (appointment id, its version just after the change) for each appointment changed.
    appointments: tuple[tuple[int, int], ...]
    patient: str
    #: What the undo takes back, as a noun: "no-show", "booking", "move".
    what: str
    #: Before a move: where the appointment was (start, therapist id).
    moved_from: tuple[datetime, int] | None = None

    @property
    def undo_text(self) -> str:
        return f"Undo {self.what} for {self.patient}"


class DeskUndo(QObject):
    """The list of the desk's changes, with `undo()` for the newest. `actor` follows the window's."""

    actor = CurrentActor()
    signed_in: SignedIn

    #: A sentence for the status bar (what happened, or why an undo could not be done).
    message = Signal(str)
    #: Appointments changed by an undo (for the views to reload): the set of what changed.
    changed = Signal(set)
    #: An undo's result, to show the appointment again where it is.
    undone = Signal(object)
    #: The newest change is another one now (the Undo action's text and state follow).
    stack_changed = Signal()

    def __init__(self, ctx: ServiceContext, actor: Actor | SignedIn, prompts: Prompts,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self._changes: list[DeskChange] = []

    # --- What the desk did ---------------------------------------------------------------------

    @property
    def last(self) -> DeskChange | None:
        return self._changes[-1] if self._changes else None

    @property
    def undo_text(self) -> str:
        return self.last.undo_text if self.last is not None else "Undo"

    def _push(self, change: DeskChange, sentence: str | None) -> None:
        self._changes = [*self._changes[-(KEPT - 1):], change]
        self.stack_changed.emit()
        if sentence is not None:
            self.message.emit(f"{sentence}  {UNDO_KEY_HINT}")

    def _when(self, record: AppointmentRecord) -> str:
        return f"{short_date(record.starts_at, self.ctx.zone)}, {time_range(record, self.ctx.zone)}"

    def status_changed(self, record: AppointmentRecord) -> None:
        """`record` is the appointment just after its status changed here."""
        name = short_patient(record.patient_name)
        when = self._when(record)
        sentence = {
            AppointmentStatus.ARRIVED: f"{name} has arrived ({when}).",
            AppointmentStatus.COMPLETED: f"{name}'s appointment is completed ({when}).",
            AppointmentStatus.NO_SHOW: f"No-show recorded for {name} ({when}).",
            AppointmentStatus.CANCELLED: f"Cancelled {name}'s appointment ({when})"
                                         + (", a late cancellation." if record.late_cancellation else "."),
        }.get(record.status, f"{name}'s appointment is now {record.status.label.lower()}.")
        what = _STATUS_NOUNS.get(record.status, "status change")
        if record.status is AppointmentStatus.COMPLETED:
            what = "completion"
        self._push(DeskChange(ChangeKind.STATUS, ((record.id, record.version),), name, what), sentence)

    def booked(self, records: list[AppointmentRecord], *, announce: bool = True) -> None:
        """Bookings just made here; `announce=False` when whoever booked has said so already."""
        if not records:
            return
        first = records[0]
        name = short_patient(first.patient_name)
        more = f" and {len(records) - 1} more date{'s' if len(records) > 2 else ''}" if len(records) > 1 else ""
        sentence = f"Booked {name}: {self._when(first)} with {first.therapist_name}{more}."
        self._push(DeskChange(ChangeKind.BOOKING, tuple((r.id, r.version) for r in records), name,
                              "booking" if len(records) == 1 else f"{len(records)} bookings"),
                   sentence if announce else None)

    def moved(self, before: AppointmentRecord, after: AppointmentRecord) -> None:
        name = short_patient(after.patient_name)
        sentence = f"Moved {name} to {self._when(after)} with {after.therapist_name}."
        self._push(DeskChange(ChangeKind.MOVE, ((after.id, after.version),), name, "move",
                              (before.starts_at, before.therapist_id)), sentence)

    # --- Undo ----------------------------------------------------------------------------------

    def undo(self, parent: QWidget | None = None) -> AppointmentRecord | None:
        """Take back the newest change; say what was done (or why not) through `message`."""
        change = self.last
        if change is None:
            self.message.emit("Nothing to undo: no booking or status change was made at this desk yet.")
            return None
        self._changes.pop()
        try:
            with collect_changes() as made:  # what the undo changed, typed (the appointments, their days)
                record = self._take_back(change)
        except ServiceError as error:
            self.stack_changed.emit()
            self.message.emit(f"⚠ Not undone ({change.what} for {change.patient}): {error.message}")
            self.changed.emit(Changes.made(Kind.APPOINTMENTS))  # changed meanwhile: every view reads again
            return None
        except Exception as error:  # noqa: BLE001 - never a traceback on screen
            self.stack_changed.emit()
            report_unexpected(parent, error, self.prompts)
            return None
        self._follow(change, record)
        self.stack_changed.emit()
        self.message.emit(self._undone_sentence(change, record))
        self.changed.emit(made)
        self.undone.emit(record)
        return record

    def _take_back(self, change: DeskChange) -> AppointmentRecord:
        from frontdesk.services import appointments

        if change.kind is ChangeKind.STATUS:
            appointment_id, version = change.appointments[0]
            return appointments.undo_last_status_change(self.ctx, self.actor, appointment_id, version)
        if change.kind is ChangeKind.MOVE:
            from frontdesk.services.booking import reschedule_appointment

            appointment_id, version = change.appointments[0]
            assert change.moved_from is not None  # a move knows where it came from
            start, therapist_id = change.moved_from
            return reschedule_appointment(self.ctx, self.actor, appointment_id, version, start, therapist_id)
        record = None
        for appointment_id, version in change.appointments:
            record = appointments.undo_booking(self.ctx, self.actor, appointment_id, version)
        assert record is not None
        return record

    def _follow(self, change: DeskChange, record: AppointmentRecord) -> None:
        """An older change to the same appointment now expects the version the undo left."""
        done = dict(change.appointments)
        if record.id not in done:
            return
        for position in range(len(self._changes) - 1, -1, -1):
            older = self._changes[position]
            if any(appointment_id == record.id for appointment_id, _ in older.appointments):
                self._changes[position] = replace(older, appointments=tuple(
                    (appointment_id, record.version if appointment_id == record.id else version)
                    for appointment_id, version in older.appointments))
                break

    def _undone_sentence(self, change: DeskChange, record: AppointmentRecord) -> str:
        if change.kind is ChangeKind.BOOKING:
            return f"Undone: the {change.what} for {change.patient} (cancelled, kept in the record)."
        if change.kind is ChangeKind.MOVE:
            return f"Undone: the move. {change.patient} is back at {self._when(record)} with {record.therapist_name}."
        return f"Undone: {change.what} for {change.patient}. The appointment is {record.status.label.lower()} again."
