"""Assemble the services for one database: the only place that opens it."""

from __future__ import annotations

from frontdesk.db.migrate import DatabaseOpenError, open_database
from frontdesk.services.clinic import get_clinic_settings, seed_clinic
from frontdesk.services.context import Clock, ServiceContext, SystemClock

__all__ = ["DatabaseOpenError", "open_clinic"]


def open_clinic(database_url: str, clock: Clock | None = None) -> ServiceContext:
    """Open, migrate and (on first start) seed the database; raise `DatabaseOpenError` with a
    paragraph for the person when it cannot be used."""
    database = open_database(database_url)
    ctx = ServiceContext(database=database, clock=clock or SystemClock())
    try:
        seed_clinic(ctx)
        ctx.zone = get_clinic_settings(ctx).zone
    except Exception:
        database.dispose()
        raise
    return ctx
