"""Long work runs off the UI thread (ui/common/tasks.ServiceOp): the window keeps answering while it
runs, shows that it runs, refuses a second start, and says plainly when the work failed."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from keyboard import Keys
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QWidget
from shiboken6 import isValid

from frontdesk.services import backups
from frontdesk.services.errors import ServiceError
from frontdesk.ui.common.tasks import ServiceOp


class Gate:
    """Holds a service call on its worker thread until the test lets it go."""

    def __init__(self, monkeypatch, module, name: str) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        real = getattr(module, name)

        def held(*args, **kwargs):
            self.entered.set()
            assert self.release.wait(20), "the test never let the work go"
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, held)


@pytest.fixture
def gate(monkeypatch):
    """`gate(module, name)`; whatever the test's end, the held work is let go."""
    made: list[Gate] = []

    def make(module, name: str) -> Gate:
        made.append(Gate(monkeypatch, module, name))
        return made[-1]

    yield make
    for each in made:
        each.release.set()


@pytest.fixture
def shown(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return window


MENU_WARNINGS = "This plugin does not support (raise|grabbing)"  # the offscreen platform and a menu popup


def _back_up_from_the_file_menu(qtbot) -> Keys:
    keys = Keys(qtbot)
    keys.press("Alt+F")
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    keys.press("B")  # File ▸ Backup…
    return keys


@pytest.mark.qt_log_ignore(MENU_WARNINGS)
def test_back_up_runs_in_the_background_and_the_window_keeps_answering(qtbot, shown, prompts, tmp_path,
                                                                        monkeypatch, gate):
    target = tmp_path / "usb" / "clinic-backup.sqlite3"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    held = gate(backups, "backup_database")
    _back_up_from_the_file_menu(qtbot)
    qtbot.waitUntil(held.entered.is_set)

    # While the copy runs: the window says so, the menu entry is off, and events are still handled.
    assert shown.statusBar().currentMessage() == "Writing the backup and checking it…"
    assert not shown.backup_action.isEnabled()
    answered = []
    QTimer.singleShot(0, lambda: answered.append(True))
    qtbot.waitUntil(lambda: answered == [True])
    shown.tabs.setCurrentWidget(shown.schedule)  # a person moves on to the schedule meanwhile
    assert shown.tabs.currentWidget() is shown.schedule
    shown.backup_action.trigger()  # a second start is refused while the first runs
    assert not target.exists() and prompts.infos == []

    held.release.set()
    qtbot.waitUntil(lambda: bool(prompts.infos), timeout=20000)
    assert prompts.infos == [("Backup", f"The backup was written to {target}.")]
    assert prompts.errors == []
    assert shown.backup_action.isEnabled()
    assert shown.statusBar().currentMessage() == ""
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.qt_log_ignore(MENU_WARNINGS)
def test_a_backup_that_fails_says_why_and_the_next_one_can_start(qtbot, shown, prompts, tmp_path, monkeypatch):
    missing = tmp_path / "usb-drive-not-plugged-in" / "clinic-backup.sqlite3"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    _back_up_from_the_file_menu(qtbot)
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=20000)
    assert prompts.errors == [("Backup", f"The folder {missing.parent} does not exist.")]
    assert prompts.infos == [] and shown.backup_action.isEnabled()
    assert "Writing the backup" not in shown.statusBar().currentMessage()


def test_an_export_keeps_the_list_usable_and_is_not_started_twice(qtbot, shown, prompts, tmp_path, monkeypatch,
                                                                  gate):
    from frontdesk.services import appointments

    target = tmp_path / "appointments.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    held = gate(appointments, "export_csv")
    keys = Keys(qtbot)
    keys.press("Alt+A")  # the Appointments tab, the list in front
    page = shown.appointments.list_page
    qtbot.waitUntil(lambda: page.export_csv_button.isVisible())
    keys.press("Alt+X")  # Export CSV…
    qtbot.waitUntil(held.entered.is_set)
    assert not page.export_csv_button.isEnabled()
    assert shown.statusBar().currentMessage() == "Exporting the appointments as CSV…"
    page.choose_csv_export()  # the button is off; a second way in is refused too, with a word why
    assert shown.statusBar().currentMessage() == "Export CSV: still working on it, please wait."
    keys.press("Alt+N")  # the list's filters still take keys while the export runs
    keys.type("ts")
    assert QApplication.focusWidget() is page.patient and page.patient.text() == "ts"
    held.release.set()
    qtbot.waitUntil(lambda: bool(prompts.infos), timeout=20000)
    assert prompts.infos == [("Export CSV", f"The appointments were saved to {target}.")]
    assert target.read_bytes().decode("utf-8-sig").startswith("Date,Start,End,Patient")
    assert page.export_csv_button.isEnabled()


def test_find_next_available_shows_a_refusal_beside_the_search(qtbot, ctx, admin, monkeypatch):
    from frontdesk.ui.schedule import booking_find

    def refuse(*_args, **_kwargs):
        raise ServiceError("No physiotherapist offers this type of appointment.")

    monkeypatch.setattr(booking_find, "find_next_available", refuse)
    dialog = booking_find.FindSlotDialog(ctx, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.search_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.text() != "")
    assert dialog.message.text() == "No physiotherapist offers this type of appointment."
    assert dialog.model.rowCount() == 0 and dialog.search_button.isEnabled()


# --- The op itself ------------------------------------------------------------------------------------

def test_an_unexpected_failure_is_logged_and_summarised_not_shown_as_a_traceback(qtbot, ctx, prompts, caplog):
    owner = QWidget()
    qtbot.addWidget(owner)

    def broken(_ctx):
        raise ZeroDivisionError("a bug")

    ServiceOp(owner, "Export CSV", broken, ctx, prompts=prompts).run()
    qtbot.waitUntil(lambda: bool(prompts.errors))
    assert prompts.errors[0][0] == "Something went wrong"
    assert "Traceback" not in prompts.errors[0][1] and "ZeroDivisionError" not in prompts.errors[0][1]
    assert "ZeroDivisionError" in caplog.text


def test_the_newest_request_wins_and_a_closed_window_lets_the_result_go(qtbot, ctx, prompts):
    owner = QWidget()
    qtbot.addWidget(owner)
    shown: list[int] = []
    first = threading.Event()

    def read(n):
        def work(_ctx):
            if n == 1:
                assert first.wait(20)
            return n
        return work

    for n in (1, 2, 3):  # chosen one after the other while the first is read
        ServiceOp(owner, "Recall lists", read(n), ctx, shown.append, prompts=prompts).newest_wins().run()
    first.set()
    qtbot.waitUntil(lambda: shown == [3])

    gone = QLineEdit()
    held = threading.Event()
    op = ServiceOp(gone, "Export CSV", lambda _ctx: held.wait(20), ctx, lambda _r: shown.append(99), prompts=prompts)
    op.run()
    gone.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert not isValid(gone)
    held.set()
    qtbot.waitUntil(lambda: not op.running)
    assert shown == [3] and prompts.errors == []

