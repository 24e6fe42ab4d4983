from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import get_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.ui.appointments.appointment_actions import CancelDialog
from frontdesk.ui.appointments.appointment_model import AppointmentTableModel, Column
from frontdesk.ui.appointments.appointments_tab import AppointmentsTab

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY, TOMORROW = date(2026, 11, 25), date(2026, 11, 26)
CHRIS, TRACEY = 1, 2


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=VANCOUVER)


def book(ctx, actor, patient_id, start, therapist=CHRIS, kind="Physiotherapy treatment"):
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == kind)
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist, type_id, start))


def patient(ctx, actor, family, given, phone=""):
    details = PatientDetails(family_name=family, given_names=given, date_of_birth=date(1980, 1, 2), phone=phone)
    return register_patient(ctx, actor, details, confirmed_new=True)


@pytest.fixture
def booked(ctx, reception):
    zoe = patient(ctx, reception, "Ødegård", "Zoë", "250 555 0101")
    mei = patient(ctx, reception, "Tsai", "Mei")
    return {
        "zoe": book(ctx, reception, zoe.id, at(TOMORROW, 9)),
        "mei": book(ctx, reception, mei.id, at(TOMORROW, 10), therapist=TRACEY),
        "mei_ims": book(ctx, reception, mei.id, at(date(2026, 11, 27), 8), therapist=TRACEY),
    }


@pytest.fixture
def tab(qtbot, ctx, reception, prompts, booked):
    widget = AppointmentsTab(ctx, reception, prompts)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


class AnsweringCancelDialog(CancelDialog):
    """The real dialog, answered as a receptionist would and accepted without a modal loop."""

    reason = "Patient is unwell"

    def exec(self):
        self.reason.setEditText(AnsweringCancelDialog.reason)
        self.accept()
        return self.result() == QDialog.Accepted


def rows(model):
    return [(model.data(model.index(r, model.columns.index(Column.PATIENT))),
             model.data(model.index(r, model.columns.index(Column.STATUS)))) for r in range(model.rowCount())]


def test_the_list_shows_the_coming_appointments_in_time_order(tab, qtmodeltester):
    page = tab.list_page
    qtmodeltester.check(page.model)
    assert rows(page.model) == [("Ødegård, Zoë", "Booked"), ("Tsai, Mei", "Booked"), ("Tsai, Mei", "Booked")]
    assert page.count_label.text() == "3 appointments"
    assert page.model.data(page.model.index(0, 1)) == "9:00\u20139:30"


def test_after_cancelling_the_appointment_stays_listed_as_cancelled(tab, qtbot, prompts, booked, ctx, reception):
    page = tab.list_page
    page.actions.cancel_dialog = AnsweringCancelDialog
    assert page.select_appointment(booked["zoe"].id)
    assert page.actions.cancel.isEnabled()
    with qtbot.waitSignal(tab.changed) as emitted:
        page.actions.cancel.trigger()
    assert emitted.args == [{"appointments"}]
    assert prompts.errors == []
    assert rows(page.model)[0] == ("Ødegård, Zoë", "Cancelled (late)")
    record = get_appointment(ctx, reception, booked["zoe"].id)
    assert (record.status, record.cancel_reason, record.late_cancellation) == (
        AppointmentStatus.CANCELLED, "Patient is unwell", True)
    assert "Cancelled (late cancellation): Patient is unwell" in page.detail.history.text()
    assert not page.actions.cancel.isEnabled() and page.actions.undo.isEnabled()


def test_the_cancel_dialog_says_late_and_wants_a_reason(qtbot, ctx, booked):
    dialog = CancelDialog(ctx, booked["zoe"])
    qtbot.addWidget(dialog)
    assert "late cancellation" in dialog.findChild(type(dialog.error), "late_notice").text()
    dialog.accept()
    assert dialog.result() != QDialog.Accepted and dialog.error.isVisibleTo(dialog)
    later = CancelDialog(ctx, booked["mei_ims"])
    qtbot.addWidget(later)
    assert "not a late cancellation" in later.findChild(type(later.error), "late_notice").text()


def test_arrived_completed_and_undo_from_the_keyboard(tab, qtbot, booked, prompts):
    page = tab.list_page
    page.select_appointment(booked["zoe"].id)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key_A, Qt.ControlModifier | Qt.ShiftModifier)
    assert rows(page.model)[0][1] == "Arrived"
    qtbot.keyClick(page.table, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    assert rows(page.model)[0][1] == "Completed"
    qtbot.keyClick(page.table, Qt.Key_Z, Qt.ControlModifier)
    assert rows(page.model)[0][1] == "Arrived"
    assert prompts.errors == []
    assert "Undo: completed changed back to arrived" in page.detail.history.text()


def test_a_no_show_is_not_offered_before_the_start(tab, booked):
    page = tab.list_page
    page.select_appointment(booked["zoe"].id)
    assert not page.actions.no_show.isEnabled()
    assert "start time" in page.actions.no_show.toolTip()


def test_a_clash_with_someone_elses_change_is_explained_and_reloads(tab, ctx, admin, prompts, booked):
    from frontdesk.services.appointments import mark_arrived

    page = tab.list_page
    page.select_appointment(booked["zoe"].id)
    mark_arrived(ctx, admin, booked["zoe"].id, booked["zoe"].version)  # at the other front-desk PC
    page.actions.arrived.trigger()
    assert prompts.errors and "Someone else changed" in prompts.errors[-1][1]
    assert rows(page.model)[0][1] == "Arrived"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: p.patient.setText("tsai"), [("Tsai, Mei", "Booked")] * 2),
        (lambda p: p.patient.setText("250 555"), [("Ødegård, Zoë", "Booked")]),
        (lambda p: p.therapist.setCurrentIndex(p.therapist.findData(CHRIS)), [("Ødegård, Zoë", "Booked")]),
        (lambda p: p.date_to.set_date(p.date_from.date() + timedelta(days=1)), [("Ødegård, Zoë", "Booked"),
                                                                                 ("Tsai, Mei", "Booked")]),
        (lambda p: p.status.setCurrentIndex(p.status.findText("Cancelled")), []),
    ],
)
def test_filters_narrow_the_rows(tab, qtmodeltester, setup, expected):
    page = tab.list_page
    setup(page)
    page.apply_filter()
    assert rows(page.model) == expected
    qtmodeltester.check(page.model)


def test_typing_a_name_filters_after_a_pause(tab, qtbot):
    page = tab.list_page
    page.patient.setText("zoe")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert rows(page.model) == [("Ødegård, Zoë", "Booked")]


def test_the_model_reads_page_by_page(qtbot, qtmodeltester, ctx, reception, booked):
    from frontdesk.services.appointments import AppointmentFilter, list_appointments

    calls = []

    def loader(after, limit):
        calls.append(after)
        return list_appointments(ctx, reception, AppointmentFilter(), limit=limit, after=after)

    model = AppointmentTableModel(ctx.zone, page_size=2)
    model.set_loader(loader)
    assert model.rowCount() == 2 and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 3 and not model.canFetchMore(QModelIndex())
    assert calls == [None, (booked["mei"].starts_at, booked["mei"].id)]
    qtmodeltester.check(model)


def test_exports_write_the_chosen_file(qtbot, tab, monkeypatch, tmp_path, prompts):
    page = tab.list_page
    target = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(page.export_csv_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: prompts.infos[-1:] == [("Export CSV", f"The appointments were saved to {target}.")])
    assert page.export_csv_button.isEnabled()
    text = target.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Date,Start,End,Patient")
    assert "Ødegård, Zoë" in text
    qtbot.mouseClick(page.export_ics_button, Qt.LeftButton)
    assert "choose one" in prompts.errors[-1][1]
    page.therapist.setCurrentIndex(page.therapist.findData(TRACEY))
    page.apply_filter()
    calendar = tmp_path / "tracey.ics"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(calendar), ""))
    qtbot.mouseClick(page.export_ics_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: prompts.infos[-1][0] == "Export calendar")
    assert calendar.read_bytes().count(b"BEGIN:VEVENT") == 2


def test_an_export_to_a_folder_that_is_not_there_says_so_and_can_be_tried_again(qtbot, tab, monkeypatch, tmp_path,
                                                                                  prompts):
    page = tab.list_page
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "gone" / "out.csv"), ""))
    qtbot.mouseClick(page.export_csv_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(prompts.errors))
    assert prompts.errors == [("Export CSV", "The file could not be saved (No such file or directory). "
                                             "Choose another folder and try again.")]
    assert prompts.infos == [] and page.export_csv_button.isEnabled()


def test_the_appointments_tab_in_the_main_window(window):
    tab = window.appointments
    assert [tab.pages.tabText(i).replace("&", "") for i in range(tab.pages.count())] == [
        "All appointments", "My day"]
