"""Live updates between desks on one SQLite file: two main windows, each on its own connections.

What one desk commits shows at the other through SQLite's change counter (`PRAGMA data_version`,
asked once a second): its day view, its Appointments list, My day and the patient open in Intake;
a form with typing in it gets the "changed at another desk" banner instead.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.app import create_main_window
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.changes import APPOINTMENTS, Change, Changes
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.account_lookup import workstation_actor
from tests.ui.two_desks import WITHIN, shown_window

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY, TOMORROW = date(2026, 11, 25), date(2026, 11, 26)
CHRIS, TRACEY = 1, 2


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=VANCOUVER)


def book(ctx, actor, patient_id, start, therapist=CHRIS):
    type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist, type_id, start))


def register(ctx, actor, family, given, phone=""):
    details = PatientDetails(family_name=family, given_names=given, date_of_birth=date(1980, 1, 2), phone=phone)
    return register_patient(ctx, actor, details, confirmed_new=True)




def in_day_view(window, appointment_id):
    return window.schedule.model.anchor_index(appointment_id).isValid()


def test_a_booking_at_one_desk_shows_in_the_others_day_view_list_and_my_day(desks, qtbot):
    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    second.schedule.go_to(TOMORROW)
    appointments = second.appointments
    second.tabs.setCurrentWidget(appointments)
    my_day = appointments.my_day
    my_day.choose_therapist(CHRIS)
    my_day.go_to(TOMORROW)
    record = book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))

    def everywhere():
        assert in_day_view(second, record.id)
        assert appointments.list_page.model.row_of(record.id) is not None
        assert my_day.model.row_of(record.id) is not None

    qtbot.waitUntil(everywhere, timeout=WITHIN)

    cancel_appointment(first.ctx, first.actor, record.id, record.version, "Patient is unwell")

    def cancelled():
        row = appointments.list_page.model.row_of(record.id)
        assert appointments.list_page.model.records[row].status.value == "cancelled"
        index = second.schedule.model.anchor_index(record.id)
        assert second.schedule.model.appointment_at(index).status.value == "cancelled"

    qtbot.waitUntil(cancelled, timeout=WITHIN)


def test_the_day_view_reloads_only_for_the_day_it_shows_and_keeps_the_selected_cell_and_scroll(desks, qtbot):
    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    second.schedule.go_to(TOMORROW)
    view = second.schedule.view
    cell = second.schedule.model.index(second.schedule.model.rowCount() - 2, 1)
    view.setCurrentIndex(cell)
    view.scrollTo(cell)
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    reloads = []
    reload = second.schedule.reload
    second.schedule.reload = lambda: (reloads.append(1), reload())

    with qtbot.waitSignal(second.live.arrived, timeout=WITHIN):
        book(first.ctx, first.actor, zoe.id, at(date(2026, 11, 27), 9))
    assert reloads == []  # another day: the day shown is left alone

    record = book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))
    qtbot.waitUntil(lambda: in_day_view(second, record.id), timeout=WITHIN)
    assert len(reloads) == 1
    assert view.currentIndex() == cell
    assert view.verticalScrollBar().value() == scrolled


def test_a_desks_own_change_does_not_come_back_to_it_as_anothers(desks, qtbot):
    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    arrived_first, arrived_second = [], []
    first.live.arrived.connect(arrived_first.append)
    second.live.arrived.connect(arrived_second.append)
    record = book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))
    qtbot.waitUntil(lambda: any(APPOINTMENTS in c for c in arrived_second), timeout=WITHIN)
    first.live.check()  # the first desk's own look at the counter: it saw its own commit
    assert arrived_first == []
    (changes,) = [c for c in arrived_second if APPOINTMENTS in c]
    assert changes.remote
    assert Change(APPOINTMENTS, record.id, zoe.id, CHRIS, TOMORROW) in changes.events


def open_in_intake(qtbot, window, patient_id):
    window.tabs.setCurrentIndex(0)
    intake = window.intake
    assert intake.open_patient(patient_id)
    return intake


def test_an_open_patient_without_typing_shows_the_other_desks_change_at_once(desks, qtbot):
    first, second = desks
    mei = register(first.ctx, first.actor, "Tsai", "Mei", "250 555 0101")
    intake = open_in_intake(qtbot, second, mei.id)
    changed = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2),
                             phone="250 555 0199", email="mei@example.org")
    update_patient(first.ctx, first.actor, mei.id, mei.version, changed)
    qtbot.waitUntil(lambda: intake.patient_form.email.text() == "mei@example.org", timeout=WITHIN)
    assert "555-0199" in intake.patient_form.phone.text()
    assert not intake.changed_banner.isVisible()
    assert not intake.has_unsaved_changes()


def type_into(qtbot, widget, text):
    """Type as a person does: focus the field, select what is there, send the keys to the focused widget."""
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    widget.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), text)


@pytest.fixture
def other_desk(db_url, clock):
    """Another connection to the same file, as another desk's services."""
    ctx = open_clinic(db_url, clock=clock)
    yield ctx, workstation_actor(ctx, "counter2")
    ctx.database.dispose()


@pytest.fixture
def window_with_typing(qtbot, db_url, clock, prompts):
    window = shown_window(qtbot, db_url, clock, prompts)
    mei = register(window.ctx, window.actor, "Tsai", "Mei", "250 555 0101")
    intake = open_in_intake(qtbot, window, mei.id)
    type_into(qtbot, intake.patient_form.email, "mei.tsai@example.org")
    assert intake.has_unsaved_changes()
    yield window, intake, mei
    window.live.stop()
    window.ctx.database.dispose()


def their_edit(other_desk, mei):
    ctx, actor = other_desk
    opened = open_patient(ctx, actor, mei.id)
    theirs = PatientDetails(family_name="Tsai", given_names="Mei-Ling", date_of_birth=date(1980, 1, 2),
                            phone="250 555 0199")
    return update_patient(ctx, actor, mei.id, opened.version, theirs)


def test_typing_over_a_record_changed_elsewhere_gets_the_banner_and_reload_shows_theirs(
        window_with_typing, other_desk, qtbot):
    _window, intake, mei = window_with_typing
    their_edit(other_desk, mei)
    banner = intake.changed_banner
    qtbot.waitUntil(banner.isVisible, timeout=WITHIN)
    text = banner.text.text()
    assert text.startswith("⚠ Changed at another desk by counter2 at 10:00")
    assert intake.patient_form.email.text() == "mei.tsai@example.org"  # the typing is still there

    banner.reload_button.click()
    assert not banner.isVisible()
    assert intake.patient_form.given_names.text() == "Mei-Ling"
    assert "555-0199" in intake.patient_form.phone.text()
    assert intake.patient_form.email.text() == ""
    assert not intake.has_unsaved_changes()


@pytest.mark.parametrize("how", ["Keep mine button", "Ctrl+S"])
def test_keep_mine_shows_what_differs_asks_once_and_saves_over_the_new_version(
        window_with_typing, other_desk, qtbot, prompts, how):
    _window, intake, mei = window_with_typing
    theirs = their_edit(other_desk, mei)
    banner = intake.changed_banner
    qtbot.waitUntil(banner.isVisible, timeout=WITHIN)
    prompts.infos.clear()

    if how == "Ctrl+S":
        assert QApplication.focusWidget() is intake.patient_form.email  # still typing there
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier)
    else:
        banner.keep_button.click()

    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "Legal given names: Mei-Ling → Mei" in question
    assert "Phone: (250) 555-0199 → (250) 555-0101" in question
    assert "Email: (empty) → mei.tsai@example.org" in question
    ctx, actor = other_desk
    saved = open_patient(ctx, actor, mei.id)
    assert saved.version == theirs.version + 1
    assert saved.details.email == "mei.tsai@example.org"
    assert saved.details.given_names == "Mei"
    assert not banner.isVisible()
    assert not intake.has_unsaved_changes()


def test_keep_mine_answered_no_saves_nothing_and_keeps_the_banner_and_the_typing(
        window_with_typing, other_desk, qtbot, prompts):
    _window, intake, mei = window_with_typing
    theirs = their_edit(other_desk, mei)
    qtbot.waitUntil(intake.changed_banner.isVisible, timeout=WITHIN)
    prompts.confirm_answer = False
    intake.changed_banner.keep_button.click()
    ctx, actor = other_desk
    assert open_patient(ctx, actor, mei.id).version == theirs.version
    assert intake.changed_banner.isVisible()
    assert intake.patient_form.email.text() == "mei.tsai@example.org"


def test_change_sets_travel_as_payloads_and_a_large_one_asks_for_everything():
    small = Changes([Change(APPOINTMENTS, 7, 3, CHRIS, TOMORROW)])
    origin, back = Changes.from_payload(small.to_payload("desk-a"))
    assert origin == "desk-a" and back.events == small.events and back.remote and back.complete
    many = Changes([Change(APPOINTMENTS, i, i, CHRIS, TOMORROW) for i in range(2000)])
    _origin, everything = Changes.from_payload(many.to_payload("desk-a"))
    assert not everything.complete and APPOINTMENTS in everything and "patients" in everything


def open_move_dialog(qtbot, window, record):
    from frontdesk.ui.schedule.schedule_move import MoveDialog

    window.tabs.setCurrentWidget(window.schedule)
    window.schedule.go_to(record.starts_at.astimezone(VANCOUVER).date())
    window.schedule.select_appointment(record.id)
    window.schedule.move_selected()
    dialog = window.schedule.active_dialog
    assert isinstance(dialog, MoveDialog)
    return dialog


def test_a_move_dialog_open_on_an_appointment_moved_elsewhere_gets_the_banner_and_keep_mine_moves_it_once(
        desks, qtbot, prompts):
    from frontdesk.services.appointments import get_appointment
    from frontdesk.services.booking import reschedule_appointment

    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    record = book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))
    dialog = open_move_dialog(qtbot, second, record)
    dialog.time.setTime(time(14, 0))

    reschedule_appointment(first.ctx, first.actor, record.id, record.version, at(TOMORROW, 11), CHRIS)
    qtbot.waitUntil(dialog.changed_banner.isVisible, timeout=WITHIN)
    assert dialog.changed_banner.text.text().startswith("⚠ Changed at another desk by ")
    prompts.infos.clear()
    dialog.changed_banner.keep_button.click()
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "2026-11-26 11:00" in question and "2026-11-26 14:00" in question
    moved = get_appointment(first.ctx, first.actor, record.id)
    assert moved.starts_at == at(TOMORROW, 14)
    assert moved.version == record.version + 2


def test_a_move_dialog_on_an_appointment_cancelled_elsewhere_says_so_and_reload_shows_it(desks, qtbot):
    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    record = book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))
    dialog = open_move_dialog(qtbot, second, record)
    cancel_appointment(first.ctx, first.actor, record.id, record.version, "Patient is unwell")
    qtbot.waitUntil(dialog.changed_banner.isVisible, timeout=WITHIN)
    assert not dialog.changed_banner.keep_button.isEnabled()
    assert "cancelled now" in dialog.problems.text()
    dialog.changed_banner.reload_button.click()
    assert "(cancelled)" in dialog.summary.text()
    assert not dialog.move_button.isEnabled()


def test_an_open_booking_form_says_at_once_when_its_time_is_taken_at_another_desk(desks, qtbot):
    from frontdesk.services.patients import search_patients
    from frontdesk.ui.schedule.booking_dialog import BookingDialog

    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    mei = register(first.ctx, first.actor, "Tsai", "Mei")
    second.tabs.setCurrentWidget(second.schedule)
    physio = next(t.id for t in list_appointment_types(second.ctx, second.actor)
                  if t.name == "Physiotherapy treatment")
    dialog = BookingDialog(second.ctx, second.actor, second.schedule, start=at(TOMORROW, 9), therapist_id=CHRIS,
                           type_id=physio, patient=search_patients(second.ctx, second.actor, "Tsai")[0])
    second.schedule._open(dialog, lambda: None)
    assert dialog.problems.text() == ""

    book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9))
    qtbot.waitUntil(lambda: "Chris Stokes" in dialog.problems.text(), timeout=WITHIN)
    assert mei.id != zoe.id


def test_the_list_keeps_the_selected_appointment_and_its_scroll_when_another_desk_books(desks, qtbot):
    first, second = desks
    patients = [register(first.ctx, first.actor, f"Family{n}", "Ann") for n in range(24)]
    for n, person in enumerate(patients):
        therapist, first_hour = ((CHRIS, 8), (CHRIS, 13), (TRACEY, 8))[n // 8]
        book(first.ctx, first.actor, person.id, at(TOMORROW, first_hour + (n % 8) // 2, 30 * (n % 2)),
             therapist=therapist)
    second.resize(1024, 500)
    second.tabs.setCurrentWidget(second.appointments)
    second.appointments.pages.setCurrentIndex(0)
    page = second.appointments.list_page
    qtbot.waitUntil(page.table.isVisible)
    qtbot.waitUntil(lambda: page.model.rowCount() == 24, timeout=WITHIN)
    page.table.selectRow(20)
    page.table.verticalScrollBar().setValue(2)  # looking at other rows than the selected one
    chosen, scrolled = page.current_record().id, page.table.verticalScrollBar().value()
    assert scrolled > 0

    late = book(first.ctx, first.actor, patients[0].id, at(TOMORROW, 15), therapist=TRACEY)

    def shown_in_place():
        assert page.model.row_of(late.id) is not None
        assert page.current_record().id == chosen
        assert page.table.verticalScrollBar().value() == scrolled

    qtbot.waitUntil(shown_in_place, timeout=WITHIN)


def test_the_week_view_reloads_for_its_physiotherapists_week_only(desks, qtbot):
    first, second = desks
    zoe = register(first.ctx, first.actor, "Ødegård", "Zoë")
    schedule = second.schedule
    schedule.therapist_combo.setCurrentIndex(schedule.therapist_combo.findData(CHRIS))
    schedule.set_week_mode(True)
    schedule.go_to(TOMORROW)
    reloads = []
    reload = schedule.reload
    schedule.reload = lambda: (reloads.append(1), reload())

    with qtbot.waitSignal(second.live.arrived, timeout=WITHIN):
        book(first.ctx, first.actor, zoe.id, at(TOMORROW, 9), therapist=TRACEY)
    assert reloads == []  # someone else's week

    record = book(first.ctx, first.actor, zoe.id, at(date(2026, 11, 27), 9), therapist=CHRIS)
    qtbot.waitUntil(lambda: in_day_view(second, record.id), timeout=WITHIN)
    assert reloads == [1]


def test_a_change_made_while_the_window_was_opening_is_not_missed(qtbot, db_url, clock, prompts, other_desk):
    ctx, actor = other_desk
    window = create_main_window(db_url, clock=clock, prompts=prompts)  # its first screen is read now
    qtbot.addWidget(window)
    zoe = register(ctx, actor, "Ødegård", "Zoë")
    record = book(ctx, actor, zoe.id, at(TODAY, 14))  # before live updates start, after the first read
    window.show()
    try:
        qtbot.waitUntil(lambda: window.schedule.model.anchor_index(record.id).isValid(), timeout=WITHIN + 1000)
    finally:
        window.live.stop()
        window.ctx.database.dispose()


@pytest.mark.parametrize(("action", "entity", "detail", "kind"), [
    ("view", "patient", {}, None),
    ("print", "document", {}, None),
    ("sign_in", "user", {}, None),
    ("update", "patient", {"fields": ["phone"]}, "patients"),
    ("create", "screening", {}, "screenings"),
    ("sign", "consent", {}, "consents"),
    ("update", "working_hours", {}, "therapists"),
    ("add", "time_off", {"therapist_id": 2}, "therapists"),
    ("update", "clinic_settings", {}, "clinic"),
    ("add", "waitlist_entry", {}, "waitlist"),
    ("move", "appointment", {"before": {"starts_at": "2026-11-26T17:00:00+00:00", "therapist_id": 1},
                             "after": {"starts_at": "2026-11-28T01:00:00+00:00", "therapist_id": 2}}, "appointments"),
])
def test_what_each_trail_entry_means_for_the_views(action, entity, detail, kind):
    from frontdesk.services.changes import changes_of

    found = changes_of(None, VANCOUVER, action, entity, 7, 3, detail)
    assert {c.kind for c in found} == ({kind} if kind else set())
    if action == "move":  # both days show it: the one it left and the one it went to (clinic time)
        assert {(c.day, c.therapist_id) for c in found} == {(TOMORROW, 1), (date(2026, 11, 27), 2)}


def test_a_screening_being_answered_stays_when_another_desk_changes_the_patients_details(
        qtbot, db_url, clock, prompts, other_desk):
    window = shown_window(qtbot, db_url, clock, prompts)
    try:
        mei = register(window.ctx, window.actor, "Tsai", "Mei", "250 555 0101")
        intake = open_in_intake(qtbot, window, mei.id)
        intake.screening_form.planned.areas.findItems("Neck", Qt.MatchExactly)[0].setCheckState(Qt.Checked)
        assert intake.screening_form.is_touched() and not intake._patient_dirty

        their_edit(other_desk, mei)
        qtbot.waitUntil(lambda: intake.patient_form.given_names.text() == "Mei-Ling", timeout=WITHIN)
        assert not intake.changed_banner.isVisible()  # nothing typed in the patient's part: theirs shows at once
        assert intake.screening_form.is_touched()  # the screening being answered is still there
        checked = intake.screening_form.planned.areas.findItems("Neck", Qt.MatchExactly)[0].checkState()
        assert checked == Qt.Checked
    finally:
        window.live.stop()
        window.ctx.database.dispose()


def test_ctrl_shift_r_reloads_theirs_from_the_field_being_typed_in(window_with_typing, other_desk, qtbot):
    """The banner's Reload by keyboard on the Intake tab (whose Alt+letters are all but taken): from the
    field with the typing, where the focus stays while the banner shows."""
    _window, intake, mei = window_with_typing
    their_edit(other_desk, mei)
    qtbot.waitUntil(intake.changed_banner.isVisible, timeout=WITHIN)
    assert intake.changed_banner.reload_button.text() == "Reload (Ctrl+Shift+R)"
    assert intake.changed_banner.keep_button.text() == "Keep mine (Ctrl+S)…"
    assert QApplication.focusWidget() is intake.patient_form.email
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)
    assert not intake.changed_banner.isVisible()
    assert intake.patient_form.given_names.text() == "Mei-Ling"
    assert not intake.has_unsaved_changes()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)  # no banner: nothing
    assert intake.patient_form.given_names.text() == "Mei-Ling"
