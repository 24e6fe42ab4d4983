"""patient search keys compared byte by byte on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00

Patient search uses ranges on the search keys and phone digits. SQLite compares text by code point;
a PostgreSQL server created with a linguistic default collation (en_US.UTF-8, ICU) does not, and
misses matches. The "C" collation makes PostgreSQL compare and sort these columns as SQLite does;
changing it rebuilds their indexes. SQLite is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = [("phone_digits", 32), ("family_key", 200), ("given_key", 200), ("preferred_key", 200)]


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.alter_column("patients", column, type_=sa.String(length, collation=collation),
                        existing_type=sa.String(length), existing_nullable=False)


def upgrade() -> None:
    _set_collation("C")


def downgrade() -> None:
    _set_collation("default")
