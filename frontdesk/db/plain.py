"""Plain SQL reads that run the same on a bare `sqlite3` connection and through a SQLAlchemy session.

The reads the first screen needs (the clinic's settings, the day view, the IMS flags) are written
once, as SQL text with `:name` parameters, and handed a `Reader`:

- `SqliteReader` wraps a plain connection from `Database.plain_reads` (no SQLAlchemy at all);
- `SessionReader` wraps the session of a unit of work (PostgreSQL, an in-memory SQLite database,
  or a read inside a write).

Parameters go in as Python values (aware datetimes for instants) and are stored as each dialect
stores them; values come back as the driver gives them and are read with the `as_*` functions
below, which accept both forms. The SQL must be portable: booleans tested as `WHERE t.active`,
JSON read as `CAST(col AS TEXT)`, lists expanded with `in_list`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Reader(Protocol):
    dialect: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row of `sql`, as tuples."""


def _stored_param(value: Any, dialect: str) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        naive = value.astimezone(UTC).replace(tzinfo=None)
        # As SQLAlchemy's SQLite dialect stores a DateTime: "2026-12-04 16:30:00.000000" (UTC).
        return naive.isoformat(" ", timespec="microseconds") if dialect == "sqlite" else naive
    if dialect == "sqlite":
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return value.isoformat(timespec="microseconds")
    return value


def _stored_params(params: Mapping[str, Any] | None, dialect: str) -> dict[str, Any]:
    return {key: _stored_param(value, dialect) for key, value in (params or {}).items()}


class SqliteReader:
    """Reads through a plain `sqlite3` (or SQLCipher) connection."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, _stored_params(params, "sqlite")).fetchall()


class SessionReader:
    """Reads through the session of a unit of work (and inside its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        result = self.session.execute(text(sql), _stored_params(params, self.dialect))
        return [tuple(row) for row in result]


def in_list(prefix: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """Placeholders and parameters for `column IN (...)`: `(":p0, :p1", {"p0": .., "p1": ..})`.

    The caller keeps lists short (a few hundred; larger ones in chunks), well under SQLite's
    limit of 32,766 parameters.
    """
    params = {f"{prefix}{n}": value for n, value in enumerate(values)}
    return ", ".join(f":{name}" for name in params), params


def chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def as_instant(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite gives text, PostgreSQL a naive datetime)."""
    if value is None:
        return None
    instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value)


def as_time(value: Any) -> time | None:
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(value)
