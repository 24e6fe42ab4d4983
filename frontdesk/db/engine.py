"""One engine and session factory for every database URL (SQLite file or PostgreSQL server)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
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


def _configure_sqlite(engine: Engine, database: Database) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below decide how each transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Read at every connection, so a test (or a setting) can shorten the wait of an open database.
        cursor.execute(f"PRAGMA busy_timeout = {int(database.busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit that returned survives a power cut, WAL or not.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

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
            # NullPool: a connection per unit of work; cheap for SQLite and it never keeps a file
            # handle open across a backup or restore.
            extra: dict = {"poolclass": NullPool}
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
