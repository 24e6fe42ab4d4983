"""A read-only table model over a list of rows, described column by column.

Each column says its header and how a row reads in it, and may add a tooltip and a text colour. What
belongs to the whole row (a tooltip or a colour every column shares, the value handed back under
`ROW_ROLE`) comes from the model's `row_*` methods, which a subclass overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
Colour = QColor | QBrush


@dataclass(frozen=True)
class Column(Generic[Row]):
    header: str
    text: Callable[[Row], str]
    #: The column's own tooltip; None (or a None answer) leaves it to the model's `row_tooltip`.
    tooltip: Callable[[Row], str | None] | None = None
    #: The column's own text colour; None (or a None answer) leaves it to the model's `row_foreground`.
    foreground: Callable[[Row], Colour | None] | None = None


class RowTableModel(QAbstractTableModel, Generic[Row]):
    """Rows in a flat table; a new list replaces the old one between a model reset."""

    #: The role under which `data()` hands back `row_value(row)`.
    ROW_ROLE: int = Qt.ItemDataRole.UserRole
    #: The roles that read a cell's text.
    TEXT_ROLES: tuple[int, ...] = (Qt.ItemDataRole.DisplayRole,)

    def __init__(self, columns: Sequence[Column[Row]], parent=None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Row] = []

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(self._rows)

    def set_rows(self, rows: Iterable[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_changed(self, row: int) -> None:
        """Tell the views that every cell of `row` may read differently now."""
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    # --- What a subclass may answer for the whole row ------------------------------------------

    def row_value(self, row: Row) -> Any:
        return row

    def row_tooltip(self, row: Row) -> str | None:
        return None

    def row_foreground(self, row: Row) -> Colour | None:
        return None

    # --- QAbstractTableModel ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role in self.TEXT_ROLES:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            own = column.tooltip(row) if column.tooltip is not None else None
            return own if own is not None else self.row_tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = column.foreground(row) if column.foreground is not None else None
            return colour if colour is not None else self.row_foreground(row)
        if role == self.ROW_ROLE:
            return self.row_value(row)
        return None
