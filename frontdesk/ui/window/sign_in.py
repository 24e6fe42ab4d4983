"""The sign-in form: used at start (in a dialog) and on the idle-lock cover."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError

log = logging.getLogger("frontdesk")

Authenticate = Callable[[str, str], Actor]


class SignInForm(QWidget):
    """Username, password and a message line; emits `signed_in` with the actor when the service agrees."""

    signed_in = Signal(object)

    def __init__(self, authenticate: Authenticate, *, heading: str = "", username: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._authenticate = authenticate
        self.heading = QLabel(heading)
        self.heading.setObjectName("sign_in_heading")
        self.heading.setWordWrap(True)
        self.heading.setVisible(bool(heading))
        self.username = QLineEdit(username)
        self.username.setObjectName("sign_in_username")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setObjectName("sign_in_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("sign_in_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setVisible(False)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("&Sign in")
        self.button.setObjectName("sign_in_button")
        # Return in the password field signs in; a dialog's default button would submit a second time.
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)

        form = QFormLayout()
        form.addRow("&Username:", self.username)
        form.addRow("&Password:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        #: The row of buttons: a dialog may put its own (Quit) before Sign in.
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.button)
        layout.addLayout(self.buttons)

    def focus_first_empty(self) -> None:
        (self.password if self.username.text() else self.username).setFocus(Qt.FocusReason.OtherFocusReason)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def submit(self) -> None:
        try:
            actor = self._authenticate(self.username.text(), self.password.text())
        except ServiceError as error:
            self.password.clear()
            self.show_message(error.message)
            self.focus_first_empty()
            return
        except Exception:  # the person sees a sentence, the log gets the details
            log.exception("Sign-in failed unexpectedly")
            self.password.clear()
            self.show_message("Signing in failed because of an unexpected problem. The details are in "
                              "the log file; try again or ask the clinic's administrator.")
            return
        self.password.clear()
        self.show_message("")
        self.signed_in.emit(actor)


def _sign_in(ctx: ServiceContext, username: str, password: str) -> Actor:
    # The account services (and SQLAlchemy) load while the person types, not before the dialog shows.
    from frontdesk.services.signing_in import sign_in

    return sign_in(ctx, username, password)


class SignInDialog(QDialog):
    """At start: who is at the counter? `actor` holds the answer after `exec()` returns Accepted.

    Quit (or Escape) closes Front Desk without signing in.
    """

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Front Desk")
        self.actor: Actor | None = None
        self.form = SignInForm(lambda name, password: _sign_in(ctx, name, password),
                               heading="Sign in with your own account.", username=username)
        self.form.signed_in.connect(self._accepted)
        self.quit_button = QPushButton("&Quit")
        self.quit_button.setObjectName("sign_in_quit")
        self.quit_button.setAutoDefault(False)
        self.quit_button.setToolTip("Close Front Desk without signing in (Escape)")
        self.quit_button.clicked.connect(self.reject)
        self.form.buttons.insertWidget(0, self.quit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.setMinimumWidth(380)
        self.form.focus_first_empty()

    def _accepted(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()
