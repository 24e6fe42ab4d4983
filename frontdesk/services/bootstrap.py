"""Assemble the services for one database: the only place that opens it."""

from __future__ import annotations

from frontdesk.db.migrate import DatabaseOpenError, open_database
from frontdesk.services.clinic_settings import clinic_settings_from, get_clinic_settings, is_seeded_from
from frontdesk.services.context import Clock, ServiceContext, SystemClock
from frontdesk.services.reading import ReadUnit

__all__ = ["DatabaseOpenError", "open_clinic"]


def open_clinic(database_url: str, clock: Clock | None = None) -> ServiceContext:
    """Open, migrate and (on first start) seed the database; raise `DatabaseOpenError` with a
    paragraph for the person when it cannot be used."""
    database = open_database(database_url)
    ctx = ServiceContext(database=database, clock=clock or SystemClock())
    try:
        with ReadUnit(ctx, None) as unit:  # every start but the first: one read for both
            settings = clinic_settings_from(unit.reader) if is_seeded_from(unit.reader) else None
        if settings is None:
            from frontdesk.services.clinic_settings_edit import seed_clinic

            seed_clinic(ctx)
            settings = get_clinic_settings(ctx)
        ctx.zone = settings.zone
    except Exception:
        database.dispose()
        raise
    return ctx
