"""The waitlist: add, edit, withdraw, list, and book a waiting patient.

Offering a freed slot to the patients who fit it is `services.waitlist_offers`. Booking from the
waitlist books as any booking does (`booking.book_in`, every rule of `domain.booking`) in the same
transaction that closes the entry. Entries are never
deleted: booked and withdrawn ones stay, with who and when, and every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import AppointmentType, Patient, Therapist, WaitlistEntry
from frontdesk.domain.areas import BodyArea, area_label
from frontdesk.domain.booking import area_problem
from frontdesk.domain.patients import display_name
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import PartOfDay
from frontdesk.domain.waitlist import (
    Priority,
    WaitState,
    days_text,
    waiting_text,
)
from frontdesk.domain.when import format_date
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed
from frontdesk.services.records import AppointmentRecord, BookingRequest
from frontdesk.services.booking import book_in
from frontdesk.services.screenings import ims_allowed
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in

#: What a waitlist service changed, for the UI's refresh.
CHANGES = frozenset({Kind.WAITLIST})
MAX_NOTE = 1000


@dataclass(frozen=True)
class WaitlistRequest:
    """An entry as the desk fills it in. Empty ``therapist_ids`` / ``weekdays``: any."""

    patient_id: int
    type_id: int
    earliest: date
    area: str = ""
    therapist_ids: tuple[int, ...] = ()
    weekdays: tuple[int, ...] = ()
    part_of_day: str = PartOfDay.ANY.value
    note: str = ""
    priority: int = int(Priority.NORMAL)


@dataclass(frozen=True)
class WaitlistRecord:
    id: int
    version: int
    patient_id: int
    patient_name: str
    phone: str
    type_id: int
    type_name: str
    is_ims: bool
    area: str
    therapist_ids: tuple[int, ...]
    therapist_names: tuple[str, ...]
    weekdays: tuple[int, ...]
    part_of_day: PartOfDay
    earliest: date
    note: str
    priority: Priority
    state: WaitState
    added_at: datetime
    added_by: str
    appointment_id: int | None = None
    closed_reason: str = ""

    @property
    def area_label(self) -> str:
        return area_label(self.area)

    @property
    def therapists_text(self) -> str:
        return ", ".join(self.therapist_names) if self.therapist_names else "Any physiotherapist"

    @property
    def when_text(self) -> str:
        part = "" if self.part_of_day is PartOfDay.ANY else f", {self.part_of_day.label.lower()}"
        return days_text(self.weekdays) + part

    def waiting_text(self, today: date) -> str:
        return waiting_text(self.added_at, today)

    def as_request(self) -> WaitlistRequest:
        return WaitlistRequest(self.patient_id, self.type_id, self.earliest, self.area, self.therapist_ids,
                               self.weekdays, self.part_of_day.value, self.note, int(self.priority))


# --- Reading -------------------------------------------------------------------------------------


def _records(session: Session, rows: Sequence[WaitlistEntry]) -> list[WaitlistRecord]:
    if not rows:
        return []
    patients = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_({r.patient_id for r in rows})))}
    kinds = {k.id: k for k in session.scalars(select(AppointmentType))}
    therapists = dict(session.execute(select(Therapist.id, Therapist.full_name)).all())
    users = display_names_in(session, [r.added_by for r in rows])
    result = []
    for row in rows:
        patient, kind = patients[row.patient_id], kinds[row.type_id]
        ids = tuple(int(i) for i in row.therapist_ids or ())
        result.append(WaitlistRecord(
            id=row.id, version=row.version, patient_id=row.patient_id,
            patient_name=display_name(patient.family_name, patient.given_names, patient.preferred_name),
            phone=patient.phone or "", type_id=row.type_id, type_name=kind.name, is_ims=bool(kind.is_ims),
            area=row.area or "", therapist_ids=ids, therapist_names=tuple(therapists.get(i, "?") for i in ids),
            weekdays=tuple(sorted(int(d) for d in row.weekdays or ())), part_of_day=PartOfDay(row.part_of_day),
            earliest=row.earliest, note=row.note or "", priority=Priority(row.priority), state=WaitState(row.state),
            added_at=row.added_at, added_by=users.get(row.added_by, "?"), appointment_id=row.appointment_id,
            closed_reason=row.closed_reason or "",
        ))
    return result


@checked_inputs
def list_waitlist(ctx: ServiceContext, actor: Actor, *, state: WaitState | str | None = WaitState.WAITING,
                  type_id: int | None = None, therapist_id: int | None = None,
                  patient_id: int | None = None) -> list[WaitlistRecord]:
    """The entries, best first (priority, then the longest wait). ``therapist_id`` keeps the entries
    that would take that physiotherapist (those open to any included)."""
    statement = select(WaitlistEntry)
    if state:
        statement = statement.where(WaitlistEntry.state == WaitState(state).value)
    if type_id is not None:
        statement = statement.where(WaitlistEntry.type_id == type_id)
    if patient_id is not None:
        statement = statement.where(WaitlistEntry.patient_id == patient_id)
    statement = statement.order_by(WaitlistEntry.priority.desc(), WaitlistEntry.added_at, WaitlistEntry.id)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see the waitlist")
        records = _records(uow.session, list(uow.session.scalars(statement)))
    if therapist_id is not None:
        records = [r for r in records if not r.therapist_ids or therapist_id in r.therapist_ids]
    return records


@checked_inputs
def get_waitlist_entry(ctx: ServiceContext, actor: Actor, entry_id: int) -> WaitlistRecord:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see the waitlist")
        row = uow.session.get(WaitlistEntry, entry_id)
        if row is None:
            raise NotFound("That waitlist entry is not in the records.")
        return _records(uow.session, [row])[0]


@checked_inputs
def earliest_allowed(ctx: ServiceContext, actor: Actor, patient_id: int, type_id: int, area: str = "") -> date:
    """The first date the entry may ask for: today, or for IMS the first day the patient's screening
    allows the area (today when something other than time must happen first, such as a review)."""
    today = ctx.today()
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see the waitlist")
        kind = uow.session.get(AppointmentType, type_id)
        if kind is None or not kind.is_ims or not area:
            return today
        return _ims_allowed_later(ctx, uow.session, patient_id, area, today) or today


def _ims_allowed_later(ctx: ServiceContext, session: Session, patient_id: int, area: str, day: date) -> date | None:
    """The day after ``day`` from which the patient's screening allows IMS of ``area``, where only
    time stands in the way; None when it is allowed on ``day`` or something else must happen first."""
    decision = ims_allowed(ctx, patient_id, area, day, session=session)
    if not decision.allowed and decision.first_allowed is not None and decision.first_allowed > day:
        return decision.first_allowed
    return None


@checked_inputs
def patient_name(ctx: ServiceContext, actor: Actor, patient_id: int) -> str:
    """The patient's name as the waitlist shows it (refused for an archived record)."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see the waitlist")
        patient = uow.session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That patient is not in the records.")
        if patient.archived:
            raise ValidationFailed({"patient": "This patient's record is archived; restore it first."},
                                   "This patient's record is archived; restore it before adding them to the waitlist.")
        return display_name(patient.family_name, patient.given_names, patient.preferred_name)


# --- Writing -------------------------------------------------------------------------------------


def _checked(ctx: ServiceContext, session: Session, request: WaitlistRequest, *,
             earliest_changed: bool) -> dict[str, Any]:
    """The row's values for ``request``, or `ValidationFailed` naming each field that is wrong."""
    errors: dict[str, str] = {}
    patient = session.get(Patient, request.patient_id)
    if patient is None:
        raise NotFound("That patient is not in the records.")
    if patient.archived:
        errors["patient"] = "This patient's record is archived; restore it first."
    kind = session.get(AppointmentType, request.type_id)
    if kind is None or not kind.active:
        errors["type"] = "Choose the kind of appointment."
    area = (request.area or "").strip()
    wrong_area = area_problem(area, kind is not None and kind.is_ims)
    if wrong_area:
        errors["area"] = wrong_area
    if kind is not None and not kind.is_ims:
        area = area if area and "area" not in errors else ""
    therapist_ids = sorted(set(request.therapist_ids))
    if therapist_ids:
        found = {t.id: t for t in session.scalars(select(Therapist).where(Therapist.id.in_(therapist_ids)))}
        missing = [i for i in therapist_ids if i not in found or not found[i].active]
        if missing:
            errors["therapists"] = "Choose physiotherapists who work at the clinic."
        elif kind is not None and kind.is_ims:
            unqualified = [found[i].full_name for i in therapist_ids if not found[i].ims_qualified]
            if unqualified:
                errors["therapists"] = (f"{', '.join(unqualified)} cannot give IMS (not IMS-qualified); "
                                        "choose IMS-qualified physiotherapists or any.")
    weekdays = sorted(set(request.weekdays))
    if any(not 0 <= d <= 6 for d in weekdays):
        errors["weekdays"] = "Choose days from Monday to Sunday."
    try:
        part = PartOfDay(request.part_of_day)
    except ValueError:
        errors["part_of_day"] = "Choose any time, mornings or afternoons."
        part = PartOfDay.ANY
    try:
        priority = Priority(int(request.priority))
    except ValueError:
        errors["priority"] = "Choose low, normal or high."
        priority = Priority.NORMAL
    note = (request.note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE:,} characters."
    earliest = request.earliest
    if earliest_changed and earliest < ctx.today():
        errors["earliest"] = "The earliest date has passed; choose today or later."
    elif earliest.year > 9000:
        errors["earliest"] = "Choose a date within the next few years."
    elif kind is not None and kind.is_ims and area and "area" not in errors:
        first_allowed = _ims_allowed_later(ctx, session, request.patient_id, area, earliest)
        if first_allowed is not None:
            errors["earliest"] = (f"IMS of the {BodyArea.parse(area).label.lower()} is allowed from "
                                  f"{format_date(first_allowed)}; the earliest date cannot be before it.")
    if errors:
        raise ValidationFailed(errors)
    return dict(patient_id=request.patient_id, type_id=request.type_id, area=area, therapist_ids=therapist_ids,
                weekdays=weekdays, part_of_day=part.value, earliest=earliest, note=note, priority=int(priority))


@checked_inputs
def add_to_waitlist(ctx: ServiceContext, actor: Actor, request: WaitlistRequest) -> WaitlistRecord:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "add to the waitlist")
        session = uow.session
        values = _checked(ctx, session, request, earliest_changed=True)
        now = ctx.now()
        row = WaitlistEntry(**values, state=WaitState.WAITING.value, closed_reason="", version=1, added_at=now,
                            added_by=actor.user_id, updated_at=now, updated_by=actor.user_id)
        session.add(row)
        session.flush()
        uow.audit("add", "waitlist_entry", row.id, patient_id=row.patient_id, **_audited(values))
        record = _records(session, [row])[0]
        uow.commit()
    return record


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    return {key: (value.isoformat() if isinstance(value, date) else value) for key, value in values.items()
            if key != "patient_id"}


def _row_to_change(session: Session, entry_id: int, expected_version: int) -> WaitlistEntry:
    row = session.get(WaitlistEntry, entry_id, with_for_update=True)
    if row is None:
        raise NotFound("That waitlist entry is not in the records.")
    if row.version != expected_version:
        raise Conflict("Someone else changed this waitlist entry a moment ago. Look at it again, then try.",
                       current=_records(session, [row])[0])
    if row.state != WaitState.WAITING.value:
        raise Conflict(f"This entry is {WaitState(row.state).label.lower()} already; nothing was changed.",
                       current=_records(session, [row])[0])
    return row


def _touch(ctx: ServiceContext, actor: Actor, row: WaitlistEntry) -> None:
    row.version += 1
    row.updated_at, row.updated_by = ctx.now(), actor.user_id


@checked_inputs
def update_waitlist_entry(ctx: ServiceContext, actor: Actor, entry_id: int, expected_version: int,
                          request: WaitlistRequest) -> WaitlistRecord:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "change the waitlist")
        session = uow.session
        row = _row_to_change(session, entry_id, expected_version)
        if request.patient_id != row.patient_id:
            raise ValidationFailed({"patient": "An entry stays with its patient; withdraw it and add a new one."})
        values = _checked(ctx, session, request, earliest_changed=request.earliest != row.earliest)
        before = {key: getattr(row, key) for key in values}
        for key, value in values.items():
            setattr(row, key, value)
        _touch(ctx, actor, row)
        changed = {key: value for key, value in _audited(values).items() if _audited(before)[key] != value}
        uow.audit("update", "waitlist_entry", row.id, patient_id=row.patient_id, before=_audited(before),
                  changed=changed)
        session.flush()
        record = _records(session, [row])[0]
        uow.commit()
    return record


@checked_inputs
def withdraw_waitlist_entry(ctx: ServiceContext, actor: Actor, entry_id: int, expected_version: int,
                            reason: str = "") -> WaitlistRecord:
    """Take the patient off the list; the entry is kept, marked withdrawn, with the reason."""
    reason = " ".join(reason.split())
    if len(reason) > 500:
        raise ValidationFailed({"reason": "Keep the reason under 500 characters."})
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "change the waitlist")
        session = uow.session
        row = _row_to_change(session, entry_id, expected_version)
        row.state, row.closed_reason = WaitState.WITHDRAWN.value, reason
        _touch(ctx, actor, row)
        uow.audit("withdraw", "waitlist_entry", row.id, patient_id=row.patient_id, reason=reason)
        session.flush()
        record = _records(session, [row])[0]
        uow.commit()
    return record


@checked_inputs
def book_from_waitlist(ctx: ServiceContext, actor: Actor, entry_id: int, expected_version: int,
                       therapist_id: int, starts_at: datetime) -> AppointmentRecord:
    """Book the entry's patient at ``starts_at`` with ``therapist_id`` under every booking rule, and
    mark the entry booked, in one transaction: both happen or neither."""
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValidationFailed({"starts_at": "The start time needs a time zone."})
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "book appointments")
        session = uow.session
        row = _row_to_change(session, entry_id, expected_version)
        request = BookingRequest(row.patient_id, therapist_id, row.type_id, starts_at, row.area or "",
                                 notes="Booked from the waitlist." + (f" {row.note}" if row.note else ""))
        record = book_in(uow, ctx, actor, request, waitlist_entry=row.id)
        row.state, row.appointment_id = WaitState.BOOKED.value, record.id
        _touch(ctx, actor, row)
        uow.audit("booked", "waitlist_entry", row.id, patient_id=row.patient_id, appointment_id=record.id)
        uow.commit()
    return record


__all__ = [
    "CHANGES", "WaitlistRecord", "WaitlistRequest", "add_to_waitlist", "book_from_waitlist", "earliest_allowed",
    "get_waitlist_entry", "list_waitlist", "patient_name", "update_waitlist_entry", "withdraw_waitlist_entry",
]
