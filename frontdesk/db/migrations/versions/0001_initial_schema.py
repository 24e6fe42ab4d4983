"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 14:11:32.535746
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointment_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('is_ims', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_appointment_types_duration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_types')),
    sa.UniqueConstraint('name', name=op.f('uq_appointment_types_name'))
    )
    op.create_table('therapists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('designation', sa.String(length=100), nullable=False),
    sa.Column('registration_number', sa.String(length=50), nullable=True),
    sa.Column('ims_qualified', sa.Boolean(), nullable=False),
    sa.Column('ims_qualified_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('colour', sa.String(length=9), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapists'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=400), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', frontdesk.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('reception', 'physiotherapist', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_users_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_working_hours_block_order')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_working_hours_weekday')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_working_hours_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_hours_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_patient', ['patient_id', 'id'], unique=False)

    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_name', sa.String(length=200), nullable=False),
    sa.Column('given_names', sa.String(length=200), nullable=False),
    sa.Column('preferred_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('phone_digits', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('emergency_contact', sa.Text(), nullable=False),
    sa.Column('payer', sa.String(length=20), nullable=False),
    sa.Column('plan_details', sa.Text(), nullable=False),
    sa.Column('referral_doctor', sa.String(length=200), nullable=False),
    sa.Column('referral_date', sa.Date(), nullable=True),
    sa.Column('claim_number', sa.String(length=64), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('family_key', sa.String(length=200), nullable=False),
    sa.Column('given_key', sa.String(length=200), nullable=False),
    sa.Column('preferred_key', sa.String(length=200), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_patients_created_by_users')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_patients_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_date_of_birth', ['date_of_birth'], unique=False)
        batch_op.create_index('ix_patients_family_key', ['family_key'], unique=False)
        batch_op.create_index('ix_patients_given_key', ['given_key'], unique=False)
        batch_op.create_index('ix_patients_phone_digits', ['phone_digits'], unique=False)
        batch_op.create_index('ix_patients_preferred_key', ['preferred_key'], unique=False)

    op.create_table('schedule_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('time_off', 'extra_hours')", name=op.f('ck_schedule_exceptions_kind')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_schedule_exceptions_order')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_schedule_exceptions_created_by_users')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_schedule_exceptions_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_exceptions'))
    )
    with op.batch_alter_table('schedule_exceptions', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_exceptions_therapist_start', ['therapist_id', 'starts_at'], unique=False)

    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('series_id', sa.String(length=36), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('late_cancellation', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('booked', 'arrived', 'completed', 'cancelled', 'no_show')", name=op.f('ck_appointments_status')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_appointments_order')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_appointments_created_by_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_appointments_patient_id_patients')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_appointments_therapist_id_therapists')),
    sa.ForeignKeyConstraint(['type_id'], ['appointment_types.id'], name=op.f('fk_appointments_type_id_appointment_types')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_appointments_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_patient_start', ['patient_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_series', ['series_id'], unique=False)
        batch_op.create_index('ix_appointments_start', ['starts_at'], unique=False)
        batch_op.create_index('ix_appointments_therapist_start', ['therapist_id', 'starts_at'], unique=False)

    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('screened_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('screened_on', sa.Date(), nullable=False),
    sa.Column('screened_by', sa.Integer(), nullable=False),
    sa.Column('presenting_condition', sa.Text(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('assessment', sa.JSON(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.Date(), nullable=True),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_screenings_patient_id_patients')),
    sa.ForeignKeyConstraint(['screened_by'], ['users.id'], name=op.f('fk_screenings_screened_by_users')),
    sa.ForeignKeyConstraint(['superseded_by'], ['screenings.id'], name=op.f('fk_screenings_superseded_by_screenings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings'))
    )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index('ix_screenings_patient_screened_at', ['patient_id', 'screened_at'], unique=False)

    op.create_table('appointment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('undo_of', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_appointment_events_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['by_user'], ['users.id'], name=op.f('fk_appointment_events_by_user_users')),
    sa.ForeignKeyConstraint(['undo_of'], ['appointment_events.id'], name=op.f('fk_appointment_events_undo_of_appointment_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_events'))
    )
    with op.batch_alter_table('appointment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_events_appointment_id'), ['appointment_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('created_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_relationship', sa.String(length=100), nullable=False),
    sa.Column('signed_at', frontdesk.db.types.UTCDateTime(), nullable=True),
    sa.Column('witnessed_by', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("method IN ('on_screen', 'paper_unsigned', 'paper_signed')", name=op.f('ck_consents_method')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_consents_created_by_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_consents_patient_id_patients')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_consents_screening_id_screenings')),
    sa.ForeignKeyConstraint(['witnessed_by'], ['users.id'], name=op.f('fk_consents_witnessed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_patient_id'), ['patient_id'], unique=False)

    op.create_table('screening_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_at', frontdesk.db.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_screening_reviews_decided_by_users')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_screening_reviews_screening_id_screenings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_reviews'))
    )
    with op.batch_alter_table('screening_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_reviews_screening_id'), ['screening_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('screening_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_reviews_screening_id'))

    op.drop_table('screening_reviews')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_patient_id'))

    op.drop_table('consents')
    with op.batch_alter_table('appointment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_events_appointment_id'))

    op.drop_table('appointment_events')
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_patient_screened_at')

    op.drop_table('screenings')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_therapist_start')
        batch_op.drop_index('ix_appointments_start')
        batch_op.drop_index('ix_appointments_series')
        batch_op.drop_index('ix_appointments_patient_start')

    op.drop_table('appointments')
    op.drop_table('settings')
    with op.batch_alter_table('schedule_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_exceptions_therapist_start')

    op.drop_table('schedule_exceptions')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_preferred_key')
        batch_op.drop_index('ix_patients_phone_digits')
        batch_op.drop_index('ix_patients_given_key')
        batch_op.drop_index('ix_patients_family_key')
        batch_op.drop_index('ix_patients_date_of_birth')

    op.drop_table('patients')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_patient')

    op.drop_table('audit_events')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_hours_therapist_id'))

    op.drop_table('working_hours')
    op.drop_table('users')
    op.drop_table('therapists')
    op.drop_table('appointment_types')
