"""Email reminders: who gets one, when it is sent, what it says, and how a failed one is retried.

A reminder never holds a health detail. The subject, the body and the calendar entry call every visit a
"Physiotherapy appointment", whatever its type: an appointment type such as "IMS follow-up" tells
anyone who sees the message (a shared mailbox, a family computer, the mail provider) what the patient
is treated with. No area, screening verdict or note is ever given to the message either: the facts it
is built from (`ReminderFacts`) have no field for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from frontdesk.domain.when import format_clock, format_hours, format_weekday_date

#: What the message and its calendar entry call every appointment (see the module's note).
APPOINTMENT_WORDS = "Physiotherapy appointment"
DEFAULT_HOURS_BEFORE = 48
MIN_HOURS_BEFORE = 2
MAX_HOURS_BEFORE = 14 * 24
#: A reminder that cannot go out at least this long before the visit is not sent any more.
LAST_CALL = timedelta(hours=1)
#: Waits after the 1st, 2nd ... failed attempt; after the last one the reminder is given up.
RETRY_DELAYS = (
    timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=45), timedelta(hours=2), timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: A claim older than this belongs to a sender that stopped while sending.
STALE_CLAIM = timedelta(minutes=15)
DEFAULT_WHAT_TO_BRING = (
    "Comfortable clothes that let the physiotherapist reach the area being treated (shorts or a tank "
    "top), your BC Services Card, and your extended health plan or claim details if you have them."
)



class ReminderState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ReminderState.QUEUED: "Queued",
    ReminderState.SENDING: "Being sent",
    ReminderState.SENT: "Sent",
    ReminderState.FAILED: "Not sent",
    ReminderState.WITHDRAWN: "Withdrawn",
}


def due_at(starts_at: datetime, hours_before: int) -> datetime:
    """When the reminder of an appointment starting at ``starts_at`` goes out (an exact duration, so a
    48-hour reminder across a daylight-saving change is still 48 real hours ahead)."""
    return _utc(starts_at) - timedelta(hours=hours_before)


def _utc(moment: datetime) -> datetime:
    """Arithmetic on UTC instants: Python adds hours to the wall clock of an aware local time."""
    return moment.astimezone(UTC)


def why_no_reminder(*, enabled: bool, consented: bool, email: str, booked: bool, starts_at: datetime,
                    now: datetime) -> str | None:
    """Why this appointment gets no reminder, in a sentence; None when it should get one."""
    if not enabled:
        return "Email reminders are turned off for the clinic."
    if not booked:
        return "The appointment is no longer booked."
    if not consented:
        return "The patient has not agreed to email reminders."
    if not email.strip():
        return "The patient has no email address on file."
    if _utc(starts_at) - _utc(now) < LAST_CALL:
        return "The appointment is too close for a reminder."
    return None


def next_try(attempts: int, failed_at: datetime, starts_at: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None when it is time to give up (every
    attempt used, or the next one would come too close to the visit)."""
    if attempts < 1 or attempts >= MAX_ATTEMPTS:
        return None
    later = _utc(failed_at) + RETRY_DELAYS[attempts - 1]
    return later if later <= _utc(starts_at) - LAST_CALL else None


def is_permanent_refusal(code: int | None, *, at_recipient: bool) -> bool:
    """A 5xx answer to the recipient's address (no such mailbox) will not change by trying again;
    anything else (no connection, a time-out, a 4xx, a refusal of the message or of the sign-in, which
    the clinic can fix in its settings) is retried."""
    return at_recipient and code is not None and 500 <= code < 600


@dataclass(frozen=True)
class ReminderFacts:
    """Everything a reminder may say; nothing about the patient's health has a field here."""

    patient_first_name: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    therapist_name: str
    clinic_name: str
    clinic_phone: str
    clinic_address: str
    late_cancel_hours: int
    what_to_bring: str
    clinic_email: str = ""


@dataclass(frozen=True)
class ReminderText:
    subject: str
    body: str
    attachment_name: str


def local_start(facts: ReminderFacts) -> datetime:
    return facts.starts_at.astimezone(ZoneInfo(facts.time_zone))


def attachment_name(facts: ReminderFacts) -> str:
    return f"appointment-{local_start(facts):%Y-%m-%d}.ics"


def cancel_notice(facts: ReminderFacts) -> str:
    how = f"call us at {facts.clinic_phone}" if facts.clinic_phone else "call the clinic"
    if facts.late_cancel_hours <= 0:
        return f"If you cannot come, please {how} as soon as you can, so someone else can have the time."
    return (f"If you cannot come, please {how} at least {format_hours(facts.late_cancel_hours)} before your "
            "appointment. Cancelling later than that, or not coming, counts as a late cancellation and "
            "may be charged.")


def reminder_text(facts: ReminderFacts) -> ReminderText:
    """The subject and plain-text body, times on the clinic's clock with its zone's abbreviation."""
    start = local_start(facts)
    end = facts.ends_at.astimezone(ZoneInfo(facts.time_zone))
    day = format_weekday_date(start.date())
    when = f"{format_clock(start)} to {format_clock(end)} {start.tzname()}"
    subject = f"Reminder: your appointment at {facts.clinic_name} on {day} at {format_clock(start)}"
    greeting = f"Hello {facts.patient_first_name}," if facts.patient_first_name else "Hello,"
    lines = [
        greeting,
        "",
        f"This is a reminder of your {APPOINTMENT_WORDS.lower()} at {facts.clinic_name}.",
        "",
        f"  When:  {day}, {when}",
        f"  With:  {facts.therapist_name}",
        f"  Where: {facts.clinic_name}",
    ]
    lines += [f"         {line}" for line in facts.clinic_address.splitlines() if line.strip()]
    if facts.clinic_phone:
        lines.append(f"  Phone: {facts.clinic_phone}")
    if facts.what_to_bring.strip():
        lines += ["", "What to bring:", facts.what_to_bring.strip()]
    lines += [
        "",
        "Need to cancel or change the time?",
        cancel_notice(facts),
        "",
        "The attached calendar file adds the appointment to your calendar.",
        "",
        f"See you soon,\n{facts.clinic_name}",
        "",
        "You get these reminders because you asked for them. To stop them, tell the front desk at your "
        "next visit or call us.",
    ]
    return ReminderText(subject, "\n".join(lines) + "\n", attachment_name(facts))
