"""Writing in bulk through SQLAlchemy Core, and the instants of the local day grid.

Rows go to the database as SQLAlchemy 2.0 "executemany" inserts, `connection.execute(table.insert(),
rows)`, a list of mappings per chunk: every value is converted by its column's own type (aware datetimes
to naive UTC, JSON, booleans), as in any other insert of the app. Chunks are written on a second thread,
so the database works on one chunk while Python builds the next (SQLite and psycopg release the
interpreter lock while they write).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from queue import Queue
from threading import Thread
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Insert, insert

from frontdesk.db.models import Base

from frontdesk.domain.scheduling import local_instant

#: Rows per executemany.
CHUNK = 20_000


class BulkWriter:
    """Inserts of plain rows (tuples in the order of the columns named) into a table.

    The connection belongs to the writing thread between `insert` and `drain()`: call `drain()` (it
    waits for the queue to empty and raises what the writer met) before anything else uses it.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._statements: dict[str, Insert] = {}
        self._queue: Queue[tuple[Insert, list[dict[str, Any]]] | None] = Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._thread = Thread(target=self._write, name="generate-writer", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._failure is None:
                    self.connection.execute(*job)
            except BaseException as error:  # noqa: BLE001 - handed to the generating thread
                self._failure = error
            finally:
                self._queue.task_done()

    def _send(self, statement: Insert, batch: list[dict[str, Any]]) -> None:
        if self._failure is not None:
            self.drain()
        self._queue.put((statement, batch))

    def drain(self) -> None:
        self._queue.join()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def insert(self, model: type[Base], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Queue rows of a model's table for writing; returns how many there were."""
        table = Base.metadata.tables[model.__tablename__]
        statement = self._statements.get(table.name)
        if statement is None:
            statement = self._statements[table.name] = insert(table)
        names = tuple(columns)
        unknown = set(names) - set(table.c.keys())
        if unknown:
            raise RuntimeError(f"{table.name} has no column {', '.join(sorted(unknown))}")
        batch: list[dict[str, Any]] = []
        count = 0
        for row in rows:
            batch.append(dict(zip(names, row, strict=True)))
            if len(batch) >= CHUNK:
                self._send(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            self._send(statement, batch)
            count += len(batch)
        return count


class Clock:
    """Instants of local wall times, keyed by (day index, minute of the day), cached because the day
    grid repeats across therapists and patients: each comes with the ISO text of its UTC instant."""

    def __init__(self, first_day: date, zone: ZoneInfo) -> None:
        self.first_day = first_day
        self.zone = zone
        self._cache: dict[int, tuple[datetime, str]] = {}
        self._offsets: dict[int, timedelta] = {}
        #: `lookup(day index * 1440 + minute)`: the cached (instant, ISO) pair, or None.
        self.lookup = self._cache.get

    def instant(self, day_index: int, minute: int) -> datetime:
        day_index += minute // 1440
        minute %= 1440
        day = self.first_day + timedelta(days=day_index)
        if minute < 4 * 60:
            return local_instant(day, time(minute // 60, minute % 60), self.zone)
        # Clocks change only in the small hours, so from 4:00 on the day's noon offset holds.
        offset = self._offsets.get(day_index)
        if offset is None:
            offset = self._offsets[day_index] = local_instant(day, time(12), self.zone).replace(
                tzinfo=None) - datetime.combine(day, time(12))
        return (datetime.combine(day, time()) + timedelta(minutes=minute) + offset).replace(tzinfo=UTC)

    def at(self, day_index: int, minute: int) -> tuple[datetime, str]:
        """(the UTC instant, its ISO text) of a local day and minute."""
        key = day_index * 1440 + minute
        found = self._cache.get(key)
        if found is None:
            instant = self.instant(day_index, minute)
            found = (instant, instant.isoformat())
            self._cache[key] = found
        return found
