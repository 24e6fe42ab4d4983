"""The schedule grid's view: `ScheduleGridModel` (schedule_grid_model) shown as time rows by
column, its appointment blocks drawn by `CellDelegate` (schedule_grid_paint), with keyboard,
double-click and drag-and-drop moves."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QStandardItemModel,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from frontdesk.ui.schedule.schedule_grid_model import (  # noqa: F401 - the grid's names, as the tab and tests know them
    ANCHOR_ROLE,
    APPOINTMENT_ROLE,
    AWAY_ROLE,
    BOOKABLE_ROLE,
    COLUMN_ROLE,
    HIDDEN_ROLE,
    INTERVAL_ROLE,
    MIME_TYPE,
    ScheduleGridModel,
    block_text,
    block_tooltip,
    day_label,
)
from frontdesk.ui.schedule.schedule_grid_paint import (  # noqa: F401
    AWAY_FILL,
    AWAY_HATCH,
    AWAY_TEXT,
    FREE_FILL,
    OUT_OF_HOURS_FILL,
    CellDelegate,
    tint,
)


class ScheduleGridView(QTableView):
    """The grid: Enter or a double-click on a cell asks the tab to act on it (book or move).

    The visible grid is painted in one pass (`paintEvent`): each column's free, out-of-hours and
    away stretches as a few rectangles, the grid lines, then the appointment blocks on screen over
    the rows they span, handed together to the item delegate's `BlockPainter` (`CellDelegate`).
    Letting the table view paint cell by cell through the delegate asks Python for every cell's flags
    and picture, and measured about 7.5 ms more processor time for each day never shown before
    (README, Performance).
    """

    cell_activated = Signal(QModelIndex)

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__(parent)
        # A viewport made here is one Python already knows: asking Qt for the one it made itself sends
        # PySide through every QWidget subclass to name its type (and build their enums) at first paint.
        self.setViewport(QWidget())
        self.zone = zone
        self.cells = CellDelegate(self)
        self.setItemDelegate(self.cells)
        self._drop_target = QPersistentModelIndex()
        self._grid: tuple | None = None
        self._grid_pen_colour = QColor()
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setShowGrid(True)
        self.setGridStyle(Qt.PenStyle.DotLine)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(110)
        self.setObjectName("schedule_grid")
        self._labels: _HeaderLabels | None = None

    # --- Headers --------------------------------------------------------------------------------

    def setModel(self, model) -> None:  # noqa: N802 - Qt's name
        """The grid's model; its headers show the model's header labels through a copy of them
        (`_HeaderLabels`): a header asks its model for six roles of every section it paints, and
        each question to the Python model cost more than the painting."""
        super().setModel(model)
        if self._labels is not None:
            self._labels.detach()
            self._labels = None
        if isinstance(model, ScheduleGridModel):
            self._labels = _HeaderLabels(model, self)
            self._labels.attach(self)

    # --- Painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if not isinstance(model, ScheduleGridModel) or not model.cells or not model.columns:
            super().paintEvent(event)
            return
        painter = QPainter(self.viewport())
        try:
            self._paint_grid(painter, event.rect(), model)
        finally:
            painter.end()

    def _paint_grid(self, painter: QPainter, area: QRect, model: ScheduleGridModel) -> None:
        painter.fillRect(area, self.palette().base())
        rows, columns = len(model.cells), len(model.columns)
        first_row, last_row = self.rowAt(area.top()), self.rowAt(area.bottom())
        if first_row < 0 and area.top() >= self.rowViewportPosition(rows - 1) + self.rowHeight(rows - 1):
            return  # below the last row: only the background
        first_row, last_row = max(first_row, 0), rows - 1 if last_row < 0 else last_row
        rtl = self.isRightToLeft()  # columns then run from right to left, and each vertical grid line is on
        # its cell's left: the area's left edge is in the last column
        ends = (self.columnAt(area.left()), self.columnAt(area.right()))
        first_column, last_column = reversed(ends) if rtl else ends
        first_column = max(first_column, 0)
        last_column = columns - 1 if last_column < 0 else last_column
        if first_row > last_row or first_column > last_column:
            return
        grid = 1 if self.showGrid() else 0
        top = self.rowViewportPosition(first_row)
        height = self.rowHeight(first_row)  # every row is as high (the header is fixed)
        row_y = lambda row: top + (row - first_row) * height  # noqa: E731
        bottom = row_y(last_row + 1)
        shown = range(first_row, last_row + 1)
        placed = [(c, self.columnViewportPosition(c), self.columnWidth(c))
                  for c in range(first_column, last_column + 1)]

        def stretch(x: int, width: int, run: range) -> QRect | None:
            start, stop = max(run.start, first_row), min(run.stop, last_row + 1)
            return QRect(x, row_y(start), width, (stop - start) * height) if start < stop else None

        for column, x, width in placed:
            painter.fillRect(QRect(x, top, width, bottom - top), OUT_OF_HOURS_FILL)
            for run in model.working_runs(column):
                if (rect := stretch(x, width, run)) is not None:
                    painter.fillRect(rect, FREE_FILL)
            for run, _away in model.away_runs(column):
                if (rect := stretch(x, width, run)) is None:
                    continue
                painter.fillRect(rect, AWAY_FILL)
                painter.fillRect(rect, AWAY_HATCH)
                label = model.cell(run.start, column).text if run.start in shown else ""
                if label:
                    painter.setPen(AWAY_TEXT)
                    painter.drawText(QRect(x + (grid if rtl else 0) + 6, row_y(run.start), width - grid - 10,
                                           height - grid),
                                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        if grid:
            # As a table view draws it: the line's own pixels are the view's background between the dots.
            left = min(x for _column, x, _width in placed)
            right = max(x + width for _column, x, width in placed) - 1
            for pen in (QPen(self.palette().base().color(), 0), QPen(self._grid_colour(), 0, self.gridStyle())):
                painter.setPen(pen)
                for row in shown:
                    y = row_y(row + 1) - 1
                    painter.drawLine(left, y, right, y)
                for _column, x, width in placed:
                    line = x if rtl else x + width - 1
                    painter.drawLine(line, top, line, bottom - 1)
        where = {column: (x, width) for column, x, width in placed}
        blocks = self.cells.blocks
        blocks.begin(painter, self.font())
        shown = []
        for block in model.blocks():
            if block.column not in where or block.row > last_row or block.row + block.span <= first_row:
                continue
            x, width = where[block.column]
            rect = QRect(x + grid if rtl else x, row_y(block.row), width - grid, block.span * height - grid)
            colour, first, second, fill = model.block_look(block)
            shown.append((rect, block.record, colour, first, second, fill, block.live))
        blocks.paint_all(painter, shown)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._paint_marks(painter)

    def _grid_colour(self) -> QColor:
        """The colour the style gives a table's grid lines (as QTableView asks for it)."""
        style = self.style()
        key = (id(style), self.palette().cacheKey())
        if self._grid != key:
            from PySide6.QtWidgets import QStyle, QStyleOption

            option = QStyleOption()
            option.initFrom(self)
            hint = style.styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self)
            self._grid = key
            self._grid_pen_colour = QColor.fromRgba(hint & 0xFFFFFFFF)
        return self._grid_pen_colour

    def _paint_marks(self, painter: QPainter) -> None:
        """The selected cell's frame, and the cell a dragged appointment would be dropped on."""
        painter.setBrush(Qt.BrushStyle.NoBrush)
        highlight = self.palette().highlight().color()
        selection = self.selectionModel()
        for index in selection.selectedIndexes() if selection is not None else ():
            painter.setPen(QPen(highlight, 2))
            painter.drawRect(self.visualRect(index).adjusted(1, 1, -1, -1))
        if self._drop_target.isValid():
            painter.setPen(QPen(highlight, 2, Qt.PenStyle.DashLine))
            painter.drawRect(self.visualRect(QModelIndex(self._drop_target)).adjusted(1, 1, -1, -1))

    # --- Dragging -------------------------------------------------------------------------------

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        target = self.indexAt(event.position().toPoint())
        self._drop_target = QPersistentModelIndex(target) if event.isAccepted() and target.isValid() \
            else QPersistentModelIndex()
        self.viewport().update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        super().dragLeaveEvent(event)
        self._drop_target = QPersistentModelIndex()
        self.viewport().update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_target = QPersistentModelIndex()
        super().dropEvent(event)
        self.viewport().update()

    def apply_spans(self) -> None:
        self.clearSpans()
        model = self.model()
        if isinstance(model, ScheduleGridModel):
            for row, column, rows in model.spans():
                self.setSpan(row, column, rows, 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.cell_activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.setCurrentIndex(index)
            self.cell_activated.emit(index)
            return
        super().mouseDoubleClickEvent(event)


class _HeaderLabels(QStandardItemModel):
    """The grid model's header labels and tooltips, kept in a Qt model for the headers to paint from.

    It has the grid's rows and columns (without items) and follows the grid model's resets and
    header changes; the grid's selection is copied into it, so a header still shows the sections of
    the selected cell in bold, as it does when it reads the grid model itself."""

    def __init__(self, grid: ScheduleGridModel, parent) -> None:
        super().__init__(parent)
        self.grid = grid
        self._links: list[tuple] = []
        self.follow()
        for signal in (grid.modelReset, grid.headerDataChanged, grid.rowsInserted, grid.rowsRemoved,
                       grid.columnsInserted, grid.columnsRemoved):
            self._link(signal, self.follow)

    def _link(self, signal, slot) -> None:
        signal.connect(slot)
        self._links.append((signal, slot))

    def attach(self, view: QTableView) -> None:
        """Shows these labels in `view`'s headers, and follows its selection."""
        selected = QItemSelectionModel(self, self)
        for header in (view.horizontalHeader(), view.verticalHeader()):
            header.setModel(self)
            header.setSelectionModel(selected)
        source = view.selectionModel()

        def copy(*_changed) -> None:
            mirrored = QItemSelection()
            for part in source.selection():
                mirrored.select(self.index(part.top(), part.left()), self.index(part.bottom(), part.right()))
            selected.select(mirrored, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            current = source.currentIndex()
            selected.setCurrentIndex(self.index(current.row(), current.column()) if current.isValid()
                                     else QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)

        self._link(source.selectionChanged, copy)
        self._link(source.currentChanged, copy)
        self._link(self.grid.modelReset, copy)
        copy()

    def detach(self) -> None:
        """Stops following the grid model and the view's selection (the view shows another model)."""
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []
        self.setParent(None)

    def follow(self, *_changed) -> None:
        """The grid model's number of rows and columns, and its labels and tooltips."""
        grid = self.grid
        rows, columns = grid.rowCount(), grid.columnCount()
        if self.rowCount() != rows:
            self.setRowCount(rows)
        if self.columnCount() != columns:
            self.setColumnCount(columns)
        for orientation, count in ((Qt.Orientation.Horizontal, columns), (Qt.Orientation.Vertical, rows)):
            for section in range(count):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = grid.headerData(section, orientation, role)
                    if self.headerData(section, orientation, role) != value:
                        self.setHeaderData(section, orientation, value, role)
