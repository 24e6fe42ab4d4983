"""The tables of Front Desk (SQLAlchemy 2 typed models).

Nothing a person entered is hard-deleted: patients are archived, screenings superseded, appointments
cancelled, consents kept. Every row that a person changes names the user who did it. Instants are
stored as UTC (see `UTCDateTime`); dates of birth and surgery dates are plain dates.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from frontdesk.db.types import UTCDateTime, byte_ordered

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        # Every model here maps one table (SQLAlchemy's own annotation allows any FROM clause).
        __table__: ClassVar[Table]


class Setting(Base):
    """One clinic setting (name, phone, time zone, re-screen interval ...) as a JSON value."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)  # every setting is a JSON object
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("therapists.id"))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("role IN ('reception', 'physiotherapist', 'admin')", name="role"),
        # One account per physiotherapist (NULL, no physiotherapist, may repeat).
        Index("ix_users_therapist_id", "therapist_id", unique=True),
    )


class Therapist(Base):
    __tablename__ = "therapists"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    designation: Mapped[str] = mapped_column(String(100))
    registration_number: Mapped[str | None] = mapped_column(String(50))
    ims_qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    ims_qualified_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    colour: Mapped[str] = mapped_column(String(9), default="#4a90d9")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class WorkingHours(Base):
    """One block of a therapist's regular week; several blocks a day, the gaps are breaks."""

    __tablename__ = "working_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_time < end_time", name="block_order"),
    )


class ScheduleException(Base):
    """A dated change to a therapist's week: time off (whole or part day) or one-off extra hours."""

    __tablename__ = "schedule_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("kind IN ('time_off', 'extra_hours')", name="kind"),
        CheckConstraint("starts_at < ends_at", name="order"),
        Index("ix_schedule_exceptions_therapist_start", "therapist_id", "starts_at"),
    )


class AppointmentType(Base):
    __tablename__ = "appointment_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    is_ims: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: The fee per visit in cents, printed on the consent form; None while the clinic has not set one.
    fee_cents: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration"),)


class Patient(Base):
    """A patient's record. `*_key` columns hold the accent- and case-folded search keys."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone_digits: Mapped[str] = mapped_column(byte_ordered(32), default="")
    #: The number as search results show it, stored when the patient is saved (formatting it on every
    #: search was most of a search's time).
    phone_display: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    emergency_contact: Mapped[str] = mapped_column(Text, default="")
    payer: Mapped[str] = mapped_column(String(20), default="self_pay")
    plan_details: Mapped[str] = mapped_column(Text, default="")
    referral_doctor: Mapped[str] = mapped_column(String(200), default="")
    referral_date: Mapped[date | None] = mapped_column(Date)
    claim_number: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The patient agreed to appointment reminders by email (a recorded yes), and on which day.
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email_reminders_agreed_on: Mapped[date | None] = mapped_column(Date)
    family_key: Mapped[str] = mapped_column(byte_ordered(200))
    given_key: Mapped[str] = mapped_column(byte_ordered(200))
    preferred_key: Mapped[str] = mapped_column(byte_ordered(200), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        # Covering indexes for search as you type (see services.patients.search_patients).
        Index("ix_patients_family_search", "family_key", "given_key", "id", "preferred_key", "archived",
              "phone_digits"),
        Index("ix_patients_given_search", "given_key", "family_key", "preferred_key", "archived"),
        Index("ix_patients_preferred_search", "preferred_key", "family_key", "given_key", "archived"),
        Index("ix_patients_phone_search", "phone_digits", "family_key", "given_key", "archived"),
        Index("ix_patients_date_of_birth", "date_of_birth"),
    )


class Screening(Base):
    """An IMS screening: the answers and the assessment the domain returned, never edited in place."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    screened_on: Mapped[date] = mapped_column(Date)
    screened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    presenting_condition: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    level: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[date | None] = mapped_column(Date)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"))

    __table_args__ = (Index("ix_screenings_patient_screened_at", "patient_id", "screened_at"),)


class ScreeningReview(Base):
    """A physiotherapist's decision on a screening that needed review. Append-only."""

    __tablename__ = "screening_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    decision: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Consent(Base):
    """A consent form as issued: the exact PDF bytes and their SHA-256, signed on screen or on paper.

    A consent belongs to one booked IMS appointment (None only on consents kept before that rule).
    `electrical_stimulation` is the patient's yes or no given on screen; None when it is ticked on paper.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    electrical_stimulation: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(20))
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_relationship: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    witnessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint("method IN ('on_screen', 'paper_unsigned', 'paper_signed')", name="method"),
    )


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    area: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[str | None] = mapped_column(String(36))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="order"),
        CheckConstraint(
            "status IN ('booked', 'arrived', 'completed', 'cancelled', 'no_show')", name="status"
        ),
        Index("ix_appointments_therapist_start", "therapist_id", "starts_at"),
        Index("ix_appointments_patient_start", "patient_id", "starts_at"),
        Index("ix_appointments_start", "starts_at"),
        Index("ix_appointments_series", "series_id"),
    )


class AppointmentEvent(Base):
    """The history of an appointment: booked, moved, each status change and each undo."""

    __tablename__ = "appointment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_user: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undo_of: Mapped[int | None] = mapped_column(ForeignKey("appointment_events.id"))


class WaitlistEntry(Base):
    """A patient waiting for an earlier slot. Never deleted: booked or withdrawn closes it."""

    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    area: Mapped[str] = mapped_column(String(40), default="")
    #: The physiotherapists acceptable (ids); empty: any.
    therapist_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: The days of the week that suit (0 = Monday); empty: any.
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    part_of_day: Mapped[str] = mapped_column(String(20), default="any")
    earliest: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=2)
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("state IN ('waiting', 'booked', 'withdrawn')", name="state"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        Index("ix_waitlist_entries_state_type", "state", "type_id"),
        Index("ix_waitlist_entries_patient", "patient_id"),
    )


class AuditEvent(Base):
    """Who did or saw what, when. Append-only; each row's hash covers the previous row's hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_events_patient", "patient_id", "id"),)


class ReminderOutbox(Base):
    """One email reminder of one appointment at one time: queued, being sent, sent, failed or withdrawn.

    `(appointment_id, starts_at)` is unique: an appointment is reminded once for each time it is booked
    at. A sender claims a row (state `sending`, its own `claimed_by`) before it talks to the mail server,
    so two desks never send the same row.
    """

    __tablename__ = "reminder_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    to_address: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed', 'withdrawn')", name="state"),
        UniqueConstraint("appointment_id", "starts_at", name="uq_reminder_outbox_appointment_start"),
        Index("ix_reminder_outbox_state_next_try", "state", "next_try_at"),
    )


__all__ = [
    "Appointment",
    "AppointmentEvent",
    "AppointmentType",
    "AuditEvent",
    "Base",
    "Consent",
    "Patient",
    "ReminderOutbox",
    "ScheduleException",
    "Screening",
    "ScreeningReview",
    "Setting",
    "Therapist",
    "User",
    "WaitlistEntry",
    "WorkingHours",
]
