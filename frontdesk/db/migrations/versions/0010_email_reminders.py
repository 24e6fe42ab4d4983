"""email reminders: the patient's consent and the reminder outbox

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 22:30:00

A patient gets email reminders only after a recorded yes (with its date), so two columns on
`patients`: existing patients start at "no". `reminder_outbox` holds one row per reminder (one per
appointment and booked time), claimed by one sender at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.types

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_reminders', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('email_reminders_agreed_on', sa.Date(), nullable=True))
    op.create_table('reminder_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', frontdesk.db.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=False),
    sa.Column('claimed_at', frontdesk.db.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', frontdesk.db.types.UTCDateTime(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed', 'withdrawn')",
                       name=op.f('ck_reminder_outbox_state')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'],
                            name=op.f('fk_reminder_outbox_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_reminder_outbox_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_outbox')),
    sa.UniqueConstraint('appointment_id', 'starts_at', name='uq_reminder_outbox_appointment_start'),
    )
    op.create_index('ix_reminder_outbox_state_next_try', 'reminder_outbox', ['state', 'next_try_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reminder_outbox_state_next_try', table_name='reminder_outbox')
    op.drop_table('reminder_outbox')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('email_reminders_agreed_on')
        batch_op.drop_column('email_reminders')
