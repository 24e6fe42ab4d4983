"""A physiotherapist at the window: signs in to their own "My day", reads each row's IMS outlook, and
opens an appointment with Enter. Keys go to whatever has focus, as a person's do."""

from __future__ import annotations


import pytest
from keyboard import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.app import create_main_window
from frontdesk.domain.roles import Role
from frontdesk.services.user_accounts import create_user
from frontdesk.ui.appointments.appointment_model import Column
from frontdesk.ui.common.geometry import remember_value, ui_settings
from frontdesk.ui.appointments.my_day import THERAPIST_KEY, DayColumn
from my_day_scenario import CHRIS, LEFT_THIGH, TODAY, TRACEY, book_today, kelly_and_reid

@pytest.fixture
def day(ctx, reception):
    """Chris's day: an IMS visit on the thigh and an ordinary visit of a patient whose knee is "not
    yet" (operated six weeks ago), and a visit of someone else; Tracey has her own patient."""
    kelly, reid = kelly_and_reid(ctx, reception)
    return {
        "ims": book_today(ctx, reception, kelly, 11, "IMS treatment", area=LEFT_THIGH.key),
        "ordinary": book_today(ctx, reception, kelly, 13, "Physiotherapy treatment"),
        "reid": book_today(ctx, reception, reid, 15, "Physiotherapy treatment"),
        "tracey": book_today(ctx, reception, reid, 11, "Physiotherapy treatment", therapist=TRACEY),
    }


@pytest.fixture
def physio_window(qtbot, db_url, clock, prompts, physio, day):
    # The computer remembers the Schedule tab and Tracey's day from whoever used it before.
    remember_value(THERAPIST_KEY, TRACEY)
    ui_settings().setValue("main/tab", 1)
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=physio)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    yield window
    window.ctx.database.dispose()


def _cell(my_day, row, column) -> str:
    model = my_day.model
    return model.data(model.index(row, model.columns.index(column)))


def test_a_physiotherapist_signs_in_to_their_own_day(physio_window, day):
    my_day = physio_window.appointments.my_day
    assert physio_window.tabs.currentWidget() is physio_window.appointments
    assert physio_window.appointments.pages.currentWidget().isAncestorOf(my_day)
    assert my_day.current_therapist() == CHRIS and my_day.current_day() == TODAY
    assert [r.id for r in my_day.model.records] == [day["ims"].id, day["ordinary"].id, day["reid"].id]
    assert QApplication.focusWidget() is my_day.table


def test_each_row_shows_the_area_its_verdict_and_the_not_before_date(physio_window, day):
    my_day = physio_window.appointments.my_day
    # The IMS visit: the thigh booked may be needled; the knee beside it is not yet.
    assert _cell(my_day, 0, DayColumn.AREA) == "Left thigh\nLeft knee"
    assert _cell(my_day, 0, Column.IMS) == "✓ Eligible\n◷ Not yet"
    assert _cell(my_day, 0, DayColumn.NOT_BEFORE) == "\nJanuary 14, 2027"
    # The ordinary visit of the same patient: no longer blank about the knee.
    assert (_cell(my_day, 1, DayColumn.AREA), _cell(my_day, 1, Column.IMS), _cell(my_day, 1, DayColumn.NOT_BEFORE)) \
        == ("Left knee", "◷ Not yet", "January 14, 2027")
    assert "Ordinary physiotherapy is fine today" in my_day.model.data(
        my_day.model.index(1, my_day.model.columns.index(Column.IMS)), Qt.ToolTipRole)
    assert _cell(my_day, 2, DayColumn.AREA) == "" and _cell(my_day, 2, Column.IMS) == ""
    # Two lines show in full: the row is as tall as its text.
    assert my_day.table.rowHeight(0) > my_day.table.rowHeight(2)


def test_enter_opens_the_appointment_and_escape_comes_back(qtbot, physio_window, day):
    my_day = physio_window.appointments.my_day
    keys = press(qtbot, Qt.Key_Down)  # from the first appointment of the morning to the ordinary visit
    assert my_day.current_record().id == day["ordinary"].id
    keys += press(qtbot, Qt.Key_Return)
    dialog = my_day.detail_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isAncestorOf(QApplication.focusWidget()))
    assert "Kelly, Dana" in dialog.pane.heading.text()
    assert "Physiotherapy treatment" in dialog.pane.heading.text()
    assert "Left knee: not yet" in dialog.outlook.text() and "January 14, 2027" in dialog.outlook.text()
    keys += press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible() and QApplication.focusWidget() is my_day.table)
    assert my_day.current_record().id == day["ordinary"].id
    assert keys == 3


def test_a_physiotherapists_day_does_not_move_the_desks_tab(physio_window):
    physio_window.close()
    assert ui_settings().value("main/tab") in (1, "1")


def test_a_receptionist_still_starts_where_they_left_off(qtbot, db_url, clock, prompts, reception, day):
    remember_value(THERAPIST_KEY, TRACEY)
    ui_settings().setValue("main/tab", 1)
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=reception)
    qtbot.addWidget(window)
    assert window.tabs.currentWidget() is window.schedule
    assert window.appointments.my_day.current_therapist() == TRACEY
    window.ctx.database.dispose()


def test_an_account_linked_later_opens_on_its_day_at_the_next_sign_in(qtbot, db_url, clock, prompts, ctx, admin, day):
    tracey = create_user(ctx, admin, "tmcquair", "Tracey McQuair", Role.PHYSIOTHERAPIST, therapist_id=TRACEY)
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=tracey)
    qtbot.addWidget(window)
    assert window.appointments.my_day.current_therapist() == TRACEY
    assert [r.id for r in window.appointments.my_day.model.records] == [day["tracey"].id]
    window.ctx.database.dispose()
