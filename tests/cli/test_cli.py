"""The command line as an administrator uses it, including every bad --db case."""

import hashlib
import sqlite3

import pytest

from frontdesk.cli import EXIT_CANNOT_OPEN, EXIT_OK, main
from frontdesk.db.migrate import head_revision


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_on_a_new_database_reports_the_schema(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "c.sqlite3"), "check"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"Schema version: {head_revision()}" in out
    assert "Therapists: 7" in out
    assert "All checks passed." in out


def test_a_file_that_is_not_a_database_is_explained_and_left_untouched(tmp_path, capsys):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"Appointments for Tuesday\n" * 50)
    before = _digest(path)
    assert main(["--db", str(path), "check"]) == EXIT_CANNOT_OPEN
    assert "is not a Front Desk database" in capsys.readouterr().err
    assert _digest(path) == before


def test_a_sqlite_file_of_another_program_is_refused_unchanged(tmp_path, capsys):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices (total) VALUES (12.5)")
    before = _digest(path)
    assert main(["--db", f"sqlite:///{path}", "check"]) == EXIT_CANNOT_OPEN
    assert "tables that Front Desk did not create" in capsys.readouterr().err
    assert _digest(path) == before


def test_a_database_from_a_newer_version_is_refused_unchanged(tmp_path, capsys):
    path = tmp_path / "newer.sqlite3"
    assert main(["--db", str(path), "check"]) == EXIT_OK
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    before = _digest(path)
    capsys.readouterr()
    assert main(["--db", str(path), "check"]) == EXIT_CANNOT_OPEN
    assert "newer version of Front Desk" in capsys.readouterr().err
    assert _digest(path) == before


def test_a_folder_is_not_a_database(tmp_path, capsys):
    assert main(["--db", str(tmp_path), "check"]) == EXIT_CANNOT_OPEN
    assert "is a folder" in capsys.readouterr().err


def test_a_missing_folder_is_explained(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "nope" / "x.sqlite3"), "check"]) == EXIT_CANNOT_OPEN
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()


def test_an_unreachable_server_is_explained(capsys):
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://frontdesk:secret@127.0.0.1:1/clinic?connect_timeout=2"
    assert main(["--db", url, "check"]) == EXIT_CANNOT_OPEN
    err = capsys.readouterr().err
    assert "could not reach the database server" in err
    assert "secret" not in err


def test_the_environment_variable_chooses_the_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("FRONTDESK_DB", f"sqlite:///{path}")
    assert main(["check"]) == EXIT_OK
    assert str(path) in capsys.readouterr().out


def test_backup_writes_a_consistent_copy(tmp_path, capsys):
    db = tmp_path / "live.sqlite3"
    target = tmp_path / "copy.sqlite3"
    assert main(["--db", str(db), "backup", str(target)]) == EXIT_OK
    with sqlite3.connect(target) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM therapists").fetchone()[0] == 7
    connection.close()
    assert main(["--db", str(target), "check"]) == EXIT_OK


@pytest.mark.parametrize("address, says", [
    ("not a url://", "is not a database address"),
    ("mysql://x", "mysql is not one it works with"),
    ("mysql+pymysql://user:secret@server/clinic", "mysql is not one it works with"),
])
@pytest.mark.parametrize("command", [["check"], ["demo"], ["backup"]])
def test_a_database_address_front_desk_cannot_use_is_one_paragraph_and_exit_2(address, says, command, capsys):
    assert main(["--db", address, *command]) == EXIT_CANNOT_OPEN
    captured = capsys.readouterr()
    assert says in captured.err
    assert "SQLite" in captured.err or "sqlite:///" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert len(captured.err.strip().splitlines()) == 1


def test_the_window_refuses_an_unusable_address_before_opening_anything(capsys):
    assert main(["--db", "mysql://x", "--smoke-test"]) == EXIT_CANNOT_OPEN
    assert "mysql is not one it works with" in capsys.readouterr().err
