"""Changing the clinic's settings and IMS rule table (Settings ▸ Clinic), and writing the first-start
defaults (loaded from `resources/`, never from code). Reading them, inside a session or not, is
`services.clinic_settings`, which every screen uses."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.models import AppointmentType, Setting, Therapist, WorkingHours
from frontdesk.domain.contact import ContactError, parse_phone
from frontdesk.domain.ims_interval import MAX_IMS_INTERVAL_DAYS, MIN_IMS_INTERVAL_DAYS
from frontdesk.domain.roles import Permission
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import (
    CLINIC_KEY,
    RULES_KEY,
    SEEDED_KEY,
    ClinicSettings,
    is_seeded_in,
    load_default_screening_rules,
    load_defaults,
    settings_from,
)
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ValidationFailed, changed_meanwhile
from frontdesk.services.unit_of_work import UnitOfWork

def validate_clinic_settings(settings: ClinicSettings) -> ClinicSettings:
    """The settings cleaned up (phone in E.164), or `ValidationFailed` naming every bad field."""
    errors: dict[str, str] = {}
    name = settings.name.strip()
    if not name:
        errors["name"] = "The clinic needs a name; it is printed on every form."
    elif len(name) > 200:
        errors["name"] = "Keep the clinic name under 200 characters."
    if len(settings.address) > 1000:
        errors["address"] = "Keep the address under 1,000 characters."
    phone = settings.phone
    try:
        phone = parse_phone(settings.phone).e164
    except ContactError as error:
        errors["phone"] = str(error)
    try:
        ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = "Choose a time zone from the list (for example America/Vancouver)."
    if not 1 <= settings.rescreen_months <= 60:
        errors["rescreen_months"] = "The re-screen interval must be between 1 and 60 months."
    if not 0 <= settings.late_cancel_hours <= 168:
        errors["late_cancel_hours"] = "The late-cancellation notice must be between 0 and 168 hours."
    if not 1 <= settings.idle_lock_minutes <= 240:
        errors["idle_lock_minutes"] = "The idle lock must be between 1 and 240 minutes."
    if not MIN_IMS_INTERVAL_DAYS <= settings.ims_interval_days <= MAX_IMS_INTERVAL_DAYS:
        errors["ims_interval_days"] = (f"Keep IMS treatments between {MIN_IMS_INTERVAL_DAYS} and "
                                       f"{MAX_IMS_INTERVAL_DAYS} days apart.")
    email = " ".join(settings.email.split())
    if email and (len(email) > 320 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        errors["email"] = "Type the clinic's email like frontdesk@example.ca, or leave it empty."
    website = " ".join(settings.website.split())
    if website and (len(website) > 200 or " " in website or "." not in website):
        errors["website"] = "Type the clinic's website like www.example.ca, or leave it empty."
    if settings.slot_minutes not in (5, 10, 15, 20, 30, 60):
        errors["slot_minutes"] = "Choose 5, 10, 15, 20, 30 or 60 minutes."
    try:
        if time.fromisoformat(settings.day_start) >= time.fromisoformat(settings.day_end):
            errors["day_end"] = "The day must end after it starts."
    except ValueError:
        errors["day_start"] = "Use hours like 07:00."
    if errors:
        raise ValidationFailed(errors)
    return replace(settings, name=name, address=settings.address.strip(), phone=phone, email=email,
                   website=website)


@checked_inputs
def update_clinic_settings(ctx: ServiceContext, actor: Actor, settings: ClinicSettings) -> ClinicSettings:
    """Save the settings; `settings.version` is the version they were read at (`get_clinic_settings`,
    then `dataclasses.replace`): if someone else saved since, the save is refused (`Conflict`)."""
    clean = validate_clinic_settings(settings)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "change the clinic's settings")
        row = uow.session.get(Setting, CLINIC_KEY)
        before = dict(row.value) if row is not None else {}
        stored_version = int(before.get("version", 0) or 0)
        if clean.version != stored_version:
            raise changed_meanwhile("The clinic's settings were", current=settings_from(before))
        clean = replace(clean, version=stored_version + 1)
        value = asdict(clean)
        if row is None:
            uow.session.add(Setting(key=CLINIC_KEY, value=value, updated_at=ctx.now(), updated_by=actor.user_id))
        else:
            row.value = value
            row.updated_at = ctx.now()
            row.updated_by = actor.user_id
        changed = {k: [before.get(k), v] for k, v in value.items() if before.get(k) != v and k != "version"}
        uow.audit("update", "clinic_settings", None, changed=changed)
        uow.commit()
    ctx.zone = clean.zone
    return clean


def _stored_rules(session: Session) -> dict[str, Any]:
    row = session.get(Setting, RULES_KEY)
    return dict(row.value) if row is not None else load_default_screening_rules()


def get_screening_rules(ctx: ServiceContext) -> dict[str, Any]:
    with UnitOfWork(ctx, None) as uow:
        return _stored_rules(uow.session)


def seed_clinic(ctx: ServiceContext) -> bool:
    """Load the defaults into an empty database; a second start adds nothing. True if it seeded.

    Every start but the first ends at a read of one row: the write lock is taken (and the defaults
    read) only when the database has not been seeded yet.
    """
    with UnitOfWork(ctx, None) as uow:
        if is_seeded_in(uow.session):
            return False
    defaults = load_defaults()
    with UnitOfWork(ctx, None, write=True) as uow:
        session = uow.session
        if is_seeded_in(session):
            return False  # another computer seeded it in the meantime
        now = ctx.now()
        session.add(Setting(key=CLINIC_KEY, value=defaults["clinic"], updated_at=now))
        session.add(Setting(key=RULES_KEY, value=load_default_screening_rules(), updated_at=now))
        if not session.scalar(select(func.count()).select_from(Therapist)):
            hours = defaults["default_weekly_hours"]
            for order, spec in enumerate(defaults["therapists"]):
                therapist = Therapist(
                    full_name=spec["full_name"],
                    designation=spec["designation"],
                    registration_number=spec.get("registration_number"),
                    ims_qualified=spec["ims_qualified"],
                    ims_qualified_on=ctx.today() if spec["ims_qualified"] else None,
                    active=True,
                    colour=spec.get("colour", "#4a90d9"),
                    sort_order=order,
                )
                session.add(therapist)
                session.flush()
                for weekday, blocks in hours.items():
                    for start, end in blocks:
                        session.add(
                            WorkingHours(
                                therapist_id=therapist.id,
                                weekday=int(weekday),
                                start_time=time.fromisoformat(start),
                                end_time=time.fromisoformat(end),
                            )
                        )
        if not session.scalar(select(func.count()).select_from(AppointmentType)):
            for order, spec in enumerate(defaults["appointment_types"]):
                session.add(AppointmentType(sort_order=order, active=True, **spec))
        session.add(Setting(key=SEEDED_KEY, value={"at": now.isoformat()}, updated_at=now))
        uow.audit("seed", "clinic", None, therapists=len(defaults["therapists"]))
        uow.commit()
    return True
