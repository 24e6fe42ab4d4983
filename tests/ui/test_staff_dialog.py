"""Settings ▸ Physiotherapists and hours… and Settings ▸ Appointment types…: an administrator adds a
physiotherapist and sees the column, edits the week, records time off (warned about bookings), and
edits the kinds of appointment; every model checked by qtmodeltester."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.domain.scheduling import local_instant
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import day_schedule
from frontdesk.services.therapist_time import working_hours
from frontdesk.services.staff import ExceptionKind, list_schedule_exceptions
from frontdesk.services.user_accounts import create_user
from frontdesk.ui.staff.staff_dialog import EXTRA, HOURS, TIME_OFF, StaffDialog
from frontdesk.ui.staff.staff_models import HoursRow, WeeklyHoursModel
from frontdesk.ui.staff.staff_types import AppointmentTypesDialog

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 11, 30)  # the clock stands at Wednesday 2026-11-25 10:00


def at(day: date, hour: int, minute: int = 0):
    return local_instant(day, time(hour, minute), VAN)


def open_from_menu(window, action, dialog_class, monkeypatch, qtbot):
    """Trigger the menu entry; the dialog is shown instead of run modally, so the test can drive it."""
    monkeypatch.setattr(dialog_class, "exec", lambda self: self.show())
    action.trigger()
    dialog = window.findChild(dialog_class)
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


@pytest.fixture
def staff(qtbot, window):
    dialog = StaffDialog(window.ctx, window.actor, window.prompts, window)
    dialog.changed.connect(window.data_changed)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def select(dialog: StaffDialog, name: str) -> None:
    row = next(n for n, t in enumerate(dialog.model.rows) if t.name == name)
    dialog.list.setCurrentIndex(dialog.model.index(row, 0))
    assert dialog.form.therapist.name == name


def test_models_pass_the_model_tester(qtmodeltester, staff, window):
    qtmodeltester.check(staff.model)
    select(staff, "Chris Stokes")
    qtmodeltester.check(staff.hours.model)
    staff.hours.add_block()
    staff.hours.model.setData(staff.hours.model.index(0, WeeklyHoursModel.END), time(15), Qt.EditRole)
    qtmodeltester.check(staff.hours.model)
    staff.hours.remove_block()
    qtmodeltester.check(staff.hours.model)
    staff.pages.setCurrentIndex(TIME_OFF)
    staff.time_off.first_day.setText("2026-12-24")
    staff.time_off.last_day.setText("2027-01-01")
    staff.time_off.add()
    qtmodeltester.check(staff.time_off.model)
    qtmodeltester.check(staff.extra.model)
    types = AppointmentTypesDialog(window.ctx, window.actor, window.prompts, window)
    qtmodeltester.check(types.model)


def test_add_a_physiotherapist_and_see_the_column_in_the_schedule(qtbot, window, monkeypatch):
    window.schedule.go_to(MONDAY)
    before = [c.therapist.name for c in window.schedule.model.columns]
    dialog = open_from_menu(window, window.staff_action, StaffDialog, monkeypatch, qtbot)

    qtbot.keyClick(dialog.focusWidget(), Qt.Key_N, Qt.AltModifier)  # New physiotherapist (an animated click)
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.form.full_name)
    qtbot.keyClicks(dialog.form.full_name, "Mina Okafor")
    qtbot.keyClicks(dialog.form.registration, "BC-4411")
    dialog.form.ims.setChecked(True)
    with qtbot.waitSignal(window.data_changed) as changed:
        qtbot.keyClick(dialog.form.full_name, Qt.Key_Return)
    assert changed.args == [{"therapists"}]

    after = [c.therapist.name for c in window.schedule.model.columns]
    assert after == [*before, "Mina Okafor"]
    assert dialog.pages.currentIndex() == HOURS
    assert "Set their weekly hours" in dialog.message.text()
    assert dialog.form.therapist.ims_qualified_on == window.ctx.today()


def test_a_refused_name_is_shown_beside_the_field(staff):
    staff.start_new()
    staff.form.save()
    assert staff.form.fields["full_name"].error == "Type the physiotherapist's name."
    assert staff.form.fields["full_name"].error_label.isVisibleTo(staff)
    assert not staff.pages.isTabEnabled(HOURS)


def test_weekly_hours_are_checked_row_by_row_then_saved(qtbot, staff, window):
    select(staff, "Tracey McQuair")
    staff.pages.setCurrentIndex(HOURS)
    hours = staff.hours
    monday_morning = hours.model.index(0, WeeklyHoursModel.END)
    hours.model.setData(monday_morning, time(14), Qt.EditRole)  # runs into the 13:00 block
    assert "Overlaps another Monday block" in hours.model.data(hours.model.index(0, WeeklyHoursModel.CHECK))
    assert not hours.save_button.isEnabled()
    assert hours.error.isVisibleTo(staff) and "Row 1" in hours.error.text()

    hours.table.setCurrentIndex(hours.model.index(1, 0))
    hours.remove_block()  # drop the afternoon: Monday becomes 8:00–14:00
    assert hours.save_button.isEnabled()
    hours.table.setCurrentIndex(hours.model.index(0, 0))  # Monday 8:00–14:00
    hours.add_block()  # the same times on the next day where they fit: Saturday
    row = hours.table.currentIndex().row()
    assert hours.model.rows[row] == HoursRow(5, time(8), time(14))
    hours.model.setData(hours.model.index(row, WeeklyHoursModel.START), time(9), Qt.EditRole)
    hours.model.setData(hours.model.index(row, WeeklyHoursModel.END), time(12), Qt.EditRole)
    with qtbot.waitSignal(staff.changed):
        hours.save()
    saved = working_hours(window.ctx, window.actor, staff.form.therapist.id)
    assert [(b.weekday, b.start, b.end) for b in saved if b.weekday in (0, 5)] == [
        (0, time(8), time(14)), (5, time(9), time(12))]
    assert not hours.dirty


@pytest.mark.parametrize(
    ("rows", "like", "added"),
    [
        ([], None, HoursRow(0, time(8), time(12))),
        ([HoursRow(0, time(8), time(12))], HoursRow(0, time(8), time(12)), HoursRow(1, time(8), time(12))),
        ([HoursRow(d, time(8), time(12)) for d in range(5)], HoursRow(4, time(8), time(12)),
         HoursRow(5, time(8), time(12))),
        ([HoursRow(d, time(9), time(17)) for d in range(7)], HoursRow(2, time(9), time(17)),
         HoursRow(2, time(17), time(18))),
    ],
    ids=["empty week", "next day", "after Friday comes Saturday", "full week: after the day's last block"],
)
def test_add_block_suggests_the_next_free_day(qtmodeltester, rows, like, added):
    model = WeeklyHoursModel()
    model.set_rows(rows)
    row = model.add_block(like)
    assert model.rows[row] == added
    assert model.problems == {}
    qtmodeltester.check(model)


def test_the_weekday_is_chosen_from_a_list_in_the_cell(qtbot, staff):
    select(staff, "Tracey McQuair")
    staff.pages.setCurrentIndex(HOURS)
    table = staff.hours.table
    index = staff.hours.model.index(0, WeeklyHoursModel.DAY)
    table.setCurrentIndex(index)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_F2)
    editor = table.indexWidget(index)
    assert editor is not None and editor.count() == 7
    editor.setCurrentIndex(2)
    staff.hours.commit_editing()
    assert staff.hours.model.data(index) == "Wednesday"


def test_time_off_warns_with_the_booked_appointment_and_records_nothing_until_confirmed(staff, window, prompts):
    ctx, actor = window.ctx, window.actor
    anh = register_patient(ctx, actor, PatientDetails(family_name="Nguyen", given_names="Anh",
                                                      date_of_birth=date(1980, 1, 2))).id
    kind = next(t for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
    chris_id = next(t.id for t in staff.model.rows if t.name == "Chris Stokes")
    book_appointment(ctx, actor, BookingRequest(anh, chris_id, kind.id, at(MONDAY, 9)))

    select(staff, "Chris Stokes")
    staff.pages.setCurrentIndex(TIME_OFF)
    panel = staff.time_off
    panel.first_day.setText("2026-11-30")
    panel.reason.setText("Sick day")
    prompts.confirm_answer = False
    panel.add()
    title, message = prompts.infos[-1]
    assert title == "Appointments already booked"
    assert "Chris Stokes has 1 appointment booked in this time" in message
    assert "Monday, November 30 9:00 — Nguyen, Anh (Physiotherapy treatment)" in message
    assert "does not cancel it" in message
    assert list_schedule_exceptions(ctx, actor, chris_id, MONDAY, MONDAY) == []
    assert panel.reason.text() == "Sick day"  # the form keeps what was typed

    prompts.confirm_answer = True
    panel.add()
    [entry] = panel.model.rows
    assert (entry.kind, entry.reason) == (ExceptionKind.TIME_OFF, "Sick day")
    assert [panel.model.data(panel.model.index(0, c)) for c in range(4)] == [
        "Monday, November 30", "Whole day", "Sick day", "Planned"]
    column = next(c for c in day_schedule(ctx, actor, MONDAY).columns if c.therapist.id == chris_id)
    assert column.working == () and column.away[0].reason == "Sick day"
    assert [a.status.value for a in day_schedule(ctx, actor, MONDAY).appointments] == ["booked"]


def test_part_day_time_off_and_its_cancellation(staff, window, prompts):
    select(staff, "Chris Stokes")
    panel = staff.time_off
    panel.whole_days.setChecked(False)
    panel.first_day.setText("2026-12-02")
    panel.start.setTime(panel.start.time().fromString("13:00", "HH:mm"))
    panel.end.setTime(panel.end.time().fromString("12:00", "HH:mm"))
    panel.add()
    assert "The end must be after the start." in panel.error.text()
    panel.end.setTime(panel.end.time().fromString("17:00", "HH:mm"))
    panel.add()
    assert [panel.model.data(panel.model.index(0, c)) for c in range(2)] == [
        "Wednesday, December 2", "13:00–17:00"]

    panel.table.setCurrentIndex(panel.model.index(0, 0))
    panel.cancel_selected()
    assert prompts.infos[-1][0] == "Cancel time off"
    assert panel.model.data(panel.model.index(0, 3)) == "Cancelled"
    assert not panel.cancel_button.isEnabled()


def test_extra_hours_on_a_saturday_open_the_grid(staff, window):
    select(staff, "Chris Stokes")
    staff.pages.setCurrentIndex(EXTRA)
    staff.extra.first_day.setText("2026-12-05")
    staff.extra.add()
    column = next(c for c in day_schedule(window.ctx, window.actor, date(2026, 12, 5)).columns
                  if c.therapist.name == "Chris Stokes")
    assert [(w.start, w.end) for w in column.working] == [(at(date(2026, 12, 5), 9), at(date(2026, 12, 5), 12))]


def test_switching_someone_off_asks_and_removes_the_column(qtbot, staff, window, prompts):
    window.schedule.go_to(MONDAY)
    select(staff, "Alex Schell")
    staff.form.active.setChecked(False)
    prompts.confirm_answer = False
    staff.form.save()
    assert "Switch Alex Schell off?" in prompts.infos[-1][1]
    assert staff.form.dirty
    prompts.confirm_answer = True
    staff.form.save()
    assert "Alex Schell" not in [c.therapist.name for c in window.schedule.model.columns]
    row = staff.model.row_of(staff.form.therapist.id)
    assert staff.model.data(staff.model.index(row, 2)) == "Switched off"


def test_leaving_unsaved_details_asks_first(staff, prompts):
    select(staff, "Chris Stokes")
    staff.form.designation.setText("Physiotherapist")
    prompts.confirm_answer = False
    staff.list.setCurrentIndex(staff.model.index(1, 0))
    assert prompts.infos[-1][0] == "Unsaved changes"
    assert staff.form.therapist.name == "Chris Stokes"
    assert staff.form.designation.text() == "Physiotherapist"


def test_reception_sees_the_admin_entries_greyed(qtbot, db_url, clock, prompts, window):
    desk = create_user(window.ctx, window.actor, "desk", "Reception", Role.RECEPTION)
    from frontdesk.app import create_main_window

    counter = create_main_window(db_url, clock=clock, actor=desk, prompts=prompts)
    qtbot.addWidget(counter)
    assert not counter.staff_action.isEnabled()
    assert not counter.types_action.isEnabled()
    assert window.staff_action.isEnabled() and window.types_action.isEnabled()
    counter.ctx.database.dispose()


def test_appointment_types_add_check_and_change(qtbot, window, monkeypatch):
    dialog = open_from_menu(window, window.types_action, AppointmentTypesDialog, monkeypatch, qtbot)
    dialog.start_new()
    qtbot.keyClicks(dialog.name, "IMS treatment")
    dialog.save()
    assert "already a kind of appointment" in dialog.fields["name"].error

    dialog.name.setText("Taping")
    dialog.duration.setValue(15)
    dialog.fee.setText("forty")
    dialog.save()
    assert "fee per visit in dollars" in dialog.fields["fee_cents"].error
    dialog.fee.setText("$45.5")
    with qtbot.waitSignal(window.data_changed) as changed:
        qtbot.keyClick(dialog.name, Qt.Key_Return)
    assert changed.args == [{"appointment_types"}]
    assert [(t.name, t.duration_minutes, t.fee_cents) for t in dialog.model.rows][-1] == ("Taping", 15, 4550)
    assert dialog.model.data(dialog.model.index(dialog.model.row_of(dialog.current.id), 5)) == "$45.50"
    assert dialog.current.name == "Taping" and not dialog.dirty

    dialog.active.setChecked(False)
    dialog.save()
    assert "Taping" not in [t.name for t in list_appointment_types(window.ctx, window.actor)]
    row = dialog.model.row_of(dialog.current.id)
    assert dialog.model.data(dialog.model.index(row, 3)) == "Switched off"
