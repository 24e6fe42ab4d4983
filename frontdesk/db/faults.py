"""Database faults recognised alike from SQLAlchemy and from plain DB-API connections.

Plain `sqlite3` reads (see `Database.plain_reads`) raise the driver's own exceptions, SQLAlchemy
wraps the same ones; both are told apart from programming errors here, without importing
SQLAlchemy when nothing has loaded it yet.
"""

from __future__ import annotations

import sqlite3
import sys


def _driver_errors() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [sqlite3.Error]
    for driver in ("sqlcipher3", "psycopg"):  # the plain reads' drivers, once loaded
        module = sys.modules.get(driver)
        if module is not None and hasattr(module, "Error"):
            kinds.append(module.Error)
    return tuple(kinds)


def fault_text(error: BaseException) -> str | None:
    """The driver's message of a database fault (lower case), or None for anything else.

    A constraint violation (IntegrityError) is not a fault of the database but a clash with what
    is stored, so it gives None too: the service that caused it explains it.
    """
    wrapped = sys.modules.get("sqlalchemy.exc")
    if wrapped is not None and isinstance(error, wrapped.IntegrityError):
        return None
    if wrapped is not None and isinstance(error, (wrapped.OperationalError, wrapped.DBAPIError)):
        original = getattr(error, "orig", None) or error
        return str(original).lower()
    if isinstance(error, _driver_errors()):
        if type(error).__name__ == "IntegrityError":
            return None
        return str(error).lower()
    return None


def connection_was_lost(error: BaseException) -> bool:
    """SQLAlchemy's word that the connection it used is gone (a server restart, a dropped network)."""
    return bool(getattr(error, "connection_invalidated", False))
