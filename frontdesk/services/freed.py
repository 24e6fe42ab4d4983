"""Time that just came free: a cancellation, a no-show, a moved booking, new extra hours.

The services that free time tell the context's `FreedSlots` after their transaction commits; the
window listens (`subscribe`) and offers the slot to the waitlist. Plain Python, no Qt: a command-line
run has no listener and nothing happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FreedSlot:
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    #: "cancelled", "no_show", "moved" or "extra_hours"
    why: str


class FreedSlots:
    def __init__(self) -> None:
        self._listeners: list[Callable[[FreedSlot], None]] = []

    def subscribe(self, listener: Callable[[FreedSlot], None]) -> Callable[[], None]:
        """Call ``listener`` for each slot freed from now on; returns the way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, slot: FreedSlot) -> None:
        for listener in list(self._listeners):
            try:
                listener(slot)
            except Exception:
                logging.getLogger("frontdesk").exception("a freed-slot listener failed")
