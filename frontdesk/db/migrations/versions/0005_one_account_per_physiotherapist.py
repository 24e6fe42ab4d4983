"""one user account per physiotherapist

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04 22:30:00

A physiotherapist's account opens on their own "My day"; two accounts linked to the same
physiotherapist would make "whose day is this" ambiguous. A unique index on users.therapist_id holds
the rule on both databases (NULL, "no physiotherapist", may repeat). Where older data already linked
two accounts to one physiotherapist, the oldest account keeps the link and the others lose it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE users SET therapist_id = NULL WHERE therapist_id IS NOT NULL AND id NOT IN "
        "(SELECT first_id FROM (SELECT MIN(id) AS first_id FROM users WHERE therapist_id IS NOT NULL "
        "GROUP BY therapist_id) AS firsts)"
    ))
    op.create_index("ix_users_therapist_id", "users", ["therapist_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_users_therapist_id", table_name="users")
