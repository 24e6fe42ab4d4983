"""The clinic's settings and the first-start defaults (loaded from `resources/`, never from code)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Text, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from frontdesk.db.models import AppointmentType, Setting, Therapist, WorkingHours
from frontdesk.domain.contact import ContactError, parse_phone
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import RuleTable
from frontdesk.resources import resource_path
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.unit_of_work import UnitOfWork

CLINIC_KEY = "clinic"
RULES_KEY = "screening_rules"
SEEDED_KEY = "seeded"


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    address: str
    phone: str
    time_zone: str
    rescreen_months: int
    late_cancel_hours: int
    idle_lock_minutes: int
    slot_minutes: int = 15
    day_start: str = "07:00"
    day_end: str = "20:00"
    backup_dir: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def day_start_time(self) -> time:
        return time.fromisoformat(self.day_start)

    @property
    def day_end_time(self) -> time:
        return time.fromisoformat(self.day_end)


def load_defaults() -> dict[str, Any]:
    with resource_path("clinic_defaults.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def load_default_screening_rules() -> dict[str, Any]:
    with resource_path("screening_rules.json").open(encoding="utf-8") as handle:
        return json.load(handle)


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
    if settings.slot_minutes not in (5, 10, 15, 20, 30, 60):
        errors["slot_minutes"] = "Choose 5, 10, 15, 20, 30 or 60 minutes."
    try:
        if time.fromisoformat(settings.day_start) >= time.fromisoformat(settings.day_end):
            errors["day_end"] = "The day must end after it starts."
    except ValueError:
        errors["day_start"] = "Use hours like 07:00."
    if errors:
        raise ValidationFailed(errors)
    return replace(settings, name=name, address=settings.address.strip(), phone=phone)


@lru_cache(maxsize=1)
def _default_clinic() -> dict[str, Any]:
    return dict(load_defaults()["clinic"])


# The stored JSON text of one setting, unparsed: on SQLite the settings are read as text and parsed
# once per distinct content (a day view reads them on every load; parsing was most of the read).
_STORED_TEXT = select(type_coerce(Setting.value, Text)).where(Setting.key == bindparam("key"))


def _stored_text(session: Session, key: str) -> str | None:
    """The stored JSON text of ``key`` ("null" when no row), or None where the text is not what the
    dialect stores (only SQLite keeps plain JSON text, so only it takes this path)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    stored = session.scalar(_STORED_TEXT, {"key": key})
    return "null" if stored is None else stored


def clinic_settings_in(session: Session) -> ClinicSettings:
    """The clinic's settings read inside the caller's session: what is stored over the defaults
    (one primary-key lookup)."""
    stored = _stored_text(session, CLINIC_KEY)
    if stored is not None:
        return _settings_from_text(stored)
    row = session.get(Setting, CLINIC_KEY)
    return _settings_from(dict(row.value) if row is not None else {})


@lru_cache(maxsize=8)
def _settings_from_text(stored: str) -> ClinicSettings:
    """The settings built once per stored content: a changed setting is a new key, so never stale."""
    value = json.loads(stored)
    return _settings_from(dict(value) if value is not None else {})


def _settings_from(value: dict[str, Any]) -> ClinicSettings:
    merged = {**_default_clinic(), **value}
    known = {field.name for field in fields(ClinicSettings)}
    return ClinicSettings(**{k: v for k, v in merged.items() if k in known})


def get_clinic_settings(ctx: ServiceContext) -> ClinicSettings:
    with UnitOfWork(ctx, None) as uow:
        return clinic_settings_in(uow.session)


def update_clinic_settings(ctx: ServiceContext, actor: Actor, settings: ClinicSettings) -> ClinicSettings:
    clean = validate_clinic_settings(settings)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "change the clinic's settings")
        row = uow.session.get(Setting, CLINIC_KEY)
        before = dict(row.value) if row is not None else {}
        value = asdict(clean)
        if row is None:
            uow.session.add(Setting(key=CLINIC_KEY, value=value, updated_at=ctx.now(), updated_by=actor.user_id))
        else:
            row.value = value
            row.updated_at = ctx.now()
            row.updated_by = actor.user_id
        changed = {k: [before.get(k), v] for k, v in value.items() if before.get(k) != v}
        uow.audit("update", "clinic_settings", None, changed=changed)
        uow.commit()
    ctx.zone = clean.zone
    return clean


def _stored_rules(session: Session) -> dict[str, Any]:
    row = session.get(Setting, RULES_KEY)
    return dict(row.value) if row is not None else load_default_screening_rules()


def screening_rules_in(session: Session) -> RuleTable:
    """The clinic's IMS rule table read inside the caller's session (the default file if none is stored)."""
    stored = _stored_text(session, RULES_KEY)
    if stored is not None and stored != "null":
        return _parsed_rules(stored)
    return _parsed_rules(json.dumps(_stored_rules(session), sort_keys=True))


@lru_cache(maxsize=8)
def _parsed_rules(stored: str) -> RuleTable:
    """The table parsed once per stored content: a changed setting is a new key, so never stale."""
    return RuleTable.from_mapping(json.loads(stored))


def get_screening_rules(ctx: ServiceContext) -> dict[str, Any]:
    with UnitOfWork(ctx, None) as uow:
        return _stored_rules(uow.session)


def is_seeded_in(session: Session) -> bool:
    """True once the defaults are in the database (one primary-key lookup)."""
    return session.get(Setting, SEEDED_KEY) is not None


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
