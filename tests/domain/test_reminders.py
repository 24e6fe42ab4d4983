"""Reminders: who gets one, when, the retry schedule, and the wording (never a health detail)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.reminders import (
    ReminderFacts,
    due_at,
    is_permanent_refusal,
    next_try,
    reminder_text,
    why_no_reminder,
)

VAN = ZoneInfo("America/Vancouver")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=VAN)
START = datetime(2026, 11, 27, 9, 0, tzinfo=VAN)


@pytest.mark.parametrize(("changes", "reason"), [
    ({}, None),
    ({"enabled": False}, "Email reminders are turned off for the clinic."),
    ({"booked": False}, "The appointment is no longer booked."),
    ({"consented": False}, "The patient has not agreed to email reminders."),
    ({"email": " "}, "The patient has no email address on file."),
    ({"starts_at": NOW + timedelta(minutes=59)}, "The appointment is too close for a reminder."),
    ({"starts_at": NOW + timedelta(hours=1)}, None),
])
def test_why_no_reminder(changes, reason):
    asked = dict(enabled=True, consented=True, email="a@example.com", booked=True, starts_at=START, now=NOW)
    assert why_no_reminder(**{**asked, **changes}) == reason


def test_due_at_is_real_hours_before_across_the_november_change():
    start = datetime(2026, 11, 2, 9, 0, tzinfo=VAN)  # Monday after the change, PST
    assert due_at(start, 48).astimezone(VAN) == datetime(2026, 10, 31, 10, 0, tzinfo=VAN)  # PDT
    wall = start.replace(tzinfo=None) - due_at(start, 48).astimezone(VAN).replace(tzinfo=None)
    assert wall == timedelta(hours=47), "on the wall clock: the clocks went back an hour in between"
    assert due_at(start, 48) == start.astimezone(UTC) - timedelta(hours=48)


@pytest.mark.parametrize(("attempts", "wait"), [
    (1, timedelta(minutes=5)), (2, timedelta(minutes=15)), (3, timedelta(minutes=45)), (4, timedelta(hours=2)),
    (5, timedelta(hours=6)), (6, None), (0, None),
])
def test_backoff(attempts, wait):
    far = NOW + timedelta(days=5)
    assert next_try(attempts, NOW, far) == (NOW + wait if wait else None)


def test_no_retry_within_the_last_hour_before_the_visit():
    start = NOW + timedelta(minutes=66)
    assert next_try(1, NOW, start) == NOW + timedelta(minutes=5)
    assert next_try(2, NOW, start) is None


@pytest.mark.parametrize(("code", "at_recipient", "permanent"), [
    (550, True, True), (553, True, True), (450, True, False), (550, False, False), (None, True, False),
])
def test_permanent_refusal(code, at_recipient, permanent):
    assert is_permanent_refusal(code, at_recipient=at_recipient) is permanent


def facts(**changes) -> ReminderFacts:
    base = dict(patient_first_name="Zoë", starts_at=datetime(2026, 3, 9, 16, 30, tzinfo=UTC),
                ends_at=datetime(2026, 3, 9, 17, 0, tzinfo=UTC), time_zone="America/Vancouver",
                therapist_name="Tracey McQuair", clinic_name="Penticton Physio", clinic_phone="(250) 493-1152",
                clinic_address="101 Main St\nPenticton BC", late_cancel_hours=24, what_to_bring="Shorts.")
    return ReminderFacts(**{**base, **changes})


def test_the_text_on_the_monday_after_the_march_change():
    text = reminder_text(facts())
    assert text.subject == "Reminder: your appointment at Penticton Physio on Monday, March 9, 2026 at 9:30 a.m."
    assert "Monday, March 9, 2026, 9:30 a.m. to 10:00 a.m. PDT" in text.body
    assert "Hello Zoë," in text.body and "With:  Tracey McQuair" in text.body
    assert "101 Main St" in text.body and "Penticton BC" in text.body
    assert "call us at (250) 493-1152 at least 1 day before" in text.body
    assert text.attachment_name == "appointment-2026-03-09.ics"


@pytest.mark.parametrize(("hours", "words"), [(0, "as soon as you can"), (24, "at least 1 day"),
                                              (48, "at least 2 days"), (12, "at least 12 hours")])
def test_the_cancel_notice_follows_the_clinic_setting(hours, words):
    assert words in reminder_text(facts(late_cancel_hours=hours)).body


def test_the_facts_have_no_place_for_a_health_detail():
    names = {f.name for f in fields(ReminderFacts)}
    assert not names & {"area", "areas", "type", "type_name", "notes", "verdict", "level", "screening", "is_ims"}
    assert "Physiotherapy appointment".lower() in reminder_text(facts()).body.lower()
