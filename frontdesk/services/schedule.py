"""The schedule as the booking services read it inside their transaction (SQLAlchemy): appointment
records, the appointment types, and the live appointments and therapists' time around a stretch.

Booking and moving are in `services.booking`, series in `services.series`, finding free time in
`services.availability`, therapists' hours and time off in `services.therapist_time`; the Schedule
tab's own reads (plain SQL) are in `services.schedule_view`.

Appointments overlapping a stretch of time are found with a bounded range on ``starts_at`` (the
indexes ``(therapist_id, starts_at)``, ``(patient_id, starts_at)`` and ``(starts_at)``): an
appointment that overlaps ``[a, b)`` starts before ``b`` and, being at most ``LONGEST_APPOINTMENT``
long, not before ``a - LONGEST_APPOINTMENT``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Text,
    Time,
    and_,
    bindparam,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from frontdesk.db.models import Appointment, AppointmentType, ScheduleException, WorkingHours
from frontdesk.db.plain import SessionReader
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.scheduling import (
    Busy,
    ExtraHours,
    Interval,
    TherapistAvailability,
    TimeOff,
    WorkingBlock,
    local_instant,
)
from frontdesk.services.clinic_settings import ClinicSettings
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.records import AppointmentRecord, AppointmentTypeInfo
from frontdesk.services.schedule_view import APPOINTMENT_ROWS, LONGEST_APPOINTMENT, appointment_records, therapists_time
from frontdesk.services.unit_of_work import UnitOfWork, core_execute

#: A select of any columns (the appointment records' queries).
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"
#: The statuses that hold time (cancelled and no-show appointments free their slot).
LIVE = tuple(s.value for s in AppointmentStatus if s.is_live)
#: What the booking services change, for the UI's refresh.
CHANGES = frozenset({Kind.APPOINTMENTS})


def appointment_query() -> AnySelect:
    """The columns of an :class:`AppointmentRecord`, joined (`APPOINTMENT_ROWS`, the day view's own
    read); add where/order_by/limit (filters may use Patient, Therapist and AppointmentType columns)
    and pass it to `load_appointment_records`."""
    return APPOINTMENT_ROWS.statement()


def _is_plain_appointment_select(statement: AnySelect) -> bool:
    descriptions = statement.column_descriptions
    return len(descriptions) == 1 and descriptions[0].get("entity") is Appointment \
        and descriptions[0].get("type") is Appointment


def load_appointment_records(session: Session, statement: AnySelect, *,
                             settings: ClinicSettings | None = None) -> list[AppointmentRecord]:
    """The records for ``statement`` in one joined query, with IMS flags computed in bulk.

    ``statement`` is either built on :func:`appointment_query` or is ``select(Appointment)`` with
    where/order_by/limit on Appointment columns only (the projection's columns and joins replace
    it). Pass the clinic's ``settings`` when they were read in this session already.
    """
    if _is_plain_appointment_select(statement):
        projection = APPOINTMENT_ROWS.statement()
        statement = statement.with_only_columns(*projection.selected_columns).select_from(
            *projection.get_final_froms())
    rows = APPOINTMENT_ROWS.rows_of(session.execute(statement))
    return appointment_records(SessionReader(session), rows, settings)


def record_by_id(session: Session, appointment_id: int) -> AppointmentRecord:
    records = load_appointment_records(session, appointment_query().where(Appointment.id == appointment_id))
    if not records:
        raise NotFound("That appointment no longer exists.")
    return records[0]


def _type_info(row: AppointmentType) -> AppointmentTypeInfo:
    return AppointmentTypeInfo(row.id, row.name, row.duration_minutes, bool(row.is_ims))


def list_appointment_types(ctx: ServiceContext, actor: Actor) -> list[AppointmentTypeInfo]:
    statement = (select(AppointmentType).where(AppointmentType.active.is_(True))
                 .order_by(AppointmentType.sort_order, AppointmentType.name))
    with UnitOfWork(ctx, actor) as uow:
        return [_type_info(row) for row in uow.session.scalars(statement)]


def overlapping(start_column: QueryableAttribute[datetime], end_column: QueryableAttribute[datetime],
                window: Interval) -> ColumnElement[bool]:
    """Rows whose [start, end) overlaps ``window``, as a bounded range on the start column."""
    return and_(start_column >= window.start - LONGEST_APPOINTMENT, start_column < window.end,
                end_column > window.start)


# Built once: booking and "find next available" run these for every slot checked, and building a
# statement costs more than SQLite takes to answer it.
_LIVE_IN_WINDOW = select(
    Appointment.id, Appointment.therapist_id, Appointment.patient_id, Appointment.starts_at, Appointment.ends_at,
).where(
    Appointment.starts_at >= bindparam("earliest"), Appointment.starts_at < bindparam("end"),
    Appointment.ends_at > bindparam("start"), Appointment.status.in_(LIVE),
)
_LIVE_OF_THERAPISTS = _LIVE_IN_WINDOW.where(Appointment.therapist_id.in_(bindparam("therapists", expanding=True)))
_LIVE_OF_PATIENT = _LIVE_IN_WINDOW.where(Appointment.patient_id == bindparam("patient"))
_LIVE_OF_BOTH = _LIVE_OF_THERAPISTS.where(Appointment.patient_id == bindparam("patient"))


def live_appointments(session: Session, window: Interval, *, therapist_ids: Iterable[int] | None = None,
                      patient_id: int | None = None, starting_in: bool = False
                      ) -> list[tuple[int, int, int, datetime, datetime]]:
    """Live appointments overlapping ``window`` (a bounded range on the start, see the module's note);
    with ``starting_in``, only those that start in it."""
    earliest = window.start if starting_in else window.start - LONGEST_APPOINTMENT
    params: dict[str, object] = {"earliest": earliest, "end": window.end, "start": window.start}
    if therapist_ids is not None:
        params["therapists"] = list(therapist_ids)
    if patient_id is not None:
        params["patient"] = patient_id
    statement = (_LIVE_OF_BOTH if patient_id is not None else _LIVE_OF_THERAPISTS) if therapist_ids is not None \
        else _LIVE_OF_PATIENT if patient_id is not None else _LIVE_IN_WINDOW
    return [(row.id, row.therapist_id, row.patient_id, row.starts_at, row.ends_at)
            for row in session.execute(statement, params)]


def availabilities(session: Session, names: dict[int, str], window: Interval
                   ) -> dict[int, TherapistAvailability]:
    """Each therapist's (id: name) hours, exceptions and live appointments over ``window``."""
    if not names:
        return {}
    busy: dict[int, list[Busy]] = defaultdict(list)
    add_busy(busy, names, live_appointments(session, window, therapist_ids=list(names)))
    return with_busy(time_of(session, list(names), window), names, busy)


TherapistsTime = tuple[dict[int, list[WorkingBlock]], dict[int, list[TimeOff]], dict[int, list[ExtraHours]]]


def time_of(session: Session, ids: list[int], window: Interval) -> TherapistsTime:
    """The therapists' weekly hours, and their time off and extra hours touching ``window``."""
    found = therapists_time(SessionReader(session), ids, window)
    return found.blocks, found.time_off, found.extra


def add_busy(busy: dict[int, list[Busy]], names: dict[int, str],
             rows: Iterable[tuple[int, int, int, datetime, datetime]]) -> None:
    for appointment_id, therapist_id, _patient, start, end in rows:
        busy[therapist_id].append(Busy(Interval(start, end), names[therapist_id], appointment_id))


def with_busy(found: TherapistsTime, names: dict[int, str], busy: dict[int, list[Busy]]
              ) -> dict[int, TherapistAvailability]:
    blocks, away, extra = found
    return {
        tid: TherapistAvailability(tid, blocks[tid], away[tid], extra[tid], busy[tid], name)
        for tid, name in names.items()
    }


def patient_busy_in(session: Session, patient_id: int, window: Interval) -> list[Busy]:
    """The patient's live appointments overlapping ``window``."""
    return [
        Busy(Interval(start, end), "The patient", appointment_id)
        for appointment_id, _t, _p, start, end in live_appointments(session, window, patient_id=patient_id)
    ]


def padded(interval: Interval, zone: ZoneInfo) -> Interval:
    """The local days around ``interval``: the working hours and time off that decide it."""
    first = interval.start.astimezone(zone).date() - timedelta(days=1)
    last = interval.end.astimezone(zone).date() + timedelta(days=2)
    return Interval(local_instant(first, time(0), zone), local_instant(last, time(0), zone))


# What decides the time of one booking, in one round trip to the server: the live appointments of the
# therapist or the patient overlapping the slot ("a"), the therapist's weekly hours ("h") and their time off
# and extra hours (the exception's kind). Each row: (what, id, therapist, patient or weekday, start, end,
# opens, closes, reason); the columns a kind of row does not have are NULL.
_AROUND_SLOT: CompoundSelect[Any] = union_all(
    select(literal_column("'a'").label("what"), Appointment.id.label("id"), Appointment.therapist_id.label("therapist"),
           Appointment.patient_id.label("number"), Appointment.starts_at.label("starts_at"),
           Appointment.ends_at.label("ends_at"), type_coerce(null(), Time).label("opens"),
           type_coerce(null(), Time).label("closes"), type_coerce(null(), Text).label("reason"))
    .where(Appointment.starts_at >= bindparam("earliest"), Appointment.starts_at < bindparam("slot_end"),
           Appointment.ends_at > bindparam("slot_start"), Appointment.status.in_(LIVE),
           or_(Appointment.therapist_id == bindparam("therapist"), Appointment.patient_id == bindparam("patient"))),
    select(literal_column("'h'"), null(), WorkingHours.therapist_id, WorkingHours.weekday, null(), null(),
           WorkingHours.start_time, WorkingHours.end_time, null())
    .where(WorkingHours.therapist_id == bindparam("therapist")),
    select(ScheduleException.kind, ScheduleException.id, ScheduleException.therapist_id, null(),
           ScheduleException.starts_at, ScheduleException.ends_at, null(), null(), ScheduleException.reason)
    .where(ScheduleException.therapist_id == bindparam("therapist"), ScheduleException.cancelled.is_(False),
           ScheduleException.starts_at < bindparam("end"), ScheduleException.ends_at > bindparam("start")),
)


def around_slot(session: Session, zone: ZoneInfo, therapist_id: int, therapist_name: str, patient_id: int,
                interval: Interval) -> tuple[TherapistAvailability, list[Busy]]:
    """What decides the time of one booking: the therapist's hours and time off on the days around
    ``interval``, and the therapist's and the patient's live appointments overlapping it (one query).
    Only the overlapping appointments: the rules ask no more of them (`check_slot`), and a whole
    day's of the therapist's cost a row each to read."""
    window = padded(interval, zone)
    rows = core_execute(session, _AROUND_SLOT, {
        "earliest": interval.start - LONGEST_APPOINTMENT, "slot_end": interval.end, "slot_start": interval.start,
        "end": window.end, "start": window.start, "therapist": therapist_id, "patient": patient_id}).all()
    blocks: list[WorkingBlock] = []
    time_off: list[TimeOff] = []
    extra: list[ExtraHours] = []
    busy: list[Busy] = []
    patient: list[Busy] = []
    for what, row_id, therapist, number, start, end, opens, closes, reason in rows:
        if what == "h":
            blocks.append(WorkingBlock(number, opens, closes))
        elif what == "time_off":
            time_off.append(TimeOff(start, end, reason or ""))
        elif what == "extra_hours":
            extra.append(ExtraHours(start, end))
        else:
            if therapist == therapist_id:
                busy.append(Busy(Interval(start, end), therapist_name, row_id))
            if number == patient_id:
                patient.append(Busy(Interval(start, end), "The patient", row_id))
    # In the order the separate reads would give: hours by weekday and start, the rest by start.
    blocks.sort(key=lambda b: (b.weekday, b.start))
    time_off.sort(key=lambda t: t.start)
    extra.sort(key=lambda e: e.start)
    busy.sort(key=lambda b: (b.interval.start, b.appointment_id or 0))
    patient.sort(key=lambda b: (b.interval.start, b.appointment_id or 0))
    return TherapistAvailability(therapist_id, blocks, time_off, extra, busy, therapist_name), patient


_PATIENT_IMS_STARTS = (
    select(Appointment.id, Appointment.starts_at)
    .join(AppointmentType, AppointmentType.id == Appointment.type_id)
    .where(Appointment.patient_id == bindparam("patient"), Appointment.starts_at >= bindparam("start"),
           Appointment.starts_at < bindparam("end"), Appointment.status.in_(LIVE), AppointmentType.is_ims.is_(True))
)


def patient_ims_days(session: Session, zone: ZoneInfo, patient_id: int, first: date, last: date,
                     ignore: int | None = None) -> list[date]:
    """The local days from ``first`` to ``last`` (inclusive) on which the patient has live IMS
    (``ignore``: an appointment being moved, left out)."""
    rows = session.execute(_PATIENT_IMS_STARTS, {
        "patient": patient_id, "start": local_instant(first, time(0), zone),
        "end": local_instant(last + timedelta(days=1), time(0), zone)})
    return [start.astimezone(zone).date() for appointment_id, start in rows if appointment_id != ignore]
