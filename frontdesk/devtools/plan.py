"""What to generate (`ClinicPlan`, the benchmarks' large and tiny clinics) and what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from frontdesk.domain.screening import Level


@dataclass(frozen=True)
class ClinicPlan:
    """What to generate. The range is `days_back` days before today to `days_forward` days after it;
    `therapists` is the number of active therapists wanted (the clinic's own are kept, more are added
    with their weekly hours). `appointments=None` books `fill` of the therapists' slots (at most eight
    visits a patient). `weekend_cover` IMS-qualified therapists get one-off weekend morning hours;
    `guaranteed_levels` makes the latest screenings show every verdict (for the demo)."""

    days_back: int
    days_forward: int
    therapists: int
    patients: int
    screenings: int
    appointments: int | None = None
    fill: float = 0.7
    seed: int = 7
    reception_users: int = 6
    booking_events: bool = True
    weekend_cover: int = 0
    guaranteed_levels: bool = False

    def __post_init__(self) -> None:
        if self.days_back < 0 or self.days_forward < 0 or self.days_back + self.days_forward < 1:
            raise ValueError("the date range must hold at least one day")
        if self.patients < 1 or self.screenings < 0 or (self.appointments or 0) < 0:
            raise ValueError("patients must be at least 1; screenings and appointments not negative")


LARGE_CLINIC = ClinicPlan(days_back=3652 - 90, days_forward=90, therapists=20, patients=100_000,
                          screenings=150_000, appointments=1_000_000)
"""Issue 7's large clinic: ten years (the last 90 days of it still ahead), 20 therapists."""

TINY_CLINIC = ClinicPlan(days_back=60, days_forward=30, therapists=9, patients=400, screenings=520,
                         appointments=2_500)
"""A small clinic of the same shape, for smoke runs of the benchmarks."""


@dataclass(frozen=True)
class GeneratedClinic:
    """What was written, for the summary printed to the person."""

    first_day: date
    last_day: date
    therapists_added: int
    therapists: int
    users_added: int
    patients: int
    screenings: int
    reviews: int
    appointments: int
    events: int
    time_off: int
    slots: int
    statuses: dict[str, int]
    levels: dict[str, int]
    today_appointments: int
    seconds: float

    def lines(self) -> list[str]:
        levels = ", ".join(f"{count:,} {Level.from_key(key).label.lower()}" for key, count in self.levels.items())
        statuses = ", ".join(f"{count:,} {name.replace('_', '-')}" for name, count in self.statuses.items())
        return [
            f"Dates: {self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}",
            f"Therapists: {self.therapists} ({self.therapists_added} added), users added: {self.users_added}",
            f"Patients: {self.patients:,}",
            f"Screenings: {self.screenings:,} ({levels}); reviews recorded: {self.reviews:,}",
            f"Appointments: {self.appointments:,} of {self.slots:,} slots ({statuses}); "
            f"today: {self.today_appointments:,}",
            f"Booking history rows: {self.events:,}; time off entries: {self.time_off:,}",
            f"Written in {self.seconds:.1f} s",
        ]

