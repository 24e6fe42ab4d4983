"""Settings ▸ Users and Settings ▸ Physiotherapists and hours: an account is linked to its
physiotherapist (one account each, never a switched-off physiotherapist), or made for them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from frontdesk.domain.roles import Role
from frontdesk.services import signing_in
from frontdesk.services.staff import TherapistDetails, list_all_therapists, update_therapist
from frontdesk.services.signing_in import sign_in
from frontdesk.services.user_accounts import create_user, list_users
from frontdesk.ui.settings.account_link import NO_THERAPIST, TherapistAccountDialog
from frontdesk.ui.staff.staff_dialog import StaffDialog
from frontdesk.ui.settings.users_dialog import AddUserDialog, ChangeRoleDialog, UsersDialog

CHRIS, TRACEY, CHELSEA = 1, 2, 3
PASSWORD = "maple syrup pancakes"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


def _switch_off(ctx, admin, therapist_id):
    found = next(t for t in list_all_therapists(ctx, admin) if t.id == therapist_id)
    update_therapist(ctx, admin, therapist_id, replace(
        TherapistDetails(found.name), designation=found.designation, ims_qualified=found.ims_qualified,
        active=False, colour=found.colour), expected_version=found.version)


def _items(combo):
    return [(combo.itemText(i), combo.model().item(i).isEnabled()) for i in range(combo.count())]


def test_adding_a_physiotherapists_account_picks_them_and_shows_who_is_taken(qtbot, ctx, admin, physio):
    _switch_off(ctx, admin, CHELSEA)
    dialog = AddUserDialog(ctx, admin)
    qtbot.addWidget(dialog)
    assert not dialog.therapist.isEnabled()  # reception, the first role, belongs to no one
    dialog.username.setText("tmcquair")
    dialog.display_name.setText("Tracey McQuair")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PHYSIOTHERAPIST))
    assert dialog.therapist.isEnabled() and dialog.therapist.currentText() == "Tracey McQuair"
    items = dict(_items(dialog.therapist))
    assert items["Chris Stokes (has the account cstokes)"] is False  # one account per physiotherapist
    assert not any(text.startswith("Chelsea") for text in items)  # switched off: not offered
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == QDialog.Accepted
    assert sign_in(ctx, "tmcquair", PASSWORD).therapist_id == TRACEY


def test_the_service_refusal_shows_beside_the_field(qtbot, ctx, admin, physio):
    dialog = AddUserDialog(ctx, admin)
    qtbot.addWidget(dialog)
    dialog.username.setText("again")
    dialog.display_name.setText("Chris again")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PHYSIOTHERAPIST))
    dialog.therapist.setCurrentIndex(dialog.therapist.findData(CHRIS))  # as a stale list would
    dialog.accept()
    assert "already has the account “cstokes”" in dialog.errors["therapist"].text()
    assert not dialog.errors["therapist"].isHidden()


def test_editing_an_account_links_and_unlinks_its_physiotherapist(qtbot, ctx, admin):
    account = create_user(ctx, admin, "tracey", "Tracey McQuair", Role.RECEPTION)
    summary = next(u for u in list_users(ctx, admin) if u.id == account.user_id)
    dialog = ChangeRoleDialog(ctx, admin, summary)
    qtbot.addWidget(dialog)
    assert not dialog.therapist.isEnabled()
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PHYSIOTHERAPIST))
    dialog.therapist.setCurrentIndex(dialog.therapist.findData(TRACEY))
    dialog.accept()
    linked = next(u for u in list_users(ctx, admin) if u.id == account.user_id)
    assert (linked.role, linked.therapist_name) == (Role.PHYSIOTHERAPIST, "Tracey McQuair")

    again = ChangeRoleDialog(ctx, admin, linked)
    qtbot.addWidget(again)
    assert again.therapist.currentText() == "Tracey McQuair"
    again.therapist.setCurrentIndex(again.therapist.findText(NO_THERAPIST))
    again.accept()
    assert next(u for u in list_users(ctx, admin) if u.id == account.user_id).therapist_id is None


def test_the_users_list_names_each_accounts_physiotherapist(qtbot, ctx, admin, physio, prompts):
    dialog = UsersDialog(ctx, admin, prompts)
    qtbot.addWidget(dialog)
    column = next(c for c in range(dialog.model.columnCount())
                  if dialog.model.headerData(c, Qt.Horizontal) == "Physiotherapist")
    model = dialog.model
    shown = {model.index(r, 0).data(): model.index(r, column).data() for r in range(model.rowCount())}
    assert shown["cstokes"] == "Chris Stokes"
    assert dialog.role_button.text() == "&Role and physiotherapist…"


def test_a_new_physiotherapist_gets_an_account_from_their_details_page(qtbot, window, ctx):
    admin = window.actor
    staff = StaffDialog(ctx, admin, window.prompts, window)
    qtbot.addWidget(staff)
    staff.show()
    staff.start_new()
    staff.form.full_name.setText("Jordan Lee")
    assert not staff.form.account_button.isEnabled()
    added = staff.form.save()
    assert added is not None and "sign-in account" in staff.message.text()
    staff.pages.setCurrentIndex(0)
    assert "none yet" in staff.form.account_label.text() and staff.form.account_button.isEnabled()

    dialog = TherapistAccountDialog(ctx, admin, added, staff)
    qtbot.addWidget(dialog)
    assert (dialog.username.text(), dialog.display_name.text()) == ("jordan", "Jordan Lee")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == QDialog.Accepted
    staff.form.load(added)
    assert "jordan" in staff.form.account_label.text() and not staff.form.account_button.isEnabled()
    assert sign_in(ctx, "jordan", PASSWORD).therapist_id == added.id


def test_an_existing_account_is_linked_from_the_physiotherapists_page(qtbot, ctx, admin):
    desk = create_user(ctx, admin, "tracey", "Tracey McQuair", Role.RECEPTION)
    tracey = next(t for t in list_all_therapists(ctx, admin) if t.id == TRACEY)
    dialog = TherapistAccountDialog(ctx, admin, tracey)
    qtbot.addWidget(dialog)
    dialog.link_choice.setChecked(True)
    dialog.account.setCurrentIndex(dialog.account.findData(desk.user_id))
    dialog.accept()
    linked = next(u for u in list_users(ctx, admin) if u.id == desk.user_id)
    assert (linked.role, linked.therapist_id) == (Role.PHYSIOTHERAPIST, TRACEY)
