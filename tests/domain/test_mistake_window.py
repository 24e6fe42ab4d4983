"""A booking taken back at once (the desk's Undo) is not a late cancellation; later it is, as usual."""

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk.domain.appointments import MISTAKE_WINDOW, AppointmentStatus, booking_entry, change_status

BOOKED_AT = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
START = BOOKED_AT + timedelta(hours=2)  # well inside the 24 hours' notice


@pytest.mark.parametrize("after, booked_at_given, late", [
    (timedelta(minutes=1), True, False),
    (MISTAKE_WINDOW - timedelta(seconds=1), True, False),
    (MISTAKE_WINDOW, True, True),
    (timedelta(minutes=1), False, True),  # an ordinary cancellation: the booking time is not considered
])
def test_cancelling_right_after_booking_is_not_late(after, booked_at_given, late):
    history = [booking_entry(by_user=1, now=BOOKED_AT)]
    change = change_status(history, AppointmentStatus.CANCELLED, by_user=1, now=BOOKED_AT + after, start=START,
                           reason="Booked by mistake", booked_at=BOOKED_AT if booked_at_given else None)
    assert change.late is late
