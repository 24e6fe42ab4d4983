"""The booking and find-slot dialogs: one mnemonic per letter and no literal '&', typed dates, the
calendar by Alt+Down with Today, the default start, Escape, and the IMS interval's warning and reason."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from sqlalchemy import select

from frontdesk.db.models import AppointmentEvent
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.ui.schedule.booking_dialog import BookingDialog
from frontdesk.ui.schedule.booking_find import FindSlotDialog

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 11, 30)
KNEE = BodyArea(Region.knee, Side.left)
NO_TO_ALL = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


def at(day, hour, minute=0):
    return local_instant(day, time(hour, minute), VAN)


@pytest.fixture
def anh(ctx, reception):
    patient = register_patient(ctx, reception, PatientDetails(family_name="Nguyen", given_names="Anh",
                                                              date_of_birth=date(1980, 1, 2)))
    record_screening(ctx, reception, patient.id, ScreeningAnswers(NO_TO_ALL, (), (KNEE,)), "knee pain")
    return patient.id


def shown_texts(dialog):
    """Every label's and button's text as shown (visible ones)."""
    for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
        if widget.isVisibleTo(dialog) and widget.text():
            yield widget, widget.text()


def mnemonics(dialog) -> list[str]:
    letters = []
    for widget, text in shown_texts(dialog):
        if isinstance(widget, QLabel) and widget.textFormat() == Qt.PlainText:
            continue
        found = re.search(r"&([^&])", text.replace("&&", ""))
        if found:
            letters.append(found.group(1).lower())
    return letters


@pytest.mark.parametrize("which", ["booking", "find"])
def test_no_mnemonic_twice_and_no_literal_ampersand(qtbot, ctx, reception, anh, which):
    dialog = BookingDialog(ctx, reception) if which == "booking" else FindSlotDialog(ctx, reception)
    qtbot.addWidget(dialog)
    dialog.show()
    letters = mnemonics(dialog)
    assert letters and len(letters) == len(set(letters)), letters
    for widget, text in shown_texts(dialog):
        if isinstance(widget, QLabel) and "&" in text and widget.textFormat() != Qt.PlainText:
            assert widget.buddy() is not None, f"{text!r} shows a literal '&'"
    if which == "find":
        assert "i" in letters and "t" in letters  # Patient (Alt+I) apart from Type (Alt+T)


def test_default_start_is_the_next_free_time_and_find_starts_today(qtbot, ctx, clock, reception):
    clock.advance(minutes=7)  # 10:07: the next free time is 10:15, never 10:07 or earlier
    dialog = BookingDialog(ctx, reception)
    qtbot.addWidget(dialog)
    assert dialog.date.value() == ctx.today()
    assert (dialog.time.time().hour(), dialog.time.time().minute()) == (10, 15)
    finder = FindSlotDialog(ctx, reception, from_date=date(2026, 11, 1))
    qtbot.addWidget(finder)
    assert finder.from_date.value() == ctx.today()


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # the offscreen platform and a popup
def test_a_typed_date_the_calendar_and_today(qtbot, ctx, reception):
    dialog = FindSlotDialog(ctx, reception)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    field = dialog.from_date
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field.edit)
    field.edit.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "Dec 14")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    assert field.value() == date(2026, 12, 14)
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field.edit)
    field.edit.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "next week")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    assert field.error.isVisibleTo(dialog) and field.edit.text() == "next week"  # kept, marked, explained
    assert field.value() == date(2026, 12, 14)

    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field.edit)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Down, Qt.AltModifier)
    qtbot.waitUntil(lambda: field.popup is not None and field.popup.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and field.popup.isAncestorOf(QApplication.focusWidget()))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_T, Qt.AltModifier)  # Today
    qtbot.waitUntil(lambda: not field.popup.isVisible())
    assert field.value() == ctx.today() and not field.error.isVisibleTo(dialog)
    assert field.popup.today_button.text() == "&Today"

    qtbot.waitUntil(lambda: QApplication.focusWidget() is field.edit)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_F4)  # F4 opens it too; Escape closes only the calendar
    qtbot.waitUntil(lambda: field.popup.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and field.popup.isAncestorOf(QApplication.focusWidget()))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)
    qtbot.waitUntil(lambda: not field.popup.isVisible())
    assert dialog.isVisible() and field.value() == ctx.today()


def test_escape_closes_without_saving(qtbot, ctx, reception, anh):
    dialog = BookingDialog(ctx, reception)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)
    assert dialog.booked == []


def test_a_second_ims_inside_the_interval_warns_at_once_and_asks_for_a_reason(qtbot, ctx, reception, anh):
    ims = {t.name: t for t in list_appointment_types(ctx, reception)}["IMS treatment"]
    book_appointment(ctx, reception, BookingRequest(anh, 1, ims.id, at(MONDAY, 9), KNEE.key))
    from frontdesk.services.patients import search_patients

    patient = search_patients(ctx, reception, "nguyen")[0]
    dialog = BookingDialog(ctx, reception, start=at(MONDAY, 14), therapist_id=2, type_id=ims.id, patient=patient,
                           area=KNEE.key)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Next: Mon Nov 30, 2026, 9:00 · IMS treatment · Chris Stokes · Left knee" in dialog.bookings.text()
    assert dialog.warning.isVisibleTo(dialog) and "already has IMS on this day" in dialog.warning.text()
    assert dialog.reason.isVisibleTo(dialog)
    dialog.accept()  # Book without a reason: asks for it, saves nothing
    assert dialog.booked == [] and "reason" in dialog.problems.text()
    dialog.date.setDate(date(2026, 12, 3))  # Thursday: still inside seven days
    assert "Only 3 days" in dialog.warning.text()
    qtbot.keyClicks(dialog.reason, "Travelling from Dec 7")
    dialog.accept()
    assert len(dialog.booked) == 1
    with UnitOfWork(ctx, None) as uow:
        detail = uow.session.scalar(select(AppointmentEvent.detail).where(
            AppointmentEvent.appointment_id == dialog.booked[0].id))
    assert "Travelling from Dec 7" in detail["reason"]
    dialog.date.setDate(date(2026, 12, 7))
    assert not dialog.warning.isVisibleTo(dialog) or "Only 4 days" in dialog.warning.text()


def test_the_finder_shows_the_patients_bookings_and_keeps_ims_apart(qtbot, ctx, reception, anh):
    ims = {t.name: t for t in list_appointment_types(ctx, reception)}["IMS treatment"]
    book_appointment(ctx, reception, BookingRequest(anh, 1, ims.id, at(MONDAY, 9), KNEE.key))
    from frontdesk.services.patients import search_patients

    finder = FindSlotDialog(ctx, reception, type_id=ims.id, patient=search_patients(ctx, reception, "nguyen")[0])
    qtbot.addWidget(finder)
    assert "Next: Mon Nov 30, 2026, 9:00" in finder.bookings.text()
    assert finder.chosen_area == KNEE.key  # the area of the patient's last IMS, until another is chosen
    finder.search()
    qtbot.waitUntil(lambda: finder.model.rowCount() > 0)
    days = {slot.starts_at.astimezone(VAN).date() for slot in finder.model.rows}
    assert days and all(abs((day - MONDAY).days) >= 7 for day in days)
    assert min(days) == MONDAY + timedelta(days=7)


def test_moving_ims_closer_warns_and_asks_for_the_reason(qtbot, ctx, reception, anh):
    from frontdesk.ui.schedule.schedule_move import MoveDialog

    ims = {t.name: t for t in list_appointment_types(ctx, reception)}["IMS treatment"]
    book_appointment(ctx, reception, BookingRequest(anh, 1, ims.id, at(MONDAY, 9), KNEE.key))
    later = book_appointment(ctx, reception, BookingRequest(anh, 1, ims.id, at(MONDAY + timedelta(days=7), 9),
                                                            KNEE.key))
    dialog = MoveDialog(ctx, reception, later)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.warning.isVisibleTo(dialog)
    dialog.date.setDate(date(2026, 12, 2))
    assert "Only 2 days" in dialog.warning.text() and dialog.reason.isVisibleTo(dialog)
    dialog.accept()
    assert dialog.moved is None and "reason" in dialog.problems.text()
    qtbot.keyClicks(dialog.reason, "Away next week")
    dialog.accept()
    assert dialog.moved is not None and dialog.moved.starts_at == at(date(2026, 12, 2), 9)
    assert "&" not in [w.text() for w in dialog.findChildren(QLabel) if w.text() == "&New start:" and not w.buddy()]


def test_a_series_closer_than_the_interval_asks_for_the_reason_then_books(qtbot, ctx, reception, anh):
    from frontdesk.services.patients import search_patients

    ims = {t.name: t for t in list_appointment_types(ctx, reception)}["IMS treatment"]
    dialog = BookingDialog(ctx, reception, start=at(MONDAY, 9), therapist_id=1, type_id=ims.id,
                           patient=search_patients(ctx, reception, "nguyen")[0], area=KNEE.key)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.repeat.setChecked(True)
    dialog.unit.setCurrentIndex(dialog.unit.findData("days"))
    dialog.every.setValue(3)
    dialog.count.setValue(3)
    dialog.accept()  # plans the dates
    dialog.accept()  # books: the second date is 3 days after the first
    assert dialog.booked == [] and dialog.reason.isVisibleTo(dialog)
    assert dialog.warning.text().startswith("Thursday, December 3: Only 3 days")
    qtbot.keyClicks(dialog.reason, "Acute flare-up")
    dialog.accept()
    assert len(dialog.booked) == 3
