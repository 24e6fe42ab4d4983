"""Plain SQL reads that run the same on a bare `sqlite3` connection and through a SQLAlchemy session.

The reads the first screen needs (the clinic's settings, the day view, the IMS flags) are written
once, as SQL text with `:name` parameters, and handed a `Reader`. A read that returns records is a
`Projection`: its columns listed once, each under the name of a field of a `NamedTuple`, so rows come
back with named fields, built by name, whichever driver runs the SQL:

- `SqliteReader` wraps a plain connection from `Database.plain_reads` (no SQLAlchemy at all);
- `PsycopgReader` wraps a plain `psycopg` connection to a PostgreSQL server (`Database.plain_reader`),
  so the first screen on a server does not wait for SQLAlchemy either;
- `SessionReader` wraps the session of a unit of work (an in-memory SQLite database, or a read
  inside a write).

Parameters go in as Python values (aware datetimes for instants) and are stored as each dialect
stores them; values come back as the driver gives them and are read with the `as_*` functions
below, which accept both forms. The SQL must be portable: booleans tested as `WHERE t.active`,
JSON read as `CAST(col AS TEXT)`, lists expanded with `in_list`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy import ColumnElement, FromClause, Select
    from sqlalchemy.engine import Result
    from sqlalchemy.orm import Session

RowT = TypeVar("RowT", bound=tuple[Any, ...])


class Projection(Generic[RowT]):
    """One record's read, written once: which columns, under which names, from which tables.

    ``row`` is a `NamedTuple` class; ``columns`` gives, for each of its fields (in any order, all of
    them), the SQL that reads it (``"a.starts_at"``, ``"CAST(s.answers AS TEXT)"``); ``tables`` is the
    FROM clause as ``(alias, table, join condition)``, the first without a condition. `sql` is the
    SELECT (``SELECT a.id AS id, ... FROM appointments a JOIN ...``) to which a WHERE / ORDER BY is
    appended and which a `Reader` runs through either driver (`Reader.select`); `statement` builds
    the same projection as a SQLAlchemy `Select` on the mapped tables, for reads composed with the
    ORM's columns (only for projections of plain ``alias.column`` columns).

    A row comes back as ``row`` built from the columns the database names: the names are checked
    against the fields once per query, so a column out of place is an error, never a wrong value.
    """

    def __init__(self, row: type[RowT], tables: Sequence[tuple[str, str, str | None]],
                 columns: Mapping[str, str]) -> None:
        fields: tuple[str, ...] = row._fields  # type: ignore[attr-defined]
        if set(columns) != set(fields):
            unmatched = sorted(set(fields) ^ set(columns))
            raise ValueError(f"{row.__name__}: columns for {unmatched} do not match its fields")
        self.row = row
        self.fields = fields
        self.tables = tuple(tables)
        self.columns = {name: columns[name] for name in fields}
        self.make = row._make  # type: ignore[attr-defined]
        source = " ".join(f"JOIN {table} {alias} ON {on}" if on else f"{table} {alias}"
                          for alias, table, on in self.tables)
        self.sql = ("SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in self.columns.items())
                    + f" FROM {source} ")
        self._statement: Select[Any] | None = None

    def built(self, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[RowT]:
        """``rows`` as records, given the names the database gave their columns."""
        if tuple(names) != self.fields:
            raise ValueError(f"{self.row.__name__}: the query's columns {tuple(names)} are not its fields "
                             f"{self.fields}")
        return list(map(self.make, rows))

    def of(self, mapped: object) -> RowT:
        """The row of an object that holds the projection's columns under their own names (an ORM
        entity just written): each field read by the name of its column (``a.full_name`` from
        ``full_name``)."""
        return self.row(**{name: getattr(mapped, sql.partition(".")[2]) for name, sql in self.columns.items()})

    def statement(self) -> Select[Any]:
        """The projection as a SQLAlchemy `Select` of the mapped tables (loads SQLAlchemy and the models):
        add where / order_by / limit with the ORM's columns and run it with `rows_of`."""
        if self._statement is None:
            from sqlalchemy import and_, select

            from frontdesk.db.models import Base

            tables = {alias: Base.metadata.tables[table] for alias, table, _on in self.tables}

            def column(text: str) -> ColumnElement[Any]:
                alias, _, name = text.partition(".")
                return tables[alias].c[name]

            def condition(on: str) -> ColumnElement[bool]:
                return and_(*(column(left.strip()) == column(right.strip())
                              for left, right in (part.split("=") for part in on.split(" AND "))))

            (first, *joined) = self.tables
            source: FromClause = tables[first[0]]
            for alias, _table, on in joined:
                source = source.join(tables[alias], condition(on or ""))
            self._statement = select(*(column(sql).label(name) for name, sql in self.columns.items())
                                     ).select_from(source)
        return self._statement

    def rows_of(self, result: Result[Any]) -> list[RowT]:
        """The records of a SQLAlchemy result of `statement` (or of `sql` through a session)."""
        return self.built(tuple(result.keys()), result)


class Reader(Protocol):
    dialect: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row of `sql`, as tuples (for reads of one value or none: use `select` for records)."""

    def select(self, projection: Projection[RowT], where: str = "",
               params: Mapping[str, Any] | None = None) -> list[RowT]:
        """The records of ``projection.sql + where``."""


def first_value(reader: Reader, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    """The first column of the first row of `sql`, or None when there is no row."""
    for first, *_rest in reader.rows(sql, params):
        return first
    return None


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

    def select(self, projection: Projection[RowT], where: str = "",
               params: Mapping[str, Any] | None = None) -> list[RowT]:
        cursor = self.connection.execute(projection.sql + where, _stored_params(params, "sqlite"))
        return projection.built([column[0] for column in cursor.description], cursor.fetchall())


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """`:name` parameters as psycopg takes them (`%(name)s`), a literal % doubled."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class PsycopgReader:
    """Reads through a plain `psycopg` connection to a PostgreSQL server, inside its transaction.

    Values come back as SQLAlchemy's session gives them for SQL text (psycopg's own types: naive
    UTC datetimes, dates, booleans), and parameters go in as that session sends them.
    """

    dialect = "postgresql"

    def __init__(self, connection: psycopg.Connection, trace: Callable[[str], None] | None = None) -> None:
        self.connection = connection
        self._trace = trace

    def _execute(self, sql: str, params: Mapping[str, Any] | None) -> psycopg.Cursor:
        if self._trace is not None:
            self._trace(sql)
        return self.connection.execute(_pyformat(sql), _stored_params(params, "postgresql"))

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self._execute(sql, params).fetchall()

    def select(self, projection: Projection[RowT], where: str = "",
               params: Mapping[str, Any] | None = None) -> list[RowT]:
        cursor = self._execute(projection.sql + where, params)
        return projection.built([column.name for column in cursor.description or ()], cursor.fetchall())


def server_conninfo(url: str) -> str:
    """The libpq connection string of a `postgresql+psycopg://...` URL, read without SQLAlchemy (the
    URL grammar is SQLAlchemy's: see `db.urls`); its query options (``sslmode=require`` ...) kept."""
    from urllib.parse import parse_qsl

    from psycopg.conninfo import make_conninfo

    from frontdesk.db.urls import parse_url

    parsed = parse_url(url)
    given = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "password": parsed.password,
             "dbname": parsed.database}
    options = dict(parse_qsl(parsed.query or ""))
    return make_conninfo("", **{key: value for key, value in given.items() if value not in (None, "")}, **options)


class SessionReader:
    """Reads through the session of a unit of work (and inside its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        result = self.session.execute(text(sql), _stored_params(params, self.dialect))
        return [tuple(row) for row in result]

    def select(self, projection: Projection[RowT], where: str = "",
               params: Mapping[str, Any] | None = None) -> list[RowT]:
        from sqlalchemy import text

        return projection.rows_of(self.session.execute(text(projection.sql + where),
                                                       _stored_params(params, self.dialect)))


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


T = TypeVar("T")


def required(value: T | None) -> T:
    """A value read from a NOT NULL column, as its type says it is."""
    assert value is not None, "a NOT NULL column read as NULL"
    return value


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
