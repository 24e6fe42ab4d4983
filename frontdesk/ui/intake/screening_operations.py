"""The questionnaire's past operations: a small table of when and where, edited in place, with
its own checks (a date that reads, a region chosen) before the screening is judged."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.screening import Surgery
from frontdesk.domain.when import parse_typed_date
from frontdesk.ui.common.widgets import ERROR_COLOUR, ERROR_STYLE


@dataclass
class OperationRow:
    date_text: str = ""
    region: Region | None = None
    side: Side | None = None

    @property
    def is_blank(self) -> bool:
        return not self.date_text.strip() and self.region is None and self.side is None

    def problems(self) -> list[str]:
        found = []
        if parse_typed_date(self.date_text) is None:
            found.append("type the date as YYYY-MM-DD")
        if self.region is None:
            found.append("choose the area")
        elif self.region.is_paired and self.side not in (Side.left, Side.right):
            found.append("choose left or right")
        return found

    def surgery(self) -> Surgery | None:
        if self.problems():
            return None
        side = self.side if self.region.is_paired else None
        return Surgery(parse_typed_date(self.date_text), BodyArea(self.region, side))


class OperationsModel(QAbstractTableModel):
    """Past operations, edited in place: date, area, side."""

    HEADERS = ("Date (YYYY-MM-DD)", "Area", "Side")
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[OperationRow] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.rows[index.row()]
        if index.column() != 2 or row.region is None or row.region.is_paired:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.date_text
            if column == 1:
                return row.region.label if row.region else ""
            if row.region is not None and not row.region.is_paired:
                return "Midline"
            return row.side.label if row.side else ""
        if role == Qt.ItemDataRole.EditRole:
            if column == 0:
                return row.date_text
            value = row.region if column == 1 else row.side
            return value.value if value else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = row.problems()
            return ("To finish this row: " + ", ".join(problems) + ".") if problems else None
        if role == Qt.ItemDataRole.ForegroundRole and column == 0 and row.date_text \
                and parse_typed_date(row.date_text) is None:
            return QColor(ERROR_COLOUR)
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not 0 <= index.row() < len(self.rows):
            return False
        row, column = self.rows[index.row()], index.column()
        text = "" if value is None else str(value).strip()
        before = (row.date_text, row.region, row.side)
        if column == 0:
            parsed = parse_typed_date(text)
            row.date_text = parsed.isoformat() if parsed else text
        elif column == 1:
            row.region = Region(text) if text else None
            if row.region is not None and not row.region.is_paired:
                row.side = Side.midline
            elif row.side is Side.midline:
                row.side = None
        else:
            row.side = Side(text) if text else None
        if (row.date_text, row.region, row.side) == before:
            return True
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), 2))
        self.changed.emit()
        return True

    def add_row(self) -> int:
        position = len(self.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self.rows.append(OperationRow())
        self.endInsertRows()
        self.changed.emit()
        return position

    def remove_row(self, position: int) -> None:
        if 0 <= position < len(self.rows):
            self.beginRemoveRows(QModelIndex(), position, position)
            del self.rows[position]
            self.endRemoveRows()
            self.changed.emit()

    def clear(self) -> None:
        self.set_surgeries(())

    def set_surgeries(self, surgeries: tuple[Surgery, ...]) -> None:
        """One row per operation, as saved."""
        self.beginResetModel()
        self.rows = [OperationRow(s.date.isoformat(), s.area.region, s.area.side) for s in surgeries]
        self.endResetModel()
        self.changed.emit()

    def surgeries(self) -> tuple[Surgery, ...]:
        return tuple(s for row in self.rows if (s := row.surgery()) is not None)

    def problems(self) -> list[str]:
        return [f"Operation {number}: {', '.join(row.problems())}."
                for number, row in enumerate(self.rows, start=1) if not row.is_blank and row.problems()]


class _LeavesOnTab(QStyledItemDelegate):
    """Tab in a cell's editor keeps what was typed and goes on to the next field of the form, as Tab
    does everywhere else (the arrow keys move between cells); Shift+Tab goes back."""

    def eventFilter(self, editor, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            view = self.parent()
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
            if isinstance(view, QWidget):
                backwards = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                _leave(view, event.key() == Qt.Key.Key_Tab and not backwards)
            return True
        return super().eventFilter(editor, event)


def _leave(view: QWidget, forward: bool) -> None:
    """Move the focus from `view` to the next (or previous) widget that takes Tab focus."""
    target = view.nextInFocusChain() if forward else view.previousInFocusChain()
    while target is not None and target is not view:
        if target.isVisible() and target.isEnabled() and target.focusPolicy() & Qt.FocusPolicy.TabFocus \
                and not view.isAncestorOf(target):
            target.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
            return
        target = target.nextInFocusChain() if forward else target.previousInFocusChain()


class _ChoiceDelegate(_LeavesOnTab):
    """A combo box for the area and side columns."""

    def __init__(self, choices: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.addItem("", "")
        for label, value in self.choices:
            combo.addItem(label, value)
        return combo

    def setEditorData(self, editor: QComboBox, index) -> None:
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QComboBox, model, index) -> None:
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class OperationsEditor(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = OperationsModel(self)
        self.table = QTableView()
        self.table.setObjectName("operations")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(0, _LeavesOnTab(self.table))
        self.table.setItemDelegateForColumn(1, _ChoiceDelegate([(r.label, r.value) for r in Region], self.table))
        self.table.setItemDelegateForColumn(
            2, _ChoiceDelegate([(Side.left.label, Side.left.value), (Side.right.label, Side.right.value)],
                               self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setFixedHeight(110)
        self.add_button = QPushButton("Add operation")
        self.remove_button = QPushButton("Remove operation")
        self.add_button.clicked.connect(self.add_operation)
        self.remove_button.clicked.connect(self.remove_selected)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Operations (each one: date, area, side)"))
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)

    def add_operation(self) -> None:
        row = self.model.add_row()
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.table.edit(index)

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows() or [self.table.currentIndex()]
        for index in sorted((i.row() for i in rows if i.isValid()), reverse=True):
            self.model.remove_row(index)

    def set_problem(self, message: str | None) -> None:
        self.error_label.setText(f"⚠ {message}" if message else "")
        self.error_label.setVisible(bool(message))
