"""Sign-in and first-run dialogs, the session loop, menus by role, the Users and Audit trail dialogs."""

from __future__ import annotations

from datetime import date

import pytest
from accounts import PASSWORD
from PySide6.QtCore import Qt

from frontdesk.app import Session, create_main_window
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.services import signing_in
from frontdesk.services.patients import open_patient, register_patient
from frontdesk.services.account_lookup import needs_first_admin
from frontdesk.services.user_accounts import create_user, list_users
from frontdesk.ui.settings.audit_dialog import AuditTrailDialog
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.ui.window.first_run import FirstRunDialog
from frontdesk.ui.window.sign_in import SignInDialog
from frontdesk.ui.settings.users_dialog import AddUserDialog, UsersDialog

pytestmark = pytest.mark.usefixtures("cheap_hashing")  # every account made here hashes cheaply


@pytest.fixture
def desk(ctx, owner):
    return create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)


def _sign_in(qtbot, dialog, username, password):
    dialog.form.username.setText(username)
    qtbot.keyClicks(dialog.form.password, password)
    qtbot.keyClick(dialog.form.password, Qt.Key_Return)


def test_a_wrong_password_shows_a_visible_message_and_the_dialog_stays(qtbot, ctx, owner):
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, "owner", "not my password")
    assert dialog.form.message.isVisible()
    assert "not right" in dialog.form.message.text()
    assert dialog.form.password.text() == ""
    assert dialog.actor is None and dialog.isVisible()
    _sign_in(qtbot, dialog, "owner", PASSWORD)
    assert dialog.actor == owner
    assert dialog.result() == SignInDialog.Accepted and not dialog.isVisible()


def test_after_repeated_failures_the_dialog_says_how_long_to_wait(qtbot, ctx, owner, clock):
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(3):
        _sign_in(qtbot, dialog, "owner", "wrong password")
    _sign_in(qtbot, dialog, "owner", PASSWORD)
    assert "Wait 5 seconds" in dialog.form.message.text()
    assert dialog.actor is None
    clock.advance(seconds=5)
    _sign_in(qtbot, dialog, "owner", PASSWORD)
    assert dialog.actor == owner


def test_the_first_run_dialog_creates_the_administrator(qtbot, ctx):
    assert needs_first_admin(ctx)
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("owner")
    dialog.display_name.setText("Dana Owner")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD + "!")
    dialog.accept()
    assert dialog.errors["repeat"].isVisible() and dialog.actor is None
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.accept()
    assert "at least 8 characters" in dialog.errors["password"].text()
    assert dialog.errors["password"].isVisible() and not dialog.errors["repeat"].isVisible()
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == FirstRunDialog.Accepted
    assert dialog.actor.role is Role.ADMIN
    assert not needs_first_admin(ctx)


def test_the_first_run_dialog_asks_for_the_clinics_address_email_and_website(qtbot, ctx):
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("owner")
    dialog.display_name.setText("Dana Owner")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.address.setPlainText("101 – 2180 Main Street\nPenticton, BC V2A 5H4")
    dialog.email.setText("front desk at clinic")
    dialog.accept()
    assert dialog.errors["email"].isVisible() and "frontdesk@example.ca" in dialog.errors["email"].text()
    assert dialog.actor is None and needs_first_admin(ctx)  # nothing half-done
    dialog.email.setText("frontdesk@okanagan-physio.example")
    dialog.website.setText("www.okanagan-physio.example")
    dialog.accept()
    assert dialog.result() == FirstRunDialog.Accepted
    settings = get_clinic_settings(ctx)
    assert settings.address == "101 – 2180 Main Street\nPenticton, BC V2A 5H4"
    assert (settings.email, settings.website) == ("frontdesk@okanagan-physio.example", "www.okanagan-physio.example")


def test_signing_out_asks_the_next_person_and_closing_ends_the_session(qtbot, ctx, owner, desk, prompts):
    people = [desk, owner, None]
    asked = []

    def ask(context):
        asked.append(True)
        return people.pop(0)

    session = Session(ctx, prompts, ask)
    first = session.start()
    assert first.actor == desk and "Front Desk (Reception)" in first.user_label.text()
    first.sign_out()
    qtbot.waitUntil(lambda: session.window is not None and session.window is not first)
    second = session.window
    assert second.actor == owner and second.isVisible()
    prompts.confirm_answer = False
    second.sign_out()
    assert session.window is second and second.isVisible()
    with qtbot.waitSignal(second.destroyed):
        second.close()
    assert session.window is None and len(asked) == 2


@pytest.mark.parametrize(
    ("who", "enabled"),
    [
        ("desk", {"clinic": False, "users": False, "audit": False, "backup": False}),
        ("owner", {"clinic": True, "users": True, "audit": True, "backup": True}),
    ],
)
def test_menu_entries_follow_the_role(qtbot, request, db_url, clock, prompts, who, enabled):
    actor = request.getfixturevalue(who)
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=actor)
    qtbot.addWidget(window)
    shown = {name: getattr(window, f"{name}_action").isEnabled() for name in enabled}
    assert shown == enabled
    assert window.lock_action.isEnabled() and window.sign_out_action.isEnabled()
    window.ctx.database.dispose()


def test_the_users_dialog_lists_and_adds_accounts(qtbot, qtmodeltester, ctx, owner, desk, prompts):
    dialog = UsersDialog(ctx, owner, prompts)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert [u.username for u in dialog.model.rows] == ["owner", "desk"]
    add = AddUserDialog(ctx, owner, dialog)
    qtbot.addWidget(add)
    add.username.setText("cstokes")
    add.display_name.setText("Chris Stokes")
    add.role.setCurrentIndex(add.role.findData(Role.PHYSIOTHERAPIST))
    add.password.setText("short")
    add.repeat.setText("short")
    add.accept()
    assert add.errors["password"].isVisibleTo(add) and add.created is None
    add.password.setText(PASSWORD)
    add.repeat.setText(PASSWORD)
    add.accept()
    assert add.created.role is Role.PHYSIOTHERAPIST
    dialog.refresh(add.created.user_id)
    qtmodeltester.check(dialog.model)
    assert dialog.selected().username == "cstokes"
    dialog.toggle_active()
    assert {u.username: u.active for u in list_users(ctx, owner)}["cstokes"] is False
    assert dialog.active_button.text().replace("&", "") == "Switch on"


def test_the_audit_dialog_shows_a_patients_trail_and_exports_it(qtbot, qtmodeltester, ctx, owner, desk, prompts,
                                                                 tmp_path):
    patient = register_patient(ctx, desk, PatientDetails(family_name="Tsai", given_names="Li",
                                                         date_of_birth=date(1990, 7, 1), phone="604-555-0199"))
    open_patient(ctx, desk, patient.id)
    target = tmp_path / "trail.csv"
    dialog = AuditTrailDialog(ctx, owner, prompts, ask_save_path=lambda parent, name: target)
    qtbot.addWidget(dialog)
    dialog.search.setText("tsai")
    dialog.run_search()
    assert dialog.matches.count() == 1
    dialog.matches.setCurrentRow(0)
    qtmodeltester.check(dialog.model)
    whats = [dialog.model.index(row, 2).data() for row in range(dialog.model.rowCount())]
    assert whats == ["Registered the patient", "Opened the patient's record"]
    assert dialog.model.index(0, 1).data() == "Front Desk (desk)"
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(prompts.infos))
    assert target.exists() and prompts.infos[-1][1].endswith(f"{target}.")
    qtbot.mouseClick(dialog.chain_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(prompts.infos) == 2)
    assert prompts.infos[-1][1] == "Every entry of the audit trail is intact."


def test_a_receptionist_changes_their_own_password_from_the_file_menu(qtbot, ctx, db_url, clock, prompts, desk,
                                                                       monkeypatch):
    from frontdesk.ui.settings.users_dialog import ChangeOwnPasswordDialog

    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=desk)
    qtbot.addWidget(window)
    opened = []
    monkeypatch.setattr(ChangeOwnPasswordDialog, "exec", lambda self: opened.append(self) or self.show())
    assert window.password_action.isEnabled()
    window.password_action.trigger()
    dialog = opened[0]
    qtbot.keyClicks(dialog.current, "wrong guess here")
    qtbot.keyClicks(dialog.password, "spruce kayak lantern")
    qtbot.keyClicks(dialog.repeat, "spruce kayak lantern")
    qtbot.keyClick(dialog.repeat, Qt.Key_Return)
    assert dialog.isVisible() and dialog.result() != ChangeOwnPasswordDialog.Accepted
    assert dialog.errors["current"].text().startswith("That is not your current password.")
    assert dialog.focusWidget() is dialog.current
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, PASSWORD)
    qtbot.keyClick(dialog.repeat, Qt.Key_Return)
    assert dialog.result() == ChangeOwnPasswordDialog.Accepted and not dialog.isVisible()
    assert signing_in.sign_in(ctx, "desk", "spruce kayak lantern").user_id == desk.user_id
    window.ctx.database.dispose()
