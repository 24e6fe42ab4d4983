"""iCalendar (.ics) files of appointments: the therapist's export and the reminder's attachment.

Times carry the clinic's zone (TZID with its VTIMEZONE), so a 9:00 appointment stays at 9:00 in any
calendar on both sides of a daylight-saving change. The same appointment always has the same UID, so a
calendar that imports it again updates it (SEQUENCE is the appointment's version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def ics_uid(appointment_id: int) -> str:
    """The same appointment always gets the same UID, so a calendar re-import updates it."""
    return f"appointment-{appointment_id}@frontdesk.clinic"


@dataclass(frozen=True)
class CalendarEvent:
    appointment_id: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    sequence: int
    cancelled: bool = False
    location: str = ""
    description: str = ""


def calendar_bytes(events: Iterable[CalendarEvent], zone: ZoneInfo, stamp: datetime, first_date: date,
                   last_date: date, name: str | None = None, method: str | None = None) -> bytes:
    """The events as one VCALENDAR, with the zone's VTIMEZONE covering a year either side."""
    from icalendar import Calendar, Event  # only when writing a file: it is slow to import

    calendar = Calendar()
    calendar.add("prodid", "-//Front Desk//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", zone.key)
    for item in events:
        event = Event()
        event.add("uid", ics_uid(item.appointment_id))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    calendar.add_missing_timezones(first_date=first_date - timedelta(days=366),
                                   last_date=last_date + timedelta(days=366))
    return bytes(calendar.to_ical())
