"""Settings ▸ Move to a server…: the clinic's SQLite file copied onto an empty PostgreSQL database.

The dialog only asks where the server is and shows how far the move has come; the move itself, with
all its checks, is `services.move_to_server`, run off the UI thread. While it runs, Stop asks the
service to stop at its next batch (the server is then left as it was).
"""

from __future__ import annotations

import threading
from urllib.parse import quote

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.tasks import run_in_background
from frontdesk.ui.common.widgets import ERROR_STYLE, error_label

INTRO = (
    "Front Desk copies this clinic into an empty PostgreSQL database on the clinic's server, checks the "
    "copy there (every table's rows, the consent forms, the audit trail), and from then on every desk works "
    "on the server. The file on this computer is kept exactly as it is, for reference.\n\n"
    "Close Front Desk on the other computers first: nobody can save while the clinic moves. Create the empty "
    "database on the server first (see the README, 'Several front-desk computers')."
)


class _Relay(QObject):
    """Carries the service's progress from the worker thread to the dialog (a queued signal)."""

    progressed = Signal(object)


class MoveToServerDialog(QDialog):
    #: Emitted with the `MoveResult` once the clinic is on the server.
    moved = Signal(object)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move to a server")
        self._ctx, self._actor, self._prompts = ctx, actor, prompts
        self._stop = threading.Event()
        self._running = False
        self.result_value = None
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._show_progress)

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.server = QLineEdit()
        self.server.setObjectName("move_server")
        self.server.setPlaceholderText("the server's name or address, e.g. backoffice or 192.168.1.20")
        self.port = QSpinBox(minimum=1, maximum=65535, value=5432)
        self.database = QLineEdit("frontdesk")
        self.user = QLineEdit("frontdesk")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty if this computer's PostgreSQL password file has it")
        self.errors = {name: error_label() for name in ("server", "database", "user")}
        form = QFormLayout()
        form.addRow("&Server:", self._with_error(self.server, "server"))
        form.addRow("&Port:", self.port)
        form.addRow("&Database:", self._with_error(self.database, "database"))
        form.addRow("&User name:", self._with_error(self.user, "user"))
        form.addRow("Pass&word:", self.password)

        self.step = QLabel("")
        self.step.setObjectName("move_step")
        self.step.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("move_progress")
        self.bar.setFormat("%v of %m rows")
        self.bar.hide()
        self.message = QLabel("")
        self.message.setObjectName("move_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.buttons = QDialogButtonBox()
        self.move_button = QPushButton("&Move the clinic")
        self.move_button.setObjectName("move_start")
        self.move_button.setDefault(True)
        self.stop_button = QPushButton("S&top")
        self.stop_button.setObjectName("move_stop")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.move_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.stop_button.hide()  # after joining the box, which shows what it is given
        self.move_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.step)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Grows with the wrapped messages instead of squeezing the form.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setMinimumWidth(600)
        remember_geometry(self, "move_to_server")
        self.server.setFocus()

    def _with_error(self, field: QWidget, name: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(self.errors[name])
        return box

    # --- what the person does ---------------------------------------------------------------------

    def target_url(self) -> str:
        user = quote(self.user.text().strip(), safe="")
        password = self.password.text()
        secret = ":" + quote(password, safe="") if password else ""
        host = self.server.text().strip()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        database = quote(self.database.text().strip(), safe="")
        return f"postgresql+psycopg://{user}{secret}@{host}:{self.port.value()}/{database}"

    def _field_problems(self) -> dict[str, str]:
        problems = {}
        if not self.server.text().strip():
            problems["server"] = "Type the server's name or address."
        elif any(ch in self.server.text() for ch in "/@?# "):
            problems["server"] = "Only the server's name or address here, e.g. backoffice or 192.168.1.20."
        if not self.database.text().strip():
            problems["database"] = "Type the name of the empty database made for Front Desk."
        if not self.user.text().strip():
            problems["user"] = "Type the user name Front Desk signs in to the server with."
        return problems

    def start(self) -> None:
        if self._running:
            return
        problems = self._field_problems()
        for name, label in self.errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)
        self.message.hide()
        if problems:
            {"server": self.server, "database": self.database, "user": self.user}[next(iter(problems))].setFocus()
            return
        from frontdesk.services.move_to_server import move_to_server

        ctx, actor, url, relay, stop = self._ctx, self._actor, self.target_url(), self._relay, self._stop
        stop.clear()
        self._set_running(True)
        self.step.setText("Starting …")
        run_in_background(
            lambda: move_to_server(ctx, actor, url, progress=relay.progressed.emit, should_stop=stop.is_set),
            self._succeeded, self._failed)

    def stop(self) -> None:
        self._stop.set()
        self.stop_button.setEnabled(False)
        self.step.setText("Stopping at the next batch; the server will be left as it was …")

    def reject(self) -> None:
        if self._running:  # Escape or Close while moving: stop first, the dialog stays until it has
            self.stop()
            return
        super().reject()

    # --- what the move says -----------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self._running = running
        for widget in (self.server, self.port, self.database, self.user, self.password, self.move_button):
            widget.setEnabled(not running)
        self.close_button.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)
        self.bar.setVisible(running)
        if running:
            self.stop_button.setFocus()

    def _show_progress(self, progress) -> None:
        if progress.table:
            self.step.setText(f"Copying table {progress.tables_done + 1} of {progress.tables_total}: "
                              f"{progress.table.replace('_', ' ')}")
            self.bar.setRange(0, max(progress.total, 1))
            self.bar.setValue(progress.done)
            self.bar.setFormat(f"{progress.done:,} of {progress.total:,} rows")
        else:
            self.step.setText(progress.step + " …")
            self.bar.setRange(0, 0)  # busy: no row count for this step

    def _succeeded(self, result) -> None:
        self._set_running(False)
        self.result_value = result
        self.step.setText("Done.")
        self.bar.hide()
        self.message.setStyleSheet("")
        self.message.setText("\n".join(result.lines()))
        self.message.show()
        self.adjustSize()
        for widget in (self.server, self.port, self.database, self.user, self.password, self.move_button):
            widget.setEnabled(False)
        self.close_button.setFocus()
        self.moved.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._set_running(False)
        self.bar.hide()
        if not isinstance(error, ServiceError):
            self.step.setText("")
            report_unexpected(self, error, self._prompts)
            return
        self.step.setText("Not moved.")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(error.message)
        self.message.show()
        self.adjustSize()
        self.move_button.setFocus()
