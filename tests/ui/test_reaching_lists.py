"""Reaching a list by its key puts the keyboard in the list: Alt+Y (My day) and Alt+A (Appointments)
from wherever the focus is, then Enter or the arrows act on the rows at once, without a Tab first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from keyboard import Keys

VANCOUVER = ZoneInfo("America/Vancouver")


@pytest.fixture
def shown(qtbot, window):
    ctx, actor = window.ctx, window.actor
    patient = register_patient(ctx, actor, PatientDetails(family_name="Kelly", given_names="Dana",
                                                          date_of_birth=datetime(1980, 2, 3).date()))
    kinds = {t.name: t.id for t in list_appointment_types(ctx, actor)}
    book_appointment(ctx, actor, BookingRequest(patient.id, 1, kinds["Physiotherapy treatment"],
                                                datetime(2026, 11, 25, 14, 0, tzinfo=VANCOUVER)))
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.schedule.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.schedule.view)
    return window


@pytest.mark.parametrize("start", ["schedule grid", "main tab bar"])
def test_alt_y_puts_the_focus_in_my_days_list_and_enter_opens_the_visit(qtbot, shown, start):
    window = shown
    if start == "main tab bar":
        window.tabs.tabBar().setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    keys = Keys(qtbot)
    keys.press("Alt+A")
    appointments = window.appointments
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (appointments.list_page.table, appointments.my_day.table))
    keys.press("Alt+Y")
    my_day = window.appointments.my_day
    qtbot.waitUntil(lambda: QApplication.focusWidget() is my_day.table)
    my_day.therapist.setCurrentIndex(my_day.therapist.findText("Chris Stokes"))  # whose day: not the point here
    qtbot.waitUntil(lambda: my_day.current_record() is not None)
    assert QApplication.focusWidget() is my_day.table
    keys.press("Return")
    qtbot.waitUntil(lambda: my_day.detail_dialog is not None and my_day.detail_dialog.isVisible())
    assert "Kelly, Dana" in my_day.detail_dialog.pane.heading.text()
    assert keys.count == 3


def test_alt_a_puts_the_focus_in_the_appointments_list(qtbot, shown):
    window = shown
    keys = Keys(qtbot)
    keys.press("Alt+A")
    pages = window.appointments.pages
    if pages.currentIndex() != 0:  # My day was in front last time: its list then has the keys
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.my_day.table)
        pages.setCurrentIndex(0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.list_page.table)
    keys.press("Alt+Y")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.my_day.table)
    keys.press("Alt+S", "Alt+A")  # back to the Appointments tab: its page in front keeps the keys
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.my_day.table)
