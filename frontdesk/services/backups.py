"""Backups: a consistent copy of the open database (by hand or automatically, then rotated), the
backup folder, and restoring a backup safely.

A backup is taken at the first start of each day and at every exit, into the folder the clinic chose
(clinic setting `backup_dir`; default: `backups` in the data folder). How backup files are named,
found and rotated is `db.backup_files`.

A restore checks the backup first (integrity, Front Desk's schema, not from a newer version), takes
the database's write lock so no other computer is using it, keeps the replaced file under a dated
name, and only then puts the backup in place.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from frontdesk.db.backup_files import (
    DEFAULT_ROTATION,
    RotationPolicy,
    backup_files,
    backup_name,
    default_backup_folder,
    remove_side_files,
    rotate_backups,
)
from frontdesk.db.encryption import connect_file, looks_encrypted
from frontdesk.db.engine import OWNER_ONLY_FILE, private_folder, restrict_to_owner
from frontdesk.db.migrate import SQLITE_HEADER, BadDatabaseFile, DatabaseFileInfo, verify_database_file
from frontdesk.db.moved import read_marker
from frontdesk.domain.roles import Permission
from frontdesk.domain.when import format_file_stamp
from frontdesk.services.clinic_settings import ClinicSettings, get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork


class BackupReason(StrEnum):
    START = "start"
    EXIT = "exit"


class BackupRejected(ServiceError):
    """The file offered for a restore is not a sound Front Desk backup; nothing was replaced."""


@dataclass(frozen=True)
class AutomaticBackup:
    """What an automatic backup did: `written` is None when none was needed (or possible)."""

    written: Path | None
    removed: tuple[Path, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class BackupEntry:
    path: Path
    taken_at: datetime
    size_bytes: int


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    restored_from: Path
    kept_as: Path | None
    schema_revision: str


def backup_folder(ctx: ServiceContext) -> Path:
    """The folder the clinic chose for backups (or the default), which must be reachable."""
    chosen = get_clinic_settings(ctx).backup_dir.strip()
    if not chosen:
        return private_folder(default_backup_folder())
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise ServiceError(
            f"The backup folder {folder} cannot be reached (is the USB or network drive connected?). "
            "No backup was made this time; connect the drive or choose another folder in the settings."
        )
    return folder


def choose_backup_folder(ctx: ServiceContext, actor: Actor, folder: Path | str,
                         settings: ClinicSettings | None = None) -> Path:
    """Save the clinic's backup folder after checking that a file can be written there.

    `settings` are the clinic's settings as the caller holds them (with its other changes, and the
    version they were read at); by default the stored ones."""
    path = Path(folder).expanduser() if str(folder).strip() else None
    if path is not None:
        problem = None
        if not path.is_dir():
            problem = "This folder does not exist. Connect the drive or create the folder first."
        else:
            probe = path / ".frontdesk-write-test"
            try:
                probe.write_bytes(b"")
                probe.unlink()
            except OSError:
                problem = "Front Desk cannot write to this folder. Choose one your account may write to."
        if problem:
            raise ValidationFailed({"backup_dir": problem})
    settings = settings or get_clinic_settings(ctx)
    update_clinic_settings(ctx, actor, replace(settings, backup_dir=str(path.resolve()) if path else ""))
    return path.resolve() if path else private_folder(default_backup_folder())


def list_backups(ctx: ServiceContext) -> list[BackupEntry]:
    """This database's backups in its backup folder, newest first."""
    source = ctx.database.path
    if source is None:
        return []
    return [BackupEntry(path, moment, path.stat().st_size)
            for moment, path in backup_files(backup_folder(ctx), source.stem)]


def backup_database(ctx: ServiceContext, actor: Actor | None, destination: Path, *,
                    full_check: bool = True) -> Path:
    """A consistent copy of the SQLite database, taken while others may be writing.

    Uses SQLite's online backup API into a temporary file beside the destination, verifies it
    (`integrity_check`, or the much faster `quick_check` when not `full_check`), then renames it into
    place, so a half-written backup never carries the final name. The copy of an encrypted database
    is encrypted with the same passphrase. A folder as destination gets a dated file name.
    """
    if actor is not None:
        # Before anything else, so a refused role learns nothing about the database or the folder.
        with UnitOfWork(ctx, actor) as uow:
            uow.require(Permission.BACKUP, "make backups")
    source = ctx.database.path
    if source is None:
        raise ServiceError(
            "Backups from a database server are made on the server (pg_dump); see README, "
            "'Several front-desk computers'."
        )
    destination = Path(destination).expanduser()
    if destination.is_dir():
        destination = destination / backup_name(source, ctx.local(ctx.now()))
    if not destination.parent.is_dir():
        raise ServiceError(f"The folder {destination.parent} does not exist.")
    if destination.resolve() == source.resolve():
        raise ServiceError("Choose a different file for the backup than the database itself.")
    passphrase = ctx.database.passphrase
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # Created readable by this account only before a single page of patient data goes in.
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, OWNER_ONLY_FILE))
        src = connect_file(source, passphrase)
        try:
            dst = connect_file(partial, passphrase)
            try:
                src.backup(dst)
                pragma = "integrity_check" if full_check else "quick_check"
                result = dst.execute(f"PRAGMA {pragma}").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if result != "ok":
            raise ServiceError(f"The backup copy failed its integrity check ({result}); nothing was replaced.")
        with partial.open("r+b") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    except ServiceError:
        partial.unlink(missing_ok=True)
        raise
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written to {destination}: {error.strerror}.") from error
    except Exception as error:  # sqlite3 and sqlcipher3 errors alike
        partial.unlink(missing_ok=True)
        raise ServiceError(f"The backup could not be written: {error}.") from error
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("backup", "database", None, destination=str(destination))
        uow.commit()
    return destination


def automatic_backup(ctx: ServiceContext, reason: BackupReason | str,
                     policy: RotationPolicy = DEFAULT_ROTATION) -> AutomaticBackup:
    """The backup the app makes by itself: at START only if none was made yet today, at EXIT always;
    then rotation. Raises `ServiceError` with a plain message when the backup cannot be made."""
    reason = BackupReason(reason)
    source = ctx.database.path
    if source is None:
        return AutomaticBackup(None, note="A database server is backed up on the server (pg_dump).")
    if read_marker(source) is not None:  # moved to a server during this session: back up the server
        return AutomaticBackup(None, note="This clinic moved to a server; it is backed up there (pg_dump).")
    folder = backup_folder(ctx)
    now = ctx.local(ctx.now()).replace(tzinfo=None)
    existing = backup_files(folder, source.stem)
    if reason is BackupReason.START and any(moment.date() == now.date() for moment, _ in existing):
        return AutomaticBackup(None, note="Today's backup is already there.")
    written = backup_database(ctx, None, folder / backup_name(source, now), full_check=False)
    removed = rotate_backups(folder, source.stem, policy)
    return AutomaticBackup(written, tuple(removed))


def verify_backup(path: Path, passphrase: str | None = None) -> DatabaseFileInfo:
    """Check a backup before it may replace anything; `BackupRejected` says why it cannot."""
    try:
        return verify_database_file(Path(path), passphrase, full=True)
    except BadDatabaseFile as error:
        raise BackupRejected(f"{error} Nothing was replaced.") from error


def _take_over(target: Path, passphrase: str | None) -> None:
    """Make sure no one is using the database, and fold its write-ahead log into the file."""
    if not target.exists():
        return
    try:
        connection = connect_file(target, passphrase, timeout=1)
    except Exception:  # noqa: BLE001 - a damaged or foreign file: nothing to fold in
        return
    try:
        connection.isolation_level = None
        try:
            connection.execute("BEGIN EXCLUSIVE")
        except Exception as error:
            if "locked" in str(error).lower() or "busy" in str(error).lower():
                raise ServiceError(
                    f"The database {target} is in use by Front Desk on this or another computer. Close "
                    "Front Desk everywhere, then restore again. Nothing was replaced."
                ) from error
            return
        connection.execute("ROLLBACK")
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # noqa: BLE001 - a damaged file keeps its log beside it instead
            pass
    finally:
        connection.close()


def restore_backup(target: Path, backup: Path, passphrase: str | None = None, *,
                   now: datetime | None = None) -> RestoreResult:
    """Replace the database file `target` by the verified `backup`, keeping the replaced file.

    `passphrase` is the encrypted database's; a plain backup is not put in place of an encrypted
    database (that would undo the encryption), nor an encrypted one without the passphrase.
    """
    target = Path(target)
    backup = Path(backup).expanduser()
    if not backup.is_file():
        raise BackupRejected(f"There is no backup file at {backup}. Nothing was replaced.")
    if target.exists() and backup.resolve() == target.resolve():
        raise BackupRejected("That file is the database itself, not a backup of it. Nothing was replaced.")
    with backup.open("rb") as handle:
        backup_plain = handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    target_encrypted = passphrase is not None or (target.is_file() and looks_encrypted(target))
    if backup_plain and target_encrypted:
        raise BackupRejected(
            "This backup is not encrypted but the database is. Restoring it would leave patient data "
            "unencrypted on this computer. Nothing was replaced."
        )
    if not backup_plain and not looks_encrypted(backup):
        raise BackupRejected(
            f"The file {backup} is not a Front Desk backup (it is not a database file at all). "
            "Nothing was replaced."
        )
    if not backup_plain and passphrase is None:
        raise BackupRejected(
            f"The backup {backup} is encrypted: give the clinic's passphrase (FRONTDESK_PASSPHRASE "
            "or the prompt). Nothing was replaced."
        )
    info = verify_backup(backup, passphrase)
    if not target.parent.is_dir():
        raise BackupRejected(f"The folder {target.parent} does not exist. Nothing was replaced.")
    _take_over(target, passphrase)
    stamp = format_file_stamp(now or datetime.now())
    incoming = target.with_name(target.name + ".restoring")
    try:
        incoming.unlink(missing_ok=True)
        os.close(os.open(incoming, os.O_CREAT | os.O_WRONLY, OWNER_ONLY_FILE))
        shutil.copyfile(backup, incoming)
        with incoming.open("r+b") as handle:
            os.fsync(handle.fileno())
        verify_database_file(incoming, passphrase, full=False)
    except (OSError, BadDatabaseFile) as error:
        incoming.unlink(missing_ok=True)
        remove_side_files(incoming)
        raise BackupRejected(f"The backup could not be copied into place ({error}). Nothing was replaced.") from error
    kept: Path | None = None
    if target.exists():
        kept = target.with_name(f"{target.name}.replaced-{stamp}")
        os.replace(target, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(str(target) + suffix)
            if side.exists():
                os.replace(side, Path(str(kept) + suffix))
    os.replace(incoming, target)
    remove_side_files(incoming)  # the check of the copy opened it under its temporary name
    restrict_to_owner(target)
    return RestoreResult(database=target, restored_from=backup, kept_as=kept, schema_revision=info.revision)


def record_restore(ctx: ServiceContext, actor: Actor | None, result: RestoreResult) -> None:
    """Write the restore into the restored database's audit trail (it cannot know otherwise)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        if actor is not None:
            uow.require(Permission.BACKUP, "restore backups")
        uow.audit("restore", "database", None, restored_from=str(result.restored_from),
                  kept_as=str(result.kept_as) if result.kept_as else None)
        uow.commit()
