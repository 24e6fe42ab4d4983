"""No traceback ever reaches the screen: unexpected errors are logged and summarised in a dialog."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

from frontdesk.private_log import private_traceback
from frontdesk.services.errors import AccountSwitchedOff, ServiceError

log = logging.getLogger("frontdesk")
T = TypeVar("T")


class Prompts:
    """Every message box the app shows goes through here, so tests can replace it."""

    def error(self, parent: QWidget | None, title: str, message: str) -> None:
        QMessageBox.warning(parent, title, message)

    def info(self, parent: QWidget | None, title: str, message: str) -> None:
        QMessageBox.information(parent, title, message)

    def confirm(self, parent: QWidget | None, title: str, message: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(parent, title, message, buttons, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes


def report_unexpected(parent: QWidget | None, error: BaseException, prompts: Prompts | None = None) -> None:
    # The traceback as text with its quoted values blanked, whatever handler writes it (see private_log).
    log.error("Unexpected error\n%s", private_traceback(error))
    (prompts or Prompts()).error(
        parent,
        "Something went wrong",
        "Front Desk hit an unexpected problem and stopped what it was doing. Nothing you saved "
        "before is affected. The details were written to the log file in the data folder; "
        "please tell the clinic's administrator what you were doing.",
    )


def call_service(parent: QWidget | None, prompts: Prompts, title: str, fn: Callable[..., T], *args,
                 **kwargs) -> T | None:
    """Run a service call; show a `ServiceError`'s message or an unexpected error's summary."""
    try:
        return fn(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the last line of defence before the user
        show_service_error(parent, prompts, title, error)
    return None


def show_service_error(parent: QWidget | None, prompts: Prompts, title: str, error: BaseException) -> None:
    """What a person sees when a service call failed: a `ServiceError`'s own message, the lock for an
    account switched off meanwhile, or the unexpected error's summary (logged with its details)."""
    if isinstance(error, AccountSwitchedOff):
        # The window locks with the message (see `MainWindow.account_refused`): one notice, not one per view.
        window = parent.window() if isinstance(parent, QWidget) else None
        handler = getattr(window, "account_refused", None)
        if callable(handler):
            handler(error.message)
        else:
            prompts.error(parent, title, error.message)
    elif isinstance(error, ServiceError):
        prompts.error(parent, title, error.message)
    else:
        report_unexpected(parent, error, prompts)


def install_excepthook(prompts: Prompts | None = None) -> None:
    """Errors escaping a Qt slot land here instead of printing a traceback and aborting."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if isinstance(error, ServiceError):
            (prompts or Prompts()).error(None, "Front Desk", error.message)
            return
        report_unexpected(None, error, prompts)

    sys.excepthook = hook
