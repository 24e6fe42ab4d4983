"""What changed in the clinic's records, as typed events every desk's views can act on.

One source: the audit trail. Every change a service commits is audited with what it was, which record
and which patient, so a unit of work turns what it audits into `Change` events (`changes_of`). On
PostgreSQL its commit sends them to every other desk by NOTIFY, in the same transaction; on a SQLite
file the other windows notice the file's change counter move (`PRAGMA data_version`, about once a
second) and read the trail's new entries the same way. Opening, printing and signing in are audited
too but change nothing on screen: they make no event.

`Changes` is a set of the kinds that changed (`Kind.APPOINTMENTS`, `Kind.PATIENTS` ...: an enum whose
members are their strings, the form that travels between desks), as the window's `data_changed`
signal carries it, plus the events themselves: a view that knows what it shows
asks `touches_days` / `touches_patient` and reloads only when it must. A plain set of kinds (a
change made at this desk) or `Changes.everything()` (events may have been missed) touches everything
of its kinds.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from frontdesk.db.notify import DataVersion, Listener
    from frontdesk.services.context import ServiceContext

class Kind(StrEnum):
    """What kind of record changed: the views a change concerns. A member equals its string (the form
    sent between desks), so a set of kinds and the wire agree."""

    APPOINTMENTS = "appointments"
    PATIENTS = "patients"
    SCREENINGS = "screenings"
    CONSENTS = "consents"
    THERAPISTS = "therapists"
    APPOINTMENT_TYPES = "appointment_types"
    CLINIC = "clinic"
    USERS = "users"
    WAITLIST = "waitlist"
    #: The email reminder settings (this desk's reminder sender follows them; no view shows them).
    REMINDERS = "reminders"


APPOINTMENTS = Kind.APPOINTMENTS
PATIENTS = Kind.PATIENTS
SCREENINGS = Kind.SCREENINGS
CONSENTS = Kind.CONSENTS
THERAPISTS = Kind.THERAPISTS
APPOINTMENT_TYPES = Kind.APPOINTMENT_TYPES
CLINIC = Kind.CLINIC
USERS = Kind.USERS
WAITLIST = Kind.WAITLIST
#: Every kind of change a view shows, for a full refresh.
EVERYTHING: frozenset[Kind] = frozenset({APPOINTMENTS, PATIENTS, SCREENINGS, CONSENTS, THERAPISTS, APPOINTMENT_TYPES,
                                         CLINIC, USERS, WAITLIST})


@dataclass(frozen=True)
class Change:
    """One record that changed: its kind, its id, and where it shows (the patient; for an
    appointment its day in the clinic's zone and its physiotherapist)."""

    kind: Kind
    record_id: int | None = None
    patient_id: int | None = None
    therapist_id: int | None = None
    day: date | None = None

    def as_list(self) -> list[object]:
        return [self.kind.value, self.record_id, self.patient_id, self.therapist_id,
                self.day.isoformat() if self.day else None]

    @classmethod
    def from_list(cls, values: list[Any]) -> Change:
        kind, record_id, patient_id, therapist_id, day = values
        # A kind this desk does not know (a newer desk's) is a ValueError: the listener reads everything.
        return cls(Kind(str(kind)), record_id, patient_id, therapist_id, date.fromisoformat(day) if day else None)


class Changes(set[Kind]):
    """The kinds that changed (a set of `Kind`, as every view's `refresh(changes)` reads it) and the
    events behind them. `remote`: made at another desk. `complete`: False when events may be missing,
    so every view of these kinds reloads.

    `Changes.made(Kind.WAITLIST)` (or a service's `CHANGES`) is a change made at this desk, everything
    of those kinds; `uow.changes` is what a unit of work changed, event by event."""

    def __init__(self, events: Iterable[Change | Kind] = (), *, kinds: Iterable[Kind] = (), remote: bool = False,
                 complete: bool = True) -> None:
        given = list(events)
        # Plain kinds among the events too (what `copy.copy` of a set passes back in).
        self.events: frozenset[Change] = frozenset(e for e in given if isinstance(e, Change))
        super().__init__({e.kind for e in self.events} | {Kind(k) for k in kinds}
                         | {Kind(e) for e in given if not isinstance(e, Change)})
        self.remote = remote
        self.complete = complete

    @classmethod
    def made(cls, *kinds: Kind | Iterable[Kind]) -> Changes:
        """A change made at this desk: everything of these kinds (each a `Kind` or a set of them)."""
        flat: set[Kind] = set()
        for kind in kinds:
            flat.update((kind,) if isinstance(kind, Kind) else kind)
        return cls(kinds=flat, complete=False)  # which records is not said: every view of these kinds reads

    @classmethod
    def everything(cls, *, remote: bool = True) -> Changes:
        return cls(kinds=EVERYTHING, remote=remote, complete=False)

    def of(self, kind: Kind) -> list[Change]:
        return [e for e in self.events if e.kind == kind]

    def to_payload(self, origin: str) -> str:
        payload = json.dumps({"o": origin, "e": [e.as_list() for e in sorted(self.events, key=repr)]},
                             separators=(",", ":"))
        if len(payload.encode()) > 7900 or not self.complete:
            return json.dumps({"o": origin, "all": True})
        return payload

    @classmethod
    def from_payload(cls, payload: str) -> tuple[str, Changes]:
        data = json.loads(payload)
        if data.get("all"):
            return data.get("o", ""), cls.everything()
        return data.get("o", ""), cls((Change.from_list(v) for v in data.get("e", [])), remote=True)

    def __repr__(self) -> str:
        return f"Changes({sorted(self)}, events={len(self.events)}, remote={self.remote}, complete={self.complete})"


# --- What a piece of work changed --------------------------------------------------------------------

_collecting = threading.local()


@contextmanager
def collect_changes() -> Iterator[Changes]:
    """`with collect_changes() as made: <service calls>`: `made` holds, typed, everything the units of
    work committed on this thread inside the block (a `ServiceOp` hands it to the window's refresh)."""
    made = Changes()
    stack: list[Changes] | None = getattr(_collecting, "stack", None)
    if stack is None:
        stack = _collecting.stack = []
    stack.append(made)
    try:
        yield made
    finally:
        del stack[next(i for i, each in enumerate(stack) if each is made)]  # by identity: equal sets abound


def collecting() -> bool:
    """Whether a `collect_changes` block is open on this thread."""
    return bool(getattr(_collecting, "stack", None))


def committed(changes: Changes) -> None:
    """A unit of work committed `changes` (called by `UnitOfWork.commit`)."""
    for made in getattr(_collecting, "stack", ()):
        made.events = made.events | changes.events
        made.update(changes)
        made.complete = made.complete and changes.complete


def _typed(changes: set[Kind]) -> Changes | None:
    """The events behind `changes`, or None when it names only kinds (everything of them changed)."""
    return changes if isinstance(changes, Changes) and changes.complete else None


def touches_days(changes: set[Kind], first: date, last: date, therapist_id: int | None = None) -> bool:
    """Whether appointments on a day from `first` to `last` (of one physiotherapist, if given) changed."""
    if APPOINTMENTS not in changes:
        return False
    typed = _typed(changes)
    if typed is None:
        return True
    return any(e.day is None or (first <= e.day <= last and
                                 (therapist_id is None or e.therapist_id is None or e.therapist_id == therapist_id))
               for e in typed.of(APPOINTMENTS))


def touches_patient(changes: set[Kind], patient_id: int, kinds: Iterable[Kind] = (PATIENTS, SCREENINGS)) -> bool:
    """Whether the patient's record (or, by `kinds`, their screenings, consents ...) changed."""
    wanted = set(kinds)
    if not wanted & changes:
        return False
    typed = _typed(changes)
    if typed is None:
        return True
    return any(e.kind in wanted and (e.patient_id is None or e.patient_id == patient_id) for e in typed.events)


def touches_appointment(changes: set[Kind], appointment_id: int) -> bool:
    if APPOINTMENTS not in changes:
        return False
    typed = _typed(changes)
    return typed is None or any(e.record_id in (None, appointment_id) for e in typed.of(APPOINTMENTS))


# --- From the audit trail to events ------------------------------------------------------------------

_PATIENT_ACTIONS = {"create", "update", "archive", "unarchive"}
_APPOINTMENT_ACTIONS = {"book", "book_series", "move", "status", "undo_status"}
_USER_ACTIONS = {"create", "change_role", "link_therapist", "unlink_therapist", "deactivate", "reactivate"}


def _day(value: Any, zone: ZoneInfo) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(zone).date()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).astimezone(zone).date()
        except ValueError:
            return None
    return None


def changes_of(session: Session, zone: ZoneInfo, action: str, entity: str, entity_id: int | None,
               patient_id: int | None, detail: dict[str, Any]) -> list[Change] | None:
    """The events one audit entry stands for: [] when it changed nothing shown (a view, a print),
    None when it changed everything (a restored backup)."""
    if entity == "appointment" and action in _APPOINTMENT_ACTIONS:
        return _appointment_changes(session, zone, action, entity_id, patient_id, detail)
    if entity == "patient" and action in _PATIENT_ACTIONS:
        return [Change(PATIENTS, entity_id, entity_id)]
    if entity == "screening" and action in ("create", "review"):
        return [Change(SCREENINGS, entity_id, patient_id)]
    if entity == "consent" and action in ("sign", "mark_signed", "print"):
        return [Change(CONSENTS, entity_id, patient_id)]
    if entity in ("therapist", "working_hours", "time_off", "extra_hours") or \
            (action in ("add", "cancel") and "therapist_id" in detail):
        therapist = detail.get("therapist_id", entity_id if entity in ("therapist", "working_hours") else None)
        return [Change(THERAPISTS, entity_id, None, therapist if isinstance(therapist, int) else None)]
    if entity == "waitlist_entry" and action in ("add", "update", "withdraw", "booked"):
        return [Change(WAITLIST, entity_id, patient_id)]
    if entity == "appointment_type" and action in ("create", "update"):
        return [Change(APPOINTMENT_TYPES, entity_id)]
    if entity == "clinic_settings":
        return [Change(CLINIC)]
    if entity == "user" and action in _USER_ACTIONS:
        return [Change(USERS, entity_id)]
    if entity == "database" and action == "restore":
        return None
    return []


def _appointment_changes(session: Session, zone: ZoneInfo, action: str, appointment_id: int | None,
                         patient_id: int | None, detail: dict[str, Any]) -> list[Change]:
    if action == "move":
        found = []
        for side in (detail.get("before"), detail.get("after")):
            if isinstance(side, dict):
                found.append(Change(APPOINTMENTS, appointment_id, patient_id, side.get("therapist_id"),
                                    _day(side.get("starts_at"), zone)))
        if found:
            return found
    if action == "book" and isinstance(detail.get("therapist_id"), int) and detail.get("starts_at"):
        return [Change(APPOINTMENTS, appointment_id, patient_id, detail["therapist_id"],
                       _day(detail["starts_at"], zone))]
    ids = detail.get("appointments") if action == "book_series" else [appointment_id]
    ids = [i for i in (ids or []) if isinstance(i, int)]
    if not ids:
        return [Change(APPOINTMENTS, appointment_id, patient_id)]
    from sqlalchemy import select

    from frontdesk.db.models import Appointment

    # Usually in the unit of work's identity map already (the service just wrote it): no query then.
    rows = [session.get(Appointment, ids[0])] if len(ids) == 1 else list(session.scalars(
        select(Appointment).where(Appointment.id.in_(ids))))
    return [Change(APPOINTMENTS, row.id, row.patient_id, row.therapist_id, _day(row.starts_at, zone))
            for row in rows if row is not None] or [Change(APPOINTMENTS, appointment_id, patient_id)]


# --- This desk's own changes -------------------------------------------------------------------------

class Desk:
    """What one open database (one window's services) needs to tell its own changes from others':
    an origin sent with every notification, and the ids of the audit entries it wrote."""

    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex
        self.own_entries: deque[int] = deque(maxlen=2000)
        self.lock = threading.Lock()

    def wrote(self, entry_ids: Iterable[int]) -> None:
        with self.lock:
            self.own_entries.extend(entry_ids)

    def is_own(self, entry_id: int) -> bool:
        with self.lock:
            return entry_id in self.own_entries


_desks: weakref.WeakKeyDictionary[Any, Desk] = weakref.WeakKeyDictionary()
_desks_lock = threading.Lock()


def desk_of(ctx: ServiceContext) -> Desk:
    """The desk of `ctx`'s open database (one per `Database` object, made on first use)."""
    with _desks_lock:
        desk = _desks.get(ctx.database)
        if desk is None:
            desk = _desks[ctx.database] = Desk()
        return desk


# --- Watching other desks' changes -------------------------------------------------------------------

Deliver = Callable[[Changes], None]


class ChangeWatch:
    """Another desk's committed changes, delivered as `Changes` (remote=True).

    On a SQLite file call `poll()` about once a second (it is one PRAGMA when nothing changed); on a
    server `start(deliver, ...)` listens on a thread of its own and calls `deliver` from that thread.
    """

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.desk = desk_of(ctx)
        self.needs_polling = ctx.database.is_sqlite
        self.connected = threading.Event()
        self._counter: DataVersion | None = None
        self._listener: Listener | None = None
        self._last_entry: int | None = None
        self._look_now = False

    @property
    def last_entry(self) -> int | None:
        """The id of the newest trail entry this watch has seen (None before it started)."""
        return self._last_entry

    # SQLite -----------------------------------------------------------------------------------------

    def remember_position(self) -> None:
        """Note the trail's newest entry now (as the window reads its first screen): a change made
        between now and `start_polling` (or the listener's first connection) is then not missed.
        One indexed lookup."""
        if (self.ctx.database.path is not None or not self.needs_polling) and self._last_entry is None:
            self._last_entry = self._newest_entry()

    def start_polling(self) -> None:
        from frontdesk.db.notify import DataVersion

        path = self.ctx.database.path
        if path is None:
            return  # an in-memory database: no one else can change it
        self._counter = DataVersion(path, self.ctx.database.passphrase)
        if self._last_entry is None:
            self._last_entry = self._newest_entry()
        else:
            self._look_now = True  # the first poll reads what came since `remember_position`
        self.connected.set()

    def _newest_entry(self) -> int:
        if self.ctx.database.reads_plainly:  # no SQLAlchemy needed yet: this runs as the first screen shows
            from frontdesk.db.plain import first_value

            with self.ctx.database.plain_reader() as reader:
                return int(first_value(reader, "SELECT max(id) FROM audit_events") or 0)
        from sqlalchemy import func, select

        from frontdesk.db.models import AuditEvent
        from frontdesk.services.unit_of_work import UnitOfWork

        with UnitOfWork(self.ctx, None) as uow:
            return int(uow.session.scalar(select(func.max(AuditEvent.id))) or 0)

    def poll(self) -> Changes | None:
        """Other desks' changes since the last call, or None (nothing, or only this desk's own)."""
        if self._counter is None:
            return None
        changed = self._counter.changed()
        if not (changed or self._look_now):
            return None
        self._look_now = False
        return self._read_since()

    def _read_since(self) -> Changes | None:
        """Other desks' changes in the trail's entries after the last one read."""
        if self.ctx.database.has_plain_reads and not self._others_wrote():
            return None  # only this desk's own entries (or none): SQLAlchemy is not needed for that
        from sqlalchemy import select

        from frontdesk.db.models import AuditEvent
        from frontdesk.services.unit_of_work import UnitOfWork

        trail = AuditEvent.__table__.c
        events: list[Change] = []
        with UnitOfWork(self.ctx, None) as uow:
            rows = uow.session.execute(
                select(trail.id, trail.action, trail.entity, trail.entity_id, trail.patient_id, trail.detail)
                .where(trail.id > (self._last_entry or 0)).order_by(trail.id)).all()
            if rows:
                self._last_entry = rows[-1].id
            for row in rows:
                if self.desk.is_own(row.id):
                    continue
                found = changes_of(uow.session, self.ctx.zone, row.action, row.entity, row.entity_id,
                                   row.patient_id, dict(row.detail or {}))
                if found is None:
                    return Changes.everything()
                events.extend(found)
        return Changes(events, remote=True) if events else None

    def _others_wrote(self) -> bool:
        """SQLite, through a plain read: whether any entry after the last one read is another desk's.
        (As the first screen shows, the look finds only this window's own entries, and costs no import.)"""
        with self.ctx.database.plain_reads() as connection:
            ids = [row[0] for row in connection.execute("SELECT id FROM audit_events WHERE id > ? ORDER BY id",
                                                        (self._last_entry or 0,))]
        if ids and all(self.desk.is_own(entry) for entry in ids):
            self._last_entry = ids[-1]
            return False
        return bool(ids)

    # PostgreSQL -------------------------------------------------------------------------------------

    def start_listening(self, deliver: Deliver, lost: Callable[[str], None] | None = None) -> None:
        from frontdesk.db.notify import Listener

        def notice(payload: str) -> None:
            try:
                origin, changes = Changes.from_payload(payload)
            except (ValueError, TypeError, KeyError):
                changes, origin = Changes.everything(), ""
            if origin != self.desk.origin and changes:
                deliver(changes)

        def connected(again: bool) -> None:
            self.connected.set()
            if again:
                deliver(Changes.everything())  # what was sent while we were away is lost: read it all again
            elif self._last_entry is not None:
                try:  # what other desks did while this window was opening, before it listened
                    missed = self._read_since()
                except Exception:  # noqa: BLE001 - not knowing means reading everything once
                    missed = Changes.everything()
                if missed:
                    deliver(missed)

        def gone(message: str) -> None:
            self.connected.clear()
            if lost is not None:
                lost(message)

        self._listener = Listener(self.ctx.database.url, notice, connected, gone)
        self._listener.start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._counter is not None:
            self._counter.close()
            self._counter = None
