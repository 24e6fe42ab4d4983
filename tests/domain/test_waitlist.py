"""Which waiting patients fit a freed slot: every booking rule, one row each, and the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.scheduling import (
    Busy,
    ExtraHours,
    Interval,
    PartOfDay,
    TherapistAvailability,
    TimeOff,
    WorkingBlock,
    local_instant,
)
from frontdesk.domain.waitlist import (
    FreeTime,
    Priority,
    SlotType,
    WaitEntry,
    WaitState,
    best_first,
    days_text,
    match_free_time,
    waiting_text,
)

VAN = ZoneInfo("America/Vancouver")
MONDAY = date(2026, 12, 7)
NOW = local_instant(date(2026, 12, 1), time(10), VAN)
PHYSIO, IMS = 1, 2
TYPES = {PHYSIO: SlotType(timedelta(minutes=30), False), IMS: SlotType(timedelta(minutes=30), True)}
THERAPIST = 7


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), VAN)


def entry(**changes) -> WaitEntry:
    base = WaitEntry(id=1, patient_id=100, type_id=PHYSIO, area="", therapist_ids=frozenset(),
                     weekdays=frozenset(), part_of_day=PartOfDay.ANY, earliest=date(2026, 12, 1),
                     priority=Priority.NORMAL, added_at=at(date(2026, 11, 20), 9))
    return replace(base, **changes)


WEEK = [WorkingBlock(d, time(9), time(17)) for d in range(5)]
SLOT = FreeTime(THERAPIST, Interval(at(MONDAY, 9), at(MONDAY, 9, 30)))


def run(entries, *, slot=SLOT, blocks=WEEK, time_off=(), extra=(), busy=(), qualified=True, patient_busy=None,
        ims_ok=lambda p, a, d: True, ims_days=None, interval=7, now=NOW):
    availability = TherapistAvailability(THERAPIST, blocks, time_off, extra, busy, "Chris Stokes")
    return [m.entry.id for m in match_free_time(
        slot, entries, types=TYPES, availability=availability, therapist_ims_qualified=qualified,
        patient_busy=patient_busy or {}, ims_ok=ims_ok, ims_days=lambda p: (ims_days or {}).get(p, ()),
        ims_interval_days=interval,
        now=now, zone=VAN)]


IMS_KNEE = {"type_id": IMS, "area": "knee:left"}

# (what the row shows, the entry's changes, the situation, fits?)
CASES = [
    ("a plain physiotherapy entry fits", {}, {}, True),
    ("booked entries are not offered", {"state": WaitState.BOOKED}, {}, False),
    ("withdrawn entries are not offered", {"state": WaitState.WITHDRAWN}, {}, False),
    ("the physiotherapist is among those chosen", {"therapist_ids": frozenset({THERAPIST, 9})}, {}, True),
    ("another physiotherapist was asked for", {"therapist_ids": frozenset({9})}, {}, False),
    ("Monday suits", {"weekdays": frozenset({0, 2})}, {}, True),
    ("only Tuesdays suit", {"weekdays": frozenset({1})}, {}, False),
    ("mornings suit a 9:00 slot", {"part_of_day": PartOfDay.MORNING}, {}, True),
    ("afternoons only", {"part_of_day": PartOfDay.AFTERNOON}, {}, False),
    ("earliest date is the slot's day", {"earliest": MONDAY}, {}, True),
    ("earliest date after the slot", {"earliest": MONDAY + timedelta(days=1)}, {}, False),
    ("a 45-minute type does not fit a 30-minute slot", {"type_id": 3}, {}, False),
    ("outside working hours", {}, {"blocks": [WorkingBlock(0, time(12), time(17))]}, False),
    ("new extra hours make it bookable", {}, {"blocks": [], "extra": [ExtraHours(at(MONDAY, 8), at(MONDAY, 12))]},
     True),
    ("time off", {}, {"time_off": [TimeOff(at(MONDAY, 0), at(MONDAY, 23), "Course")]}, False),
    ("the physiotherapist is booked again meanwhile", {}, {"busy": [Interval(at(MONDAY, 9), at(MONDAY, 9, 30))]},
     False),
    ("the patient's own booking at that time", {},
     {"patient_busy": {100: [Busy(Interval(at(MONDAY, 8, 45), at(MONDAY, 9, 15)))]}}, False),
    ("the patient's booking right after is fine", {},
     {"patient_busy": {100: [Busy(Interval(at(MONDAY, 9, 30), at(MONDAY, 10)))]}}, True),
    ("a slot already past", {}, {"now": at(MONDAY, 9, 5)}, False),
    ("IMS with a qualified physiotherapist and an allowed area", IMS_KNEE, {}, True),
    ("IMS with a physiotherapist who is not IMS-qualified", IMS_KNEE, {"qualified": False}, False),
    ("IMS without an area", {"type_id": IMS}, {}, False),
    ("IMS before the area's first-allowed date (screening)", IMS_KNEE,
     {"ims_ok": lambda p, a, d: d >= MONDAY + timedelta(days=3)}, False),
    ("IMS on the first-allowed date", IMS_KNEE, {"ims_ok": lambda p, a, d: d >= MONDAY}, True),
    ("IMS 3 days after the patient's last IMS (interval 7)", IMS_KNEE, {"ims_days": {100: [MONDAY - timedelta(3)]}},
     False),
    ("IMS 7 days after the last IMS", IMS_KNEE, {"ims_days": {100: [MONDAY - timedelta(7)]}}, True),
    ("IMS 5 days before the next booked IMS", IMS_KNEE, {"ims_days": {100: [MONDAY + timedelta(5)]}}, False),
    ("IMS 3 days apart when the clinic's interval is 3", IMS_KNEE,
     {"ims_days": {100: [MONDAY - timedelta(3)]}, "interval": 3}, True),
    ("another patient's IMS does not count", IMS_KNEE, {"ims_days": {200: [MONDAY]}}, True),
]


@pytest.mark.parametrize(("changes", "situation", "fits"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_booking_rule(changes, situation, fits):
    assert run([entry(**changes)], **situation) == ([1] if fits else [])


def test_a_longer_freed_stretch_takes_the_longer_type():
    types_slot = FreeTime(THERAPIST, Interval(at(MONDAY, 9), at(MONDAY, 10)))
    availability = TherapistAvailability(THERAPIST, WEEK)
    long_type = {**TYPES, 3: SlotType(timedelta(minutes=60), False)}
    found = match_free_time(types_slot, [entry(type_id=3)], types=long_type, availability=availability,
                            therapist_ims_qualified=True, patient_busy={}, ims_ok=lambda *a: True,
                            ims_days=lambda p: (),
                            ims_interval_days=7, now=NOW, zone=VAN)
    assert [(m.interval.start, m.interval.end) for m in found] == [(at(MONDAY, 9), at(MONDAY, 10))]


def test_best_first_is_priority_then_the_longest_wait():
    old = at(date(2026, 11, 1), 9)
    entries = [
        entry(id=1, priority=Priority.NORMAL, added_at=old + timedelta(days=5)),
        entry(id=2, priority=Priority.HIGH, added_at=old + timedelta(days=10)),
        entry(id=3, priority=Priority.NORMAL, added_at=old),
        entry(id=4, priority=Priority.LOW, added_at=old - timedelta(days=30)),
        entry(id=5, priority=Priority.HIGH, added_at=old + timedelta(days=1)),
    ]
    assert run(entries) == [5, 2, 3, 1, 4]
    availability = TherapistAvailability(THERAPIST, WEEK)
    asked = []
    ims_entries = [replace(e, **IMS_KNEE) for e in entries]
    first_two = match_free_time(SLOT, ims_entries, types=TYPES, availability=availability,
                                therapist_ims_qualified=True, patient_busy={},
                                ims_ok=lambda p, a, d: asked.append(p) or True,
                                ims_days=lambda p: (), ims_interval_days=7, now=NOW, zone=VAN, limit=2)
    assert [m.entry.id for m in first_two] == [5, 2] and len(asked) == 2  # the rest are never asked about
    assert [e.id for e in best_first(entries)] == [5, 2, 3, 1, 4]


@pytest.mark.parametrize(("added", "text"), [
    (date(2026, 12, 1), "added today"), (date(2026, 11, 30), "waiting 1 day"), (date(2026, 11, 19), "waiting 12 days"),
])
def test_age_in_words(added, text):
    assert waiting_text(at(added, 16), date(2026, 12, 1), VAN) == text


@pytest.mark.parametrize(("days", "text"), [
    ((), "Any day"), (range(7), "Any day"), (range(5), "Weekdays"), ((1, 3), "Tue, Thu"),
])
def test_days_in_words(days, text):
    assert days_text(days) == text


EXTRA = FreeTime(THERAPIST, Interval(at(MONDAY, 11), at(MONDAY, 14)))  # new extra hours, 11:00-14:00


@pytest.mark.parametrize(("what", "changes", "situation", "start"), [
    ("the first start of the stretch", {}, {}, (11, 0)),
    ("after the physiotherapist's booking in it", {}, {"busy": [Interval(at(MONDAY, 11), at(MONDAY, 11, 30))]},
     (11, 30)),
    ("after the patient's own booking", {}, {"patient_busy": {100: [Busy(Interval(at(MONDAY, 10), at(MONDAY, 12)))]}},
     (12, 0)),
    ("afternoons only: from noon", {"part_of_day": PartOfDay.AFTERNOON}, {}, (12, 0)),
    ("mornings only, but the morning part is taken", {"part_of_day": PartOfDay.MORNING},
     {"busy": [Interval(at(MONDAY, 11), at(MONDAY, 12))]}, None),
])
def test_a_longer_stretch_offers_each_entry_its_first_start_that_fits(what, changes, situation, start):
    availability = TherapistAvailability(THERAPIST, [WorkingBlock(0, time(9), time(11))],
                                         extra_hours=[ExtraHours(EXTRA.interval.start, EXTRA.interval.end)],
                                         busy=situation.get("busy", ()))
    found = match_free_time(EXTRA, [entry(**changes)], types=TYPES, availability=availability,
                            therapist_ims_qualified=True, patient_busy=situation.get("patient_busy", {}),
                            ims_ok=lambda *a: True, ims_days=lambda p: (), ims_interval_days=7, now=NOW, zone=VAN,
                            step=timedelta(minutes=15))
    assert [m.interval.start for m in found] == ([at(MONDAY, *start)] if start else []), what
