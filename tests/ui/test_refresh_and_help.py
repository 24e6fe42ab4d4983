"""F5 and the window's focus read what another process changed; Help lists the keys from the actions
themselves and F1 explains the screen in front of you."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from keyboard import Keys
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.account_lookup import workstation_actor
from frontdesk.ui.window.help import GuideDialog, ShortcutsDialog, shortcut_rows

VANCOUVER = ZoneInfo("America/Vancouver")


@pytest.fixture
def shown(window, qtbot):
    window.appointments.pages.setCurrentIndex(0)
    window.tabs.setCurrentIndex(2)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window


@pytest.fixture
def elsewhere(db_url, clock):
    """Another front-desk PC (another process's connection) on the same database file."""
    other = open_clinic(db_url, clock=clock)
    yield other
    other.database.dispose()


def book_elsewhere(other, family: str) -> int:
    actor = workstation_actor(other)
    patient = register_patient(other, actor, PatientDetails(family_name=family, given_names="Ann",
                                                            date_of_birth=date(1980, 1, 1)))
    type_id = next(t.id for t in list_appointment_types(other, actor) if t.name == "Physiotherapy treatment")
    start = datetime.combine(date(2026, 11, 26), time(9), tzinfo=VANCOUVER)
    return book_appointment(other, actor, BookingRequest(patient.id, 1, type_id, start)).id


def listed(window) -> list[str]:
    model = window.appointments.list_page.model
    return [model.record(row).patient_name for row in range(model.rowCount())]


def test_f5_reads_a_change_made_by_another_process(shown, qtbot, elsewhere):
    assert listed(shown) == []
    book_elsewhere(elsewhere, "Okafor")
    Keys(qtbot).press("F5")
    assert listed(shown) == ["Okafor, Ann"]
    assert shown.statusBar().currentMessage().startswith("Refreshed")


def test_getting_the_focus_back_refreshes_only_when_the_database_changed(shown, qtbot, elsewhere):
    resets = []
    shown.appointments.list_page.model.modelReset.connect(lambda: resets.append(1))
    other_window = QWidget()
    qtbot.addWidget(other_window)

    def away_and_back():
        other_window.show()
        other_window.activateWindow()
        qtbot.waitUntil(lambda: not shown.isActiveWindow())
        shown.activateWindow()
        qtbot.waitUntil(lambda: shown.isActiveWindow())

    away_and_back()
    assert resets == []  # nothing changed: nothing read again
    book_elsewhere(elsewhere, "Nakamura")
    away_and_back()
    assert listed(shown) == ["Nakamura, Ann"] and resets


def test_the_shortcuts_list_is_read_from_the_actions(shown, qtbot):
    rows = shortcut_rows(shown)
    found = {(row.keys, row.name) for row in rows}
    for keys, what in (("Ctrl+Z", "Undo"), ("F5", "Refresh"), ("Ctrl+N", "New patient"), ("Ctrl+S", "Save"),
                       ("F1", "Guide to this screen"), ("Ctrl+Shift+N", "No-show"), ("Ctrl+Shift+A", "Arrived"),
                       ("Alt+S", "Go to the Schedule tab"), ("Alt+K", "Open the Booking menu")):
        assert (keys, what) in found, (keys, what)
    assert all(row.keys for row in rows)
    # A new action on the window is listed without anyone writing it down.
    extra = QAction("Print the day list", shown)
    extra.setShortcut(QKeySequence("Ctrl+Shift+P"))
    shown.addAction(extra)
    assert any(row.keys == "Ctrl+Shift+P" and row.name == "Print the day list" for row in shortcut_rows(shown))
    dialog = ShortcutsDialog(shown, shown)
    qtbot.addWidget(dialog)
    assert "Ctrl+Shift+P" in dialog.text.toPlainText()


@pytest.mark.parametrize("tab, page, screen, words", [
    (0, 0, "intake", "screen them for IMS"),
    (1, 0, "schedule", "White cells are free"),
    (2, 0, "appointments", "sort by it"),
    (2, 1, "my_day", "One physiotherapist's appointments"),
])
def test_f1_opens_a_guide_to_the_screen_in_front(shown, qtbot, monkeypatch, tab, page, screen, words):
    opened = []
    monkeypatch.setattr(GuideDialog, "exec", lambda self: opened.append(self) or QDialog.Accepted)
    shown.tabs.setCurrentIndex(tab)
    shown.appointments.pages.setCurrentIndex(page)
    Keys(qtbot).press("F1")
    assert [d.screen for d in opened] == [screen]
    assert words in opened[0].text.toPlainText()
    assert opened[0].windowTitle().startswith("Guide: ")


def test_closing_the_window_does_not_wait_for_the_days_backup(qtbot, db_url, clock, prompts, data_dir):
    """As the app runs it: the window is deleted when closed; the backup goes on and finishes."""
    from PySide6.QtCore import QThreadPool, Qt

    from frontdesk.app import create_main_window

    window = create_main_window(db_url, clock=clock, prompts=prompts)
    ctx = window.ctx
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.show()
    window.start_daily_backup()
    window.close()  # at once, while the backup is still being written
    assert not window.isVisible()
    with qtbot.waitSignal(window.destroyed):
        pass
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=30000)
    QApplication.processEvents()
    assert prompts.errors == []  # the late "written" news finds no window, and says nothing
    assert [p for p in data_dir.rglob("*.sqlite3")]
    ctx.database.dispose()


def test_f5_after_frontdesk_demo_in_another_process(shown, qtbot, db_url):
    import subprocess
    import sys

    page = shown.appointments.list_page
    page.date_from.set_date(date(2000, 1, 1))
    page.date_to.set_date(date(2100, 1, 1))
    page.apply_filter()
    assert page.model.rowCount() == 0
    done = subprocess.run([sys.executable, "-m", "frontdesk", "--db", db_url, "demo", "--patients", "5"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    Keys(qtbot).press("F5")
    assert page.model.rowCount() > 0
    assert shown.schedule.model.columnCount() > 0
