"""Has the database changed since we last looked? A cheap stamp to compare, for the window to refresh
its views when it gets the focus back (a colleague's booking, `frontdesk demo` run meanwhile).

On a SQLite file the stamp is the file's and its write-ahead log's size and modification time: every
commit, from any process, changes the log, and reading it costs two `stat` calls and no query. On a
server the stamp is the newest audit entry's id (every change is audited), one indexed lookup.
A stamp that changed for another reason (a checkpoint, an audited read) only costs one refresh.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path

from frontdesk.services.context import ServiceContext


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def change_stamp(ctx: ServiceContext) -> Hashable:
    """A value that differs whenever the database was written since it was last taken (None: unknown)."""
    database = ctx.database
    if database.is_sqlite:
        if database.path is None:
            return None  # an in-memory database: no one else can change it
        return _file_stamp(database.path), _file_stamp(Path(f"{database.path}-wal"))
    from sqlalchemy import func, select

    from frontdesk.db.models import AuditEvent
    from frontdesk.services.unit_of_work import UnitOfWork

    with UnitOfWork(ctx, None) as uow:
        return uow.session.scalar(select(func.max(AuditEvent.id)))
