"""The plain records of patients that the screens are built from (no SQLAlchemy: the Intake tab can
be the first screen before it has loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import PatientDetails, display_name
from frontdesk.services.errors import ServiceError


@dataclass(frozen=True)
class PatientSummary:
    """One line of a search result."""

    id: int
    name: str
    date_of_birth: date
    phone: str
    archived: bool = False


@dataclass(frozen=True)
class PatientRecord:
    id: int
    version: int
    details: PatientDetails
    archived: bool
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        return display_name(self.details.family_name, self.details.given_names, self.details.preferred_name)

    @property
    def legal_name(self) -> str:
        """The legal name(s) only, as printed on documents: 'Ødegård, Zoë', or the one name."""
        return display_name(self.details.family_name, self.details.given_names)

    @property
    def phone_display(self) -> str:
        return format_phone(self.details.phone)


class PossibleDuplicate(ServiceError):
    """A patient with the same name and birth date, or the same phone, is already registered."""

    def __init__(self, matches: list[PatientSummary]) -> None:
        names = "; ".join(f"{m.name} (born {m.date_of_birth:%Y-%m-%d})" for m in matches[:3])
        super().__init__(f"This may be a patient who is already registered: {names}. Open that record, "
                         "or confirm that this is a different person.")
        self.matches = matches
