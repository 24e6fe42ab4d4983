"""consent per appointment, fee per appointment type

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 22:30:00

A consent to IMS belongs to one booked IMS appointment (the physiotherapist who needles and the
areas allowed on that day), so a consent names its appointment; consents kept before this have none.
The patient's yes or no to electrical stimulation through the needles is kept with the consent when it
was given on screen (None: to be ticked on paper). Each kind of appointment has a fee per visit in
cents (None: not set), printed on the consent with the note that MSP does not cover it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointment_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_cents', sa.Integer(), nullable=True))
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('electrical_stimulation', sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consents_appointment_id_appointments'), 'appointments',
                                    ['appointment_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_consents_appointment_id'), ['appointment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_appointment_id'))
        batch_op.drop_constraint(batch_op.f('fk_consents_appointment_id_appointments'), type_='foreignkey')
        batch_op.drop_column('electrical_stimulation')
        batch_op.drop_column('appointment_id')
    with op.batch_alter_table('appointment_types', schema=None) as batch_op:
        batch_op.drop_column('fee_cents')
