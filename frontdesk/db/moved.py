"""The mark left beside a SQLite clinic that was moved onto a database server (`frontdesk move-to`).

Why a file beside the database (`clinic.sqlite3.moved`) and not a row inside it: the move promises
never to change the SQLite database, and a row written after the copy would change it (a new page,
a new write-ahead log, a different file hash) right after the copy was checked against it. With the
mark outside, the file stays byte for byte what was copied: an exact record of the clinic on the day
it moved, that anyone can hash and compare, and that can be opened again on its own by removing the
mark if the move has to be abandoned. The cost: a copy of the file taken without its mark opens as an
ordinary clinic. The app reads the mark whenever it opens the file and before every change it would
make to it (a desk that was open during the move), so the file never collects changes that would not
reach the server.

The mark holds the server's host, port and database, and the address to open instead without any
password; never the password itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from frontdesk.db.urls import parse_url
from frontdesk.domain.when import format_date, format_time

SUFFIX = ".moved"


@dataclass(frozen=True)
class MoveMarker:
    """Where the clinic went: `server` is host and database only (for messages); `address` the URL to
    open instead, without a password."""

    server: str
    address: str
    moved_at: str
    schema: str

    def as_json(self) -> str:
        return json.dumps({"server": self.server, "address": self.address, "moved_at": self.moved_at,
                           "schema": self.schema}, indent=2) + "\n"


def marker_path(database: Path) -> Path:
    return database.with_name(database.name + SUFFIX)


def server_name(url: str) -> str:
    """`host:port/database` of a server URL: what a person is told, never a user name or password."""
    parsed = parse_url(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def address_without_password(url: str) -> str:
    """The URL with its password (in the user part or the query) left out."""
    parsed = parse_url(url)
    user = quote(parsed.username, safe="") + "@" if parsed.username else ""
    host = parsed.host or ""
    if host and ":" in host:
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    database = "/" + quote(parsed.database, safe="") if parsed.database else ""
    query = ""
    if parsed.query:
        kept = [(key, value) for key, value in parse_qsl(parsed.query, keep_blank_values=True)
                if key.lower() not in ("password", "passfile")]
        query = "?" + urlencode(kept) if kept else ""
    return f"{parsed.drivername}://{user}{host}{port}{database}{query}"


def read_marker(database: Path | None) -> MoveMarker | None:
    """The mark of a moved clinic, or None. A mark that cannot be read still counts as moved."""
    if database is None:
        return None
    path = marker_path(database)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return MoveMarker(server="(unknown: the mark cannot be read)", address="", moved_at="", schema="")
    try:
        data = json.loads(text)
        return MoveMarker(server=str(data["server"]), address=str(data.get("address", "")),
                          moved_at=str(data.get("moved_at", "")), schema=str(data.get("schema", "")))
    except (ValueError, KeyError, TypeError):
        return MoveMarker(server="(unknown: the mark is damaged)", address="", moved_at="", schema="")


def write_marker(database: Path, marker: MoveMarker) -> Path:
    """Write the mark (readable by this account only), whole or not at all."""
    path = marker_path(database)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(marker.as_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path


def moved_message(database: Path, marker: MoveMarker) -> str:
    """The paragraph a person reads when they open (or try to change) a moved clinic."""
    when = ""
    if marker.moved_at:
        try:
            at = datetime.fromisoformat(marker.moved_at)
            when = f" on {format_date(at.date())} at {format_time(at)}"
        except ValueError:
            when = ""
    how = (f" Start Front Desk with the server's address instead: --db {marker.address} (or set FRONTDESK_DB "
           "to it on this computer)." if marker.address
           else " Ask the clinic's administrator for the server's address.")
    return (f"This clinic moved to {marker.server}{when}. The file {database} is kept as it was then, "
            "for reference only: Front Desk does not change it any more, since changes there would not "
            f"reach the server.{how}")
