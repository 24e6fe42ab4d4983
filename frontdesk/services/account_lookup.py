"""Accounts looked up in plain SQL (see `db.plain`), for the first screen and the command line: whether
anyone can sign in yet, the actor an account acts as, and the account of the computer's login.

Nothing here writes, except `workstation_actor` creating its account on first use (through
`services.user_accounts`, where accounts are created and changed; signing in is `services.signing_in`).
"""

from __future__ import annotations

import getpass
from typing import NamedTuple, Protocol

from frontdesk.db.plain import Projection, Reader
from frontdesk.domain.roles import Role
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.reading import ReadUnit

_ANYONE_WITH_A_PASSWORD = "SELECT 1 FROM users WHERE password_hash IS NOT NULL LIMIT 1"


class AccountFields(Protocol):
    """What an actor is made of: a `db.models.User`, or an `AccountRow` read in plain SQL."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def therapist_id(self) -> int | None: ...


class AccountRow(NamedTuple):
    id: int
    username: str
    display_name: str
    role: str
    therapist_id: int | None


#: The one read of an account in plain SQL.
_ACCOUNTS = Projection(AccountRow, (("u", "users", None),), {name: f"u.{name}" for name in AccountRow._fields})


def account_actor(account: AccountFields) -> Actor:
    """The actor an account acts as, whichever way the account was read."""
    return Actor(user_id=account.id, username=account.username, display_name=account.display_name,
                 role=Role(account.role), therapist_id=account.therapist_id)


def needs_first_admin(ctx: ServiceContext) -> bool:
    """True until an account with a password exists: then no one could sign in yet."""
    with ReadUnit(ctx, None) as unit:
        return not unit.reader.rows(_ANYONE_WITH_A_PASSWORD)


def find_account_actor(reader: Reader, username: str) -> Actor | None:
    """The actor of the account named `username`, or None if there is none."""
    for row in reader.select(_ACCOUNTS, "WHERE u.username = :username", {"username": username}):
        return account_actor(row)
    return None


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
        found = find_account_actor(unit.reader, name)
    if found is not None:
        return found
    from frontdesk.services.user_accounts import create_workstation_account

    return create_workstation_account(ctx, name)
