"""Work that may take more than a blink runs off the UI thread, through this one helper.

The callable gets plain arguments (the service context), never a widget; its result or error comes
back on the main thread through a signal, to a success or a failure callback. Nothing is swallowed:
a failure callback that is not given falls back to the unexpected-error report.

`ServiceOp` is what a screen uses for work a person waits for (Anki's `CollectionOp` / `QueryOp`):
it names the work (`op(ctx)`), what to do with the result, what to do on failure (by default the
standard report: a `ServiceError`'s own message, else the unexpected-error summary), and shows that
it runs (a line on the window's status bar, the acting buttons disabled), and refuses a second start
of the same work while the first runs. `run_in_background` is the plain helper under it, for work
nobody waits for (the morning backup, reminders, warming up).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget
from shiboken6 import isValid

from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.ui.common.errors import Prompts, report_unexpected, show_service_error

T = TypeVar("T")

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
            try:
                result = self.work()
            except Exception as error:  # noqa: BLE001 - handed to the failure callback on the main thread
                self.relay.failed.emit(error)
            else:
                self.relay.succeeded.emit(result)
        except RuntimeError:  # the application is closing (its objects are gone): nobody is left to tell
            logging.getLogger("frontdesk").info("background work ended after the application closed")


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


#: The ops running now, by (screen, title, busy text): the same work is not started twice at once.
_busy: set[tuple[int, str, str]] = set()
#: A newer request of a `newest_wins` op, started when the one running ends (whose result is dropped).
_waiting: dict[tuple[int, str, str], ServiceOp[Any]] = {}


class ServiceOp(Generic[T]):
    """Work a person waits for, off the UI thread.

        ServiceOp(self, "Export CSV", lambda ctx: export_csv(ctx, actor, flt), ctx, done,
                  prompts=self.prompts).busy("Exporting the appointments…", self.export_button).run()

    `op` takes the service context (plain values come in by closure, never a widget) and runs on a
    worker thread. `success(result)` and `failure(error)` run on the main thread, and only while
    `parent` still exists (a window closed meanwhile lets the result go; a failure is still logged).
    """

    def __init__(self, parent: QWidget, title: str, op: Callable[[ServiceContext], T], ctx: ServiceContext,
                 success: Callable[[T], None] | None = None, *, prompts: Prompts | None = None) -> None:
        self.parent = parent
        self.title = title
        self.op = op
        self.ctx = ctx
        self.prompts = prompts or Prompts()
        self._success = success
        self._failure: Callable[[BaseException], None] | None = None
        self._busy_text = ""
        self._controls: list[QWidget | QAction] = []
        self._were_enabled: list[bool] = []
        self._newest_wins = False
        self.task: BackgroundTask | None = None

    def failure(self, handler: Callable[[BaseException], None]) -> ServiceOp[T]:
        """Handle a failure instead of the standard report."""
        self._failure = handler
        return self

    def busy(self, text: str, *controls: QWidget | QAction) -> ServiceOp[T]:
        """While it runs: `text` on the window's status bar, `controls` disabled."""
        self._busy_text = text
        self._controls = list(controls)
        return self

    def newest_wins(self) -> ServiceOp[T]:
        """For a view that shows what its controls ask for (a list, a search): started while the same
        op runs, this one runs when that one ends, and only this one's result is shown."""
        self._newest_wins = True
        return self

    @property
    def running(self) -> bool:
        return self._key in _busy

    @property
    def _key(self) -> tuple[int, str, str]:
        return id(self.parent), self.title, self._busy_text

    def run(self) -> bool:
        """Start the work; False (and a word on the status bar) when the same work is still running."""
        if self._key in _busy:
            if self._newest_wins:
                _waiting[self._key] = self
                return True
            self._show_status(f"{self.title}: still working on it, please wait.")
            return False
        _busy.add(self._key)
        self._were_enabled = [control.isEnabled() for control in self._controls]
        for control in self._controls:
            control.setEnabled(False)
        if self._busy_text:
            self._show_status(self._busy_text)
        ctx = self.ctx
        self.task = run_in_background(lambda: self.op(ctx), self._succeeded, self._failed)
        return True

    def _finish(self) -> bool:
        """Undo the busy state; whether the screen is still there to be told."""
        _busy.discard(self._key)
        if not isValid(self.parent):
            return False
        for control, enabled in zip(self._controls, self._were_enabled, strict=True):
            if isValid(control):
                control.setEnabled(enabled)
        if self._busy_text:
            bar = _status_bar(self.parent)
            if bar is not None and bar.currentMessage() == self._busy_text:
                bar.clearMessage()
        return True

    def _newer_started(self) -> bool:
        newer = _waiting.pop(self._key, None)
        if newer is None or not isValid(self.parent):
            return False
        newer.run()
        return True

    def _succeeded(self, result: T) -> None:
        if self._finish() and not self._newer_started() and self._success is not None:
            self._success(result)

    def _failed(self, error: BaseException) -> None:
        if self._finish() and self._newer_started():
            return
        if not isValid(self.parent):
            if not isinstance(error, ServiceError):
                logging.getLogger("frontdesk").error("%s failed after its window closed: %r", self.title, error)
            return
        if self._failure is not None:
            self._failure(error)
        else:
            show_service_error(self.parent, self.prompts, self.title, error)

    def _show_status(self, text: str) -> None:
        bar = _status_bar(self.parent)
        if bar is not None:
            bar.showMessage(text)


def _status_bar(widget: QWidget):
    """The status bar of the main window `widget` is in (or was opened from), if any."""
    current: QWidget | None = widget
    while current is not None:
        top = current.window()
        if isinstance(top, QMainWindow):
            return top.statusBar()
        current = top.parentWidget()
    return None


def write_file(path: Path, data: bytes) -> Path:
    """Save `data` to `path` (off the UI thread, inside an op); a disk's refusal as a plain message."""
    try:
        path.write_bytes(data)
    except OSError as error:
        raise ServiceError(f"The file could not be saved ({error.strerror or error}). "
                           "Choose another folder and try again.") from error
    return path


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
