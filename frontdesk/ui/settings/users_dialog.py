"""Settings ▸ Users…: the clinic's accounts (administrators only)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.roles import Role
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.schedule_view import list_therapists
from frontdesk.services.user_accounts import (
    UserSummary,
    change_own_password,
    create_user,
    deactivate_user,
    list_users,
    reactivate_user,
    reset_password,
    update_user,
)
from frontdesk.ui.settings.account_link import TherapistChoice
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.common.table_model import Column, RowTableModel
from frontdesk.ui.common.widgets import error_label
from frontdesk.ui.window.live_updates import ChangedBanner, EditsThatMeet, follow_changes, touches_record


class UserTableModel(RowTableModel[UserSummary]):
    """The accounts; a switched-off one is greyed."""

    def __init__(self, rows: list[UserSummary] | None = None) -> None:
        super().__init__((
            Column("Username", lambda user: user.username),
            Column("Name", lambda user: user.display_name),
            Column("Role", lambda user: user.role.label),
            Column("Physiotherapist", lambda user: user.therapist_name),
            Column("Status", _status),
        ))
        self.set_rows(rows or [])

    def row_foreground(self, row: UserSummary) -> QBrush | None:
        return QBrush(QColor("#777777")) if not row.active else None


def _status(user: UserSummary) -> str:
    if not user.active:
        return "Switched off"
    if not user.has_password:
        return "No password yet"
    return "Active"


class _FormDialog(QDialog):
    """A small form whose `accept()` runs `save` and shows a refusal beside the field it names.

    It opens with the focus in its first field; Enter is OK; Escape closes, asking first only when
    something typed would be lost.
    """

    def __init__(self, title: str, parent: QWidget | None, prompts: Prompts | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.prompts = prompts or Prompts()
        self.first_field: QWidget | None = None
        self.form = QFormLayout()
        self.errors: dict[str, QLabel] = {}
        self.general_error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)  # room for a refusal beside its field, wrapped over a line or two

    def add_field(self, key: str, label: str, field: QWidget) -> None:
        self.errors[key] = error_label()
        self.form.addRow(label, field)
        if self.first_field is None:
            self.first_field = field
            field.setFocus(Qt.FocusReason.OtherFocusReason)  # before the dialog shows, or it would focus OK
        self.form.addRow("", self.errors[key])

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        leftover = [text for key, text in errors.items() if key not in self.errors]
        message = " ".join(filter(None, [general, *leftover]))
        self.general_error.setText(message)
        self.general_error.setVisible(bool(message))

    def typed(self) -> bool:
        """Whether closing now would lose something typed (the fields' text)."""
        return any(field.text() for field in self.findChildren(QLineEdit))

    def reject(self) -> None:
        if self.typed() and not self.prompts.confirm(self, self.windowTitle(),
                                                     "What you typed here is not saved. Close and lose it?"):
            return
        super().reject()

    def run(self, save: Callable[[], object]) -> bool:
        try:
            save()
        except ValidationFailed as error:
            self.show_errors(error.errors)
            return False
        except ServiceError as error:
            self.show_errors({}, error.message)
            return False
        return True


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class AddUserDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None,
                 prompts: Prompts | None = None) -> None:
        super().__init__("Add a user", parent, prompts)
        self.ctx, self.actor = ctx, actor
        self.created: Actor | None = None
        self._name_warned_for = ""
        self.username = QLineEdit()
        self.username.setMaxLength(64)
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        self.therapist = TherapistChoice(list_therapists(ctx, actor, active_only=False), list_users(ctx, actor))
        self.therapist.follow_role(self.role.currentData())
        self.role.currentIndexChanged.connect(self._role_chosen)
        self.password = _password_field("new_user_password")
        self.repeat = _password_field("new_user_repeat")
        self.add_field("username", "&Username:", self.username)
        self.add_field("display_name", "&Name:", self.display_name)
        self.add_field("role", "&Role:", self.role)
        self.add_field("therapist", "P&hysiotherapist:", self.therapist)
        self.add_field("password", "&Password:", self.password)
        self.add_field("repeat", "R&epeat password:", self.repeat)

    def same_name(self) -> UserSummary | None:
        """An account that already has the display name typed (spaces and case aside)."""
        wanted = " ".join(self.display_name.text().split()).casefold()
        if not wanted:
            return None
        users = list_users(self.ctx, self.actor)
        return next((user for user in users if " ".join(user.display_name.split()).casefold() == wanted), None)

    def accept(self) -> None:
        if self.password.text() != self.repeat.text():
            self.show_errors({"repeat": "The two passwords are not the same. Type them again."})
            return
        try:
            twin = self.same_name()
        except ServiceError as error:
            self.show_errors({}, error.message)
            return
        name = " ".join(self.display_name.text().split()).casefold()
        if twin is not None and self._name_warned_for != name:
            self._name_warned_for = name
            self.show_errors({"display_name": (
                f"There is already an account called {twin.display_name} (username {twin.username}). Two "
                "accounts with one name are easy to mix up in the records: add an initial to tell them "
                "apart, or press OK again to add this one anyway.")})
            self.display_name.setFocus(Qt.FocusReason.OtherFocusReason)
            return

        def save() -> None:
            self.created = create_user(self.ctx, self.actor, self.username.text(), self.display_name.text(),
                                       self.role.currentData(), self.therapist.therapist_id(),
                                       password=self.password.text())

        if self.run(save):
            super().accept()


    def _role_chosen(self, *_args) -> None:
        """A physiotherapist's account: the physiotherapist of the same name, when there is a free one."""
        role = Role(self.role.currentData())
        self.therapist.follow_role(role)
        if role is Role.PHYSIOTHERAPIST and self.therapist.therapist_id() is None:
            self.therapist.choose_by_name(self.display_name.text())


class ResetPasswordDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, actor: Actor, user: UserSummary, parent: QWidget | None = None,
                 prompts: Prompts | None = None) -> None:
        super().__init__(f"New password for {user.display_name}", parent, prompts)
        self.ctx, self.actor, self.user = ctx, actor, user
        self.password = _password_field("reset_password")
        self.repeat = _password_field("reset_repeat")
        self.add_field("password", "&New password:", self.password)
        self.add_field("repeat", "&Repeat:", self.repeat)

    def accept(self) -> None:
        if self.password.text() != self.repeat.text():
            self.show_errors({"repeat": "The two passwords are not the same. Type them again."})
            return
        if self.run(lambda: reset_password(self.ctx, self.actor, self.user.id, self.password.text())):
            super().accept()


class ChangeOwnPasswordDialog(_FormDialog):
    """File ▸ Change my password: anyone signed in, for their own account."""

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None,
                 prompts: Prompts | None = None) -> None:
        super().__init__(f"Change the password of {actor.display_name}", parent, prompts)
        self.ctx, self.actor = ctx, actor
        self.current = _password_field("current_password")
        self.password = _password_field("new_password")
        self.repeat = _password_field("new_password_repeat")
        self.add_field("current", "&Current password:", self.current)
        self.add_field("password", "&New password:", self.password)
        self.add_field("repeat", "&Repeat the new one:", self.repeat)
        self.show_errors({})
        self.current.setFocus()

    def accept(self) -> None:
        if self.password.text() != self.repeat.text():
            self.show_errors({"repeat": "The two new passwords are not the same. Type them again."})
            self.repeat.setFocus()
            return
        if self.run(lambda: change_own_password(self.ctx, self.actor, self.current.text(), self.password.text())):
            super().accept()
            return
        first = next((key for key in ("current", "password", "repeat") if not self.errors[key].isHidden()), None)
        if first is not None:
            {"current": self.current, "password": self.password, "repeat": self.repeat}[first].setFocus()


class ChangeRoleDialog(_FormDialog):
    """The account's role and the physiotherapist it belongs to (their "My day" opens at sign-in)."""

    def __init__(self, ctx: ServiceContext, actor: Actor, user: UserSummary, parent: QWidget | None = None,
                 prompts: Prompts | None = None) -> None:
        super().__init__(f"Role and physiotherapist of {user.display_name}", parent, prompts)
        self.ctx, self.actor, self.user = ctx, actor, user
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        self.role.setCurrentIndex(list(Role).index(user.role))
        self.therapist = TherapistChoice(list_therapists(ctx, actor, active_only=False), list_users(ctx, actor),
                                         user_id=user.id, current=user.therapist_id)
        self.therapist.follow_role(user.role)
        self.role.currentIndexChanged.connect(lambda _i: self.therapist.follow_role(self.role.currentData()))
        self.add_field("role", "&Role:", self.role)
        self.add_field("therapist", "P&hysiotherapist:", self.therapist)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # changed by another administrator meanwhile
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, self.prompts,
                                     what=f"The account {user.username}", save_key="Ctrl+S or Enter", parent=self)
        self.meeting.note.connect(lambda text: self.show_errors({}, text))
        self.layout().insertWidget(0, self.changed_banner)
        self._names = {t.id: t.name for t in list_therapists(ctx, actor, active_only=False)}
        follow_changes(self, self.meeting.changed_elsewhere)

    def accept(self) -> None:
        if self.meeting.pending:
            self.meeting.keep_mine()  # changed by another administrator meanwhile: first see what differs
            return
        if self.run(lambda: update_user(self.ctx, self.actor, self.user.id, self.role.currentData(),
                                        self.therapist.therapist_id(), expected=self.user)):
            super().accept()

    # --- Changed by another administrator meanwhile -----------------------------------------------

    def meeting_touched(self, changes: set) -> bool:
        return touches_record(changes, Kind.USERS, self.user.id)

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import user_as_saved

        return user_as_saved(self.ctx, self.actor, self.user.id)

    def meeting_is_current(self, user: UserSummary) -> bool:
        return (user.role, user.therapist_id, user.active) == (self.user.role, self.user.therapist_id, self.user.active)

    def meeting_dirty(self) -> bool:
        return (Role(self.role.currentData()), self.therapist.therapist_id()) != (Role(self.user.role),
                                                                                 self.user.therapist_id)

    def meeting_load(self, user: UserSummary) -> None:
        self.user = user
        self.role.setCurrentIndex(list(Role).index(Role(user.role)))
        self.therapist.follow_role(user.role)
        self.therapist.choose(user.therapist_id)

    def _therapist_name(self, therapist_id: int | None) -> str:
        return self._names.get(therapist_id, "") if therapist_id is not None else "(none)"

    def meeting_differences(self, user: UserSummary) -> list[tuple[str, str, str]]:
        mine_role, mine_therapist = Role(self.role.currentData()), self.therapist.therapist_id()
        found = []
        if Role(user.role) is not mine_role:
            found.append(("Role", Role(user.role).label, mine_role.label))
        if user.therapist_id != mine_therapist:
            found.append(("Physiotherapist", self._therapist_name(user.therapist_id),
                          self._therapist_name(mine_therapist)))
        if not user.active:
            found.append(("Account", "switched off", "switched off (it stays so)"))
        return found

    def meeting_save_over(self, user: UserSummary) -> bool:
        self.user = user  # the save goes over their version
        self.accept()
        return self.result() == QDialog.DialogCode.Accepted


class UsersDialog(QDialog):
    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.setWindowTitle("Users")
        self.model = UserTableModel()
        self.table = QTableView()
        self.table.setObjectName("users_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()

        self.add_button = QPushButton("&Add…")
        self.role_button = QPushButton("&Role and physiotherapist…")
        self.password_button = QPushButton("Reset &password…")
        self.active_button = QPushButton("S&witch off")
        close = QPushButton("Close")
        close.setDefault(True)  # Enter and Escape both close: every change here is saved as it is made
        for button in (self.add_button, self.role_button, self.password_button, self.active_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_user)
        self.role_button.clicked.connect(self.change_role)
        self.password_button.clicked.connect(self.reset_password)
        self.active_button.clicked.connect(self.toggle_active)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.role_button, self.password_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.master = MasterDetail(self.table, lambda index: getattr(self.model.row_at(index.row()), "id", None),
                                   self._update_buttons)
        self.master.follow(self.table.selectionModel().currentRowChanged)
        follow_changes(self, self._changed_elsewhere)
        self.resize(640, 400)
        remember_geometry(self, "users_dialog")
        self.refresh()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected(self) -> UserSummary | None:
        index = self.table.currentIndex()
        return self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole) if index.isValid() else None

    def refresh(self, select_id: int | None = None) -> None:
        rows = call_service(self, self.prompts, "Users", list_users, self.ctx, self.actor)
        if rows is None:
            return
        with self.master.reload(select=select_id):  # the selected account stays selected
            self.model.set_rows(rows)

    def _changed_elsewhere(self, changes: set) -> None:
        """Another administrator changed an account (or a physiotherapist's name): the list shows it at
        once, keeping the selected account."""
        if getattr(changes, "remote", False) and changes & {Kind.USERS, Kind.THERAPISTS}:
            self.refresh()

    def _update_buttons(self, *_: object) -> None:
        user = self.selected()
        for button in (self.role_button, self.password_button, self.active_button):
            button.setEnabled(user is not None)
        self.active_button.setText("S&witch on" if user is not None and not user.active else "S&witch off")

    def add_user(self) -> None:
        dialog = AddUserDialog(self.ctx, self.actor, self, self.prompts)
        if dialog.exec() and dialog.created is not None:
            self.refresh(dialog.created.user_id)

    def change_role(self) -> None:
        user = self.selected()
        if user is not None and ChangeRoleDialog(self.ctx, self.actor, user, self, self.prompts).exec():
            self.refresh(user.id)

    def reset_password(self) -> None:
        user = self.selected()
        if user is not None and ResetPasswordDialog(self.ctx, self.actor, user, self, self.prompts).exec():
            self.prompts.info(self, "Users", f"{user.display_name} can now sign in with the new password.")
            self.refresh(user.id)

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active:
            if not self.prompts.confirm(self, "Switch off an account",
                                        f"Switch off {user.display_name}'s account? They will no longer be "
                                        "able to sign in. What they did stays in the records."):
                return
            call_service(self, self.prompts, "Users", deactivate_user, self.ctx, self.actor, user.id)
        else:
            call_service(self, self.prompts, "Users", reactivate_user, self.ctx, self.actor, user.id)
        self.refresh(user.id)
