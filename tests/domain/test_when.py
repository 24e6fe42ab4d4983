"""Dates, times and lengths of time in words: one module, the same words on every screen and printout."""

from datetime import date, datetime, time, UTC
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain import when
from frontdesk.domain.scheduling import Interval

VAN = ZoneInfo("America/Vancouver")
TUESDAY = date(2025, 3, 4)


@pytest.mark.parametrize(
    ("formatter", "expected"),
    [
        (when.format_date, "March 4, 2025"),
        (when.format_weekday_date, "Tuesday, March 4, 2025"),
        (when.format_day, "Tuesday, March 4"),
        (when.format_short_date, "Tue Mar 4, 2025"),
        (lambda day: when.format_short_date(day, year=False), "Tue Mar 4"),
        (when.format_month_day, "Mar 4"),
        (when.format_weekday_iso, "Tue 2025-03-04"),
    ],
)
def test_days_are_written_in_english_words(formatter, expected):
    assert formatter(TUESDAY) == expected


def test_every_month_and_weekday_has_its_own_name():
    days = [date(2026, month, 1) for month in range(1, 13)]
    assert len({when.format_date(day).split()[0] for day in days}) == 12
    week = [date(2026, 11, 23 + offset) for offset in range(7)]
    assert [when.format_short_date(day, year=False)[:3] for day in week] == \
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize(
    ("utc", "clock24", "clock12"),
    [
        (datetime(2025, 3, 4, 17, 5, tzinfo=UTC), "9:05", "9:05 a.m."),
        (datetime(2025, 3, 4, 20, 0, tzinfo=UTC), "12:00", "12:00 p.m."),
        (datetime(2025, 3, 4, 8, 0, tzinfo=UTC), "0:00", "12:00 a.m."),
        (datetime(2025, 3, 4, 21, 30, tzinfo=UTC), "13:30", "1:30 p.m."),
        # After the spring change Vancouver is 7 hours behind UTC, not 8.
        (datetime(2025, 3, 10, 16, 5, tzinfo=UTC), "9:05", "9:05 a.m."),
    ],
)
def test_times_are_on_the_clock_of_the_zone_given(utc, clock24, clock12):
    assert when.format_time(utc, VAN) == clock24
    assert when.format_clock(utc, VAN) == clock12


def test_a_wall_time_or_a_local_moment_is_written_as_it_is():
    assert when.format_time(time(7, 0)) == "7:00"
    assert when.format_clock(time(16, 45)) == "4:45 p.m."
    assert when.format_time(datetime(2025, 3, 4, 9, 5, tzinfo=VAN)) == "9:05"


def test_an_instant_without_a_zone_is_refused_rather_than_put_hours_off():
    with pytest.raises(ValueError, match="no time zone"):
        when.format_time(datetime(2025, 3, 4, 9, 0), VAN)


def test_ranges_name_the_half_of_the_day_once_unless_they_cross_noon():
    morning = Interval(datetime(2025, 3, 4, 17, 0, tzinfo=UTC), datetime(2025, 3, 4, 17, 30, tzinfo=UTC))
    assert when.format_time_range(morning, VAN) == "9:00–9:30"
    assert when.format_clock_range(morning.start, morning.end, VAN) == "9:00–9:30 a.m."
    noon = (datetime(2025, 3, 4, 19, 30, tzinfo=UTC), datetime(2025, 3, 4, 20, 15, tzinfo=UTC))
    assert when.format_clock_range(*noon, VAN) == "11:30 a.m.–12:15 p.m."


def test_a_moment_carries_the_zone_abbreviation_and_a_stamp_sorts():
    moment = datetime(2025, 3, 4, 17, 5, 7, tzinfo=UTC)
    assert when.format_moment(moment, VAN) == "March 4, 2025 at 9:05 a.m. PST"
    assert when.format_moment(datetime(2025, 7, 4, 16, 5, tzinfo=UTC), VAN) == "July 4, 2025 at 9:05 a.m. PDT"
    assert when.format_stamp(moment, VAN) == "2025-03-04 09:05:07"
    assert when.format_file_stamp(datetime(2025, 3, 4, 9, 5, 7)) == "20250304-090507"


@pytest.mark.parametrize(
    ("formatter", "count", "expected"),
    [
        (when.format_days, 1, "1 day"),
        (when.format_days, 10, "10 days"),
        (when.format_days, 7, "1 week"),
        (when.format_days, 42, "6 weeks"),
        (when.format_days, 0, "0 days"),
        (when.format_months, 1, "1 month"),
        (when.format_months, 3, "3 months"),
        (when.format_hours, 1, "1 hour"),
        (when.format_hours, 36, "36 hours"),
        (when.format_hours, 48, "2 days"),
        (when.format_minutes, 45, "45 min"),
        (when.format_minutes, 60, "1 h"),
        (when.format_minutes, 90, "1 h 30 min"),
        (when.format_minutes, 425, "7 h 5 min"),
    ],
)
def test_lengths_of_time(formatter, count, expected):
    assert formatter(count) == expected


NOV_25 = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        ("2026/11/5", date(2026, 11, 5)),
        ("2026.11.05", date(2026, 11, 5)),
        ("2026 12 7", date(2026, 12, 7)),
        ("20261125", date(2026, 11, 25)),
        ("Wed 2026-11-25", date(2026, 11, 25)),
        ("Wednesday, 2026-11-25", date(2026, 11, 25)),
        ("Nov 25 2026", date(2026, 11, 25)),
        ("Nov. 25, 2026", date(2026, 11, 25)),
        ("November 25, 2026", date(2026, 11, 25)),
        ("25 Nov 2026", date(2026, 11, 25)),
        ("7 Sept 2026", date(2026, 9, 7)),
        ("2026-02-30", None),
        ("25/11/2026", None),  # day-first digits are ambiguous at a Canadian counter
        ("12/07", None),
        ("12 07 2026", None),
        ("Dec 7", None),  # no year, and no today to place it
        ("today", None),
        ("soon", None),
        ("", None),
    ],
)
def test_a_typed_date_is_read_the_same_by_every_date_field(typed, expected):
    assert when.parse_typed_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Dec 7", date(2026, 12, 7)),
        ("Nov 1", date(2027, 11, 1)),  # already past this year: next year's
        ("Nov 25", date(2026, 11, 25)),
        ("+7", date(2026, 12, 2)),
        ("+ 7 days", date(2026, 12, 2)),
        ("+2w", date(2026, 12, 9)),
        ("today", NOV_25),
        ("tomorrow", date(2026, 11, 26)),
        ("Mon 2026-12-07", date(2026, 12, 7)),
        ("decimal 7", None),
    ],
)
def test_given_today_a_date_can_be_typed_as_people_say_it(typed, expected):
    assert when.parse_typed_date(typed, NOV_25) == expected
