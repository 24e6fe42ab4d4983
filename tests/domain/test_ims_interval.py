from datetime import date

import pytest

from frontdesk.domain.ims_interval import (
    blocked_days,
    first_clear_day,
    ims_too_close,
    too_close,
    too_close_text,
)

MON = date(2026, 11, 30)


@pytest.mark.parametrize(("on", "min_days", "expected"), [
    (date(2026, 11, 30), 7, True),   # the same day
    (date(2026, 12, 6), 7, True),    # six days later
    (date(2026, 12, 7), 7, False),   # seven days later: allowed
    (date(2026, 11, 23), 7, False),  # seven days before
    (date(2026, 11, 24), 7, True),
    (date(2026, 11, 30), 1, True),   # a second IMS the same day is too close whatever N is
    (date(2026, 12, 1), 1, False),
    (date(2026, 11, 30), 0, True),
])
def test_too_close(on, min_days, expected):
    assert too_close(on, MON, min_days) is expected


def test_nearest_first_and_blocked_stretches_merge():
    others = [MON, date(2026, 12, 9)]
    found = ims_too_close(date(2026, 12, 4), others, 7)
    assert [(f.other, f.days_apart) for f in found] == [(MON, 4), (date(2026, 12, 9), 5)]
    assert blocked_days(others, 7) == [(date(2026, 11, 24), date(2026, 12, 15))]
    assert first_clear_day(date(2026, 11, 25), others, 7) == date(2026, 12, 16)
    assert first_clear_day(date(2026, 11, 20), others, 7) == date(2026, 11, 20)
    assert "already has IMS on this day" in too_close_text(ims_too_close(MON, others, 7), 7, str)
    assert "Only 4 days" in too_close_text(found, 7, str)
