"""Live updates between desks: another desk's changes reach this window's views within a second.

`LiveUpdates` watches the database (`frontdesk.services.changes.ChangeWatch`): on a SQLite file a
timer asks SQLite's change counter once a second; on a server a listener thread receives NOTIFY and
hands each change set to the UI thread by a queued signal. The window passes the change sets on to
its views as it passes its own (`data_changed`); each view reloads only when what it shows changed.

`ChangedBanner` is the strip a form shows when the record it has open was changed at another desk
while someone was typing in it: "Changed at another desk by NAME at 10:42 — Reload / Keep mine".
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from shiboken6 import isValid

from frontdesk.domain.when import format_time
from frontdesk.services.changes import Changes, ChangeWatch
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


class ChangedBanner(QFrame):
    """"Changed at another desk by NAME at 10:42 — Reload / Keep mine", above a form."""

    reload_requested = Signal()
    keep_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changed_banner")
        self.setStyleSheet("#changed_banner { background: #fff4ce; border: 1px solid #c9a400; border-radius: 3px; }")
        self.text = QLabel("")
        self.text.setObjectName("changed_banner_text")
        self.text.setWordWrap(True)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("changed_banner_reload")
        self.reload_button.setToolTip("Show the record as the other desk saved it; what you typed is dropped")
        self.keep_button = QPushButton("Keep mine…")
        self.keep_button.setObjectName("changed_banner_keep")
        self.keep_button.setToolTip("Save what you typed over their version, after seeing what differs")
        self.reload_button.clicked.connect(self.reload_requested)
        self.keep_button.clicked.connect(self.keep_requested)
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
        self.text.setText(f"⚠ Changed at another desk{who}{when} while you were editing. Reload shows theirs; "
                          f"Keep mine ({save_key}) saves yours over it after showing what differs.")
        self.keep_button.setEnabled(True)
        self.show()
