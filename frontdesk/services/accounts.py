"""The accounts the first screen asks about, read in plain SQL (see `db.plain`): whether anyone can
sign in yet, and the account of the computer's login for the command line and the smoke test.

Creating and changing accounts, signing in and the idle lock are in `services.users`.
"""

from __future__ import annotations

import getpass

from frontdesk.db.plain import Reader
from frontdesk.domain.roles import Role
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.reading import ReadUnit

_ANYONE_WITH_A_PASSWORD = "SELECT 1 FROM users WHERE password_hash IS NOT NULL LIMIT 1"
_ACCOUNT = "SELECT id, username, display_name, role, therapist_id FROM users WHERE username = :username"


def needs_first_admin(ctx: ServiceContext) -> bool:
    """True until an account with a password exists: then no one could sign in yet."""
    with ReadUnit(ctx, None) as unit:
        return not unit.reader.rows(_ANYONE_WITH_A_PASSWORD)


def account_actor(reader: Reader, username: str) -> Actor | None:
    """The actor of the account named `username`, or None if there is none."""
    rows = reader.rows(_ACCOUNT, {"username": username})
    if not rows:
        return None
    user_id, name, display_name, role, therapist_id = rows[0]
    return Actor(user_id=user_id, username=name, display_name=display_name, role=Role(role),
                 therapist_id=therapist_id)


def login_name() -> str:
    try:
        return getpass.getuser() or "frontdesk"
    except (OSError, KeyError):
        return "frontdesk"


def workstation_actor(ctx: ServiceContext, username: str | None = None) -> Actor:
    """The account for a command-line task, named after the computer's login, created on first use.

    Whoever can run the admin commands already holds the database file. The first account of a new
    database is an administrator, later ones reception. Such accounts have no password, so they
    cannot sign in to the window until an administrator gives them one.
    """
    name = (username or login_name())[:64]
    with ReadUnit(ctx, None) as unit:
        found = account_actor(unit.reader, name)
    if found is not None:
        return found
    from frontdesk.services.users import create_workstation_account

    return create_workstation_account(ctx, name)
