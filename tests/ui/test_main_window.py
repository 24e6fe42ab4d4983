from frontdesk.app import create_main_window


def test_main_window_has_the_three_tabs_and_names_the_database(window, db_url):
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == ["Intake", "Schedule", "Appointments"]
    assert db_url.removeprefix("sqlite:///") in window.database_label.text()
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == ["File", "Booking", "Settings", "Lists", "Help"]


def test_window_size_and_tab_are_remembered(qtbot, db_url, clock, prompts):
    first = create_main_window(db_url, clock=clock, prompts=prompts)
    qtbot.addWidget(first)
    first.show()
    first.resize(first.minimumSizeHint().width() + 11, first.minimumSizeHint().height() + 7)
    first.tabs.setCurrentIndex(2)
    size = first.size()
    assert size != first.sizeHint()
    first.close()
    first.ctx.database.dispose()
    second = create_main_window(db_url, clock=clock, prompts=prompts)
    qtbot.addWidget(second)
    assert second.tabs.currentIndex() == 2
    assert second.size() == size
    second.ctx.database.dispose()


def test_clinic_settings_dialog_shows_the_error_beside_the_field(window, qtbot):
    from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog

    dialog = ClinicSettingsDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    dialog.phone.setText("555")
    dialog.accept()
    assert dialog.isVisible() or dialog.result() == 0
    assert dialog.errors["phone"].isVisibleTo(dialog)
    assert "phone" in dialog.errors["phone"].text().lower()
    dialog.phone.setText("250 493 1152")
    dialog.name.setText("Okanagan Physio & IMS")
    dialog.accept()
    assert dialog.result() == 1
    assert dialog.saved.name == "Okanagan Physio & IMS"



def test_the_first_start_of_the_day_leaves_a_backup(window, qtbot, data_dir):
    window.start_daily_backup()
    qtbot.waitUntil(lambda: "backup was written" in window.statusBar().currentMessage(), timeout=20000)
    written = window.statusBar().currentMessage().split("written to ")[1].rstrip(".")
    from pathlib import Path

    assert Path(written).is_file()
    assert Path(written).stat().st_size > 0


def test_the_admin_chooses_the_backup_folder_and_a_missing_one_is_refused(window, qtbot, tmp_path):
    from frontdesk.services.clinic_settings import get_clinic_settings
    from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog

    dialog = ClinicSettingsDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    dialog.backup_dir.setText(str(tmp_path / "usb-drive-not-plugged-in"))
    dialog.accept()
    assert dialog.result() == 0
    assert "does not exist" in dialog.errors["backup_dir"].text()
    (tmp_path / "usb").mkdir()
    dialog.backup_dir.setText(str(tmp_path / "usb"))
    dialog.accept()
    assert dialog.result() == 1
    assert get_clinic_settings(window.ctx).backup_dir == str((tmp_path / "usb").resolve())


def test_chinese_and_korean_names_are_drawn_even_without_a_system_font_for_them(window, qtbot):
    """The bundled WenQuanYi font backs Qt's fallback on Linux: a name is not a row of empty boxes."""
    import sys

    from PySide6.QtWidgets import QLabel

    def drawn(text: str):
        label = QLabel(text)
        qtbot.addWidget(label)
        label.resize(80, 30)
        return label.grab().toImage()

    missing = drawn("\ue000")  # a private-use character: no font has it, so Qt draws its empty box
    for name in ("蔡", "김"):
        assert drawn(name) != missing, name
    if sys.platform.startswith("linux"):
        from PySide6.QtGui import QFontDatabase

        assert "WenQuanYi Micro Hei" in QFontDatabase.families()
