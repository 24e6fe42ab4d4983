"""Settings ▸ Reminders…: email reminders on or off, when, and the clinic's mail server."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.reminders import MAX_HOURS_BEFORE, MIN_HOURS_BEFORE
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.reminder_outbox import ReminderSettings
from frontdesk.services.reminders import get_reminder_settings, update_reminder_settings
from frontdesk.ui.common.errors import Prompts, report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.tasks import run_in_background
from frontdesk.ui.common.widgets import add_rows_with_errors, show_errors

SECURITY = (("starttls", "STARTTLS (usually port 587)"), ("tls", "TLS from the start (usually port 465)"))


class ReminderSettingsDialog(QDialog):
    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Email reminders")
        self._ctx, self._actor, self._prompts = ctx, actor, prompts
        self._current = get_reminder_settings(ctx, actor)
        current = self._current
        self.enabled = QCheckBox("&Send appointment reminders by email")
        self.enabled.setChecked(current.enabled)
        self.hours_before = QSpinBox(minimum=MIN_HOURS_BEFORE, maximum=MAX_HOURS_BEFORE, suffix=" hours before",
                                     value=current.hours_before)
        self.smtp_host = QLineEdit(current.smtp_host)
        self.smtp_host.setPlaceholderText("smtp.example.com")
        self.smtp_port = QSpinBox(minimum=1, maximum=65535, value=current.smtp_port)
        self.security = QComboBox()
        for key, label in SECURITY:
            self.security.addItem(label, key)
        self.security.setCurrentIndex(max(0, self.security.findData(current.security)))
        self.username = QLineEdit(current.username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText({
            "keyring": "Saved in this computer's keyring; type to replace",
            "database": "Saved (encrypted); type to replace",
        }.get(current.password_kept, "The mail account's password"))
        self.from_address = QLineEdit(current.from_address)
        self.from_address.setPlaceholderText("frontdesk@yourclinic.ca")
        self.what_to_bring = QPlainTextEdit(current.what_to_bring)
        self.what_to_bring.setTabChangesFocus(True)
        self.what_to_bring.setFixedHeight(64)
        note = QLabel("Only patients who agreed to email reminders (Intake ▸ Email reminders) get one. The "
                      "message gives the date, time, physiotherapist, the clinic's details, what to bring and "
                      "how to cancel, with a calendar file; it never names a treatment, an area or a "
                      "screening result.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.enabled)
        self.errors = add_rows_with_errors(form, (
            ("hours_before", "Send &how long before", self.hours_before),
            ("smtp_host", "Mail &server", self.smtp_host),
            ("smtp_port", "&Port", self.smtp_port),
            ("security", "Se&curity", self.security),
            ("username", "&User name", self.username),
            ("password", "Pass&word", self.password),
            ("from_address", "&From address", self.from_address),
            ("what_to_bring", "What to &bring", self.what_to_bring),
        ))
        self.test_button = QPushButton("Send a test &email")
        self.test_button.setToolTip("Send a short message to the From address with the settings as entered")
        self.test_button.clicked.connect(self.send_test)
        self.test_result = QLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        remember_geometry(self, "reminder_settings")
        self.saved: ReminderSettings | None = None

    def entered(self) -> ReminderSettings:
        return replace(self._current, enabled=self.enabled.isChecked(), hours_before=self.hours_before.value(),
                       smtp_host=self.smtp_host.text(), smtp_port=self.smtp_port.value(),
                       security=str(self.security.currentData()), username=self.username.text(),
                       from_address=self.from_address.text(), what_to_bring=self.what_to_bring.toPlainText())

    def send_test(self) -> None:
        """Off the UI thread: a server that does not answer takes up to half a minute to say so."""
        from frontdesk.services.reminder_sender import send_test_message

        for label in self.errors.values():
            label.hide()
        entered, password = self.entered(), self.password.text() or None
        self.test_button.setEnabled(False)
        self.test_result.setText("Sending…")
        run_in_background(lambda: send_test_message(self._ctx, self._actor, entered, password),
                          self._test_done, self._test_failed)

    def _test_done(self, text: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)

    def _test_failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.test_result.clear()
        if isinstance(error, ValidationFailed):
            show_errors(self.errors, error.errors, "⚠ ")
            return
        if isinstance(error, ServiceError):
            self.test_result.setText(f"⚠ Not sent. {error.message}")
            return
        report_unexpected(self, error, self._prompts)

    def accept(self) -> None:
        for label in self.errors.values():
            label.hide()
        try:
            self.saved = update_reminder_settings(self._ctx, self._actor, self.entered(),
                                                  password=self.password.text() or None)
        except ValidationFailed as error:
            show_errors(self.errors, error.errors, "⚠ ")
            return
        except ServiceError as error:
            self._prompts.error(self, "Email reminders", error.message)
            return
        self.password.clear()
        super().accept()
