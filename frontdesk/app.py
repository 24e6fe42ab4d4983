"""The application factory: tests and the command line build the same window through it."""

from __future__ import annotations

import logging
import logging.handlers

from frontdesk.config import log_dir
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.context import Actor, Clock
from frontdesk.services.users import workstation_actor
from frontdesk.ui.errors import Prompts
from frontdesk.ui.main_window import MainWindow


def configure_logging() -> logging.Handler:
    """A rotating log file in the data folder; nothing is printed to the person."""
    handler = logging.handlers.RotatingFileHandler(
        log_dir() / "frontdesk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def create_main_window(database_url: str, *, clock: Clock | None = None, actor: Actor | None = None,
                       prompts: Prompts | None = None) -> MainWindow:
    """Open the database (migrating and seeding it) and build the main window, without an event loop.

    Raises `DatabaseOpenError` with a paragraph for the person when the database cannot be used.
    """
    ctx = open_clinic(database_url, clock=clock)
    return MainWindow(ctx, actor or workstation_actor(ctx), prompts)
