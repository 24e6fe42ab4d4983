"""The administrator's commands: backup, restore, encrypt, and a damaged database at the prompt."""

import os
import stat
from datetime import date

import pytest

from frontdesk.cli import EXIT_CANNOT_OPEN, EXIT_OK, EXIT_PROBLEMS, main
from frontdesk.db.encryption import PASSPHRASE_ENV, SQLITE_HEADER, sqlcipher_module
from frontdesk.domain.patients import PatientDetails

PASSPHRASE = "okanagan lake in winter"


@pytest.fixture(autouse=True)
def keep_umask():
    """`main` makes the process's new files private; give the rest of the test run its umask back."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def database(tmp_path, capsys):
    path = tmp_path / "clinic.sqlite3"
    assert main(["--db", str(path), "check"]) == EXIT_OK
    capsys.readouterr()
    return path


def _add_patient(path, family, passphrase=None):
    from frontdesk.db.encryption import encrypted_url
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import register_patient
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(encrypted_url(path, passphrase) if passphrase else f"sqlite:///{path}")
    register_patient(ctx, workstation_actor(ctx, "owner"), PatientDetails(family, "Ana", date(1980, 1, 2)),
                     confirmed_new=True)
    ctx.database.dispose()


def _count(path, capsys, *extra):
    capsys.readouterr()
    assert main(["--db", str(path), *extra, "check"]) == EXIT_OK
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Patients:"))
    return int(line.split(":")[1])


def test_the_database_and_its_backups_are_readable_by_the_owner_only(database, data_dir, capsys):
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert main(["--db", str(database), "backup"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Backup written to" in out
    written = next((data_dir / "backups").iterdir())
    assert written.name.startswith("clinic-") and written.suffix == ".sqlite3"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "backups").stat().st_mode) == 0o700


def test_restore_checks_the_backup_keeps_the_replaced_file_and_records_it(database, tmp_path, capsys):
    _add_patient(database, "Before")
    assert main(["--db", str(database), "backup", str(tmp_path / "copy.sqlite3")]) == EXIT_OK
    _add_patient(database, "After")
    assert _count(database, capsys) == 2

    assert main(["--db", str(database), "restore", str(tmp_path / "copy.sqlite3")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Restored" in out and "kept as" in out
    assert _count(database, capsys) == 1
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("clinic.sqlite3.replaced-")]
    assert len(kept) == 1 and _count(kept[0], capsys) == 2


def test_restore_refuses_a_file_that_is_not_a_backup(database, tmp_path, capsys):
    before = database.read_bytes()
    offered = tmp_path / "holiday-photo.jpg"
    offered.write_bytes(b"\xff\xd8\xff\xe0" + b"JFIF" * 300)
    assert main(["--db", str(database), "restore", str(offered)]) == EXIT_PROBLEMS
    assert "Nothing was replaced" in capsys.readouterr().err
    assert database.read_bytes() == before


def test_a_damaged_database_is_explained_with_the_backup_to_restore(database, capsys):
    for n in range(30):
        _add_patient(database, f"Patient{n}")
    assert main(["--db", str(database), "backup"]) == EXIT_OK
    size = database.stat().st_size
    with database.open("r+b") as handle:
        handle.seek(size - 8192)
        handle.write(b"\x13\x37" * 4096)
    capsys.readouterr()
    assert main(["--db", str(database), "check"]) == EXIT_CANNOT_OPEN
    err = capsys.readouterr().err
    assert "is damaged" in err and "frontdesk restore" in err


@pytest.mark.skipif(sqlcipher_module() is None, reason="the sqlcipher3 wheel is not installed")
def test_encrypt_then_open_with_the_passphrase_only(database, capsys, monkeypatch):
    _add_patient(database, "Secret")
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    assert main(["--db", str(database), "encrypt"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "is now encrypted" in out and "kept as" in out
    assert database.read_bytes()[:16] != SQLITE_HEADER
    assert _count(database, capsys) == 1

    assert main(["--db", str(database), "backup"]) == EXIT_OK
    backup = capsys.readouterr().out.split("Backup written to ")[1].strip()
    assert open(backup, "rb").read(16) != SQLITE_HEADER

    monkeypatch.setenv(PASSPHRASE_ENV, "a wrong passphrase")
    assert main(["--db", str(database), "check"]) == EXIT_CANNOT_OPEN
    assert "passphrase does not open" in capsys.readouterr().err
    monkeypatch.delenv(PASSPHRASE_ENV)
    assert main(["--db", str(database), "check"]) == EXIT_CANNOT_OPEN
    assert "is encrypted" in capsys.readouterr().err


@pytest.mark.skipif(sqlcipher_module() is None, reason="the sqlcipher3 wheel is not installed")
def test_a_wrong_passphrase_prints_only_the_clear_message(database, monkeypatch, tmp_path):
    """SQLCipher's own "hmac check failed" lines go to the process's stderr, below Python: run the
    command in a process of its own and read everything it wrote."""
    import subprocess
    import sys
    from pathlib import Path

    import frontdesk

    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    assert main(["--db", str(database), "encrypt"]) == EXIT_OK
    environment = {**os.environ, PASSPHRASE_ENV: "a wrong passphrase", "FRONTDESK_DATA_DIR": str(tmp_path / "d"),
                   "PYTHONPATH": str(Path(frontdesk.__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-m", "frontdesk", "--db", str(database), "check"], env=environment,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == EXIT_CANNOT_OPEN
    assert "passphrase does not open" in done.stderr
    assert "hmac" not in done.stderr and "ERROR CORE" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
