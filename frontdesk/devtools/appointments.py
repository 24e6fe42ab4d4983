"""The appointments of the generated clinic, with their booking history.

Appointments fill each physiotherapist's weekly slot grid, so no one is ever booked twice at once, and
a patient follows one course of care at a time.
"""

from __future__ import annotations

import heapq
import uuid
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from frontdesk.db.models import Appointment, AppointmentEvent
from frontdesk.devtools.bulk import CHUNK
from frontdesk.devtools.staff import slots_of
from frontdesk.devtools.words import CANCEL_REASONS
from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.devtools.clinic import Generator

_STATUS_ORDER = ("completed", "booked", "arrived", "cancelled", "no_show")


def write_appointments(gen: Generator) -> None:
    """Fill each physiotherapist's slots day by day (the plan's number, or its share of the slots):
    a patient due back in that physiotherapist's care comes first, else a new course of care begins;
    IMS where the patient's screening allows it that day. Past visits were completed, cancelled (some
    late) or missed; today's are under way; each has its booking in the history."""
    rng, plan = gen.rng, gen.plan
    slots = 0
    for day_index in range(gen.days):
        weekday = (gen.first_day + timedelta(days=day_index)).weekday()
        for therapist_id in gen.therapist_ids:
            slots += len(slots_of(gen, therapist_id, day_index, weekday))
    if plan.appointments is not None:
        wanted = plan.appointments
    else:
        wanted = min(round(slots * plan.fill), plan.patients * 8)
    if wanted > slots:
        raise ServiceError(
            f"{wanted:,} appointments do not fit in the therapists' {slots:,} slots over these "
            f"{gen.days:,} days; add therapists or days, or book fewer appointments.")
    gen.counts["slots"] = slots
    episodes_wanted = max(1, wanted / 6)
    new_share = min(1.0, 0.95 * plan.patients / episodes_wanted)

    first_id = gen.next_id(Appointment)
    first_event = gen.next_id(AppointmentEvent)
    columns = ("id", "patient_id", "therapist_id", "type_id", "starts_at", "ends_at", "status", "area",
               "notes", "series_id", "cancel_reason", "late_cancellation", "version", "created_at",
               "created_by", "updated_at", "updated_by")
    event_columns = ("id", "appointment_id", "at", "by_user", "kind", "from_status", "to_status", "detail",
                     "undo_of")
    queues: dict[int, list[Any]] = {t: [] for t in gen.therapist_ids}
    resting: list[tuple[int, int, int]] = []  # (back from day, patient, last visit day)
    rest_low = max(7, min(30, gen.days // 6))
    rest_high = max(rest_low + 1, min(400, gen.days // 2))
    idle: list[int] = []
    next_new = 0
    sequence = 0
    statuses: Counter[str] = Counter()
    remaining_slots, remaining = slots, wanted
    appointment_id = first_id
    today_count = 0
    reception = gen.reception_ids
    registered = gen.registered
    patients = plan.patients
    first_patient = gen.first_patient
    at, cached = gen.clock.at, gen.clock.lookup
    today_index, now_minute = gen.today_index, gen.now_minute
    now_abs = today_index * 1440 + now_minute // 15 * 15
    late_minutes = gen.late_minutes
    random, heappush, heappop = rng.random, heapq.heappush, heapq.heappop
    types, qualified = gen.types, gen.qualified
    with_events = plan.booking_events
    gaps, leads = (3, 4, 7, 7, 7, 7, 10, 14), (1, 1, 2, 3, 5, 7, 7, 7, 10, 14, 21)

    batch: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []

    def flush() -> None:
        gen.writer.insert(Appointment, columns, batch[:])
        if with_events:
            gen.writer.insert(AppointmentEvent, event_columns, events[:])
        batch.clear()
        events.clear()

    for day_index in range(gen.days):
        weekday = (gen.first_day + timedelta(days=day_index)).weekday()
        while resting and resting[0][0] <= day_index:
            idle.append(heappop(resting)[1])
        for therapist_id in gen.therapist_ids:
            queue = queues[therapist_id]
            for minute, length in slots_of(gen, therapist_id, day_index, weekday):
                take = random() * remaining_slots < remaining
                remaining_slots -= 1
                if not take:
                    continue
                # Who comes: the next patient due in this therapist's care, else a new course.
                if queue and queue[0][0] <= day_index and queue[0][2][3] < day_index:
                    episode = heappop(queue)[2]
                else:
                    patient = -1
                    if (random() < new_share or not idle) and next_new < patients \
                            and registered[next_new][0] < min(day_index, today_index):
                        patient = next_new
                        next_new += 1
                    elif idle:
                        pick = int(random() * len(idle))
                        idle[pick], idle[-1] = idle[-1], idle[pick]
                        patient = idle.pop()
                    if patient < 0 and resting and resting[0][2] < day_index:
                        patient = heappop(resting)[1]
                    if patient < 0:
                        continue
                    visits = 1 + min(int(rng.expovariate(1 / 5)), 24)
                    series = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if random() < 0.3 else None
                    ims = (False, "")
                    if therapist_id in qualified and random() < 0.8:
                        ims = _ims_area(gen, first_patient + patient, day_index)
                    episode = [patient, visits, ims, -1, series]
                remaining -= 1
                patient, _visits, (is_ims, area), _last, series = episode
                episode[1] -= 1
                episode[3] = day_index
                sequence += 1
                if episode[1] > 0:
                    heappush(queue, (day_index + gaps[int(random() * 8)], sequence, episode))
                else:
                    heappush(resting, (day_index + rest_low + int(random() * (rest_high - rest_low)),
                                       patient, day_index))
                type_id = (is_ims and types.get((length, True))) or types[(length, False)]
                end_minute = minute + length

                # When it was booked: before the visit, after registration, never after now.
                reg_day, reg_minute = registered[patient]
                book_day = day_index - leads[int(random() * 11)]
                if book_day >= today_index:
                    book_day = today_index - 1
                if book_day < reg_day:
                    book_day = reg_day
                book_minute = 480 + 15 * int(random() * 36)
                if book_day == reg_day and book_minute <= reg_minute:
                    book_minute = reg_minute + 15
                start_abs = day_index * 1440 + minute
                book_abs = book_day * 1440 + book_minute
                if book_abs >= start_abs:
                    book_abs = start_abs - 30
                booked_by = reception[int(random() * len(reception))]

                # What became of it.
                status, reason, late, changed = "booked", "", False, book_abs
                draw = random()
                if day_index < today_index or (day_index == today_index and end_minute <= now_minute):
                    if draw < 0.07:
                        status = "cancelled"
                    elif draw < 0.11:
                        status = "no_show"
                        changed = start_abs + 15
                    elif draw < 0.12 and day_index < today_index:
                        pass
                    else:
                        status = "completed"
                        changed = start_abs + length
                elif day_index == today_index and minute <= now_minute:
                    status = "arrived"
                    changed = start_abs - 5
                elif draw < 0.05:
                    status = "cancelled"
                if status == "cancelled":
                    reason = CANCEL_REASONS[int(random() * len(CANCEL_REASONS))]
                    if start_abs > now_abs:
                        cancel_abs = now_abs - 15 * int(random() * 20)
                    elif late_minutes > 75 and random() < 0.3:
                        cancel_abs = start_abs - 60 - 15 * int(random() * ((late_minutes - 60) // 15))
                    else:
                        cancel_abs = start_abs - late_minutes - 60 - 15 * int(random() * 1000)
                    cancel_abs = max(book_abs, min(max(cancel_abs, book_abs + 15), start_abs - 15, now_abs))
                    late = start_abs - cancel_abs < late_minutes
                    changed = cancel_abs
                statuses[status] += 1
                if day_index == today_index:
                    today_count += 1

                start, start_iso = cached(start_abs) or at(day_index, minute)
                created = (cached(book_abs) or at(0, book_abs))[0]
                if changed == book_abs:
                    updated, version, updated_by = created, 1, booked_by
                else:
                    updated = (cached(changed) or at(0, changed))[0]
                    version, updated_by = 2, reception[int(random() * len(reception))]
                batch.append((appointment_id, first_patient + patient, therapist_id, type_id, start,
                              (cached(start_abs + length) or at(day_index, end_minute))[0], status, area,
                              "", series, reason, late, version, created, booked_by,
                              updated, updated_by))
                if with_events:
                    # The 'booked' detail as the booking service writes it.
                    detail = {"starts_at": start_iso, "therapist_id": therapist_id}
                    if series:
                        detail["series_id"] = series
                if with_events:
                    events.append((first_event + appointment_id - first_id, appointment_id, created, booked_by,
                                   "booked", None, "booked", detail, None))
                appointment_id += 1
                if len(batch) >= CHUNK:
                    flush()
    flush()
    gen.counts["appointments"] = appointment_id - first_id
    gen.counts["events"] = appointment_id - first_id if plan.booking_events else 0
    gen.counts["today"] = today_count
    gen.statuses = {status: statuses.get(status, 0) for status in _STATUS_ORDER}


def _ims_area(gen: Generator, patient_id: int, day_index: int) -> tuple[bool, str]:
    """Whether the patient's screening allows IMS on that day, and the area to needle."""
    record = gen.screened.get(patient_id)
    if record is None:
        return False, ""
    position = -1
    for index, screened_day in enumerate(record.days):
        if screened_day <= day_index:
            position = index
    if position < 0 or day_index - record.days[position] > gen.rescreen_days:
        return False, ""
    allows = record.allows_from[position]
    if allows is None or allows > day_index:
        return False, ""
    return True, record.areas[position][0]
