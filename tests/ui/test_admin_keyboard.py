"""Admin dialogs by keyboard: they open in their first field, Enter saves, Escape closes (asking only
when something typed would be lost); a second account with the same name warns; sign-in has Quit."""

from __future__ import annotations

import pytest
from accounts import PASSWORD
from keyboard import Keys
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from frontdesk.domain.roles import Role
from frontdesk.services.user_accounts import create_user, list_users
from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog
from frontdesk.ui.window.sign_in import SignInDialog
from frontdesk.ui.settings.users_dialog import AddUserDialog, ChangeOwnPasswordDialog, ResetPasswordDialog, UsersDialog

pytestmark = pytest.mark.usefixtures("cheap_hashing")  # every account made here hashes cheaply


def opened(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return dialog


def test_add_user_starts_in_username_and_a_name_with_a_space_is_typed_not_a_click(qtbot, ctx, owner, prompts):
    dialog = opened(qtbot, AddUserDialog(ctx, owner, None, prompts))
    assert QApplication.focusWidget() is dialog.username
    keys = Keys(qtbot)
    keys.type("cstokes")
    keys.press("Tab")
    keys.type("Chris Stokes")
    assert dialog.isVisible() and dialog.display_name.text() == "Chris Stokes"


def test_a_second_account_with_the_same_name_warns_and_a_second_enter_adds_it(qtbot, ctx, owner, prompts):
    create_user(ctx, owner, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, password=PASSWORD)
    dialog = opened(qtbot, AddUserDialog(ctx, owner, None, prompts))
    keys = Keys(qtbot)
    keys.type("chris2")
    keys.press("Tab")
    keys.type("chris  stokes")
    keys.press("Tab", "Tab")
    keys.type(PASSWORD)
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Return")
    assert dialog.isVisible() and dialog.created is None
    warning = dialog.errors["display_name"]
    assert warning.isVisible() and "already an account called Chris Stokes (username cstokes)" in warning.text()
    assert QApplication.focusWidget() is dialog.display_name
    keys.press("Return")
    assert dialog.result() == QDialog.Accepted and dialog.created is not None
    assert sorted(u.username for u in list_users(ctx, owner)) == ["chris2", "cstokes", "owner"]


def test_escape_asks_only_when_something_typed_would_be_lost(qtbot, ctx, owner, prompts):
    empty = opened(qtbot, AddUserDialog(ctx, owner, None, prompts))
    Keys(qtbot).press("Escape")
    assert not empty.isVisible() and prompts.infos == []
    typed = opened(qtbot, AddUserDialog(ctx, owner, None, prompts))
    keys = Keys(qtbot)
    keys.type("someone")
    prompts.confirm_answer = False
    keys.press("Escape")
    assert typed.isVisible() and typed.username.text() == "someone"
    assert prompts.infos[-1][1] == "What you typed here is not saved. Close and lose it?"
    prompts.confirm_answer = True
    keys.press("Escape")
    assert not typed.isVisible()


@pytest.mark.parametrize("build, first", [
    (lambda ctx, owner, prompts: UsersDialog(ctx, owner, prompts), "table"),
    (lambda ctx, owner, prompts: ResetPasswordDialog(ctx, owner, list_users(ctx, owner)[0], None, prompts),
     "password"),
    (lambda ctx, owner, prompts: ChangeOwnPasswordDialog(ctx, owner, None, prompts), "current"),
    (lambda ctx, owner, prompts: ClinicSettingsDialog(ctx, owner, prompts), "name"),
])
def test_admin_dialogs_open_in_their_first_field(qtbot, ctx, owner, prompts, build, first):
    dialog = opened(qtbot, build(ctx, owner, prompts))
    assert QApplication.focusWidget() is getattr(dialog, first)


def test_physiotherapists_and_appointment_types_open_in_their_list(window, qtbot):
    from frontdesk.ui.staff.staff_dialog import StaffDialog
    from frontdesk.ui.staff.staff_types import AppointmentTypesDialog

    for dialog, first in ((StaffDialog(window.ctx, window.actor, window.prompts), "list"),
                          (AppointmentTypesDialog(window.ctx, window.actor, window.prompts), "table")):
        opened(qtbot, dialog)
        assert QApplication.focusWidget() is getattr(dialog, first)
        dialog.close()


def test_clinic_settings_escape_closes_at_once_unless_something_was_changed(qtbot, ctx, owner, prompts):
    dialog = opened(qtbot, ClinicSettingsDialog(ctx, owner, prompts))
    Keys(qtbot).press("Escape")
    assert not dialog.isVisible() and prompts.infos == []
    changed = opened(qtbot, ClinicSettingsDialog(ctx, owner, prompts))
    keys = Keys(qtbot)
    keys.press("End")
    keys.type(" West")
    prompts.confirm_answer = False
    keys.press("Escape")
    assert changed.isVisible()
    keys.press("Return")  # Enter saves
    assert changed.result() == QDialog.Accepted and changed.saved.name.endswith(" West")


def test_sign_in_has_quit(qtbot, ctx, owner):
    dialog = opened(qtbot, SignInDialog(ctx))
    assert dialog.quit_button.isVisible() and dialog.quit_button.text().replace("&", "") == "Quit"
    qtbot.mouseClick(dialog.quit_button, Qt.LeftButton)
    assert dialog.result() == QDialog.Rejected and dialog.actor is None and not dialog.isVisible()
