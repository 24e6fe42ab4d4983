"""One engine and session factory for every database URL (SQLite file or PostgreSQL server)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

#: How long a writer waits for another front-desk PC's transaction before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 8000

#: Execution option that marks a session as one that will write: SQLite then takes the write lock
#: at BEGIN, so the checks a service makes cannot be invalidated by another writer before it commits.
WRITE_OPTION = "frontdesk_write"

#: Files and folders Front Desk writes (database, backups, logs) are for the signed-in account only.
OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700


def restrict_to_owner(path: Path) -> None:
    """Take away group and other access to a file or folder this account owns (POSIX only).

    Files owned by someone else (a shared folder set up by an administrator) are left alone.
    """
    if os.name != "posix":
        return
    try:
        info = path.stat()
        if info.st_uid != os.getuid():
            return
        wanted = stat.S_IMODE(info.st_mode) & ~0o077
        if stat.S_IMODE(info.st_mode) != wanted:
            os.chmod(path, wanted)
    except OSError:
        pass


def private_folder(path: Path) -> Path:
    """Create `path` (and missing parents) readable by this account only, and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_FOLDER)
    restrict_to_owner(path)
    return path


def sqlite_url_for(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend or an in-memory database."""
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe_url(url: str) -> str:
    """A name for the open database that is safe to show: the file, or server and database name."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    parsed = make_url(url)
    if parsed.get_backend_name().startswith("sqlite"):
        return "in-memory database"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.get_backend_name()} {parsed.database or ''} on {host}{port}"


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        info = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def _configure_sqlite(engine: Engine, database: Database) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record) -> None:
        # Let SQLAlchemy's "begin" event below decide how each transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(database.busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit that returned survives a power cut, WAL or not.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()
        record.info["busy_timeout_ms"] = int(database.busy_timeout_ms)
        record.info["file"] = _file_identity(database.path)
        record.info["listeners"] = tuple(engine.pool.dispatch.connect)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        # A kept connection must behave as a new one would: a file put in its place (a restored
        # backup) or a "connect" hook added since (a tool, a test) means opening the file again.
        if record.info.get("listeners") != tuple(engine.pool.dispatch.connect) or \
                record.info.get("file") != _file_identity(database.path):
            raise DisconnectionError("the database file or its connection set-up changed")
        # Read at every unit of work, so a test (or a setting) can shorten the wait of an open database.
        wanted = int(database.busy_timeout_ms)
        if record.info.get("busy_timeout_ms") != wanted:
            dbapi_connection.execute(f"PRAGMA busy_timeout = {wanted}")
            record.info["busy_timeout_ms"] = wanted

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """The engine and session factory of one open database."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = url
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        self.is_sqlite = self.backend.startswith("sqlite")
        self.is_encrypted = parsed.drivername == "sqlite+pysqlcipher"
        self.busy_timeout_ms = busy_timeout_ms
        if self.is_sqlite:
            # A file database keeps two connections (with their settings) between units of work:
            # opening one, setting it up and closing it costs more than a booking's own queries, and
            # closing the last one folds the write-ahead log into the file at every commit. A kept
            # connection holds no lock between transactions, so other processes and backups (the
            # SQLite backup API) are unaffected; one whose file was replaced is opened again (above),
            # and whoever replaces the file here (restore, encrypt) calls `dispose()` first.
            # An in-memory database gets a connection per unit of work, as before.
            extra: dict = {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
                           "connect_args": {"check_same_thread": False}} if self.path is not None \
                else {"poolclass": NullPool}
            if self.is_encrypted:
                from frontdesk.db.encryption import require_sqlcipher

                # SQLCipher derives the key at every connection (about 0.25 s): keep a few open.
                extra = {"module": require_sqlcipher(), "poolclass": QueuePool, "pool_size": 2,
                         "connect_args": {"check_same_thread": False}}
            self.engine = create_engine(url, echo=echo, **extra)
            _configure_sqlite(self.engine, self)
        else:
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=3)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def display_name(self) -> str:
        return describe_url(self.url)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def passphrase(self) -> str | None:
        """The SQLCipher passphrase of an encrypted database (for its backups), else None."""
        return make_url(self.url).password if self.is_encrypted else None

    def session(self, *, write: bool = False) -> Session:
        session = self._sessions()
        if write:
            # Procure the connection now so its transaction begins with the write lock.
            session.connection(execution_options={WRITE_OPTION: True})
        return session

    def dispose(self) -> None:
        self.engine.dispose()
