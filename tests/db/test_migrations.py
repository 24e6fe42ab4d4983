from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from frontdesk.db.engine import Database
from frontdesk.db.migrate import head_revision, open_database
from frontdesk.db.models import Base


def test_migrations_from_empty_match_the_models(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()
    database.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    database.dispose()


def test_every_table_of_the_design_exists(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 't.sqlite3'}")
    tables = set(inspect(database.engine).get_table_names())
    assert {
        "patients", "therapists", "working_hours", "schedule_exceptions", "appointment_types",
        "appointments", "appointment_events", "screenings", "screening_reviews", "consents",
        "users", "audit_events", "settings",
    } <= tables
    database.dispose()
