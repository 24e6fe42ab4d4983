"""The administrator's side of the schedule: physiotherapists, appointment types, time off and extra hours.

Reading the weekly hours, setting them and adding time off or extra hours live in
`frontdesk.services.therapist_time` (`working_hours`, `set_working_hours`, `add_time_off`,
`add_extra_hours`); this module adds what the admin screens need around them. Nothing is deleted:
a physiotherapist who leaves is switched off (their appointments stay in the record), an appointment
type is switched off, and a time-off entry entered by mistake is marked cancelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentType, ScheduleException, Therapist
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import Interval, WorkingBlock, local_instant
from frontdesk.domain.when import WEEKDAYS, format_day, format_time
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed, changed_meanwhile
from frontdesk.services.records import AppointmentRecord, TherapistInfo
from frontdesk.services.schedule import appointment_query, load_appointment_records
from frontdesk.services.schedule_view import LONGEST_APPOINTMENT, THERAPIST_ROWS, therapist_info, therapists_from
from frontdesk.services.unit_of_work import UnitOfWork

THERAPIST_CHANGES = frozenset({Kind.THERAPISTS})
TYPE_CHANGES = frozenset({Kind.APPOINTMENT_TYPES})
DEFAULT_DESIGNATION = "Registered Physiotherapist"
DEFAULT_COLOUR = "#4a90d9"
#: Appointment lengths the admin may choose: whole five minutes, up to a long working day.
SHORTEST_TYPE_MINUTES = 5
LONGEST_TYPE_MINUTES = 480
#: Colours offered to a new physiotherapist, distinct from each other and readable under white text.
SUGGESTED_COLOURS = ("#2e7d32", "#1565c0", "#6a1b9a", "#c62828", "#ef6c00", "#00838f", "#4e342e",
                     "#ad1457", "#283593", "#558b2f", "#00695c", "#5d4037", "#37474f", "#9e9d24")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LIVE = tuple(s.value for s in AppointmentStatus if s.is_live)


class ExceptionKind(StrEnum):
    TIME_OFF = "time_off"
    EXTRA_HOURS = "extra_hours"

    @property
    def label(self) -> str:
        return "Time off" if self is ExceptionKind.TIME_OFF else "Extra hours"


@dataclass(frozen=True)
class TherapistDetails:
    """What the admin types for a physiotherapist. ``ims_qualified_on`` empty means today."""

    full_name: str
    designation: str = DEFAULT_DESIGNATION
    registration_number: str = ""
    ims_qualified: bool = False
    ims_qualified_on: date | None = None
    active: bool = True
    colour: str = DEFAULT_COLOUR


@dataclass(frozen=True)
class AppointmentTypeDetails:
    """`fee_cents` is the fee per visit printed on the consent form (None: not set)."""

    name: str
    duration_minutes: int
    is_ims: bool = False
    active: bool = True
    fee_cents: int | None = None


@dataclass(frozen=True)
class AppointmentTypeRecord:
    """An appointment type as the admin sees it, switched-off ones included."""

    id: int
    name: str
    duration_minutes: int
    is_ims: bool
    active: bool
    appointments: int = 0
    fee_cents: int | None = None


@dataclass(frozen=True)
class ScheduleExceptionEntry:
    """One time-off or extra-hours entry, cancelled ones included (they are never deleted)."""

    id: int
    therapist_id: int
    kind: ExceptionKind
    interval: Interval
    reason: str
    cancelled: bool


# --- Plain helpers (no database) -----------------------------------------------------------------


def whole_days(first: date, last: date, zone: ZoneInfo) -> Interval:
    """From the start of ``first`` to the end of ``last``, in the clinic's zone (DST days included)."""
    if last < first:
        raise ValidationFailed({"last_day": "The last day cannot be before the first day."})
    return Interval(local_instant(first, time(0), zone), local_instant(last + timedelta(days=1), time(0), zone))


def part_of_day(day: date, start: time, end: time, zone: ZoneInfo) -> Interval:
    """``start``–``end`` on ``day`` in the clinic's zone."""
    if end <= start:
        raise ValidationFailed({"ends_at": "The end must be after the start."})
    return Interval(local_instant(day, start, zone), local_instant(day, end, zone))


def weekly_hours_problems(blocks: Sequence[tuple[int, time, time]]) -> dict[int, str]:
    """For each row (weekday, start, end) that cannot be saved, the reason, keyed by row number.

    A block must end after it starts, and two blocks of the same day may touch but not overlap.
    """
    problems: dict[int, str] = {}
    for row, (_weekday, start, end) in enumerate(blocks):
        if end <= start:
            problems[row] = "The block must end after it starts."
    ordered = sorted((b for b in enumerate(blocks) if b[0] not in problems), key=lambda b: (b[1][0], b[1][1]))
    for (row_a, a), (row_b, b) in pairwise(ordered):
        if a[0] == b[0] and b[1] < a[2]:
            day = WEEKDAYS[a[0]]
            problems.setdefault(row_b, f"Overlaps another {day} block ({format_time(a[1])}–{format_time(a[2])}); "
                                       "join them or fix the times.")
            problems.setdefault(row_a, f"Overlaps another {day} block ({format_time(b[1])}–{format_time(b[2])}).")
    return problems


def blocks_from_rows(blocks: Sequence[tuple[int, time, time]]) -> list[WorkingBlock]:
    """The rows as `WorkingBlock`s for `set_working_hours`; refuses what `weekly_hours_problems` finds."""
    problems = weekly_hours_problems(blocks)
    if problems:
        first = min(problems)
        raise ValidationFailed({"blocks": f"Row {first + 1}: {problems[first]}"})
    return [WorkingBlock(weekday, start, end) for weekday, start, end in blocks]


# --- Physiotherapists ----------------------------------------------------------------------------


def suggested_colour(taken: Sequence[str]) -> str:
    """The first suggested colour no working physiotherapist has yet (so columns stay apart)."""
    used = {colour.lower() for colour in taken}
    return next((c for c in SUGGESTED_COLOURS if c not in used), DEFAULT_COLOUR)


def _therapist_info(row: Therapist) -> TherapistInfo:
    """The record of a physiotherapist just written, built as the day view builds it from its read."""
    return therapist_info(THERAPIST_ROWS.of(row))


def _clean_therapist(session: Session, ctx: ServiceContext, details: TherapistDetails,
                     therapist_id: int | None) -> TherapistDetails:
    errors: dict[str, str] = {}
    name = " ".join(details.full_name.split())
    designation = " ".join(details.designation.split())
    registration = details.registration_number.strip()
    colour = details.colour.strip().lower()
    if not name:
        errors["full_name"] = "Type the physiotherapist's name."
    elif len(name) > 200:
        errors["full_name"] = "Keep the name under 200 characters."
    else:
        same = session.scalars(select(Therapist).where(func.lower(Therapist.full_name) == name.lower())).all()
        other = next((t for t in same if t.id != therapist_id), None)
        if other is not None:
            errors["full_name"] = (f"{other.full_name} is already in the list"
                                   + ("" if other.active else " (switched off: switch them back on instead)")
                                   + ". Add something to tell the two apart.")
    if not designation:
        errors["designation"] = "Type the designation, for example Registered Physiotherapist."
    elif len(designation) > 100:
        errors["designation"] = "Keep the designation under 100 characters."
    if len(registration) > 50:
        errors["registration_number"] = "Keep the registration number under 50 characters."
    if not _COLOUR.fullmatch(colour):
        errors["colour"] = "Choose a colour, or type it as # and six hex digits, for example #2e7d32."
    qualified_on = details.ims_qualified_on if details.ims_qualified else None
    if details.ims_qualified and qualified_on is None:
        qualified_on = ctx.today()
    if qualified_on is not None and qualified_on > ctx.today():
        errors["ims_qualified_on"] = "The date the IMS qualification was recorded cannot be in the future."
    if errors:
        raise ValidationFailed(errors)
    return TherapistDetails(name, designation, registration, details.ims_qualified, qualified_on,
                            details.active, colour)


def _therapist_values(row: Therapist) -> dict[str, Any]:
    return {
        "full_name": row.full_name, "designation": row.designation,
        "registration_number": row.registration_number or "", "ims_qualified": bool(row.ims_qualified),
        "ims_qualified_on": row.ims_qualified_on.isoformat() if row.ims_qualified_on else None,
        "active": bool(row.active), "colour": row.colour,
    }


def list_all_therapists(ctx: ServiceContext, actor: Actor) -> list[TherapistInfo]:
    """Every physiotherapist, switched-off ones included, in the day view's order."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "manage the physiotherapists")
        return therapists_from(SessionReader(uow.session), active_only=False)


@checked_inputs
def create_therapist(ctx: ServiceContext, actor: Actor, details: TherapistDetails) -> TherapistInfo:
    """Add a physiotherapist at the end of the day view. They have no weekly hours until some are set."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "add physiotherapists")
        session = uow.session
        clean = _clean_therapist(session, ctx, details, None)
        last = session.scalar(select(func.max(Therapist.sort_order)))
        row = Therapist(full_name=clean.full_name, designation=clean.designation,
                        registration_number=clean.registration_number or None,
                        ims_qualified=clean.ims_qualified, ims_qualified_on=clean.ims_qualified_on,
                        active=clean.active, colour=clean.colour, sort_order=(last or 0) + 1, version=1)
        session.add(row)
        session.flush()
        uow.audit("create", "therapist", row.id, **_therapist_values(row))
        info = _therapist_info(row)
        uow.commit()
    return info


@checked_inputs
def update_therapist(ctx: ServiceContext, actor: Actor, therapist_id: int, details: TherapistDetails, *,
                     expected_version: int) -> TherapistInfo:
    """Change a physiotherapist's details. Switching one off hides their column from the day view;
    their appointments stay booked and in the record (see `booked_appointments` to warn first).

    `expected_version` is the `TherapistInfo.version` the form was filled from: if someone else
    saved the details since, the save is refused (`Conflict`) instead of undoing their change."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "change physiotherapists' details")
        session = uow.session
        row = session.get(Therapist, therapist_id)
        if row is None:
            raise NotFound("That physiotherapist is not in the list.")
        if row.version != expected_version:
            raise changed_meanwhile(f"{row.full_name}'s details were", current=_therapist_info(row))
        clean = _clean_therapist(session, ctx, details, therapist_id)
        before = _therapist_values(row)
        row.full_name = clean.full_name
        row.designation = clean.designation
        row.registration_number = clean.registration_number or None
        row.ims_qualified = clean.ims_qualified
        row.ims_qualified_on = clean.ims_qualified_on
        row.active = clean.active
        row.colour = clean.colour
        after = _therapist_values(row)
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            row.version += 1
            uow.audit("update", "therapist", therapist_id, fields=changed,
                      before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
        info = _therapist_info(row)
        uow.commit()
    return info


@checked_inputs
def booked_appointments(ctx: ServiceContext, actor: Actor, therapist_id: int, start: datetime,
                        end: datetime | None = None, *, ims_only: bool = False) -> list[AppointmentRecord]:
    """The therapist's live (booked or arrived) appointments overlapping ``[start, end)``, or from
    ``start`` on when ``end`` is None: what a time off, a switch-off or an IMS change would leave
    stranded. Nothing is cancelled; the front desk calls the patients."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        statement = appointment_query().where(
            Appointment.therapist_id == therapist_id, Appointment.status.in_(_LIVE),
            Appointment.starts_at >= start - LONGEST_APPOINTMENT, Appointment.ends_at > start,
        )
        if end is not None:
            statement = statement.where(Appointment.starts_at < end)
        if ims_only:
            statement = statement.where(AppointmentType.is_ims.is_(True))
        return load_appointment_records(uow.session, statement.order_by(Appointment.starts_at, Appointment.id))


def describe_appointments(records: Sequence[AppointmentRecord], zone: ZoneInfo, limit: int = 12) -> str:
    """One line per appointment (day, time, patient, type, phone) for a warning; the rest counted."""
    lines = []
    for record in records[:limit]:
        local = record.starts_at.astimezone(zone)
        phone = f", {record.patient_phone}" if record.patient_phone else ""
        lines.append(f"• {format_day(local.date())} {format_time(local)} — "
                     f"{record.patient_name} ({record.type_name}{phone})")
    if len(records) > limit:
        lines.append(f"… and {len(records) - limit} more.")
    return "\n".join(lines)


# --- Time off and extra hours --------------------------------------------------------------------


@checked_inputs
def list_schedule_exceptions(ctx: ServiceContext, actor: Actor, therapist_id: int, first_day: date,
                             last_day: date, *, include_cancelled: bool = True) -> list[ScheduleExceptionEntry]:
    """The therapist's time off and extra hours touching the local days ``first_day``..``last_day``."""
    window = whole_days(first_day, last_day, ctx.zone)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see the schedule")
        statement = select(ScheduleException).where(
            ScheduleException.therapist_id == therapist_id,
            ScheduleException.starts_at < window.end, ScheduleException.ends_at > window.start,
        ).order_by(ScheduleException.starts_at, ScheduleException.id)
        if not include_cancelled:
            statement = statement.where(ScheduleException.cancelled.is_(False))
        return [_entry(row) for row in uow.session.scalars(statement)]


def _entry(row: ScheduleException) -> ScheduleExceptionEntry:
    return ScheduleExceptionEntry(row.id, row.therapist_id, ExceptionKind(row.kind),
                                  Interval(row.starts_at, row.ends_at), row.reason or "", bool(row.cancelled))


@checked_inputs
def cancel_schedule_exception(ctx: ServiceContext, actor: Actor, exception_id: int) -> ScheduleExceptionEntry:
    """Mark a time-off or extra-hours entry cancelled: it stops counting but stays in the record."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "change therapists' hours")
        row = uow.session.get(ScheduleException, exception_id)
        if row is None:
            raise NotFound("That entry is not in the list any more.")
        if row.cancelled:
            raise Conflict("That entry was already cancelled.")
        row.cancelled = True
        uow.audit("cancel", row.kind, row.id, therapist_id=row.therapist_id,
                  starts_at=row.starts_at.isoformat(), ends_at=row.ends_at.isoformat(), reason=row.reason or "")
        entry = _entry(row)
        uow.commit()
    return entry


# --- Appointment types ---------------------------------------------------------------------------


#: The highest fee per visit a kind of appointment may have ($10,000): anything above is a typing slip.
MAX_FEE_CENTS = 1_000_000


def parse_fee(text: str) -> int | None:
    """Cents from what a person types as a fee ("95", "95.00", "$1,095.50"); None when empty.
    Raises ValueError for anything else."""
    cleaned = text.strip().replace("$", "").replace(",", "").strip()
    if not cleaned:
        return None
    whole, _, cents = cleaned.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        raise ValueError(f"not a fee: {text!r}")
    return int(whole) * 100 + int(cents.ljust(2, "0") if cents else 0)


def _type_record(row: AppointmentType, appointments: int = 0) -> AppointmentTypeRecord:
    return AppointmentTypeRecord(row.id, row.name, row.duration_minutes, bool(row.is_ims), bool(row.active),
                                 appointments, row.fee_cents)


def _type_details(row: AppointmentType) -> AppointmentTypeDetails:
    return AppointmentTypeDetails(row.name, row.duration_minutes, bool(row.is_ims), bool(row.active))


def _type_values(row: AppointmentType) -> dict[str, Any]:
    return {"name": row.name, "duration_minutes": row.duration_minutes, "is_ims": bool(row.is_ims),
            "active": bool(row.active), "fee_cents": row.fee_cents}


def _appointment_count(session: Session, type_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Appointment).where(Appointment.type_id == type_id)) or 0


def _clean_type(session: Session, details: AppointmentTypeDetails, type_id: int | None) -> AppointmentTypeDetails:
    errors: dict[str, str] = {}
    name = " ".join(details.name.split())
    if not name:
        errors["name"] = "Type a name for this kind of appointment."
    elif len(name) > 100:
        errors["name"] = "Keep the name under 100 characters."
    else:
        same = session.scalars(select(AppointmentType).where(func.lower(AppointmentType.name) == name.lower()))
        if any(row.id != type_id for row in same):
            errors["name"] = f"There is already a kind of appointment called {name}."
    minutes = details.duration_minutes
    if not SHORTEST_TYPE_MINUTES <= minutes <= LONGEST_TYPE_MINUTES or minutes % 5:
        errors["duration_minutes"] = (f"Choose a length from {SHORTEST_TYPE_MINUTES} to {LONGEST_TYPE_MINUTES} "
                                      "minutes, in steps of 5.")
    if details.fee_cents is not None and not 0 <= details.fee_cents <= MAX_FEE_CENTS:
        errors["fee_cents"] = "Type the fee per visit in dollars, for example 95.00, or leave it empty."
    if not details.active:
        others = session.scalar(select(func.count()).select_from(AppointmentType).where(
            AppointmentType.active.is_(True), AppointmentType.id != (type_id or -1)))
        if not others:
            errors["active"] = "Keep at least one kind of appointment in use, or nothing can be booked."
    if errors:
        raise ValidationFailed(errors)
    return AppointmentTypeDetails(name, minutes, details.is_ims, details.active, details.fee_cents)


def list_all_appointment_types(ctx: ServiceContext, actor: Actor) -> list[AppointmentTypeRecord]:
    """Every appointment type, switched-off ones included, with how many appointments use it."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "manage the kinds of appointment")
        session = uow.session
        counts = dict(session.execute(select(Appointment.type_id, func.count()).group_by(Appointment.type_id)).all())
        rows = session.scalars(select(AppointmentType).order_by(AppointmentType.sort_order, AppointmentType.name))
        return [_type_record(row, counts.get(row.id, 0)) for row in rows]


@checked_inputs
def create_appointment_type(ctx: ServiceContext, actor: Actor,
                            details: AppointmentTypeDetails) -> AppointmentTypeRecord:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "add kinds of appointment")
        session = uow.session
        clean = _clean_type(session, details, None)
        last = session.scalar(select(func.max(AppointmentType.sort_order)))
        row = AppointmentType(name=clean.name, duration_minutes=clean.duration_minutes, is_ims=clean.is_ims,
                              active=clean.active, sort_order=(last or 0) + 1, fee_cents=clean.fee_cents)
        session.add(row)
        session.flush()
        uow.audit("create", "appointment_type", row.id, **_type_values(row))
        record = _type_record(row)
        uow.commit()
    return record


@checked_inputs
def update_appointment_type(ctx: ServiceContext, actor: Actor, type_id: int, details: AppointmentTypeDetails, *,
                            expected: AppointmentTypeDetails) -> AppointmentTypeRecord:
    """Change a kind of appointment. A new length applies to bookings made from now on; booked
    appointments keep theirs. Whether it is IMS cannot change once appointments use it, since that
    would rewrite what those appointments were.

    `expected` is the kind as the form showed it: if what is stored differs (someone else saved a
    change since), the save is refused (`Conflict`) instead of undoing theirs."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "change kinds of appointment")
        session = uow.session
        row = session.get(AppointmentType, type_id)
        if row is None:
            raise NotFound("That kind of appointment is not in the list.")
        if _type_details(row) != expected:
            raise changed_meanwhile(f"The kind of appointment {row.name} was", current=_type_record(row))
        clean = _clean_type(session, details, type_id)
        used = _appointment_count(session, type_id)
        if clean.is_ims != bool(row.is_ims) and used:
            raise ValidationFailed({"is_ims": (
                f"{used} appointment{'s' if used != 1 else ''} already use this kind, so whether it is IMS "
                "stays as it is. Add a new kind instead and switch this one off.")})
        before = _type_values(row)
        row.name, row.duration_minutes = clean.name, clean.duration_minutes
        row.is_ims, row.active = clean.is_ims, clean.active
        row.fee_cents = clean.fee_cents
        after = _type_values(row)
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            uow.audit("update", "appointment_type", type_id, fields=changed,
                      before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
        record = _type_record(row, used)
        uow.commit()
    return record
