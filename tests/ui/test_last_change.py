"""Who changed it: "Last changed by NAME at TIME" in the appointment detail and the Intake patient header."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.services.appointments import mark_arrived
from frontdesk.services.patients import register_patient, update_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.booking import book_appointment
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.user_accounts import create_user

VANCOUVER = ZoneInfo("America/Vancouver")
TOMORROW = date(2026, 11, 26)


@pytest.fixture
def people(window):
    ctx = window.ctx
    return {
        "desk": create_user(ctx, window.actor, "desk", "Dana Front", Role.RECEPTION),
        "chris": create_user(ctx, window.actor, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, therapist_id=1),
    }


def _click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())


def test_the_appointment_detail_names_who_changed_it_last(window, qtbot, people, clock):
    ctx = window.ctx
    patient = register_patient(ctx, people["desk"], PatientDetails("Tsai", "Mei", date(1980, 1, 2)),
                               confirmed_new=True)
    kind = next(t for t in list_appointment_types(ctx, people["desk"]) if not t.is_ims)
    booked = book_appointment(ctx, people["desk"], BookingRequest(
        patient.id, 1, kind.id, datetime.combine(TOMORROW, time(9), tzinfo=VANCOUVER)))
    other = book_appointment(ctx, people["desk"], BookingRequest(
        patient.id, 1, kind.id, datetime.combine(TOMORROW, time(11), tzinfo=VANCOUVER)))
    clock.advance(minutes=42)  # 10:42: Chris marks the first one arrived (early, for the test)
    mark_arrived(ctx, people["chris"], booked.id, booked.version)

    window.resize(1280, 800)
    window.show()
    window.tabs.setCurrentWidget(window.appointments)
    page = window.appointments.list_page
    page.refresh({"appointments"})
    qtbot.waitUntil(lambda: page.model.rowCount() >= 2)

    _click_row(qtbot, page.table, page.model.row_of(booked.id))
    qtbot.waitUntil(lambda: page.detail.last_change.isVisible())
    assert page.detail.last_change.text() == "Last changed by Chris Stokes at 10:42 today"

    _click_row(qtbot, page.table, page.model.row_of(other.id))
    qtbot.waitUntil(lambda: "Dana Front" in page.detail.last_change.text())
    assert page.detail.last_change.text() == "Last changed by Dana Front at 10:00 today"


def test_the_intake_header_names_who_changed_the_record_last(window, qtbot, people, clock):
    ctx = window.ctx
    record = register_patient(ctx, people["desk"], PatientDetails("Okafor", "Ada", date(1975, 6, 1)),
                              confirmed_new=True)
    clock.advance(days=1, hours=2, minutes=5)  # the next day, 12:05
    update_patient(ctx, people["chris"], record.id, record.version,
                   PatientDetails("Okafor", "Ada", date(1975, 6, 1), email="ada@example.ca"))
    clock.advance(days=1)  # looked at a day later

    window.show()
    window.tabs.setCurrentWidget(window.intake)
    tab = window.intake
    tab.search.search_box.setFocus()
    qtbot.keyClicks(tab.search.search_box, "Okafor")
    qtbot.waitUntil(lambda: tab.search.results.model().rowCount() == 1)
    qtbot.keyClick(tab.search.search_box, Qt.Key_Down)
    qtbot.keyClick(tab.search.results, Qt.Key_Return)
    qtbot.waitUntil(lambda: tab.patient is not None and tab.patient.id == record.id)
    assert tab.last_change.isVisible()
    assert tab.last_change.text() == "Last changed by Chris Stokes at 12:05 on Thu Nov 26, 2026"

    # Saving from this desk makes the person at it the last to change the record.
    qtbot.keyClicks(tab.patient_form.preferred_name, "Addie")
    assert tab.save()
    assert tab.last_change.text() == f"Last changed by {window.actor.display_name} at 12:05 today"

    tab.new_patient()
    assert not tab.last_change.isVisible()
