"""Who may do what at the clinic."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RECEPTION = "reception"
    PHYSIOTHERAPIST = "physiotherapist"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"reception": "Reception", "physiotherapist": "Physiotherapist", "admin": "Administrator"}[self.value]


class Permission(StrEnum):
    VIEW_PATIENTS = "view_patients"
    EDIT_PATIENTS = "edit_patients"
    RECORD_SCREENING = "record_screening"
    REVIEW_SCREENING = "review_screening"
    BOOK = "book"
    PRINT = "print"
    MANAGE_THERAPISTS = "manage_therapists"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_USERS = "manage_users"
    BACKUP = "backup"
    VIEW_AUDIT = "view_audit"


_RECEPTION = frozenset(
    {
        Permission.VIEW_PATIENTS,
        Permission.EDIT_PATIENTS,
        Permission.RECORD_SCREENING,
        Permission.BOOK,
        Permission.PRINT,
    }
)
_PHYSIOTHERAPIST = _RECEPTION | {Permission.REVIEW_SCREENING}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTION: _RECEPTION,
    Role.PHYSIOTHERAPIST: _PHYSIOTHERAPIST,
    Role.ADMIN: frozenset(Permission),
}


def may(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
