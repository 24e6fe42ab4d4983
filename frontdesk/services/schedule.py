"""Therapists' days and weeks, booking, moving and series of appointments.

The check and the insert of a booking run in one write unit: SQLite takes its write lock at BEGIN
(BEGIN IMMEDIATE) and PostgreSQL locks the therapist's and the patient's rows first, so two front-desk
PCs booking the same slot at the same moment cannot both succeed.

Appointments overlapping a stretch of time are found with a bounded range on ``starts_at`` (the
indexes ``(therapist_id, starts_at)``, ``(patient_id, starts_at)`` and ``(starts_at)``): an
appointment that overlaps ``[a, b)`` starts before ``b`` and, being at most ``LONGEST_APPOINTMENT``
long, not before ``a - LONGEST_APPOINTMENT``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise, takewhile
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from frontdesk.db.models import (
    Appointment,
    AppointmentEvent,
    AppointmentType,
    Patient,
    ScheduleException,
    Therapist,
    WorkingHours,
)
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims_interval import blocked_days, ims_too_close, too_close_text
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import (
    BookingProblem,
    Busy,
    ExtraHours,
    Interval,
    PartOfDay,
    ProblemKind,
    TherapistAvailability,
    TimeOff,
    WorkingBlock,
    check_slot,
    find_free_slots,
    local_instant,
    recurrence,
)
from frontdesk.domain.when import format_date, format_day, format_time
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_in, get_clinic_settings
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ServiceError, ValidationFailed, changed_meanwhile
from frontdesk.services.freed import FreedSlot
from frontdesk.services.records import (
    AppointmentRecord,
    AppointmentTypeInfo,
    BookingCheck,
    BookingRequest,
    FreeSlot,
    PatientBookings,
    PlannedOccurrence,
    Rebooking,
    ScheduleExceptionRecord,
)
from frontdesk.services.records import AwayTime as AwayTime  # re-exported: the schedule's records
from frontdesk.services.records import DaySchedule as DaySchedule
from frontdesk.services.records import ScheduleColumn as ScheduleColumn
from frontdesk.services.records import TherapistInfo as TherapistInfo
from frontdesk.services.records import WeekSchedule as WeekSchedule
from frontdesk.services.schedule_view import (
    LONGEST_APPOINTMENT,
    appointment_records,
    ims_flags,
    therapists_from,
    therapists_time,
)
from frontdesk.services.schedule_view import day_schedule as day_schedule  # re-exported: the schedule's views
from frontdesk.services.schedule_view import list_therapists as list_therapists
from frontdesk.services.schedule_view import week_schedule as week_schedule
from frontdesk.services.reminder_outbox import sync_reminders_in
from frontdesk.services.screenings import ims_allowed
from frontdesk.services.unit_of_work import UnitOfWork

#: How far ahead "find next available" and the "move to the next free slot" of a series look.
SEARCH_HORIZON_DAYS = 180
_SEARCH_CHUNK_DAYS = 14
_LIVE = tuple(s.value for s in AppointmentStatus if s.is_live)
CHANGES = frozenset({Kind.APPOINTMENTS})


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


# The plain records live in `services.records` (the first screen imports them without SQLAlchemy).


_RECORD_COLUMNS = (
    Appointment.id, Appointment.version, Appointment.patient_id, Patient.family_name,
    Patient.given_names, Patient.preferred_name, Patient.phone, Appointment.therapist_id,
    Therapist.full_name, Appointment.type_id, AppointmentType.name, AppointmentType.is_ims,
    Appointment.starts_at, Appointment.ends_at, Appointment.status, Appointment.area,
    Appointment.notes, Appointment.series_id, Appointment.cancel_reason, Appointment.late_cancellation,
)


def appointment_query() -> Select:
    """The columns of an :class:`AppointmentRecord`, joined; add where/order_by/limit (filters may
    use Patient, Therapist and AppointmentType columns) and pass it to `load_appointment_records`."""
    return (
        select(*_RECORD_COLUMNS)
        .select_from(Appointment)
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(Therapist, Therapist.id == Appointment.therapist_id)
        .join(AppointmentType, AppointmentType.id == Appointment.type_id)
    )


def _is_plain_appointment_select(statement: Select) -> bool:
    descriptions = statement.column_descriptions
    return len(descriptions) == 1 and descriptions[0].get("entity") is Appointment \
        and descriptions[0].get("type") is Appointment


def load_appointment_records(session: Session, statement: Select, *,
                             settings: ClinicSettings | None = None) -> list[AppointmentRecord]:
    """The records for ``statement`` in one joined query, with IMS flags computed in bulk.

    ``statement`` is either built on :func:`appointment_query` or is ``select(Appointment)`` with
    where/order_by/limit on Appointment columns only (the joins are added here). Pass the clinic's
    ``settings`` when they were read in this session already.
    """
    if _is_plain_appointment_select(statement):
        statement = (
            statement.with_only_columns(*_RECORD_COLUMNS)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Therapist, Therapist.id == Appointment.therapist_id)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id)
        )
    rows = session.execute(statement).all()
    return appointment_records(SessionReader(session), rows, settings, starts=[r[12] for r in rows],
                               ends=[r[13] for r in rows])


# --- Therapists and types ------------------------------------------------------------------------


def _type_info(row: AppointmentType) -> AppointmentTypeInfo:
    return AppointmentTypeInfo(row.id, row.name, row.duration_minutes, bool(row.is_ims))


def list_appointment_types(ctx: ServiceContext, actor: Actor) -> list[AppointmentTypeInfo]:
    statement = (select(AppointmentType).where(AppointmentType.active.is_(True))
                 .order_by(AppointmentType.sort_order, AppointmentType.name))
    with UnitOfWork(ctx, actor) as uow:
        return [_type_info(row) for row in uow.session.scalars(statement)]


# --- Availability from the database --------------------------------------------------------------


def _overlapping(start_column, end_column, window: Interval):
    """Rows whose [start, end) overlaps ``window``, as a bounded range on the start column."""
    return and_(start_column >= window.start - LONGEST_APPOINTMENT, start_column < window.end,
                end_column > window.start)


# Built once: booking and "find next available" run these for every slot checked, and building a
# statement costs more than SQLite takes to answer it.
_LIVE_IN_WINDOW = select(
    Appointment.id, Appointment.therapist_id, Appointment.patient_id, Appointment.starts_at, Appointment.ends_at,
).where(
    Appointment.starts_at >= bindparam("earliest"), Appointment.starts_at < bindparam("end"),
    Appointment.ends_at > bindparam("start"), Appointment.status.in_(_LIVE),
)
_LIVE_OF_THERAPISTS = _LIVE_IN_WINDOW.where(Appointment.therapist_id.in_(bindparam("therapists", expanding=True)))
_LIVE_OF_PATIENT = _LIVE_IN_WINDOW.where(Appointment.patient_id == bindparam("patient"))
_LIVE_OF_BOTH = _LIVE_OF_THERAPISTS.where(Appointment.patient_id == bindparam("patient"))
_LIVE_OF_EITHER = _LIVE_IN_WINDOW.where(
    or_(Appointment.therapist_id == bindparam("therapist"), Appointment.patient_id == bindparam("patient")))


def _live_appointments(session: Session, window: Interval, *, therapist_ids: Iterable[int] | None = None,
                       patient_id: int | None = None, starting_in: bool = False
                       ) -> list[tuple[int, int, int, datetime, datetime]]:
    """Live appointments overlapping ``window`` (a bounded range on the start, see the module's note);
    with ``starting_in``, only those that start in it."""
    earliest = window.start if starting_in else window.start - LONGEST_APPOINTMENT
    params: dict = {"earliest": earliest, "end": window.end, "start": window.start}
    if therapist_ids is not None:
        params["therapists"] = list(therapist_ids)
    if patient_id is not None:
        params["patient"] = patient_id
    statement = (_LIVE_OF_BOTH if patient_id is not None else _LIVE_OF_THERAPISTS) if therapist_ids is not None \
        else _LIVE_OF_PATIENT if patient_id is not None else _LIVE_IN_WINDOW
    return [tuple(row) for row in session.execute(statement, params)]


def _availabilities(session: Session, names: dict[int, str], window: Interval
                    ) -> dict[int, TherapistAvailability]:
    """Each therapist's (id: name) hours, exceptions and live appointments over ``window``."""
    if not names:
        return {}
    busy: dict[int, list[Busy]] = defaultdict(list)
    _add_busy(busy, names, _live_appointments(session, window, therapist_ids=list(names)))
    return _with_busy(_time_of(session, list(names), window), names, busy)


def _time_of(session: Session, ids: list[int], window: Interval
             ) -> tuple[dict[int, list[WorkingBlock]], dict[int, list[TimeOff]], dict[int, list[ExtraHours]]]:
    """The therapists' weekly hours, and their time off and extra hours touching ``window``."""
    found = therapists_time(SessionReader(session), ids, window)
    return found.blocks, found.time_off, found.extra


def _add_busy(busy: dict[int, list[Busy]], names: dict[int, str], rows) -> None:
    for appointment_id, therapist_id, _patient, start, end in rows:
        busy[therapist_id].append(Busy(Interval(start, end), names[therapist_id], appointment_id))


def _with_busy(time_of, names: dict[int, str], busy: dict[int, list[Busy]]) -> dict[int, TherapistAvailability]:
    blocks, away, extra = time_of
    return {
        tid: TherapistAvailability(tid, blocks[tid], away[tid], extra[tid], busy[tid], name)
        for tid, name in names.items()
    }


def _patient_busy(session: Session, patient_id: int, window: Interval) -> list[Busy]:
    return [
        Busy(Interval(start, end), "The patient", appointment_id)
        for appointment_id, _t, _p, start, end in _live_appointments(session, window, patient_id=patient_id)
    ]


def _padded(interval: Interval, zone: ZoneInfo) -> Interval:
    """The local days around ``interval``: the working hours and time off that decide it."""
    first = interval.start.astimezone(zone).date() - timedelta(days=1)
    last = interval.end.astimezone(zone).date() + timedelta(days=2)
    return Interval(local_instant(first, time(0), zone), local_instant(last, time(0), zone))


# --- Booking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    interval: Interval
    slot_problems: tuple[BookingProblem, ...]


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed({"starts_at": "The start time needs a time zone."})


_PARTS = (
    select(Patient, Therapist, AppointmentType)
    .select_from(Patient)
    .join(Therapist, Therapist.id == bindparam("therapist"))
    .join(AppointmentType, AppointmentType.id == bindparam("kind"))
    .where(Patient.id == bindparam("patient"))
)


def _load_parts(session: Session, request: BookingRequest) -> tuple[Patient, Therapist, AppointmentType]:
    # One query for the three rows (each found by its key); the one-by-one lookups below only run
    # when one of them is missing, to say which.
    found = session.execute(_PARTS, {"patient": request.patient_id, "therapist": request.therapist_id,
                                     "kind": request.type_id}).first()
    if found is not None:
        patient, therapist, kind = found
    else:
        patient = session.get(Patient, request.patient_id)
        therapist = session.get(Therapist, request.therapist_id)
        kind = session.get(AppointmentType, request.type_id)
    errors = {}
    if patient is None or patient.archived:
        errors["patient"] = "Choose a patient from the list."
    if therapist is None or not therapist.active:
        errors["therapist"] = "Choose a physiotherapist who is working at the clinic."
    if kind is None or not kind.active:
        errors["type"] = "Choose the kind of appointment."
    if errors:
        raise ValidationFailed(errors)
    return patient, therapist, kind


def _area_problem(request_area: str, is_ims: bool) -> str | None:
    if request_area:
        try:
            BodyArea.parse(request_area)
        except ValueError:
            return "Choose the area to be treated from the list."
    elif is_ims:
        return "Choose the area to be treated with IMS; the screening is checked for that area."
    return None


def _ims_problems(ctx: ServiceContext, therapist: Therapist, patient_id: int, area: str, on: date,
                  session: Session | None = None) -> tuple[list[str], date | None]:
    """Why IMS cannot be booked for this patient and therapist on ``on`` (empty if it can)."""
    reasons: list[str] = []
    first_allowed: date | None = None
    if not therapist.ims_qualified:
        reasons.append(f"{therapist.full_name} is not IMS-qualified; choose an IMS-qualified "
                       "physiotherapist or a physiotherapy appointment.")
    if area:
        decision = ims_allowed(ctx, patient_id, area, on, session=session)
        if not decision.allowed:
            reasons.extend(decision.reasons or ["The patient's screening does not allow IMS on this date."])
            if decision.first_allowed is not None and decision.first_allowed > on:
                first_allowed = decision.first_allowed
    return reasons, first_allowed


_PATIENT_IMS_STARTS = (
    select(Appointment.id, Appointment.starts_at)
    .join(AppointmentType, AppointmentType.id == Appointment.type_id)
    .where(Appointment.patient_id == bindparam("patient"), Appointment.starts_at >= bindparam("start"),
           Appointment.starts_at < bindparam("end"), Appointment.status.in_(_LIVE), AppointmentType.is_ims.is_(True))
)


def _patient_ims_days(ctx: ServiceContext, session: Session, patient_id: int, first: date, last: date,
                      ignore: int | None = None) -> list[date]:
    """The local days from ``first`` to ``last`` (inclusive) on which the patient has live IMS."""
    rows = session.execute(_PATIENT_IMS_STARTS, {
        "patient": patient_id, "start": local_instant(first, time(0), ctx.zone),
        "end": local_instant(last + timedelta(days=1), time(0), ctx.zone)})
    return [start.astimezone(ctx.zone).date() for appointment_id, start in rows if appointment_id != ignore]


def _interval_warning(ctx: ServiceContext, session: Session, patient_id: int, on: date, min_days: int,
                      ignore: int | None = None) -> str:
    """The IMS interval's warning for IMS on ``on`` (empty when the patient's other IMS is far enough)."""
    reach = timedelta(days=max(min_days, 1))
    others = _patient_ims_days(ctx, session, patient_id, on - reach, on + reach, ignore)
    found = ims_too_close(on, others, min_days)
    return too_close_text(found, min_days, format_day) if found else ""


def _problem_texts(problems: Iterable[BookingProblem]) -> list[str]:
    return [p.message for p in problems]


def _check_in_session(ctx: ServiceContext, session: Session, therapist: Therapist, patient_id: int,
                      interval: Interval, ignore: int | None = None) -> list[BookingProblem]:
    window = _padded(interval, ctx.zone)
    names = {therapist.id: therapist.full_name}
    # The therapist's and the patient's appointments in one query (each side by its own index), in
    # the order the two queries would give; the patient's are those overlapping the slot itself.
    rows = sorted(session.execute(_LIVE_OF_EITHER, {
        "earliest": window.start - LONGEST_APPOINTMENT, "end": window.end, "start": window.start,
        "therapist": therapist.id, "patient": patient_id}), key=lambda row: (row[3], row[0]))
    busy: dict[int, list[Busy]] = defaultdict(list)
    _add_busy(busy, names, [row for row in rows if row[1] == therapist.id])
    availability = _with_busy(_time_of(session, [therapist.id], window), names, busy)[therapist.id]
    patient_busy = [
        Busy(Interval(start, end), "The patient", appointment_id)
        for appointment_id, _t, patient, start, end in rows
        if patient == patient_id and interval.start - LONGEST_APPOINTMENT <= start < interval.end
        and end > interval.start
    ]
    return check_slot(interval, availability, patient_busy, zone=ctx.zone, now=ctx.now(),
                      ignore_appointment=ignore)


def _raise_for(problems: Sequence[BookingProblem]) -> None:
    taken = [p.message for p in problems if p.kind in (ProblemKind.THERAPIST_BUSY, ProblemKind.PATIENT_BUSY)]
    other = [p.message for p in problems if p.kind not in (ProblemKind.THERAPIST_BUSY, ProblemKind.PATIENT_BUSY)]
    if other:
        raise BookingRefused(other + taken)
    if taken:
        raise SlotTaken(taken)


def _lock(session: Session, therapist_id: int, patient_id: int) -> None:
    """Serialise bookings of this therapist and this patient (PostgreSQL; SQLite holds its write lock)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(Therapist.id).where(Therapist.id == therapist_id).with_for_update())
        session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())


def _event(session: Session, ctx: ServiceContext, actor: Actor, appointment_id: int, kind: str,
           detail: dict, from_status: str | None = None, to_status: str | None = None) -> None:
    session.add(AppointmentEvent(appointment_id=appointment_id, at=ctx.now(), by_user=actor.user_id,
                                 kind=kind, from_status=from_status, to_status=to_status, detail=detail))


def _record_by_id(session: Session, appointment_id: int) -> AppointmentRecord:
    records = load_appointment_records(session, appointment_query().where(Appointment.id == appointment_id))
    if not records:
        raise NotFound("That appointment no longer exists.")
    return records[0]


def _validate_request(ctx: ServiceContext, request: BookingRequest) -> None:
    _require_aware(request.starts_at)
    if len(request.notes) > 2000:
        raise ValidationFailed({"notes": "Keep the notes under 2,000 characters."})


def _checked_interval(ctx: ServiceContext, session: Session, request: BookingRequest
                      ) -> tuple[Patient, Therapist, AppointmentType, Interval]:
    """Every rule of a booking, inside the caller's (write) transaction; raises on the first kind."""
    patient, therapist, kind = _load_parts(session, request)
    area_problem = _area_problem(request.area, kind.is_ims)
    if area_problem:
        raise ValidationFailed({"area": area_problem})
    interval = Interval.lasting(request.starts_at, timedelta(minutes=kind.duration_minutes))
    if kind.is_ims:
        on = interval.start.astimezone(ctx.zone).date()
        reasons, first_allowed = _ims_problems(ctx, therapist, request.patient_id, request.area, on, session)
        if reasons:
            raise BookingRefused(reasons, first_allowed=first_allowed, ims=True)
        min_days = clinic_settings_in(session).ims_interval_days
        warning = _interval_warning(ctx, session, request.patient_id, on, min_days)
        if warning and not request.interval_reason.strip():
            raise IntervalReasonNeeded(warning)
    _raise_for(_check_in_session(ctx, session, therapist, request.patient_id, interval))
    return patient, therapist, kind, interval


@checked_inputs
def book_appointment(ctx: ServiceContext, actor: Actor, request: BookingRequest) -> AppointmentRecord:
    """Book one appointment; refuses with `BookingRefused`, `SlotTaken` (a `Conflict`) or
    `ValidationFailed`. Writes the 'booked' history event and an audit row."""
    _validate_request(ctx, request)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        _lock(session, request.therapist_id, request.patient_id)
        patient, therapist, kind, interval = _checked_interval(ctx, session, request)
        appointment_id = _insert(session, ctx, actor, request, interval, series_id=None)
        extra = {"interval_reason": request.interval_reason.strip()} if request.interval_reason.strip() else {}
        uow.audit("book", "appointment", appointment_id, patient_id=request.patient_id,
                  therapist_id=request.therapist_id, type=kind.name, starts_at=interval.start.isoformat(), **extra)
        record = _booked_record(session, appointment_id, request, interval, patient, therapist, kind)
        sync_reminders_in(session, ctx.now(), [appointment_id], new=True)
        uow.commit()
    return record


def _booked_record(session: Session, appointment_id: int, request: BookingRequest, interval: Interval,
                   patient: Patient, therapist: Therapist, kind: AppointmentType) -> AppointmentRecord:
    """The record of an appointment just inserted, from what the booking read and wrote: the same
    as loading it back (instants in UTC, as stored), without the query."""
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


_INSERT_APPOINTMENT = insert(Appointment.__table__)
_INSERT_EVENT = insert(AppointmentEvent.__table__)


def _insert(session: Session, ctx: ServiceContext, actor: Actor, request: BookingRequest, interval: Interval,
            series_id: str | None) -> int:
    """Insert the appointment and its 'booked' event at once (plain INSERTs); returns its id."""
    now = ctx.now()
    appointment_id = session.execute(_INSERT_APPOINTMENT, dict(
        patient_id=request.patient_id, therapist_id=request.therapist_id, type_id=request.type_id,
        starts_at=interval.start, ends_at=interval.end, status=AppointmentStatus.BOOKED.value,
        area=request.area, notes=request.notes.strip(), series_id=series_id, version=1,
        created_at=now, created_by=actor.user_id, updated_at=now, updated_by=actor.user_id,
    )).inserted_primary_key[0]
    detail = {"starts_at": interval.start.isoformat(), "therapist_id": request.therapist_id}
    if series_id:
        detail["series_id"] = series_id
    if request.interval_reason.strip():
        # Shown in the appointment's history as "Booked: <reason>".
        detail["reason"] = "IMS closer than the clinic's interval: " + request.interval_reason.strip()
    session.execute(_INSERT_EVENT, dict(
        appointment_id=appointment_id, at=now, by_user=actor.user_id, kind="booked", from_status=None,
        to_status=AppointmentStatus.BOOKED.value, detail=detail))
    return appointment_id


@checked_inputs
def check_booking(ctx: ServiceContext, actor: Actor, request: BookingRequest,
                  ignore_appointment: int | None = None) -> BookingCheck:
    """Every problem the booking would meet, without saving anything (for the dialog)."""
    _validate_request(ctx, request)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        _patient, therapist, kind = _load_parts(session, request)
        interval = Interval.lasting(request.starts_at, timedelta(minutes=kind.duration_minutes))
        problems = _problem_texts(_check_in_session(ctx, session, therapist, request.patient_id, interval,
                                                    ignore_appointment))
        area_problem = _area_problem(request.area, kind.is_ims)
        first_allowed = None
        ims_refused = False
        too_close = ""
        if area_problem:
            problems.insert(0, area_problem)
        elif kind.is_ims:
            on = interval.start.astimezone(ctx.zone).date()
            reasons, first_allowed = _ims_problems(ctx, therapist, request.patient_id, request.area, on, session)
            ims_refused = bool(reasons)
            problems = reasons + problems
            too_close = _interval_warning(ctx, session, request.patient_id, on,
                                          clinic_settings_in(session).ims_interval_days, ignore_appointment)
    return BookingCheck(interval, tuple(problems), first_allowed, ims_refused, too_close)


# --- Moving --------------------------------------------------------------------------------------


@checked_inputs
def reschedule_appointment(ctx: ServiceContext, actor: Actor, appointment_id: int, expected_version: int,
                           new_start: datetime, new_therapist_id: int | None = None,
                           interval_reason: str = "") -> AppointmentRecord:
    """Move a booked appointment to another time and/or therapist; same rules as a booking.

    The length is kept. ``expected_version`` guards against a colleague's change in between. An IMS
    treatment moved closer to another of the patient's than the clinic's interval needs
    ``interval_reason`` (`IntervalReasonNeeded` otherwise), kept in its history and the audit.
    """
    _require_aware(new_start)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "move appointments")
        session = uow.session
        row = session.get(Appointment, appointment_id, with_for_update=True)
        if row is None:
            raise NotFound("That appointment no longer exists.")
        therapist_id = new_therapist_id or row.therapist_id
        _lock(session, therapist_id, row.patient_id)
        if row.version != expected_version:
            raise Conflict("Someone else changed this appointment a moment ago. Look at it again, "
                           "then move it.", current=_record_by_id(session, appointment_id))
        if row.status != AppointmentStatus.BOOKED.value:
            raise BookingRefused([f"Only booked appointments can be moved; this one is "
                                  f"{AppointmentStatus(row.status).label.lower()}."])
        therapist = session.get(Therapist, therapist_id)
        if therapist is None or not therapist.active:
            raise ValidationFailed({"therapist": "Choose a physiotherapist who is working at the clinic."})
        interval = Interval.lasting(new_start, row.ends_at - row.starts_at)
        kind = session.get(AppointmentType, row.type_id)
        warning = ""
        if kind.is_ims:
            on = new_start.astimezone(ctx.zone).date()
            reasons, first_allowed = _ims_problems(ctx, therapist, row.patient_id, row.area, on, session)
            if reasons:
                raise BookingRefused(reasons, first_allowed=first_allowed, ims=True)
            warning = _interval_warning(ctx, session, row.patient_id, on, clinic_settings_in(session).ims_interval_days,
                                        ignore=row.id)
            if warning and not interval_reason.strip():
                raise IntervalReasonNeeded(warning)
        _raise_for(_check_in_session(ctx, session, therapist, row.patient_id, interval, ignore=row.id))
        before = {"starts_at": row.starts_at.isoformat(), "therapist_id": row.therapist_id}
        after = {"starts_at": interval.start.isoformat(), "therapist_id": therapist.id}
        why = {"reason": "IMS closer than the clinic's interval: " + interval_reason.strip()} \
            if warning and interval_reason.strip() else {}
        row.starts_at, row.ends_at, row.therapist_id = interval.start, interval.end, therapist.id
        row.version += 1
        row.updated_at, row.updated_by = ctx.now(), actor.user_id
        _event(session, ctx, actor, row.id, "moved", {"from": before, "to": after, **why})
        uow.audit("move", "appointment", row.id, patient_id=row.patient_id, before=before, after=after,
                  **({"interval_reason": interval_reason.strip()} if why else {}))
        session.flush()
        record = _record_by_id(session, row.id)
        sync_reminders_in(session, ctx.now(), [row.id])
        uow.commit()
    ctx.freed.emit(FreedSlot(before["therapist_id"], datetime.fromisoformat(before["starts_at"]),
                             datetime.fromisoformat(before["starts_at"]) + interval.duration, "moved"))
    return record


# --- Series --------------------------------------------------------------------------------------


def _next_free_for(ctx: ServiceContext, session: Session, therapist: Therapist, patient_id: int,
                   duration: timedelta, after: datetime, step: timedelta,
                   taken: Sequence[Interval] = ()) -> FreeSlot | None:
    horizon = Interval(after, after + timedelta(days=_SEARCH_CHUNK_DAYS))
    availability = _availabilities(session, {therapist.id: therapist.full_name},
                                   _padded(horizon, ctx.zone))[therapist.id]
    patient_busy = _patient_busy(session, patient_id, horizon) + [Busy(iv, "The patient") for iv in taken]
    availability = replace(availability, busy=[*availability.busy, *(Busy(iv) for iv in taken)])
    slots = find_free_slots(duration, [availability], after, horizon.end, ctx.zone, step,
                            patient_busy=patient_busy, limit=1)
    if not slots:
        return None
    return FreeSlot(therapist.id, therapist.full_name, slots[0].interval)


@checked_inputs
def plan_series(ctx: ServiceContext, actor: Actor, request: BookingRequest, every: timedelta | relativedelta,
                count: int) -> list[PlannedOccurrence]:
    """The occurrences of a series with each one's problems and, for a conflicting one, the next free
    slot with the same therapist; nothing is saved."""
    _validate_request(ctx, request)
    if not 1 <= count <= 104:
        raise ValidationFailed({"count": "A series has between 1 and 104 appointments."})
    step = timedelta(minutes=get_clinic_settings(ctx).slot_minutes)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        _patient, therapist, kind = _load_parts(session, request)
        area_problem = _area_problem(request.area, kind.is_ims)
        if area_problem:
            raise ValidationFailed({"area": area_problem})
        duration = timedelta(minutes=kind.duration_minutes)
        try:
            intervals = recurrence(Interval.lasting(request.starts_at, duration), every, count,
                                   ctx.zone)
        except ValueError:
            raise ValidationFailed({"every": "Repeat at least every day."}) from None
        is_ims = bool(kind.is_ims)
        ims_cache: dict[date, tuple[list[str], date | None]] = {}

        def ims_on(moment: datetime) -> tuple[list[str], date | None]:
            on = moment.astimezone(ctx.zone).date()
            if on not in ims_cache:
                ims_cache[on] = _ims_problems(ctx, therapist, request.patient_id, request.area, on, session)
            return ims_cache[on]

        plan: list[tuple[Interval, list[str], date | None, bool]] = []
        for interval in intervals:
            problems = _problem_texts(_check_in_session(ctx, session, therapist, request.patient_id, interval))
            ims_problems, ims_from = ims_on(interval.start) if is_ims else ([], None)
            # (interval, every problem, first day IMS is allowed if later, whether IMS can never be booked)
            plan.append((interval, ims_problems + problems, ims_from, bool(ims_problems) and ims_from is None))
        alternatives: dict[int, FreeSlot | None] = {}
        good = [iv for iv, problems, _from, _never in plan if not problems]
        for index, (interval, problems, ims_from, never) in enumerate(plan):
            if problems and not never:
                alternatives[index] = _next_allowed_for(
                    ctx, session, therapist, request.patient_id, duration, max(interval.start, ctx.now()), step,
                    good, ims_from, ims_on if is_ims else None)
    return [PlannedOccurrence(interval, tuple(problems), alternatives.get(index))
            for index, (interval, problems, _from, _never) in enumerate(plan)]


def _next_allowed_for(ctx: ServiceContext, session: Session, therapist: Therapist, patient_id: int,
                      duration: timedelta, after: datetime, step: timedelta, taken: Sequence[Interval],
                      ims_from: date | None, ims_on: Callable[[datetime], tuple[list[str], date | None]] | None
                      ) -> FreeSlot | None:
    """The next free slot that booking would also accept: for IMS, on a day the patient's screening
    allows it (from the day the block ends, and checked again on the day found)."""
    for _attempt in range(4):
        if ims_from is not None:
            after = max(after, local_instant(ims_from, time(0), ctx.zone))
        slot = _next_free_for(ctx, session, therapist, patient_id, duration, after, step, taken)
        if slot is None or ims_on is None:
            return slot
        problems, ims_from = ims_on(slot.starts_at)
        if not problems:
            return slot
        if ims_from is None:
            return None  # IMS is not allowed on that day, and no later day is known to allow it
    return None


@checked_inputs
def book_series(ctx: ServiceContext, actor: Actor, request: BookingRequest,
                occurrences_to_book: Sequence[Interval | datetime]) -> list[AppointmentRecord]:
    """Book the chosen occurrences as one series (one ``series_id``), all or nothing.

    Each occurrence is a start (or an interval whose start is used); the length comes from the type.
    If any of them cannot be booked nothing is saved and the refusal names the day.
    """
    _validate_request(ctx, request)
    starts = sorted(o.start if isinstance(o, Interval) else o for o in occurrences_to_book)
    if not starts:
        raise ValidationFailed({"occurrences": "Choose at least one date to book."})
    series_id = str(uuid.uuid4())
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        _lock(session, request.therapist_id, request.patient_id)
        booked: list[tuple[int, Interval]] = []
        for start in starts:
            occurrence = replace(request, starts_at=start)
            day = format_day(start.astimezone(ctx.zone).date())
            try:
                _patient, _therapist, _kind, interval = _checked_interval(ctx, session, occurrence)
            except IntervalReasonNeeded as error:
                raise IntervalReasonNeeded(f"{day}: {error.warning}") from None
            except BookingRefused as error:
                raise BookingRefused([f"{day}:", *error.reasons], first_allowed=error.first_allowed,
                                     ims=error.ims) from None
            except SlotTaken as error:
                raise SlotTaken([f"{day}:", *error.reasons]) from None
            # Flushed at once, so the next occurrence's check sees this one.
            booked.append((_insert(session, ctx, actor, occurrence, interval, series_id), interval))
        ids = [appointment_id for appointment_id, _interval in booked]
        extra = {"interval_reason": request.interval_reason.strip()} if request.interval_reason.strip() else {}
        uow.audit("book_series", "appointment", ids[0], patient_id=request.patient_id, series_id=series_id,
                  appointments=ids, starts=[interval.start.isoformat() for _id, interval in booked], **extra)
        records = load_appointment_records(
            session, appointment_query().where(Appointment.id.in_(ids)).order_by(Appointment.starts_at))
        sync_reminders_in(session, ctx.now(), ids, new=True)
        uow.commit()
    return records


# --- Finding free time ---------------------------------------------------------------------------


@checked_inputs
def find_next_available(ctx: ServiceContext, actor: Actor, type_id: int, therapist_id: int | None,
                        from_date: date, part_of_day: PartOfDay | str = PartOfDay.ANY,
                        patient_id: int | None = None, area: str | None = None,
                        limit: int = 20) -> list[FreeSlot]:
    """The first free slots for the type across therapists (IMS types: IMS-qualified ones only),
    from ``from_date`` (or now, if later). With a patient, their other appointments are avoided,
    and for IMS the search starts on the first date their screening allows."""
    part = PartOfDay(part_of_day)
    # One read transaction for the whole search: the type, the therapists, the settings, the
    # screening, the IMS interval and the slots all see the same data.
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "look for free appointments")
        session = uow.session
        settings = clinic_settings_in(session)
        step = timedelta(minutes=settings.slot_minutes)
        kind = session.get(AppointmentType, type_id)
        if kind is None or not kind.active:
            raise ValidationFailed({"type": "Choose the kind of appointment."})
        therapists = [t for t in therapists_from(SessionReader(session))
                      if therapist_id is None or t.id == therapist_id]
        if therapist_id is not None and not therapists:
            raise ValidationFailed({"therapist": "That physiotherapist is switched off or no longer in the list. "
                                                 "Choose another one, or any physiotherapist."})
        is_ims = bool(kind.is_ims)
        duration = timedelta(minutes=kind.duration_minutes)
        if is_ims:
            qualified = [t for t in therapists if t.ims_qualified]
            if not qualified:
                who = therapists[0].name if therapist_id is not None and therapists else "No physiotherapist"
                raise BookingRefused([f"{who} is not IMS-qualified; choose an IMS-qualified physiotherapist."])
            therapists = qualified
        if is_ims and patient_id is not None and area:
            decision = ims_allowed(ctx, patient_id, area, from_date, session=session)
            if not decision.allowed:
                if decision.first_allowed is None or decision.first_allowed <= from_date:
                    texts = [str(getattr(r, "text", r)) for r in decision.reasons]
                    raise BookingRefused(texts or ["The patient's screening does not allow IMS yet."], ims=True)
                from_date = decision.first_allowed
        start = max(local_instant(from_date, time(0), ctx.zone), ctx.now().astimezone(UTC))
        found: list[FreeSlot] = []
        names = {t.id: t.name for t in therapists}
        if not names:
            return found  # no one works here now: nothing to look through (and no empty IN () to send)
        chunk_start = start
        horizon_end = start + timedelta(days=SEARCH_HORIZON_DAYS)
        kept_apart: list[Busy] = []
        if is_ims and patient_id is not None:
            kept_apart = _ims_interval_busy(ctx, session, patient_id, start, horizon_end, settings.ims_interval_days)
        while chunk_start < horizon_end and len(found) < limit:
            chunk_end = min(chunk_start + timedelta(days=_SEARCH_CHUNK_DAYS), horizon_end)
            slots = _first_free_in_chunk(session, ctx.zone, names, duration, Interval(chunk_start, chunk_end),
                                         step, part, patient_id, limit - len(found), kept_apart)
            found.extend(FreeSlot(s.therapist_id, names[s.therapist_id], s.interval) for s in slots)
            chunk_start = chunk_end
    return found


def _ims_interval_busy(ctx: ServiceContext, session: Session, patient_id: int, start: datetime, end: datetime,
                       min_days: int) -> list[Busy]:
    """The days on which the IMS interval forbids another IMS for the patient, as whole local days
    of patient time, so the slot search steps around them like around the patient's appointments."""
    reach = timedelta(days=max(min_days, 1))
    first = start.astimezone(ctx.zone).date() - reach
    last = end.astimezone(ctx.zone).date() + reach
    spans = blocked_days(_patient_ims_days(ctx, session, patient_id, first, last), min_days)
    return [Busy(Interval(local_instant(a, time(0), ctx.zone), local_instant(b + timedelta(days=1), time(0), ctx.zone)),
                 "The patient's IMS interval") for a, b in spans]


def _first_free_in_chunk(session: Session, zone: ZoneInfo, names: dict[int, str], duration: timedelta,
                         window: Interval, step: timedelta, part: PartOfDay, patient_id: int | None,
                         limit: int, kept_apart: Sequence[Busy] = ()) -> list:
    """The first ``limit`` free slots in ``window``, reading the appointments a day, then two, four ...
    at a time: in a busy clinic the first slots are near, and reading two weeks of everyone's
    appointments costs far more than finding them. With fewer therapists each read covers more days
    (one therapist: the whole window at once); the patient's own few appointments are read at once.

    Slots come in start order and all last ``duration``, so those ending by the time read so far are
    exactly the first slots the whole window would give (appointments after it cannot touch them).
    """
    padded = _padded(window, zone)
    ids = list(names)
    time_of = _time_of(session, ids, padded)
    busy: dict[int, list[Busy]] = defaultdict(list)
    patient_busy: list[Busy] = [b for b in kept_apart
                                if b.interval.start < window.end and b.interval.end > window.start]
    known_until = padded.start
    reach = timedelta(days=max(1, _SEARCH_CHUNK_DAYS // max(1, len(ids))))
    if patient_id:
        patient_busy += _patient_busy(session, patient_id, window)
    while True:
        read_from, known_until = known_until, min(window.start + reach, window.end)
        complete = known_until >= window.end
        if read_from == padded.start:
            read = Interval(padded.start, padded.end if complete else known_until)
            _add_busy(busy, names, _live_appointments(session, read, therapist_ids=ids))
        else:
            # Only what starts in the newly read stretch: anything earlier that reaches into it
            # overlapped the stretch already read.
            read = Interval(read_from, padded.end if complete else known_until)
            fresh = _live_appointments(session, read, therapist_ids=ids, starting_in=True)
            _add_busy(busy, names, fresh)
        slots = find_free_slots(duration, list(_with_busy(time_of, names, busy).values()), window.start, window.end,
                                zone, step, part, patient_busy, limit=limit)
        if complete:
            return slots
        known = list(takewhile(lambda slot, until=known_until: slot.interval.end <= until, slots))
        if len(known) >= limit:
            return known
        reach *= 2


# --- The patient's bookings and "Book again" -----------------------------------------------------


def _patient_bookings_in(ctx: ServiceContext, session: Session, patient_id: int, last: int, upcoming: int,
                         settings: ClinicSettings) -> PatientBookings:
    now = ctx.now()
    mine = select(Appointment.id).where(Appointment.patient_id == patient_id, Appointment.status.in_(_LIVE))
    before = list(session.scalars(mine.where(Appointment.starts_at < now)
                                  .order_by(Appointment.starts_at.desc(), Appointment.id.desc()).limit(last))) \
        if last else []
    after = list(session.scalars(mine.where(Appointment.starts_at >= now)
                                 .order_by(Appointment.starts_at, Appointment.id).limit(upcoming))) if upcoming else []
    # The records in one read, so the IMS flags (the patient's screening) are judged once.
    records = {r.id: r for r in load_appointment_records(
        session, appointment_query().where(Appointment.id.in_(before + after)), settings=settings)} \
        if before or after else {}
    return PatientBookings(patient_id, tuple(records[i] for i in before if i in records),
                           tuple(records[i] for i in after if i in records))


def patient_bookings(ctx: ServiceContext, actor: Actor, patient_id: int, *, last: int = 2,
                     upcoming: int = 3) -> PatientBookings:
    """The patient's ``last`` most recent and ``upcoming`` next live appointments (cancelled and
    no-show ones are left out: they hold no time and were no visit)."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        session = uow.session
        return _patient_bookings_in(ctx, session, patient_id, last, upcoming, clinic_settings_in(session))


def _last_visit(ctx: ServiceContext, session: Session, patient_id: int, type_id: int | None,
                settings: ClinicSettings) -> AppointmentRecord | None:
    """The patient's most recent live appointment (of ``type_id``, if given) that has started by
    now; failing that, their next booked one."""
    statement = appointment_query().where(Appointment.patient_id == patient_id, Appointment.status.in_(_LIVE))
    if type_id is not None:
        statement = statement.where(Appointment.type_id == type_id)
    now = ctx.now()
    for query in (statement.where(Appointment.starts_at <= now).order_by(Appointment.starts_at.desc()),
                  statement.where(Appointment.starts_at > now).order_by(Appointment.starts_at)):
        found = load_appointment_records(session, query.limit(1), settings=settings)
        if found:
            return found[0]
    return None


def rebooking(ctx: ServiceContext, actor: Actor, patient_id: int, type_id: int | None = None) -> Rebooking:
    """What "Book again" proposes for the patient: the type, IMS area and physiotherapist of their
    last visit (of ``type_id``, when asked from an appointment) and the first slot from now that
    obeys every booking rule: working hours, time off, the area's IMS screening, the patient's other
    appointments and the clinic's IMS interval. Nothing is saved."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That patient is not in the records.")
        if patient.archived:
            raise ValidationFailed({"patient": "This patient's record is archived; restore it before booking."})
        settings = clinic_settings_in(session)
        bookings = _patient_bookings_in(ctx, session, patient_id, 2, 3, settings)
        # The last visit is usually among the bookings just read; asked only when it is not.
        shown = [*bookings.last, *bookings.upcoming]
        template = next((r for r in shown if type_id is None or r.type_id == type_id), None)
        if template is None or (type_id is not None and template.starts_at > ctx.now() and bookings.last):
            template = _last_visit(ctx, session, patient_id, type_id, settings) or template
        if template is None and type_id is not None:
            template = _last_visit(ctx, session, patient_id, None, settings)
        name = display_name(patient.family_name, patient.given_names, patient.preferred_name)
        born = patient.date_of_birth
        kinds = {row.id: bool(row.is_ims) for row in session.scalars(
            select(AppointmentType).where(AppointmentType.active.is_(True)))}
        therapists = {t.id: t for t in therapists_from(SessionReader(session))}
    wanted_type = (type_id if type_id in kinds
                   else template.type_id if template and template.type_id in kinds else None)
    if wanted_type is None:
        return Rebooking(patient_id, name, born, template, None, None, "", None, bookings,
                         "No earlier visit to copy: choose the type of appointment.")
    is_ims = kinds[wanted_type]
    area = template.area if template is not None and is_ims and template.type_id == wanted_type else ""
    therapist_id = template.therapist_id if template is not None else None
    therapist = therapists.get(therapist_id) if therapist_id is not None else None
    if therapist is None or (is_ims and not therapist.ims_qualified):
        therapist_id = None
    if is_ims and not area:
        return Rebooking(patient_id, name, born, template, wanted_type, therapist_id, "", None, bookings,
                         "Choose the IMS area; the first free slot is found for that area.")
    slot = None
    note = ""
    try:
        for who in ([therapist_id, None] if therapist_id is not None else [None]):
            found = find_next_available(ctx, actor, wanted_type, who, ctx.today(), patient_id=patient_id,
                                        area=area or None, limit=1)
            if found:
                slot = found[0]
                break
    except BookingRefused as error:
        note = error.message
    if slot is not None:
        when = f"{format_day(slot.starts_at.astimezone(ctx.zone).date())}, {format_time(slot.starts_at, ctx.zone)}"
        kept = f" (IMS kept {settings.ims_interval_days} days apart)" if is_ims else ""
        note = f"First free time{kept}: {when} with {slot.therapist_name}."
        if therapist_id is not None and slot.therapist_id != therapist_id:
            note += f" {therapists[therapist_id].name} has no free time in the next six months."
    elif not note:
        note = "No free time in the next six months for this choice."
    if template is not None:
        what = ", ".join(part for part in (template.type_name, template.area_label, template.therapist_name) if part)
        note = f"As the visit of {format_day(template.starts_at.astimezone(ctx.zone).date())} ({what}). " + note
    return Rebooking(patient_id, name, born, template, wanted_type, therapist_id, area, slot, bookings, note)


# --- Day and week ---------------------------------------------------------------------------------


# --- Therapists' time ----------------------------------------------------------------------------


def _add_exception(ctx: ServiceContext, actor: Actor, therapist_id: int, kind: str, start: datetime,
                   end: datetime, reason: str) -> ScheduleExceptionRecord:
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        raise ValidationFailed({"ends_at": "The end must be after the start."})
    if len(reason) > 500:
        raise ValidationFailed({"reason": "Keep the reason under 500 characters."})
    interval = Interval(start, end)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "change therapists' hours")
        session = uow.session
        if session.get(Therapist, therapist_id) is None:
            raise NotFound("That physiotherapist is not in the list.")
        row = ScheduleException(therapist_id=therapist_id, kind=kind, starts_at=interval.start,
                                ends_at=interval.end, reason=reason.strip(), cancelled=False,
                                created_at=ctx.now(), created_by=actor.user_id)
        session.add(row)
        session.flush()
        uow.audit("add", kind, row.id, therapist_id=therapist_id, starts_at=interval.start.isoformat(),
                  ends_at=interval.end.isoformat(), reason=reason.strip())
        affected: list[AppointmentRecord] = []
        if kind == "time_off":
            affected = load_appointment_records(session, appointment_query().where(
                Appointment.therapist_id == therapist_id, Appointment.status.in_(_LIVE),
                _overlapping(Appointment.starts_at, Appointment.ends_at, interval),
            ).order_by(Appointment.starts_at))
        uow.commit()
    if kind == "extra_hours":
        ctx.freed.emit(FreedSlot(therapist_id, interval.start, interval.end, "extra_hours"))
    return ScheduleExceptionRecord(row.id, therapist_id, kind, interval, reason.strip(), tuple(affected))


@checked_inputs
def add_time_off(ctx: ServiceContext, actor: Actor, therapist_id: int, start: datetime, end: datetime,
                 reason: str = "") -> ScheduleExceptionRecord:
    """Record time away. Appointments already booked in it are kept and returned as ``affected``,
    so the front desk can call those patients."""
    return _add_exception(ctx, actor, therapist_id, "time_off", start, end, reason)


@checked_inputs
def add_extra_hours(ctx: ServiceContext, actor: Actor, therapist_id: int, start: datetime, end: datetime,
                    reason: str = "") -> ScheduleExceptionRecord:
    """Hours worked outside the weekly ones, on one day (in the clinic's time zone): a span over
    several days would make the nights between them bookable."""
    _require_aware(start)
    _require_aware(end)
    first_day = start.astimezone(ctx.zone).date()
    last_moment = end.astimezone(ctx.zone)
    ends_at_midnight = last_moment.time() == time(0) and last_moment.date() == first_day + timedelta(days=1)
    if last_moment.date() != first_day and not ends_at_midnight:
        raise ValidationFailed({"ends_at": "Extra hours are for one day at a time; add each day on its own."})
    return _add_exception(ctx, actor, therapist_id, "extra_hours", start, end, reason)


@checked_inputs
def working_hours(ctx: ServiceContext, actor: Actor, therapist_id: int) -> list[WorkingBlock]:
    with UnitOfWork(ctx, actor) as uow:
        rows = uow.session.scalars(select(WorkingHours).where(WorkingHours.therapist_id == therapist_id)
                                   .order_by(WorkingHours.weekday, WorkingHours.start_time))
        return [WorkingBlock(r.weekday, r.start_time, r.end_time) for r in rows]


@checked_inputs
def set_working_hours(ctx: ServiceContext, actor: Actor, therapist_id: int, blocks: Sequence[WorkingBlock], *,
                      expected: Sequence[WorkingBlock]) -> list[WorkingBlock]:
    """Replace a therapist's weekly hours (administrators only); blocks of one day may not overlap.

    `expected` is the week as the editor loaded it: if the stored week differs (someone else saved
    hours since), the save is refused (`Conflict`) instead of undoing their change."""
    ordered = sorted(blocks, key=lambda b: (b.weekday, b.start))
    for a, b in pairwise(ordered):
        if a.weekday == b.weekday and b.start < a.end:
            raise ValidationFailed({"blocks": "Two blocks of the same day overlap; join them or fix the times."})
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_THERAPISTS, "change therapists' hours")
        session = uow.session
        therapist = session.get(Therapist, therapist_id)
        if therapist is None:
            raise NotFound("That physiotherapist is not in the list.")
        old = list(session.scalars(select(WorkingHours).where(WorkingHours.therapist_id == therapist_id)))
        stored = sorted((r.weekday, r.start_time, r.end_time) for r in old)
        if stored != sorted((b.weekday, b.start, b.end) for b in expected):
            raise changed_meanwhile(f"{therapist.full_name}'s weekly hours were",
                                    current=[WorkingBlock(*block) for block in stored])
        before = [[r.weekday, r.start_time.isoformat(), r.end_time.isoformat()] for r in old]
        for row in old:
            session.delete(row)
        session.flush()
        for block in ordered:
            session.add(WorkingHours(therapist_id=therapist_id, weekday=block.weekday, start_time=block.start,
                                     end_time=block.end))
        uow.audit("update", "working_hours", therapist_id, before=before,
                  after=[[b.weekday, b.start.isoformat(), b.end.isoformat()] for b in ordered])
        uow.commit()
    return list(ordered)


@checked_inputs
def appointments_in_series(ctx: ServiceContext, actor: Actor, series_id: str) -> list[AppointmentRecord]:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        return load_appointment_records(uow.session, appointment_query().where(
            Appointment.series_id == series_id).order_by(Appointment.starts_at))

