from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.appointments import (
    AppointmentStatus,
    ImsFlag,
    StatusChange,
    TransitionError,
    TransitionProblemKind,
    allowed_next,
    booking_entry,
    change_status,
    check_transition,
    current_status,
    is_screening_stale,
    screening_valid_until,
    undo_last_change,
    undo_target,
)

VAN = ZoneInfo("America/Vancouver")
START = datetime(2026, 3, 10, 9, 0, tzinfo=VAN)
BOOKED_AT = datetime(2026, 3, 1, 11, 0, tzinfo=VAN)
RECEPTIONIST, PHYSIO = 1, 2

S = AppointmentStatus
K = TransitionProblemKind


@pytest.mark.parametrize(
    ("status", "label", "live"),
    [
        (S.BOOKED, "Booked", True),
        (S.ARRIVED, "Arrived", True),
        (S.COMPLETED, "Completed", True),
        (S.CANCELLED, "Cancelled", False),
        (S.NO_SHOW, "No-show", False),
    ],
)
def test_status_label_and_whether_it_holds_the_slot(status, label, live):
    assert status.label == label
    assert status.is_live is live


@pytest.mark.parametrize(
    ("current", "new", "reason", "now", "problems"),
    [
        (S.BOOKED, S.ARRIVED, "", START - timedelta(minutes=10), []),  # early arrival is fine
        (S.ARRIVED, S.COMPLETED, "", START + timedelta(minutes=40), []),
        (S.BOOKED, S.CANCELLED, "Patient has the flu", START - timedelta(days=3), []),
        (S.BOOKED, S.CANCELLED, "   ", START - timedelta(days=3), [K.REASON_REQUIRED]),
        (S.BOOKED, S.NO_SHOW, "", START, []),  # from the start time on
        (S.BOOKED, S.NO_SHOW, "", START - timedelta(minutes=1), [K.NOT_STARTED]),
        (S.ARRIVED, S.NO_SHOW, "", START + timedelta(minutes=5), []),  # checked in, left before being seen
        (S.BOOKED, S.COMPLETED, "", START + timedelta(hours=1), [K.NOT_ALLOWED]),
        (S.ARRIVED, S.CANCELLED, "Changed mind", START, [K.NOT_ALLOWED]),
        (S.ARRIVED, S.BOOKED, "", START, [K.NOT_ALLOWED]),
        (S.COMPLETED, S.CANCELLED, "x", START, [K.NOT_ALLOWED]),
        (S.CANCELLED, S.BOOKED, "", START, [K.NOT_ALLOWED]),
        (S.NO_SHOW, S.ARRIVED, "", START, [K.NOT_ALLOWED]),
        (S.ARRIVED, S.ARRIVED, "", START, [K.SAME_STATUS]),
    ],
)
def test_check_transition(current, new, reason, now, problems):
    result = check_transition(current, new, reason=reason, now=now, start=START)
    assert [p.kind for p in result] == problems
    assert all(p.message.endswith(".") for p in result)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        (S.BOOKED, S.COMPLETED, "Mark the patient as arrived before completing the appointment."),
        (S.CANCELLED, S.ARRIVED, "This appointment is cancelled. If that was a mistake, use Undo."),
        (S.ARRIVED, S.BOOKED, "To go back to booked, use Undo."),
        (S.NO_SHOW, S.NO_SHOW, "The appointment is already marked as a no-show."),
    ],
)
def test_refusals_tell_the_receptionist_what_to_do(current, new, message):
    (problem,) = check_transition(current, new, now=START, start=START)
    assert problem.message == message


def test_allowed_next_drives_the_actions():
    assert allowed_next(S.BOOKED) == {S.ARRIVED, S.CANCELLED, S.NO_SHOW}
    assert allowed_next(S.ARRIVED) == {S.COMPLETED, S.NO_SHOW}
    assert all(not allowed_next(s) for s in (S.COMPLETED, S.CANCELLED, S.NO_SHOW))


@pytest.mark.parametrize(
    ("case", "cancelled_at", "late"),
    [
        ("three days ahead", START - timedelta(days=3), False),
        ("exactly 24 hours ahead", START - timedelta(hours=24), False),
        ("23 hours 59 minutes ahead", START - timedelta(hours=23, minutes=59), True),
        ("the same morning", START - timedelta(hours=2), True),
    ],
)
def test_cancellation_records_reason_who_when_and_lateness(case, cancelled_at, late):
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    change = change_status(
        history, S.CANCELLED, by_user=RECEPTIONIST, now=cancelled_at, start=START, reason=" Car trouble ",
    )
    assert change == StatusChange(S.CANCELLED, cancelled_at, RECEPTIONIST, "Car trouble", late=late), case


def test_notice_period_comes_from_the_clinic_setting():
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    change = change_status(
        history, S.CANCELLED, by_user=RECEPTIONIST, now=START - timedelta(hours=30), start=START,
        reason="Work", notice=timedelta(hours=48),
    )
    assert change.late


def test_refused_change_raises_with_a_plain_message():
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    with pytest.raises(TransitionError) as caught:
        change_status(history, S.CANCELLED, by_user=RECEPTIONIST, now=BOOKED_AT, start=START)
    assert str(caught.value) == "Please give a reason for the cancellation."
    assert [p.kind for p in caught.value.problems] == [K.REASON_REQUIRED]


def test_other_changes_are_never_late():
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    change = change_status(history, S.ARRIVED, by_user=RECEPTIONIST, now=START, start=START)
    assert change == StatusChange(S.ARRIVED, START, RECEPTIONIST)


def apply(history: list[StatusChange], step: str, minute: int) -> None:
    now = START + timedelta(minutes=minute)
    if step == "undo":
        history.append(undo_last_change(history, by_user=PHYSIO, now=now, reason="Wrong patient"))
    else:
        change = change_status(history, S(step), by_user=RECEPTIONIST, now=now, start=START, reason="Sick")
        history.append(change)


@pytest.mark.parametrize(
    ("steps", "status", "undo_of"),
    [
        (["arrived"], S.ARRIVED, [None, None]),
        (["arrived", "undo"], S.BOOKED, [None, None, 1]),
        (["arrived", "completed", "undo"], S.ARRIVED, [None, None, None, 2]),
        (["arrived", "completed", "undo", "undo"], S.BOOKED, [None, None, None, 2, 1]),
        (["cancelled", "undo"], S.BOOKED, [None, None, 1]),
        (["cancelled", "undo", "cancelled"], S.CANCELLED, [None, None, 1, None]),
        (["no_show", "undo", "arrived", "completed"], S.COMPLETED, [None, None, 1, None, None]),
        (["arrived", "undo", "no_show", "undo", "arrived"], S.ARRIVED, [None, None, 1, None, 3, None]),
    ],
)
def test_undo_reverts_the_latest_change_and_is_recorded(steps, status, undo_of):
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    for minute, step in enumerate(steps):
        apply(history, step, minute)
    assert current_status(history) is status
    assert [c.undo_of for c in history] == undo_of
    for change in history:
        if change.undo_of is not None:
            assert (change.by_user, change.reason) == (PHYSIO, "Wrong patient")


def test_undo_restores_the_status_before_the_undone_change():
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    apply(history, "arrived", 0)
    apply(history, "completed", 50)
    assert undo_target(history) == (2, S.ARRIVED)
    undo = undo_last_change(history, by_user=PHYSIO, now=START + timedelta(hours=2))
    assert undo == StatusChange(S.ARRIVED, START + timedelta(hours=2), PHYSIO, undo_of=2)


@pytest.mark.parametrize("steps", [[], ["arrived", "undo"]])
def test_the_booking_itself_cannot_be_undone(steps):
    history = [booking_entry(by_user=RECEPTIONIST, now=BOOKED_AT)]
    for minute, step in enumerate(steps):
        apply(history, step, minute)
    assert undo_target(history) is None
    with pytest.raises(TransitionError) as caught:
        undo_last_change(history, by_user=PHYSIO, now=START)
    assert caught.value.problems[0].kind is K.NOTHING_TO_UNDO
    assert "cancel" in str(caught.value)


@pytest.mark.parametrize(
    "history",
    [
        [],
        [StatusChange(S.ARRIVED, BOOKED_AT, RECEPTIONIST)],
        [
            StatusChange(S.BOOKED, BOOKED_AT, RECEPTIONIST),
            StatusChange(S.ARRIVED, START, RECEPTIONIST),
            StatusChange(S.BOOKED, START, RECEPTIONIST, undo_of=0),
        ],
        [
            StatusChange(S.BOOKED, BOOKED_AT, RECEPTIONIST),
            StatusChange(S.ARRIVED, START, RECEPTIONIST),
            StatusChange(S.COMPLETED, START, RECEPTIONIST, undo_of=1),
        ],
    ],
)
def test_a_broken_history_is_refused(history):
    with pytest.raises(ValueError):
        current_status(history)


def test_status_changes_need_aware_times():
    with pytest.raises(ValueError):
        StatusChange(S.BOOKED, datetime(2026, 3, 1, 11), RECEPTIONIST)


@pytest.mark.parametrize(
    ("flag", "short", "attention"),
    [
        (ImsFlag.NONE, "", False),
        (ImsFlag.ELIGIBLE, "✓ IMS", False),
        (ImsFlag.REVIEW_PENDING, "! Review", True),
        (ImsFlag.STALE_SCREENING, "Stale", True),
        (ImsFlag.NOT_ELIGIBLE, "✕ Not eligible", True),
        (ImsFlag.NOT_YET, "◷ Not yet", True),
        (ImsFlag.NO_SCREENING, "No screening", True),
    ],
)
def test_ims_flag_on_the_appointment_block(flag, short, attention):
    assert flag.short == short
    assert flag.needs_attention is attention
    assert flag.label


@pytest.mark.parametrize(
    ("screened_on", "on", "months", "stale"),
    [
        (date(2025, 3, 10), date(2026, 3, 9), 12, False),
        (date(2025, 3, 10), date(2026, 3, 10), 12, False),  # current through its anniversary
        (date(2025, 3, 10), date(2026, 3, 11), 12, True),
        (date(2024, 2, 29), date(2025, 2, 28), 12, False),  # leap day: anniversary is 28 February
        (date(2024, 2, 29), date(2025, 3, 1), 12, True),
        (date(2025, 8, 31), date(2026, 2, 28), 6, False),  # short month: end of February
        (date(2025, 8, 31), date(2026, 3, 1), 6, True),
        (date(2026, 3, 10), date(2026, 1, 1), 12, False),  # a screening dated after the day asked about
    ],
)
def test_screening_goes_stale_after_the_rescreen_interval(screened_on, on, months, stale):
    assert is_screening_stale(screened_on, on, months) is stale


def test_screening_valid_until_is_the_anniversary():
    assert screening_valid_until(date(2025, 3, 10)) == date(2026, 3, 10)
    with pytest.raises(ValueError):
        screening_valid_until(date(2025, 3, 10), 0)
