"""`frontdesk move-to URL`: a generated SQLite clinic moved onto the real PostgreSQL server the tests start."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from frontdesk.cli import EXIT_CANNOT_OPEN, EXIT_OK, EXIT_PROBLEMS, main

pytestmark = pytest.mark.postgres

#: Tens of thousands of appointments: big enough for many batches per table, small enough to be quick.
PLAN = dict(days_back=330, days_forward=30, therapists=10, patients=2_500, screenings=3_000, appointments=24_000)
CONSENTS = 3


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts_sqlite(path) -> dict[str, int]:
    from frontdesk.db.models import Base

    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {t.name: connection.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                for t in Base.metadata.sorted_tables}
    finally:
        connection.close()


def _counts_server(url) -> dict[str, int]:
    from frontdesk.db.models import Base

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {t.name: connection.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def generated_clinic(tmp_path_factory):
    """A generated clinic with tens of thousands of appointments and a few consent PDFs, made once."""
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.consents import consent_appointment
    from frontdesk.services.documents import record_unsigned_consent
    from frontdesk.devtools import ClinicPlan, generate_clinic
    from frontdesk.services.account_lookup import workstation_actor

    path = tmp_path_factory.mktemp("move") / "clinic.sqlite3"
    ctx = open_clinic(f"sqlite:///{path}")
    try:
        actor = workstation_actor(ctx, "owner")
        generate_clinic(ctx, actor, ClinicPlan(**PLAN))
        connection = sqlite3.connect(path)
        visits = [row[0] for row in connection.execute(
            "SELECT a.id FROM appointments a JOIN appointment_types t ON t.id = a.type_id "
            "WHERE t.is_ims = 1 AND a.status = 'booked' ORDER BY a.id LIMIT 200")]
        connection.close()
        made = 0
        for appointment_id in visits:  # a consent belongs to a booked IMS visit with an area allowed that day
            if made < CONSENTS and consent_appointment(ctx, actor, appointment_id).ready:
                record_unsigned_consent(ctx, actor, appointment_id)
                made += 1
        assert made == CONSENTS
    finally:
        ctx.database.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # each test copies the file alone
    connection.close()
    return path


@pytest.fixture
def clinic(generated_clinic, tmp_path):
    """This test's own copy of the generated clinic."""
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(generated_clinic, path)
    return path


def _move(path, url, **options):
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.move_to_server import move_to_server

    ctx = open_clinic(f"sqlite:///{path}")
    try:
        return move_to_server(ctx, None, url, **options)
    finally:
        ctx.database.dispose()


def test_a_generated_clinic_arrives_whole_and_the_server_clinic_works(clinic, pg_url, capsys):
    before = _sha(clinic)
    source_counts = _counts_sqlite(clinic)
    assert source_counts["appointments"] == PLAN["appointments"] and source_counts["consents"] == CONSENTS

    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_OK
    out = capsys.readouterr().out
    assert "appointments" in out and f"{PLAN['appointments']:,} / {PLAN['appointments']:,} rows" in out
    assert "hash chain verified on the server" in out

    # The SQLite file is byte for byte what it was; the mark lies beside it.
    assert _sha(clinic) == before
    assert clinic.with_name("clinic.sqlite3.moved").is_file()

    # Every table: the same number of rows (the trail has one more entry: the move itself).
    server_counts = _counts_server(pg_url)
    assert {t: n for t, n in server_counts.items() if t != "audit_events"} == \
           {t: n for t, n in source_counts.items() if t != "audit_events"}
    assert server_counts["audit_events"] == source_counts["audit_events"] + 1

    # The same rows under the same ids; the consent PDFs byte for byte.
    engine = create_engine(pg_url)
    try:
        with engine.connect() as server, sqlite3.connect(clinic) as local:
            assert [bytes(pdf) for (pdf,) in server.execute(text("SELECT pdf FROM consents ORDER BY id"))] == \
                   [pdf for (pdf,) in local.execute("SELECT pdf FROM consents ORDER BY id")]
            assert list(server.execute(text(
                "SELECT id, patient_id, therapist_id, status, to_char(starts_at, 'YYYY-MM-DD HH24:MI:SS') "
                "FROM appointments ORDER BY id"))) == list(local.execute(
                "SELECT id, patient_id, therapist_id, status, substr(starts_at, 1, 19) FROM appointments ORDER BY id"))
            assert server.execute(text("SELECT action FROM audit_events ORDER BY id DESC LIMIT 1")).scalar() == \
                   "move_to_server"
    finally:
        engine.dispose()

    # The server's own check passes: schema at head, chain verified.
    assert main(["--db", pg_url, "check"]) == EXIT_OK
    assert "All checks passed." in capsys.readouterr().out

    # The sequences were set past the copied ids: a new patient and a booking get fresh ones.
    from frontdesk.domain.patients import PatientDetails
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import register_patient
    from frontdesk.services.records import BookingRequest
    from frontdesk.services.availability import find_next_available
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.schedule import list_appointment_types
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(pg_url)
    try:
        actor = workstation_actor(ctx, "owner")
        patient = register_patient(ctx, actor, PatientDetails("Moved", "Margaret", date(1961, 5, 6)),
                                   confirmed_new=True)
        assert patient.id == source_counts["patients"] + 1
        kind = next(t for t in list_appointment_types(ctx, actor) if not t.is_ims)
        slot = find_next_available(ctx, actor, kind.id, None, ctx.today() + timedelta(days=30), limit=1)[0]
        booked = book_appointment(ctx, actor, BookingRequest(patient.id, slot.therapist_id, kind.id, slot.starts_at))
        assert booked.id > source_counts["appointments"]
    finally:
        ctx.database.dispose()


def test_the_moved_clinic_is_not_opened_again_and_says_where_it_went(clinic, postgres_server, capsys):
    from frontdesk.db.migrate import ClinicMoved
    from frontdesk.services.bootstrap import open_clinic

    url = postgres_server.create_database().replace("frontdesk_test@", "frontdesk_test:s3cret-pw@")
    server = url.rsplit("@", 1)[1]
    early = open_clinic(f"sqlite:///{clinic}")  # a desk that had the clinic open during the move
    try:
        assert main(["--db", str(clinic), "move-to", url]) == EXIT_OK
        capsys.readouterr()
        marker = clinic.with_name("clinic.sqlite3.moved").read_text()
        assert "s3cret-pw" not in marker

        with pytest.raises(ClinicMoved) as refused:
            open_clinic(f"sqlite:///{clinic}")
        assert f"This clinic moved to {server}" in str(refused.value)
        assert "s3cret-pw" not in str(refused.value)
        assert refused.value.marker.address.endswith(server) and "s3cret" not in refused.value.marker.address

        assert main(["--db", str(clinic), "check"]) == EXIT_CANNOT_OPEN
        assert f"This clinic moved to {server}" in capsys.readouterr().err

        # The desk that was open cannot save into the file any more either.
        from frontdesk.domain.patients import PatientDetails
        from frontdesk.services.errors import ServiceError
        from frontdesk.services.patients import register_patient
        from frontdesk.services.user_accounts import command_line_actor

        before = _sha(clinic)
        with pytest.raises(ServiceError, match="This clinic moved to"):
            register_patient(early, None, PatientDetails("Late", "Lou", date(1990, 1, 1)), confirmed_new=True)
        with pytest.raises(ServiceError, match="This clinic moved to"):
            command_line_actor(early)
        assert _sha(clinic) == before

        # Moving it a second time is refused too, with the same exit status as opening it.
        assert main(["--db", str(clinic), "move-to", postgres_server.create_database()]) == EXIT_CANNOT_OPEN
        assert "already moved" in capsys.readouterr().err
    finally:
        early.database.dispose()


def test_a_target_that_is_not_empty_is_refused_and_both_sides_stay_as_they_were(clinic, pg_url, capsys):
    from frontdesk.services.bootstrap import open_clinic

    open_clinic(pg_url).database.dispose()  # someone already started Front Desk on the server
    server_before = _counts_server(pg_url)
    before = _sha(clinic)
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_PROBLEMS
    assert "is not empty" in capsys.readouterr().err
    assert _counts_server(pg_url) == server_before
    assert _sha(clinic) == before
    assert not clinic.with_name("clinic.sqlite3.moved").exists()


def test_a_target_of_another_schema_version_is_refused(clinic, pg_url, capsys):
    from alembic import command

    from frontdesk.db.migrate import _alembic_config, known_revisions

    engine = create_engine(pg_url)
    try:
        with engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, known_revisions()[0])
    finally:
        engine.dispose()
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_PROBLEMS
    assert "another version" in capsys.readouterr().err
    assert not clinic.with_name("clinic.sqlite3.moved").exists()


def test_a_source_at_an_older_schema_is_refused_without_being_upgraded(clinic, pg_url, capsys):
    with sqlite3.connect(clinic) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    before = _sha(clinic)
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_PROBLEMS
    assert "schema version 0001" in capsys.readouterr().err
    assert _sha(clinic) == before
    assert inspect(create_engine(pg_url)).get_table_names() == []


def test_a_stopped_move_leaves_the_server_empty_and_a_second_run_completes(clinic, pg_url):
    from frontdesk.services.move_to_server import MoveStopped

    seen = []

    def stop_in_the_appointments(progress) -> None:
        seen.append(progress)

    before = _sha(clinic)
    with pytest.raises(MoveStopped):
        _move(clinic, pg_url, progress=stop_in_the_appointments, batch=2_000,
              should_stop=lambda: bool(seen) and seen[-1].table == "appointments" and seen[-1].done >= 10_000)
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []  # not even the tables: the one transaction rolled back
    finally:
        engine.dispose()
    assert not clinic.with_name("clinic.sqlite3.moved").exists()
    assert _sha(clinic) == before

    result = _move(clinic, pg_url, batch=2_000)
    assert result.counts["appointments"] == PLAN["appointments"]
    assert result.consents == CONSENTS
    # Progress was told per table, rows done of the total, in batches.
    copied = [p for p in seen if p.table == "appointments"]
    assert [p.done for p in copied[:4]] == [0, 2_000, 4_000, 6_000]
    assert all(p.total == PLAN["appointments"] for p in copied)


def test_the_server_schema_after_a_move_is_the_migrations_own(clinic, pg_url, postgres_server):
    """The foreign keys and indexes taken off for the load are back, exactly as the migrations made them."""
    fresh = postgres_server.create_database()
    from frontdesk.services.bootstrap import open_clinic

    open_clinic(fresh).database.dispose()
    _move(clinic, pg_url)

    def schema(url):
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                constraints = set(connection.execute(text(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE connamespace = 'public'::regnamespace")).all())
                indexes = set(connection.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).all())
                return constraints, indexes
        finally:
            engine.dispose()

    assert schema(pg_url) == schema(fresh)


def test_only_an_administrator_may_move_the_clinic(clinic, pg_url):
    from frontdesk.domain.roles import Role
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.errors import PermissionDenied
    from frontdesk.services.move_to_server import move_to_server
    from frontdesk.services.account_lookup import workstation_actor
    from frontdesk.services.user_accounts import create_user

    ctx = open_clinic(f"sqlite:///{clinic}")
    try:
        desk = create_user(ctx, workstation_actor(ctx, "owner"), "desk2", "Second Desk", Role.RECEPTION)
        with pytest.raises(PermissionDenied):
            move_to_server(ctx, desk, pg_url)
    finally:
        ctx.database.dispose()
    assert not clinic.with_name("clinic.sqlite3.moved").exists()


def test_a_value_the_server_cannot_store_is_named_and_nothing_is_kept(clinic, pg_url, capsys):
    """SQLite keeps a NUL character in a text; PostgreSQL refuses it: the move says where, keeps nothing."""
    connection = sqlite3.connect(clinic)
    connection.execute("UPDATE patients SET notes = 'before' || char(0) || 'after' WHERE id = 7")
    connection.commit()
    connection.close()
    before = _sha(clinic)
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "A value in the table patients cannot be stored on the server" in err
    assert "Nothing was kept on the server" in err
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert _sha(clinic) == before and not clinic.with_name("clinic.sqlite3.moved").exists()


def test_ctrl_c_during_the_copy_keeps_nothing_and_says_so(clinic, pg_url, capsys, monkeypatch):
    """Ctrl+C arrives as KeyboardInterrupt wherever the copy is; here, halfway through the appointments."""
    from frontdesk import cli

    shown = cli._MoveProgressPrinter.__call__

    def interrupted(self, progress):
        shown(self, progress)
        if progress.table == "appointments" and progress.done >= 10_000:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli._MoveProgressPrinter, "__call__", interrupted)
    before = _sha(clinic)
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_PROBLEMS
    assert "Stopped. Nothing was kept on the server" in capsys.readouterr().err
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert _sha(clinic) == before and not clinic.with_name("clinic.sqlite3.moved").exists()

    monkeypatch.setattr(cli._MoveProgressPrinter, "__call__", shown)
    assert main(["--db", str(clinic), "move-to", pg_url]) == EXIT_OK  # run again: it simply completes
