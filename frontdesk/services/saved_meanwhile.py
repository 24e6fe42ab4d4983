"""Edits that meet: a record open in a form here was saved at another desk meanwhile.

The form asks for the record as it is saved now and who saved it (`patient_as_saved`, read without a
new "opened" entry in the trail: the person opened it already), then either shows theirs (Reload) or,
for Keep mine, lists what differs field by field (`differences`) before saving over it once.

The administrator's forms ask the same of their records (`therapist_as_saved`, `working_hours_as_saved`,
`appointment_type_as_saved`, `clinic_settings_as_saved`, `user_as_saved`, `waitlist_entry_as_saved`);
`changed_by` answers "who, when" for any record the trail names.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Generic, TypeVar

from frontdesk.domain.contact import ContactError, parse_phone
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import NotFound
from frontdesk.services.last_change import APPOINTMENT_CHANGES, PATIENT_CHANGES, LastChange, last_change_in
from frontdesk.services.intake_records import PatientRecord
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from frontdesk.domain.scheduling import WorkingBlock
    from frontdesk.services.clinic_settings import ClinicSettings
    from frontdesk.services.records import TherapistInfo
    from frontdesk.services.staff import AppointmentTypeRecord
    from frontdesk.services.user_accounts import UserSummary
    from frontdesk.services.waitlist import WaitlistRecord


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


def differences(theirs: object, mine: object, names: tuple[str, ...] | None = None) -> list[Difference]:
    """The fields of two records of one kind (dataclasses: `PatientDetails`, `ClinicSettings` ...)
    that differ, in the record's order; only `names`, when given (the fields the form shows)."""
    wanted = [f.name for f in fields(type(theirs))] if names is None else list(names)  # type: ignore[arg-type]
    return [Difference(name, getattr(theirs, name), getattr(mine, name)) for name in wanted
            if _comparable(getattr(theirs, name), name) != _comparable(getattr(mine, name), name)]


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


# --- The administrator's records and the waitlist ------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """A record as saved now, and its newest change (who, when; None when the trail has none)."""

    record: T
    change: LastChange | None


#: What the trail calls each record, the actions that change it, and who may ask.
_CHANGES: dict[str, tuple[tuple[str, ...], Permission]] = {
    "therapist": (("create", "update"), Permission.MANAGE_THERAPISTS),
    "working_hours": (("update",), Permission.MANAGE_THERAPISTS),
    "time_off": (("add", "cancel"), Permission.MANAGE_THERAPISTS),
    "extra_hours": (("add", "cancel"), Permission.MANAGE_THERAPISTS),
    "appointment_type": (("create", "update"), Permission.MANAGE_THERAPISTS),
    "clinic_settings": (("update",), Permission.MANAGE_SETTINGS),
    "user": (("create", "change_role", "link_therapist", "unlink_therapist", "deactivate", "reactivate",
              "reset_password"), Permission.MANAGE_USERS),
    "waitlist_entry": (("add", "update", "withdraw", "booked"), Permission.BOOK),
}


def changed_by(ctx: ServiceContext, actor: Actor, entity: str, record_id: int | None, *,
               patient_id: int | None = None, therapist_id: int | None = None) -> LastChange | None:
    """Who last changed the record the trail calls `entity` `record_id`, and when. For time off and
    extra hours (`record_id` None, `therapist_id` given): the newest entry added or cancelled for them."""
    from sqlalchemy import select

    from frontdesk.db.models import AuditEvent
    from frontdesk.services.user_accounts import display_names_in

    actions, permission = _CHANGES[entity]
    with UnitOfWork(ctx, actor) as uow:
        uow.require(permission, "see who changed it")
        if therapist_id is None:
            return last_change_in(uow.session, entity, record_id, patient_id, actions, None, None)  # type: ignore[arg-type]
        trail = AuditEvent.__table__.c
        rows = uow.session.execute(
            select(trail.at, trail.user_id, trail.username, trail.action, trail.detail)
            .where(trail.patient_id.is_(None), trail.entity == entity, trail.action.in_(actions))
            .order_by(trail.id.desc()).limit(50)).all()
        found = next((row for row in rows if (row.detail or {}).get("therapist_id") == therapist_id), None)
        if found is None:
            return None
        name = display_names_in(uow.session, {found.user_id}).get(found.user_id) if found.user_id else None
        return LastChange(at=found.at, user_id=found.user_id, name=name or found.username or "someone",
                          action=found.action)


def therapist_as_saved(ctx: ServiceContext, actor: Actor, therapist_id: int) -> Saved[TherapistInfo]:
    from frontdesk.services.staff import list_all_therapists

    found = next((t for t in list_all_therapists(ctx, actor) if t.id == therapist_id), None)
    if found is None:
        raise NotFound("That physiotherapist is not in the list.")
    return Saved(found, changed_by(ctx, actor, "therapist", therapist_id))


def working_hours_as_saved(ctx: ServiceContext, actor: Actor, therapist_id: int) -> Saved[list[WorkingBlock]]:
    from frontdesk.services.therapist_time import working_hours

    return Saved(working_hours(ctx, actor, therapist_id), changed_by(ctx, actor, "working_hours", therapist_id))


def appointment_type_as_saved(ctx: ServiceContext, actor: Actor, type_id: int) -> Saved[AppointmentTypeRecord]:
    from frontdesk.services.staff import list_all_appointment_types

    found = next((t for t in list_all_appointment_types(ctx, actor) if t.id == type_id), None)
    if found is None:
        raise NotFound("That kind of appointment is not in the list.")
    return Saved(found, changed_by(ctx, actor, "appointment_type", type_id))


def clinic_settings_as_saved(ctx: ServiceContext, actor: Actor) -> Saved[ClinicSettings]:
    from frontdesk.services.clinic_settings import get_clinic_settings

    return Saved(get_clinic_settings(ctx), changed_by(ctx, actor, "clinic_settings", None))


def user_as_saved(ctx: ServiceContext, actor: Actor, user_id: int) -> Saved[UserSummary]:
    from frontdesk.services.user_accounts import list_users

    found = next((u for u in list_users(ctx, actor) if u.id == user_id), None)
    if found is None:
        raise NotFound("That account is not in the list.")
    return Saved(found, changed_by(ctx, actor, "user", user_id))


def waitlist_entry_as_saved(ctx: ServiceContext, actor: Actor, entry_id: int) -> Saved[WaitlistRecord]:
    from frontdesk.services.waitlist import get_waitlist_entry

    record = get_waitlist_entry(ctx, actor, entry_id)
    return Saved(record, changed_by(ctx, actor, "waitlist_entry", entry_id, patient_id=record.patient_id))
