"""Open a database safely and bring its schema to the version this app needs.

Safety first: a file that is not a SQLite database, a SQLite database that some other program made,
or a database from a newer version of Front Desk is refused with an explanation and left exactly as
it was. Only a missing or empty file is created.

A damaged file is refused too (`DatabaseDamaged`, carrying the latest good backup). SQLite reports
damage to the first page and the schema at open; for the rest, `PRAGMA quick_check` runs at open on
files up to `QUICK_CHECK_LIMIT_BYTES` (measured: about 0.9 s for a 236 MB file with a million
appointments, too slow for every start of a large clinic). Larger files rely on SQLite's own errors,
the daily backup's check of its copy, and `frontdesk check`.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontdesk.db.backup_files import backup_files, backup_folders
from frontdesk.db.encryption import (
    EncryptionError,
    connect_file,
    encrypted_url,
    find_passphrase,
    is_encrypted_url,
    looks_encrypted,
    url_passphrase,
)
from frontdesk.db.engine import SQLITE_BUSY_TIMEOUT_MS, Database, private_folder, restrict_to_owner
from frontdesk.db.faults import fault_text
from frontdesk.db.moved import MoveMarker, moved_message, read_marker
from frontdesk.db.urls import BadDatabaseUrl, describe_url, sqlite_path, supported_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_FOLDER = Path(__file__).parent / "migrations"

SQLITE_HEADER = b"SQLite format 3\x00"

#: Files up to this size get `PRAGMA quick_check` at every open (about 0.25 s at this size).
QUICK_CHECK_LIMIT_BYTES = 64 * 1024 * 1024



class DatabaseOpenError(Exception):
    """The database cannot be opened; `str(error)` is a paragraph for the person at the counter."""


class DatabaseDamaged(DatabaseOpenError):
    """The file is damaged: nothing is written to it; `latest_backup` is the newest good backup."""

    def __init__(self, message: str, *, path: Path, latest_backup: Path | None) -> None:
        super().__init__(message)
        self.path = path
        self.latest_backup = latest_backup


class ClinicMoved(DatabaseOpenError):
    """The SQLite clinic was moved onto a server (`frontdesk move-to`): it is not opened for writing.
    `marker` says where it went (host and database, and the address to open instead)."""

    def __init__(self, message: str, *, path: Path, marker: MoveMarker) -> None:
        super().__init__(message)
        self.path = path
        self.marker = marker


class PassphraseNeeded(DatabaseOpenError):
    """The database is encrypted and no passphrase was given: ask for one and open again."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


class WrongPassphrase(PassphraseNeeded):
    """The passphrase given does not open the encrypted database."""


class BadDatabaseFile(DatabaseOpenError):
    """A file offered as a database or a backup is not a usable Front Desk database."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    return config


@lru_cache(maxsize=1)
def known_revisions() -> tuple[str, ...]:
    """Every schema revision this version knows, oldest first, read from the migration file names.

    A migration file is named `<revision>_<what it does>.py` with a zero-padded number as its
    revision (a test holds every file to this), so deciding that a database is current at each start
    needs no Alembic: it is imported only when an upgrade runs.
    """
    names = (path.name for path in (MIGRATIONS_FOLDER / "versions").glob("*.py"))
    return tuple(sorted(name.split("_", 1)[0] for name in names if not name.startswith("_")))


def head_revision() -> str:
    return known_revisions()[-1]


def check_sqlite_file(url: str) -> SchemaState | None:
    """Refuse a path that is a folder, unreadable, not a SQLite file, or damaged, before SQLite
    writes to it. The schema state of an existing SQLite file (read without SQLAlchemy), else None."""
    path = sqlite_path(url)
    if path is None:
        return None
    where = str(path)
    if path.exists() and path.is_dir():
        raise DatabaseOpenError(
            f"The database path {where} is a folder, not a file. Give the path of a database file "
            "(for example frontdesk.sqlite3 inside that folder)."
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise DatabaseOpenError(
                f"The folder for the database, {path.parent}, does not exist. Create it first or "
                "choose another location."
            )
        return None
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise DatabaseOpenError(
            f"Front Desk cannot read the database file {where} ({error.strerror}). Check that your "
            "Windows or computer account may read and write it, or ask the clinic's administrator."
        ) from error
    passphrase = url_passphrase(url)
    if passphrase is None and header and header != SQLITE_HEADER:
        if looks_encrypted(path):
            raise PassphraseNeeded(
                f"The database {where} is encrypted, or it is not a Front Desk database at all. If "
                "the clinic's database is encrypted, enter the clinic's passphrase (or set "
                "FRONTDESK_PASSPHRASE). Front Desk has left the file untouched.",
                path=path,
            )
        raise DatabaseOpenError(
            f"The file {where} is not a Front Desk database (it is not a SQLite file at all). "
            "Front Desk has left it untouched. Check the path, or restore the database from a backup."
        )
    if passphrase is not None and header == SQLITE_HEADER:
        raise DatabaseOpenError(
            f"The database {where} is not encrypted, but a passphrase was given for it. Open it "
            "without one, or encrypt it first with: frontdesk encrypt"
        )
    if header:
        return _check_existing_sqlite(path, passphrase)
    return None


def _damaged(path: Path, passphrase: str | None, detail: str) -> DatabaseDamaged:
    latest = latest_good_backup(path, passphrase)
    offer = (
        f"The latest good backup is {latest}. To put it back, close Front Desk on every computer and "
        f"run: frontdesk restore \"{latest}\" (the damaged file is kept beside it)."
        if latest is not None
        else "No good backup was found in the backup folder. Ask the clinic's administrator for the "
        "latest copy of the database."
    )
    return DatabaseDamaged(
        f"The database file {path} is damaged ({detail}). Front Desk will not write to it, so "
        f"nothing more can go wrong with it. {offer}",
        path=path,
        latest_backup=latest,
    )


def _read_only_schema(path: Path, passphrase: str | None = None, *,
                      quick_check: bool = False) -> tuple[set[str], str | None]:
    """Table names and Alembic revision of a SQLite file, read without writing a byte to it."""
    last_error: Exception | None = None
    for immutable in (False, True):
        try:
            connection = connect_file(path, passphrase, read_only=True, immutable=immutable, timeout=5)
        except EncryptionError as error:
            raise DatabaseOpenError(str(error)) from error
        except Exception as error:  # noqa: BLE001 - sqlite3 and sqlcipher3 errors alike
            last_error = error
            continue
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            if quick_check:
                results = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
                if results != ["ok"]:
                    raise _damaged(path, passphrase, "; ".join(results[:2]))
            return tables, revision
        except DatabaseOpenError:
            raise
        except Exception as error:  # noqa: BLE001
            last_error = error
        finally:
            connection.close()
    text = str(last_error or "").lower()
    if passphrase is not None and "file is not a database" in text:
        raise WrongPassphrase(
            f"The passphrase does not open the encrypted database {path}. Check it (capital letters "
            "count) and try again. Front Desk has not changed the file.",
            path=path,
        )
    if "malformed" in text or "file is not a database" in text or "corrupt" in text:
        raise _damaged(path, passphrase, str(last_error).strip())
    raise DatabaseOpenError(explain_connection_error(f"sqlite:///{path}", last_error or sqlite3.Error("")))


def _check_existing_sqlite(path: Path, passphrase: str | None = None) -> SchemaState:
    small = path.stat().st_size <= QUICK_CHECK_LIMIT_BYTES
    tables, revision = _read_only_schema(path, passphrase, quick_check=small)
    _refuse_unknown(str(path), tables, revision)
    return SchemaState(current=revision, head=head_revision())


def _refuse_unknown(where: str, tables: set[str], revision: str | None) -> None:
    if revision is None and tables - {"alembic_version"}:
        raise DatabaseOpenError(
            f"The database {where} already holds tables that Front Desk did not create, so it "
            "belongs to another program. Front Desk has left it untouched; give it a new file or an "
            "empty database instead."
        )
    if revision is not None and revision not in known_revisions():
        raise DatabaseOpenError(
            f"The database {where} was last used by a newer version of Front Desk (schema "
            f"{revision}). This version cannot read it safely and has not changed it. Install the "
            "newer version of Front Desk on this computer."
        )


#: The tables of a server's current schema (those SQLAlchemy's `inspect(...).get_table_names()` lists).
_SERVER_TABLES = ("SELECT c.relname FROM pg_catalog.pg_class c "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')")


def schema_state(database: Database) -> SchemaState:
    """The database's revision (Alembic's `alembic_version` row, read with plain SQL) against the head.

    A server is asked through a plain psycopg connection (no SQLAlchemy: a clinic already at this
    version opens its first screen without it), anything else through SQLAlchemy."""
    if database.reads_plainly and not database.is_sqlite:
        from frontdesk.db.plain import first_value

        with database.plain_reader() as reader:
            tables = {name for (name,) in reader.rows(_SERVER_TABLES)}
            current = first_value(reader, "SELECT version_num FROM alembic_version") \
                if "alembic_version" in tables else None
    else:
        from sqlalchemy import inspect, text

        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            current = None
            if "alembic_version" in tables:
                current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    _refuse_unknown(database.display_name, tables, current)
    return SchemaState(current=current, head=head_revision())


def unlock_url(url: str) -> str:
    """For a plain SQLite URL naming an encrypted file, the encrypted URL with the passphrase from
    `FRONTDESK_PASSPHRASE` or the keyring; any other URL as it is."""
    path = sqlite_path(url)
    if path is None or is_encrypted_url(url) or not path.is_file() or not looks_encrypted(path):
        return url
    passphrase = find_passphrase(path)
    return encrypted_url(path, passphrase) if passphrase else url


def open_database(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Database:
    """Open (creating a missing SQLite file) and migrate to head; raise `DatabaseOpenError`.

    A SQLite clinic that was moved onto a server is refused (`ClinicMoved`) before anything else.
    An encrypted file is opened with the passphrase in the URL, else the one from
    `FRONTDESK_PASSPHRASE` or the keyring; without one, `PassphraseNeeded`.
    """
    try:
        supported_url(url)
    except BadDatabaseUrl as error:
        raise DatabaseOpenError(str(error)) from error
    moved_from = sqlite_path(url)
    marker = read_marker(moved_from)
    if moved_from is not None and marker is not None:
        raise ClinicMoved(moved_message(moved_from, marker), path=moved_from, marker=marker)
    url = unlock_url(url)
    found = check_sqlite_file(url)
    path = sqlite_path(url)
    created = path is not None and not path.exists()
    database = Database(url, busy_timeout_ms=busy_timeout_ms)
    try:
        # A SQLite file already at this version needs nothing more (and no SQLAlchemy yet); a new
        # file, an older schema or a server is looked at and upgraded through SQLAlchemy and Alembic.
        if found is None or not found.up_to_date:
            state = schema_state(database)
            if not state.up_to_date:
                try:
                    upgrade(database)
                except Exception as error:
                    if fault_text(error) is not None:
                        raise
                    logging.getLogger("frontdesk").exception("schema update failed")
                    raise DatabaseOpenError(
                        f"Front Desk could not update the database {describe_url(url)} to this version. "
                        "The update was undone, so the database is exactly as it was: keep using the "
                        "previous version of Front Desk for now, and report this to whoever looks after "
                        "the clinic's computers (the log file says what went wrong).") from error
    except DatabaseOpenError:
        database.dispose()
        raise
    except Exception as error:
        database.dispose()
        if fault_text(error) is None:
            raise
        raise DatabaseOpenError(explain_connection_error(url, error)) from error
    if path is not None:
        restrict_to_owner(path)
        if created:
            from frontdesk.config import data_dir

            if path.parent.resolve() == data_dir().resolve():
                private_folder(path.parent)
    return database


def upgrade(database: Database) -> None:
    """Bring the schema to the newest revision in one transaction: all of it, or nothing.

    On SQLite, Alembic's batch mode changes a table by copying it and dropping the old one, which a
    table that others point at (patients, appointment types ...) refuses while foreign keys are
    enforced. SQLite's own recipe for such changes is followed: enforcement off for the migration
    (a pragma that only takes effect outside a transaction), `PRAGMA foreign_key_check` before the
    commit, enforcement back on afterwards.
    """
    from alembic import command

    config = _alembic_config()
    with database.engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            _set_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if is_sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationFailed(
                            f"the update would leave {len(broken)} broken link(s), first in table {broken[0][0]}")
        finally:
            if is_sqlite:
                _set_foreign_keys(connection, on=True)


class MigrationFailed(Exception):
    """The schema update was refused and rolled back; the database is as it was."""


def _set_foreign_keys(connection: Any, *, on: bool) -> None:
    """Outside any transaction, on the driver's own connection (SQLAlchemy would begin one first)."""
    if connection.in_transaction():
        connection.commit()
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def explain_connection_error(url: str, error: Exception) -> str:
    text = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error) else ""
    where = describe_url(url)
    lowered = text.lower()
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"The file {where} is damaged or is not a Front Desk database. Front Desk has not changed "
            "it. Restore the latest backup (frontdesk restore) or ask the clinic's administrator."
        )
    if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
        return (
            f"Front Desk cannot open {where} for reading and writing. Check that the file and its "
            "folder are writable by your account and that the drive is connected."
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            f"The database {where} is busy: another program is holding it. Wait a moment and try "
            "again; if it persists, close other copies of Front Desk."
        )
    if sqlite_path(url) is None:
        return (
            f"Front Desk could not reach the database server ({where}): {text}. Check that the "
            "server computer is on and connected to the clinic network, and that the address, "
            "user name and password are right."
        )
    return f"Front Desk could not open the database {where}: {text}."


@dataclass(frozen=True)
class DatabaseFileInfo:
    path: Path
    revision: str
    integrity: str


def verify_database_file(path: Path, passphrase: str | None = None, *, full: bool = True) -> DatabaseFileInfo:
    """Check that `path` is a sound Front Desk database this version can open: a SQLite (or, with
    the passphrase, SQLCipher) file that passes the integrity check (`quick_check` when not `full`),
    holds Front Desk's schema and is not from a newer version. Raise `BadDatabaseFile` otherwise."""
    where = str(path)
    if not path.is_file():
        raise BadDatabaseFile(f"There is no file at {where}.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER and passphrase is None:
        raise BadDatabaseFile(
            f"The file {where} is not a plain Front Desk database: it is encrypted (give the "
            "clinic's passphrase) or it is not a database at all."
        )
    if header == SQLITE_HEADER:
        passphrase = None
    try:
        connection = connect_file(path, passphrase, read_only=True, timeout=5)
    except EncryptionError as error:
        raise BadDatabaseFile(str(error)) from error
    except Exception as error:  # a wrong passphrase is found as the file is opened
        if passphrase is not None and "file is not a database" in str(error):
            raise BadDatabaseFile(f"The passphrase does not open {where}.") from error
        raise BadDatabaseFile(f"The file {where} is damaged or is not a database ({error}).") from error
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        pragma = "integrity_check" if full else "quick_check"
        results = [row[0] for row in connection.execute(f"PRAGMA {pragma}(5)")]
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except Exception as error:  # sqlite3 and sqlcipher3 errors alike
        if passphrase is not None and "file is not a database" in str(error):
            raise BadDatabaseFile(f"The passphrase does not open {where}.") from error
        raise BadDatabaseFile(f"The file {where} is damaged or is not a database ({error}).") from error
    finally:
        connection.close()
    if results != ["ok"]:
        raise BadDatabaseFile(f"The file {where} is damaged: it fails the integrity check ({'; '.join(results[:2])}).")
    if revision is None or "patients" not in tables:
        raise BadDatabaseFile(f"The file {where} is a database, but not one of Front Desk's.")
    if revision not in known_revisions():
        raise BadDatabaseFile(
            f"The file {where} comes from a newer version of Front Desk (schema {revision}); this "
            "version cannot use it."
        )
    return DatabaseFileInfo(path=path, revision=revision, integrity="ok")


def latest_good_backup(database_path: Path, passphrase: str | None = None) -> Path | None:
    """The newest backup of this database that passes a quick check, from its backup folders."""
    candidates = sorted(
        (item for folder in backup_folders(database_path, passphrase)
         for item in backup_files(folder, database_path.stem)),
        reverse=True,
    )
    for _moment, candidate in candidates:
        try:
            verify_database_file(candidate, passphrase, full=False)
        except DatabaseOpenError:
            continue
        return candidate
    return None
