"""Dates, times and lengths of time in words: how every screen, printout and message writes them.

One module, so the counter, the printouts and the reminder emails say a day or a time the same way.
Pure, and English whatever the computer's language (strftime's %a and %b follow the locale Qt sets).

A function given a `zone` first moves the instant onto that zone's clock, and refuses an instant
without a time zone (it could be hours off); without a `zone` the moment is written on its own clock.

    format_date          March 4, 2025              the long date of printouts and verdicts
    format_weekday_date  Tuesday, March 4, 2025
    format_day           Tuesday, March 4           a day this year, in a sentence
    format_short_date    Tue Mar 4, 2025 / Tue Mar 4   lists and columns
    format_month_day     Mar 4
    format_weekday_iso   Tue 2025-03-04             date fields and a receptionist's table
    format_time          9:05, 13:30                the front desk's 24-hour clock
    format_time_range    9:00–9:30
    format_clock         9:05 a.m.                  printouts and emails to patients
    format_clock_range   9:00–9:30 a.m., 11:30 a.m.–12:15 p.m.
    format_moment        March 4, 2025 at 9:05 a.m. PST
    format_stamp         2025-03-04 09:05:07        the audit log
    format_file_stamp    20250304-090507            a file kept aside under a dated name
    plural, format_days, format_months, format_hours, format_minutes   lengths of time
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Protocol, overload
from zoneinfo import ZoneInfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SHORT_WEEKDAYS = tuple(name[:3] for name in WEEKDAYS)
SHORT_MONTHS = tuple(name[:3] for name in MONTHS)
EN_DASH = "\u2013"


class Span(Protocol):
    """Anything with a start and an end instant (a `scheduling.Interval`, say)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


# --- Days -------------------------------------------------------------------------------------------


def format_date(day: date) -> str:
    """``March 4, 2025``."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_weekday_date(day: date) -> str:
    """``Tuesday, March 4, 2025``."""
    return f"{WEEKDAYS[day.weekday()]}, {format_date(day)}"


def format_day(day: date) -> str:
    """``Tuesday, March 4`` (no year: for a day the sentence around it places)."""
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


def format_short_date(day: date, *, year: bool = True) -> str:
    """``Tue Mar 4, 2025``, or ``Tue Mar 4`` without the year."""
    text = f"{SHORT_WEEKDAYS[day.weekday()]} {SHORT_MONTHS[day.month - 1]} {day.day}"
    return f"{text}, {day.year}" if year else text


def format_month_day(day: date) -> str:
    """``Mar 4``."""
    return f"{SHORT_MONTHS[day.month - 1]} {day.day}"


def format_weekday_iso(day: date) -> str:
    """``Tue 2025-03-04``: the form a date field shows and reads back."""
    return f"{SHORT_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day `moment` falls on in `zone`."""
    return _on_clock(moment, zone).date()


# --- Times of day -------------------------------------------------------------------------------


def format_time(moment: datetime | time, zone: ZoneInfo | None = None) -> str:
    """``9:05`` or ``13:30``: the front desk's 24-hour clock, no leading zero."""
    here = _on_clock(moment, zone)
    return f"{here.hour}:{here.minute:02d}"


def format_time_range(span: Span, zone: ZoneInfo | None = None) -> str:
    """``9:00–9:30``."""
    return f"{format_time(span.start, zone)}{EN_DASH}{format_time(span.end, zone)}"


def format_clock(moment: datetime | time, zone: ZoneInfo | None = None) -> str:
    """``9:05 a.m.``: the 12-hour clock of printouts and messages to patients."""
    here = _on_clock(moment, zone)
    hour = here.hour % 12 or 12
    return f"{hour}:{here.minute:02d} {'a.m.' if here.hour < 12 else 'p.m.'}"


def format_clock_range(start: datetime, end: datetime, zone: ZoneInfo | None = None) -> str:
    """``9:00–9:30 a.m.``, or ``11:30 a.m.–12:15 p.m.`` across noon (or across days)."""
    first, last = format_clock(start, zone), format_clock(end, zone)
    if first[-4:] == last[-4:] and _on_clock(start, zone).date() == _on_clock(end, zone).date():
        first = first[:-5]
    return f"{first}{EN_DASH}{last}"


def format_moment(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """``March 4, 2025 at 9:05 a.m. PST``, with the zone's abbreviation."""
    here = _on_clock(moment, zone)
    return f"{format_date(here.date())} at {format_clock(here)} {here.tzname()}"


def format_file_stamp(moment: datetime) -> str:
    """``20250304-090507``: a moment in a file's name (a file kept aside before it is replaced)."""
    return f"{moment:%Y%m%d-%H%M%S}"


def format_stamp(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """``2025-03-04 09:05:07``: a log's sortable time to the second."""
    here = _on_clock(moment, zone)
    return f"{here.date().isoformat()} {here.hour:02d}:{here.minute:02d}:{here.second:02d}"


# --- Lengths of time ----------------------------------------------------------------------------


def plural(count: int, unit: str) -> str:
    """``1 day``, ``3 days``."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def format_days(count: int) -> str:
    """``6 weeks`` when the days make whole weeks, else ``10 days``."""
    if count and count % 7 == 0:
        return plural(count // 7, "week")
    return plural(count, "day")


def format_months(count: int) -> str:
    """``1 month``, ``3 months``."""
    return plural(count, "month")


def format_hours(count: int) -> str:
    """``2 days`` when the hours make whole days, else ``36 hours``."""
    if count and count % 24 == 0:
        return plural(count // 24, "day")
    return plural(count, "hour")


def format_minutes(minutes: int) -> str:
    """``45 min``, ``1 h``, ``7 h 30 min``."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


# --- Helpers ------------------------------------------------------------------------------------


@overload
def _on_clock(moment: datetime, zone: ZoneInfo | None) -> datetime: ...
@overload
def _on_clock(moment: time, zone: ZoneInfo | None) -> time: ...
def _on_clock(moment: datetime | time, zone: ZoneInfo | None) -> datetime | time:
    if zone is None or not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; it cannot be put on the clinic's clock")
    return moment.astimezone(zone)
