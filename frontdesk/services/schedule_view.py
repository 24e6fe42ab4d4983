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
from zoneinfo import ZoneInfo

from frontdesk.db.plain import Reader, as_date, as_instant, as_time, in_list
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import (
    ExtraHours,
    Interval,
    TherapistAvailability,
    TimeOff,
    WorkingBlock,
    day_grid,
    local_instant,
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

#: The columns of an `AppointmentRecord`, in the order `appointment_records` reads them.
RECORD_SELECT = (
    "SELECT a.id, a.version, a.patient_id, p.family_name, p.given_names, p.preferred_name, p.phone, "
    "a.therapist_id, t.full_name, a.type_id, y.name, y.is_ims, a.starts_at, a.ends_at, a.status, a.area, "
    "a.notes, a.series_id, a.cancel_reason, a.late_cancellation "
    "FROM appointments a JOIN patients p ON p.id = a.patient_id JOIN therapists t ON t.id = a.therapist_id "
    "JOIN appointment_types y ON y.id = a.type_id "
)
_OVERLAPPING = "a.starts_at >= :earliest AND a.starts_at < :end AND a.ends_at > :start"
_DAY_APPOINTMENTS = RECORD_SELECT + f"WHERE {_OVERLAPPING} ORDER BY a.starts_at, a.id"
_THERAPIST_APPOINTMENTS = (RECORD_SELECT
                           + f"WHERE a.therapist_id = :therapist AND {_OVERLAPPING} ORDER BY a.starts_at, a.id")

_STATUSES = {status.value: status for status in AppointmentStatus}


def overlap_params(window: Interval) -> dict[str, datetime]:
    return {"earliest": window.start - LONGEST_APPOINTMENT, "end": window.end, "start": window.start}


def stored_instants(values: Sequence) -> list[datetime | None]:
    """Stored instants as aware UTC datetimes, each distinct value converted once (a day's
    appointments share a few dozen start times)."""
    seen: dict = {}
    result = []
    for value in values:
        instant = seen.get(value)
        if instant is None and value is not None:
            instant = seen[value] = as_instant(value)
        result.append(instant)
    return result


def _record(**fields) -> AppointmentRecord:
    """An `AppointmentRecord` with every field given, set directly: a day view builds hundreds, and
    the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) was most of it."""
    record = object.__new__(AppointmentRecord)
    record.__dict__.update(fields)
    return record


def appointment_records(reader: Reader, rows: Sequence[Sequence], settings: ClinicSettings | None = None, *,
                        starts: Sequence[datetime] | None = None, ends: Sequence[datetime] | None = None
                        ) -> list[AppointmentRecord]:
    """The records of rows in `RECORD_SELECT` order, with their IMS flags judged in bulk.

    ``starts`` and ``ends`` are the rows' instants already read (a typed ORM query gives them);
    otherwise they are read from the rows' stored values.
    """
    starts = stored_instants([r[12] for r in rows]) if starts is None else starts
    ends = stored_instants([r[13] for r in rows]) if ends is None else ends
    flags = ims_flags(reader, [(r[2], r[15], start) for r, start in zip(rows, starts, strict=True) if r[11]], settings)
    none = ImsFlag.NONE
    return [
        _record(
            id=r[0], version=r[1], patient_id=r[2], patient_name=display_name(r[3], r[4], r[5]),
            stored_phone=r[6] or "", therapist_id=r[7], therapist_name=r[8], type_id=r[9],
            type_name=r[10], is_ims=bool(r[11]), starts_at=start, ends_at=end,
            status=_STATUSES.get(r[14]) or AppointmentStatus(r[14]), area=r[15] or "", notes=r[16] or "",
            series_id=r[17], cancel_reason=r[18] or "", late_cancellation=bool(r[19]),
            ims_flag=flags.get((r[2], r[15] or "", start), none) if r[11] else none,
        )
        for r, start, end in zip(rows, starts, ends, strict=True)
    ]


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

_THERAPIST_COLUMNS = ("id, full_name, designation, registration_number, ims_qualified, ims_qualified_on, active, "
                      "colour, version")
_THERAPISTS = f"SELECT {_THERAPIST_COLUMNS} FROM therapists ORDER BY sort_order, full_name"
_ACTIVE_THERAPISTS = f"SELECT {_THERAPIST_COLUMNS} FROM therapists WHERE active ORDER BY sort_order, full_name"
_THERAPIST = f"SELECT {_THERAPIST_COLUMNS} FROM therapists WHERE id = :id"
_WEEKLY_BLOCKS = ("SELECT therapist_id, weekday, start_time, end_time FROM working_hours "
                  "WHERE therapist_id IN ({therapists})")
_EXCEPTIONS = ("SELECT id, therapist_id, kind, starts_at, ends_at, reason FROM schedule_exceptions "
               "WHERE therapist_id IN ({therapists}) AND NOT cancelled AND starts_at < :end AND ends_at > :start")


def _therapist(row: Sequence) -> TherapistInfo:
    return TherapistInfo(
        id=row[0], name=row[1], designation=row[2], registration_number=row[3] or "",
        ims_qualified=bool(row[4]), ims_qualified_on=as_date(row[5]), active=bool(row[6]),
        colour=row[7] or "#4a90d9", version=row[8] or 1,
    )


def therapists_from(reader: Reader, *, active_only: bool = True) -> list[TherapistInfo]:
    return [_therapist(row) for row in reader.rows(_ACTIVE_THERAPISTS if active_only else _THERAPISTS)]


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
    blocks_sql, blocks_params = _WEEKLY_BLOCKS.format(therapists=therapist_marks), dict(therapist_params)
    if weekdays is not None:
        weekday_marks, weekday_params = in_list("w", sorted(set(weekdays)))
        blocks_sql += f" AND weekday IN ({weekday_marks})"
        blocks_params |= weekday_params
    found = TherapistsTime(defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for therapist_id, weekday, start, end in reader.rows(blocks_sql, blocks_params):
        found.blocks[therapist_id].append(WorkingBlock(weekday, as_time(start), as_time(end)))
    for exception_id, therapist_id, kind, start, end, reason in reader.rows(
            _EXCEPTIONS.format(therapists=therapist_marks), therapist_params | {"start": window.start,
                                                                                "end": window.end}):
        start, end = as_instant(start), as_instant(end)
        if kind == "time_off":
            found.away[therapist_id].append(AwayTime(exception_id, Interval(start, end), reason or ""))
            found.time_off[therapist_id].append(TimeOff(start, end, reason or ""))
        else:
            found.extra[therapist_id].append(ExtraHours(start, end))
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
        availability = TherapistAvailability(therapist.id, found.blocks[therapist.id], found.time_off[therapist.id],
                                             found.extra[therapist.id], (), therapist.name)
        for day in days:
            columns.append(ScheduleColumn(therapist, day, tuple(availability.working_intervals(day, zone)),
                                          tuple(found.away[therapist.id])))
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
        appointments = appointment_records(reader, reader.rows(_DAY_APPOINTMENTS, overlap_params(window)), settings)
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
        found = reader.rows(_THERAPIST, {"id": therapist_id})
        if not found:
            raise NotFound("That physiotherapist is not in the list.")
        therapist = _therapist(found[0])
        columns = _columns_for(reader, [therapist], days, ctx.zone)
        rows = reader.rows(_THERAPIST_APPOINTMENTS, {"therapist": therapist_id, **overlap_params(window)})
        appointments = appointment_records(reader, rows, settings)
    step = timedelta(minutes=settings.slot_minutes)
    row_times = []
    wall = datetime.combine(week_start, settings.day_start_time)
    while wall.time() < settings.day_end_time and wall.date() == week_start:
        row_times.append(wall.time())
        wall += step
    return WeekSchedule(therapist, week_start, tuple(row_times), tuple(columns), tuple(appointments),
                        settings.slot_minutes)
