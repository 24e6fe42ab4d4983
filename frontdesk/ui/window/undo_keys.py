"""Ctrl+Z at the window: a field's own fresh typing first, otherwise the desk's last booking or
status change."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from shiboken6 import isValid


class PassUndoWhenNothingTyped(QObject):
    """Ctrl+Z undoes what was done last: the typing in the field that has the focus, if something was
    typed there since the focus came to it; otherwise the window's Undo (the desk's last booking or
    status change). So the key works wherever the focus has landed after a tab switch or a dialog,
    and a field still undoes its own fresh typing. With nothing for the desk to undo, the field's
    own undo stays.

    Watches only the focused field of the window (moved along with the focus), not every event.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.watched: QWidget | None = None
        self.typed = False
        QApplication.instance().focusChanged.connect(self._focus_moved)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self.watched is not None and isValid(self.watched):
            self.watched.removeEventFilter(self)
        self.watched = None
        self.typed = False
        if new is not None and isValid(self.window) and self.window.isAncestorOf(new) and _text_undo(new) is not None:
            new.installEventFilter(self)
            self.watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and ((event.text().isprintable() and event.text())
                                                 or event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)
                                                 or event.matches(QKeySequence.StandardKey.Paste)
                                                 or event.matches(QKeySequence.StandardKey.Cut)):
            self.typed = True
        elif event.type() == QEvent.Type.ShortcutOverride and event.matches(QKeySequence.StandardKey.Undo):
            available = _text_undo(watched)
            desk_has_one = getattr(self.window, "desk", None) is not None and self.window.desk.last is not None
            if available is not None and (not available() or (desk_has_one and not self.typed)):
                event.ignore()
                return True  # not the field's: the window's Undo takes the key
        return False


def _text_undo(widget: QObject):
    """For an editable text field, a callable telling whether it has typing to undo; else None."""
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

    if isinstance(widget, QAbstractSpinBox):
        widget = widget.findChild(QLineEdit)
    elif isinstance(widget, QComboBox):
        widget = widget.lineEdit()
    if isinstance(widget, QLineEdit) and not widget.isReadOnly():
        return widget.isUndoAvailable
    if isinstance(widget, (QPlainTextEdit, QTextEdit)) and not widget.isReadOnly():
        return widget.document().isUndoAvailable
    return None
