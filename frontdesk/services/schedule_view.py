"""What the Schedule tab shows: every therapist's day and one therapist's week, read in plain SQL.

These are the first screen's reads, so they go through a `ReadUnit` (a plain `sqlite3` connection
on a SQLite file; see `db.plain`) and import nothing of SQLAlchemy. Booking and moving are in
`services.booking`, finding a free slot in `services.availability`; they build on the same records.

Appointments overlapping a stretch of time are found with a bounded range on ``starts_at`` (the
indexes ``(therapist_id, starts_at)`` and ``(starts_at)``): an appointment that overlaps ``[a, b)``
starts before ``b`` and, being at most ``LONGEST_APPOINTMENT`` long, not before
``a - LONGEST_APPOINTMENT``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from frontdesk.db.plain import Projection, Reader, as_date, as_instant, as_time, in_list, required
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import (
    ExtraHours,
    Interval,
    TimeOff,
    WorkingBlock,
    day_grid,
    local_instant,
    working_intervals,
)
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_from
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.ims_statuses import ims_statuses_from
from frontdesk.services.reading import ReadUnit
from frontdesk.services.records import (
    AppointmentRecord,
    AwayTime,
    DaySchedule,
    ScheduleColumn,
    TherapistInfo,
    WeekSchedule,
)

#: No appointment is longer than this; it bounds the range scans on ``starts_at``.
LONGEST_APPOINTMENT = timedelta(hours=12)

# --- Appointment records -------------------------------------------------------------------------

class AppointmentRow(NamedTuple):
    """What an `AppointmentRecord` is built from, as `APPOINTMENT_ROWS` reads it."""

    id: int
    version: int
    patient_id: int
    family_name: str
    given_names: str
    preferred_name: str | None
    phone: str | None
    therapist_id: int
    therapist_name: str
    type_id: int
    type_name: str
    is_ims: bool
    starts_at: Any  # as stored: text on SQLite, a datetime on PostgreSQL or through the ORM
    ends_at: Any
    status: str
    area: str | None
    notes: str | None
    series_id: str | None
    cancel_reason: str | None
    late_cancellation: bool | None


#: The one read of an appointment's record, with its patient, physiotherapist and type: run as SQL
#: text by the first screen (`Reader.select`), or as `APPOINTMENT_ROWS.statement()` by the services
#: that filter with the ORM's columns (`services.schedule.load_appointment_records`).
APPOINTMENT_ROWS = Projection(
    AppointmentRow,
    (("a", "appointments", None), ("p", "patients", "p.id = a.patient_id"),
     ("t", "therapists", "t.id = a.therapist_id"), ("y", "appointment_types", "y.id = a.type_id")),
    {"id": "a.id", "version": "a.version", "patient_id": "a.patient_id", "family_name": "p.family_name",
     "given_names": "p.given_names", "preferred_name": "p.preferred_name", "phone": "p.phone",
     "therapist_id": "a.therapist_id", "therapist_name": "t.full_name", "type_id": "a.type_id",
     "type_name": "y.name", "is_ims": "y.is_ims", "starts_at": "a.starts_at", "ends_at": "a.ends_at",
     "status": "a.status", "area": "a.area", "notes": "a.notes", "series_id": "a.series_id",
     "cancel_reason": "a.cancel_reason", "late_cancellation": "a.late_cancellation"},
)
_OVERLAPPING = "a.starts_at >= :earliest AND a.starts_at < :end AND a.ends_at > :start"
_DAY_APPOINTMENTS = f"WHERE {_OVERLAPPING} ORDER BY a.starts_at, a.id"
_THERAPIST_APPOINTMENTS = f"WHERE a.therapist_id = :therapist AND {_OVERLAPPING} ORDER BY a.starts_at, a.id"

_STATUSES = {status.value: status for status in AppointmentStatus}


def overlap_params(window: Interval) -> dict[str, datetime]:
    return {"earliest": window.start - LONGEST_APPOINTMENT, "end": window.end, "start": window.start}


def stored_instants(values: Sequence[Any]) -> list[datetime]:
    """Stored instants (of a NOT NULL column) as aware UTC datetimes, each distinct value converted
    once (a day's appointments share a few dozen start times)."""
    seen: dict[Any, datetime] = {}
    result = []
    for value in values:
        instant = seen.get(value)
        if instant is None:
            instant = seen[value] = required(as_instant(value))
        result.append(instant)
    return result


def appointment_records(reader: Reader, rows: Sequence[AppointmentRow], settings: ClinicSettings | None = None
                        ) -> list[AppointmentRecord]:
    """The records of `APPOINTMENT_ROWS` rows, with their IMS flags judged in bulk.

    Each record's fields are set straight into it: a day view builds hundreds, and the frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field) was most of the cost. The rows
    are unpacked by position (`Projection.built` checked their columns against `AppointmentRow`)."""
    starts = stored_instants([r.starts_at for r in rows])
    ends = stored_instants([r.ends_at for r in rows])
    wanted = [(r.patient_id, r.area, start) for r, start in zip(rows, starts, strict=True) if r.is_ims]
    flags = ims_flags(reader, wanted, settings) if wanted else {}
    none = ImsFlag.NONE
    statuses = _STATUSES
    new = object.__new__
    records = []
    for (appointment_id, version, patient_id, family, given, preferred, phone, therapist_id, therapist_name,
         type_id, type_name, is_ims, _start, _end, status, area, notes, series_id, cancel_reason,
         late_cancellation), start, end in zip(rows, starts, ends, strict=True):
        area = area or ""
        record = new(AppointmentRecord)
        record.__dict__.update({
            "id": appointment_id, "version": version, "patient_id": patient_id,
            "patient_name": display_name(family, given, preferred or ""), "stored_phone": phone or "",
            "therapist_id": therapist_id, "therapist_name": therapist_name, "type_id": type_id,
            "type_name": type_name, "is_ims": bool(is_ims), "starts_at": start, "ends_at": end,
            "status": statuses.get(status) or AppointmentStatus(status), "area": area, "notes": notes or "",
            "series_id": series_id, "cancel_reason": cancel_reason or "",
            "late_cancellation": bool(late_cancellation),
            "ims_flag": flags.get((patient_id, area, start), none) if is_ims else none,
        })
        records.append(record)
    return records


def ims_flags(reader: Reader, wanted: list[tuple[int, str | None, datetime]],
               settings: ClinicSettings | None = None) -> dict[tuple[int, str, datetime], ImsFlag]:
    """The IMS flag of each (patient, area, start), from each patient's current screening judged for
    the appointment's local day; a few queries whatever the number of appointments."""
    if not wanted:
        return {}
    settings = settings or clinic_settings_from(reader)
    zone = settings.zone
    asked = {(patient_id, area or "", starts_at): (patient_id, area or "", starts_at.astimezone(zone).date())
             for patient_id, area, starts_at in wanted}
    statuses = ims_statuses_from(reader, asked.values(), settings=settings)
    flags: dict[tuple[int, str, datetime], ImsFlag] = {}
    for key, day_key in asked.items():
        status = statuses[day_key]
        flags[key] = ImsFlag.for_screening(status.level if status else None, bool(status and status.stale))
    return flags


# --- Therapists and their hours ------------------------------------------------------------------

class TherapistRow(NamedTuple):
    id: int
    full_name: str
    designation: str
    registration_number: str | None
    ims_qualified: bool
    ims_qualified_on: Any  # as stored: text on SQLite, a date on PostgreSQL
    active: bool
    colour: str | None
    version: int | None


#: The one read of a physiotherapist's `TherapistInfo`.
THERAPIST_ROWS = Projection(
    TherapistRow, (("t", "therapists", None),),
    {name: f"t.{name}" for name in TherapistRow._fields},
)
_IN_ORDER = " ORDER BY t.sort_order, t.full_name"


class WorkingBlockRow(NamedTuple):
    therapist_id: int
    weekday: int
    start_time: Any  # as stored: text on SQLite, a time on PostgreSQL
    end_time: Any


_WORKING_BLOCKS = Projection(WorkingBlockRow, (("w", "working_hours", None),),
                             {name: f"w.{name}" for name in WorkingBlockRow._fields})


class ExceptionRow(NamedTuple):
    """Time off or extra hours."""

    id: int
    therapist_id: int
    kind: str
    starts_at: Any
    ends_at: Any
    reason: str | None


_EXCEPTIONS = Projection(ExceptionRow, (("e", "schedule_exceptions", None),),
                         {name: f"e.{name}" for name in ExceptionRow._fields})


def therapist_info(row: TherapistRow) -> TherapistInfo:
    return TherapistInfo(
        id=row.id, name=row.full_name, designation=row.designation,
        registration_number=row.registration_number or "", ims_qualified=bool(row.ims_qualified),
        ims_qualified_on=as_date(row.ims_qualified_on), active=bool(row.active),
        colour=row.colour or "#4a90d9", version=row.version or 1,
    )


def therapists_from(reader: Reader, *, active_only: bool = True) -> list[TherapistInfo]:
    where = ("WHERE t.active" if active_only else "") + _IN_ORDER
    return [therapist_info(row) for row in reader.select(THERAPIST_ROWS, where)]


def list_therapists(ctx: ServiceContext, actor: Actor, active_only: bool = True) -> list[TherapistInfo]:
    """The physiotherapists in the clinic's order; every role sees the list (it is on every printout)."""
    with ReadUnit(ctx, actor) as unit:
        return therapists_from(unit.reader, active_only=active_only)


@dataclass(frozen=True)
class TherapistsTime:
    """Some therapists' weekly hours, and their time off and extra hours touching a stretch of time."""

    blocks: dict[int, list[WorkingBlock]]
    time_off: dict[int, list[TimeOff]]
    away: dict[int, list[AwayTime]]  # the same time off, with its record's id, as the grid shows it
    extra: dict[int, list[ExtraHours]]


def therapists_time(reader: Reader, therapist_ids: Sequence[int], window: Interval,
                    weekdays: Iterable[int] | None = None) -> TherapistsTime:
    """Weekly hours (only those of `weekdays` when given: a day's hours come from its weekday's
    blocks), time off and extra hours of the therapists, over `window`: two queries."""
    therapist_marks, therapist_params = in_list("t", therapist_ids)
    blocks_where, blocks_params = f"WHERE w.therapist_id IN ({therapist_marks})", dict(therapist_params)
    if weekdays is not None:
        weekday_marks, weekday_params = in_list("w", sorted(set(weekdays)))
        blocks_where += f" AND w.weekday IN ({weekday_marks})"
        blocks_params |= weekday_params
    found = TherapistsTime(defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for block in reader.select(_WORKING_BLOCKS, blocks_where, blocks_params):
        found.blocks[block.therapist_id].append(WorkingBlock(block.weekday, required(as_time(block.start_time)),
                                                             required(as_time(block.end_time))))
    for exception in reader.select(
            _EXCEPTIONS, f"WHERE e.therapist_id IN ({therapist_marks}) AND NOT e.cancelled "
                         "AND e.starts_at < :end AND e.ends_at > :start",
            therapist_params | {"start": window.start, "end": window.end}):
        start, end = required(as_instant(exception.starts_at)), required(as_instant(exception.ends_at))
        reason = exception.reason or ""
        if exception.kind == "time_off":
            found.away[exception.therapist_id].append(AwayTime(exception.id, Interval(start, end), reason))
            found.time_off[exception.therapist_id].append(TimeOff(start, end, reason))
        else:
            found.extra[exception.therapist_id].append(ExtraHours(start, end))
    return found


def _columns_for(reader: Reader, therapists: Sequence[TherapistInfo], days: Sequence[date], zone: ZoneInfo
                 ) -> list[ScheduleColumn]:
    """One column per therapist and day: working hours (weekly blocks, time off, extra hours) and away time."""
    if not therapists:
        return []
    window = Interval(local_instant(days[0], time(0), zone), local_instant(days[-1] + timedelta(days=1),
                                                                            time(0), zone))
    found = therapists_time(reader, [t.id for t in therapists], window, {day.weekday() for day in days})
    columns = []
    for therapist in therapists:
        # The domain's rule for a day's hours, without building a whole availability (its index of
        # appointments, its week) for each physiotherapist.
        blocks, time_off, extra = found.blocks[therapist.id], found.time_off[therapist.id], found.extra[therapist.id]
        away = tuple(found.away[therapist.id])
        for day in days:
            columns.append(ScheduleColumn(therapist, day, tuple(working_intervals(day, zone, blocks, extra, time_off)),
                                          away))
    return columns


# --- Day and week --------------------------------------------------------------------------------


def _day_rows(settings: ClinicSettings, day: date, zone: ZoneInfo) -> tuple[Interval, ...]:
    return tuple(day_grid(day, zone, settings.day_start_time, settings.day_end_time,
                          timedelta(minutes=settings.slot_minutes)))


@checked_inputs
def day_schedule(ctx: ServiceContext, actor: Actor, day: date) -> DaySchedule:
    """Every active therapist's day: hours, time off and appointments (cancelled ones included).

    One read transaction: settings, therapists, working hours, exceptions, appointments (one joined
    range query on ``starts_at``), and the IMS flags (screenings and reviews of those patients).
    """
    zone = ctx.zone
    window = Interval(local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone))
    with ReadUnit(ctx, actor) as unit:
        unit.require(Permission.VIEW_PATIENTS, "see the schedule")
        reader = unit.reader
        settings = clinic_settings_from(reader)
        columns = _columns_for(reader, therapists_from(reader), [day], zone)
        appointments = appointment_records(reader, reader.select(APPOINTMENT_ROWS, _DAY_APPOINTMENTS,
                                                                 overlap_params(window)), settings)
    return DaySchedule(day, _day_rows(settings, day, zone), tuple(columns), tuple(appointments),
                       settings.slot_minutes)


@checked_inputs
def week_schedule(ctx: ServiceContext, actor: Actor, therapist_id: int, week_start: date) -> WeekSchedule:
    """One therapist's seven days from ``week_start``; rows are wall-clock times."""
    days = [week_start + timedelta(days=n) for n in range(7)]
    window = Interval(local_instant(days[0], time(0), ctx.zone),
                      local_instant(days[-1] + timedelta(days=1), time(0), ctx.zone))
    with ReadUnit(ctx, actor) as unit:
        unit.require(Permission.VIEW_PATIENTS, "see the schedule")
        reader = unit.reader
        settings = clinic_settings_from(reader)
        found = [therapist_info(row) for row in reader.select(THERAPIST_ROWS, "WHERE t.id = :id", {"id": therapist_id})]
        if not found:
            raise NotFound("That physiotherapist is not in the list.")
        (therapist,) = found
        columns = _columns_for(reader, [therapist], days, ctx.zone)
        rows = reader.select(APPOINTMENT_ROWS, _THERAPIST_APPOINTMENTS, {"therapist": therapist_id,
                                                                         **overlap_params(window)})
        appointments = appointment_records(reader, rows, settings)
    step = timedelta(minutes=settings.slot_minutes)
    row_times = []
    wall = datetime.combine(week_start, settings.day_start_time)
    while wall.time() < settings.day_end_time and wall.date() == week_start:
        row_times.append(wall.time())
        wall += step
    return WeekSchedule(therapist, week_start, tuple(row_times), tuple(columns), tuple(appointments),
                        settings.slot_minutes)
