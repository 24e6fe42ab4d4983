"""Therapists' time: weekly working hours, time off and extra hours (administrators).

Time off keeps the appointments already booked in it and names them, so the front desk can call
those patients; extra hours free time, which the waitlist is told of.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from itertools import pairwise

from sqlalchemy import select

from frontdesk.db.models import Appointment, ScheduleException, Therapist, WorkingHours
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import Interval, WorkingBlock
from frontdesk.services.booking import require_aware
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound, ValidationFailed, changed_meanwhile
from frontdesk.services.freed import FreedSlot
from frontdesk.services.records import AppointmentRecord, ScheduleExceptionRecord
from frontdesk.services.schedule import LIVE, appointment_query, load_appointment_records, overlapping
from frontdesk.services.unit_of_work import UnitOfWork


def _add_exception(ctx: ServiceContext, actor: Actor, therapist_id: int, kind: str, start: datetime,
                   end: datetime, reason: str) -> ScheduleExceptionRecord:
    require_aware(start)
    require_aware(end)
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
                Appointment.therapist_id == therapist_id, Appointment.status.in_(LIVE),
                overlapping(Appointment.starts_at, Appointment.ends_at, interval),
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
    require_aware(start)
    require_aware(end)
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
