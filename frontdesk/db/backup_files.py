"""Backup files: named by the database they copy and the moment they were taken, found in the folders
the clinic keeps them in, and rotated.

A backup is `<database>-YYYY-MM-DD_HHMMSS.sqlite3`. Rotation keeps the newest backup of each of the last
7 days that have one, of each of the last 4 weeks and of each of the last 12 months; other files in the
folder are never touched. Taking and restoring backups is `services.backups`; opening a damaged
database looks here for the latest good backup (`db.migrate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from frontdesk.db.encryption import connect_file

#: `<database stem>-YYYY-MM-DD_HHMMSS.sqlite3`: the date in the name drives rotation.
BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}_\d{6})\.sqlite3$")
BACKUP_STAMP = "%Y-%m-%d_%H%M%S"
BACKUP_SETTING_KEY = "clinic"


@dataclass(frozen=True)
class RotationPolicy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


DEFAULT_ROTATION = RotationPolicy()


def backups_to_keep(moments: list[datetime], policy: RotationPolicy = DEFAULT_ROTATION) -> set[datetime]:
    """Which backup moments rotation keeps: per day, ISO week and month, the newest one, for the
    `policy` number of most recent days, weeks and months that have a backup."""
    ordered = sorted(set(moments), reverse=True)
    keep: set[datetime] = set()
    buckets = (
        (policy.daily, lambda m: m.date()),
        (policy.weekly, lambda m: tuple(m.isocalendar())[:2]),
        (policy.monthly, lambda m: (m.year, m.month)),
    )
    for count, bucket in buckets:
        seen: set[object] = set()
        for moment in ordered:
            if len(seen) >= count:
                break
            key = bucket(moment)
            if key not in seen:
                seen.add(key)
                keep.add(moment)
    return keep


def backup_name(database_path: Path, taken_at: datetime) -> str:
    return f"{database_path.stem}-{taken_at.strftime(BACKUP_STAMP)}.sqlite3"


def backup_moment(path: Path, stem: str | None = None) -> datetime | None:
    """When a backup file was taken (from its name), or None if the name is not a backup's."""
    match = BACKUP_NAME.match(path.name)
    if match is None or (stem is not None and match.group("stem") != stem):
        return None
    try:
        return datetime.strptime(match.group("stamp"), BACKUP_STAMP)
    except ValueError:
        return None


def backup_files(folder: Path, stem: str) -> list[tuple[datetime, Path]]:
    """The backups of the database named `stem` in `folder`, newest first."""
    if not folder.is_dir():
        return []
    found = [(moment, path) for path in folder.iterdir()
             if path.is_file() and (moment := backup_moment(path, stem)) is not None]
    return sorted(found, reverse=True)


def default_backup_folder() -> Path:
    from frontdesk.config import data_dir

    return data_dir() / "backups"


def backup_folder_setting(path: Path, passphrase: str | None = None) -> Path | None:
    """The backup folder the clinic chose, read (best effort) straight from a database file."""
    import json

    try:
        connection = connect_file(path, passphrase, read_only=True, timeout=2)
    except Exception:  # noqa: BLE001 - a damaged or locked file: fall back to the default folder
        return None
    try:
        row = connection.execute("SELECT value FROM settings WHERE key = ?", (BACKUP_SETTING_KEY,)).fetchone()
        value = json.loads(row[0]) if row else {}
        chosen = value.get("backup_dir") if isinstance(value, dict) else None
        return Path(chosen).expanduser() if chosen else None
    except Exception:  # noqa: BLE001
        return None
    finally:
        connection.close()


def backup_folders(path: Path, passphrase: str | None = None) -> list[Path]:
    """Where this database's backups are: the clinic's chosen folder (if readable) and the default."""
    folders = []
    chosen = backup_folder_setting(path, passphrase)
    if chosen is not None:
        folders.append(chosen)
    default = default_backup_folder()
    if default not in folders:
        folders.append(default)
    return folders


def remove_side_files(path: Path) -> None:
    """Delete the write-ahead log and shared-memory files SQLite may leave beside `path`."""
    for suffix in ("-wal", "-shm", "-journal"):
        try:
            Path(str(path) + suffix).unlink(missing_ok=True)
        except OSError:
            pass


def rotate_backups(folder: Path, stem: str, policy: RotationPolicy = DEFAULT_ROTATION) -> list[Path]:
    """Delete the backups of database `stem` in `folder` that rotation does not keep."""
    found = backup_files(folder, stem)
    keep = backups_to_keep([moment for moment, _ in found], policy)
    removed = []
    for moment, path in found:
        if moment not in keep:
            try:
                path.unlink()
            except OSError:
                continue
            remove_side_files(path)  # a backup opened by a person or a tool may have left them
            removed.append(path)
    return removed
