"""The waitlist at the desk: a cancellation shows who fits at once, without taking the focus, and a
waiting patient is booked into the slot in two keys; the Waitlist view filters and shows each age."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from keyboard import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from frontdesk.db.models import Appointment, WaitlistEntry
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)  # the test clock: Wednesday 10:00
MONDAY_NINE = datetime.combine(date(2026, 11, 30), time(9), VANCOUVER)
CHRIS = 1


def _patient(ctx, actor, family, given):
    return register_patient(ctx, actor, PatientDetails(family_name=family, given_names=given,
                                                       date_of_birth=date(1980, 1, 2)), confirmed_new=True).id


@pytest.fixture
def desk(window, qtbot):
    ctx, actor = window.ctx, window.actor
    physio = next(t for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
    ben = _patient(ctx, actor, "Okafor", "Ben")
    anh = _patient(ctx, actor, "Nguyen", "Anh")
    carla = _patient(ctx, actor, "Rossi", "Carla")
    booked = book_appointment(ctx, actor, BookingRequest(ben, CHRIS, physio.id, MONDAY_NINE))
    waiting = add_to_waitlist(ctx, actor, WaitlistRequest(anh, physio.id, TODAY, priority=3))
    add_to_waitlist(ctx, actor, WaitlistRequest(carla, physio.id, TODAY))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return {"booked": booked, "waiting": waiting, "anh": anh, "type": physio}


def test_a_cancellation_offers_the_slot_and_two_keys_book_the_best_fit(window, qtbot, desk):
    window.find_patient()  # the receptionist is typing a search when the call comes in
    typing = QApplication.focusWidget()
    assert typing is not None
    booked = desk["booked"]
    cancel_appointment(window.ctx, window.actor, booked.id, booked.version, "Patient called: unwell")
    dock = window.waitlist.dock
    qtbot.waitUntil(lambda: dock.isVisible())
    # shown at once and unasked, but the search keeps the keyboard
    assert QApplication.focusWidget() is typing
    assert "2 waiting patients fit" in window.statusBar().currentMessage()
    panel = window.waitlist.panel
    assert "Nguyen, Anh" in panel.list.item(0).text()  # high priority first
    assert "Rossi, Carla" in panel.list.item(1).text()

    keys = press(qtbot, Qt.Key_F8, Qt.Key_Return)

    assert keys <= 3
    with UnitOfWork(window.ctx, None) as uow:
        row = uow.session.scalars(select(Appointment).where(Appointment.patient_id == desk["anh"],
                                                            Appointment.status == "booked")).one()
        entry = uow.session.get(WaitlistEntry, desk["waiting"].id)
        assert (row.therapist_id, row.starts_at) == (CHRIS, MONDAY_NINE)
        assert (entry.state, entry.appointment_id) == ("booked", row.id)
    assert "off the waitlist" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not dock.isVisible())  # the slot is taken: nobody else is offered it


def test_escape_dismisses_the_offer_and_f8_says_when_there_is_none(window, qtbot, desk):
    booked = desk["booked"]
    cancel_appointment(window.ctx, window.actor, booked.id, booked.version, "Patient called: unwell")
    qtbot.waitUntil(lambda: window.waitlist.dock.isVisible())
    press(qtbot, Qt.Key_F8, Qt.Key_Escape)
    assert not window.waitlist.dock.isVisible()
    press(qtbot, Qt.Key_F8)
    assert "No freed slot" in window.statusBar().currentMessage()


def test_the_waitlist_view_filters_and_shows_each_age(window, qtbot, desk, clock, qtmodeltester):
    press(qtbot, (Qt.Key_W, Qt.ControlModifier | Qt.ShiftModifier))
    view = window.waitlist.view
    qtbot.waitUntil(lambda: view is not None and view.isVisible())
    qtmodeltester.check(view.model)
    rows = view.model.rows
    assert [r.patient_name for r in rows] == ["Nguyen, Anh", "Rossi, Carla"]
    waiting_column = [c.header for c in view.model.columns].index("Waiting")
    assert view.model.index(0, waiting_column).data() == "added today"
    clock.advance(days=12)
    view.reload()
    assert view.model.index(0, waiting_column).data() == "waiting 12 days"
    # filters: another type shows nobody; the withdrawn list is empty until one is withdrawn
    view.type_filter.setCurrentIndex(view.type_filter.findText("IMS treatment"))
    assert view.model.rowCount() == 0
    view.type_filter.setCurrentIndex(0)
    view.state_filter.setCurrentIndex(view.state_filter.findData("withdrawn"))
    assert view.model.rowCount() == 0
    qtmodeltester.check(view.model)


def test_the_entry_dialog_starts_ims_at_the_first_allowed_date_and_shows_errors_beside_fields(window, qtbot, desk):
    from frontdesk.domain.areas import BodyArea, Region, Side
    from frontdesk.domain.screening import ScreeningAnswers, Surgery
    from frontdesk.services.screenings import record_screening
    from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

    knee = BodyArea(Region.knee, Side.left)
    answers = {"cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
               "autoimmune": "none", "osteoporosis": "none", "had_surgery": "yes", "bleeding_risk": "no",
               "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
               "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no"}
    record_screening(window.ctx, window.actor, desk["anh"],
                     ScreeningAnswers(answers, (Surgery(date(2026, 11, 2), knee),), (knee,)), "knee pain")
    dialog = WaitlistEntryDialog(window.ctx, window.actor, window.prompts, window, patient_id=desk["anh"],
                                 patient_name="Nguyen, Anh")
    qtbot.addWidget(dialog)
    dialog.type.setCurrentIndex(dialog.type.findText("IMS treatment", Qt.MatchStartsWith))
    dialog.accept()  # no area chosen yet
    assert dialog.result() == 0 and "area" in dialog.errors["area"].text()
    dialog.area.setCurrentIndex(dialog.area.findData(knee.key))
    assert dialog.earliest.value() == date(2027, 2, 2)  # three months after the knee surgery
    dialog.earliest.setDate(TODAY)
    dialog.accept()
    assert "February 2, 2027" in dialog.errors["earliest"].text() and dialog.saved is None
    dialog.earliest.setDate(date(2027, 2, 2))
    dialog.accept()
    assert dialog.saved is not None and dialog.saved.earliest == date(2027, 2, 2)


def test_a_booking_that_finds_nothing_soon_enough_adds_the_patient_to_the_waitlist(window, qtbot, desk, monkeypatch):
    from frontdesk.services.intake_records import PatientSummary
    from frontdesk.services.waitlist import list_waitlist
    from frontdesk.ui.schedule.booking_dialog import BookingDialog
    from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

    ben = _patient(window.ctx, window.actor, "Tan", "Ben")
    dialog = BookingDialog(window.ctx, window.actor, window, type_id=desk["type"].id, therapist_id=CHRIS,
                           patient=PatientSummary(ben, "Tan, Ben", date(1980, 1, 2), ""))
    qtbot.addWidget(dialog)

    def save_as_shown(entry_dialog):
        entry_dialog.accept()
        return entry_dialog.result()

    monkeypatch.setattr(WaitlistEntryDialog, "exec", save_as_shown)
    dialog.waitlist_button.click()
    saved = dialog.waitlisted
    assert saved is not None and (saved.type_id, saved.therapist_ids) == (desk["type"].id, (CHRIS,))
    assert ben in [r.patient_id for r in list_waitlist(window.ctx, window.actor)]


def test_the_open_patient_on_intake_goes_on_the_waitlist_from_the_booking_menu(window, qtbot, desk, monkeypatch):
    from frontdesk.services.waitlist import list_waitlist
    from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

    dan = _patient(window.ctx, window.actor, "Singh", "Dan")
    window.tabs.setCurrentWidget(window.intake)
    assert window.intake.open_patient(dan)
    shown = []

    def fill_in_and_save(entry_dialog):
        shown.append(entry_dialog.patient_label.text())
        entry_dialog.type.setCurrentIndex(entry_dialog.type.findText("Physiotherapy treatment", Qt.MatchStartsWith))
        entry_dialog.priority.setCurrentIndex(entry_dialog.priority.findData(3))
        entry_dialog.accept()
        assert not entry_dialog.message.text() and not any(e.text() for e in entry_dialog.errors.values())
        return entry_dialog.result()

    monkeypatch.setattr(WaitlistEntryDialog, "exec", fill_in_and_save)
    window.waitlist.add_action.trigger()
    assert shown and "Singh, Dan" in shown[0]
    mine = list_waitlist(window.ctx, window.actor, patient_id=dan)
    assert [(r.patient_id, r.priority.label) for r in mine] == [(dan, "High")]
    assert "Singh, Dan is on the waitlist" in window.statusBar().currentMessage()


def test_delete_in_the_view_withdraws_the_highlighted_entry_with_the_reason(window, qtbot, desk, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from frontdesk.services.waitlist import list_waitlist

    asked = []
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda parent, title, label: asked.append(label) or ("Booked elsewhere", True)))
    keys = press(qtbot, (Qt.Key_W, Qt.ControlModifier | Qt.ShiftModifier))
    view = window.waitlist.view
    qtbot.waitUntil(lambda: view is not None and view.isVisible() and view.table.hasFocus())
    keys += press(qtbot, Qt.Key_Down, Qt.Key_Delete)  # the second entry: Rossi, Carla
    assert keys == 3 and "Rossi, Carla" in asked[0]
    gone = list_waitlist(window.ctx, window.actor, state="withdrawn")
    assert [(r.patient_name, r.closed_reason) for r in gone] == [("Rossi, Carla", "Booked elsewhere")]
    assert [r.patient_name for r in view.model.rows] == ["Nguyen, Anh"]


def test_the_offer_closes_when_the_slot_is_booked_another_way(window, qtbot, desk):
    booked = desk["booked"]
    cancel_appointment(window.ctx, window.actor, booked.id, booked.version, "Patient called: unwell")
    qtbot.waitUntil(lambda: window.waitlist.dock.isVisible())
    walk_in = _patient(window.ctx, window.actor, "Walker", "Ina")
    book_appointment(window.ctx, window.actor, BookingRequest(walk_in, CHRIS, desk["type"].id, MONDAY_NINE))
    window.data_changed.emit({"appointments"})  # as the Schedule tab says after its booking
    assert not window.waitlist.dock.isVisible()
