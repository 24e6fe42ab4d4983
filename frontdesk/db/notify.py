"""PostgreSQL LISTEN/NOTIFY for live updates between desks, and SQLite's cheap change counter.

`send` runs inside a unit of work's transaction: PostgreSQL delivers the notification to every
listening desk when (and only if) that transaction commits. `Listener` keeps its own connection on a
thread of its own, survives the server going away (it reconnects with a growing pause) and says so,
since notifications sent while it was away are lost. `DataVersion` is the SQLite counterpart: a kept
connection whose `PRAGMA data_version` moves when any other connection commits to the file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The channel every desk of a clinic listens on (one database = one clinic).
CHANNEL = "frontdesk_changes"
#: PostgreSQL refuses a payload of 8000 bytes or more; a larger change is sent as "reload everything".
MAX_PAYLOAD = 7900

log = logging.getLogger("frontdesk")


def send(session: Session, payload: str) -> None:
    """Queue a notification in the session's transaction (delivered at its commit)."""
    # The driver's own statement: nothing for SQLAlchemy to compile at every write.
    session.connection().exec_driver_sql("SELECT pg_notify(%(channel)s, %(payload)s)",
                                         {"channel": CHANNEL, "payload": payload})


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://...`), worked
    out without SQLAlchemy (the first screen's reads do the same)."""
    from frontdesk.db.plain import server_conninfo

    return server_conninfo(url)


class Listener:
    """LISTEN on its own connection, on its own thread, until `stop()`.

    `on_notice(payload)` is called for each notification, `on_connected(again)` each time the
    connection is (re)made (`again` is True after a loss: notifications may have been missed), and
    `on_lost(message)` when the server went away. All three are called on the listener's thread.
    """

    def __init__(self, url: str, on_notice: Callable[[str], None], on_connected: Callable[[bool], None],
                 on_lost: Callable[[str], None], *, first_pause: float = 0.2, longest_pause: float = 5.0) -> None:
        self._url = url
        self._on_notice, self._on_connected, self._on_lost = on_notice, on_connected, on_lost
        self.first_pause, self.longest_pause = first_pause, longest_pause
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="frontdesk-listen", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        pause, connected_before = self.first_pause, False
        address = conninfo(self._url)
        while not self._stop.is_set():
            try:
                # keepalives: a server behind a cable that was pulled is noticed too, not only a stopped one.
                with psycopg.connect(address, autocommit=True, connect_timeout=5, keepalives=1,
                                     keepalives_idle=10, keepalives_interval=5, keepalives_count=2) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    pause = self.first_pause
                    self._on_connected(connected_before)
                    connected_before = True
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=0.5):
                            self._on_notice(notice.payload)
            except psycopg.Error as error:
                if self._stop.is_set():
                    return
                if connected_before:
                    self._on_lost(str(error).strip().splitlines()[0] if str(error).strip() else "connection lost")
                log.info("live updates: no connection to the server (%s); trying again in %.1f s",
                         type(error).__name__, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, self.longest_pause)
            except Exception:  # a listener that dies silently would freeze every desk's view
                log.exception("live updates: the listener failed; trying again")
                self._stop.wait(self.longest_pause)


class DataVersion:
    """SQLite's change counter on a kept connection: `changed()` is True when another connection
    (this process's or another's) committed to the file since the last call. One PRAGMA, no table read."""

    def __init__(self, path: Path, passphrase: str | None) -> None:
        from frontdesk.db.encryption import connect_file

        # any_thread: opened on a worker thread (an encrypted file's key takes a moment), asked on the UI thread.
        self._connection: sqlite3.Connection | None = connect_file(path, passphrase, timeout=1.0, any_thread=True)
        self._connection.isolation_level = None
        self._version = self._read()

    def _read(self) -> int:
        assert self._connection is not None
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        if self._connection is None:
            return False
        version = self._read()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
