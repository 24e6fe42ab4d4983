"""Series of appointments: plan the occurrences (each with its problems and, for one that cannot be
booked, the next free time with the same physiotherapist), then book the chosen ones all or nothing.

Each occurrence is judged by the one booking rule (`domain.booking.booking_problems`) through
`services.booking`, so a series refuses exactly what a single booking would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment
from frontdesk.domain.booking import BookingProblem, area_problem, first_allowed, ims_refusals
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import Busy, Interval, find_free_slots, local_instant, recurrence
from frontdesk.domain.when import format_day
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.booking import (
    BookingRefused,
    FactsReader,
    IntervalReasonNeeded,
    SlotTaken,
    TherapistPart,
    checked_booking,
    insert_appointment,
    load_parts,
    validate_request,
)
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.records import AppointmentRecord, BookingRequest, FreeSlot, PlannedOccurrence
from frontdesk.services.reminder_outbox import sync_reminders_in
from frontdesk.services.schedule import (
    appointment_query,
    availabilities,
    load_appointment_records,
    padded,
    patient_busy_in,
)
from frontdesk.services.unit_of_work import UnitOfWork

#: How far past a conflicting occurrence the next free time with the same therapist is looked for.
_NEXT_FREE_DAYS = 14


def _next_free_for(ctx: ServiceContext, session: Session, therapist: TherapistPart, patient_id: int,
                   duration: timedelta, after: datetime, step: timedelta,
                   taken: Sequence[Interval] = ()) -> FreeSlot | None:
    horizon = Interval(after, after + timedelta(days=_NEXT_FREE_DAYS))
    availability = availabilities(session, {therapist.id: therapist.full_name}, padded(horizon, ctx.zone))[therapist.id]
    patient_busy = patient_busy_in(session, patient_id, horizon) + [Busy(iv, "The patient") for iv in taken]
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
    slot with the same therapist; nothing is saved. The IMS interval is judged when booking (the
    series' own occurrences count then), not here."""
    validate_request(request)
    if not 1 <= count <= 104:
        raise ValidationFailed({"count": "A series has between 1 and 104 appointments."})
    step = timedelta(minutes=get_clinic_settings(ctx).slot_minutes)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        parts = load_parts(session, request)
        therapist, kind = parts.therapist, parts.kind
        wrong_area = area_problem(request.area, kind.is_ims)
        if wrong_area:
            raise ValidationFailed({"area": wrong_area})
        duration = timedelta(minutes=kind.duration_minutes)
        try:
            intervals = recurrence(Interval.lasting(request.starts_at, duration), every, count,
                                   ctx.zone)
        except ValueError:
            raise ValidationFailed({"every": "Repeat at least every day."}) from None
        reader = FactsReader(ctx, session, request.patient_id, therapist, kind.is_ims, request.area,
                             interval_rule=False)

        def ims_on(moment: datetime) -> list[BookingProblem]:
            on = moment.astimezone(ctx.zone).date()
            return ims_refusals(on, therapist_name=therapist.full_name, qualified=bool(therapist.ims_qualified),
                                screening=reader.screening(on))

        # (interval, every problem, first day IMS is allowed if later, whether IMS can never be booked)
        plan: list[tuple[Interval, list[BookingProblem], date | None, bool]] = []
        for interval in intervals:
            problems = reader.problems(interval)
            refusals = [p for p in problems if p.kind.is_ims]
            ims_from = first_allowed(refusals)
            plan.append((interval, problems, ims_from, bool(refusals) and ims_from is None))
        alternatives: dict[int, FreeSlot | None] = {}
        good = [iv for iv, problems, _from, _never in plan if not problems]
        for index, (interval, problems, ims_from, never) in enumerate(plan):
            if problems and not never:
                alternatives[index] = _next_allowed_for(
                    ctx, session, therapist, request.patient_id, duration, max(interval.start, ctx.now()), step,
                    good, ims_from, ims_on if kind.is_ims else None)
    return [PlannedOccurrence(interval, tuple(p.message for p in problems), alternatives.get(index))
            for index, (interval, problems, _from, _never) in enumerate(plan)]


def _next_allowed_for(ctx: ServiceContext, session: Session, therapist: TherapistPart, patient_id: int,
                      duration: timedelta, after: datetime, step: timedelta, taken: Sequence[Interval],
                      ims_from: date | None, ims_on: Callable[[datetime], list[BookingProblem]] | None
                      ) -> FreeSlot | None:
    """The next free slot that booking would also accept: for IMS, on a day the patient's screening
    allows it (from the day the block ends, and checked again on the day found)."""
    for _attempt in range(4):
        if ims_from is not None:
            after = max(after, local_instant(ims_from, time(0), ctx.zone))
        slot = _next_free_for(ctx, session, therapist, patient_id, duration, after, step, taken)
        if slot is None or ims_on is None:
            return slot
        problems = ims_on(slot.starts_at)
        if not problems:
            return slot
        ims_from = first_allowed(problems)
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
    validate_request(request)
    starts = sorted(o.start if isinstance(o, Interval) else o for o in occurrences_to_book)
    if not starts:
        raise ValidationFailed({"occurrences": "Choose at least one date to book."})
    series_id = str(uuid.uuid4())
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        parts = load_parts(session, request, lock=True)
        booked: list[tuple[int, Interval]] = []
        for start in starts:
            occurrence = replace(request, starts_at=start)
            day = format_day(start.astimezone(ctx.zone).date())
            try:
                interval = checked_booking(ctx, session, occurrence, parts)
            except IntervalReasonNeeded as error:
                raise IntervalReasonNeeded(f"{day}: {error.warning}") from None
            except BookingRefused as error:
                raise BookingRefused([f"{day}:", *error.reasons], first_allowed=error.first_allowed,
                                     ims=error.ims) from None
            except SlotTaken as error:
                raise SlotTaken([f"{day}:", *error.reasons]) from None
            # Written at once, so the next occurrence's check sees this one.
            booked.append((insert_appointment(session, ctx, actor, occurrence, interval, series_id), interval))
        ids = [appointment_id for appointment_id, _interval in booked]
        extra = {"interval_reason": request.interval_reason.strip()} if request.interval_reason.strip() else {}
        uow.audit("book_series", "appointment", ids[0], patient_id=request.patient_id, series_id=series_id,
                  appointments=ids, starts=[interval.start.isoformat() for _id, interval in booked], **extra)
        records = load_appointment_records(
            session, appointment_query().where(Appointment.id.in_(ids)).order_by(Appointment.starts_at))
        sync_reminders_in(session, ctx.now(), ids, new=True)
        uow.commit()
    return records


@checked_inputs
def appointments_in_series(ctx: ServiceContext, actor: Actor, series_id: str) -> list[AppointmentRecord]:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        return load_appointment_records(uow.session, appointment_query().where(
            Appointment.series_id == series_id).order_by(Appointment.starts_at))
