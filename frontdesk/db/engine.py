"""One engine and session factory for every database URL (SQLite file or PostgreSQL server).

SQLAlchemy is imported when the first unit of work needs it, not when a database is opened: on a
SQLite file the first screen (the day view, the clinic's settings) is read through `plain_reads`,
plain DB-API connections of the standard library's `sqlite3`, so the window is up before SQLAlchemy
has loaded (its import alone takes longer than a bare Qt window takes to show).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontdesk.db.urls import describe_url, parse_url, sqlite_path

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy import Connection, Engine
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.orm import Session, sessionmaker
    from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

    from frontdesk.db.plain import Reader

__all__ = ["Database", "describe_url", "private_folder", "restrict_to_owner", "sqlite_path", "sqlite_url_for"]

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


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        info = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def _configure_sqlite(engine: Engine, database: Database) -> None:
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
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
    def _on_checkout(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry,
                     _proxy: PoolProxiedConnection) -> None:
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
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


#: Set on each new server connection. Front Desk's statements are short reads and writes of a few
#: rows; PostgreSQL's JIT compiler, which starts on any statement the planner costs above
#: `jit_above_cost` (a search over 100,000 patients can be), only adds its compile time to them.
SERVER_SESSION = "SET jit = off"
#: The first PostgreSQL with `jit` (11); an older server would refuse the setting.
_JIT_SINCE = 110000


def set_up_server_session(connection: Any) -> None:
    """`SERVER_SESSION` on a new psycopg connection, where the server knows the setting (its version
    comes with the connection: no round trip to ask)."""
    if connection.info.server_version >= _JIT_SINCE:
        connection.execute(SERVER_SESSION)


def _configure_server(engine: Engine) -> None:
    """Throw away kept psycopg connections the server has closed, before they are used, without a
    round trip: SQLAlchemy's pre-ping (an empty statement sent at every checkout) costs one more
    round trip for each unit of work, about a tenth of a booking's.

    A pooled connection sits idle between units of work, so nothing may arrive on its socket: when
    the server stops or restarts (or ends the session) it sends its goodbye and closes the socket,
    which then reads as ready. Such a connection, and with it every other one of the pool (they all
    went with the server), is replaced by a new one before the unit begins, so the first save after
    a restarted server succeeds. A server that went without a word (a power cut at the server, or a
    restart while this PC slept or was off the network) is noticed by the unit's first statement
    instead: SQLAlchemy then discards the pool, the desk says the server cannot be reached and keeps
    what was typed, and the next try connects anew. A pre-ping would have found a reset connection
    at checkout and saved that one failed try, at the price of a round trip for every unit of work.
    """
    import psycopg
    from psycopg.pq import ConnStatus
    from sqlalchemy import event
    from sqlalchemy.exc import InvalidatePoolError

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        set_up_server_session(dbapi_connection)
        dbapi_connection.commit()  # not left in the first unit of work's transaction, to be undone with it

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry,
                     _proxy: PoolProxiedConnection) -> None:
        pgconn = dbapi_connection.pgconn
        try:
            closed = pgconn.status != ConnStatus.OK or _has_input(pgconn.socket)
        except (OSError, ValueError, psycopg.Error):
            closed = True
        if closed:
            raise InvalidatePoolError("the database server closed the connection")


def _has_input(sock: int) -> bool:
    """True when something (or the end) arrived on the socket: a look, not a wait."""
    import select

    if hasattr(select, "poll"):  # POSIX: no limit on the descriptor's number, unlike select()
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


#: Plain read connections kept between reads (each costs a file open, and a key derivation when encrypted).
_PLAIN_KEPT = 2

#: How a plain read on a server begins: one snapshot for the whole read, and nothing written.
_SERVER_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class Database:
    """The engine and session factory of one open database, built at first use, and on a SQLite
    file the plain read connections."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = url
        parsed = parse_url(url)
        self.backend = parsed.backend
        self.is_sqlite = parsed.is_sqlite
        self.is_encrypted = parsed.is_encrypted
        #: The SQLCipher passphrase of an encrypted database (for its backups), else None.
        self.passphrase = parsed.password if parsed.is_encrypted else None
        self.path: Path | None = parsed.sqlite_path
        self.echo = echo
        self.busy_timeout_ms = busy_timeout_ms
        #: Called with each statement sent on a plain read connection (tests count queries with it).
        self.statement_listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._idle_plain: list[tuple[sqlite3.Connection, tuple[int, int] | None]] = []
        self._drivername = parsed.drivername
        self._idle_server: list[psycopg.Connection] = []

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created (and SQLAlchemy imported) on first use."""
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    engine, sessions = self._create_engine()
                    self._sessions = sessions  # before the engine: another thread takes a set engine as ready
                    self._engine = engine
                engine = self._engine
        return engine

    @property
    def engine_created(self) -> bool:
        return self._engine is not None

    def _create_engine(self) -> tuple[Engine, sessionmaker[Session]]:
        # hide_parameters: a statement's values (notes, answers, names) never reach an exception's
        # text, and so never the log file (see `frontdesk.private_log` for what else is kept out).
        from sqlalchemy import create_engine, make_url
        from sqlalchemy.orm import sessionmaker
        from sqlalchemy.pool import NullPool, QueuePool

        if self.is_sqlite:
            # A file database keeps two connections (with their settings) between units of work:
            # opening one, setting it up and closing it costs more than a booking's own queries, and
            # closing the last one folds the write-ahead log into the file at every commit. A kept
            # connection holds no lock between transactions, so other processes and backups (the
            # SQLite backup API) are unaffected; one whose file was replaced is opened again (above),
            # and whoever replaces the file here (restore, encrypt) calls `dispose()` first.
            # An in-memory database gets a connection per unit of work, as before.
            extra: dict[str, object] = {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
                           "connect_args": {"check_same_thread": False}} if self.path is not None \
                else {"poolclass": NullPool}
            if self.is_encrypted:
                from frontdesk.db.encryption import require_sqlcipher

                # SQLCipher derives the key at every connection (about 0.25 s): keep a few open.
                extra = {"module": require_sqlcipher(), "poolclass": QueuePool, "pool_size": 2,
                         "connect_args": {"check_same_thread": False}}
            engine = create_engine(self.url, echo=self.echo, hide_parameters=True, **extra)
            _configure_sqlite(engine, self)
        else:
            # A kept server connection is checked before each unit of work without asking the server
            # (`_configure_server`); a driver other than psycopg gets SQLAlchemy's pre-ping (a round trip).
            engine_url = make_url(self.url)
            checked_locally = engine_url.get_driver_name() == "psycopg"  # not psycopg2 (a plain URL on 2.0)
            engine = create_engine(self.url, echo=self.echo, hide_parameters=True, pool_pre_ping=not checked_locally,
                                   pool_size=3)
            if checked_locally:
                _configure_server(engine)
        return engine, sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @property
    def display_name(self) -> str:
        return describe_url(self.url)

    @property
    def has_plain_reads(self) -> bool:
        """True for a SQLite file: reads may then go through `plain_reads` instead of SQLAlchemy."""
        return self.is_sqlite and self.path is not None

    @property
    def reads_plainly(self) -> bool:
        """True when `plain_reader` can read without SQLAlchemy: a SQLite file (`sqlite3`) or a
        PostgreSQL server through psycopg (the driver SQLAlchemy uses there too)."""
        return self.has_plain_reads or self._drivername in ("postgresql", "postgresql+psycopg")

    @contextmanager
    def plain_reader(self) -> Iterator[Reader]:
        """A `Reader` inside one read-only transaction, without SQLAlchemy: `plain_reads` on a SQLite
        file; on a server a kept `psycopg` connection (REPEATABLE READ, like a SQLite read: every
        query sees the same state). Only for `reads_plainly`."""
        from frontdesk.db.plain import PsycopgReader, SqliteReader

        if self.has_plain_reads:
            with self.plain_reads() as connection:
                yield SqliteReader(connection)
            return
        server = self._take_server()
        try:
            try:
                yield PsycopgReader(server, self._trace if self.statement_listeners else None)
            finally:
                server.execute("ROLLBACK")
        except BaseException:
            server.close()
            raise
        with self._lock:
            if len(self._idle_server) < _PLAIN_KEPT:
                self._idle_server.append(server)
                return
        server.close()

    def _take_server(self) -> psycopg.Connection:
        """A server connection with its read transaction begun: a kept one when it still answers
        (the BEGIN is the check: a server restarted meanwhile gets a new connection), else a new one."""
        import psycopg

        from frontdesk.db.plain import server_conninfo

        while True:
            with self._lock:
                connection = self._idle_server.pop() if self._idle_server else None
            if connection is None:
                break
            try:
                connection.execute(_SERVER_READ)
                return connection
            except psycopg.Error:
                connection.close()
        connection = psycopg.connect(server_conninfo(self.url), autocommit=True)
        try:
            set_up_server_session(connection)
            connection.execute(_SERVER_READ)
        except BaseException:
            connection.close()
            raise
        return connection

    def session(self, *, write: bool = False) -> Session:
        self.engine  # noqa: B018 - builds the session factory on first use
        assert self._sessions is not None
        session = self._sessions()
        if write:
            # Procure the connection now so its transaction begins with the write lock.
            session.connection(execution_options={WRITE_OPTION: True})
        return session

    @contextmanager
    def plain_reads(self) -> Iterator[sqlite3.Connection]:
        """A plain `sqlite3` connection (SQLCipher's when encrypted) for reads only, inside one read
        transaction: every query sees the same state of the file. Only for `has_plain_reads`.

        The connection refuses writes (`query_only`) and is kept for the next read unless its file
        was replaced meanwhile (a restored backup).
        """
        connection, identity = self._take_plain()
        try:
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("ROLLBACK")
        except BaseException:
            connection.close()
            raise
        with self._lock:
            if len(self._idle_plain) < _PLAIN_KEPT and identity == _file_identity(self.path):
                self._idle_plain.append((connection, identity))
                return
        connection.close()

    def _take_plain(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        if not self.has_plain_reads:
            raise RuntimeError("plain reads need a SQLite database file")
        assert self.path is not None  # a file, as has_plain_reads says
        current = _file_identity(self.path)
        with self._lock:
            while self._idle_plain:
                connection, identity = self._idle_plain.pop()
                if identity == current:
                    self._set_up_plain(connection)
                    return connection, identity
                connection.close()
        from frontdesk.db.encryption import connect_file

        connection = connect_file(self.path, self.passphrase, timeout=self.busy_timeout_ms / 1000, any_thread=True)
        connection.isolation_level = None
        connection.execute("PRAGMA query_only = 1")
        self._set_up_plain(connection)
        return connection, current

    def _set_up_plain(self, connection: sqlite3.Connection) -> None:
        # Read at every use, like the engine's connections: a test (or a setting) may shorten the wait.
        connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        connection.set_trace_callback(self._trace if self.statement_listeners else None)

    def _trace(self, statement: str) -> None:
        for listener in list(self.statement_listeners):
            listener(statement)

    def dispose(self) -> None:
        with self._lock:
            idle, self._idle_plain = self._idle_plain, []
            idle_server, self._idle_server = self._idle_server, []
            engine = self._engine
        for connection, _identity in idle:
            connection.close()
        for server_connection in idle_server:
            server_connection.close()
        if engine is not None:
            engine.dispose()
