"""The Schedule tab: book from the grid, cancel and see it struck through, move by keyboard and by
drop, find the next free slot and book it, plan a series; every model checked by qtmodeltester."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, Qt

from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import day_schedule, list_therapists
from frontdesk.ui.schedule.booking_dialog import BookingDialog
from frontdesk.ui.schedule.booking_find import FindSlotDialog
from frontdesk.ui.schedule.schedule_grid import APPOINTMENT_ROLE, BOOKABLE_ROLE
from frontdesk.ui.schedule.schedule_move import MoveDialog
from frontdesk.ui.schedule.schedule_tab import ScheduleTab

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0):
    return local_instant(day, time(hour, minute), VAN)


@pytest.fixture
def anh(ctx, reception):
    return register_patient(ctx, reception, PatientDetails(family_name="Nguyen", given_names="Anh",
                                                           date_of_birth=date(1980, 1, 2))).id


@pytest.fixture
def tab(qtbot, ctx, reception, prompts, anh):
    widget = ScheduleTab(ctx, reception, prompts)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    widget.go_to(MONDAY)
    return widget


def types_by_name(ctx, actor):
    return {t.name: t for t in list_appointment_types(ctx, actor)}


def cell(tab, therapist_index: int, hour: int, minute: int = 0):
    therapist = tab.model.columns[therapist_index].therapist
    return tab.model.index_at(therapist.id, at(tab.day, hour, minute))


def pick_patient(qtbot, picker, text: str) -> None:
    qtbot.keyClicks(picker.box, text)
    picker.search_now()
    qtbot.keyClick(picker.box, Qt.Key_Return)
    assert picker.patient_id is not None


def test_models_pass_the_model_tester(qtmodeltester, tab, ctx, reception, anh):
    qtmodeltester.check(tab.model)
    book_appointment(ctx, reception, BookingRequest(anh, 1, types_by_name(ctx, reception)["Physiotherapy treatment"].id,
                                                    at(MONDAY, 9)))
    tab.reload()
    qtmodeltester.check(tab.model)
    tab.set_week_mode(True)
    qtmodeltester.check(tab.model)


def test_book_from_a_free_cell_then_cancel_it(qtbot, tab, ctx, reception):
    index = cell(tab, 0, 9)
    assert index.data(BOOKABLE_ROLE)
    tab.view.setCurrentIndex(index)
    qtbot.keyClick(tab.view, Qt.Key_Return)
    dialog = tab.active_dialog
    assert isinstance(dialog, BookingDialog)
    pick_patient(qtbot, dialog.patient, "nguy")
    dialog.type.setCurrentIndex(dialog.type.findText("Physiotherapy treatment (30 min)"))
    assert dialog.ends.text() == "ends 9:30 (30 min)"
    assert dialog.problems.text() == ""
    with qtbot.waitSignal(tab.changed) as changed:
        qtbot.mouseClick(dialog.book_button, Qt.LeftButton)
    assert changed.args == [{"appointments"}]

    block = tab.model.index_at(tab.model.columns[0].therapist.id, at(MONDAY, 9))
    record = block.data(APPOINTMENT_ROLE)
    assert record.patient_name == "Nguyen, Anh"
    assert "9:00  Nguyen, Anh" in block.data(Qt.DisplayRole)
    assert tab.view.rowSpan(block.row(), block.column()) == 2

    from frontdesk.services.appointments import cancel_appointment

    cancel_appointment(ctx, reception, record.id, record.version, "Patient is unwell")
    tab.refresh({"appointments"})
    block = tab.model.index_at(tab.model.columns[0].therapist.id, at(MONDAY, 9))
    cancelled = block.data(APPOINTMENT_ROLE)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert block.data(Qt.DisplayRole).splitlines()[1].startswith("Cancelled")
    assert block.data(Qt.BackgroundRole).color().name() == "#f2f2f2"
    # the cancelled block no longer holds the slot: booking over it is allowed
    assert tab.model.flags(block) & Qt.ItemIsDropEnabled


def test_out_of_hours_cell_is_not_bookable(qtbot, tab):
    index = cell(tab, 0, 12, 15)
    assert not index.data(BOOKABLE_ROLE)
    tab.view.setCurrentIndex(index)
    qtbot.keyClick(tab.view, Qt.Key_Return)
    assert tab.active_dialog is None
    assert "Chris Stokes is not working at 12:15" in tab.message.text()


def test_keyboard_navigation_between_days(qtbot, tab, ctx):
    qtbot.keyClick(tab.view, Qt.Key_PageDown)
    assert tab.day == MONDAY + timedelta(days=1)
    qtbot.keyClick(tab.view, Qt.Key_Left, Qt.ControlModifier)
    qtbot.keyClick(tab.view, Qt.Key_Left, Qt.ControlModifier)
    assert tab.day == MONDAY - timedelta(days=1)
    qtbot.keyClick(tab.view, Qt.Key_T, Qt.ControlModifier)
    assert tab.day == ctx.today()
    assert "(today)" in tab.title.text()
    qtbot.keyClick(tab.view, Qt.Key_2, Qt.ControlModifier)
    assert tab.week_mode and tab.model.columnCount() == 7
    qtbot.keyClick(tab.view, Qt.Key_PageDown)
    assert tab.day == ctx.today() + timedelta(days=7)


def test_move_with_the_keyboard_and_by_drop(qtbot, tab, ctx, reception, anh):
    physio = types_by_name(ctx, reception)["Physiotherapy treatment"]
    record = book_appointment(ctx, reception, BookingRequest(anh, 1, physio.id, at(MONDAY, 9)))
    tab.reload()
    tab.select_appointment(record.id)
    qtbot.keyClick(tab.view, Qt.Key_M, Qt.ControlModifier)
    dialog = tab.active_dialog
    assert isinstance(dialog, MoveDialog)
    dialog.time.setTime(dialog.time.time().addSecs(3600))
    with qtbot.waitSignal(tab.changed):
        qtbot.mouseClick(dialog.move_button, Qt.LeftButton)
    moved = tab.model.index_at(1, at(MONDAY, 10)).data(APPOINTMENT_ROLE)
    assert moved.id == record.id and moved.starts_at == at(MONDAY, 10)

    source = tab.model.anchor_index(record.id)
    target = cell(tab, 1, 14)
    data = tab.model.mimeData([source])
    assert tab.model.canDropMimeData(data, Qt.MoveAction, -1, -1, target)
    with qtbot.waitSignal(tab.changed):
        tab.model.dropMimeData(data, Qt.MoveAction, -1, -1, target)
    dropped = tab.model.index_at(tab.model.columns[1].therapist.id, at(MONDAY, 14)).data(APPOINTMENT_ROLE)
    assert dropped.id == record.id and dropped.therapist_name == "Tracey McQuair"
    # not onto grey cells
    assert not tab.model.canDropMimeData(tab.model.mimeData([tab.model.anchor_index(record.id)]), Qt.MoveAction,
                                         -1, -1, cell(tab, 1, 12, 30))


def test_find_next_available_books_a_truly_free_slot(qtbot, qtmodeltester, tab, ctx, reception, anh):
    physio = types_by_name(ctx, reception)["Physiotherapy treatment"]
    therapists = list_therapists(ctx, reception)
    for n, therapist in enumerate(therapists):
        other = register_patient(ctx, reception, PatientDetails(family_name=f"Busy{n}", given_names="Pat",
                                                                date_of_birth=date(1970, 1, n + 1))).id
        book_appointment(ctx, reception, BookingRequest(other, therapist.id, physio.id, at(MONDAY, 8)))
    tab.go_to(MONDAY)
    qtbot.keyClick(tab.view, Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
    dialog = tab.active_dialog
    assert isinstance(dialog, FindSlotDialog)
    dialog.type.setCurrentIndex(dialog.type.findText("Physiotherapy treatment (30 min)"))
    assert dialog.from_date.date().toPython() == ctx.today()  # starts from today
    dialog.from_date.edit.selectAll()
    qtbot.keyClicks(dialog.from_date.edit, "Nov 30")  # a typed date is taken
    qtbot.keyClick(dialog.from_date.edit, Qt.Key_Return)  # Enter on the form searches
    assert dialog.from_date.date().toPython() == MONDAY
    pick_patient(qtbot, dialog.patient, "nguyen")
    assert dialog.bookings.text() == "No appointments yet."
    qtbot.mouseClick(dialog.search_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and dialog.search_button.isEnabled())
    qtmodeltester.check(dialog.model)
    first = dialog.model.rows[0]
    assert first.starts_at == at(MONDAY, 8, 30)
    qtbot.keyClick(dialog.table, Qt.Key_Return)  # Enter on a slot fills in the booking form
    qtbot.waitUntil(lambda: isinstance(tab.active_dialog, BookingDialog))
    form = tab.active_dialog
    assert form.request().starts_at == at(MONDAY, 8, 30) and form.request().patient_id == anh
    with qtbot.waitSignal(tab.changed):
        qtbot.keyClick(form.book_button, Qt.Key_Return)  # where Enter books
    booked = tab.model.anchor_index(form.booked[0].id).data(APPOINTMENT_ROLE)
    assert booked.starts_at == at(MONDAY, 8, 30)
    everyone = day_schedule(ctx, reception, MONDAY).appointments
    same_therapist = [a for a in everyone if a.therapist_id == booked.therapist_id and a.id != booked.id]
    assert not any(a.interval.overlaps(booked.interval) for a in same_therapist)


def test_refused_ims_booking_offers_the_first_allowed_date(qtbot, tab, ctx, reception, anh):
    from frontdesk.domain.areas import BodyArea, Region, Side
    from frontdesk.domain.screening import ScreeningAnswers, Surgery
    from frontdesk.services.screenings import record_screening

    knee = BodyArea(Region.knee, Side.left)
    answers = {"cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
               "autoimmune": "none", "osteoporosis": "none", "had_surgery": "yes", "bleeding_risk": "no",
               "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
               "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no"}
    record_screening(ctx, reception, anh, ScreeningAnswers(answers, (Surgery(date(2026, 11, 2), knee),), (knee,)))
    tab.view.setCurrentIndex(cell(tab, 0, 9))
    qtbot.keyClick(tab.view, Qt.Key_B, Qt.ControlModifier)
    dialog = tab.active_dialog
    pick_patient(qtbot, dialog.patient, "anh")
    dialog.type.setCurrentIndex(dialog.type.findText("IMS treatment (30 min)"))
    dialog.area.setCurrentIndex(dialog.area.findData(knee.key))
    assert dialog.find_from.isVisible()
    assert dialog.find_from.text() == "&Find a slot from February 2, 2027"
    with qtbot.assertNotEmitted(tab.changed):
        qtbot.mouseClick(dialog.book_button, Qt.LeftButton)
    assert dialog.isVisible()
    assert "February 2, 2027" in dialog.problems.text()


def test_series_with_a_clash_is_listed_then_booked_with_the_move(qtbot, qtmodeltester, tab, ctx, reception, anh):
    physio = types_by_name(ctx, reception)["Physiotherapy treatment"]
    other = register_patient(ctx, reception, PatientDetails(family_name="Okafor", given_names="Ben",
                                                            date_of_birth=date(1975, 6, 7))).id
    book_appointment(ctx, reception, BookingRequest(other, 1, physio.id, at(MONDAY + timedelta(weeks=1), 9)))
    dialog = BookingDialog(ctx, reception, tab, start=at(MONDAY, 9), therapist_id=1, type_id=physio.id)
    qtbot.addWidget(dialog)
    pick_patient(qtbot, dialog.patient, "nguyen")
    dialog.repeat.setChecked(True)
    dialog.count.setValue(3)
    dialog.accept()  # first press plans and shows the dates
    qtmodeltester.check(dialog.occurrences)
    rows = [dialog.occurrences.index(r, 3).data() for r in range(3)]
    assert rows == ["Book", "Move to 9:30–10:00", "Book"]
    dialog.plan_table.setCurrentIndex(dialog.occurrences.index(1, 3))
    qtbot.keyClick(dialog.plan_table, Qt.Key_Space)
    assert dialog.occurrences.index(1, 3).data() == "Skip"
    qtbot.keyClick(dialog.plan_table, Qt.Key_Space)
    dialog.accept()
    assert len(dialog.booked) == 3
    assert len({r.series_id for r in dialog.booked}) == 1
    assert [r.starts_at.astimezone(VAN).time() for r in dialog.booked] == [time(9), time(9, 30), time(9)]


def test_patient_picker_model(qtmodeltester, qtbot, ctx, reception, anh):
    from frontdesk.ui.common.patient_picker import PatientPicker

    picker = PatientPicker(ctx, reception)
    qtbot.addWidget(picker)
    picker.box.setText("Nguyen")
    picker.search_now()
    qtmodeltester.check(picker.model)
    assert picker.model.rowCount() == 1
    assert picker.model.index(0).data().startswith("Nguyen, Anh")
    assert picker.model.rowCount(picker.model.index(0)) == 0
    assert QModelIndex().isValid() is False


def test_screenshot_of_a_busy_day(qtbot, tab, ctx, reception, anh, tmp_path):
    physio = types_by_name(ctx, reception)["Physiotherapy treatment"]
    for n, hour in enumerate((8, 9, 10, 13, 14)):
        someone = register_patient(ctx, reception, PatientDetails(family_name=f"Family{n}", given_names="Pat",
                                                                  date_of_birth=date(1970, 1, n + 1))).id
        book_appointment(ctx, reception, BookingRequest(someone, 1 + n % 3, physio.id, at(MONDAY, hour)))
    tab.reload()
    image = tab.grab()
    assert not image.isNull() and image.width() >= 1000
    image.save(str(tmp_path / "schedule.png"))


@pytest.mark.parametrize("direction", [Qt.LeftToRight, Qt.RightToLeft])
def test_the_grid_paints_each_cell_as_the_legend_says(qtbot, tab, ctx, admin, reception, anh, direction):
    """Free cells white, hours off grey, time off hatched, a booking in the therapist's colour, the
    selected cell framed: read back from the painted pixels, in either layout direction."""
    tab.setLayoutDirection(direction)
    from frontdesk.services.therapist_time import add_time_off
    from frontdesk.ui.schedule.schedule_grid import tint

    chris = tab.model.columns[0].therapist
    book_appointment(ctx, reception, BookingRequest(anh, chris.id, types_by_name(ctx, reception)[
        "Physiotherapy treatment"].id, at(MONDAY, 9)))
    add_time_off(ctx, admin, chris.id, at(MONDAY, 14), at(MONDAY, 15), "Course")
    tab.resize(1200, 1000)
    tab.reload()
    view = tab.view
    view.setCurrentIndex(cell(tab, 0, 10, 30))
    view.scrollTo(cell(tab, 0, 8), view.ScrollHint.PositionAtTop)
    assert view.viewport().rect().contains(view.visualRect(cell(tab, 0, 14, 45)))
    image = view.viewport().grab().toImage()

    def colour_inside(index, dx=0.5, dy=0.5):
        rect = view.visualRect(index)
        return image.pixelColor(rect.left() + int(rect.width() * dx), rect.top() + int(rect.height() * dy)).name()

    assert colour_inside(cell(tab, 0, 11)) == "#ffffff"          # free
    assert colour_inside(cell(tab, 0, 12, 15)) == "#e4e4e4"      # lunch: not working
    away = {colour_inside(cell(tab, 0, 14, 15), dx, dy) for dx in (0.3, 0.5, 0.7) for dy in (0.2, 0.5, 0.8)}
    assert away <= {"#f1e3c6", "#d9c39a"} and len(away) == 2    # time off: hatched
    booked = cell(tab, 0, 9)
    assert view.rowSpan(booked.row(), booked.column()) == 2
    assert colour_inside(booked, 0.9, 0.9) == tint(chris.colour).name()
    selected = view.visualRect(cell(tab, 0, 10, 30))
    frame = image.pixelColor(selected.left() + 1, selected.center().y()).name()
    assert frame == view.palette().highlight().color().name()
    assert colour_inside(cell(tab, 0, 10, 30)) == "#ffffff"
