"""Open a database safely and bring its schema to the version this app needs.

Safety first: a file that is not a SQLite database, a SQLite database that some other program made,
or a database from a newer version of Front Desk is refused with an explanation and left exactly as
it was. Only a missing or empty file is created.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, OperationalError

from frontdesk.db.engine import Database, describe_url, sqlite_path

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseOpenError(Exception):
    """The database cannot be opened; `str(error)` is a paragraph for the person at the counter."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def check_sqlite_file(url: str) -> None:
    """Refuse a path that is a folder, unreadable, or not a SQLite file, before SQLite touches it."""
    path = sqlite_path(url)
    if path is None:
        return
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
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise DatabaseOpenError(
            f"Front Desk cannot read the database file {where} ({error.strerror}). Check that your "
            "Windows or computer account may read and write it, or ask the clinic's administrator."
        ) from error
    if header and header != SQLITE_HEADER:
        raise DatabaseOpenError(
            f"The file {where} is not a Front Desk database (it is not a SQLite file at all). "
            "Front Desk has left it untouched. Check the path, or restore the database from a backup."
        )
    if header:
        _check_existing_sqlite(path)


def _read_only_schema(path: Path) -> tuple[set[str], str | None]:
    """Table names and Alembic revision of a SQLite file, read without writing a byte to it."""
    last_error: sqlite3.Error | None = None
    for query in ("mode=ro", "immutable=1"):
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True)
        except sqlite3.Error as error:
            last_error = error
            continue
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            return tables, revision
        except sqlite3.Error as error:
            last_error = error
        finally:
            connection.close()
    raise DatabaseOpenError(explain_connection_error(f"sqlite:///{path}", last_error or sqlite3.Error("")))


def _check_existing_sqlite(path: Path) -> None:
    tables, revision = _read_only_schema(path)
    _refuse_unknown(str(path), tables, revision)


def _refuse_unknown(where: str, tables: set[str], revision: str | None) -> None:
    if revision is None and tables - {"alembic_version"}:
        raise DatabaseOpenError(
            f"The database {where} already holds tables that Front Desk did not create, so it "
            "belongs to another program. Front Desk has left it untouched; give it a new file or an "
            "empty database instead."
        )
    if revision is not None and not _revision_exists(ScriptDirectory.from_config(_alembic_config()), revision):
        raise DatabaseOpenError(
            f"The database {where} was last used by a newer version of Front Desk (schema "
            f"{revision}). This version cannot read it safely and has not changed it. Install the "
            "newer version of Front Desk on this computer."
        )


def schema_state(database: Database) -> SchemaState:
    head = head_revision()
    with database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        tables = set(inspect(connection).get_table_names())
    _refuse_unknown(database.display_name, tables, current)
    return SchemaState(current=current, head=head)


def _revision_exists(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False


def open_database(url: str) -> Database:
    """Open (creating a missing SQLite file) and migrate to head; raise `DatabaseOpenError`."""
    check_sqlite_file(url)
    database = Database(url)
    try:
        state = schema_state(database)
        if not state.up_to_date:
            upgrade(database)
    except DatabaseOpenError:
        database.dispose()
        raise
    except (OperationalError, DBAPIError) as error:
        database.dispose()
        raise DatabaseOpenError(explain_connection_error(url, error)) from error
    return database


def upgrade(database: Database) -> None:
    config = _alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


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
