"""Which physiotherapist an account belongs to: the choice in Settings ▸ Users, and the sign-in
account of a physiotherapist in Settings ▸ Physiotherapists and hours.

A physiotherapist's account opens on their own "My day". One account per physiotherapist; a
switched-off physiotherapist gets no new account; a reception account belongs to no one. The
services hold these rules (`services.user_accounts`); the choices here only show them ahead of time.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.roles import Role
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.records import TherapistInfo
from frontdesk.services.user_accounts import (
    COMMAND_LINE_USERNAME,
    ROLES_WITH_A_PHYSIOTHERAPIST,
    UserSummary,
    create_user,
    link_therapist_account,
    list_users,
)
from frontdesk.ui.common.widgets import error_label

NO_THERAPIST = "No physiotherapist"


class TherapistChoice(QComboBox):
    """"No physiotherapist", then each physiotherapist; one who already has another account shows it
    and cannot be chosen, and a switched-off one only appears when it is the account's own."""

    def __init__(self, therapists: list[TherapistInfo], accounts: list[UserSummary], *,
                 user_id: int | None = None, current: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("account_therapist")
        items = QStandardItemModel(self)
        none = QStandardItem(NO_THERAPIST)
        none.setData(None, Qt.ItemDataRole.UserRole)
        items.appendRow(none)
        holders = {a.therapist_id: a for a in accounts if a.therapist_id is not None and a.id != user_id}
        for therapist in therapists:
            if not therapist.active and therapist.id != current:
                continue
            text = therapist.name
            holder = holders.get(therapist.id)
            if holder is not None:
                text += f" (has the account {holder.username})"
            elif not therapist.active:
                text += " (switched off)"
            item = QStandardItem(text)
            item.setData(therapist.id, Qt.ItemDataRole.UserRole)
            item.setEnabled(holder is None)
            items.appendRow(item)
        self.setModel(items)
        self.choose(current)

    def choose(self, therapist_id: int | None) -> None:
        index = self.findData(therapist_id) if therapist_id is not None else 0
        self.setCurrentIndex(max(index, 0))

    def therapist_id(self) -> int | None:
        value = self.currentData()
        return int(value) if value is not None else None

    def choose_by_name(self, name: str) -> None:
        """Pick the free physiotherapist whose name is `name` (a new account typed with their name)."""
        wanted = name.strip().casefold()
        for row in range(1, self.count()):
            item = cast(QStandardItemModel, self.model()).item(row)  # the model set in `refresh`
            if item.isEnabled() and self.itemText(row).casefold() == wanted:
                self.setCurrentIndex(row)
                return

    def follow_role(self, role: Role | None) -> None:
        """Only a physiotherapist's or an administrator's account belongs to a physiotherapist."""
        allowed = role is not None and Role(role) in ROLES_WITH_A_PHYSIOTHERAPIST
        if not allowed:
            self.setCurrentIndex(0)
        self.setEnabled(allowed)


def linked_account(accounts: list[UserSummary], therapist_id: int) -> UserSummary | None:
    return next((a for a in accounts if a.therapist_id == therapist_id), None)


class TherapistAccountDialog(QDialog):
    """A physiotherapist's sign-in account: make a new one, or link one that exists."""

    def __init__(self, ctx: ServiceContext, actor: Actor, therapist: TherapistInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.therapist = ctx, actor, therapist
        self.setWindowTitle(f"Sign-in account for {therapist.name}")
        self.linked: UserSummary | None = None
        self.created: Actor | None = None
        accounts = list_users(ctx, actor)
        self.free = [a for a in accounts if a.therapist_id is None and a.active and a.username != COMMAND_LINE_USERNAME]

        intro = QLabel(f"{therapist.name} signs in with this account and starts on their own “My day”.")
        intro.setWordWrap(True)
        self.new_choice = QRadioButton("&Create a new account")
        self.link_choice = QRadioButton("&Link an account that exists")
        group = QButtonGroup(self)
        for button in (self.new_choice, self.link_choice):
            group.addButton(button)
        self.username = QLineEdit(therapist.name.split()[0].casefold() if therapist.name.split() else "")
        self.username.setObjectName("link_username")
        self.username.setMaxLength(64)
        self.display_name = QLineEdit(therapist.name)
        self.display_name.setObjectName("link_display_name")
        self.password = QLineEdit()
        self.password.setObjectName("link_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("link_repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.account = QComboBox()
        self.account.setObjectName("link_account")
        for account in self.free:
            self.account.addItem(f"{account.display_name} ({account.username}, {account.role.label})", account.id)
        self.errors = {key: error_label() for key in ("username", "display_name", "password", "repeat", "account")}
        self.general_error = error_label()

        new_form = QFormLayout()
        for key, label, field in (("username", "&Username:", self.username),
                                  ("display_name", "&Name:", self.display_name),
                                  ("password", "&Password:", self.password),
                                  ("repeat", "R&epeat password:", self.repeat)):
            new_form.addRow(label, field)
            new_form.addRow("", self.errors[key])
        self.new_fields = QWidget()
        self.new_fields.setLayout(new_form)
        link_form = QFormLayout()
        link_form.addRow("&Account:", self.account)
        link_form.addRow("", self.errors["account"])
        note = QLabel("A reception account becomes a physiotherapist's.")
        note.setWordWrap(True)
        link_form.addRow("", note)
        self.link_fields = QWidget()
        self.link_fields.setLayout(link_form)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.new_choice)
        layout.addWidget(self.new_fields)
        layout.addWidget(self.link_choice)
        layout.addWidget(self.link_fields)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.new_choice.toggled.connect(self._choice_changed)
        self.link_choice.setEnabled(bool(self.free))
        self.new_choice.setChecked(True)
        self._choice_changed()
        self.setMinimumWidth(460)
        self.username.setFocus()

    def _choice_changed(self, *_args) -> None:
        self.new_fields.setEnabled(self.new_choice.isChecked())
        self.link_fields.setEnabled(self.link_choice.isChecked())

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        leftover = " ".join(text for key, text in errors.items() if key not in self.errors)
        message = " ".join(filter(None, [general, leftover]))
        self.general_error.setText(message)
        self.general_error.setVisible(bool(message))

    def accept(self) -> None:
        try:
            if self.new_choice.isChecked():
                if self.password.text() != self.repeat.text():
                    self.show_errors({"repeat": "The two passwords are not the same. Type them again."})
                    return
                self.created = create_user(self.ctx, self.actor, self.username.text(), self.display_name.text(),
                                           Role.PHYSIOTHERAPIST, self.therapist.id, password=self.password.text())
            else:
                account_id = self.account.currentData()
                if account_id is None:
                    self.show_errors({"account": "Choose the account to link."})
                    return
                self.linked = link_therapist_account(self.ctx, self.actor, int(account_id), self.therapist.id)
        except ValidationFailed as refused:
            errors = dict(refused.errors)
            self.show_errors(errors, errors.pop("therapist", ""))
            return
        except ServiceError as error:
            self.show_errors({}, error.message)
            return
        super().accept()
