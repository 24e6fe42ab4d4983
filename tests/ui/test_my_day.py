from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.ui.appointments.appointment_model import Column
from frontdesk.ui.appointments.my_day import MyDayWidget

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)  # the test clock: Wednesday 10:00
CHRIS, TRACEY = 1, 2


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=VANCOUVER)


def book(ctx, actor, patient_id, start, therapist=CHRIS, kind="Physiotherapy treatment"):
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == kind)
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist, type_id, start))


def patient(ctx, actor, family, given):
    details = PatientDetails(family_name=family, given_names=given, date_of_birth=date(1980, 1, 2))
    return register_patient(ctx, actor, details, confirmed_new=True)


@pytest.fixture
def today(ctx, reception):
    zoe, mei, sam = (patient(ctx, reception, *n) for n in (("Ødegård", "Zoë"), ("Tsai", "Mei"), ("Reid", "Sam")))
    return {
        "late": book(ctx, reception, zoe.id, at(TODAY, 15, 30)),
        "early": book(ctx, reception, mei.id, at(TODAY, 13)),
        "ims": book(ctx, reception, sam.id, at(TODAY, 11)),
        "tracey": book(ctx, reception, sam.id, at(TODAY, 14), therapist=TRACEY),
        "tomorrow": book(ctx, reception, mei.id, at(TODAY + timedelta(days=1), 9)),
    }


@pytest.fixture
def my_day(qtbot, ctx, physio, prompts, today):
    widget = MyDayWidget(ctx, physio, prompts)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    return widget


def listed(widget):
    model = widget.model
    return [(model.data(model.index(r, model.columns.index(Column.TIME))),
             model.data(model.index(r, model.columns.index(Column.PATIENT))),
             model.data(model.index(r, model.columns.index(Column.STATUS)))) for r in range(model.rowCount())]


def test_my_day_lists_todays_appointments_in_time_order(my_day, qtmodeltester):
    assert my_day.current_therapist() == CHRIS  # the physiotherapist's own list to begin with
    assert my_day.current_day() == TODAY
    assert listed(my_day) == [
        ("11:00\u201311:30", "Reid, Sam", "Booked"),
        ("13:00\u201313:30", "Tsai, Mei", "Booked"),
        ("15:30\u201316:00", "Ødegård, Zoë", "Booked"),
    ]
    assert my_day.title.text().count("Today, Wednesday, November 25")
    qtmodeltester.check(my_day.model)


def test_another_therapist_and_day(my_day, qtmodeltester):
    my_day.choose_therapist(TRACEY)
    assert listed(my_day) == [("14:00\u201314:30", "Reid, Sam", "Booked")]
    my_day.go_to(TODAY + timedelta(days=1))
    assert listed(my_day) == []
    assert my_day.summary.text() == "No appointments."
    qtmodeltester.check(my_day.model)


def test_the_chosen_therapist_is_remembered(qtbot, ctx, reception, prompts, my_day):
    my_day.choose_therapist(TRACEY)
    again = MyDayWidget(ctx, reception, prompts)
    qtbot.addWidget(again)
    assert again.current_therapist() == TRACEY


def test_arrived_and_completed_from_my_day(my_day, qtbot, prompts):
    my_day.table.selectRow(0)
    with qtbot.waitSignal(my_day.changed):
        my_day.actions.arrived.trigger()
    my_day.actions.completed.trigger()
    assert listed(my_day)[0][2] == "Completed"
    assert prompts.errors == []
    assert not my_day.actions.arrived.isEnabled()


def test_print_day_sheet_asks_for_the_chosen_day_and_therapist(my_day, qtbot):
    with qtbot.waitSignal(my_day.print_requested) as printed:
        my_day.print_button.click()
    assert printed.args == ["day_sheet", CHRIS, TODAY]


def test_a_change_in_my_day_shows_in_the_list_at_once(qtbot, ctx, physio, prompts, today):
    from frontdesk.ui.appointments.appointments_tab import AppointmentsTab

    tab = AppointmentsTab(ctx, physio, prompts)
    qtbot.addWidget(tab)
    tab.pages.setCurrentWidget(tab.my_day)
    tab.my_day.table.selectRow(0)
    with qtbot.waitSignal(tab.changed):
        tab.my_day.actions.arrived.trigger()
    statuses = {r.id: r.status.label for r in tab.list_page.model.records}
    assert statuses[today["ims"].id] == "Arrived"
