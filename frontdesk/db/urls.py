"""Database URLs read without SQLAlchemy: the window opens a SQLite clinic before SQLAlchemy is loaded.

The grammar is SQLAlchemy's own (`driver://user:password@host:port/database?query`, with
`user`, `password` and `database` percent-decoded), so every URL means here what it means to
`sqlalchemy.engine.make_url`; a test holds the two to the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

_URL = re.compile(
    r"""
        (?P<drivername>[\w+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/?]+)\] |
                (?P<ipv4host>[^/:?]+)
            )?
            (?::(?P<port>[^/?]*))?
        )?
        (?:/(?P<database>[^?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)

ENCRYPTED_DRIVER = "sqlite+pysqlcipher"


class BadDatabaseUrl(ValueError):
    """The text is not a database URL at all; `str(error)` says so in plain words."""


@dataclass(frozen=True)
class DatabaseUrl:
    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: str | None

    @property
    def backend(self) -> str:
        """`sqlite`, `postgresql` ...: the part of the driver name before any `+driver`."""
        return self.drivername.split("+", 1)[0]

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def is_encrypted(self) -> bool:
        return self.drivername == ENCRYPTED_DRIVER

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite URL; None for another backend or an in-memory database."""
        if not self.is_sqlite or not self.database or self.database == ":memory:":
            return None
        return Path(self.database)


def parse_url(url: str) -> DatabaseUrl:
    match = _URL.match(url)
    if match is None:
        raise BadDatabaseUrl(
            f"{url!r} is not a database address. Give a file path, sqlite:///path, or "
            "postgresql+psycopg://user@server/database."
        )
    parts = match.groupdict()
    port = parts["port"] or None
    if port is not None and not port.isdigit():
        raise BadDatabaseUrl(f"The port in the database address {url!r} is not a number.")
    decoded = {name: unquote(parts[name]) if parts[name] is not None else None
               for name in ("username", "password", "database")}
    return DatabaseUrl(
        drivername=parts["drivername"],
        host=parts["ipv4host"] or parts["ipv6host"],
        port=int(port) if port is not None else None,
        query=parts["query"],
        **decoded,
    )


#: The databases Front Desk runs on; any other SQLAlchemy backend is refused before it is loaded.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def supported_url(url: str) -> DatabaseUrl:
    """The parsed URL of a database Front Desk can use, or `BadDatabaseUrl` saying what it can use."""
    parsed = parse_url(url)
    if parsed.backend not in SUPPORTED_BACKENDS:
        raise BadDatabaseUrl(
            f"Front Desk cannot use the database {url!r}: {parsed.backend} is not one it works with. It needs a "
            "SQLite file (a file path or sqlite:///path) or a PostgreSQL server "
            "(postgresql+psycopg://user@server/database)."
        )
    return parsed


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend or an in-memory database."""
    return parse_url(url).sqlite_path


def is_encrypted_url(url: str) -> bool:
    return parse_url(url).is_encrypted


def url_passphrase(url: str) -> str | None:
    """The passphrase carried by an encrypted-database URL (None for any other URL)."""
    parsed = parse_url(url)
    return parsed.password if parsed.is_encrypted else None


def describe_url(url: str) -> str:
    """A name for the open database that is safe to show: the file, or server and database name."""
    parsed = parse_url(url)
    if parsed.sqlite_path is not None:
        return str(parsed.sqlite_path)
    if parsed.is_sqlite:
        return "in-memory database"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.backend} {parsed.database or ''} on {host}{port}"
