"""The clinic's settings and IMS rule table as every screen and service reads them, in plain SQL (see
`db.plain`): through a read of their own, or inside the caller's session (`*_in`).

Changing them, and writing the first-start defaults, is `services.clinic_settings_edit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from frontdesk.db.plain import Reader, SessionReader, first_value
from frontdesk.domain.ims_interval import DEFAULT_IMS_INTERVAL_DAYS
from frontdesk.domain.screening import RuleTable
from frontdesk.resources import resource_path
from frontdesk.services.context import ServiceContext
from frontdesk.services.reading import ReadUnit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    #: IMS treatments for one patient at least this many days apart (closer needs a reason).
    ims_interval_days: int = DEFAULT_IMS_INTERVAL_DAYS
    #: Counts saved changes: a save names the version it was made on (see `update_clinic_settings`).
    version: int = 0
    #: Printed on every letterhead beside the address and phone; empty when the clinic has none.
    email: str = ""
    website: str = ""

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
        defaults: dict[str, Any] = json.load(handle)
    return defaults


def load_default_screening_rules() -> dict[str, Any]:
    with resource_path("screening_rules.json").open(encoding="utf-8") as handle:
        rules: dict[str, Any] = json.load(handle)
    return rules


@lru_cache(maxsize=1)
def _default_clinic() -> dict[str, Any]:
    return dict(load_defaults()["clinic"])


@lru_cache(maxsize=1)
def _default_rules_text() -> str:
    return json.dumps(load_default_screening_rules(), sort_keys=True)


_SETTING_TEXT = "SELECT CAST(value AS TEXT) FROM settings WHERE key = :key"


def stored_setting_text(reader: Reader, key: str) -> str | None:
    """The stored JSON text of a setting; None when there is no row or it holds JSON null."""
    text = first_value(reader, _SETTING_TEXT, {"key": key})
    return None if text is None or text == "null" else text


def clinic_settings_from(reader: Reader) -> ClinicSettings:
    """What is stored over the defaults (one primary-key lookup)."""
    return _settings_from_text(stored_setting_text(reader, CLINIC_KEY) or "null")


def screening_rules_from(reader: Reader) -> RuleTable:
    """The clinic's IMS rule table (the default file's while none is stored)."""
    return _parsed_rules(stored_setting_text(reader, RULES_KEY) or _default_rules_text())


def is_seeded_from(reader: Reader) -> bool:
    """True once the defaults are in the database (one primary-key lookup)."""
    return bool(reader.rows("SELECT 1 FROM settings WHERE key = :key", {"key": SEEDED_KEY}))


@lru_cache(maxsize=8)
def _settings_from_text(stored: str) -> ClinicSettings:
    """The settings built once per stored content: a changed setting is a new key, so never stale."""
    value = json.loads(stored)
    return settings_from(dict(value) if value is not None else {})


def settings_from(value: dict[str, Any]) -> ClinicSettings:
    merged = {**_default_clinic(), **value}
    known = {field.name for field in fields(ClinicSettings)}
    return ClinicSettings(**{k: v for k, v in merged.items() if k in known})


@lru_cache(maxsize=8)
def _parsed_rules(stored: str) -> RuleTable:
    """The table parsed once per stored content: a changed setting is a new key, so never stale."""
    return RuleTable.from_mapping(json.loads(stored))


def get_clinic_settings(ctx: ServiceContext) -> ClinicSettings:
    """Every role reads the clinic's details (they are printed on every form), so no actor is needed."""
    with ReadUnit(ctx, None) as unit:
        return clinic_settings_from(unit.reader)


def screening_rules(ctx: ServiceContext) -> RuleTable:
    """The clinic's rule table, for the live verdict while a form is being filled in."""
    with ReadUnit(ctx, None) as unit:
        return screening_rules_from(unit.reader)


def clinic_settings_in(session: Session) -> ClinicSettings:
    """The clinic's settings read inside the caller's session (one primary-key lookup)."""
    return clinic_settings_from(SessionReader(session))


def screening_rules_in(session: Session) -> RuleTable:
    """The clinic's IMS rule table read inside the caller's session (the default file if none is stored)."""
    return screening_rules_from(SessionReader(session))


def is_seeded_in(session: Session) -> bool:
    """True once the defaults are in the database (one primary-key lookup)."""
    return is_seeded_from(SessionReader(session))
