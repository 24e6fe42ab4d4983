"""Finding free time: the first free slots for a type across physiotherapists ("find next
available"), the patient's last and next bookings, and what "Book again" proposes.

A slot found obeys what booking would check of the time (working hours, time off, the therapist's
and the patient's appointments), and for IMS the qualification, the patient's screening and the
clinic's IMS interval, so booking it is refused only if someone took it meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import takewhile
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentType, Patient
from frontdesk.db.plain import SessionReader
from frontdesk.domain.booking import ims_refusals
from frontdesk.domain.ims_interval import blocked_days
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import (
    Busy,
    Interval,
    PartOfDay,
    Slot,
    find_free_slots,
    local_instant,
)
from frontdesk.domain.when import format_day, format_time
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.booking import BookingRefused
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound, ValidationFailed
from frontdesk.services.records import AppointmentRecord, FreeSlot, PatientBookings, Rebooking
from frontdesk.services.schedule import (
    LIVE,
    add_busy,
    appointment_query,
    live_appointments,
    load_appointment_records,
    padded,
    patient_busy_in,
    patient_ims_days,
    time_of,
    with_busy,
)
from frontdesk.services.schedule_view import therapists_from
from frontdesk.services.screenings import ims_allowed
from frontdesk.services.unit_of_work import UnitOfWork

#: How far ahead "find next available" looks.
SEARCH_HORIZON_DAYS = 180
_SEARCH_CHUNK_DAYS = 14


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
                if therapist_id is not None and therapists:
                    raise BookingRefused([p.message for p in ims_refusals(
                        from_date, therapist_name=therapists[0].name, qualified=False, screening=None)])
                raise BookingRefused(["No physiotherapist at the clinic is IMS-qualified; choose a physiotherapy "
                                      "appointment."])
            therapists = qualified
        if is_ims and patient_id is not None and area:
            decision = ims_allowed(ctx, patient_id, area, from_date, session=session)
            if not decision.allowed:
                if decision.first_allowed is None or decision.first_allowed <= from_date:
                    raise BookingRefused([p.message for p in ims_refusals(
                        from_date, therapist_name="", qualified=True, screening=decision)], ims=True)
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
    spans = blocked_days(patient_ims_days(session, ctx.zone, patient_id, first, last), min_days)
    return [Busy(Interval(local_instant(a, time(0), ctx.zone), local_instant(b + timedelta(days=1), time(0), ctx.zone)),
                 "The patient's IMS interval") for a, b in spans]


def _first_free_in_chunk(session: Session, zone: ZoneInfo, names: dict[int, str], duration: timedelta,
                         window: Interval, step: timedelta, part: PartOfDay, patient_id: int | None,
                         limit: int, kept_apart: Sequence[Busy] = ()) -> list[Slot]:
    """The first ``limit`` free slots in ``window``, reading the appointments a day, then two, four ...
    at a time: in a busy clinic the first slots are near, and reading two weeks of everyone's
    appointments costs far more than finding them. With fewer therapists each read covers more days
    (one therapist: the whole window at once); the patient's own few appointments are read at once.

    Slots come in start order and all last ``duration``, so those ending by the time read so far are
    exactly the first slots the whole window would give (appointments after it cannot touch them).
    """
    around = padded(window, zone)
    ids = list(names)
    hours = time_of(session, ids, around)
    busy: dict[int, list[Busy]] = defaultdict(list)
    patient_busy: list[Busy] = [b for b in kept_apart
                                if b.interval.start < window.end and b.interval.end > window.start]
    known_until = around.start
    reach = timedelta(days=max(1, _SEARCH_CHUNK_DAYS // max(1, len(ids))))
    if patient_id:
        patient_busy += patient_busy_in(session, patient_id, window)
    while True:
        read_from, known_until = known_until, min(window.start + reach, window.end)
        complete = known_until >= window.end
        if read_from == around.start:
            read = Interval(around.start, around.end if complete else known_until)
            add_busy(busy, names, live_appointments(session, read, therapist_ids=ids))
        else:
            # Only what starts in the newly read stretch: anything earlier that reaches into it
            # overlapped the stretch already read.
            read = Interval(read_from, around.end if complete else known_until)
            fresh = live_appointments(session, read, therapist_ids=ids, starting_in=True)
            add_busy(busy, names, fresh)
        slots = find_free_slots(duration, list(with_busy(hours, names, busy).values()), window.start, window.end,
                                zone, step, part, patient_busy, limit=limit)
        if complete:
            return slots
        known = list(takewhile(partial(_ends_by, known_until), slots))
        if len(known) >= limit:
            return known
        reach *= 2


def _patient_bookings_in(ctx: ServiceContext, session: Session, patient_id: int, last: int, upcoming: int,
                         settings: ClinicSettings) -> PatientBookings:
    now = ctx.now()
    mine = select(Appointment.id).where(Appointment.patient_id == patient_id, Appointment.status.in_(LIVE))
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
    statement = appointment_query().where(Appointment.patient_id == patient_id, Appointment.status.in_(LIVE))
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


def _ends_by(until: datetime, slot: Slot) -> bool:
    return slot.interval.end <= until
