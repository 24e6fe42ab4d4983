"""How far apart one patient's IMS treatments must be: the clinic's "at least N days apart" rule.

The booking dialog's warning, the booking service's check and "find next available" all ask the
functions here, so the rule lives in one place. Days are counted on the clinic's calendar: with
N = 7 an IMS treatment on a Monday allows the next one from the Monday after. Two IMS treatments on
the same day are always too close, whatever N is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from frontdesk.domain.when import plural

DEFAULT_IMS_INTERVAL_DAYS = 7
MIN_IMS_INTERVAL_DAYS = 1
MAX_IMS_INTERVAL_DAYS = 90


def _minimum(min_days: int) -> int:
    """The rule as applied: never less than one day (a second IMS the same day is always too close)."""
    return max(MIN_IMS_INTERVAL_DAYS, min_days)


def too_close(on: date, other: date, min_days: int) -> bool:
    """True when IMS on ``on`` is fewer than ``min_days`` calendar days from IMS on ``other``."""
    return abs((on - other).days) < _minimum(min_days)


@dataclass(frozen=True)
class TooClose:
    """Another IMS treatment of the patient that a proposed one would be too close to."""

    other: date
    days_apart: int

    @property
    def same_day(self) -> bool:
        return self.days_apart == 0


def ims_too_close(on: date, others: Iterable[date], min_days: int) -> list[TooClose]:
    """The patient's other IMS days (live appointments only) that IMS on ``on`` is too close to,
    nearest first."""
    found = {other: abs((on - other).days) for other in others if too_close(on, other, min_days)}
    return [TooClose(other, apart) for other, apart in sorted(found.items(), key=lambda item: (item[1], item[0]))]


def blocked_days(others: Iterable[date], min_days: int) -> list[tuple[date, date]]:
    """The stretches of days (first, last, inclusive) on which no IMS may be proposed, given the
    patient's other IMS days; merged and in order. What "find next available" steps around."""
    reach = timedelta(days=_minimum(min_days) - 1)
    spans = sorted((other - reach, other + reach) for other in set(others))
    merged: list[tuple[date, date]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def first_clear_day(on: date, others: Iterable[date], min_days: int) -> date:
    """The first day on or after ``on`` that is not too close to any of ``others``."""
    for first, last in blocked_days(others, min_days):
        if first <= on <= last:
            on = last + timedelta(days=1)
    return on


def too_close_text(found: list[TooClose], min_days: int, format_day: Callable[[date], str]) -> str:
    """One plain sentence for the receptionist; ``format_day`` turns a date into words."""
    nearest = found[0]
    if nearest.same_day:
        return "The patient already has IMS on this day; a second IMS treatment the same day needs a reason."
    days = plural(nearest.days_apart, "day")
    return (f"Only {days} from the patient's IMS on {format_day(nearest.other)}; the clinic keeps IMS "
            f"treatments at least {_minimum(min_days)} days apart. Booking it needs a reason.")
