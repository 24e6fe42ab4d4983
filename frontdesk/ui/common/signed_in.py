"""Who is signed in at this window: one object that every panel reads at the moment it acts.

The main window holds one `SignedIn`. When someone else unlocks the idle lock (an administrator
carrying on at a colleague's screen) the window sets the new person on it once, and every panel,
search box and action that was handed it acts as that person from then on: nothing keeps a copy.
`changed` tells panels that show or hide things by role to look again.

Panels keep their `actor` attribute through `CurrentActor`, so `self.actor` reads the signed-in
person now. Widgets built with a plain `Actor` (a dialog, a test of one panel) get a `SignedIn` of
their own that never changes.
"""

from __future__ import annotations

from typing import Any, overload

from PySide6.QtCore import QObject, Signal

from frontdesk.services.context import Actor


class SignedIn(QObject):
    """The signed-in person of one window. `changed` carries the new `Actor`."""

    changed = Signal(object)

    def __init__(self, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actor = actor

    @property
    def actor(self) -> Actor:
        return self._actor

    def set(self, actor: Actor) -> None:
        """Someone else is signed in now (an unlock by another person); nothing when it is the same."""
        if actor == self._actor:
            return
        self._actor = actor
        self.changed.emit(actor)


def signed_in(who: Actor | SignedIn) -> SignedIn:
    """`who` itself when it is a `SignedIn`, else one that holds this actor for good."""
    return who if isinstance(who, SignedIn) else SignedIn(who)


class CurrentActor:
    """A class attribute, ``actor = CurrentActor()``: ``self.actor`` is the signed-in person now.

    Setting it (``self.actor = actor`` in a constructor) keeps the `SignedIn` given, or makes one for
    a plain `Actor`, as ``self.signed_in`` (which the class declares: ``signed_in: SignedIn``). Hand
    ``self.signed_in`` (never ``self.actor``) to anything that lives as long as the panel, so it follows
    the window's person too.
    """

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> CurrentActor: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Actor: ...
    def __get__(self, instance: Any, owner: type | None = None) -> CurrentActor | Actor:
        if instance is None:
            return self
        return instance.signed_in.actor

    def __set__(self, instance: Any, value: Actor | SignedIn) -> None:
        instance.signed_in = signed_in(value)


def hand_over(roots: list[QObject], previous: Actor, actor: Actor) -> int:
    """Forms still open when someone else signed in (a booking dialog under the idle lock, say) act as
    the new person from now on: every `actor` (or `_actor`) attribute still holding `previous` is
    set to `actor`. Objects with a `CurrentActor` already follow `SignedIn`. Returns how many moved."""
    moved = 0
    seen: set[int] = set()
    for root in roots:
        for obj in (root, *root.findChildren(QObject)):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            for name in ("actor", "_actor"):
                if isinstance(getattr(type(obj), name, None), CurrentActor):
                    continue
                if getattr(obj, "__dict__", {}).get(name) == previous:
                    setattr(obj, name, actor)
                    moved += 1
    return moved
