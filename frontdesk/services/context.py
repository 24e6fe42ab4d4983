"""What every service call needs: the open database, a clock, and the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from frontdesk.db.engine import Database
from frontdesk.domain.roles import Permission, Role, may
from frontdesk.services.freed import FreedSlots


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: tests use it for 'today', DST days and staleness."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


@dataclass(frozen=True)
class Actor:
    """The signed-in person on whose behalf a service acts."""

    user_id: int
    username: str
    display_name: str
    role: Role
    therapist_id: int | None = None

    def may(self, permission: Permission) -> bool:
        return may(self.role, permission)


@dataclass
class ServiceContext:
    """The application's services share this: built once by `bootstrap.open_clinic`."""

    database: Database
    clock: Clock = field(default_factory=SystemClock)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Vancouver"))
    #: Told of each slot a cancellation, no-show, move or new extra hours frees (see `services.freed`).
    freed: FreedSlots = field(default_factory=FreedSlots, repr=False, compare=False)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)
