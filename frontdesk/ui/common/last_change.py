"""The line "Last changed by NAME at TIME" under an appointment's and a patient's heading."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from frontdesk.domain.when import format_time
from frontdesk.ui.appointments.appointment_model import short_date

if TYPE_CHECKING:  # the Intake tab may be drawn before SQLAlchemy (which the service module needs) loads
    from frontdesk.services.last_change import LastChange

#: Quieter than the heading above it.
LAST_CHANGE_STYLE = "color: #555555;"


def last_changed_text(change: LastChange | None, zone: ZoneInfo, today: date) -> str:
    """``Last changed by Tracey McQuair at 10:42 today`` (another day: ``at 10:42 on Thu Nov 26, 2026``);
    empty when nothing is known."""
    if change is None:
        return ""
    when = format_time(change.at, zone)
    day = "today" if change.at.astimezone(zone).date() == today else f"on {short_date(change.at, zone)}"
    return f"Last changed by {change.name} at {when} {day}"
