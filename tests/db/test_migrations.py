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


def _database_at(path, revision):
    """A SQLite file whose schema stops at an older revision, as an earlier Front Desk left it."""
    from alembic import command

    from frontdesk.db.migrate import _alembic_config

    database = Database(f"sqlite:///{path}")
    config = _alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return database


OLD_CLINIC_ROWS = [
    "INSERT INTO users (id, username, display_name, role, active, failed_sign_ins, created_at) "
    "VALUES (1, 'desk', 'Desk', 'admin', 1, 0, '2026-01-05 16:00:00')",
    "INSERT INTO therapists (id, full_name, designation, ims_qualified, active, colour, sort_order, version) "
    "VALUES (1, 'Chris Stokes', 'Registered Physiotherapist', 1, 1, '#1565c0', 1, 1)",
    "INSERT INTO appointment_types (id, name, duration_minutes, is_ims, active, sort_order) "
    "VALUES (1, 'IMS treatment', 30, 1, 1, 1)",
    "INSERT INTO patients (id, family_name, given_names, preferred_name, date_of_birth, phone, phone_digits, "
    "email, address, emergency_contact, payer, plan_details, referral_doctor, claim_number, notes, family_key, "
    "given_key, preferred_key, archived, version, created_at, created_by, updated_at, updated_by) VALUES "
    "(1, 'Kelly', 'Dana', '', '1971-04-10', '+12504931152', '2504931152', 'dana@example.org', '', '', "
    "'self', '', '', '', '', 'kelly', 'dana', '', 0, 1, '2026-01-05 16:00:00', 1, '2026-01-05 16:00:00', 1)",
    "INSERT INTO appointments (id, patient_id, therapist_id, type_id, starts_at, ends_at, status, area, notes, "
    "cancel_reason, late_cancellation, version, created_at, created_by, updated_at, updated_by) VALUES "
    "(1, 1, 1, 1, '2026-01-12 17:00:00', '2026-01-12 17:30:00', 'completed', 'neck', '', '', 0, 1, "
    "'2026-01-05 16:00:00', 1, '2026-01-05 16:00:00', 1)",
]


def test_a_clinic_with_data_from_an_older_version_is_updated_and_keeps_every_row(tmp_path):
    """Tables that others point at (patients, appointment types) are copied by the update on SQLite;
    with foreign keys enforced that copy used to be refused and the clinic would not open."""
    path = tmp_path / "old.sqlite3"
    old = _database_at(path, "0003")
    with old.engine.begin() as connection:
        for statement in OLD_CLINIC_ROWS:
            connection.exec_driver_sql(statement)
    old.dispose()

    database = open_database(f"sqlite:///{path}")
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        assert connection.exec_driver_sql("SELECT family_name FROM patients").scalars().all() == ["Kelly"]
        assert connection.exec_driver_sql("SELECT patient_id, type_id FROM appointments").fetchall() == [(1, 1)]
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_patients_already_there_get_their_phone_display_form(tmp_path):
    """Migration 0012 fills the stored display form of every number saved before it."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    _database_at(path, "0010").dispose()
    with sqlite3.connect(path) as raw:
        raw.execute(OLD_CLINIC_ROWS[0])  # the account that saved them
        for number, (phone, digits) in enumerate((("+12504931152", "2504931152"), ("", ""),
                                                  ("+442079460000", "2079460000")), 1):
            raw.execute(
                "INSERT INTO patients (id, family_name, given_names, preferred_name, date_of_birth, phone, "
                "phone_digits, email, address, emergency_contact, payer, plan_details, referral_doctor, "
                "claim_number, notes, family_key, given_key, preferred_key, archived, version, created_at, "
                "created_by, updated_at, updated_by) VALUES (?, 'Tsai', 'Li', '', '1990-07-01', ?, ?, '', '', "
                "'', 'self_pay', '', '', '', '', 'tsai', 'li', '', 0, 1, '2026-01-01 00:00:00', 1, "
                "'2026-01-01 00:00:00', 1)", (number, phone, digits))
    raw.close()
    open_database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as raw:
        shown = raw.execute("SELECT phone_display FROM patients ORDER BY id").fetchall()
    raw.close()
    assert shown == [("(250) 493-1152",), ("",), ("+44 20 7946 0000",)]
