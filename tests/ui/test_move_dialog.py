"""Settings ▸ Move to a server…: an administrator moves the open SQLite clinic onto PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.db.urls import parse_url


def _settings_menu(window):
    return next(action.menu() for action in window.menuBar().actions() if action.text() == "Se&ttings")


def _open_dialog(window, qtbot):
    from frontdesk.ui.settings.move_dialog import MoveToServerDialog

    window.show()
    qtbot.waitExposed(window)
    assert window.move_action in _settings_menu(window).actions()
    assert window.move_action.isEnabled()
    window.move_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MoveToServerDialog))
    return QApplication.activeModalWidget()


def _fill(dialog, qtbot, url: str) -> None:
    parsed = parse_url(url)
    for field, value in ((dialog.server, parsed.host), (dialog.database, parsed.database),
                         (dialog.user, parsed.username)):
        field.clear()
        qtbot.keyClicks(field, value)
    dialog.port.setValue(parsed.port)


@pytest.mark.postgres
def test_an_administrator_moves_the_clinic_from_the_settings_menu(window, qtbot, prompts, pg_url, db_url):
    source = Path(parse_url(db_url).database)
    dialog = _open_dialog(window, qtbot)

    qtbot.mouseClick(dialog.move_button, Qt.LeftButton)
    assert dialog.errors["server"].isVisible()
    assert "server's name or address" in dialog.errors["server"].text()

    _fill(dialog, qtbot, pg_url)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    qtbot.mouseClick(dialog.move_button, Qt.LeftButton)
    assert dialog.stop_button.isVisible()  # running: the person can stop it
    qtbot.waitUntil(lambda: bool(prompts.infos), timeout=30000)

    title, message = prompts.infos[-1]
    server = parse_url(pg_url)
    assert title == "The clinic moved to the server"
    assert f"{server.host}:{server.port}/{server.database}" in message
    assert "hash chain verified on the server" in dialog.message.text()
    assert not window.isVisible()  # the window closes: this file is for reference now
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert source.with_name(source.name + ".moved").is_file()
    from frontdesk.services.backups import BackupReason, automatic_backup

    assert automatic_backup(window.ctx, BackupReason.EXIT).written is None  # the server is backed up instead

    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT username FROM users")).scalars())
    finally:
        engine.dispose()
    assert window.actor.username in names  # the administrator can sign in on the server as before


@pytest.mark.postgres
def test_a_server_database_in_use_is_refused_in_the_dialog_and_nothing_moves(window, qtbot, prompts, pg_url,
                                                                              db_url):
    from frontdesk.services.bootstrap import open_clinic

    open_clinic(pg_url).database.dispose()  # Front Desk was already started on the server
    source = Path(parse_url(db_url).database)
    dialog = _open_dialog(window, qtbot)
    _fill(dialog, qtbot, pg_url)
    qtbot.mouseClick(dialog.move_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=30000)
    assert "is not empty" in dialog.message.text()
    assert dialog.move_button.isEnabled() and not dialog.stop_button.isVisible()
    assert window.isVisible() and not prompts.infos
    assert not source.with_name(source.name + ".moved").exists()


@pytest.mark.postgres
def test_stop_leaves_the_server_as_it_was_and_the_clinic_here(window, qtbot, prompts, pg_url, db_url):
    from sqlalchemy import create_engine, inspect

    source = Path(parse_url(db_url).database)
    dialog = _open_dialog(window, qtbot)
    _fill(dialog, qtbot, pg_url)
    qtbot.mouseClick(dialog.move_button, Qt.LeftButton)
    qtbot.mouseClick(dialog.stop_button, Qt.LeftButton)  # at once: the move stops at its next step
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=30000)
    assert "The move was stopped. Nothing was kept on the server" in dialog.message.text()
    assert dialog.move_button.isEnabled() and dialog.close_button.isEnabled()
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert window.isVisible() and not prompts.infos
    assert not source.with_name(source.name + ".moved").exists()


def test_the_entry_is_greyed_out_for_reception(qtbot, db_url, clock, prompts):
    from frontdesk.app import create_main_window
    from frontdesk.domain.roles import Role
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.account_lookup import workstation_actor
    from frontdesk.services.user_accounts import create_user

    ctx = open_clinic(db_url, clock=clock)
    desk = create_user(ctx, workstation_actor(ctx, "owner"), "desk", "Front Desk Reception", Role.RECEPTION)
    ctx.database.dispose()
    window = create_main_window(db_url, clock=clock, actor=desk, prompts=prompts)
    qtbot.addWidget(window)
    try:
        assert window.move_action in _settings_menu(window).actions()
        assert not window.move_action.isEnabled()
    finally:
        window.ctx.database.dispose()


@pytest.mark.parametrize("choice, opens", [("Open the server", True), ("Quit", False)])
def test_starting_on_a_moved_clinic_says_where_it_went_and_offers_the_server(qtbot, db_url, choice, opens):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from frontdesk.cli import _offer_server
    from frontdesk.db.migrate import ClinicMoved
    from frontdesk.db.moved import MoveMarker, write_marker
    from frontdesk.services.bootstrap import open_clinic

    source = Path(parse_url(db_url).database)
    write_marker(source, MoveMarker(server="backoffice:5432/frontdesk",
                                    address="postgresql+psycopg://frontdesk@backoffice:5432/frontdesk",
                                    moved_at="2026-11-24T18:05:00-08:00", schema="0003"))
    with pytest.raises(ClinicMoved) as moved:
        open_clinic(db_url)
    seen = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        next(button for button in box.buttons() if button.text() == choice).click()

    QTimer.singleShot(0, answer)
    assert _offer_server(moved.value) is opens
    assert seen[0].startswith("This clinic moved to backoffice:5432/frontdesk on November 24, 2026 at 18:05.")
    assert "--db postgresql+psycopg://frontdesk@backoffice:5432/frontdesk" in seen[0]
