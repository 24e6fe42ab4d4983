"""The services tests run twice: on a SQLite file and on the throwaway PostgreSQL server.

Every test that asks for `db_url` (directly or through `ctx`, `admin`, `reception` ...) runs once
per backend. Both start from a database that was migrated and seeded once per run: SQLite copies the
seeded file; PostgreSQL empties one seeded database and puts the seeded rows back.

Tests about SQLite's own machinery (the file, its lock, its pages) are listed in `SQLITE_ONLY` with
the reason; they run on SQLite only. A PostgreSQL clinic backs up with pg_dump (see the README).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

VANCOUVER = ZoneInfo("America/Vancouver")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

#: Test module, or module::test name → why it runs on SQLite only.
SQLITE_ONLY = {
    "test_backups.py": "backups, restore and damage checks work on the SQLite file (online backup API); "
                       "a PostgreSQL clinic uses pg_dump and pg_restore",
    "test_faults.py::test_a_database_locked_by_another_process_waits_a_bounded_time_then_explains":
        "holds SQLite's file write lock from another process",
    "test_faults.py::test_a_full_disk_during_a_save_explains_and_leaves_the_previous_data_intact":
        "fills the disk with SQLite's PRAGMA max_page_count",
}


def _sqlite_only_reason(metafunc) -> str | None:
    module = metafunc.definition.path.name
    return SQLITE_ONLY.get(f"{module}::{metafunc.definition.originalname}") or SQLITE_ONLY.get(module)


def pytest_generate_tests(metafunc):
    if "db_url" not in metafunc.fixturenames:
        return
    backends = ["sqlite"] if _sqlite_only_reason(metafunc) else BACKENDS
    metafunc.parametrize("db_url", backends, indirect=True)


class SeededPostgres:
    """One PostgreSQL database, migrated and seeded once per run, put back to that state before each test.

    Cloning a template database (`CREATE DATABASE ... TEMPLATE`) costs about half a second per test on
    a small machine; emptying the tables and putting back the seeded rows and sequence positions costs
    about a hundredth.
    """

    name = "services"

    def __init__(self, server) -> None:
        import psycopg
        from pg_server import SUPERUSER
        from sqlalchemy import MetaData, create_engine, select, text

        from frontdesk.services.bootstrap import open_clinic
        from frontdesk.services.context import FixedClock

        with psycopg.connect(f"host=127.0.0.1 port={server.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        self.url = server.url(self.name)
        context = open_clinic(self.url, clock=FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=VANCOUVER)))
        context.database.dispose()
        # One connection kept open; pinged first, since a fault test stops and starts the server.
        self.engine = create_engine(self.url, pool_size=1, pool_pre_ping=True)
        metadata = MetaData()
        # Reflected, not taken from the models: every table the migrations made, whatever its types.
        metadata.reflect(self.engine)
        self.tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
        with self.engine.connect() as connection:
            self.rows = {t.name: [dict(r._mapping) for r in connection.execute(select(t))] for t in self.tables}
            names = connection.scalars(text("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                                            "FROM pg_sequences WHERE schemaname = 'public'")).all()
            self.sequences = {name: tuple(connection.execute(text(f"SELECT last_value, is_called FROM {name}")).one())
                              for name in names}

    def reset(self) -> str:
        from sqlalchemy import text

        with self.engine.begin() as connection:
            # Whatever a previous test left connected (a crashed engine, a spawned process) lets go.
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            # DELETE, children first: on tables this small it is far quicker than TRUNCATE.
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
            for name, (value, called) in self.sequences.items():
                connection.execute(text("SELECT setval(:name, :value, :called)"),
                                   {"name": name, "value": value, "called": called})
        return self.url

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def seeded_postgres(postgres_server):
    """The services' PostgreSQL database, as after a clinic's first start."""
    seeded = SeededPostgres(postgres_server)
    yield seeded
    seeded.close()


@pytest.fixture
def db_url(request, tmp_path):
    """A database already migrated and holding the clinic's defaults: a SQLite file or a PostgreSQL one."""
    if getattr(request, "param", "sqlite") == "sqlite":
        target = tmp_path / "clinic.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_database"), target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("seeded_postgres").reset()


class SelectCounter:
    """The SELECT statements a block of service code sends: through SQLAlchemy's engine and on the
    plain read connections (`Database.plain_reads`), whichever the service uses."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.statements: list[str] = []

    def _record(self, statement: str) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append(statement)

    def _engine_listener(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._record(statement)

    def __enter__(self) -> SelectCounter:
        from sqlalchemy import event

        event.listen(self.ctx.database.engine, "before_cursor_execute", self._engine_listener)
        self.ctx.database.statement_listeners.append(self._record)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.ctx.database.engine, "before_cursor_execute", self._engine_listener)
        self.ctx.database.statement_listeners.remove(self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_selects():
    """`with count_selects(ctx) as counted: ...; counted.count` (see `SelectCounter`)."""
    return SelectCounter


# --- The clinic's seeded staff and appointment types, and two patients, for the booking tests ------


@pytest.fixture
def types(ctx, reception):
    from frontdesk.services.schedule import list_appointment_types

    return {t.name: t for t in list_appointment_types(ctx, reception)}


@pytest.fixture
def physio_type(types):
    return types["Physiotherapy treatment"]


@pytest.fixture
def ims_type(types):
    return types["IMS treatment"]


@pytest.fixture
def chris(ctx, reception):
    from frontdesk.services.schedule_view import list_therapists

    return list_therapists(ctx, reception)[0]


@pytest.fixture
def tracey(ctx, reception):
    from frontdesk.services.schedule_view import list_therapists

    return list_therapists(ctx, reception)[1]


@pytest.fixture
def anh(ctx, reception):
    from .test_schedule import patient

    return patient(ctx, reception)


@pytest.fixture
def ben(ctx, reception):
    from .test_schedule import patient

    return patient(ctx, reception, "Okafor", "Ben", date(1975, 6, 7))
