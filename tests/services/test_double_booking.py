"""Two front-desk PCs book the same slot at the same moment: exactly one wins.

Two real processes (spawned, each with its own engine on the same database) meet at a barrier
before every round and then book the same therapist at the same time for different patients. The
test runs on a SQLite file (the write lock taken at BEGIN IMMEDIATE decides) and on the PostgreSQL
server (the therapist's row locked FOR UPDATE decides); see tests/services/conftest.py.
"""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from frontdesk.db.models import Appointment
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant
from frontdesk.services.patients import register_patient
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.unit_of_work import UnitOfWork

VAN = ZoneInfo("America/Vancouver")
ROUNDS = 4
FIRST_SLOT = local_instant(date(2026, 11, 30), time(9), VAN)


def _front_desk_pc(db_url, actor, patient_id, type_id, barrier, results) -> None:
    """One PC: for each round wait for the other, then try to book the round's slot."""
    from frontdesk.db.engine import Database
    from frontdesk.services.context import FixedClock, ServiceContext
    from frontdesk.services.errors import Conflict
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.records import BookingRequest

    ctx = ServiceContext(Database(db_url), clock=FixedClock(datetime(2026, 11, 25, 10, tzinfo=VAN)))
    try:
        for round_ in range(ROUNDS):
            start = FIRST_SLOT + timedelta(minutes=30 * round_)
            barrier.wait(timeout=60)
            try:
                record = book_appointment(ctx, actor, BookingRequest(patient_id, 1, type_id, start))
            except Conflict as error:
                results.put((round_, patient_id, "conflict", error.message))
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
                results.put((round_, patient_id, "error", repr(error)))
            else:
                results.put((round_, patient_id, "booked", record.id))
    finally:
        ctx.database.dispose()


def test_two_processes_booking_the_same_slot_only_one_succeeds(ctx, db_url, reception, monkeypatch):
    # The spawned processes import this module by its package name, from the project folder.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    patients = [
        register_patient(ctx, reception, PatientDetails(family_name=family, given_names="Sam",
                                                        date_of_birth=date(1980, 5, day))).id
        for family, day in (("Leung", 1), ("Morin", 2))
    ]
    type_id = next(t.id for t in list_appointment_types(ctx, reception) if t.name == "Physiotherapy treatment")
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_front_desk_pc, args=(db_url, reception, pid, type_id, barrier, results))
        for pid in patients
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in range(2 * ROUNDS)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert [o for o in outcomes if o[2] == "error"] == []
    for round_ in range(ROUNDS):
        this_round = [o for o in outcomes if o[0] == round_]
        assert sorted(o[2] for o in this_round) == ["booked", "conflict"]
        message = next(o[3] for o in this_round if o[2] == "conflict")
        start = (FIRST_SLOT + timedelta(minutes=30 * round_)).astimezone(VAN)
        slot = f"{start.hour}:{start.minute:02d}"
        assert message.startswith("This time is no longer free: Chris Stokes already has an appointment " + slot)
    with UnitOfWork(ctx, None) as uow:
        saved = uow.session.scalar(select(func.count()).select_from(Appointment))
    assert saved == ROUNDS


CHAINED = 15


def _registering_pc(db_url, actor, family, barrier, results) -> None:
    """One PC registering patients as fast as it can, each save writing an audit entry."""
    from frontdesk.db.engine import Database
    from frontdesk.services.context import FixedClock, ServiceContext

    ctx = ServiceContext(Database(db_url), clock=FixedClock(datetime(2026, 11, 25, 10, tzinfo=VAN)))
    try:
        barrier.wait(timeout=60)
        for number in range(CHAINED):
            register_patient(ctx, actor, PatientDetails(family_name=family, given_names=f"Sam {number}",
                                                        date_of_birth=date(1980, 5, 1 + number)),
                             confirmed_new=True)
        results.put((family, "done"))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        results.put((family, repr(error)))
    finally:
        ctx.database.dispose()


def test_two_processes_writing_at_once_keep_one_unbroken_audit_chain(ctx, db_url, reception, monkeypatch):
    from frontdesk.db.models import AuditEvent
    from frontdesk.services.unit_of_work import verify_audit_chain

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    with UnitOfWork(ctx, None) as uow:
        before = uow.session.scalar(select(func.count()).select_from(AuditEvent))
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    processes = [spawn.Process(target=_registering_pc, args=(db_url, reception, family, barrier, results))
                 for family in ("Leung", "Morin")]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    assert outcomes == [("Leung", "done"), ("Morin", "done")]
    with UnitOfWork(ctx, None) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEvent)) >= before + 2 * CHAINED
        assert verify_audit_chain(uow.session) == []
