"""The first start: create the clinic's administrator account, then carry on signed in as them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.widgets import error_label


class FirstRunDialog(QDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, prompts: Prompts | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.prompts = prompts or Prompts()
        self.actor: Actor | None = None
        self.setWindowTitle("Welcome to Front Desk")
        intro = QLabel(
            "This is the first start on this database. Create the administrator account: it manages "
            "the other accounts, the physiotherapists' hours, the clinic's details and backups. "
            "Each person at the clinic will get their own account afterwards."
        )
        intro.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setObjectName("first_run_username")
        self.username.setMaxLength(64)
        self.display_name = QLineEdit()
        self.display_name.setObjectName("first_run_display_name")
        self.password = QLineEdit()
        self.password.setObjectName("first_run_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("first_run_repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.address = QPlainTextEdit()
        self.address.setObjectName("first_run_address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(56)
        self.address.setPlaceholderText("Street address, city, province and postal code")
        self.email = QLineEdit()
        self.email.setObjectName("first_run_email")
        self.email.setPlaceholderText("e.g. frontdesk@example.ca")
        self.website = QLineEdit()
        self.website.setObjectName("first_run_website")
        self.website.setPlaceholderText("e.g. www.example.ca")
        self.errors = {name: error_label() for name in ("username", "display_name", "password", "repeat",
                                                        "address", "email", "website")}
        self.general_error = error_label()

        form = QFormLayout()
        for key, label, field in (
            ("username", "&Username:", self.username),
            ("display_name", "Your &name:", self.display_name),
            ("password", "&Password:", self.password),
            ("repeat", "&Repeat password:", self.repeat),
        ):
            form.addRow(label, field)
            form.addRow("", self.errors[key])
        hint = QLabel("At least 8 characters; a passphrase of a few everyday words works well.")
        hint.setWordWrap(True)
        clinic = QGroupBox("The clinic on every printout (optional; Settings ▸ Clinic changes it later)")
        clinic_form = QFormLayout(clinic)
        clinic_fields: tuple[tuple[str, str, QWidget], ...] = (
            ("address", "Street &address:", self.address),
            ("email", "Clinic &email:", self.email),
            ("website", "&Website:", self.website),
        )
        for key, label, clinic_field in clinic_fields:
            clinic_form.addRow(label, clinic_field)
            clinic_form.addRow("", self.errors[key])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create account")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(clinic)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _show(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        first = next((key for key in self.errors if key in errors), None)
        if first is not None:
            {"username": self.username, "display_name": self.display_name, "password": self.password,
             "repeat": self.repeat, "address": self.address, "email": self.email,
             "website": self.website}[first].setFocus()

    def accept(self) -> None:
        self.general_error.setVisible(False)
        if self.password.text() != self.repeat.text():
            self._show({"repeat": "The two passwords are not the same. Type them again."})
            return
        from frontdesk.services.clinic_settings import get_clinic_settings
        from frontdesk.services.clinic_settings_edit import update_clinic_settings, validate_clinic_settings
        from frontdesk.services.user_accounts import create_first_admin

        clinic = None
        if self.address.toPlainText().strip() or self.email.text().strip() or self.website.text().strip():
            current = get_clinic_settings(self.ctx)
            clinic = replace(current, address=self.address.toPlainText().strip() or current.address,
                             email=self.email.text(), website=self.website.text())
            try:
                validate_clinic_settings(clinic)
            except ValidationFailed as error:
                self._show({key: text for key, text in error.errors.items() if key in self.errors})
                return
        try:
            self.actor = create_first_admin(self.ctx, self.username.text(), self.display_name.text(),
                                            self.password.text())
            if clinic is not None:
                update_clinic_settings(self.ctx, self.actor, clinic)
        except ValidationFailed as error:
            self._show(error.errors)
            return
        except ServiceError as error:
            self._show({})
            self.general_error.setText(error.message)
            self.general_error.setVisible(True)
            return
        super().accept()

    def reject(self) -> None:
        """Escape and Cancel close Front Desk, asking first only when something typed would be lost."""
        typed = any(field.text() for field in (self.username, self.display_name, self.password, self.repeat))
        if typed and not self.prompts.confirm(self, "Welcome to Front Desk", "The account is not created yet. "
                                              "Close Front Desk and lose what you typed?"):
            return
        super().reject()
