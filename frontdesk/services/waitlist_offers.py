"""Offering a freed slot (a cancellation, a no-show, a moved booking, new extra hours) to the waiting
patients who may be booked into it under every booking rule, best first (`domain.waitlist`).

Matching runs at every freed slot over the whole list, so the waiting entries are read in plain SQL
and the patients' screenings only for the first few who fit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentType, Patient, Therapist, WaitlistEntry
from frontdesk.db.plain import SessionReader, as_date, as_instant, in_list
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import Busy, Interval, PartOfDay, local_instant
from frontdesk.domain.waitlist import FreeTime, Priority, SlotType, WaitEntry, WaitState, best_first, match_free_time
from frontdesk.domain.when import format_day, format_time_range, local_day
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound, ValidationFailed
from frontdesk.services.ims_statuses import ims_statuses_from
from frontdesk.services.schedule import LIVE, availabilities, live_appointments, padded
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in
from frontdesk.services.waitlist import WaitlistRecord

MAX_OFFERS = 20


@dataclass(frozen=True)
class WaitlistOffer:
    """A waiting patient who may be booked into a freed slot, as it would be booked."""

    entry: WaitlistRecord
    therapist_id: int
    therapist_name: str
    starts_at: datetime
    ends_at: datetime
    #: The patient's next live booking of the same type after this slot, if any: the one the earlier
    #: slot may replace (booking from the waitlist leaves it in the book; the desk decides).
    later_booking: datetime | None = None


@dataclass(frozen=True)
class FreedOffers:
    therapist_id: int
    therapist_name: str
    starts_at: datetime
    ends_at: datetime
    offers: tuple[WaitlistOffer, ...] = field(default=())


_WAITING_SQL = (
    "SELECT w.id, w.patient_id, w.type_id, w.area, CAST(w.therapist_ids AS TEXT), CAST(w.weekdays AS TEXT), "
    "w.part_of_day, w.earliest, w.priority, w.added_at FROM waitlist_entries w "
    "JOIN patients p ON p.id = w.patient_id "
    "WHERE w.state = 'waiting' AND p.archived = :archived AND w.earliest <= :day AND w.type_id IN ({types}) "
    "AND w.part_of_day IN ({parts})"
)


_NONE: frozenset[int] = frozenset()
_PARTS = {part.value: part for part in PartOfDay}
_PRIORITIES = {int(level): level for level in Priority}


def _id_set(text: str | None, seen: dict[str, frozenset[int]]) -> frozenset[int]:
    """A stored JSON list of ids as a set; the same few lists repeat, so each text is parsed once."""
    if not text or text == "[]":
        return _NONE
    found = seen.get(text)
    if found is None:
        found = seen[text] = frozenset(int(i) for i in json.loads(text))
    return found


def _entries_for(session: Session, type_ids: list[int], day: date, parts: list[str]) -> list[WaitEntry]:
    """The waiting entries of these types, due by ``day``, for these parts of the day: plain SQL, as
    this runs at every freed slot over the whole list."""
    type_marks, params = in_list("t", type_ids)
    part_marks, part_params = in_list("q", parts)
    rows = SessionReader(session).rows(_WAITING_SQL.format(types=type_marks, parts=part_marks),
                                       {**params, **part_params, "archived": False, "day": day})
    seen: dict[str, frozenset[int]] = {}
    return [WaitEntry(i, patient, kind, area or "", _id_set(therapists, seen), _id_set(weekdays, seen), _PARTS[part],
                      cast(date, as_date(earliest)), _PRIORITIES[priority], cast(datetime, as_instant(added_at)))
            for i, patient, kind, area, therapists, weekdays, part, earliest, priority, added_at in rows]


class _ImsLookups:
    """The IMS answers of matching, read when first asked and in batches in best-first order: a slot
    is usually filled by the first few who fit, so the screenings of the rest are never read."""

    BATCH = 25

    def __init__(self, ctx: ServiceContext, session: Session, ordered: list[tuple[int, str]], day: date,
                 settings: ClinicSettings) -> None:
        self.ctx, self.session, self.day, self.settings = ctx, session, day, settings
        self.ordered = ordered
        self.position = {key: n for n, key in reversed(list(enumerate(ordered)))}
        self.statuses: dict[tuple[int, str, date], object] = {}
        self.days: dict[int, list[date]] = {}

    def _load_from(self, key: tuple[int, str]) -> None:
        first = self.position.get(key, 0)
        batch = [k for k in self.ordered[first:first + self.BATCH] if (*k, self.day) not in self.statuses]
        if key not in batch:
            batch.insert(0, key)
        asked = [(patient, area, self.day) for patient, area in batch]
        self.statuses.update({k: None for k in asked})
        self.statuses.update(ims_statuses_from(SessionReader(self.session), asked, settings=self.settings))
        found = _ims_days(self.ctx, self.session, [p for p, _a in batch if p not in self.days], self.day,
                          self.settings.ims_interval_days)
        for patient, _area in batch:
            self.days.setdefault(patient, found.get(patient, []))

    def ok(self, patient_id: int, area: str, day: date) -> bool:
        if (patient_id, area, day) not in self.statuses:
            self._load_from((patient_id, area))
        status = self.statuses.get((patient_id, area, day))
        return status is not None and bool(getattr(status, "allowed", False))

    def ims_days(self, patient_id: int) -> list[date]:
        return self.days.get(patient_id, [])


def _ims_days(ctx: ServiceContext, session: Session, patient_ids: Iterable[int], day: date,
              min_days: int) -> dict[int, list[date]]:
    """Each patient's local days with live IMS within the interval of ``day``."""
    wanted = sorted(set(patient_ids))
    found: dict[int, list[date]] = defaultdict(list)
    if not wanted:
        return found
    reach = timedelta(days=max(min_days, 1))
    start = local_instant(day - reach, time(0), ctx.zone)
    end = local_instant(day + reach + timedelta(days=1), time(0), ctx.zone)
    for part in (wanted[i:i + 500] for i in range(0, len(wanted), 500)):
        rows = session.execute(
            select(Appointment.patient_id, Appointment.starts_at)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id)
            .where(Appointment.patient_id.in_(part), Appointment.starts_at >= start, Appointment.starts_at < end,
                   Appointment.status.in_(LIVE), AppointmentType.is_ims.is_(True)))
        for patient_id, starts_at in rows:
            found[patient_id].append(starts_at.astimezone(ctx.zone).date())
    return found


def _offer_records(session: Session, entries: list[WaitEntry], kinds: dict[int, tuple[str, bool]],
                   therapists: dict[int, str]) -> dict[int, WaitlistRecord]:
    """The records of the few entries offered, from what matching read plus the patients' names."""
    rows = session.execute(select(WaitlistEntry.id, WaitlistEntry.version, WaitlistEntry.note, WaitlistEntry.added_by,
                                  Patient.family_name, Patient.given_names, Patient.preferred_name, Patient.phone)
                           .join(Patient, Patient.id == WaitlistEntry.patient_id)
                           .where(WaitlistEntry.id.in_([e.id for e in entries]))).all()
    found = {row.id: row for row in rows}
    users = display_names_in(session, [row.added_by for row in rows])
    records = {}
    for e in entries:
        _id, version, note, by, family, given, preferred, phone = found[e.id]
        name, is_ims = kinds[e.type_id]
        ids = tuple(sorted(e.therapist_ids))
        records[e.id] = WaitlistRecord(
            id=e.id, version=version, patient_id=e.patient_id, patient_name=display_name(family, given, preferred),
            phone=phone or "", type_id=e.type_id, type_name=name, is_ims=is_ims, area=e.area, therapist_ids=ids,
            therapist_names=tuple(therapists.get(i, "?") for i in ids), weekdays=tuple(sorted(e.weekdays)),
            part_of_day=e.part_of_day, earliest=e.earliest, note=note or "", priority=e.priority,
            state=WaitState.WAITING, added_at=e.added_at, added_by=users.get(by, "?"))
    return records


def _later_bookings(session: Session, entries: list[WaitEntry], after: datetime) -> dict[tuple[int, int], datetime]:
    """Each (patient, type)'s first live booking after ``after``: the visit an earlier slot may replace."""
    found: dict[tuple[int, int], datetime] = {}
    rows = session.execute(
        select(Appointment.patient_id, Appointment.type_id, Appointment.starts_at)
        .where(Appointment.patient_id.in_({e.patient_id for e in entries}), Appointment.starts_at > after,
               Appointment.status.in_(LIVE), Appointment.type_id.in_({e.type_id for e in entries}))
        .order_by(Appointment.starts_at))
    for patient_id, type_id, starts_at in rows:
        found.setdefault((patient_id, type_id), starts_at)
    return found


@checked_inputs
def offers_for_freed(ctx: ServiceContext, actor: Actor, therapist_id: int, starts_at: datetime,
                     ends_at: datetime, *, limit: int = MAX_OFFERS) -> FreedOffers:
    """The waiting patients who may be booked at ``starts_at`` with this physiotherapist under every
    booking rule, best first (priority, then the longest wait); at most ``limit``."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise ValidationFailed({"starts_at": "The freed time needs a start before its end, with a time zone."})
    free = FreeTime(therapist_id, Interval(starts_at, ends_at))
    day = free.interval.start.astimezone(ctx.zone).date()
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "see who could take a freed slot")
        session = uow.session
        therapists = {row.id: row for row in session.execute(
            select(Therapist.id, Therapist.full_name, Therapist.active, Therapist.ims_qualified))}
        if therapist_id not in therapists:
            raise NotFound("That physiotherapist is not in the list.")
        _id, therapist_name, active, qualified = therapists[therapist_id]
        empty = FreedOffers(therapist_id, therapist_name, free.interval.start, free.interval.end)
        if not active or free.interval.start < ctx.now() - timedelta(hours=12):
            return empty
        kinds = {row.id: row for row in session.execute(select(
            AppointmentType.id, AppointmentType.name, AppointmentType.duration_minutes, AppointmentType.is_ims)
            .where(AppointmentType.active.is_(True)))}
        types = {i: SlotType(timedelta(minutes=minutes), bool(is_ims)) for i, _n, minutes, is_ims in kinds.values()}
        fitting = [i for i, kind in types.items() if kind.duration <= free.interval.duration]
        if not fitting:
            return empty
        last_start = free.interval.end - min(types[i].duration for i in fitting)
        parts = [PartOfDay.ANY.value] + [p.value for p in (PartOfDay.MORNING, PartOfDay.AFTERNOON)
                                         if p.accepts(free.interval.start, ctx.zone) or p.accepts(last_start, ctx.zone)]
        entries = _entries_for(session, fitting, day, parts)
        if not entries:
            return empty
        availability = availabilities(session, {therapist_id: therapist_name},
                                       padded(free.interval, ctx.zone))[therapist_id]
        busy: dict[int, list[Busy]] = defaultdict(list)
        for appointment_id, _t, patient_id, start, end in live_appointments(session, free.interval):
            busy[patient_id].append(Busy(Interval(start, end), "The patient", appointment_id))
        settings = clinic_settings_in(session)
        ordered = [(e.patient_id, e.area) for e in best_first(entries) if types[e.type_id].is_ims and e.area]
        ims = _ImsLookups(ctx, session, ordered, day, settings)
        matches = match_free_time(
            free, entries, types=types, availability=availability, therapist_ims_qualified=bool(qualified),
            patient_busy=busy, ims_ok=ims.ok, ims_days=ims.ims_days, ims_interval_days=settings.ims_interval_days,
            now=ctx.now(), zone=ctx.zone, limit=limit, step=timedelta(minutes=settings.slot_minutes),
        )
        if not matches:
            return empty
        later = _later_bookings(session, [m.entry for m in matches], free.interval.start)
        records = _offer_records(session, [m.entry for m in matches],
                                 {i: (name, bool(is_ims)) for i, name, _m, is_ims in kinds.values()},
                                 {i: row.full_name for i, row in therapists.items()})
    offers = tuple(WaitlistOffer(records[m.entry.id], therapist_id, therapist_name, m.interval.start, m.interval.end,
                                 later.get((m.entry.patient_id, m.entry.type_id)))
                   for m in matches)
    return FreedOffers(therapist_id, therapist_name, free.interval.start, free.interval.end, offers)


def slot_text(offers: FreedOffers, ctx: ServiceContext) -> str:
    """``Chris Stokes, Monday, December 7, 9:00–9:30`` for the notice."""
    day = format_day(local_day(offers.starts_at, ctx.zone))
    return f"{offers.therapist_name}, {day}, {format_time_range(Interval(offers.starts_at, offers.ends_at), ctx.zone)}"
