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

and the way back: `parse_typed_date`, a date as a receptionist types it into any date field.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
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


# --- Dates typed --------------------------------------------------------------------------------

_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/ ]\s*(\d{1,2})\s*[-/ ]\s*(\d{1,2})|(\d{4})(\d{2})(\d{2})")
_SHIFT = re.compile(r"\+\s*(\d{1,3})\s*(d|days?|w|weeks?)?")


def parse_typed_date(text: str, today: date | None = None) -> date | None:
    """A date as a receptionist types it, or None when it cannot be read.

    Year first in digits (2026-12-07, 2026/12/7, 2026.12.07, 20261207) or with the month's name
    (Dec 7 2026, 7 December 2026, December 7, 2026), with or without the weekday shown before it
    ("Mon 2026-12-07"). Given `today`, also "today", "tomorrow", +N or +Nw (days or weeks from today)
    and a month and day without a year (the next such day). Day and month both in digits (12/07) are
    refused: they read as July 12 to some and December 7 to others.
    """
    words = re.sub(r"[,.]", " ", text.strip().casefold()).split()
    if len(words) > 1 and words[0][:3] in _SHORT_WEEKDAY_WORDS:
        words = words[1:]
    joined = " ".join(words)
    if not joined:
        return None
    if today is not None:
        if joined in ("today", "now"):
            return today
        if joined == "tomorrow":
            return today + timedelta(days=1)
        if shift := _SHIFT.fullmatch(joined):
            count = int(shift.group(1))
            return today + (timedelta(weeks=count) if (shift.group(2) or "d").startswith("w") else
                            timedelta(days=count))
    try:
        if digits := _YEAR_FIRST.fullmatch(joined):
            year, month, day = (int(part) for part in digits.groups() if part is not None)
            return date(year, month, day)
        return _date_in_words(words, today)
    except ValueError:
        return None


_SHORT_WEEKDAY_WORDS = frozenset(name.casefold() for name in SHORT_WEEKDAYS)


def _month_named(word: str) -> int | None:
    """January for "jan", "january" or "janu"; September for "sept" too."""
    if word == "sept":
        return 9
    if len(word) < 3:
        return None
    return next((number for number, name in enumerate(MONTHS, start=1) if name.casefold().startswith(word)), None)


def _date_in_words(words: list[str], today: date | None) -> date | None:
    month = day = year = None
    for word in words:
        if word.isdigit() and len(word) == 4 and year is None:
            year = int(word)
        elif word.isdigit() and len(word) <= 2 and day is None:
            day = int(word)
        elif month is None and (named := _month_named(word)) is not None:
            month = named
        else:
            return None
    if month is None or day is None:
        return None
    if year is not None:
        return date(year, month, day)
    if today is None:
        return None
    found = date(today.year, month, day)
    return found if found >= today else date(today.year + 1, month, day)


# --- Helpers ------------------------------------------------------------------------------------


@overload
def _on_clock(moment: datetime, zone: ZoneInfo | None) -> datetime: ...
@overload
def _on_clock(moment: time, zone: ZoneInfo | None) -> time: ...
def _on_clock(moment: datetime | time, zone: ZoneInfo | None) -> datetime | time:
    if zone is None or not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; it cannot be put on the clinic's clock")
    return moment.astimezone(zone)
