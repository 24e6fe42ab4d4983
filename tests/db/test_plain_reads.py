"""The plain read connections (a SQLite file's, a server's): they never write, they follow a replaced
file or a server that dropped them, and the first screen opens on them without loading SQLAlchemy."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from frontdesk.db.plain import server_conninfo
from frontdesk.services.account_lookup import workstation_actor
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.clinic_settings import get_clinic_settings


def test_a_plain_read_connection_refuses_to_write(ctx):
    with ctx.database.plain_reads() as connection:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            connection.execute("UPDATE settings SET key = key")
    assert get_clinic_settings(ctx).phone == "+1 250 493 1152"


def test_a_replaced_file_is_read_again_not_the_old_one(ctx, tmp_path):
    """A restored backup takes the database file's place while the app is open."""
    assert get_clinic_settings(ctx).name == "Physiotherapy & IMS Clinic"  # leaves a kept connection
    other = tmp_path / "other.sqlite3"
    shutil.copyfile(ctx.database.path, other)
    with sqlite3.connect(other) as connection:
        connection.execute("""UPDATE settings SET value = json_set(value, '$.name', 'Restored Clinic')
                              WHERE key = 'clinic'""")
    connection.close()
    os.replace(other, ctx.database.path)
    assert get_clinic_settings(ctx).name == "Restored Clinic"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def clinic_url(request, db_url):
    """A SQLite file or a database on the test server, both as after a first start."""
    if request.param == "sqlite":
        return db_url
    url = request.getfixturevalue("pg_url")
    open_clinic(url).database.dispose()  # migrated and seeded
    return url


@pytest.mark.postgres
def test_a_server_connection_that_was_cut_is_replaced_not_reported(pg_url):
    """A server restarted (or a connection dropped by the network) between two reads of the day."""
    import psycopg

    ctx = open_clinic(pg_url)
    try:
        assert get_clinic_settings(ctx).name == "Physiotherapy & IMS Clinic"  # leaves a kept connection
        with ctx.database.plain_reader() as reader:
            (pid,) = reader.rows("SELECT pg_backend_pid()")[0]
        with psycopg.connect(server_conninfo(pg_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert get_clinic_settings(ctx).name == "Physiotherapy & IMS Clinic"
        with ctx.database.plain_reader() as reader:
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                reader.rows("UPDATE settings SET key = key")
    finally:
        ctx.database.dispose()


def test_opening_a_clinic_and_reading_its_day_needs_no_sqlalchemy(clinic_url, data_dir, tmp_path):
    script = textwrap.dedent("""
        import sys
        from datetime import date
        from frontdesk.services.account_lookup import workstation_actor
        from frontdesk.services.bootstrap import open_clinic
        from frontdesk.services.schedule_view import day_schedule
        ctx = open_clinic(sys.argv[1])
        actor = workstation_actor(ctx, "owner")
        day = day_schedule(ctx, actor, date(2026, 11, 30))
        print(len(day.columns), "sqlalchemy" in sys.modules)
    """)
    opened = open_clinic(clinic_url)
    workstation_actor(opened, "owner")  # the account exists after a first start
    opened.database.dispose()
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(data_dir))
    done = subprocess.run([sys.executable, "-c", script, clinic_url], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["7", "False"]


@pytest.mark.postgres
def test_server_connections_leave_the_jit_compiler_off(pg_url):
    """Short statements only pay for its compiling (see frontdesk.db.engine.SERVER_SESSION), and a
    unit of work that rolls back does not undo the setting."""
    from sqlalchemy import text

    ctx = open_clinic(pg_url)
    try:
        with ctx.database.plain_reader() as reader:
            assert reader.rows("SHOW jit") == [("off",)]
        session = ctx.database.session()
        try:
            assert session.execute(text("SHOW jit")).scalar() == "off"
            session.rollback()
            assert session.execute(text("SHOW jit")).scalar() == "off"
        finally:
            session.close()
    finally:
        ctx.database.dispose()
