"""A quick start: the first screen loads only what it shows (printing, calendars, migrations and the
pages not yet opened wait until they are used), and PySide6 keeps no copy of every module's source."""

import json
import os
import subprocess
import sys
import textwrap

NOT_AT_START = ("alembic", "reportlab", "pypdfium2", "icalendar", "hypothesis", "PySide6.QtPrintSupport",
                "frontdesk.reports", "frontdesk.services.documents", "frontdesk.services.appointments",
                "frontdesk.ui.intake_tab", "frontdesk.ui.consent_dialog", "frontdesk.ui.settings_dialog",
                "frontdesk.ui.users_dialog", "frontdesk.ui.staff_dialog", "frontdesk.ui.audit_dialog")

SHOW_THE_DAY = textwrap.dedent("""
    import json, linecache, sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([sys.argv[0]])
    from frontdesk.app import create_main_window
    window = create_main_window(sys.argv[1])
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    app.processEvents()
    sources_kept = [name for name in linecache.cache if name.endswith(".py") and ("sqlalchemy" in name or "frontdesk" in name)]
    loaded = [name for name in sys.argv[2:] if name in sys.modules]
    window.ctx.database.dispose()
    print(json.dumps({"loaded": loaded, "sources_kept": sources_kept}))
""")


def test_the_first_screen_loads_only_what_it_shows(db_url, data_dir, tmp_path):
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SHOW_THE_DAY, db_url, *NOT_AT_START], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    assert report["sources_kept"] == []


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
