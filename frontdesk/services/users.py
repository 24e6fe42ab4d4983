"""The people who use Front Desk and the account a service acts for."""

from __future__ import annotations

import getpass

from sqlalchemy import select

from frontdesk.db.models import User
from frontdesk.domain.roles import Permission, Role
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.unit_of_work import UnitOfWork


def _actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        therapist_id=user.therapist_id,
    )


def workstation_actor(ctx: ServiceContext, username: str | None = None) -> Actor:
    """The account of the person logged in to this computer, created on first use.

    Until sign-in exists, the computer's login stands for the person: the first account of a new
    database is an administrator so the clinic can set itself up; later ones are reception.
    """
    name = (username or _login_name())[:64]
    with UnitOfWork(ctx, None, write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == name))
        if user is None:
            first = uow.session.scalar(select(User.id).limit(1)) is None
            user = User(
                username=name,
                display_name=name,
                role=(Role.ADMIN if first else Role.RECEPTION).value,
                active=True,
                created_at=ctx.now(),
            )
            uow.session.add(user)
            uow.session.flush()
            uow.actor = _actor(user)
            uow.audit("create", "user", user.id, role=user.role)
            uow.commit()
        return _actor(user)


def create_user(ctx: ServiceContext, actor: Actor | None, username: str, display_name: str,
                role: Role, therapist_id: int | None = None) -> Actor:
    """Add an account (the administrator's job once roles are enforced at sign-in)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        if actor is not None:
            uow.require(Permission.MANAGE_USERS, "add user accounts")
        user = User(
            username=username[:64],
            display_name=display_name[:200],
            role=Role(role).value,
            active=True,
            therapist_id=therapist_id,
            created_at=ctx.now(),
        )
        uow.session.add(user)
        uow.session.flush()
        uow.audit("create", "user", user.id, role=user.role)
        uow.commit()
        return _actor(user)


def _login_name() -> str:
    try:
        return getpass.getuser() or "frontdesk"
    except (OSError, KeyError):
        return "frontdesk"
