"""What one desk does shows at once in the other's panels and dialogs (two main windows on one SQLite
file): the waitlist's freed-slot panel opens on every desk and closes on every desk once one books
it; the appointment detail pane and "Find next available" follow; a booking form opened by Book
again says at once that its time was just taken."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from keyboard import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment, get_appointment
from frontdesk.services.booking import book_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist, get_waitlist_entry
from tests.ui.two_desks import WITHIN

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY, TOMORROW = date(2026, 11, 25), date(2026, 11, 26)
MONDAY_NINE = datetime.combine(date(2026, 11, 30), time(9), VANCOUVER)
CHRIS = 1




def patient(window, family, given):
    details = PatientDetails(family_name=family, given_names=given, date_of_birth=date(1980, 1, 2))
    return register_patient(window.ctx, window.actor, details, confirmed_new=True).id


def physio(window):
    return next(t for t in list_appointment_types(window.ctx, window.actor) if t.name == "Physiotherapy treatment")


def test_a_slot_freed_at_one_desk_is_offered_on_the_other_and_closes_there_once_booked(desks, qtbot):
    first, second = desks
    kind = physio(first)
    ben, anh = patient(first, "Okafor", "Ben"), patient(first, "Nguyen", "Anh")
    booked = book_appointment(first.ctx, first.actor, BookingRequest(ben, CHRIS, kind.id, MONDAY_NINE))
    waiting = add_to_waitlist(first.ctx, first.actor, WaitlistRequest(anh, kind.id, TODAY))
    second.activateWindow()
    second.find_patient()  # the second desk is typing a search
    typing = QApplication.focusWidget()

    cancel_appointment(first.ctx, first.actor, booked.id, booked.version, "Patient called: unwell")
    qtbot.waitUntil(lambda: first.waitlist.dock.isVisible(), timeout=WITHIN)  # the desk that cancelled
    qtbot.waitUntil(lambda: second.waitlist.dock.isVisible(), timeout=WITHIN)  # and the other one
    assert "Nguyen, Anh" in second.waitlist.panel.list.item(0).text()
    assert "cancelled at another desk" in second.waitlist.panel.title.text()
    assert "at another desk" in second.statusBar().currentMessage()
    assert QApplication.focusWidget() is typing  # offered beside the work, the search keeps the keys

    press(qtbot, Qt.Key_F8, Qt.Key_Return)  # the second desk books Anh into it
    assert get_waitlist_entry(first.ctx, first.actor, waiting.id).state.value == "booked"
    qtbot.waitUntil(lambda: not first.waitlist.dock.isVisible(), timeout=WITHIN)
    assert "taken at another desk" in first.statusBar().currentMessage()


def test_the_trail_gives_a_desk_only_the_slots_other_desks_freed(desks, qtbot):
    from frontdesk.services.freed import freed_at_other_desks

    first, second = desks
    kind = physio(first)
    ben = patient(first, "Okafor", "Ben")
    booked = book_appointment(first.ctx, first.actor, BookingRequest(ben, CHRIS, kind.id, MONDAY_NINE))
    cancel_appointment(first.ctx, first.actor, booked.id, booked.version, "Patient called: unwell")
    mine, _ = freed_at_other_desks(first.ctx, first.actor, first.live.opened_at_entry)
    theirs, newest = freed_at_other_desks(second.ctx, second.actor, second.live.opened_at_entry)
    assert mine == []  # its own services told it already
    assert [(s.therapist_id, s.starts_at, s.why) for s in theirs] == [(CHRIS, MONDAY_NINE, "cancelled")]
    assert freed_at_other_desks(second.ctx, second.actor, newest) == ([], newest)  # read once


def test_the_detail_pane_shows_another_desks_cancellation_of_the_selected_appointment(desks, qtbot):
    first, second = desks
    kind = physio(first)
    ben = patient(first, "Okafor", "Ben")
    booked = book_appointment(first.ctx, first.actor,
                              BookingRequest(ben, CHRIS, kind.id, datetime.combine(TODAY, time(14), VANCOUVER)))
    second.tabs.setCurrentWidget(second.appointments)
    second.appointments.pages.setCurrentIndex(0)
    page = second.appointments.list_page
    qtbot.waitUntil(lambda: page.model.row_of(booked.id) is not None, timeout=WITHIN)
    page.select_appointment(booked.id)
    assert "Booked" in page.detail.heading.text()

    cancel_appointment(first.ctx, first.actor, booked.id, booked.version, "Snowed in")
    qtbot.waitUntil(lambda: "Cancelled" in page.detail.heading.text(), timeout=WITHIN)
    assert "Snowed in" in page.detail.heading.text()
    assert "Last changed by" in page.detail.last_change.text()
    assert page.current_record().id == booked.id


def test_my_days_open_detail_follows_another_desks_change(desks, qtbot):
    first, second = desks
    kind = physio(first)
    ben = patient(first, "Okafor", "Ben")
    booked = book_appointment(first.ctx, first.actor,
                              BookingRequest(ben, CHRIS, kind.id, datetime.combine(TODAY, time(14), VANCOUVER)))
    second.tabs.setCurrentWidget(second.appointments)
    my_day = second.appointments.my_day
    second.appointments.show_my_day()
    my_day.choose_therapist(CHRIS)
    my_day.go_to(TODAY)
    qtbot.waitUntil(lambda: my_day.model.row_of(booked.id) is not None, timeout=WITHIN)
    my_day.table.setCurrentIndex(my_day.model.index(my_day.model.row_of(booked.id), 0))
    dialog = my_day.open_detail()
    assert "Booked" in dialog.pane.heading.text()
    cancel_appointment(first.ctx, first.actor, booked.id, booked.version, "Snowed in")
    qtbot.waitUntil(lambda: "Cancelled" in dialog.pane.heading.text(), timeout=WITHIN)
    dialog.reject()


def test_find_next_available_drops_a_slot_booked_at_another_desk(desks, qtbot):
    from frontdesk.ui.schedule.booking_find import FindSlotDialog

    first, second = desks
    kind = physio(first)
    ben = patient(first, "Okafor", "Ben")
    dialog = FindSlotDialog(second.ctx, second.actor, second, type_id=kind.id, therapist_id=CHRIS)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.search()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    first_slot = dialog.model.row_at(0)
    dialog.table.setFocus()
    book_appointment(first.ctx, first.actor, BookingRequest(ben, CHRIS, kind.id, first_slot.starts_at))
    qtbot.waitUntil(lambda: dialog.model.row_at(0) != first_slot, timeout=WITHIN)
    assert all(slot.starts_at != first_slot.starts_at for slot in dialog.model.rows)
    assert "just booked at another desk" in dialog.message.text()
    assert QApplication.focusWidget() is dialog.table  # searched again without moving the focus


def test_a_book_again_form_says_at_once_that_its_time_was_just_taken_at_another_desk(desks, qtbot):
    first, second = desks
    kind = physio(first)
    ben, mei = patient(first, "Okafor", "Ben"), patient(first, "Tsai", "Mei")
    last = book_appointment(first.ctx, first.actor,
                            BookingRequest(ben, CHRIS, kind.id, datetime.combine(TOMORROW, time(9), VANCOUVER)))
    second.tabs.setCurrentWidget(second.appointments)
    second.appointments.pages.setCurrentIndex(0)
    page = second.appointments.list_page
    qtbot.waitUntil(lambda: page.model.row_of(last.id) is not None, timeout=WITHIN)
    page.select_appointment(last.id)
    page.table.setFocus()
    press(qtbot, (Qt.Key_R, Qt.ControlModifier))  # Book again
    dialog = second.book_again.active_dialog
    assert dialog is not None and dialog.problems.text() == ""
    chosen = dialog.request()

    book_appointment(first.ctx, first.actor, BookingRequest(mei, chosen.therapist_id, kind.id, chosen.starts_at))
    qtbot.waitUntil(lambda: "This time was just taken at another desk" in dialog.problems.text(), timeout=WITHIN)
    assert get_appointment(first.ctx, first.actor, last.id).status.value == "booked"
    dialog.reject()
