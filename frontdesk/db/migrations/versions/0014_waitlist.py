"""waitlist entries

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-04 23:20:00

Patients waiting for an earlier slot (issue 18, item 1): the type, IMS area, the physiotherapists,
days and part of the day that suit, the earliest date, a note and a priority; who added the entry and
when; waiting, booked (with the appointment) or withdrawn, never deleted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.db.types import UTCDateTime

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("therapist_ids", sa.JSON(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("part_of_day", sa.String(length=20), nullable=False),
        sa.Column("earliest", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('waiting', 'booked', 'withdrawn')", name=op.f("ck_waitlist_entries_state")),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_waitlist_entries_priority")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_waitlist_entries_patient_id_patients")),
        sa.ForeignKeyConstraint(["type_id"], ["appointment_types.id"],
                                name=op.f("fk_waitlist_entries_type_id_appointment_types")),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_waitlist_entries_appointment_id_appointments")),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_waitlist_entries_added_by_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_waitlist_entries_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index("ix_waitlist_entries_state_type", "waitlist_entries", ["state", "type_id"])
    op.create_index("ix_waitlist_entries_patient", "waitlist_entries", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_waitlist_entries_patient", table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_state_type", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
