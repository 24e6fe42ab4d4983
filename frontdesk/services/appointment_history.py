"""An appointment's history and the patient's latest screening in a line, as the appointment's
detail shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentEvent
from frontdesk.domain.appointments import AppointmentStatus, is_screening_stale
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_date
from frontdesk.services.clinic_settings import clinic_settings_in
from frontdesk.services.screenings import current_screening_in
from frontdesk.services.user_accounts import display_names_in

#: The kinds of history events a status change and its undo write.
STATUS_EVENT = "status"
UNDO_EVENT = "undo"
BOOKING_KINDS = frozenset({"booked", "book", "created", "create"})


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an appointment's history, as the detail pane shows it."""

    at: datetime
    by: str
    kind: str
    text: str


@dataclass(frozen=True)
class ScreeningSummary:
    """The patient's latest screening in a line: level (after any review), date, and staleness."""

    screened_on: date
    level: Level
    not_before: date | None
    stale: bool
    review: str
    text: str


_EVENT_WORDS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.ARRIVED: "Marked as arrived",
    AppointmentStatus.COMPLETED: "Marked as completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.NO_SHOW: "Marked as a no-show",
}


def _event_text(event: AppointmentEvent) -> str:
    detail = event.detail or {}
    reason = str(detail.get("reason", "")).strip()
    if event.kind == UNDO_EVENT and event.to_status:
        undone = AppointmentStatus(event.from_status).label.lower() if event.from_status else "the last change"
        text = f"Undo: {undone} changed back to {AppointmentStatus(event.to_status).label.lower()}"
    elif event.kind == STATUS_EVENT and event.to_status:
        text = _EVENT_WORDS[AppointmentStatus(event.to_status)]
        if detail.get("late"):
            text += " (late cancellation)"
    elif event.kind in BOOKING_KINDS:
        text = "Booked"
    else:
        text = event.kind.replace("_", " ").capitalize()
        old, new = detail.get("from"), detail.get("to")
        if isinstance(old, str) and isinstance(new, str):
            text += f": {old} \u2192 {new}"
    return f"{text}: {reason}" if reason else text


def history_of(session: Session, row: Appointment) -> list[HistoryEntry]:
    events = list(session.scalars(
        select(AppointmentEvent).where(AppointmentEvent.appointment_id == row.id)
        .order_by(AppointmentEvent.at, AppointmentEvent.id)
    ))
    ids = {e.by_user for e in events} | {row.created_by}
    names = display_names_in(session, ids)
    entries = [HistoryEntry(e.at, names.get(e.by_user, "?"), e.kind, _event_text(e)) for e in events]
    if not any(e.kind in BOOKING_KINDS for e in events):
        entries.insert(0, HistoryEntry(row.created_at, names.get(row.created_by, "?"), "booked", "Booked"))
    return entries


def screening_summary(session: Session, patient_id: int, on: date) -> ScreeningSummary | None:
    screening = current_screening_in(session, patient_id)
    if screening is None:
        return None
    stale = is_screening_stale(screening.screened_on, on, clinic_settings_in(session).rescreen_months)
    level = screening.effective_level
    review = screening.review.label if screening.review else ""
    text = f"{level.label} (screened {format_date(screening.screened_on)})"
    if level is Level.NOT_YET and screening.not_before:
        text += f"; IMS possible from {format_date(screening.not_before)}"
    if review:
        text += f"; review: {review.lower()}"
    elif screening.needs_review:
        text += "; waiting for a physiotherapist's review"
    if stale:
        text += "; out of date, screen again"
    return ScreeningSummary(screening.screened_on, level, screening.not_before, stale, review, text)
