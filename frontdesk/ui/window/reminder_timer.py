"""The email reminders go out from every open Front Desk, in the background, every few minutes.

Each pass runs off the UI thread (`tasks.run_in_background`); the outbox's claims make sure two desks
(or a desk and the server's `frontdesk send-reminders`) never send the same reminder. A pass that
fails (the database is away) is logged and tried again at the next tick, never shown as an error.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.ui.common.tasks import run_in_background

log = logging.getLogger("frontdesk.reminders")

#: The first pass waits for the start-up work to settle; then one pass every few minutes.
FIRST_PASS_MS = 60_000
EVERY_MS = 3 * 60_000


class ReminderTimer(QObject):
    #: A pass finished: its `SendReport`.
    report = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(EVERY_MS)
        self.timer.timeout.connect(self.run_now)

    def start(self) -> None:
        QTimer.singleShot(FIRST_PASS_MS, self, self._first)

    def _first(self) -> None:
        if not self.timer.isActive():
            self.timer.start()
            self.run_now()

    def stop(self) -> None:
        self.timer.stop()

    def run_soon(self) -> None:
        QTimer.singleShot(1000, self, self.run_now)

    def run_now(self) -> None:
        if self.running:
            return
        from frontdesk.services.reminder_sender import send_due_reminders

        self.running = True
        run_in_background(lambda: send_due_reminders(self.ctx), self._done, self._failed)

    def _done(self, report) -> None:
        self.running = False
        if report.sent or report.failed or report.withdrawn:
            log.info("reminders: %s", report.summary())
        self.report.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.running = False
        message = error.message if isinstance(error, ServiceError) else f"{type(error).__name__}: {error}"
        log.warning("sending reminders failed: %s", message)
