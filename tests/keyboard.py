"""A person's keys: each one goes to whatever has the focus now, and each one is counted."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu


def press(qtbot, *keys) -> int:
    """Each key (a Qt key, or a (key, modifiers) pair) to whatever has the focus now (a menu popup when
    one is open), as a person's keyboard sends it; returns the count."""
    for key in keys:
        key, modifier = key if isinstance(key, tuple) else (key, Qt.NoModifier)
        target = QApplication.activePopupWidget() or QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        QTest.keyClick(target, key, modifier)
    return len(keys)


class Keys:
    """`keys.press("Alt+A", "Tab")` sends chords to `QApplication.focusWidget()`; `keys.type("kel")`
    types text as key events carrying it (any script). `count` is every chord and letter sent."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def _target(self):
        # An open menu takes the keys (it grabs the keyboard) while the focus stays where it was.
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu) and menu.isVisible():
            return menu
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert target is not None, "nothing has the keyboard focus"
        return target

    def press(self, *chords: str) -> None:
        for chord in chords:
            combination = QKeySequence(chord)[0]
            self.qtbot.keyClick(self._target(), combination.key(), combination.keyboardModifiers())
            self.count += 1

    def type(self, text: str) -> None:
        for character in text:
            target = self._target()
            for kind in (QEvent.KeyPress, QEvent.KeyRelease):
                QApplication.sendEvent(target, QKeyEvent(kind, Qt.Key_unknown if not character.isascii()
                                                         else QKeySequence(character.upper())[0].key(),
                                                         Qt.NoModifier, character))
            self.count += 1

    def press_until(self, chord: str, reached, limit: int = 15) -> int:
        """Press `chord` until `reached()` is true (at most `limit` times); how many presses it took."""
        for presses in range(limit + 1):
            if reached():
                return presses
            if presses < limit:
                self.press(chord)
        raise AssertionError(f"{chord} pressed {limit} times without getting there "
                             f"(focus on {QApplication.focusWidget()!r})")
