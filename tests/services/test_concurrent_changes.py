"""Two front-desk PCs change the same record at the same moment: the second is told, nothing is lost.

Each PC has its own engine (its own connections), as two computers would. The first PC is held
right after its version check, before it writes anything; the second then saves the same version.
The second must wait for the first and then be refused with a `Conflict`, never write over it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.patients import PatientDetails
from frontdesk.services import appointments, patients
from frontdesk.services.appointments import cancel_appointment, get_appointment, mark_arrived
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.errors import Conflict
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types

VAN = ZoneInfo("America/Vancouver")
FIRST_PC = "first-pc"
#: How long the second PC is given to save while the first is held (it must still be waiting).
HOLD_SECONDS = 0.5


@pytest.fixture
def second_pc(db_url, clock):
    other = open_clinic(db_url, clock=clock)
    yield other
    other.database.dispose()


def _hold_first_pc(monkeypatch, module, name, held: threading.Event, release: threading.Event) -> None:
    """Stop the first PC inside `module.name`, which runs after its version check and before any write."""
    original = getattr(module, name)

    def pausing(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == FIRST_PC:
            held.set()
            release.wait(timeout=30)
        return result

    monkeypatch.setattr(module, name, pausing)


def _race(first, second) -> dict[str, object]:
    """Run `first` on its own thread until it is held, then `second`; return each one's outcome."""
    outcomes: dict[str, object] = {}

    def run(label, action):
        try:
            outcomes[label] = action()
        except Exception as error:  # noqa: BLE001 - the test asserts on what was raised
            outcomes[label] = error

    held, release = first.held, first.release
    pc1 = threading.Thread(target=run, args=("first", first), name=FIRST_PC)
    pc2 = threading.Thread(target=run, args=("second", second))
    pc1.start()
    assert held.wait(timeout=30)
    pc2.start()
    pc2.join(timeout=HOLD_SECONDS)
    release.set()
    pc1.join(timeout=30)
    pc2.join(timeout=30)
    return outcomes


class _Held:
    def __init__(self, action) -> None:
        self.action = action
        self.held = threading.Event()
        self.release = threading.Event()

    def __call__(self):
        return self.action()


def test_two_pcs_saving_the_same_patient_the_second_is_refused_and_keeps_its_typing(
        ctx, second_pc, reception, monkeypatch):
    zoe = register_patient(ctx, reception, PatientDetails("Ødegård", "Zoë", date(1984, 5, 6)))
    opened = open_patient(ctx, reception, zoe.id)
    first = _Held(lambda: update_patient(ctx, reception, zoe.id, opened.version,
                                         replace(opened.details, phone="778 555 0101")))
    _hold_first_pc(monkeypatch, patients, "_apply", first.held, first.release)
    typed = replace(opened.details, email="zoe@example.org")

    outcomes = _race(first, lambda: update_patient(second_pc, reception, zoe.id, opened.version, typed))

    assert outcomes["first"].details.phone == "+17785550101"
    refusal = outcomes["second"]
    assert isinstance(refusal, Conflict), refusal
    current, changed = refusal.current
    assert current.details.phone == "+17785550101"
    assert set(changed) == {"phone", "email"}
    saved = open_patient(ctx, reception, zoe.id)
    assert (saved.details.phone, saved.details.email, saved.version) == ("+17785550101", "", opened.version + 1)


def test_two_pcs_changing_the_same_appointment_the_second_is_refused(ctx, second_pc, reception, monkeypatch):
    sam = register_patient(ctx, reception, PatientDetails("Leung", "Sam", date(1980, 5, 1)))
    kind = next(t.id for t in list_appointment_types(ctx, reception) if t.name == "Physiotherapy treatment")
    start = datetime.combine(date(2026, 11, 26), time(9), tzinfo=VAN)
    booked = book_appointment(ctx, reception, BookingRequest(sam.id, 1, kind, start))
    first = _Held(lambda: mark_arrived(ctx, reception, booked.id, booked.version))
    _hold_first_pc(monkeypatch, appointments, "_touch", first.held, first.release)

    outcomes = _race(first, lambda: cancel_appointment(second_pc, reception, booked.id, booked.version,
                                                       reason="Called to cancel"))

    assert outcomes["first"].status.value == "arrived"
    assert isinstance(outcomes["second"], Conflict), outcomes["second"]
    assert "it is now arrived" in outcomes["second"].message
    assert get_appointment(ctx, reception, booked.id).status.value == "arrived"
