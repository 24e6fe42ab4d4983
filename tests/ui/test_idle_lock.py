"""The idle lock covers the window; the same person or an admin unlocks it and typed text survives."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from frontdesk.app import create_main_window
from frontdesk.domain.roles import Role
from frontdesk.services import signing_in
from frontdesk.services.user_accounts import create_first_admin, create_user

PASSWORD = "maple syrup pancakes"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def people(ctx):
    owner = create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    physio = create_user(ctx, owner, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, password=PASSWORD)
    return {"owner": owner, "desk": desk, "physio": physio}


@pytest.fixture
def desk_window(qtbot, db_url, clock, prompts, people):
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.idle_lock.watching)  # input counts from just after the first screen
    yield window
    window.ctx.database.dispose()


def _form_field(window) -> QLineEdit:
    """A line edit in the Intake tab (one is added if the tab has none yet)."""
    fields = [f for f in window.intake.findChildren(QLineEdit) if f.isVisibleTo(window)]
    if fields:
        return fields[0]
    field = QLineEdit()
    window.intake.layout().addWidget(field)
    return field


def _lock_by_timer(qtbot, window):
    window.idle_lock.set_interval_ms(20)
    qtbot.waitUntil(lambda: window.idle_lock.is_locked)
    return window.idle_lock.form


def _sign_in(qtbot, form, username):
    form.username.setText(username)
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key_Return)


def test_the_lock_time_comes_from_the_clinic_settings(desk_window):
    assert desk_window.idle_lock.timer.interval() == 5 * 60_000
    assert desk_window.idle_lock.timer.isActive()


def test_input_counts_from_just_after_the_window_is_first_shown(qtbot, db_url, clock, prompts, people):
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(window)
    assert window.idle_lock.timer.isActive() and not window.idle_lock.watching
    window.show()
    qtbot.waitUntil(lambda: window.idle_lock.watching)
    window.ctx.database.dispose()


def test_input_restarts_the_quiet_time(qtbot, desk_window):
    field = _form_field(desk_window)
    desk_window.idle_lock.timer.stop()
    qtbot.keyClicks(field, "a")
    assert desk_window.idle_lock.timer.isActive()


def test_idle_lock_covers_the_window_and_typed_text_survives_unlock(qtbot, desk_window):
    field = _form_field(desk_window)
    field.setFocus()
    qtbot.keyClicks(field, "Smith, Jane 604")
    form = _lock_by_timer(qtbot, desk_window)
    cover = desk_window.idle_lock.covers[0]
    assert cover.isVisible() and cover.geometry() == desk_window.rect()
    assert not desk_window.tabs.isEnabled() and not desk_window.menuBar().isEnabled()
    assert form.username.text() == "desk"
    assert "Front Desk was signed in" in form.heading.text()

    _sign_in(qtbot, form, "cstokes")
    assert desk_window.idle_lock.is_locked
    assert "Only Front Desk or an administrator" in form.message.text()

    _sign_in(qtbot, form, "desk")
    assert not desk_window.idle_lock.is_locked
    assert desk_window.tabs.isEnabled() and desk_window.menuBar().isEnabled()
    assert field.text() == "Smith, Jane 604"
    assert desk_window.actor.username == "desk"
    assert desk_window.idle_lock.timer.isActive()


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_keyboard_shortcuts_do_nothing_while_locked(qtbot, desk_window):
    find = desk_window.find_patient_action  # Ctrl+F, the window-wide "Find a patient"
    form = _lock_by_timer(qtbot, desk_window)
    _activate(qtbot, desk_window)
    handle = desk_window.windowHandle()
    with qtbot.assertNotEmitted(desk_window.lock_action.triggered), qtbot.assertNotEmitted(find.triggered):
        QTest.keyClick(handle, Qt.Key_L, Qt.ControlModifier)
        QTest.keyClick(handle, Qt.Key_F, Qt.ControlModifier)
    _sign_in(qtbot, form, "desk")
    _activate(qtbot, desk_window)
    with qtbot.waitSignal(find.triggered, timeout=1000):
        QTest.keyClick(handle, Qt.Key_F, Qt.ControlModifier)


def test_an_admin_who_unlocks_carries_on_as_themself(qtbot, desk_window):
    field = _form_field(desk_window)
    qtbot.keyClicks(field, "half-typed")
    desk_window.lock_action.trigger()
    assert desk_window.idle_lock.is_locked
    assert not desk_window.users_action.isEnabled()
    _sign_in(qtbot, desk_window.idle_lock.form, "owner")
    assert not desk_window.idle_lock.is_locked
    assert desk_window.actor.username == "owner"
    assert desk_window.intake.actor.username == "owner"
    assert desk_window.users_action.isEnabled()
    assert "Dana Owner (Administrator)" in desk_window.user_label.text()
    assert field.text() == "half-typed"


def test_a_closed_window_does_not_lock_the_next_one(qtbot, db_url, clock, prompts, people, desk_window):
    desk_window.close()
    later = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(later)
    later.show()
    qtbot.waitExposed(later)
    with qtbot.waitSignal(desk_window.idle_lock.timer.timeout, timeout=2000):
        desk_window.idle_lock.set_interval_ms(1)  # the closed window's lock comes due
    assert not desk_window.idle_lock.is_locked
    assert later.tabs.isEnabled()
    field = _form_field(later)
    qtbot.keyClicks(field, "still typing")
    assert field.text() == "still typing"
    later.ctx.database.dispose()
