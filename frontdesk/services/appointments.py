"""Appointment statuses, the appointments list, "my day", and the calendar and CSV exports.

A status changes only when a person asks for it (arrived, completed, cancelled, no-show) and every
change, undo included, is one more row in `appointment_events` naming who and when, plus an audit
entry. The list is read in pages ordered by start time, so a clinic with a million appointments
still opens the table at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentEvent, AppointmentType, Patient, Therapist
from frontdesk.domain.appointments import (
    AppointmentStatus,
    ImsFlag,
    StatusChange,
    TransitionError,
    change_status,
    current_status,
    undo_last_change,
    undo_target,
)
from frontdesk.domain.roles import Permission
from frontdesk.domain.booking import check_slot
from frontdesk.domain.scheduling import Interval, is_late_cancellation, local_instant
from frontdesk.services.appointment_history import (
    BOOKING_KINDS,
    STATUS_EVENT,
    UNDO_EVENT,
    HistoryEntry,
    ScreeningSummary,
    history_of,
    screening_summary,
)
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.csv_export import csv_writer
from frontdesk.services.calendar_file import CalendarEvent, calendar_bytes
from frontdesk.services.calendar_file import ics_uid as ics_uid  # re-exported: callers import it from here
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from frontdesk.services.freed import FreedSlot
from frontdesk.services.last_change import APPOINTMENT_CHANGES, LastChange, last_change_in
from frontdesk.services.patients import name_or_phone_match
from frontdesk.services.reminder_outbox import sync_reminders_in
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.schedule import AnySelect, around_slot, load_appointment_records
from frontdesk.services.unit_of_work import UnitOfWork

#: What a status service changed, for the UI's refresh (`changed.emit(CHANGES)`).
CHANGES = frozenset({Kind.APPOINTMENTS})

_EXPORT_BATCH = 1000
MAX_REASON = 500
MAX_PAGE = 5000


class StatusNotChanged(ServiceError):
    """A status change the clinic's rules refuse (the message says why and what to do instead)."""


# --- Statuses ------------------------------------------------------------------------------------


@checked_inputs
def mark_arrived(ctx: ServiceContext, actor: Actor, appointment_id: int,
                 expected_version: int) -> AppointmentRecord:
    return _change_status(ctx, actor, appointment_id, expected_version, AppointmentStatus.ARRIVED)


@checked_inputs
def mark_completed(ctx: ServiceContext, actor: Actor, appointment_id: int,
                   expected_version: int) -> AppointmentRecord:
    return _change_status(ctx, actor, appointment_id, expected_version, AppointmentStatus.COMPLETED)


@checked_inputs
def mark_no_show(ctx: ServiceContext, actor: Actor, appointment_id: int,
                 expected_version: int) -> AppointmentRecord:
    return _change_status(ctx, actor, appointment_id, expected_version, AppointmentStatus.NO_SHOW)


@checked_inputs
def cancel_appointment(ctx: ServiceContext, actor: Actor, appointment_id: int, expected_version: int,
                       reason: str) -> AppointmentRecord:
    """Cancel with a reason; within the clinic's notice period it is recorded as a late cancellation.

    The appointment stays in the record (and in the list) with its reason; its slot is free again.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "Please give a reason for the cancellation."})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON} characters."})
    return _change_status(ctx, actor, appointment_id, expected_version, AppointmentStatus.CANCELLED,
                          reason)


#: The reason recorded when the desk undoes a booking it has just made.
BOOKING_UNDONE = "Booking undone at the desk right after it was made"


def undo_booking(ctx: ServiceContext, actor: Actor, appointment_id: int, expected_version: int) -> AppointmentRecord:
    """Take back a booking just made (the desk's Undo): it is cancelled with that reason, and is not a
    late cancellation when undone within the domain's `MISTAKE_WINDOW` of the booking."""
    return _change_status(ctx, actor, appointment_id, expected_version, AppointmentStatus.CANCELLED,
                          BOOKING_UNDONE, undoing_booking=True)


def is_late_if_cancelled_now(ctx: ServiceContext, record: AppointmentRecord) -> bool:
    """What the cancel dialog tells the receptionist before they confirm."""
    return is_late_cancellation(record.starts_at, ctx.now(), _notice(ctx))


@checked_inputs
def undo_last_status_change(ctx: ServiceContext, actor: Actor, appointment_id: int,
                            expected_version: int, reason: str = "") -> AppointmentRecord:
    """Revert the latest status change still in force; the undo is recorded, nothing is erased.

    Undoing a cancellation or a no-show takes the slot back, so it is refused when the therapist or
    the patient has been booked into that time since.
    """
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "change appointment statuses")
        session = uow.session
        row = _row_for_change(session, appointment_id, expected_version)
        history, event_ids = _status_history(session, row)
        target = undo_target(history)
        try:
            change = undo_last_change(history, by_user=actor.user_id, now=ctx.now(), reason=reason)
        except TransitionError as error:
            raise StatusNotChanged(str(error)) from error
        assert target is not None
        before = AppointmentStatus(row.status)
        if change.status.is_live and not before.is_live:
            _require_slot_still_free(ctx, session, row)
        session.add(AppointmentEvent(
            appointment_id=row.id, at=change.at, by_user=actor.user_id, kind=UNDO_EVENT,
            from_status=before.value, to_status=change.status.value,
            detail={"reason": change.reason} if change.reason else {},
            undo_of=event_ids[target[0]],
        ))
        row.status = change.status.value
        if before is AppointmentStatus.CANCELLED:
            row.cancel_reason = ""
            row.late_cancellation = False
        _touch(ctx, actor, row)
        uow.audit("undo_status", "appointment", row.id, patient_id=row.patient_id,
                  from_status=before.value, to_status=change.status.value)
        sync_reminders_in(session, ctx.now(), [row.id])
        uow.commit()
    return get_appointment(ctx, actor, appointment_id)


def _change_status(ctx: ServiceContext, actor: Actor, appointment_id: int, expected_version: int,
                   new: AppointmentStatus, reason: str = "", *, undoing_booking: bool = False) -> AppointmentRecord:
    notice = _notice(ctx)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.BOOK, "change appointment statuses")
        session = uow.session
        row = _row_for_change(session, appointment_id, expected_version)
        history, _ = _status_history(session, row)
        try:
            change = change_status(history, new, by_user=actor.user_id, now=ctx.now(),
                                   start=row.starts_at, reason=reason, notice=notice,
                                   booked_at=row.created_at if undoing_booking else None)
        except TransitionError as error:
            raise StatusNotChanged(str(error)) from error
        before = row.status
        detail: dict[str, object] = {}
        if new is AppointmentStatus.CANCELLED:
            detail = {"reason": change.reason, "late": change.late}
            row.cancel_reason = change.reason
            row.late_cancellation = change.late
        session.add(AppointmentEvent(
            appointment_id=row.id, at=change.at, by_user=actor.user_id, kind=STATUS_EVENT,
            from_status=before, to_status=new.value, detail=detail,
        ))
        row.status = new.value
        _touch(ctx, actor, row)
        uow.audit("status", "appointment", row.id, patient_id=row.patient_id,
                  from_status=before, to_status=new.value, **({"late": change.late} if detail else {}))
        sync_reminders_in(session, ctx.now(), [row.id])
        freed = (row.therapist_id, row.starts_at, row.ends_at) if before != new.value and not new.is_live else None
        uow.commit()
    if freed is not None:
        ctx.freed.emit(FreedSlot(*freed, new.value))
    return get_appointment(ctx, actor, appointment_id)


def _notice(ctx: ServiceContext) -> timedelta:
    return timedelta(hours=get_clinic_settings(ctx).late_cancel_hours)


def _touch(ctx: ServiceContext, actor: Actor, row: Appointment) -> None:
    row.version += 1
    row.updated_at = ctx.now()
    row.updated_by = actor.user_id


def _row_for_change(session: Session, appointment_id: int, expected_version: int) -> Appointment:
    # FOR UPDATE: on PostgreSQL a colleague's change waits here, then sees the new version.
    row = session.get(Appointment, appointment_id, with_for_update=True)
    if row is None:
        raise NotFound("That appointment no longer exists.")
    if row.version != expected_version:
        current = _load_one(session, appointment_id)
        raise Conflict(
            "Someone else changed this appointment a moment ago (it is now "
            f"{AppointmentStatus(row.status).label.lower()}). The list has been refreshed; check it "
            "and try again if it is still needed.",
            current=current,
        )
    return row


def _status_history(session: Session, row: Appointment) -> tuple[list[StatusChange], list[int | None]]:
    """The appointment's status history for the domain, and the event id behind each entry.

    The booking entry comes from the booking event, or from the row when it was imported without
    one. Events written by other means that do not fit the chain are left out; if the chain then
    disagrees with the saved status, the saved status is taken as one more (not undoable) change.
    """
    events = list(session.scalars(
        select(AppointmentEvent).where(AppointmentEvent.appointment_id == row.id)
        .order_by(AppointmentEvent.at, AppointmentEvent.id)
    ))
    booking = next((e for e in events if e.kind in BOOKING_KINDS), None)
    if booking is not None:
        history = [StatusChange(AppointmentStatus.BOOKED, booking.at, booking.by_user)]
        ids: list[int | None] = [booking.id]
    else:
        history = [StatusChange(AppointmentStatus.BOOKED, row.created_at, row.created_by)]
        ids = [None]
    for event in events:
        if event.kind not in (STATUS_EVENT, UNDO_EVENT) or not event.to_status:
            continue
        detail = event.detail or {}
        undo_of = None
        if event.kind == UNDO_EVENT:
            if event.undo_of not in ids:
                continue
            undo_of = ids.index(event.undo_of)
        entry = StatusChange(AppointmentStatus(event.to_status), event.at, event.by_user,
                             str(detail.get("reason", "")), late=bool(detail.get("late", False)),
                             undo_of=undo_of)
        if event.kind == STATUS_EVENT and event.from_status:
            _catch_up(history, ids, AppointmentStatus(event.from_status), event.at, event.by_user)
        try:
            current_status([*history, entry])
        except ValueError:
            continue
        history.append(entry)
        ids.append(event.id)
    _catch_up(history, ids, AppointmentStatus(row.status), row.updated_at, row.updated_by)
    return history, ids


def _catch_up(history: list[StatusChange], ids: list[int | None], status: AppointmentStatus,
              at: datetime, by_user: int) -> None:
    """Add a status set without an event (imported data) as a change of its own, so the chain
    agrees with what was saved; an undo can step back over it."""
    if current_status(history) is not status:
        history.append(StatusChange(status, at, by_user))
        ids.append(None)


def _require_slot_still_free(ctx: ServiceContext, session: Session, row: Appointment) -> None:
    """Restoring a cancelled or no-show appointment takes its time back: refused when the therapist
    or the patient has been booked then since (the booking rules about the time's owners)."""
    interval = Interval(row.starts_at, row.ends_at)
    name = session.scalar(select(Therapist.full_name).where(Therapist.id == row.therapist_id)) or ""
    availability, patient_busy = around_slot(session, ctx.zone, row.therapist_id, name, row.patient_id, interval)
    problems = [p for p in check_slot(interval, availability, patient_busy, zone=ctx.zone, ignore_appointment=row.id)
                if p.kind.is_taken]
    if problems:
        raise Conflict(
            "This time has been booked again since, so the appointment cannot be restored: "
            + " ".join(p.message for p in problems)
            + " Book a new time instead."
        )


# --- Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentFilter:
    """What the Appointments tab shows. Dates are local days in the clinic's zone, both included;
    `statuses` empty means every status; `text` matches the start of the patient's names or phone."""

    date_from: date | None = None
    date_to: date | None = None
    therapist_id: int | None = None
    patient_id: int | None = None
    statuses: frozenset[AppointmentStatus] = field(default_factory=frozenset)
    ims_only: bool = False
    text: str = ""
    #: The order of the list: one of `SORTS` ("start": by start time), and whether it is reversed.
    sort: str = "start"
    descending: bool = False


#: What the list can be ordered by (ties are broken by start time, then id).
SORTS = ("start", "patient", "therapist", "type", "status", "ims")


class AppointmentDetail(NamedTuple):
    appointment: AppointmentRecord
    history: list[HistoryEntry]
    screening: ScreeningSummary | None
    last_change: LastChange | None = None


def _filtered(ctx: ServiceContext, flt: AppointmentFilter) -> AnySelect:
    """Conditions on appointments only, start-time range first, so an index on `starts_at` (or on
    therapist/patient plus `starts_at`) does the work; the patient text becomes a short id list."""
    if flt.date_from and flt.date_to and flt.date_to < flt.date_from:
        raise ValidationFailed({"date_to": "The end date is before the start date."})
    statement = select(Appointment)
    if flt.date_from is not None:
        statement = statement.where(Appointment.starts_at >= local_instant(flt.date_from, time(0), ctx.zone))
    if flt.date_to is not None:
        end = local_instant(flt.date_to + timedelta(days=1), time(0), ctx.zone)
        statement = statement.where(Appointment.starts_at < end)
    if flt.therapist_id is not None:
        statement = statement.where(Appointment.therapist_id == flt.therapist_id)
    if flt.patient_id is not None:
        statement = statement.where(Appointment.patient_id == flt.patient_id)
    if flt.statuses and set(flt.statuses) != set(AppointmentStatus):
        statement = statement.where(Appointment.status.in_(sorted(s.value for s in flt.statuses)))
    if flt.ims_only:
        statement = statement.where(
            Appointment.type_id.in_(select(AppointmentType.id).where(AppointmentType.is_ims.is_(True)))
        )
    matching = name_or_phone_match(flt.text)
    if matching:
        statement = statement.where(Appointment.patient_id.in_(select(Patient.id).where(*matching)))
    return statement


@checked_inputs
def list_appointments(ctx: ServiceContext, actor: Actor, flt: AppointmentFilter, offset: int = 0,
                      limit: int = 200, *, after: tuple[datetime, int] | None = None) -> list[AppointmentRecord]:
    """One page of appointments in start-time order (then id).

    Pass `after` (the start and id of the last row already shown) instead of a growing `offset` to
    read the next page straight from the index, however deep into the list it is.
    """
    limit = max(0, min(limit, MAX_PAGE))
    if flt.sort not in SORTS:
        raise ValidationFailed({"sort": f"The list cannot be ordered by {flt.sort!r}."})
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        if flt.sort != "start" or flt.descending:
            return load_appointment_records(uow.session, _sorted(_filtered(ctx, flt), flt).offset(offset).limit(limit))
        return _page(uow.session, _filtered(ctx, flt), offset, limit, after)


def _sorted(statement: AnySelect, flt: AppointmentFilter) -> AnySelect:
    """Ordered by the chosen column (names by their folded search keys, so accents and case do not
    scatter them), then by start time and id; read by offset, page after page. The patient, therapist
    and type tables are joined by `load_appointment_records`."""
    keys: list[Any] = []
    if flt.sort == "patient":
        keys = [Patient.family_key, Patient.given_key]
    elif flt.sort == "therapist":
        keys = [func.lower(Therapist.full_name)]
    elif flt.sort == "type":
        keys = [func.lower(AppointmentType.name)]
    elif flt.sort == "status":
        keys = [Appointment.status]
    elif flt.sort == "ims":
        keys = [AppointmentType.is_ims.desc() if not flt.descending else AppointmentType.is_ims]
        return statement.order_by(*keys, Appointment.starts_at, Appointment.id)
    ordered = [*keys, Appointment.starts_at, Appointment.id]
    return statement.order_by(*(key.desc() for key in ordered) if flt.descending else ordered)


def _page(session: Session, statement: AnySelect, offset: int, limit: int,
          after: tuple[datetime, int] | None) -> list[AppointmentRecord]:
    if after is not None:
        start, last_id = after
        statement = statement.where(
            Appointment.starts_at >= start,
            or_(Appointment.starts_at > start, Appointment.id > last_id),
        )
    statement = statement.order_by(Appointment.starts_at, Appointment.id).limit(limit)
    if offset and after is None:
        statement = statement.offset(offset)
    return load_appointment_records(session, statement)


@checked_inputs
def count_appointments(ctx: ServiceContext, actor: Actor, flt: AppointmentFilter) -> int:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        inner = _filtered(ctx, flt).with_only_columns(Appointment.id).subquery()
        return int(uow.session.scalar(select(func.count()).select_from(inner)) or 0)


@checked_inputs
def get_appointment(ctx: ServiceContext, actor: Actor, appointment_id: int) -> AppointmentRecord:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        record = _load_one(uow.session, appointment_id)
    if record is None:
        raise NotFound("That appointment no longer exists.")
    return record


def _load_one(session: Session, appointment_id: int) -> AppointmentRecord | None:
    records = load_appointment_records(session, select(Appointment).where(Appointment.id == appointment_id))
    return records[0] if records else None


@checked_inputs
def appointment_detail(ctx: ServiceContext, actor: Actor, appointment_id: int) -> AppointmentDetail:
    """The appointment, its history (who did what, when) and the patient's latest screening.

    Opening it is recorded in the audit trail, as opening a patient's record is.
    """
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        row = uow.session.get(Appointment, appointment_id)
        if row is None:
            raise NotFound("That appointment no longer exists.")
        record = _load_one(uow.session, appointment_id)
        history = history_of(uow.session, row)
        assert record is not None
        screening = screening_summary(uow.session, record.patient_id, ctx.local(record.starts_at).date())
        changed = last_change_in(uow.session, "appointment", row.id, row.patient_id, APPOINTMENT_CHANGES,
                                 row.updated_at, row.updated_by)
        uow.audit("view", "appointment", row.id, patient_id=row.patient_id)
        uow.commit()
    return AppointmentDetail(record, history, screening, changed)


@checked_inputs
def my_day(ctx: ServiceContext, actor: Actor, therapist_id: int, day: date) -> list[AppointmentRecord]:
    """The therapist's appointments on a local day in time order, cancelled ones included (shown
    as such), each with its IMS flag."""
    flt = AppointmentFilter(date_from=day, date_to=day, therapist_id=therapist_id)
    return list_appointments(ctx, actor, flt, limit=MAX_PAGE)


@checked_inputs
def iter_appointments(ctx: ServiceContext, actor: Actor, flt: AppointmentFilter,
                      batch: int = _EXPORT_BATCH) -> Iterator[AppointmentRecord]:
    """Every appointment matching the filter, read page by page (for exports)."""
    after: tuple[datetime, int] | None = None
    while True:
        page = list_appointments(ctx, actor, flt, limit=batch, after=after)
        yield from page
        if len(page) < batch:
            return
        after = (page[-1].starts_at, page[-1].id)


# --- Exports -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "Date", "Start", "End", "Patient", "Phone", "Physiotherapist", "Type", "IMS", "Status",
    "Late cancellation", "Cancellation reason",
)


@checked_inputs
def export_csv(ctx: ServiceContext, actor: Actor, flt: AppointmentFilter) -> str:
    """The appointments matching the filter as CSV text, times in the clinic's zone."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "export appointments")
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in iter_appointments(ctx, actor, flt):
        start, end = ctx.local(record.starts_at), ctx.local(record.ends_at)
        writer.writerow([
            start.date().isoformat(),
            f"{start:%H:%M}",
            f"{end:%H:%M}",
            record.patient_name,
            record.patient_phone,
            record.therapist_name,
            record.type_name,
            record.ims_flag.label if record.ims_flag is not ImsFlag.NONE else "",
            record.status.label,
            "yes" if record.late_cancellation else "",
            record.cancel_reason,
        ])
        count += 1
    _audit_export(ctx, actor, "csv", rows=count, **_filter_detail(flt))
    return out.getvalue()


def _filter_detail(flt: AppointmentFilter) -> dict[str, object]:
    return {
        "date_from": flt.date_from.isoformat() if flt.date_from else None,
        "date_to": flt.date_to.isoformat() if flt.date_to else None,
        "therapist_id": flt.therapist_id,
        "patient_id": flt.patient_id,
    }


def _audit_export(ctx: ServiceContext, actor: Actor, kind: str, **detail: Any) -> None:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.audit("export", "appointments", None, format=kind, **detail)
        uow.commit()


@checked_inputs
def export_ics(ctx: ServiceContext, actor: Actor, therapist_id: int, date_from: date,
               date_to: date) -> bytes:
    """The therapist's appointments in the date range as an iCalendar file (see `calendar_file`).

    The summary holds only the patient's name and the appointment type; cancelled appointments are
    included as cancelled so a calendar that imported them before drops them.
    """
    if date_to < date_from:
        raise ValidationFailed({"date_to": "The end date is before the start date."})
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "export appointments")
        therapist = uow.session.get(Therapist, therapist_id)
        if therapist is None:
            raise NotFound("That physiotherapist is not in the list any more.")
        therapist_name = therapist.full_name
    events = []
    flt = AppointmentFilter(date_from=date_from, date_to=date_to, therapist_id=therapist_id)
    for record in iter_appointments(ctx, actor, flt):
        summary = f"{record.patient_name} \u2013 {record.type_name}"
        cancelled = record.status is AppointmentStatus.CANCELLED
        if cancelled:
            summary = f"Cancelled: {summary}"
        elif record.status is AppointmentStatus.NO_SHOW:
            summary = f"No-show: {summary}"
        events.append(CalendarEvent(record.id, record.starts_at, record.ends_at, summary, record.version,
                                    cancelled=cancelled))
    ical = calendar_bytes(events, ctx.zone, ctx.now(), date_from, date_to, name=f"{therapist_name}: appointments")
    count = len(events)
    _audit_export(ctx, actor, "ics", rows=count, therapist_id=therapist_id,
                  date_from=date_from.isoformat(), date_to=date_to.isoformat())
    return ical

