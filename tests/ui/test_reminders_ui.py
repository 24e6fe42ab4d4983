"""Email reminders and recall lists at the desk: the settings, the patient's consent, the appointment's
reminder line and preview, and the recall lists (menu, table, CSV, printout)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from keyboard import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.patients import register_patient
from frontdesk.services.reminder_outbox import ReminderSettings
from frontdesk.services.reminders import get_reminder_settings, update_reminder_settings
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.screenings import record_screening
from frontdesk.ui.appointments.appointments_tab import AppointmentsTab
from frontdesk.ui.intake.patient_form import PatientForm
from frontdesk.ui.settings.reminder_settings import ReminderSettingsDialog
from reports.pdf_reading import read_pdf
from screening_answers import AFTER_SURGERY

VAN = ZoneInfo("America/Vancouver")
TOMORROW = date(2026, 11, 26)


def turn_on(ctx, admin) -> None:
    update_reminder_settings(ctx, admin, ReminderSettings(
        enabled=True, smtp_host="smtp.example.org", smtp_port=587, username="front@example.org",
        from_address="front@example.org"), password="secret words")


def test_the_receptionist_opens_a_recall_list_from_the_menu_by_keyboard_and_saves_and_prints_it(
        window, qtbot, clock, admin, tmp_path, prompts):
    knee = BodyArea(Region.knee, Side.left)
    waited = register_patient(window.ctx, admin, PatientDetails("Okafor", "Ada", date(1961, 4, 3),
                                                                phone="250 555 0199"))
    clock.at = datetime(2026, 8, 15, 9, 0, tzinfo=VAN)
    record_screening(window.ctx, admin, waited.id, ScreeningAnswers(AFTER_SURGERY, (Surgery(date(2026, 8, 1), knee),),
                                                                    (knee,)), "knee")
    clock.at = datetime(2026, 11, 25, 10, 0, tzinfo=VAN)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert window.recall_action.text() == "&Recall lists…"  # Lists ▸ Recall lists…, or:
    press(qtbot, (Qt.Key_L, Qt.ControlModifier | Qt.ShiftModifier))
    qtbot.waitUntil(lambda: getattr(window, "last_recall_dialog", None) is not None
                    and window.last_recall_dialog.isVisible())
    dialog = window.last_recall_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.list_choice)
    # The first list (stale screenings) is empty; two keys down is the "IMS block has ended" list.
    qtbot.waitUntil(lambda: dialog.count.text() == "Nobody to call on this list today.")
    press(qtbot, Qt.Key_Down, Qt.Key_Down)  # the second key while the first list is read: the newest shows
    assert dialog.kind.value == "not_yet_ended"
    qtbot.waitUntil(lambda: dialog.count.text() == "1 patient to call")
    assert dialog.model.rowCount() == 1
    assert dialog.model.data(dialog.model.index(0, 0)) == "Okafor, Ada"
    assert dialog.model.data(dialog.model.index(0, 1)) == "(250) 555-0199"
    assert dialog.model.data(dialog.model.index(0, 2)).startswith("IMS possible from November 1, 2026")
    assert dialog.count.text() == "1 patient to call"
    target = tmp_path / "recall.csv"
    dialog.ask_save_path = lambda *_args: str(target)
    press(qtbot, (Qt.Key_X, Qt.AltModifier))  # a mnemonic "animates" the click: it lands a moment later
    qtbot.waitUntil(target.exists)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[1][:2] == ["Okafor, Ada", "(250) 555-0199"]
    assert prompts.infos[-1][1].startswith("The recall list was saved to")
    press(qtbot, (Qt.Key_P, Qt.AltModifier))
    qtbot.waitUntil(lambda: dialog.last_preview is not None)
    text = read_pdf(dialog.last_preview.pdf_bytes).text
    assert "Recall list: IMS block has ended" in text and "Okafor, Ada" in text and "(250) 555-0199" in text
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog.last_preview)
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.last_preview.isVisible())
    # The weeks only apply to the stopped-course list.
    assert not dialog.weeks.isEnabled()
    dialog.list_choice.setCurrentIndex(1)
    assert dialog.weeks.isEnabled() and dialog.kind.value == "course_stopped"
    # Back to the ended blocks: Enter on the patient opens her on the Intake tab, the list stays open.
    dialog.list_choice.setCurrentIndex(2)
    qtbot.waitUntil(lambda: dialog.count.text() == "1 patient to call")
    dialog.activateWindow()
    dialog.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)
    press(qtbot, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.intake.patient is not None and window.intake.patient.id == waited.id)
    assert window.tabs.currentWidget() is window.intake and dialog.isVisible()
    dialog.close()


def test_the_recall_model_passes_the_model_tester(qtmodeltester, window, admin):
    from frontdesk.domain.recall import RecallEntry, RecallPatient
    from frontdesk.ui.lists.recall_dialog import recall_model

    model = recall_model()
    qtmodeltester.check(model)
    model.set_rows([RecallEntry(RecallPatient(1, "Nguyen, Anh", ""), "Reason", date(2026, 11, 1))])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 1)) == "—"


def test_the_patient_form_records_the_consent_with_its_day(qtbot):
    form = PatientForm()
    qtbot.addWidget(form)
    assert not form.email_reminders_agreed_on.isEnabled()
    form.email_reminders.setChecked(True)
    assert form.email_reminders_agreed_on.isEnabled()
    details = form.details()
    assert details.email_reminders is True and details.email_reminders_agreed_on is None  # today, when saved
    form.set_details(PatientDetails("Nguyen", "Anh", date(1980, 1, 2), email="anh@example.com",
                                    email_reminders=True, email_reminders_agreed_on=date(2026, 3, 4)))
    assert form.email_reminders.isChecked()
    assert form.email_reminders_agreed_on.date() == date(2026, 3, 4)
    assert form.show_errors({"email_reminders": "Enter the email address the reminders go to."}) == \
        ["email_reminders"]
    assert form.fields["email_reminders"].error_label.isVisibleTo(form)
    form.email_reminders.setChecked(False)
    assert form.details().email_reminders_agreed_on is None


def test_the_appointment_shows_its_reminder_and_the_exact_message(qtbot, ctx, admin, prompts):
    turn_on(ctx, admin)
    anh = register_patient(ctx, admin, PatientDetails("Nguyen", "Anh", date(1980, 1, 2), email="anh@example.com",
                                                      email_reminders=True))
    record = book_appointment(ctx, admin, BookingRequest(anh.id, 1, 4, datetime.combine(TOMORROW, time(9),
                                                                                         tzinfo=VAN)))
    tab = AppointmentsTab(ctx, admin, prompts)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    page = tab.list_page
    assert page.select_appointment(record.id)
    qtbot.waitUntil(lambda: "Email reminder" in page.detail.reminder.text())
    assert "Queued: goes out at the next send." in page.detail.reminder.text()
    assert page.detail.preview_button.isVisible()
    qtbot.mouseClick(page.detail.preview_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "last_reminder_preview", None) is not None)
    preview = page.last_reminder_preview
    assert preview.preview.subject == ("Reminder: your appointment at Physiotherapy & IMS Clinic on Thursday, "
                                       "November 26, 2026 at 9:00 a.m.")
    assert "Thursday, November 26, 2026, 9:00 a.m. to 9:30 a.m. PST" in preview.body.toPlainText()
    assert preview.findChild(type(preview.body), "preview_body") is preview.body
    assert preview.preview.attachment_name == "appointment-2026-11-26.ics"
    assert preview.preview.note == "The patient will get this message."
    preview.close()


def test_the_reminder_settings_dialog_shows_errors_beside_fields_and_keeps_the_password_secret(
        qtbot, ctx, admin, prompts):
    dialog = ReminderSettingsDialog(ctx, admin, prompts)
    qtbot.addWidget(dialog)
    assert dialog.hours_before.value() == 48
    dialog.enabled.setChecked(True)
    dialog.username.setText("front@example.org")
    dialog.accept()
    assert dialog.result() == 0
    for key in ("smtp_host", "from_address", "password"):
        assert dialog.errors[key].isVisibleTo(dialog), key
    dialog.smtp_host.setText("smtp.example.org")
    dialog.from_address.setText("front@example.org")
    dialog.password.setText("secret words")
    dialog.accept()
    assert dialog.result() == 1
    saved = get_reminder_settings(ctx, admin)
    assert saved.enabled and saved.smtp_host == "smtp.example.org" and saved.password_kept == "database"
    again = ReminderSettingsDialog(ctx, admin, prompts)
    qtbot.addWidget(again)
    assert again.password.text() == "" and "Saved" in again.password.placeholderText()


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_screens_for_the_eye(window, qtbot, tmp_path, size):
    """Pictures to look at (not asserted): the recall dialog and the reminder settings."""
    from frontdesk.ui.lists.recall_dialog import RecallDialog

    window.resize(*size)
    window.show()
    dialog = RecallDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.count.text() != "Reading the list…")
    dialog.grab().save(str(tmp_path / f"recall-{size[0]}.png"))
    settings = ReminderSettingsDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(settings)
    settings.show()
    settings.grab().save(str(tmp_path / f"reminder-settings-{size[0]}.png"))
    assert settings.height() <= size[1]


def test_the_background_sender_reports_without_blocking_and_runs_one_pass_at_a_time(qtbot, ctx):
    from frontdesk.ui.window.reminder_timer import ReminderTimer

    timer = ReminderTimer(ctx)
    with qtbot.waitSignal(timer.report, timeout=10000) as done:
        timer.run_now()
        assert timer.running
        timer.run_now()  # a second request while one pass runs is dropped
    assert done.args[0].skipped == "Email reminders are turned off."
    assert not timer.running


def test_the_settings_dialog_sends_a_test_message_without_blocking(qtbot, ctx, admin, prompts, tmp_path,
                                                                   monkeypatch):
    from smtp_server import PASSWORD, USER, MailServer

    server = MailServer(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))  # the system's trust, for this test's server
    try:
        dialog = ReminderSettingsDialog(ctx, admin, prompts)
        qtbot.addWidget(dialog)
        dialog.smtp_host.setText("127.0.0.1")
        dialog.smtp_port.setValue(server.port)
        dialog.username.setText(USER)
        dialog.password.setText(PASSWORD)
        dialog.from_address.setText("front@example.org")
        qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
        assert dialog.test_result.text() == "Sending…" and not dialog.test_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20000)
        assert dialog.test_result.text() == "A test message was sent to front@example.org. Check that it arrived."
        assert len(server.messages) == 1
        dialog.password.setText("wrong")
        qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20000)
        assert dialog.test_result.text().startswith("⚠ Not sent. The mail server did not accept the user name")
    finally:
        server.stop()
