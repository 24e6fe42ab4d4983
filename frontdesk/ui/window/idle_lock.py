"""The idle lock: after the clinic's number of quiet minutes, every Front Desk window is covered.

Nothing is closed or rebuilt. The cover is a child widget laid over each open window, and the
window's own widgets are only disabled beneath it, so whatever was typed in a form is still there
when the same person, or an administrator, signs in again on the cover.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.ui.window.sign_in import SignInForm

log = logging.getLogger("frontdesk")

#: Events that show someone is at the keyboard or mouse.
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
})


def _contains(ancestor: QWidget, widget: QWidget) -> bool:
    """True when `widget` lies inside `ancestor`, across windows too (a dialog's parent chain)."""
    parent = widget.parentWidget()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parentWidget()
    return False


class LockCover(QWidget):
    """An opaque layer over one window that hides its content and holds its input."""

    def __init__(self, host: QWidget, form: SignInForm | None, keep: QWidget | None = None) -> None:
        super().__init__(host)
        self.setObjectName("lock_cover")
        self.setAutoFillBackground(True)
        self.form = form
        self._host = host
        #: A window inside `host` (the open dialog that carries the sign-in form) that must stay usable.
        self._keep = keep
        self._disabled: list[QWidget | QAction | QShortcut] = []
        self._old_size: QSize | None = None
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        if form is not None:
            box = QWidget()
            box.setMaximumWidth(420)
            inner = QVBoxLayout(box)
            inner.addWidget(form)
            layout.addWidget(box, alignment=Qt.AlignmentFlag.AlignHCenter)
        else:
            note = QLabel("Front Desk is locked. Sign in again on the window in front.")
            note.setWordWrap(True)
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(note)
        layout.addStretch(1)
        self._hold_input()
        if form is not None:
            wanted = form.sizeHint() + QSize(40, 40)
            if host.width() < wanted.width() or host.height() < wanted.height():
                self._old_size = host.size()
                host.resize(max(host.width(), wanted.width()), max(host.height(), wanted.height()))
        self.setGeometry(host.rect())
        host.installEventFilter(self)
        self.raise_()
        self.show()

    def _hold_input(self) -> None:
        """Disable what lies beneath (widgets, the window's own actions and shortcuts) and remember it."""
        self._hold_children(self._host)
        for action in self._host.actions():
            if action.isEnabled():
                action.setEnabled(False)
                self._disabled.append(action)
        for shortcut in self._host.findChildren(QShortcut, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if shortcut.isEnabled():
                shortcut.setEnabled(False)
                self._disabled.append(shortcut)

    def _hold_children(self, parent: QWidget) -> None:
        for child in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is self or child.isWindow() or not child.isEnabled():
                continue
            if self._keep is not None and _contains(child, self._keep):
                # Disabling it would disable the open dialog inside it (and the sign-in form on that
                # dialog's cover): hold what lies around the dialog instead.
                self._hold_children(child)
                continue
            child.setEnabled(False)
            self._disabled.append(child)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False

    def remove(self) -> None:
        self._host.removeEventFilter(self)
        for item in self._disabled:
            item.setEnabled(True)
        self._disabled.clear()
        if self._old_size is not None:
            self._host.resize(self._old_size)
        self.hide()
        self.deleteLater()


class IdleLock(QObject):
    """Covers the application's windows after `minutes` without keyboard or mouse input.

    `session_actor` answers who is signed in now (the window may switch to an administrator who
    unlocked it). `unlocked` carries the actor who signed in on the cover. The quiet time runs from
    construction; input restarts it once `watch_input` was called.
    """

    locked_changed = Signal(bool)
    unlocked = Signal(object)

    def __init__(self, window: QWidget, ctx: ServiceContext, session_actor: Callable[[], Actor],
                 minutes: int) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.session_actor = session_actor
        self.covers: list[LockCover] = []
        self._focus: QWidget | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("idle_lock_timer")
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self.set_minutes(minutes)
        self.watching = False

    def watch_input(self) -> None:
        """Restart the quiet time on every key press, click or mouse move anywhere in the application.

        The window calls this once its first screen is painted: an application-wide filter hands
        every event of every widget to Python, and while the first screen is built and painted that
        would also make PySide build Python types for Qt classes the screen never uses.
        """
        app = QApplication.instance()
        if app is not None and not self.watching:
            app.installEventFilter(self)
            self.watching = True

    @property
    def is_locked(self) -> bool:
        return bool(self.covers)

    @property
    def form(self) -> SignInForm | None:
        return next((cover.form for cover in self.covers if cover.form is not None), None)

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(max(1, int(minutes)) * 60_000)

    def set_interval_ms(self, milliseconds: int) -> None:
        """The quiet time before locking; tests use a few milliseconds."""
        self.timer.setInterval(milliseconds)
        if not self.is_locked:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.covers and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def lock(self) -> None:
        """Cover every open window now (File ▸ Lock, or the timer).

        The lock of a window that was closed does nothing: its timer must not cover the windows of
        whoever signed in after it.
        """
        if self.is_locked or not self.window.isVisible():
            return
        self.timer.stop()
        actor = self.session_actor()
        self._focus = QApplication.focusWidget()
        popup = QApplication.activePopupWidget()
        while popup is not None:
            popup.close()
            next_popup = QApplication.activePopupWidget()
            popup = None if next_popup is popup else next_popup
        host = QApplication.activeModalWidget() or self.window
        from frontdesk.ui.window.sign_in import SignInForm

        form = SignInForm(self._unlock, heading=f"Front Desk is locked. {actor.display_name} was signed in; "
                          "sign in again to carry on where you left off.", username=actor.username)
        form.signed_in.connect(self._unlocked)
        windows = [w for w in QApplication.topLevelWidgets()
                   if w.isVisible() and w is not host
                   and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)]
        self.covers = [LockCover(host, form)] + [LockCover(w, None, keep=host) for w in windows]
        form.focus_first_empty()
        from frontdesk.services.signing_in import lock_session

        try:
            lock_session(self.ctx, actor)
        except ServiceError as error:
            log.warning("Could not record the idle lock in the audit trail: %s", error.message)
        self.locked_changed.emit(True)

    def _unlock(self, username: str, password: str) -> Actor:
        from frontdesk.services.signing_in import unlock_session

        return unlock_session(self.ctx, self.session_actor(), username, password)

    def _unlocked(self, actor: Actor) -> None:
        covers, self.covers = self.covers, []
        for cover in covers:
            cover.remove()
        if self._focus is not None:
            try:
                self._focus.setFocus(Qt.FocusReason.OtherFocusReason)
            except RuntimeError:
                pass
        self._focus = None
        self.timer.start()
        self.unlocked.emit(actor)
        self.locked_changed.emit(False)
