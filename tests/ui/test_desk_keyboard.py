"""The desk by keyboard on the real main window: window-wide shortcuts wherever the focus is, what
the status bar says after each change, and Undo (Ctrl+Z) for the desk's last change."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from keyboard import Keys
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QTabBar

from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import get_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.ui.appointments.appointment_model import Column

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)


def book(ctx, actor, patient_id, hour, therapist_id=1):
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist_id, type_id,
                                                       datetime.combine(TODAY, time(hour), tzinfo=VANCOUVER)))


@pytest.fixture
def kelly(window, clock):
    """Dana Kelly, booked at 8:00 this morning (booked at 7:00, so by 10:00 the start has passed)."""
    ctx, actor = window.ctx, window.actor
    patient = register_patient(ctx, actor, PatientDetails(family_name="Kelly", given_names="Dana",
                                                          date_of_birth=date(1975, 3, 4)))
    clock.at = datetime.combine(TODAY, time(7), tzinfo=VANCOUVER)
    record = book(ctx, actor, patient.id, 8)
    clock.at = datetime.combine(TODAY, time(10), tzinfo=VANCOUVER)
    return record


@pytest.fixture
def shown(window, qtbot, kelly):
    window.appointments.pages.setCurrentIndex(0)
    window.tabs.setCurrentIndex(0)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    window.refresh_everything()  # the booking was made after the window was built
    return window


def status_of(window, appointment_id):
    return get_appointment(window.ctx, window.actor, appointment_id).status


def test_no_show_then_undo_by_keys_from_the_tab_bar(shown, qtbot, kelly):
    window, keys = shown, Keys(qtbot)
    keys.press("Alt+A")
    assert isinstance(QApplication.focusWidget(), QTabBar)
    table = window.appointments.list_page.table
    keys.press_until("Tab", lambda: QApplication.focusWidget() is table)
    keys.press("Down")
    assert window.appointments.list_page.current_record().id == kelly.id

    # Out of the list, onto a tab bar: the window's shortcuts still reach the list's selection.
    keys.press_until("Shift+Tab", lambda: isinstance(QApplication.focusWidget(), QTabBar))
    keys.press("Ctrl+Shift+N")
    assert status_of(window, kelly.id) is AppointmentStatus.NO_SHOW
    message = window.statusBar().currentMessage()
    assert "No-show recorded for Kelly, D." in message and "Undo (Ctrl+Z)" in message
    assert window.undo_action.iconText() == "Undo no-show for Kelly, D."
    assert window.prompts.infos == [] and window.prompts.errors == []  # no question, no box

    keys.press("Alt+S")  # another tab, another selection: Undo still takes back the desk's last change
    keys.press("Ctrl+Z")
    assert status_of(window, kelly.id) is AppointmentStatus.BOOKED
    assert window.statusBar().currentMessage().startswith("Undone: no-show for Kelly, D.")
    assert window.prompts.infos == []
    assert not window.undo_action.isEnabled()
    rows = window.appointments.list_page.model
    assert rows.record(rows.row_of(kelly.id)).status is AppointmentStatus.BOOKED


def test_arrived_then_completed_undo_in_reverse_order(shown, qtbot, kelly):
    window, keys = shown, Keys(qtbot)
    keys.press("Alt+A")
    keys.press_until("Tab", lambda: QApplication.focusWidget() is window.appointments.list_page.table)
    keys.press("Down", "Ctrl+Shift+A", "Ctrl+Shift+D")
    assert status_of(window, kelly.id) is AppointmentStatus.COMPLETED
    assert window.undo_action.iconText() == "Undo completion for Kelly, D."
    keys.press("Alt+I", "Ctrl+Z")
    assert status_of(window, kelly.id) is AppointmentStatus.ARRIVED
    assert window.undo_action.iconText() == "Undo arrival for Kelly, D."
    keys.press("Ctrl+Z")
    assert status_of(window, kelly.id) is AppointmentStatus.BOOKED


def test_new_patient_and_save_work_right_after_switching_tabs(shown, qtbot):
    window, keys = shown, Keys(qtbot)
    keys.press("Alt+S", "Alt+I")
    assert isinstance(QApplication.focusWidget(), QTabBar)
    keys.press("Ctrl+N")
    assert QApplication.focusWidget() is window.intake.patient_form.first_widget
    keys.press("Alt+I", "Ctrl+S")  # an empty form: Save answers on the Intake tab, from the tab bar
    assert window.intake.status.text() != ""
    keys.press("Alt+S", "Ctrl+S")
    assert "Nothing to save here" in window.statusBar().currentMessage()


def test_a_move_by_drop_says_so_and_undo_puts_it_back(shown, qtbot, kelly):
    window = shown
    later = book(window.ctx, window.actor, kelly.patient_id, 14)
    window.tabs.setCurrentIndex(1)
    schedule = window.schedule
    schedule.go_to(TODAY)
    schedule.move_by_drop(later.id, later.version, datetime.combine(TODAY, time(15), tzinfo=VANCOUVER), 1)
    moved = get_appointment(window.ctx, window.actor, later.id)
    assert moved.starts_at.astimezone(VANCOUVER).time() == time(15)
    assert window.statusBar().currentMessage().startswith("Moved Kelly, D. to Wed Nov 25, 2026, 15:00")
    Keys(qtbot).press("Ctrl+Z")
    back = get_appointment(window.ctx, window.actor, later.id)
    assert back.starts_at.astimezone(VANCOUVER).time() == time(14)
    assert "back at" in window.statusBar().currentMessage()


def test_undoing_a_booking_made_here_cancels_it_and_is_not_late(shown, qtbot, window):
    patient = register_patient(window.ctx, window.actor, PatientDetails(family_name="Tsai", given_names="Mei",
                                                                        date_of_birth=date(1990, 1, 1)))
    record = book(window.ctx, window.actor, patient.id, 13)
    window.schedule._booked([record])
    assert window.statusBar().currentMessage().startswith("Booked Tsai, M.: Wed Nov 25, 2026")
    assert window.undo_action.iconText() == "Undo booking for Tsai, M."
    Keys(qtbot).press("Ctrl+Z")
    after = get_appointment(window.ctx, window.actor, record.id)
    assert after.status is AppointmentStatus.CANCELLED and not after.late_cancellation


def test_a_saved_pdf_says_where_it_went(shown, qtbot, tmp_path):
    with qtbot.waitSignal(shown.documents.preview_opened, timeout=20000) as opened:
        shown.documents.show_print("blank_intake")
    preview = opened.args[0]
    target = tmp_path / "forms" / "blank.pdf"
    target.parent.mkdir()
    preview.choose_save_path = lambda: str(target)
    preview.save_as()
    assert target.read_bytes() == preview.pdf_bytes
    assert shown.statusBar().currentMessage() == f"Saved blank.pdf in {target.parent.resolve()}."
    preview.close()


def test_the_appointments_list_sorts_by_a_heading_click_and_by_keyboard(shown, qtbot, window):
    for family, hour in (("Abbott", 15), ("Young", 11)):
        patient = register_patient(window.ctx, window.actor, PatientDetails(
            family_name=family, given_names="Lee", date_of_birth=date(1980, 1, 1)))
        book(window.ctx, window.actor, patient.id, hour)
    window.refresh_everything()
    keys = Keys(qtbot)
    keys.press("Alt+A")
    page = window.appointments.list_page

    def patients():
        return [page.model.record(row).patient_name.split(",")[0] for row in range(page.model.rowCount())]

    assert patients() == ["Kelly", "Young", "Abbott"]  # by time
    header = page.table.horizontalHeader()
    column = page.model.columns.index(Column.PATIENT)
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(x, header.height() // 2))
    assert patients() == ["Abbott", "Kelly", "Young"]
    assert page.sort.currentText() == "Patient, A to Z"
    keys.press("Alt+B")
    assert QApplication.focusWidget() is page.sort
    keys.press("Down")  # Patient, Z to A
    assert patients() == ["Young", "Kelly", "Abbott"]
    assert header.sortIndicatorSection() == column and header.sortIndicatorOrder() == Qt.DescendingOrder


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing).*")
def test_a_typed_date_and_the_calendar_with_today_in_the_schedule(shown, qtbot):
    window, keys = shown, Keys(qtbot)
    keys.press("Alt+S", "Ctrl+G")
    field = window.schedule.date_edit
    assert QApplication.focusWidget() is field
    keys.type("Dec 15 2026")
    keys.press("Return")
    assert window.schedule.day == date(2026, 12, 15)
    assert field.text() == "Tue 2026-12-15"
    keys.press("Up")  # a day on
    assert window.schedule.day == date(2026, 12, 16)
    keys.press("Alt+Down")
    popup = field.calendar_popup
    assert popup.isVisible() and popup.calendar.isAncestorOf(QApplication.focusWidget())
    keys.press("Right", "Return")  # the day after the one shown, picked in the calendar
    assert not popup.isVisible() and window.schedule.day == date(2026, 12, 17)
    keys.press("Alt+Down")
    keys.press("Alt+T")  # Today
    assert window.schedule.day == TODAY and field.text() == "Wed 2026-11-25"
    keys.press("Ctrl+G")
    keys.type("next tuesday")
    keys.press("Return")
    assert window.schedule.day == TODAY and "YYYY-MM-DD" in field.problem()


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing).*")
def test_the_appointment_list_takes_typed_dates_and_escape_closes_the_calendar(shown, qtbot):
    window, keys = shown, Keys(qtbot)
    keys.press("Alt+A", "Alt+O")  # To
    page = window.appointments.list_page
    assert QApplication.focusWidget() is page.date_to
    keys.press("Ctrl+A")
    keys.type("2026-11-26")
    keys.press("Tab")
    assert page.current_filter().date_to == date(2026, 11, 26)
    keys.press("Shift+Tab", "Alt+Down")
    assert page.date_to.calendar_popup.isVisible()
    keys.press("Escape")
    assert not page.date_to.calendar_popup.isVisible() and page.date_to.date() == date(2026, 11, 26)


def test_cancel_by_keys_enter_confirms_and_escape_keeps(shown, qtbot, kelly, window):
    from frontdesk.ui.appointments.appointment_actions import CancelDialog

    later = book(window.ctx, window.actor, kelly.patient_id, 14)
    window.refresh_everything()
    keys = Keys(qtbot)
    keys.press("Alt+A")
    page = window.appointments.list_page
    keys.press_until("Tab", lambda: QApplication.focusWidget() is page.table)
    keys.press("Down")
    assert page.current_record().id == later.id
    seen = []

    def answer(dialog):
        seen.append(dialog)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and dialog.isAncestorOf(
            QApplication.focusWidget()))
        if len(seen) == 1:
            keys.press("Escape")  # keep it
        else:
            keys.type("Patient is unwell")
            keys.press("Return")

    original_exec = CancelDialog.exec

    def exec_answering(dialog):
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: answer(dialog))
        return original_exec(dialog)

    CancelDialog.exec = exec_answering
    try:
        keys.press("Ctrl+Shift+X")
        assert status_of(window, later.id) is AppointmentStatus.BOOKED
        window.activateWindow()  # the offscreen platform does not give the window back its focus itself
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
        keys.press("Ctrl+Shift+X")
    finally:
        CancelDialog.exec = original_exec
    record = get_appointment(window.ctx, window.actor, later.id)
    assert record.status is AppointmentStatus.CANCELLED and record.cancel_reason == "Patient is unwell"
    assert window.statusBar().currentMessage().startswith("Cancelled Kelly, D.'s appointment")


def test_a_book_again_booking_keeps_its_sentence_and_can_be_undone(shown, qtbot, kelly, window):
    later = book(window.ctx, window.actor, kelly.patient_id, 16)
    window.statusBar().showMessage("Booked Kelly, Dana: Physiotherapy treatment, today at 16:00.")
    window.book_again.booked.emit([later])  # as Book again announces its booking
    assert window.statusBar().currentMessage() == ("Booked Kelly, Dana: Physiotherapy treatment, today at 16:00."
                                                   "  Undo (Ctrl+Z)")
    keys = Keys(qtbot)
    keys.press("Alt+S")
    keys.press("Ctrl+Z")
    assert status_of(window, later.id) is AppointmentStatus.CANCELLED


def test_ctrl_z_undoes_fresh_typing_in_a_field_first_then_the_desks_change(shown, qtbot, kelly, window):
    later = book(window.ctx, window.actor, kelly.patient_id, 16)
    keys = Keys(qtbot)
    keys.press("Alt+A", "Alt+N")  # the list's Patient filter
    page = window.appointments.list_page
    assert QApplication.focusWidget() is page.patient
    keys.type("kel")
    window.book_again.booked.emit([later])  # a booking made meanwhile at this desk
    keys.press("Ctrl+Z")  # the typing here came after the focus did: the field undoes it
    assert page.patient.text() == "" and status_of(window, later.id) is AppointmentStatus.BOOKED
    keys.press("Tab", "Shift+Tab")  # back in the field, nothing typed since
    keys.press("Ctrl+Z")
    assert status_of(window, later.id) is AppointmentStatus.CANCELLED


def test_the_status_bar_has_an_undo_button_that_names_the_change(shown, qtbot, kelly, window):
    assert not window.undo_button.isVisible()
    later = book(window.ctx, window.actor, kelly.patient_id, 16)
    window.schedule._booked([later])
    assert window.undo_button.isVisible() and window.undo_button.text() == "Undo booking for Kelly, D."
    qtbot.mouseClick(window.undo_button, Qt.LeftButton)
    assert status_of(window, later.id) is AppointmentStatus.CANCELLED
    assert not window.undo_button.isVisible()
