"""Book again by keyboard in the real main window: key events go to whatever has the focus and are
counted (a chord counts once, each typed letter counts); the end is the row in the database."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from frontdesk.db.models import Appointment
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import list_therapists
from frontdesk.services.screenings import record_screening
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.account_lookup import workstation_actor
from frontdesk.ui.schedule.booking_dialog import BookingDialog

VAN = ZoneInfo("America/Vancouver")
LEFT_THIGH = BodyArea(Region.thigh, Side.left)
NO_TO_ALL = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


class Keys:
    """A person's keys: each press goes to `QApplication.focusWidget()` and is counted."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def press(self, key, modifiers=Qt.NoModifier) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the focus"
        self.qtbot.keyClick(target, key, modifiers)
        self.count += 1

    def type(self, text: str) -> None:
        for char in text:
            target = QApplication.focusWidget()
            for kind in (QKeyEvent.KeyPress, QKeyEvent.KeyRelease):
                QApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.NoModifier, char))
            self.count += 1


@pytest.fixture
def clinic(window, clock):
    """Kowalczyk, Dorota: screened for IMS on the left thigh, IMS with Tracey McQuair last Monday
    (the clock stands at Wednesday 2026-11-25 10:00); and two others to search past."""
    ctx = window.ctx
    desk = workstation_actor(ctx, "owner")
    patients = {}
    for family, given, born in (("Kowalczyk", "Dorota", date(1971, 4, 5)), ("Nguyen", "Anh", date(1980, 1, 2)),
                                ("Kowalski", "Piotr", date(1966, 2, 3))):
        patients[family] = register_patient(ctx, desk, PatientDetails(family_name=family, given_names=given,
                                                                      date_of_birth=born)).id
    dorota = patients["Kowalczyk"]
    record_screening(ctx, desk, dorota, ScreeningAnswers(NO_TO_ALL, (), (LEFT_THIGH,)), "thigh pain")
    ims = {t.name: t for t in list_appointment_types(ctx, desk)}["IMS treatment"]
    tracey = next(t for t in list_therapists(ctx, desk) if t.name == "Tracey McQuair")
    now = clock.at
    clock.at = now - timedelta(days=10)
    last = book_appointment(ctx, desk, BookingRequest(dorota, tracey.id, ims.id,
                                                      local_instant(date(2026, 11, 23), time(9), VAN), LEFT_THIGH.key))
    clock.at = now
    return {"dorota": dorota, "ims": ims, "tracey": tracey, "last": last}


def live_appointments(ctx, patient_id):
    with UnitOfWork(ctx, None) as uow:
        return list(uow.session.execute(
            select(Appointment.id, Appointment.type_id, Appointment.area, Appointment.therapist_id,
                   Appointment.starts_at).where(Appointment.patient_id == patient_id).order_by(Appointment.starts_at)))


@pytest.mark.parametrize("start_on", ["schedule grid", "tab bar after Alt+I"])
def test_rebook_a_known_patient_in_at_most_eight_keys(qtbot, window, clinic, start_on):
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    keys = Keys(qtbot)
    if start_on == "schedule grid":
        window.schedule.view.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.schedule.view)
    else:
        window.tabs.tabBar().setFocus()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_I, Qt.AltModifier)  # not counted: the start
        qtbot.waitUntil(lambda: window.tabs.currentIndex() == 0)
        assert not window.intake.isAncestorOf(QApplication.focusWidget())

    keys.press(Qt.Key_F, Qt.ControlModifier)
    search = window.intake.search
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search.search_box)
    keys.type("kow")
    keys.press(Qt.Key_Return)  # opens the highlighted patient: the first row for "kow" (Kowalczyk)
    qtbot.waitUntil(lambda: window.intake.patient is not None)
    assert window.intake.patient.id == clinic["dorota"]

    keys.press(Qt.Key_R, Qt.ControlModifier)  # Book again
    qtbot.waitUntil(lambda: isinstance(window.book_again.active_dialog, BookingDialog))
    dialog = window.book_again.active_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.book_button)
    proposed = dialog.request()
    assert "Last: Mon Nov 23, 2026, 9:00 · IMS treatment · Tracey McQuair · Left thigh" in dialog.bookings.text()

    keys.press(Qt.Key_Return)  # Enter books
    qtbot.waitUntil(lambda: window.book_again.active_dialog is None)

    assert keys.count <= 8, keys.count
    rows = live_appointments(window.ctx, clinic["dorota"])
    assert len(rows) == 2
    _id, type_id, area, therapist_id, starts_at = rows[-1]
    assert (type_id, area, therapist_id) == (clinic["ims"].id, LEFT_THIGH.key, clinic["tracey"].id)
    assert starts_at.replace(tzinfo=proposed.starts_at.tzinfo) == proposed.starts_at
    # the first slot that keeps IMS seven days apart: Monday the 30th, Tracey's first free time
    assert proposed.starts_at == local_instant(date(2026, 11, 30), time(8), VAN)
    assert "Booked Kowalczyk, Dorota" in window.statusBar().currentMessage()


def test_book_again_from_an_appointment_and_ctrl_f_from_the_appointments_list(qtbot, window, clinic):
    window.tabs.setCurrentWidget(window.schedule)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    schedule = window.schedule
    schedule.go_to(date(2026, 11, 23))
    schedule.select_appointment(clinic["last"].id)
    schedule.view.setFocus()
    assert schedule.selected_appointment().id == clinic["last"].id
    assert window.book_again_action in [a for a in schedule.context_actions]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.book_again.active_dialog is not None)
    dialog = window.book_again.active_dialog
    assert dialog.type.currentData().id == clinic["ims"].id
    assert dialog.area.currentData() == LEFT_THIGH.key
    assert dialog.therapist.currentData().id == clinic["tracey"].id
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.book_button)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)  # closes without saving
    qtbot.waitUntil(lambda: window.book_again.active_dialog is None)
    assert len(live_appointments(window.ctx, clinic["dorota"])) == 1

    window.activateWindow()  # the offscreen platform does not give it back by itself
    qtbot.waitUntil(window.isActiveWindow)
    window.tabs.setCurrentWidget(window.appointments)
    window.appointments.list_page.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.list_page.table)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_F, Qt.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.intake.search.search_box)


def test_book_again_with_nothing_selected_says_what_to_do(qtbot, window):
    window.tabs.setCurrentWidget(window.appointments)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.appointments.list_page.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.appointments.list_page.table)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_R, Qt.ControlModifier)
    assert window.book_again.active_dialog is None
    assert "select an appointment" in window.statusBar().currentMessage()


def test_book_again_on_a_highlighted_search_result(qtbot, window, clinic):
    window.tabs.setCurrentWidget(window.intake)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search = window.intake.search
    assert window.book_again_action in search.results.actions()  # its right-click menu
    search.search_box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search.search_box)
    keys = Keys(qtbot)
    keys.type("kowalc")
    qtbot.waitUntil(lambda: search.model.rowCount() == 1)  # the results show as one types
    keys.press(Qt.Key_Down)  # into the results, the first row highlighted; nothing opened
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search.results)
    assert window.intake.patient is None
    keys.press(Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.book_again.active_dialog is not None)
    assert window.book_again.active_dialog.patient.patient_id == clinic["dorota"]
