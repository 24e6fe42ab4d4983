"""The window's refresh carries typed change sets: no screen spells a kind of change as a string, and a
change made at this desk carries the service's own events (which record, which day) to the other views."""

from __future__ import annotations

import ast
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import frontdesk.ui
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.changes import Change, Changes, Kind
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)
KIND_WORDS = {kind.value for kind in Kind}
#: Where a kind used to be spelled: a set of kinds, `x in changes`, `emit({...})`, `changes.add(...)`,
#: `touches_patient(changes, id, ("patients",))`.
CHANGE_CALLS = {"emit", "add", "made", "touches_patient", "touches_days", "touches_appointment", "Changes"}


def _spelled_kinds(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and node.value in KIND_WORDS):
            continue
        parent = parents.get(node)
        while isinstance(parent, (ast.Tuple, ast.List)):
            parent = parents.get(parent)
        call = parent.func if isinstance(parent, ast.Call) else None
        name = call.attr if isinstance(call, ast.Attribute) else call.id if isinstance(call, ast.Name) else ""
        if isinstance(parent, (ast.Set, ast.Compare)) or name in CHANGE_CALLS:
            found.append((node.lineno, node.value))
    return found


def test_no_screen_spells_a_kind_of_change_as_a_string():
    root = Path(frontdesk.ui.__file__).parent
    spelled = {str(path.relative_to(root)): hits for path in sorted(root.rglob("*.py"))
               if (hits := _spelled_kinds(path.read_text(encoding="utf-8")))}
    assert spelled == {}


def test_the_check_finds_the_old_spellings():
    old = ('self.changed.emit({"appointments"})\nif "therapists" in changes: pass\n'
           'changes.add("patients")\ntouches_patient(changes, 1, ("screenings", "patients"))\n')
    assert sorted(_spelled_kinds(old)) == [(1, "appointments"), (2, "therapists"), (3, "patients"),
                                           (4, "patients"), (4, "screenings")]
    assert _spelled_kinds('self.setObjectName("therapists")\nhelp = {"appointments": 1}') == []


def test_a_status_change_at_this_desk_tells_the_window_which_appointment_and_day(qtbot, window):
    ctx, actor = window.ctx, window.actor
    patient = register_patient(ctx, actor, PatientDetails(family_name="Tsai", given_names="Mei",
                                                          date_of_birth=date(1990, 1, 1)))
    kind = next(t.id for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
    record = book_appointment(ctx, actor, BookingRequest(patient.id, 2, kind,
                                                         datetime.combine(TODAY, time(11), tzinfo=VANCOUVER)))
    window.show()
    window.tabs.setCurrentWidget(window.appointments)
    page = window.appointments.list_page
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page.select_appointment(record.id)
    with qtbot.waitSignal(window.data_changed) as told:
        page.actions.arrived.trigger()
    changes = told.args[0]
    assert isinstance(changes, Changes) and changes == {Kind.APPOINTMENTS} and not changes.remote
    assert changes.events == {Change(Kind.APPOINTMENTS, record.id, patient.id, 2, TODAY)}
