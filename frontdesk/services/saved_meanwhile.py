"""Edits that meet: a record open in a form here was saved at another desk meanwhile.

The form asks for the record as it is saved now and who saved it (`patient_as_saved`, read without a
new "opened" entry in the trail: the person opened it already), then either shows theirs (Reload) or,
for Keep mine, lists what differs field by field (`differences`) before saving over it once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from frontdesk.domain.contact import ContactError, parse_phone
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.last_change import APPOINTMENT_CHANGES, PATIENT_CHANGES, LastChange, last_change_in
from frontdesk.services.intake_records import PatientRecord
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SavedPatient:
    """The patient's record as saved now, and its newest change (who, when)."""

    record: PatientRecord
    change: LastChange | None


@dataclass(frozen=True)
class Difference:
    """One field where what is saved (theirs) and what is typed here (mine) differ."""

    field: str
    theirs: object
    mine: object


def patient_as_saved(ctx: ServiceContext, actor: Actor, patient_id: int) -> SavedPatient:
    from frontdesk.db.models import Patient
    from frontdesk.services.patients import _record

    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see patient records")
        row = uow.session.get(Patient, patient_id)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        change = last_change_in(uow.session, "patient", row.id, row.id, PATIENT_CHANGES, row.updated_at,
                                row.updated_by)
        return SavedPatient(_record(row), change)


@dataclass(frozen=True)
class SavedAppointment:
    """The appointment as saved now, and its newest change (who, when)."""

    record: AppointmentRecord
    change: LastChange | None


def appointment_as_saved(ctx: ServiceContext, actor: Actor, appointment_id: int) -> SavedAppointment:
    from frontdesk.db.models import Appointment
    from frontdesk.services.appointments import _load_one

    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see appointments")
        row = uow.session.get(Appointment, appointment_id)
        record = _load_one(uow.session, appointment_id) if row is not None else None
        if row is None or record is None:
            raise NotFound("That appointment no longer exists.")
        change = last_change_in(uow.session, "appointment", row.id, row.patient_id, APPOINTMENT_CHANGES,
                                row.updated_at, row.updated_by)
        return SavedAppointment(record, change)


def differences(theirs: PatientDetails, mine: PatientDetails) -> list[Difference]:
    """The fields that differ, in the form's order."""
    return [Difference(f.name, getattr(theirs, f.name), getattr(mine, f.name)) for f in fields(PatientDetails)
            if _comparable(getattr(theirs, f.name), f.name) != _comparable(getattr(mine, f.name), f.name)]


def _comparable(value: object, name: str = "") -> object:
    # The form shows a phone formatted, the record keeps it as +1...; an empty field is "" or None.
    if value is None:
        return ""
    if name == "phone" and isinstance(value, str) and value.strip():
        try:
            return parse_phone(value).e164
        except ContactError:
            return value.strip()
    return value.strip() if isinstance(value, str) else value
