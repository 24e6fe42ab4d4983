"""PostgreSQL id sequences after rows were written with explicit ids.

A row inserted with its own id does not move the table's id sequence, so the next ordinary insert
would be given an id already taken (a duplicate key on `pk_patients`). Whoever writes ids itself
(the demo and large-clinic generator) calls `advance_id_sequences` before committing.
SQLite needs nothing: its next rowid is always past the largest.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from frontdesk.db.models import Base


def advance_id_sequences(connection: Connection) -> None:
    """Set each table's id sequence past the largest id stored (PostgreSQL; nothing elsewhere)."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        name = table.name
        # setval(NULL, ...) is NULL: a table whose id has no sequence is left alone.
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:table, 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, "
            "false)"), {"table": name})
