"""Live updates between desks: another desk's changes reach this window's views within a second.

`LiveUpdates` watches the database (`frontdesk.services.changes.ChangeWatch`): on a SQLite file a
timer asks SQLite's change counter once a second; on a server a listener thread receives NOTIFY and
hands each change set to the UI thread by a queued signal. The window passes the change sets on to
its views as it passes its own (`data_changed`); each view reloads only when what it shows changed.

`ChangedBanner` is the strip a form shows when the record it has open was changed at another desk
while someone was typing in it: "Changed at another desk by NAME at 10:42 — Reload / Keep mine".
Ctrl+Shift+R is Reload wherever a banner shows; Keep mine is the form's own save key (Ctrl+S).
`EditsThatMeet` drives a banner for a form that says what it shows (`MeetingForm`), and
`follow_changes` hands a dialog every change set its window passes to its views.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from shiboken6 import isValid

from frontdesk.domain.when import format_time
from frontdesk.services.changes import Changes, ChangeWatch, Kind
from frontdesk.services.context import ServiceContext
from frontdesk.ui.common.master_detail import kept_scroll as kept_scroll  # written once there; its old home
from frontdesk.ui.common.tasks import run_in_background

log = logging.getLogger("frontdesk")

#: How often a SQLite window asks the file's change counter (one PRAGMA; milliseconds).
POLL_MS = 1000


class LiveUpdates(QObject):
    """Delivers other desks' changes (`arrived`) on the UI thread."""

    #: Changes committed at another desk (a `Changes`, remote=True).
    arrived = Signal(object)
    #: On a server: True when listening (again), False when the server cannot be reached; with a sentence.
    connection_changed = Signal(bool, str)
    _delivered = Signal(object)
    _lost = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watch = ChangeWatch(ctx)
        self.started = False
        self._connected_once = False
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._lost.connect(self._went_away, Qt.ConnectionType.QueuedConnection)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.check)
        try:
            self.watch.remember_position()
        except Exception:  # a file that cannot be read now: `start` tries again
            log.warning("live updates: could not read the audit trail's position", exc_info=True)
        #: The audit trail's newest entry as the window opened (None: not known): other desks' changes
        #: come after it (the waitlist reads the slots they freed from there).
        self.opened_at_entry: int | None = getattr(self.watch, "last_entry", None)

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        try:
            if self.watch.needs_polling:
                # Off the UI thread: opening an encrypted file derives its key (about a quarter second).
                run_in_background(self.watch.start_polling, self._polling_ready, self._not_started)
            else:
                self.watch.start_listening(self._send, self._send_lost)
        except Exception:  # without live updates the desk still works (F5, focus)
            log.warning("live updates could not start", exc_info=True)

    def _polling_ready(self, _result: object) -> None:
        if not isValid(self) or not self.started:
            self.watch.stop()  # the window closed meanwhile
            return
        self.timer.start()
        self.check()  # what came while the counter was being opened

    def _not_started(self, error: BaseException) -> None:
        log.warning("live updates could not start: %s", error)

    def _send(self, changes: Changes) -> None:
        """On the listener's thread: hand over to the UI thread (queued)."""
        try:
            self._delivered.emit(changes)
        except RuntimeError:  # the window is gone: nobody to tell any more
            self.watch.stop()

    def _send_lost(self, message: str) -> None:
        try:
            self._lost.emit(message)
        except RuntimeError:
            self.watch.stop()

    def check(self) -> bool:
        """SQLite: one look at the change counter; other desks' changes, if any, go out at once.
        True when there were some."""
        try:
            changes = self.watch.poll()
        except Exception:  # a busy or briefly unreadable file: look again next second
            log.warning("live updates: could not read the changes", exc_info=True)
            return False
        if changes:
            self.arrived.emit(changes)
            return True
        return False

    def _deliver(self, changes: Changes) -> None:
        if not changes.complete and self._connected_once:
            self.connection_changed.emit(True, "Connected to the server again: everything shown was read again.")
        self._connected_once = True
        if changes:
            self.arrived.emit(changes)

    def _went_away(self, _message: str) -> None:
        self._connected_once = True
        self.connection_changed.emit(False, "The server cannot be reached: other desks' changes show again "
                                            "when it is back (trying every few seconds).")

    def stop(self) -> None:
        self.timer.stop()
        self.watch.stop()
        self.started = False


#: Reload theirs, wherever a banner shows (free on every screen: Ctrl+R is Book again).
RELOAD_KEY = "Ctrl+Shift+R"


class ChangedBanner(QFrame):
    """"Changed at another desk by NAME at 10:42 — Reload / Keep mine", above a form.

    Ctrl+Shift+R reloads while the banner is on screen (its action is the banner's own, so it is
    live only while the banner shows). `keep_key` given (a dialog with no save key of its own for
    it), that key is Keep mine too; on the main window Ctrl+S is the window's Save, which the form
    turns into Keep mine while the banner shows."""

    reload_requested = Signal()
    keep_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, keep_key: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("changed_banner")
        self.setStyleSheet("#changed_banner { background: #fff4ce; border: 1px solid #c9a400; border-radius: 3px; }")
        self.text = QLabel("")
        self.text.setObjectName("changed_banner_text")
        self.text.setWordWrap(True)
        self.reload_button = QPushButton(f"Reload ({RELOAD_KEY})")
        self.reload_button.setObjectName("changed_banner_reload")
        self.reload_button.setAutoDefault(False)
        self.reload_button.setToolTip("Show the record as the other desk saved it; what you typed is dropped")
        self.keep_button = QPushButton("Keep mine…")
        self.keep_button.setObjectName("changed_banner_keep")
        self.keep_button.setAutoDefault(False)
        self.keep_button.setToolTip("Save what you typed over their version, after seeing what differs")
        self.reload_button.clicked.connect(self.reload_requested)
        self.keep_button.clicked.connect(self.keep_requested)
        self.reload_action = QAction("Reload their version", self)
        self.reload_action.setShortcut(QKeySequence(RELOAD_KEY))
        self.reload_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.reload_action.triggered.connect(self.reload_requested)
        self.addAction(self.reload_action)
        self.keep_action: QAction | None = None
        if keep_key:
            self.keep_action = QAction("Keep mine", self)
            self.keep_action.setShortcut(QKeySequence(keep_key))
            self.keep_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.keep_action.triggered.connect(lambda: self.keep_button.isEnabled() and self.keep_requested.emit())
            self.addAction(self.keep_action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.keep_button)
        layout.addLayout(buttons)
        self.hide()

    def show_change(self, name: str | None, at: datetime | None, zone, save_key: str = "Ctrl+S") -> None:
        """Say who changed the record and when; `save_key` is the form's own way to Keep mine."""
        who = f" by {name}" if name else ""
        when = f" at {format_time(at, zone)}" if at is not None else ""
        # The keys are on the buttons: the sentence stays short enough for the Intake tab's middle column.
        self.text.setText(f"⚠ Changed at another desk{who}{when} while you were editing. Reload shows theirs; "
                          "Keep mine saves yours over it after showing what differs.")
        self.keep_button.setText(f"Keep mine ({save_key})…")
        self.keep_button.setEnabled(True)
        self.show()


# --- Edits that meet, for any form ------------------------------------------------------------------

class MeetingForm(Protocol):
    """What a form tells `EditsThatMeet` about the record it has open."""

    def meeting_touched(self, changes: set) -> bool:
        """Whether another desk's change may be about the record shown (cheap: from the events)."""

    def meeting_read(self) -> Any:
        """The record as saved now and who changed it (a `services.saved_meanwhile.Saved`); None when
        there is nothing to compare (no record open). May raise `ServiceError`."""

    def meeting_is_current(self, record: Any) -> bool:
        """Whether `record` is the version the form was filled from."""

    def meeting_dirty(self) -> bool:
        """Whether something typed here would be lost by showing theirs."""

    def meeting_load(self, record: Any) -> None:
        """Show `record` as saved now; the next save goes over it."""

    def meeting_differences(self, record: Any) -> list[tuple[str, str, str]]:
        """(field, theirs, mine) for each field that differs, as a person reads them."""

    def meeting_save_over(self, record: Any) -> object:
        """Save what is typed over `record` (its version); falsy when it was not saved."""


def touches_record(changes: set, kind: str, record_id: int | None) -> bool:
    """Whether `changes` may be about record `record_id` of `kind` (any of them when only kinds are known)."""
    if kind not in changes:
        return False
    events = getattr(changes, "events", None)
    if not events or not getattr(changes, "complete", True):
        return True
    return any(e.kind == kind and e.record_id in (None, record_id) for e in events)


def touches_therapist(changes: set, therapist_id: int) -> bool:
    """Whether `changes` may be about a physiotherapist's details, hours, time off or extra hours."""
    if Kind.THERAPISTS not in changes:
        return False
    events = getattr(changes, "events", None)
    if not events or not getattr(changes, "complete", True):
        return True
    return any(e.kind == Kind.THERAPISTS and (e.therapist_id == therapist_id or
                                           (e.therapist_id is None and e.record_id in (None, therapist_id)))
               for e in events)


def shown_value(value: object) -> str:
    """A value in a "what differs" list: (empty), yes/no, or as it is."""
    if value is None or value == "" or value == ():
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class EditsThatMeet(QObject):
    """The banner's logic for one form: another desk's change to the record shown reloads it at once
    when nothing is typed (`note` says so), or shows the banner over typing; Reload shows theirs;
    Keep mine lists what differs, asks once, and saves over their version."""

    #: A sentence for the form's status line (the record was reloaded, or saved over theirs).
    note = Signal(str)

    def __init__(self, form: MeetingForm, banner: ChangedBanner, zone, prompts, *, what: str,
                 save_key: str = "Ctrl+S", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form, self.banner, self.zone, self.prompts = form, banner, zone, prompts
        self.what, self.save_key = what, save_key
        self.theirs: Any = None
        banner.reload_requested.connect(self.reload)
        banner.keep_requested.connect(self.keep_mine)

    @property
    def pending(self) -> bool:
        """Their version is waiting behind the banner: the form's save is Keep mine."""
        return self.theirs is not None

    def changed_elsewhere(self, changes: set) -> None:
        from frontdesk.services.errors import ServiceError

        if not getattr(changes, "remote", False) or not self.form.meeting_touched(changes):
            return
        try:
            saved = self.form.meeting_read()
        except ServiceError:
            return  # what is shown stays; saving will say what is wrong
        if saved is None or self.form.meeting_is_current(saved.record):
            return
        change = saved.change
        if not self.form.meeting_dirty():
            self.clear()
            self.form.meeting_load(saved.record)
            who = f" by {change.name}" if change else ""
            self.note.emit(f"{self.what} was just changed at another desk{who}: shown as saved now.")
            return
        self.theirs = saved.record
        self.banner.show_change(change.name if change else None, change.at if change else None, self.zone,
                                self.save_key)
        shown = getattr(self.form, "meeting_banner_shown", None)
        if shown is not None:
            shown(saved.record)  # e.g. Keep mine greyed when theirs can no longer be changed
        self._make_room()

    def _make_room(self) -> None:
        """A small dialog grows to show the banner whole (its text wraps over two or three lines);
        a larger one, or the main window, already has the room."""
        from PySide6.QtWidgets import QDialog

        window = self.banner.window()
        layout = window.layout() if isinstance(window, QDialog) else None
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height(), layout.sizeHint().height())
        if window.height() < needed:
            window.resize(window.width(), needed)

    def clear(self) -> None:
        """The form shows another record (or saved): no banner."""
        self.theirs = None
        self.banner.hide()

    def reload(self) -> None:
        if self.theirs is None:
            return
        theirs = self.theirs
        self.clear()
        self.form.meeting_load(theirs)
        self.note.emit(f"Reloaded: {self.what} as saved at the other desk.")

    def keep_mine(self) -> object:
        """Show what differs; on yes, save over their version. Falsy when nothing was saved."""
        if self.theirs is None or not self.banner.keep_button.isEnabled():
            return None
        theirs = self.theirs
        found = self.form.meeting_differences(theirs)
        lines = [f"• {field}: {their} → {mine}" for field, their, mine in found]
        question = (f"{self.what} as the other desk saved it → as you typed it:\n\n" + "\n".join(lines)
                    + "\n\nSave yours over theirs?") if lines else \
            "The other desk saved the same as you typed. Save yours anyway?"
        if not self.prompts.confirm(self.banner.window(), "Keep mine", question):
            return None
        self.clear()
        return self.form.meeting_save_over(theirs)


class _Relay(QObject):
    """A child of the widget that receives the window's change sets: it goes when the widget goes,
    and Qt drops its connection then."""

    def __init__(self, widget: QWidget, receiver: Callable[[set], None]) -> None:
        super().__init__(widget)
        self.widget, self.receiver = widget, receiver

    def deliver(self, changes: set) -> None:
        if isValid(self.widget) and self.widget.isVisible():
            self.receiver(changes)


def follow_changes(widget: QWidget, receiver: Callable[[set], None]) -> None:
    """Call `receiver` with every change set `widget`'s window passes to its views (this desk's and
    other desks'), while `widget` is on screen. A dialog opened over the window gets them too."""
    window = widget.parentWidget()
    while window is not None and not hasattr(window, "data_changed"):
        window = window.parentWidget()
    if window is None:
        return
    relay = _Relay(widget, receiver)
    window.data_changed.connect(relay.deliver)
