"""patients keep their phone number's display form

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04 23:10:00

Search results show each patient's phone number as people write it ("(250) 493-1152"). Formatting
a stored E.164 number through the phone-number library took about three quarters of a first-time
search, so the display form is stored beside the number when the patient is saved, and this
migration fills it in for the patients already there (by the same domain function the services use).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.domain.contact import format_phone

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

#: Rows updated per statement.
_BATCH = 2_000


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch_op:
        batch_op.add_column(sa.Column("phone_display", sa.String(length=64), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, phone FROM patients WHERE phone <> ''")).fetchall()
    shown: dict[str, str] = {}
    update = sa.text("UPDATE patients SET phone_display = :display WHERE id = :id")
    for at in range(0, len(rows), _BATCH):
        connection.execute(update, [
            {"id": patient_id, "display": shown.get(phone) or shown.setdefault(phone, format_phone(phone))}
            for patient_id, phone in rows[at:at + _BATCH]])


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_column("phone_display")
