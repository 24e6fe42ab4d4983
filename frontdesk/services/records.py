"""The plain records the schedule screens, dialogs and documents are built from.

They hold values only (never ORM objects) and import nothing of SQLAlchemy, so the schedule's first
screen can show them before SQLAlchemy has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache

from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.areas import area_label
from frontdesk.domain.contact import format_phone
from frontdesk.domain.scheduling import Interval


@lru_cache(maxsize=4096)
def _display_phone(stored: str) -> str:
    """A stored number's display form; parsing one takes about a millisecond, and a day view lists hundreds."""
    return format_phone(stored)


@dataclass(frozen=True)
class AppointmentRecord:
    id: int
    version: int
    patient_id: int
    patient_name: str
    #: The phone as stored (E.164); `patient_phone` is its display form, worked out when first shown.
    stored_phone: str
    therapist_id: int
    therapist_name: str
    type_id: int
    type_name: str
    is_ims: bool
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    area: str
    notes: str
    series_id: str | None
    cancel_reason: str
    late_cancellation: bool
    ims_flag: ImsFlag

    @cached_property
    def patient_phone(self) -> str:
        return _display_phone(self.stored_phone)

    @cached_property
    def interval(self) -> Interval:
        return Interval(self.starts_at, self.ends_at)

    @property
    def is_live(self) -> bool:
        return self.status.is_live

    @property
    def area_label(self) -> str:
        return area_label(self.area)


@dataclass(frozen=True)
class BookingRequest:
    patient_id: int
    therapist_id: int
    type_id: int
    starts_at: datetime
    area: str = ""
    notes: str = ""
    #: Why an IMS treatment is booked closer to another one of the patient's than the clinic's
    #: interval (empty when it is not); kept with the appointment's history and in the audit.
    interval_reason: str = ""


@dataclass(frozen=True)
class TherapistInfo:
    id: int
    name: str
    designation: str
    registration_number: str
    ims_qualified: bool
    ims_qualified_on: date | None
    active: bool
    colour: str
    #: Counts changes of these details: a save names the version it was made on (see `update_therapist`).
    version: int = 1


@dataclass(frozen=True)
class AppointmentTypeInfo:
    id: int
    name: str
    duration_minutes: int
    is_ims: bool

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class AwayTime:
    """Time off as shown in the grid: the stretch, the reason, and the record's id."""

    id: int
    interval: Interval
    reason: str


@dataclass(frozen=True)
class ScheduleColumn:
    """One column of the day view (a therapist) or of the week view (a day)."""

    therapist: TherapistInfo
    day: date
    working: tuple[Interval, ...]
    away: tuple[AwayTime, ...]

    def is_bookable(self, interval: Interval) -> bool:
        return any(block.contains(interval) for block in self.working)

    def away_at(self, interval: Interval) -> AwayTime | None:
        return next((a for a in self.away if a.interval.overlaps(interval)), None)


@dataclass(frozen=True)
class DaySchedule:
    day: date
    rows: tuple[Interval, ...]
    columns: tuple[ScheduleColumn, ...]
    appointments: tuple[AppointmentRecord, ...]
    slot_minutes: int


@dataclass(frozen=True)
class WeekSchedule:
    therapist: TherapistInfo
    week_start: date
    row_times: tuple[time, ...]
    columns: tuple[ScheduleColumn, ...]
    appointments: tuple[AppointmentRecord, ...]
    slot_minutes: int


@dataclass(frozen=True)
class FreeSlot:
    therapist_id: int
    therapist_name: str
    interval: Interval

    @property
    def starts_at(self) -> datetime:
        return self.interval.start

    @property
    def ends_at(self) -> datetime:
        return self.interval.end


@dataclass(frozen=True)
class BookingCheck:
    """What the booking dialog shows before saving: every problem, and the first IMS date if any."""

    interval: Interval
    problems: tuple[str, ...]
    first_allowed: date | None = None
    ims_refused: bool = False
    #: The IMS interval's warning: booking is possible, with a reason (empty when not too close).
    too_close: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PlannedOccurrence:
    interval: Interval
    problems: tuple[str, ...]
    alternative: FreeSlot | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ScheduleExceptionRecord:
    id: int
    therapist_id: int
    kind: str
    interval: Interval
    reason: str
    affected: tuple[AppointmentRecord, ...] = ()


@dataclass(frozen=True)
class PatientBookings:
    """A patient's most recent and next live appointments (cancelled and no-show ones left out),
    for the booking dialogs: ``last`` newest first, ``upcoming`` soonest first."""

    patient_id: int
    last: tuple[AppointmentRecord, ...]
    upcoming: tuple[AppointmentRecord, ...]


@dataclass(frozen=True)
class Rebooking:
    """What "Book again" opens the booking dialog with.

    ``template`` is the patient's last visit (of the type asked for, if one was): their most recent
    appointment that was not cancelled or a no-show and has started by now, or failing that their
    next booked one. ``slot`` is the first slot with the same type, area and physiotherapist that
    obeys every booking rule (None when nothing is free in the search horizon); ``note`` says in a
    sentence what was proposed, or why not.
    """

    patient_id: int
    patient_name: str
    date_of_birth: date
    template: AppointmentRecord | None
    type_id: int | None
    therapist_id: int | None
    area: str
    slot: FreeSlot | None
    bookings: PatientBookings
    note: str
