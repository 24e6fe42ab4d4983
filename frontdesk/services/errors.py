"""What a service can refuse, each with a message written for the person at the counter."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A refusal or fault the UI shows as it is: `message` is plain language, never a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(ServiceError):
    """Input that cannot be saved; `errors` maps a field name to the message shown beside it."""

    def __init__(self, errors: Mapping[str, str], message: str | None = None) -> None:
        self.errors = dict(errors)
        super().__init__(message or "Please correct the highlighted fields: " + ", ".join(self.errors))


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    """The change clashes with what is already saved (a double booking, someone else's edit)."""

    def __init__(self, message: str, *, current: object | None = None) -> None:
        super().__init__(message)
        self.current = current


def changed_meanwhile(what: str, *, current: object | None = None) -> Conflict:
    """The refusal of a save made on a stale copy: `what` is the record as the person knows it."""
    return Conflict(f"{what} changed by someone else meanwhile — reload to see the change, then make "
                    "yours again. Nothing was saved.", current=current)


class PermissionDenied(ServiceError):
    pass


class DatabaseBusy(ServiceError):
    pass


class StorageFull(ServiceError):
    pass


class DatabaseUnavailable(ServiceError):
    pass


class DatabaseDamaged(ServiceError):
    pass


class AccountSwitchedOff(PermissionDenied):
    """The acting account was switched off (or removed) since its person signed in."""


class RoleChanged(PermissionDenied):
    """The acting account's role was changed since its person signed in, and the new one may not do this."""
