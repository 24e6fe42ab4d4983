"""Time that just came free: a cancellation, a no-show, a moved booking, new extra hours.

The services that free time tell the context's `FreedSlots` after their transaction commits; the
window listens (`subscribe`) and offers the slot to the waitlist. Plain Python, no Qt: a command-line
run has no listener and nothing happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.services.context import Actor, ServiceContext


@dataclass(frozen=True)
class FreedSlot:
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    #: "cancelled", "no_show", "moved" or "extra_hours"
    why: str


class FreedSlots:
    def __init__(self) -> None:
        self._listeners: list[Callable[[FreedSlot], None]] = []

    def subscribe(self, listener: Callable[[FreedSlot], None]) -> Callable[[], None]:
        """Call ``listener`` for each slot freed from now on; returns the way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, slot: FreedSlot) -> None:
        for listener in list(self._listeners):
            try:
                listener(slot)
            except Exception:
                logging.getLogger("frontdesk").exception("a freed-slot listener failed")


# --- Slots another desk freed ----------------------------------------------------------------------

#: What frees time in the trail: a status change to one of these, a move (its old time), new extra hours.
_FREEING_STATUSES = ("cancelled", "no_show")
_LIVE_STATUSES = ("booked", "arrived")


def freed_at_other_desks(ctx: ServiceContext, actor: Actor, after_entry: int) -> tuple[list[FreedSlot], int]:
    """The slots other desks freed in the audit trail's entries after `after_entry` (still to come:
    a slot already over is no use to anyone), and the newest entry looked at, for the next call.

    This desk learns of its own freed slots from the services directly (`FreedSlots`); another desk's
    are read back from what the trail says they did: a cancellation or no-show (the appointment's
    time), a move (the time it left) and new extra hours. One indexed range read of the trail."""
    from sqlalchemy import func, or_, select

    from frontdesk.db.models import Appointment, AuditEvent
    from frontdesk.domain.roles import Permission
    from frontdesk.services.changes import desk_of
    from frontdesk.services.unit_of_work import UnitOfWork

    desk = desk_of(ctx)
    trail = AuditEvent.__table__.c
    found: list[FreedSlot] = []
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.BOOK, "see who could take a freed slot")
        session = uow.session
        newest = int(session.scalar(select(func.max(trail.id))) or 0)
        rows = session.execute(
            select(trail.id, trail.action, trail.entity, trail.entity_id, trail.detail)
            .where(trail.id > after_entry, trail.id <= newest, or_(
                (trail.entity == "appointment") & trail.action.in_(("status", "move")),
                (trail.entity == "extra_hours") & (trail.action == "add")))
            .order_by(trail.id)).all()
        now = ctx.now()
        for row in rows:
            if desk.is_own(row.id):
                continue
            detail = dict(row.detail or {})
            slot = None
            if row.entity == "extra_hours":
                slot = _slot(detail.get("therapist_id"), detail.get("starts_at"), detail.get("ends_at"), "extra_hours")
            elif row.entity_id is not None:
                appointment = session.get(Appointment, row.entity_id)
                if appointment is None:
                    continue
                if row.action == "status" and detail.get("to_status") in _FREEING_STATUSES and \
                        detail.get("from_status") in _LIVE_STATUSES:
                    slot = FreedSlot(appointment.therapist_id, appointment.starts_at, appointment.ends_at,
                                     str(detail["to_status"]))
                elif row.action == "move" and isinstance(detail.get("before"), dict):
                    before = detail["before"]
                    slot = _slot(before.get("therapist_id"), before.get("starts_at"), None, "moved",
                                 appointment.ends_at - appointment.starts_at)
            if slot is not None and slot.ends_at > now:
                found.append(slot)
    return found, newest


def _slot(therapist_id: object, starts_at: object, ends_at: object, why: str,
          length: timedelta | None = None) -> FreedSlot | None:
    if not isinstance(therapist_id, int) or not isinstance(starts_at, str):
        return None
    try:
        start = datetime.fromisoformat(starts_at)
        if isinstance(ends_at, str):
            end = datetime.fromisoformat(ends_at)
        elif length is not None:
            end = start + length
        else:
            return None
    except (TypeError, ValueError):
        return None
    if start.tzinfo is None or end <= start:
        return None
    return FreedSlot(therapist_id, start, end, why)


def newest_trail_entry(ctx: ServiceContext) -> int:
    """The trail's newest entry now: where a desk starts looking for other desks' freed slots."""
    from sqlalchemy import func, select

    from frontdesk.db.models import AuditEvent
    from frontdesk.services.unit_of_work import UnitOfWork

    with UnitOfWork(ctx, None) as uow:
        return int(uow.session.scalar(select(func.max(AuditEvent.id))) or 0)
