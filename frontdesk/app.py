"""The application factory: tests and the command line build the same window through it.

The main window's modules are imported when the window is built, so the sign-in dialog does not
wait for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from frontdesk.compat import skip_pyside_source_scan

skip_pyside_source_scan()  # before the imports below bring in the services (and, later, SQLAlchemy)

from frontdesk.config import log_dir  # noqa: E402
from frontdesk.services.account_lookup import needs_first_admin, workstation_actor  # noqa: E402
from frontdesk.services.bootstrap import open_clinic  # noqa: E402
from frontdesk.services.context import Actor, Clock, ServiceContext  # noqa: E402
from frontdesk.ui.common.errors import Prompts  # noqa: E402

if TYPE_CHECKING:
    from frontdesk.ui.window.main_window import MainWindow


def configure_logging() -> logging.Handler:
    """A rotating log file in the data folder; nothing is printed to the person."""
    import logging.handlers

    handler = logging.handlers.RotatingFileHandler(
        log_dir() / "frontdesk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    from frontdesk.private_log import PrivateFormatter

    handler.setFormatter(PrivateFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
    from frontdesk.ui.window.main_window import MainWindow

    return MainWindow(ctx, actor or workstation_actor(ctx), prompts)


def sign_in_flow(ctx: ServiceContext, parent: QWidget | None = None) -> Actor | None:
    """The first-run dialog while no one can sign in yet, else the sign-in dialog; None if cancelled."""
    from frontdesk.ui.window.first_run import FirstRunDialog
    from frontdesk.ui.common.fonts import add_fallback_fonts
    from frontdesk.ui.window.sign_in import SignInDialog
    from frontdesk.ui.common.tasks import load_database_layer_soon

    add_fallback_fonts()  # a name typed in Chinese or Korean shows as typed

    dialog = FirstRunDialog(ctx, parent) if needs_first_admin(ctx) else SignInDialog(ctx, parent)
    load_database_layer_soon(ctx)  # while the person types: signing in writes to the audit trail
    return dialog.actor if dialog.exec() else None


class Session(QObject):
    """One person's time at the counter after another: sign in, the main window, sign out, repeat.

    Closing the window (rather than signing out) ends the application.
    """

    def __init__(self, ctx: ServiceContext, prompts: Prompts | None = None,
                 ask_actor: Callable[[ServiceContext], Actor | None] = sign_in_flow) -> None:
        super().__init__()
        self.ctx = ctx
        self.prompts = prompts
        self.ask_actor = ask_actor
        self.window: MainWindow | None = None
        self._signing_out = False

    def start(self) -> MainWindow | None:
        """Ask who is at the counter and show their main window; None when they cancelled."""
        actor = self.ask_actor(self.ctx)
        if actor is None:
            return None
        from frontdesk.ui.window.main_window import MainWindow

        window = MainWindow(self.ctx, actor, self.prompts)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.signed_out.connect(self._mark_signing_out)
        window.destroyed.connect(self._window_gone)
        self.window = window
        window.show()
        return window

    def start_daily_backup(self) -> None:
        """The start-of-day backup, through whichever window is open now (off the UI thread)."""
        if self.window is not None:
            self.window.start_daily_backup()

    def _mark_signing_out(self) -> None:
        self._signing_out = True

    def _window_gone(self) -> None:
        self.window = None
        signing_out, self._signing_out = self._signing_out, False
        if not signing_out or self.start() is None:
            app = QApplication.instance()
            if app is not None:
                app.quit()


def start_session(database_url: str, *, clock: Clock | None = None, prompts: Prompts | None = None,
                  ask_actor: Callable[[ServiceContext], Actor | None] = sign_in_flow) -> Session | None:
    """Open the database, then sign in (or create the first administrator) and show the main window.

    None when the person cancelled the sign-in. Raises `DatabaseOpenError` like `create_main_window`.
    The application must not quit when its last window closes: a sign-out closes the window before
    the next person signs in.
    """
    ctx = open_clinic(database_url, clock=clock)
    session = Session(ctx, prompts, ask_actor)
    if session.start() is None:
        ctx.database.dispose()
        return None
    return session
