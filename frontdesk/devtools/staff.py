"""The staff of the generated clinic: users, physiotherapists, their weekly hours and slots, time off."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from frontdesk.db.models import AppointmentType, ScheduleException, Therapist, User, WorkingHours
from frontdesk.devtools.words import COLOURS, RECEPTION_NAMES, THERAPIST_NAMES, unique_username
from frontdesk.domain.roles import Role
from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.devtools.clinic import Generator


def write_users_and_therapists(gen: Generator) -> None:
    """The clinic's active physiotherapists (a registration number for those without), more up to
    `plan.therapists` with long weekly hours, a user for each of them and the plan's receptionists."""
    session, rng, plan = gen.session, gen.rng, gen.plan
    therapists = list(session.scalars(select(Therapist).where(Therapist.active.is_(True))
                                      .order_by(Therapist.sort_order, Therapist.id)))
    hours: dict[int, list[tuple[int, time, time]]] = {row.id: [] for row in therapists}
    for block in session.scalars(select(WorkingHours)):
        hours.setdefault(block.therapist_id, []).append((block.weekday, block.start_time, block.end_time))
    for row in therapists:
        # A made-up college registration number: IMS consent forms are printed only with one.
        if not row.registration_number:
            row.registration_number = f"PT{10_000 + row.id:05d}"
    next_therapist = gen.next_id(Therapist)
    added = []
    names = [name for name in THERAPIST_NAMES if name not in {t.full_name for t in therapists}]
    for offset in range(max(0, plan.therapists - len(therapists))):
        therapist_id = next_therapist + offset
        qualified = offset % 4 != 3
        added.append((
            therapist_id, names[offset % len(names)] if offset < len(names) else f"Therapist {therapist_id}",
            "Registered Physiotherapist", f"PT{10_000 + therapist_id:05d}", qualified,
            gen.first_day - timedelta(days=rng.randrange(30, 2000)) if qualified else None,
            True, COLOURS[therapist_id % len(COLOURS)], 100 + offset, 1,
        ))
        hours[therapist_id] = _long_week(offset)
    gen.writer.insert(Therapist, ("id", "full_name", "designation", "registration_number",
                                             "ims_qualified", "ims_qualified_on", "active", "colour",
                                             "sort_order", "version"), added)
    next_block = gen.next_id(WorkingHours)
    blocks = []
    for therapist_id, *_ in added:
        for weekday, start, end in hours[therapist_id]:
            blocks.append((next_block, therapist_id, weekday, start, end))
            next_block += 1
    gen.writer.insert(WorkingHours, ("id", "therapist_id", "weekday", "start_time", "end_time"),
                       blocks)
    gen.counts["therapists_added"] = len(added)
    gen.therapist_ids = [t.id for t in therapists] + [row[0] for row in added]
    gen.qualified = {t.id for t in therapists if t.ims_qualified} | {
        row[0] for row in added if row[4]}
    gen.hours = hours

    gen.writer.drain()
    existing = set(session.scalars(select(User.username)))
    linked = set(session.scalars(select(User.therapist_id).where(User.therapist_id.is_not(None))))
    next_user = gen.next_id(User)
    created = gen.clock.at(-30, 8 * 60)[0]
    users: list[tuple[Any, ...]] = []
    gen.reception_ids = []
    for name in RECEPTION_NAMES[:plan.reception_users]:
        username = unique_username(name, existing)
        users.append((next_user, username, name, Role.RECEPTION.value, None, True, None, 0, None, created))
        gen.reception_ids.append(next_user)
        next_user += 1
    all_names = {t.id: t.full_name for t in therapists} | {row[0]: row[1] for row in added}
    gen.therapist_user = {}
    for therapist_id in gen.therapist_ids:
        if therapist_id in linked:
            continue
        username = unique_username(all_names[therapist_id], existing)
        users.append((next_user, username, all_names[therapist_id], Role.PHYSIOTHERAPIST.value, None,
                      True, therapist_id, 0, None, created))
        gen.therapist_user[therapist_id] = next_user
        next_user += 1
    gen.writer.insert(User, ("id", "username", "display_name", "role", "password_hash", "active",
                                        "therapist_id", "failed_sign_ins", "last_failed_at", "created_at"),
                       users)
    gen.counts["users_added"] = len(users)
    if not gen.reception_ids:
        gen.reception_ids = [gen.actor.user_id]
    gen.reviewer_ids = [gen.therapist_user[t] for t in gen.therapist_ids
                         if t in gen.qualified and t in gen.therapist_user] or [gen.actor.user_id]


def _long_week(offset: int) -> list[tuple[int, time, time]]:
    """Weekly hours of an added therapist: long days, some with Saturdays, so a large clinic's
    twenty therapists can carry a busy book."""
    if offset % 3 == 0:
        days = [(weekday, time(7), time(12, 30)) for weekday in range(5)]
        days += [(weekday, time(13), time(20)) for weekday in range(5)]
        return [*days, (5, time(8), time(16))]
    if offset % 3 == 1:
        days = [(weekday, time(7), time(13)) for weekday in range(5)]
        days += [(weekday, time(13, 30), time(20)) for weekday in range(5)]
        return [*days, (5, time(8), time(16))]
    days = [(weekday, time(7, 30), time(12)) for weekday in range(6)]
    return days + [(weekday, time(12, 30), time(20)) for weekday in range(6)]


def write_slot_grid(gen: Generator) -> None:
    """Each therapist's slots per weekday (start minute, minutes); time off as whole weeks."""
    rng = gen.rng
    gen.writer.drain()
    types = list(gen.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))))
    if not types:
        raise ServiceError("The clinic has no appointment types, so no appointments can be generated.")
    for kind in types:
        # Made-up fees per visit, printed on the consent form, for the kinds that have none yet.
        if kind.fee_cents is None:
            kind.fee_cents = (9_500 if kind.is_ims else 8_500) + (2_000 if kind.duration_minutes >= 45 else 0)
    gen.session.flush()
    durations = sorted({t.duration_minutes for t in types})
    gen.types = {}
    for kind in sorted(types, key=lambda t: t.sort_order):
        gen.types.setdefault((kind.duration_minutes, bool(kind.is_ims)), kind.id)
    for duration in durations:
        fallback = gen.types.get((duration, False)) or gen.types[(duration, True)]
        gen.types.setdefault((duration, False), fallback)
    short, long_ = durations[0], durations[-1]
    gen.grid = {}
    for therapist_id in gen.therapist_ids:
        week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for weekday, start, end in sorted(gen.hours.get(therapist_id, ())):
            cursor, stop = start.hour * 60 + start.minute, end.hour * 60 + end.minute
            while cursor + short <= stop:
                length = long_ if rng.random() < 0.15 and cursor + long_ <= stop else short
                week[weekday].append((cursor, length))
                cursor += length
        gen.grid[therapist_id] = week

    gen.weekend = {}
    exceptions = []
    next_exception = gen.next_id(ScheduleException)
    created = gen.clock.at(-60, 9 * 60)[0]
    cover = [t for t in gen.therapist_ids if t in gen.qualified][:gen.plan.weekend_cover]
    for day_index in range(gen.days):
        day = gen.first_day + timedelta(days=day_index)
        if day.weekday() < 5 or not cover:
            continue
        for therapist_id in cover:
            if gen.grid[therapist_id][day.weekday()]:
                continue
            slots = [(minute, short) for minute in range(9 * 60, 13 * 60, short)]
            gen.weekend[(therapist_id, day_index)] = slots
            exceptions.append((next_exception, therapist_id, "extra_hours", gen.clock.at(day_index, 9 * 60)[0],
                               gen.clock.at(day_index, 13 * 60)[0], "Weekend clinic", False,
                               created, gen.actor.user_id))
            next_exception += 1

    gen.away = set()
    monday = gen.first_day - timedelta(days=gen.first_day.weekday())
    week_start = (monday - gen.first_day).days
    this_week = gen.today_index - gen.today.weekday()
    while week_start < gen.days:
        for therapist_id in gen.therapist_ids:
            if week_start == this_week or rng.random() >= 2 / 52:
                continue
            first, last = max(week_start, 0), min(week_start + 5, gen.days)
            if first >= last:
                continue
            gen.away.update((therapist_id, index) for index in range(first, last))
            exceptions.append((next_exception, therapist_id, "time_off", gen.clock.at(first, 0)[0],
                               gen.clock.at(last, 0)[0], rng.choice(("Vacation", "Vacation",
                                                                          "Course: IMS refresher",
                                                                          "Family leave")),
                               False, gen.clock.at(first - 40, 9 * 60)[0], gen.actor.user_id))
            next_exception += 1
        week_start += 7
    gen.writer.insert(ScheduleException, ("id", "therapist_id", "kind", "starts_at", "ends_at",
                                                     "reason", "cancelled", "created_at", "created_by"),
                       exceptions)
    gen.counts["time_off"] = sum(1 for row in exceptions if row[2] == "time_off")


def slots_of(gen: Generator, therapist_id: int, day_index: int, weekday: int) -> list[tuple[int, int]]:
    if (therapist_id, day_index) in gen.away:
        return []
    return gen.weekend.get((therapist_id, day_index)) or gen.grid[therapist_id][weekday]
