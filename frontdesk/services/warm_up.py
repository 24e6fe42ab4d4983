"""The database layer, loaded ahead of its first use.

The first screen reads through plain `sqlite3` (see `db.plain`), so the window is up before
SQLAlchemy is imported. Everything that writes goes through SQLAlchemy's ORM, whose import and set-up
take about half a second; the window has this done off the UI thread just after it is shown, so the
first save or search does not wait for it. Loading is idempotent: a second call costs nothing.
"""

from __future__ import annotations

from frontdesk.services.context import ServiceContext


def load_database_layer(ctx: ServiceContext) -> None:
    """Import SQLAlchemy, the ORM models and the unit of work, set up the mappers and build the
    engine (without connecting). The services themselves load on the UI thread when first used; a
    module both threads ask for at once is imported by one while the other waits (Python's import
    lock), so nothing runs twice."""
    import sqlalchemy.orm

    import frontdesk.db.models  # the import is the point
    import frontdesk.services.unit_of_work  # noqa: F401

    sqlalchemy.orm.configure_mappers()
    ctx.database.engine  # noqa: B018 - builds the engine and its session factory
