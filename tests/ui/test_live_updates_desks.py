"""What one desk does shows at once in the other's panels and dialogs (two main windows on one SQLite
file): the waitlist's freed-slot panel opens on every desk and closes on every desk once one books
it; the appointment detail pane and "Find next available" follow; a booking form opened by Book
again says at once that its time was just taken."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from keyboard import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.app import create_main_window
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment, get_appointment
from frontdesk.services.booking import book_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist, get_waitlist_entry

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY, TOMORROW = date(2026, 11, 25), date(2026, 11, 26)
MONDAY_NINE = datetime.combine(date(2026, 11, 30), time(9), VANCOUVER)
CHRIS = 1
WITHIN = 2000  # milliseconds


def shown_window(qtbot, db_url, clock, prompts):
    window = create_main_window(db_url, clock=clock, prompts=prompts)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.live.watch.connected.is_set(), timeout=5000)
    return window


@pytest.fixture
def desks(qtbot, db_url, clock, prompts):
    first = shown_window(qtbot, db_url, clock, prompts)
    second = shown_window(qtbot, db_url, clock, prompts)
    yield first, second
    for window in (first, second):
        window.live.stop()
        window.ctx.database.dispose()


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
    assert "cancelled" in second.waitlist.panel.title.text()
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
