"""What a person meets on a screen, checked widget by widget: Alt+letter mnemonics that clash, labels
that show a literal '&', text cut off by its widget, tables that keep Tab, and toolbar actions hidden
behind the overflow button ("»").

Each function takes a shown window (main window, dialog or menu) and returns a list of plain
sentences, one per problem, so a failing test says where to look.
"""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QRadioButton,
    QTabBar,
    QToolBar,
    QToolButton,
    QWidget,
)

_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def mnemonic(text: str) -> str | None:
    """The Alt+letter a text registers ('&Save' -> 's'), None without one ('&&' is a literal '&')."""
    found = re.search(r"&([^&\s])", text.replace("&&", ""))
    return found.group(1).casefold() if found else None


def _where(widget: QWidget, text: str) -> str:
    name = widget.objectName() or type(widget).__name__
    return f"{text!r} ({name})"


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisible() and widget.window() is window


def window_mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Every Alt+letter reachable in `window` as it is shown now: menu bar titles, tabs of visible tab
    bars, visible buttons and group boxes, and labels that have a buddy."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, where: str) -> None:
        letter = mnemonic(text)
        if letter:
            found[letter].append(where)

    for widget in window.findChildren(QWidget):
        if not _shown(widget, window):
            continue
        if isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible():
                    add(action.text(), f"menu {action.text()!r}")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    add(widget.tabText(index), f"tab {widget.tabText(index)!r}")
        elif isinstance(widget, QAbstractButton):
            add(widget.text(), _where(widget, widget.text()))
        elif isinstance(widget, QGroupBox):
            add(widget.title(), _where(widget, widget.title()))
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            add(widget.text(), _where(widget, widget.text()))
    return found


def mnemonic_clashes(window: QWidget) -> list[str]:
    return [f"Alt+{letter.upper()} is used by " + ", ".join(places)
            for letter, places in sorted(window_mnemonics(window).items()) if len(places) > 1]


def menu_clashes(menu: QMenu) -> list[str]:
    found: dict[str, list[str]] = defaultdict(list)
    for action in menu.actions():
        if action.isVisible() and not action.isSeparator():
            letter = mnemonic(action.text())
            if letter:
                found[letter].append(repr(action.text()))
    title = menu.title() or menu.objectName() or "menu"
    return [f"In {title!r}, {letter.upper()} is used by " + ", ".join(places)
            for letter, places in sorted(found.items()) if len(places) > 1]


def all_menus(window: QWidget) -> list[QMenu]:
    """The menus of the menu bar (with submenus) and of buttons that open a menu."""
    menus: list[QMenu] = []

    def walk(menu: QMenu | None) -> None:
        if menu is None or menu in menus:
            return
        menus.append(menu)
        for action in menu.actions():
            walk(action.menu())

    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            walk(action.menu())
    for button in window.findChildren(QToolButton) + window.findChildren(QAbstractButton):
        walk(getattr(button, "menu", lambda: None)())
    return menus


def literal_ampersands(window: QWidget) -> list[str]:
    """Labels (and the window's title) that would show an '&' meant as a mnemonic."""
    problems = []
    if re.search(r"&\w", _ENTITY.sub("", window.windowTitle().replace("&&", ""))):
        problems.append(f"window title {window.windowTitle()!r}")
    for label in window.findChildren(QLabel):
        if not _shown(label, window) or label.buddy() is not None:
            continue
        text = label.text()
        rich = label.textFormat() == Qt.RichText or (
            label.textFormat() == Qt.AutoText and QtGuiNamespace.mightBeRichText(text))
        if rich:
            text = _ENTITY.sub("", text)
        if re.search(r"&\w", text):
            problems.append(f"label {_where(label, label.text())} shows a literal '&'")
    return problems


# --- Clipped text --------------------------------------------------------------------------------


def _plain(text: str, mnemonic: bool = False) -> str:
    """The text as drawn: markup read, and a label's or button's mnemonic '&' dropped."""
    if mnemonic:
        text = re.sub(r"&(.)", r"\1", text)
    if QtGuiNamespace.mightBeRichText(text):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def _visible_rect_width(widget: QWidget) -> int:
    """How much of the widget's width is on screen inside its ancestors (a scroll area clips it)."""
    rect = widget.rect()
    mapped = widget.mapTo(widget.window(), rect.topLeft())
    left, right = mapped.x(), mapped.x() + rect.width()
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        origin = parent.mapTo(parent.window(), parent.rect().topLeft()).x()
        left, right = max(left, origin), min(right, origin + parent.width())
        parent = parent.parentWidget()
    return max(0, right - left)


def clipped_texts(root: QWidget) -> list[str]:
    """Visible labels, buttons and fields under `root` whose text does not fit the space shown."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        fm = widget.fontMetrics()
        shown_width = min(widget.width(), _visible_rect_width(widget))
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.pixmap().isNull():
            text = _plain(widget.text(), widget.buddy() is not None)
            if not text.strip() or "\n" in text:
                continue
            need = fm.horizontalAdvance(text) + 2 * widget.margin() + widget.indent() * 0
            room = widget.contentsRect().width() - (widget.width() - shown_width)
            if need > room + 1:
                problems.append(f"label {_where(widget, text)} needs {need}px, has {room}px")
        elif isinstance(widget, QAbstractButton) and widget.text() and not isinstance(widget.parentWidget(),
                                                                                        QLineEdit):
            # (a field's own icon button, such as the calendar's, shows no text)
            if isinstance(widget, QToolButton) and widget.parentWidget() is not None and \
                    isinstance(widget.parentWidget(), QToolBar):
                hint = widget.sizeHint().width()
            elif isinstance(widget, (QCheckBox, QRadioButton)):
                hint = widget.sizeHint().width()
            else:
                hint = widget.minimumSizeHint().width()
            if hint > shown_width + 1:
                problems.append(f"button {_where(widget, widget.text())} needs {hint}px, has {shown_width}px")
        elif isinstance(widget, QComboBox) and widget.currentText():
            need = fm.horizontalAdvance(widget.currentText())
            room = widget.width() - 30  # the arrow and the frame
            if widget.isEditable() and widget.lineEdit() is not None:
                room = widget.lineEdit().width() - 4
            room -= widget.width() - shown_width
            if need > room + 1:
                problems.append(f"field {_where(widget, widget.currentText())} needs {need}px, has {room}px")
        elif isinstance(widget, QLineEdit) and widget.text() and not isinstance(widget.parentWidget(),
                                                                              (QComboBox, QAbstractSpinBox)):
            need = fm.horizontalAdvance(widget.text())
            margins = widget.textMargins()
            room = widget.width() - 8 - margins.left() - margins.right() - (widget.width() - shown_width)
            for action in widget.actions():
                if action.isVisible():
                    room -= 22
            if need > room + 1:
                problems.append(f"field {_where(widget, widget.text())} needs {need}px, has {room}px")
        elif isinstance(widget, QAbstractSpinBox) and widget.text():
            need = fm.horizontalAdvance(widget.text())
            room = widget.width() - 30 - (widget.width() - shown_width)
            if need > room + 1:
                problems.append(f"field {_where(widget, widget.text())} needs {need}px, has {room}px")
    return problems


def clipped_cells(view: QAbstractItemView, columns: list[int], rows: int = 30) -> list[str]:
    """Cells of the given columns (in the first `rows` rows) whose text is wider than the column."""
    problems = []
    model = view.model()
    fm = view.fontMetrics()
    for column in columns:
        width = view.columnWidth(column) if hasattr(view, "columnWidth") else view.width()
        for row in range(min(rows, model.rowCount())):
            text = model.index(row, column).data()
            if not text:
                continue
            need = fm.horizontalAdvance(str(text)) + 8  # the cell's margins, as Qt's style draws them
            if need > width:
                header = model.headerData(column, Qt.Horizontal)
                problems.append(f"{header} cell {text!r} needs {need}px, column has {width}px")
                break
    return problems


def overflowing_actions(toolbar: QToolBar) -> list[str]:
    """Actions of `toolbar` that are not shown as a button of their own (moved behind "»")."""
    hidden = []
    for action in toolbar.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        widget = toolbar.widgetForAction(action)
        if widget is None or not widget.isVisible():
            hidden.append(action.iconText() or action.text())
    return hidden


def table_keeps_tab(view: QAbstractItemView) -> bool:
    """True when Tab moves between the cells of `view` instead of on to the next field."""
    return view.tabKeyNavigation()


def visible_top_menus() -> list[QMenu]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()]
