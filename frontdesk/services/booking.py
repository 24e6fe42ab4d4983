"""Booking one appointment, checking a booking before it is saved, and moving an appointment.

Every rule is the domain's one function, `domain.booking.booking_problems`; this module reads its
facts (`BookingFacts`) inside the transaction and turns the problems into refusals. The check and
the insert of a booking run in one write unit: SQLite takes its write lock at BEGIN (BEGIN
IMMEDIATE) and on PostgreSQL the read of the patient's and the therapist's rows locks them (FOR
UPDATE), so two front-desk PCs booking the same slot at the same moment cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Insert, Label, bindparam, insert, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from frontdesk.db.models import Appointment, AppointmentEvent, AppointmentType, Patient, Setting, Therapist
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.booking import (
    BookingFacts,
    BookingProblem,
    ImsAnswer,
    ProblemKind,
    area_problem,
    booking_problems,
    first_allowed,
    interval_problem,
)
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import Interval
from frontdesk.domain.when import format_date
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import clinic_settings_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from frontdesk.services.freed import FreedSlot
from frontdesk.services.records import AppointmentRecord, BookingCheck, BookingRequest
from frontdesk.services.reading import AccountNow
from frontdesk.services.reminder_outbox import REMINDERS_KEY, ReminderSettings, reminder_settings_of, sync_reminders_in
from frontdesk.services.schedule import around_slot, patient_ims_days, record_by_id
from frontdesk.services.schedule_view import ims_flags
from frontdesk.services.screenings import ims_allowed
from frontdesk.services.unit_of_work import UnitOfWork, account_statement, core_execute


class BookingRefused(ServiceError):
    """The booking breaks a rule (IMS eligibility, working hours, time off).

    ``reasons`` are the plain sentences; ``first_allowed`` is the first date on which an IMS booking
    would be allowed, when a date (not an event such as a review) ends the block.
    """

    def __init__(self, reasons: Sequence[str], *, first_allowed: date | None = None,
                 ims: bool = False) -> None:
        self.reasons = tuple(reasons)
        self.first_allowed = first_allowed
        self.ims = ims
        message = " ".join(self.reasons)
        if first_allowed is not None:
            message += f" IMS can be booked from {format_date(first_allowed)}."
        super().__init__(message)


class IntervalReasonNeeded(BookingRefused):
    """An IMS treatment closer to another of the patient's than the clinic's interval: it may be
    booked, but only with a reason (``BookingRequest.interval_reason``)."""

    def __init__(self, warning: str) -> None:
        super().__init__([warning], ims=True)
        self.warning = warning


class SlotTaken(Conflict):
    """The therapist or the patient already has an appointment at that time."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("This time is no longer free: " + " ".join(self.reasons)
                         + " Please choose another time.")


def require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed({"starts_at": "The start time needs a time zone."})


def validate_request(request: BookingRequest) -> None:
    require_aware(request.starts_at)
    if len(request.notes) > 2000:
        raise ValidationFailed({"notes": "Keep the notes under 2,000 characters."})


# --- The facts of a booking ----------------------------------------------------------------------


@dataclass(frozen=True)
class PatientPart:
    id: int
    family_name: str
    given_names: str
    preferred_name: str
    phone: str
    archived: bool


@dataclass(frozen=True)
class TherapistPart:
    id: int
    full_name: str
    active: bool
    ims_qualified: bool


@dataclass(frozen=True)
class KindPart:
    id: int
    name: str
    duration_minutes: int
    is_ims: bool
    active: bool


@dataclass(frozen=True)
class BookingParts:
    """What a booking needs of its patient, therapist and type (only the columns it uses), and for a
    booking about to be saved the reminder settings (None: not read)."""

    patient: PatientPart
    therapist: TherapistPart
    kind: KindPart
    reminders: ReminderSettings | None = None


def _named(part: str, *columns: QueryableAttribute[Any]) -> tuple[Label[Any], ...]:
    """The columns of one part, each under a name of its own (``patient_id``, ``therapist_active``): a
    row is read by name, a dictionary's look-up, where looking a row up by a column object costs
    SQLAlchemy about 14 us each."""
    return tuple(column.label(f"{part}_{column.key}") for column in columns)


_PATIENT = _named("patient", Patient.id, Patient.family_name, Patient.given_names, Patient.preferred_name,
                  Patient.phone, Patient.archived)
_THERAPIST = _named("therapist", Therapist.id, Therapist.full_name, Therapist.active, Therapist.ims_qualified)
_KIND = _named("kind", AppointmentType.id, AppointmentType.name, AppointmentType.duration_minutes,
               AppointmentType.is_ims, AppointmentType.active)

_PARTS = (
    select(*_PATIENT, *_THERAPIST, *_KIND)
    .select_from(Patient)
    .join(Therapist, Therapist.id == bindparam("therapist"))
    .join(AppointmentType, AppointmentType.id == bindparam("kind"))
    .where(Patient.id == bindparam("patient"))
)
# The same read for a booking about to be saved: it locks the patient's and the therapist's rows
# (PostgreSQL; SQLite holds its write lock), so bookings of either wait for this one.
_PARTS_LOCKED = _PARTS.with_for_update(of=[Patient, Therapist])
# A booking about to be saved reads in the same query what its unit of work would read apart: the acting
# account as it is now (locked FOR SHARE, as `UnitOfWork` locks it: an administrator's change to it
# waits for the booking) and the reminder settings (`sync_reminders_in`). Two round trips fewer.
_ACTING = account_statement(write=True).subquery("acting")
_ACCOUNT = tuple(_ACTING.c[name].label(f"account_{name}") for name in AccountNow._fields)
_REMINDERS = select(Setting.value).where(Setting.key == REMINDERS_KEY).scalar_subquery().label("reminders")
_BOOKING_READ = (_PARTS.add_columns(*_ACCOUNT, _REMINDERS).outerjoin(_ACTING, true())
                 .with_for_update(of=[Patient, Therapist]))


def _part(row: Any, columns: tuple[Label[Any], ...]) -> list[Any] | None:
    """The values of ``columns`` in ``row``, by their names (None for no row)."""
    if row is None:
        return None
    mapped = row._mapping
    return [mapped[column.name] for column in columns]


def load_parts(session: Session, request: BookingRequest, *, lock: bool = False, uow: UnitOfWork | None = None,
               permission: tuple[Permission, str] | None = None) -> BookingParts:
    """The patient, therapist and type of ``request`` in one query (locked for a write with
    ``lock``), or `ValidationFailed` naming each one that cannot be booked.

    With ``uow`` (a booking about to be saved, in that unit's transaction) the same query reads the
    acting account for the unit (`UnitOfWork.account_read_with`) and the reminder settings; then
    ``permission`` is required (`UnitOfWork.require`) before any of the three is refused."""
    if permission is not None and uow is None:
        raise ValueError("load_parts checks a permission only for a unit of work (uow=...)")
    values = {"patient": request.patient_id, "therapist": request.therapist_id, "kind": request.type_id}
    reminders: ReminderSettings | None = None
    if uow is not None:
        found = core_execute(session, _BOOKING_READ, {**values, "user": uow.actor.user_id if uow.actor else None}
                             ).first()
        if found is not None:
            account = _part(found, _ACCOUNT)
            uow.account_read_with(None if account is None or account[0] is None else AccountNow(*account))
            reminders = reminder_settings_of(found._mapping[_REMINDERS.name])
        if permission is not None:
            uow.require(*permission)
    else:
        found = core_execute(session, _PARTS_LOCKED if lock else _PARTS, values).first()
    rows: tuple[Any, Any, Any]
    if found is not None:
        rows = (found, found, found)
    else:
        # One of the three is missing: asked one by one, to say which.
        rows = (session.execute(select(*_PATIENT).where(Patient.id == request.patient_id)).first(),
                session.execute(select(*_THERAPIST).where(Therapist.id == request.therapist_id)).first(),
                session.execute(select(*_KIND).where(AppointmentType.id == request.type_id)).first())
    patient_values, therapist_values, kind_values = (
        _part(rows[0], _PATIENT), _part(rows[1], _THERAPIST), _part(rows[2], _KIND))
    patient = PatientPart(*patient_values) if patient_values is not None else None
    therapist = TherapistPart(*therapist_values) if therapist_values is not None else None
    kind = KindPart(*kind_values) if kind_values is not None else None
    errors = {}
    if patient is None or patient.archived:
        errors["patient"] = "Choose a patient from the list."
    if therapist is None or not therapist.active:
        errors["therapist"] = "Choose a physiotherapist who is working at the clinic."
    if kind is None or not kind.active:
        errors["type"] = "Choose the kind of appointment."
    if errors or patient is None or therapist is None or kind is None:
        raise ValidationFailed(errors)
    return BookingParts(patient, therapist, kind, reminders)


class FactsReader:
    """Reads the facts of bookings of one patient with one therapist, type and area, inside the
    caller's transaction; the screening's answer is read once per day.

    ``interval_rule=False`` leaves the clinic's IMS interval out (planning a series); ``ignore`` is
    the appointment being moved.
    """

    def __init__(self, ctx: ServiceContext, session: Session, patient_id: int, therapist: TherapistPart,
                 is_ims: bool, area: str, *, interval_reason: str = "", interval_rule: bool = True,
                 ignore: int | None = None) -> None:
        self.ctx, self.session, self.patient_id, self.therapist = ctx, session, patient_id, therapist
        self.is_ims, self.area, self.interval_reason, self.ignore = bool(is_ims), area, interval_reason, ignore
        self.interval_days = clinic_settings_in(session).ims_interval_days if self.is_ims and interval_rule else 0
        self._screenings: dict[date, ImsAnswer | None] = {}

    def screening(self, on: date) -> ImsAnswer | None:
        """The screening's answer for IMS of the area on ``on`` (None: not IMS, or no valid area)."""
        if not self.is_ims or area_problem(self.area, True) is not None:
            return None
        if on not in self._screenings:
            self._screenings[on] = ims_allowed(self.ctx, self.patient_id, self.area, on, session=self.session)
        return self._screenings[on]

    def facts(self, interval: Interval) -> BookingFacts:
        zone = self.ctx.zone
        availability, patient_busy = around_slot(self.session, zone, self.therapist.id, self.therapist.full_name,
                                                 self.patient_id, interval)
        on = interval.start.astimezone(zone).date()
        ims_days: list[date] = []
        if self.interval_days:
            reach = timedelta(days=max(self.interval_days, 1))
            ims_days = patient_ims_days(self.session, zone, self.patient_id, on - reach, on + reach, self.ignore)
        return BookingFacts(interval, availability, patient_busy, is_ims=self.is_ims, area=self.area,
                            therapist_ims_qualified=bool(self.therapist.ims_qualified), screening=self.screening(on),
                            ims_days=ims_days, ims_interval_days=self.interval_days,
                            interval_reason=self.interval_reason, ignore_appointment=self.ignore)

    def problems(self, interval: Interval) -> list[BookingProblem]:
        return booking_problems(self.facts(interval), zone=self.ctx.zone, now=self.ctx.now())


def raise_for(problems: Sequence[BookingProblem]) -> None:
    """Refuse a booking with these problems, the first kind first: the area (`ValidationFailed`), IMS
    (`BookingRefused`), the IMS interval (`IntervalReasonNeeded`), the time itself (`BookingRefused`,
    or `SlotTaken` when only someone else's appointment stands in the way)."""
    area = [p.message for p in problems if p.kind is ProblemKind.AREA]
    if area:
        raise ValidationFailed({"area": area[0]})
    ims = [p for p in problems if p.kind.is_ims]
    if ims:
        raise BookingRefused([p.message for p in ims], first_allowed=first_allowed(ims), ims=True)
    too_close = [p.message for p in problems if p.kind is ProblemKind.IMS_TOO_CLOSE]
    if too_close:
        raise IntervalReasonNeeded(too_close[0])
    taken = [p.message for p in problems if p.kind.is_taken]
    other = [p.message for p in problems if not p.kind.is_taken]
    if other:
        raise BookingRefused(other + taken)
    if taken:
        raise SlotTaken(taken)


def checked_booking(ctx: ServiceContext, session: Session, request: BookingRequest, parts: BookingParts
                    ) -> Interval:
    """The booking's interval, after every rule; raises (`raise_for`) on the first kind of problem."""
    interval = Interval.lasting(request.starts_at, timedelta(minutes=parts.kind.duration_minutes))
    reader = FactsReader(ctx, session, request.patient_id, parts.therapist, parts.kind.is_ims, request.area,
                         interval_reason=request.interval_reason)
    raise_for(reader.problems(interval))
    return interval


# --- Booking -------------------------------------------------------------------------------------


_APPOINTMENTS = Appointment.__table__
_EVENTS = AppointmentEvent.__table__
_INSERT_APPOINTMENT = insert(_APPOINTMENTS)
_INSERT_EVENT = insert(_EVENTS)


def _event_values(request: BookingRequest, interval: Interval, series_id: str | None) -> dict[str, object]:
    detail: dict[str, object] = {"starts_at": interval.start.isoformat(), "therapist_id": request.therapist_id}
    if series_id:
        detail["series_id"] = series_id
    if request.interval_reason.strip():
        # Shown in the appointment's history as "Booked: <reason>".
        detail["reason"] = "IMS closer than the clinic's interval: " + request.interval_reason.strip()
    return detail


def insert_appointment(session: Session, ctx: ServiceContext, actor: Actor, request: BookingRequest,
                       interval: Interval, series_id: str | None = None) -> int:
    """Insert the appointment and its 'booked' event (plain INSERTs; on PostgreSQL one statement);
    returns its id. The rules are the caller's to have checked (`checked_booking`)."""
    now = ctx.now()
    values = dict(
        patient_id=request.patient_id, therapist_id=request.therapist_id, type_id=request.type_id,
        starts_at=interval.start, ends_at=interval.end, status=AppointmentStatus.BOOKED.value,
        area=request.area, notes=request.notes.strip(), series_id=series_id, version=1,
        created_at=now, created_by=actor.user_id, updated_at=now, updated_by=actor.user_id,
    )
    event = dict(at=now, by_user=actor.user_id, kind="booked", from_status=None,
                 to_status=AppointmentStatus.BOOKED.value, detail=_event_values(request, interval, series_id))
    if session.get_bind().dialect.name == "postgresql":
        both = {**values, **{f"event_{k}": v for k, v in event.items()}}
        return int(core_execute(session, _insert_both(), both).scalar_one())
    inserted = core_execute(session, _INSERT_APPOINTMENT, values)
    key = inserted.inserted_primary_key
    assert key is not None
    appointment_id = int(key[0])
    core_execute(session, _INSERT_EVENT, dict(appointment_id=appointment_id, **event))
    return appointment_id


@cache
def _insert_both() -> Insert:
    """``WITH booked AS (INSERT INTO appointments ... RETURNING id) INSERT INTO appointment_events
    SELECT id, ... FROM booked RETURNING appointment_id``: one round trip to the server for both rows."""
    appointments, events = _APPOINTMENTS, _EVENTS
    columns = ("patient_id", "therapist_id", "type_id", "starts_at", "ends_at", "status", "area", "notes", "series_id",
               "version", "created_at", "created_by", "updated_at", "updated_by")
    booked = (insert(appointments).values({name: bindparam(name, type_=appointments.c[name].type) for name in columns})
              .returning(appointments.c.id).cte("booked"))
    event_columns = ("at", "by_user", "kind", "from_status", "to_status", "detail")
    rows = select(booked.c.id, *(bindparam(f"event_{name}", type_=events.c[name].type) for name in event_columns))
    return insert(events).from_select(["appointment_id", *event_columns], rows).returning(events.c.appointment_id)


def booked_record(session: Session, appointment_id: int, request: BookingRequest, interval: Interval,
                  parts: BookingParts) -> AppointmentRecord:
    """The record of an appointment just inserted, from what the booking read and wrote: the same
    as loading it back (instants in UTC, as stored), without the query."""
    patient, therapist, kind = parts.patient, parts.therapist, parts.kind
    starts_at = interval.start.astimezone(UTC)
    area = request.area or ""
    flag = ImsFlag.NONE
    if kind.is_ims:
        flag = ims_flags(SessionReader(session), [(request.patient_id, area, starts_at)]).get(
            (request.patient_id, area, starts_at), ImsFlag.NONE)
    return AppointmentRecord(
        id=appointment_id, version=1, patient_id=request.patient_id,
        patient_name=display_name(patient.family_name, patient.given_names, patient.preferred_name),
        stored_phone=patient.phone or "", therapist_id=therapist.id, therapist_name=therapist.full_name,
        type_id=kind.id, type_name=kind.name, is_ims=bool(kind.is_ims), starts_at=starts_at,
        ends_at=interval.end.astimezone(UTC), status=AppointmentStatus.BOOKED, area=area,
        notes=request.notes.strip(), series_id=None, cancel_reason="", late_cancellation=False, ims_flag=flag,
    )


def book_in(uow: UnitOfWork, ctx: ServiceContext, actor: Actor, request: BookingRequest, *,
            permission: tuple[Permission, str] | None = None, **audited: object) -> AppointmentRecord:
    """Book inside the caller's write unit (the waitlist closes its entry in the same one): lock,
    require ``permission`` (if given; read with the booking's own facts), check every rule, insert,
    audit (with ``audited`` added) and queue the reminder."""
    validate_request(request)
    session = uow.session
    parts = load_parts(session, request, lock=True, uow=uow, permission=permission)
    interval = checked_booking(ctx, session, request, parts)
    appointment_id = insert_appointment(session, ctx, actor, request, interval)
    extra = {"interval_reason": request.interval_reason.strip()} if request.interval_reason.strip() else {}
    uow.audit("book", "appointment", appointment_id, patient_id=request.patient_id,
              therapist_id=request.therapist_id, type=parts.kind.name, starts_at=interval.start.isoformat(),
              **extra, **audited)
    record = booked_record(session, appointment_id, request, interval, parts)
    sync_reminders_in(session, ctx.now(), [appointment_id], new=True, settings=parts.reminders)
    return record


@checked_inputs
def book_appointment(ctx: ServiceContext, actor: Actor, request: BookingRequest) -> AppointmentRecord:
    """Book one appointment; refuses with `BookingRefused`, `SlotTaken` (a `Conflict`) or
    `ValidationFailed`. Writes the 'booked' history event and an audit row."""
    validate_request(request)
    with UnitOfWork(ctx, actor, write=True) as uow:
        record = book_in(uow, ctx, actor, request, permission=(Permission.BOOK, "book appointments"))
        uow.commit()
    return record


@checked_inputs
def check_booking(ctx: ServiceContext, actor: Actor, request: BookingRequest,
                  ignore_appointment: int | None = None) -> BookingCheck:
    """Every problem the booking would meet, without saving anything (for the dialog). The IMS
    interval's warning comes apart (``too_close``): with a reason, it does not stop the booking."""
    validate_request(request)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        parts = load_parts(session, request)
        interval = Interval.lasting(request.starts_at, timedelta(minutes=parts.kind.duration_minutes))
        problems = FactsReader(ctx, session, request.patient_id, parts.therapist, parts.kind.is_ims, request.area,
                               ignore=ignore_appointment).problems(interval)
    too_close = next((p.message for p in problems if p.kind is ProblemKind.IMS_TOO_CLOSE), "")
    shown = [p for p in problems if p.kind is not ProblemKind.IMS_TOO_CLOSE]
    return BookingCheck(interval, tuple(p.message for p in shown), first_allowed(shown),
                        any(p.kind.is_ims for p in shown), too_close)


# --- Moving --------------------------------------------------------------------------------------


_MOVE_PARTS = (
    select(*_THERAPIST, *_KIND, Patient.id)
    .select_from(Patient)
    .join(Therapist, Therapist.id == bindparam("therapist"))
    .join(AppointmentType, AppointmentType.id == bindparam("kind"))
    .where(Patient.id == bindparam("patient"))
    .with_for_update(of=[Patient, Therapist])
)


@checked_inputs
def reschedule_appointment(ctx: ServiceContext, actor: Actor, appointment_id: int, expected_version: int,
                           new_start: datetime, new_therapist_id: int | None = None,
                           interval_reason: str = "") -> AppointmentRecord:
    """Move a booked appointment to another time and/or therapist; same rules as a booking.

    The length, the type and the area are kept. ``expected_version`` guards against a colleague's
    change in between. An IMS treatment moved closer to another of the patient's than the clinic's
    interval needs ``interval_reason`` (`IntervalReasonNeeded` otherwise), kept in its history and
    the audit.
    """
    require_aware(new_start)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "move appointments")
        session = uow.session
        row = session.get(Appointment, appointment_id, with_for_update=True)
        if row is None:
            raise NotFound("That appointment no longer exists.")
        # The therapist's and the patient's rows locked as for a booking, read in the same query.
        found = session.execute(_MOVE_PARTS, {"therapist": new_therapist_id or row.therapist_id,
                                              "kind": row.type_id, "patient": row.patient_id}).first()
        therapist_values, kind_values = _part(found, _THERAPIST), _part(found, _KIND)
        therapist = TherapistPart(*therapist_values) if therapist_values is not None else None
        kind = KindPart(*kind_values) if kind_values is not None else None
        if row.version != expected_version:
            raise Conflict("Someone else changed this appointment a moment ago. Look at it again, "
                           "then move it.", current=record_by_id(session, appointment_id))
        if row.status != AppointmentStatus.BOOKED.value:
            raise BookingRefused([f"Only booked appointments can be moved; this one is "
                                  f"{AppointmentStatus(row.status).label.lower()}."])
        if therapist is None or not therapist.active or kind is None:
            raise ValidationFailed({"therapist": "Choose a physiotherapist who is working at the clinic."})
        interval = Interval.lasting(new_start, row.ends_at - row.starts_at)
        reader = FactsReader(ctx, session, row.patient_id, therapist, kind.is_ims, row.area or "", ignore=row.id)
        facts = reader.facts(interval)
        # The appointment keeps the area it was booked with: an old one without an area is moved as is.
        problems = [p for p in booking_problems(facts, zone=ctx.zone, now=ctx.now()) if p.kind is not ProblemKind.AREA]
        reason = interval_reason.strip()
        if reason:
            problems = [p for p in problems if p.kind is not ProblemKind.IMS_TOO_CLOSE]
        raise_for(problems)
        why = {"reason": "IMS closer than the clinic's interval: " + reason} \
            if reason and interval_problem(facts, ctx.zone) is not None else {}
        old_start, old_therapist = row.starts_at, row.therapist_id
        before = {"starts_at": old_start.isoformat(), "therapist_id": old_therapist}
        after = {"starts_at": interval.start.isoformat(), "therapist_id": therapist.id}
        row.starts_at, row.ends_at, row.therapist_id = interval.start, interval.end, therapist.id
        row.version += 1
        row.updated_at, row.updated_by = ctx.now(), actor.user_id
        session.add(AppointmentEvent(appointment_id=row.id, at=ctx.now(), by_user=actor.user_id, kind="moved",
                                     from_status=None, to_status=None, detail={"from": before, "to": after, **why}))
        uow.audit("move", "appointment", row.id, patient_id=row.patient_id, before=before, after=after,
                  **({"interval_reason": reason} if why else {}))
        session.flush()
        record = record_by_id(session, row.id)
        sync_reminders_in(session, ctx.now(), [row.id])
        uow.commit()
    ctx.freed.emit(FreedSlot(old_therapist, old_start, old_start + interval.duration, "moved"))
    return record


__all__ = [
    "BookingParts", "BookingRefused", "FactsReader", "IntervalReasonNeeded", "KindPart", "PatientPart", "SlotTaken",
    "TherapistPart", "book_appointment", "book_in", "booked_record", "check_booking", "checked_booking",
    "insert_appointment", "load_parts", "raise_for", "require_aware", "reschedule_appointment", "validate_request",
]
