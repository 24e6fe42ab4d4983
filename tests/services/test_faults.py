"""The faults a small clinic actually has: a killed process, a locked file, a full disk, a server
that goes away. Each ends in a plain message or a clean recovery, never lost or half-written data."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event, func, select

from frontdesk.db.models import Appointment, AuditEvent, Patient
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.errors import DatabaseBusy, DatabaseUnavailable, StorageFull
from frontdesk.services.database_check import check_database
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.account_lookup import workstation_actor

ZOE = PatientDetails("Ødegård", "Zoë", date(1984, 5, 6), phone="778 555 0101", notes="Left shoulder.")

BOOKING_STREAM = textwrap.dedent(
    """
    import sys
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from frontdesk.domain.patients import PatientDetails
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.patients import register_patient
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(sys.argv[1])
    actor = workstation_actor(ctx, "owner")
    try:
        from frontdesk.services.booking import book_appointment
        from frontdesk.services.records import BookingRequest
        from frontdesk.services.schedule import list_appointment_types
    except ImportError:
        book_appointment = None
    if book_appointment is None:
        n = 0
        while True:
            n += 1
            record = register_patient(ctx, actor, PatientDetails(f"Stream{n}", "Pat", date(1980, 1, 1)),
                                      confirmed_new=True)
            print(f"patients {record.id}", flush=True)
    kind = next(t for t in list_appointment_types(ctx, actor) if not t.is_ims)
    patient = register_patient(ctx, actor, PatientDetails("Stream", "Pat", date(1980, 1, 1)), confirmed_new=True)
    zone = ZoneInfo("America/Vancouver")
    day = date.today() + timedelta(days=14)
    while True:
        day += timedelta(days=1)
        if day.weekday() > 3:
            continue
        for hour in (8, 9, 10, 11, 13, 14, 15, 16):
            for minute in (0, 30):
                starts = datetime.combine(day, time(hour, minute), tzinfo=zone)
                try:
                    record = book_appointment(ctx, actor, BookingRequest(
                        patient_id=patient.id, therapist_id=1 + hour % 7, type_id=kind.id, starts_at=starts))
                except ServiceError:
                    continue
                print(f"appointments {record.id}", flush=True)
    """
)


def test_a_process_killed_while_booking_loses_nothing_it_acknowledged(tmp_path, clock):
    path = tmp_path / "stream.sqlite3"
    url = f"sqlite:///{path}"
    open_clinic(url, clock=clock).database.dispose()
    child = subprocess.Popen([sys.executable, "-c", BOOKING_STREAM, url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    acknowledged: list[tuple[str, int]] = []
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 25 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            table, row_id = line.split()
            acknowledged.append((table, int(row_id)))
        os.kill(child.pid, signal.SIGKILL)
        rest, errors = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    acknowledged += [(line.split()[0], int(line.split()[1])) for line in rest.splitlines()]
    assert len(acknowledged) >= 25, errors
    assert child.returncode == -signal.SIGKILL

    ctx = open_clinic(url, clock=clock)
    report = check_database(ctx)
    assert report.integrity == "ok" and report.ok, report.problems
    table = acknowledged[0][0]
    try:
        from frontdesk.services.booking import book_appointment  # noqa: F401
        assert table == "appointments"
    except ImportError:
        assert table == "patients"
    with ctx.database.session() as session:
        stored = set(session.scalars(select(Patient.id if table == "patients" else Appointment.id)))
    assert {row_id for _, row_id in acknowledged} <= stored
    ctx.database.dispose()


def _hold_write_lock(path):
    """Another process that takes the database's exclusive lock and keeps it until told to stop."""
    script = textwrap.dedent(
        """
        import sqlite3, sys
        connection = sqlite3.connect(sys.argv[1], isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        sys.stdin.read()
        connection.execute("ROLLBACK")
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_database_locked_by_another_process_waits_a_bounded_time_then_explains(ctx, admin):
    ctx.database.busy_timeout_ms = 300
    holder = _hold_write_lock(ctx.database.path)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as busy:
            register_patient(ctx, admin, ZOE)
        waited = time.monotonic() - started
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert 0.25 <= waited < 5
    assert "busy" in busy.value.message and "your entries are still here" in busy.value.message
    saved = register_patient(ctx, admin, ZOE)
    assert saved.details.family_name == "Ødegård"


def test_a_full_disk_during_a_save_explains_and_leaves_the_previous_data_intact(ctx, admin):
    first = register_patient(ctx, admin, ZOE)
    with ctx.database.session() as session:
        audits_before = session.scalar(select(func.count()).select_from(AuditEvent))

    @event.listens_for(ctx.database.engine, "connect")
    def _no_more_pages(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    big = replace(ZOE, family_name="Fuller", phone="", notes="Needs a long history. " * 450)
    with pytest.raises(StorageFull) as full:
        register_patient(ctx, admin, big, confirmed_new=True)
    assert "full" in full.value.message and "nothing was saved" in full.value.message
    with pytest.raises(StorageFull):
        update_patient(ctx, admin, first.id, first.version, replace(ZOE, notes="Longer. " * 1200))

    event.remove(ctx.database.engine, "connect", _no_more_pages)
    with ctx.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == audits_before
    assert open_patient(ctx, admin, first.id).details == first.details
    assert check_database(ctx).ok


@pytest.mark.postgres
def test_a_database_server_that_stops_and_starts_again(postgres_server, pg_url, clock):
    ctx = open_clinic(pg_url, clock=clock)
    admin = workstation_actor(ctx, "owner")
    first = register_patient(ctx, admin, ZOE)
    typed = replace(ZOE, family_name="Nakamura", given_names="Aiko", phone="604 555 0199")
    postgres_server.stop()
    try:
        with pytest.raises(DatabaseUnavailable) as down:
            register_patient(ctx, admin, typed)
        assert "cannot be reached" in down.value.message
        with pytest.raises(DatabaseUnavailable):
            open_patient(ctx, admin, first.id)
    finally:
        postgres_server.start()
    saved = register_patient(ctx, admin, typed)
    assert saved.details.family_name == "Nakamura"
    assert open_patient(ctx, admin, first.id).details == first.details
    ctx.database.dispose()


@pytest.mark.postgres
def test_a_server_restarted_while_the_desk_was_idle_costs_the_next_save_nothing(postgres_server, pg_url, clock):
    # The kept connections died with the server; the next save must not be the one that finds out.
    ctx = open_clinic(pg_url, clock=clock)
    admin = workstation_actor(ctx, "owner")
    first = register_patient(ctx, admin, ZOE)
    postgres_server.stop()
    postgres_server.start()
    saved = register_patient(ctx, admin, replace(ZOE, family_name="Nakamura", given_names="Aiko",
                                                 phone="604 555 0199"))
    assert saved.details.family_name == "Nakamura"
    assert open_patient(ctx, admin, first.id).details == first.details
    ctx.database.dispose()


def test_a_file_damaged_while_in_use_is_reported_in_plain_words():
    import sqlite3

    from sqlalchemy.exc import DatabaseError

    from frontdesk.services.errors import DatabaseDamaged
    from frontdesk.services.reading import translate_database_error

    error = DatabaseError("SELECT 1", {}, sqlite3.DatabaseError("database disk image is malformed"))
    translated = translate_database_error(error)
    assert isinstance(translated, DatabaseDamaged)
    assert "restore the latest backup" in translated.message
