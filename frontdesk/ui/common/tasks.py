"""Work that may take more than a blink runs off the UI thread, through this one helper.

The callable gets plain arguments (the service context), never a widget; its result or error comes
back on the main thread through a signal, to a success or a failure callback. Nothing is swallowed:
a failure callback that is not given falls back to the unexpected-error report.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from frontdesk.services.context import ServiceContext
from frontdesk.ui.common.errors import report_unexpected

#: How long after the first screen is shown the database layer starts loading in the background
#: (and other work that can wait, `soon_after_first_screen`, runs).
WARM_UP_DELAY_MS = 200

_running: set[BackgroundTask] = set()


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class BackgroundTask(QRunnable):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.relay = _Relay()
        self.setAutoDelete(False)

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # noqa: BLE001 - handed to the failure callback on the main thread
            self.relay.failed.emit(error)
        else:
            self.relay.succeeded.emit(result)


def run_in_background(work: Callable[[], Any], on_success: Callable[[Any], None],
                      on_failure: Callable[[BaseException], None] | None = None) -> BackgroundTask:
    task = BackgroundTask(work)
    _running.add(task)

    def finished() -> None:
        _running.discard(task)

    task.relay.succeeded.connect(on_success)
    task.relay.failed.connect(on_failure or (lambda error: report_unexpected(None, error)))
    task.relay.succeeded.connect(finished)
    task.relay.failed.connect(finished)
    QThreadPool.globalInstance().start(task)
    return task


@cache
def _freeze_start_up() -> None:
    """What start-up built stays for the whole session: leaving it out of the garbage collector's full
    passes keeps those from pausing the screen later (a day view, a keystroke). Once per process."""
    gc.freeze()


def load_database_layer_soon(ctx: ServiceContext) -> None:
    """Have SQLAlchemy and the ORM loaded off the UI thread shortly (see `services.warm_up`), so the
    first save does not wait for them. A failure only means they load at first use; it is logged."""
    from frontdesk.services.warm_up import load_database_layer

    def failed(error: BaseException) -> None:
        logging.getLogger("frontdesk").warning("loading the database layer ahead of use failed: %s", error)

    def start() -> None:
        run_in_background(lambda: load_database_layer(ctx), lambda _result: _freeze_start_up(), failed)

    QTimer.singleShot(WARM_UP_DELAY_MS, start)


def soon_after_first_screen(owner: QObject, work: Callable[[], None]) -> None:
    """Run `work` on the UI thread once the first screen has had time to paint (unless `owner` is
    gone by then): for what the person cannot notice missing in the first moments."""
    QTimer.singleShot(WARM_UP_DELAY_MS, owner, work)
