"""A quick start: the first screen loads only what it shows (SQLAlchemy, printing, calendars,
migrations and the pages not yet opened wait until they are used), and PySide6 keeps no copy of every
module's source."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

NOT_AT_START = ("sqlalchemy", "phonenumbers", "frontdesk.db.models", "frontdesk.services.unit_of_work",
                "frontdesk.services.schedule", "frontdesk.services.user_accounts", "frontdesk.services.signing_in",
                "alembic", "reportlab", "pypdfium2", "icalendar", "hypothesis", "PySide6.QtPrintSupport",
                "frontdesk.reports", "frontdesk.services.documents", "frontdesk.services.appointments",
                "frontdesk.ui.intake.intake_tab", "frontdesk.ui.intake.consent_dialog",
                "frontdesk.ui.settings.settings_dialog", "frontdesk.ui.settings.users_dialog",
                "frontdesk.ui.staff.staff_dialog", "frontdesk.ui.settings.audit_dialog")

SHOW_THE_DAY = textwrap.dedent("""
    import json, linecache, sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([sys.argv[0]])
    from frontdesk.app import create_main_window
    import frontdesk.ui.common.tasks
    frontdesk.ui.common.tasks.WARM_UP_DELAY_MS = 60_000  # this test looks at the first screen alone
    window = create_main_window(sys.argv[1])
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    app.processEvents()
    # PySide6's scan for its feature switches kept no module's lines: neither those scanned before
    # Front Desk replaced the scan (the standard library's, PySide6's) nor any since.
    sources_kept = [name for name in linecache.cache if name.endswith(".py")]
    loaded = [name for name in sys.argv[2:] if name in sys.modules]
    watching_input = window.idle_lock.watching
    window.ctx.database.dispose()
    print(json.dumps({"loaded": loaded, "sources_kept": sources_kept, "watching_input": watching_input}))
""")


@pytest.fixture
def started_url(db_url):
    """The database as after the first start on this computer: its account for the login exists."""
    from frontdesk.services.account_lookup import workstation_actor
    from frontdesk.services.bootstrap import open_clinic

    opened = open_clinic(db_url)
    workstation_actor(opened)
    opened.database.dispose()
    return db_url


def test_the_first_screen_loads_only_what_it_shows(started_url, data_dir, tmp_path):
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SHOW_THE_DAY, started_url, *NOT_AT_START], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    assert report["sources_kept"] == []
    # The idle lock's application-wide input filter comes after the first paint (see IdleLock.watch_input).
    assert report["watching_input"] is False


LOADED_AFTER_THE_FIRST_SCREEN = textwrap.dedent("""
    import json, sys, time
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([sys.argv[0]])
    from frontdesk.app import create_main_window
    window = create_main_window(sys.argv[1])
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    app.processEvents()
    at_first_paint = "sqlalchemy" in sys.modules
    waited = time.monotonic()
    while not window.ctx.database.engine_created and time.monotonic() - waited < 20:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    loaded = window.ctx.database.engine_created and "frontdesk.db.models" in sys.modules
    window.close()
    window.ctx.database.dispose()
    print(json.dumps({"at_first_paint": at_first_paint, "loaded_after": loaded}))
""")


INTAKE_FIRST = textwrap.dedent("""
    import json, sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([sys.argv[0]])
    from frontdesk.app import create_main_window
    import frontdesk.ui.common.tasks
    frontdesk.ui.common.tasks.WARM_UP_DELAY_MS = 60_000
    window = create_main_window(sys.argv[1])
    window.tabs.setCurrentIndex(0)
    window.show()
    app.processEvents()
    shown = type(window.tabs.currentWidget()).__name__
    loaded = [name for name in ("sqlalchemy", "frontdesk.services.patients", "frontdesk.services.screenings")
              if name in sys.modules]
    window.ctx.database.dispose()
    print(json.dumps({"shown": shown, "loaded": loaded}))
""")


def test_the_intake_tab_as_the_first_screen_waits_for_nothing_either(started_url, data_dir, tmp_path):
    """A receptionist's window usually opens on Intake: it too shows before SQLAlchemy loads."""
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", INTAKE_FIRST, started_url], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"shown": "IntakeTab", "loaded": []}


def test_the_database_layer_loads_in_the_background_after_the_first_screen(started_url, data_dir, tmp_path):
    """So the first save or search does not wait half a second for SQLAlchemy."""
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", LOADED_AFTER_THE_FIRST_SCREEN, started_url], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"at_first_paint": False, "loaded_after": True}


def test_the_intake_and_appointments_pages_are_built_when_first_shown(window, qtbot):
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    qtbot.waitExposed(window)
    assert window._intake is None and window.appointments._list_page is None
    window.tabs.setCurrentIndex(2)
    assert window.appointments.list_page.isVisible()
    window.tabs.setCurrentIndex(0)
    assert window.tabs.currentWidget() is window.intake
    assert window.intake.isVisible()
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == ["Intake", "Schedule", "Appointments"]


def test_a_page_built_later_still_tells_the_window_of_its_changes(window, qtbot):
    window.data_changed.emit({"patients"})  # before the page exists: nothing to refresh yet
    window.tabs.setCurrentWidget(window.intake)
    with qtbot.waitSignal(window.data_changed) as changed:
        window.intake.changed.emit({"patients"})
    assert changed.args == [{"patients"}]
