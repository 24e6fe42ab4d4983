"""Live updates on a real PostgreSQL server: another desk in another process books, cancels and edits
a patient; this desk's real main window (offscreen) shows each within 2 s in its day view, its list
and the open patient form, and goes on doing so after the server was stopped and started again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from frontdesk.app import create_main_window
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.changes import APPOINTMENTS
from frontdesk.services.patients import register_patient

pytestmark = pytest.mark.postgres

TOMORROW = date(2026, 11, 26)
CHRIS = 1
WITHIN = 2000  # milliseconds


class OtherDesk:
    """tests/ui/other_desk.py in a process of its own, one command at a time."""

    def __init__(self, url: str) -> None:
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root)}
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("other_desk.py")), url],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=root)
        assert self.ask_line() == {"ready": True}

    def ask_line(self) -> dict:
        line = self.process.stdout.readline()
        assert line, "the other desk's process ended"
        return json.loads(line)

    def do(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self.ask_line()
        assert "error" not in answer, answer["error"]
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def desk(qtbot, pg_url, clock, prompts):
    window = create_main_window(pg_url, clock=clock, prompts=prompts)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.live.watch.connected.is_set(), timeout=10000)
    yield window
    window.live.stop()
    window.ctx.database.dispose()


@pytest.fixture
def other_desk(desk, pg_url):
    other = OtherDesk(pg_url)
    yield other
    other.close()


def test_another_process_books_cancels_and_edits_and_this_window_shows_each(desk, other_desk, qtbot,
                                                                             postgres_server):
    details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2),
                             phone="250 555 0101")
    mei = register_patient(desk.ctx, desk.actor, details, confirmed_new=True)
    intake = desk.intake
    desk.tabs.setCurrentWidget(intake)
    assert intake.open_patient(mei.id)
    desk.schedule.go_to(TOMORROW)
    listed = desk.appointments.list_page

    booked = other_desk.do(do="book", patient=mei.id, therapist=CHRIS, day=TOMORROW.isoformat(), hour=9)

    def shown_everywhere():
        assert desk.schedule.model.anchor_index(booked["id"]).isValid()
        assert listed.model.row_of(booked["id"]) is not None

    qtbot.waitUntil(shown_everywhere, timeout=WITHIN)

    other_desk.do(do="cancel", id=booked["id"], version=booked["version"])

    def cancelled():
        index = desk.schedule.model.anchor_index(booked["id"])
        assert desk.schedule.model.appointment_at(index).status.value == "cancelled"
        assert listed.model.records[listed.model.row_of(booked["id"])].status.value == "cancelled"

    qtbot.waitUntil(cancelled, timeout=WITHIN)

    other_desk.do(do="edit", patient=mei.id, set={"email": "mei@example.org"})
    qtbot.waitUntil(lambda: intake.patient_form.email.text() == "mei@example.org", timeout=WITHIN)
    assert not intake.changed_banner.isVisible()

    # The server goes away and comes back: the listener notices, reconnects, and reads everything again.
    postgres_server.stop()
    try:
        qtbot.waitUntil(lambda: not desk.live.watch.connected.is_set(), timeout=10000)
        qtbot.waitUntil(lambda: "cannot be reached" in desk.statusBar().currentMessage(), timeout=WITHIN)
    finally:
        postgres_server.start()
    everything = []
    desk.live.arrived.connect(lambda changes: everything.append(not changes.complete))
    qtbot.waitUntil(lambda: desk.live.watch.connected.is_set() and everything == [True], timeout=15000)
    assert "again" in desk.statusBar().currentMessage()

    again = other_desk.do(do="book", patient=mei.id, therapist=CHRIS, day=TOMORROW.isoformat(), hour=11)
    qtbot.waitUntil(lambda: desk.schedule.model.anchor_index(again["id"]).isValid(), timeout=WITHIN)
    qtbot.waitUntil(lambda: listed.model.row_of(again["id"]) is not None, timeout=WITHIN)


def test_the_banner_on_postgresql_another_connection_edits_the_patient_being_typed_over(
        desk, other_desk, qtbot, prompts):
    from PySide6.QtWidgets import QApplication

    details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2))
    mei = register_patient(desk.ctx, desk.actor, details, confirmed_new=True)
    intake = desk.intake
    desk.tabs.setCurrentWidget(intake)
    assert intake.open_patient(mei.id)
    field = intake.patient_form.phone
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClicks(QApplication.focusWidget(), "250 555 0177")

    theirs = other_desk.do(do="edit", patient=mei.id, set={"email": "mei@example.org"})
    qtbot.waitUntil(intake.changed_banner.isVisible, timeout=WITHIN)
    assert "by counter2 at 10:00" in intake.changed_banner.text.text()

    intake.changed_banner.keep_button.click()
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "Email: mei@example.org → (empty)" in question
    assert "Phone: (empty) → (250) 555-0177" in question
    assert intake.patient.version == theirs["version"] + 1
    assert intake.patient.details.phone == "+12505550177"


def test_a_change_set_is_sent_in_the_same_transaction_as_the_change(pg_url, clock):
    """Nothing is announced for a unit of work that rolls back; a committed one is heard by a listener."""
    import threading

    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.changes import ChangeWatch
    from frontdesk.services.unit_of_work import UnitOfWork
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(pg_url, clock=clock)
    listener_ctx = open_clinic(pg_url, clock=clock)
    actor = workstation_actor(ctx)
    heard = []
    got = threading.Event()
    watch = ChangeWatch(listener_ctx)
    watch.start_listening(lambda changes: (heard.append(changes), got.set()))
    try:
        assert watch.connected.wait(10)
        with UnitOfWork(ctx, actor, write=True) as uow:
            uow.audit("status", "appointment", 999, patient_id=5)
            # left without commit: rolled back
        details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2))
        mei = register_patient(ctx, actor, details, confirmed_new=True)
        assert got.wait(5)
        (changes,) = heard
        assert changes.remote and "patients" in changes and APPOINTMENTS not in changes
        assert [e.patient_id for e in changes.events] == [mei.id]
    finally:
        watch.stop()
        ctx.database.dispose()
        listener_ctx.database.dispose()



def test_a_change_made_while_the_window_was_opening_is_not_missed_on_the_server(qtbot, pg_url, clock, prompts):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.records import BookingRequest
    from frontdesk.services.schedule import list_appointment_types
    from frontdesk.services.account_lookup import workstation_actor

    window = create_main_window(pg_url, clock=clock, prompts=prompts)  # its first screen is read now
    qtbot.addWidget(window)
    other = open_clinic(pg_url, clock=clock)
    try:
        actor = workstation_actor(other, "counter2")
        details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2))
        mei = register_patient(other, actor, details, confirmed_new=True)
        kind = next(t.id for t in list_appointment_types(other, actor) if t.name == "Physiotherapy treatment")
        start = datetime.combine(date(2026, 11, 25), time(14), tzinfo=ZoneInfo("America/Vancouver"))
        record = book_appointment(other, actor, BookingRequest(mei.id, CHRIS, kind, start))
        window.show()  # listening starts only now
        qtbot.waitUntil(lambda: window.schedule.model.anchor_index(record.id).isValid(), timeout=5000)
    finally:
        window.live.stop()
        window.ctx.database.dispose()
        other.database.dispose()


def test_the_admin_forms_banner_on_postgresql_another_process_saves_the_physiotherapist_being_typed_over(
        desk, other_desk, qtbot, prompts, monkeypatch):
    """Settings ▸ Physiotherapists and hours… open at this desk, the designation being typed over; another
    process saves Chris Stokes's registration number: the banner within 2 s, Ctrl+S lists what differs and
    saves over their version."""
    from PySide6.QtWidgets import QApplication

    from frontdesk.services.staff import list_all_therapists
    from frontdesk.ui.staff.staff_dialog import StaffDialog
    from keyboard import Keys

    monkeypatch.setattr(StaffDialog, "exec", lambda self: self.show())
    desk.staff_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, StaffDialog) and w.isVisible())
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    assert dialog.form.therapist.id == CHRIS
    field = dialog.form.designation
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    keys = Keys(qtbot)
    keys.press("Ctrl+A")
    keys.type("Senior physiotherapist")

    theirs = other_desk.do(do="therapist", therapist=CHRIS, set={"registration_number": "PT-90210"})
    banner = dialog.form.changed_banner
    qtbot.waitUntil(banner.isVisible, timeout=WITHIN)
    assert f"by {desk.actor.display_name} at 10:00" in banner.text.text()
    prompts.infos.clear()
    keys.press("Ctrl+S")
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "• Designation: Registered Physiotherapist → Senior physiotherapist" in question
    assert "• College registration number: PT-90210 → (empty)" in question  # the whole form is mine
    saved = next(t for t in list_all_therapists(desk.ctx, desk.actor) if t.id == CHRIS)
    assert (saved.version, saved.designation, saved.registration_number) == (
        theirs["version"] + 1, "Senior physiotherapist", "")


def test_a_slot_another_process_frees_is_offered_in_this_windows_waitlist_panel(desk, other_desk, qtbot):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from frontdesk.services.schedule import list_appointment_types
    from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist

    details = PatientDetails(family_name="Okafor", given_names="Ben", date_of_birth=date(1980, 1, 2))
    ben = register_patient(desk.ctx, desk.actor, details, confirmed_new=True)
    anh = register_patient(desk.ctx, desk.actor, PatientDetails(family_name="Nguyen", given_names="Anh",
                                                                date_of_birth=date(1981, 3, 4)), confirmed_new=True)
    kind = next(t for t in list_appointment_types(desk.ctx, desk.actor) if t.name == "Physiotherapy treatment")
    add_to_waitlist(desk.ctx, desk.actor, WaitlistRequest(anh.id, kind.id, date(2026, 11, 25)))
    booked = other_desk.do(do="book", patient=ben.id, therapist=CHRIS, day=TOMORROW.isoformat(), hour=9)
    other_desk.do(do="cancel", id=booked["id"], version=booked["version"])

    qtbot.waitUntil(lambda: desk.waitlist.dock.isVisible(), timeout=WITHIN)
    panel = desk.waitlist.panel
    assert "Nguyen, Anh" in panel.list.item(0).text()
    start = datetime.combine(TOMORROW, time(9), ZoneInfo("America/Vancouver"))
    assert panel.offers.starts_at == start and panel.offers.therapist_id == CHRIS
