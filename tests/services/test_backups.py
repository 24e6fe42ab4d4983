"""Automatic backups, rotation, restore, and a damaged database at start."""

import hashlib
import sqlite3
import stat
from datetime import date, datetime, timedelta

from pathlib import Path

import pytest

from frontdesk.db.backup_files import RotationPolicy, backup_files, backups_to_keep
from frontdesk.db.migrate import DatabaseDamaged
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.backups import (
    BackupReason,
    BackupRejected,
    automatic_backup,
    choose_backup_folder,
    restore_backup,
)
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.patients import register_patient, search_patients


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _register(ctx, actor, family, notes=""):
    return register_patient(ctx, actor, PatientDetails(family, "Ana", date(1980, 1, 2), notes=notes),
                            confirmed_new=True)


def _names(ctx, actor, query):
    return [p.name for p in search_patients(ctx, actor, query)]


def _damage(path):
    """Overwrite the last pages of the file (table data, not the header) with noise."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size - 3 * 4096)
        handle.write(bytes((i * 37 + 11) % 251 for i in range(3 * 4096)))


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    start = datetime(2025, 1, 1, 18, 0)
    moments = [start + timedelta(days=n) for n in range(400)]
    kept = backups_to_keep(moments)
    newest = moments[-1]
    assert {newest - timedelta(days=n) for n in range(7)} <= kept
    months = {(m.year, m.month) for m in kept}
    assert len(months) == 12
    assert len(kept) <= 7 + 4 + 12
    assert min(kept) > newest - timedelta(days=370)


@pytest.mark.parametrize(
    ("policy", "days", "expected"),
    [
        (RotationPolicy(daily=7, weekly=0, monthly=0), 3, 3),
        (RotationPolicy(daily=7, weekly=0, monthly=0), 30, 7),
        (RotationPolicy(daily=0, weekly=4, monthly=0), 60, 4),
        (RotationPolicy(daily=0, weekly=0, monthly=12), 60, 2),
    ],
)
def test_rotation_counts(policy, days, expected):
    moments = [datetime(2026, 3, 1, 9) + timedelta(days=n) for n in range(days)]
    assert len(backups_to_keep(moments, policy)) == expected


def test_several_backups_on_one_day_keep_only_the_newest():
    day = [datetime(2026, 5, 5, hour) for hour in (8, 12, 17)]
    assert backups_to_keep(day) == {datetime(2026, 5, 5, 17)}


def test_first_start_of_the_day_backs_up_once_and_exit_always(ctx, data_dir, clock):
    first = automatic_backup(ctx, BackupReason.START)
    assert first.written is not None
    assert first.written.parent == data_dir / "backups"
    assert first.written.name == "clinic-2026-11-25_100000.sqlite3"
    assert _mode(first.written) == 0o600
    assert _mode(first.written.parent) == 0o700
    clock.advance(hours=2)
    assert automatic_backup(ctx, BackupReason.START).written is None
    at_exit = automatic_backup(ctx, BackupReason.EXIT)
    assert at_exit.written is not None and at_exit.written.name == "clinic-2026-11-25_120000.sqlite3"
    # Only the newest of the day is kept.
    assert at_exit.removed == (first.written,)
    clock.advance(days=1)
    assert automatic_backup(ctx, BackupReason.START).written is not None


def test_a_month_of_daily_starts_is_rotated(ctx, data_dir, clock):
    for _ in range(40):
        automatic_backup(ctx, BackupReason.START)
        clock.advance(days=1)
    found = backup_files(data_dir / "backups", "clinic")
    days = sorted(moment.date() for moment, _ in found)
    assert len(found) <= 7 + 4 + 12
    assert days[-7:] == [date(2027, 1, 3) - timedelta(days=n) for n in range(6, -1, -1)]
    assert date(2026, 11, 30) in days  # the newest of November stays as the monthly backup


def test_rotation_removes_a_backups_side_files_with_it(ctx, data_dir, clock):
    folder = data_dir / "backups"
    first = automatic_backup(ctx, BackupReason.EXIT).written
    # Someone opened the backup with a SQLite tool, which left its log files beside it.
    for suffix in ("-wal", "-shm"):
        Path(str(first) + suffix).write_bytes(b"")
    for _ in range(40):
        clock.advance(days=1)
        automatic_backup(ctx, BackupReason.EXIT)
    assert not first.exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(first.name)]


def test_other_files_in_the_backup_folder_are_never_removed(ctx, data_dir, clock):
    folder = data_dir / "backups"
    folder.mkdir(parents=True)
    mine = folder / "notes-for-the-owner.txt"
    mine.write_text("keep me")
    other_db = folder / "other-2020-01-01_000000.sqlite3"
    other_db.write_bytes(b"")
    for _ in range(12):
        automatic_backup(ctx, BackupReason.EXIT)
        clock.advance(days=1)
    assert mine.exists() and other_db.exists()


def test_the_clinic_chooses_the_backup_folder(ctx, admin, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    assert choose_backup_folder(ctx, admin, usb) == usb.resolve()
    written = automatic_backup(ctx, BackupReason.START).written
    assert written is not None and written.parent == usb.resolve()


def test_a_missing_backup_folder_is_refused_when_chosen_and_explained_when_unplugged(ctx, admin, tmp_path):
    with pytest.raises(ValidationFailed) as refused:
        choose_backup_folder(ctx, admin, tmp_path / "nowhere")
    assert "does not exist" in refused.value.errors["backup_dir"]
    usb = tmp_path / "usb"
    usb.mkdir()
    choose_backup_folder(ctx, admin, usb)
    usb.rmdir()
    with pytest.raises(ServiceError) as unplugged:
        automatic_backup(ctx, BackupReason.EXIT)
    assert "cannot be reached" in unplugged.value.message


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(ctx, admin, db_url, clock):
    _register(ctx, admin, "Before")
    backup = automatic_backup(ctx, BackupReason.START).written
    _register(ctx, admin, "After")
    database = ctx.database.path
    ctx.database.dispose()

    result = restore_backup(database, backup, now=datetime(2026, 11, 25, 15, 30))
    assert result.kept_as == database.with_name("clinic.sqlite3.replaced-20261125-153000")
    assert not [p.name for p in database.parent.glob("*.restoring*")], "restore leaves nothing behind"
    restored = open_clinic(db_url, clock=clock)
    assert _names(restored, admin, "before") == ["Before, Ana"]
    assert _names(restored, admin, "after") == []
    restored.database.dispose()
    kept = open_clinic(f"sqlite:///{result.kept_as}", clock=clock)
    assert _names(kept, admin, "after") == ["After, Ana"]
    kept.database.dispose()


def _foreign_sqlite(path):
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    connection.close()


def _newer_backup(path, source):
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
        dst.execute("UPDATE alembic_version SET version_num = '9999_future'")
    src.close()
    dst.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path, source: path.write_text("not a database"), "not a Front Desk backup"),
        (lambda path, source: _foreign_sqlite(path), "not one of Front Desk's"),
        (_newer_backup, "newer version of Front Desk"),
        (lambda path, source: (path.write_bytes(source.read_bytes()), _damage(path)), "damaged"),
    ],
    ids=["text", "other-program", "newer", "damaged"],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(ctx, admin, tmp_path, make, reason):
    _register(ctx, admin, "Keep")
    database = ctx.database.path
    good = automatic_backup(ctx, BackupReason.START).written
    ctx.database.dispose()
    bad = tmp_path / "offered.sqlite3"
    make(bad, good)
    before = _digest(database)
    with pytest.raises(BackupRejected) as refused:
        restore_backup(database, bad)
    assert reason in refused.value.message
    assert "Nothing was replaced" in refused.value.message
    assert _digest(database) == before
    assert sorted(p.name for p in database.parent.iterdir() if p.name.startswith("clinic.sqlite3")) == [
        "clinic.sqlite3"]


def test_a_damaged_database_is_refused_at_start_and_the_latest_good_backup_offered(
        ctx, admin, db_url, clock):
    for n in range(40):
        _register(ctx, admin, f"Patient{n:02d}", "Sore shoulder. " * 40)
    older = automatic_backup(ctx, BackupReason.START).written
    clock.advance(days=1)
    latest = automatic_backup(ctx, BackupReason.START).written
    _damage(latest.parent / older.name)  # not this one: an older backup may be damaged too
    clock.advance(days=1)
    bad_newest = automatic_backup(ctx, BackupReason.START).written
    _damage(bad_newest)
    database = ctx.database.path
    ctx.database.dispose()
    _damage(database)
    before = _digest(database)

    with pytest.raises(DatabaseDamaged) as damaged:
        open_clinic(db_url, clock=clock)
    assert damaged.value.latest_backup == latest
    assert "damaged" in str(damaged.value)
    assert f'frontdesk restore "{latest}"' in str(damaged.value)
    assert _digest(database) == before
    wal = database.with_name("clinic.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # SQLite's side file for readers, nothing written

    restore_backup(database, damaged.value.latest_backup)
    back = open_clinic(db_url, clock=clock)
    assert len(search_patients(back, admin, "patient")) == 40
    back.database.dispose()
