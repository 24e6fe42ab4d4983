"""The schedule grid's model: time rows by therapist (day) or by day (week), each appointment
anchored at the row it starts in and spanning the rows it covers, worked out once per load so the
view and its painting ask cheap questions (`cell`, `blocks`, `working_runs`, `away_runs`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from frontdesk.domain.appointments import LIVE_STATUSES, AppointmentStatus
from frontdesk.domain.scheduling import Interval, local_instant
from frontdesk.domain.when import format_short_date, format_time, format_time_range
from frontdesk.services.records import AppointmentRecord, AwayTime, DaySchedule, ScheduleColumn, WeekSchedule
from frontdesk.ui.schedule.schedule_grid_paint import (
    AWAY_FILL,
    CANCELLED_BRUSH,
    FREE_FILL,
    OUT_OF_HOURS_FILL,
    tint,
)

APPOINTMENT_ROLE = Qt.ItemDataRole.UserRole + 1
INTERVAL_ROLE = Qt.ItemDataRole.UserRole + 2
BOOKABLE_ROLE = Qt.ItemDataRole.UserRole + 3
AWAY_ROLE = Qt.ItemDataRole.UserRole + 4
COLUMN_ROLE = Qt.ItemDataRole.UserRole + 5
HIDDEN_ROLE = Qt.ItemDataRole.UserRole + 6
ANCHOR_ROLE = Qt.ItemDataRole.UserRole + 7
MIME_TYPE = "application/x-frontdesk-appointment"


def day_label(day: date) -> str:
    return format_short_date(day, year=False)


def block_text(record: AppointmentRecord, zone: ZoneInfo) -> str:
    """What an appointment block says, line by line: start and patient, then what matters most
    first (a status other than booked, the IMS flag) so it survives when the column is narrow."""
    return f"{block_heading(record, zone)}\n{block_detail(record)}"


def block_heading(record: AppointmentRecord, zone: ZoneInfo) -> str:
    """The first line of `block_text`: the start and the patient."""
    return f"{format_time(record.starts_at, zone)}  {record.patient_name}"


def block_detail(record: AppointmentRecord) -> str:
    """The second line of `block_text`: the status when not booked, the IMS flag, the type."""
    parts = []
    if record.status is not AppointmentStatus.BOOKED:
        late = record.status is AppointmentStatus.CANCELLED and record.late_cancellation
        parts.append("Cancelled late" if late else record.status.label)
    if record.ims_flag.short:
        parts.append(record.ims_flag.short)
    parts.append(record.type_name)
    return " · ".join(parts)


def block_tooltip(record: AppointmentRecord, zone: ZoneInfo) -> str:
    lines = [
        f"{record.patient_name}  {record.patient_phone}".strip(),
        f"{format_time_range(record.interval, zone)} with {record.therapist_name}",
        f"{record.type_name}: {record.status.label}",
    ]
    if record.area:
        lines.append(f"Area: {record.area_label}")
    if record.is_ims:
        lines.append(f"IMS: {record.ims_flag.label}")
    if record.cancel_reason:
        lines.append(f"Reason: {record.cancel_reason}")
    if record.notes:
        lines.append(f"Notes: {record.notes}")
    if record.series_id:
        lines.append("Part of a series")
    return "\n".join(lines)


class _Block(NamedTuple):
    """An appointment placed on the grid: anchored at (`row`, `column`), `span` rows high."""

    record: AppointmentRecord
    row: int
    column: int
    span: int
    live: bool


# Plain ints, compared in data() for every painted cell.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_HORIZONTAL = Qt.Orientation.Horizontal
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DRAGGABLE = Qt.ItemFlag.ItemIsDragEnabled
_DROPPABLE = Qt.ItemFlag.ItemIsDropEnabled
#: A cell's flags by code: 1 when it is bookable (a drop target), 2 when it holds a booked appointment.
_FLAG_SETS = (_CELL_FLAGS, _CELL_FLAGS | _DROPPABLE, _CELL_FLAGS | _DRAGGABLE, _CELL_FLAGS | _DROPPABLE | _DRAGGABLE)


@dataclass(frozen=True, slots=True)
class _Cell:
    """What one cell shows, worked out once per load (the view asks for it many times per paint)."""

    interval: Interval
    block: _Block | None
    anchor: bool
    bookable: bool
    away: AwayTime | None
    text: str
    background: QBrush
    flags: Qt.ItemFlag


def _runs(rows: list[int]) -> list[range]:
    """Ascending row numbers as runs of consecutive rows: [3, 4, 5, 9] -> [range(3, 6), range(9, 10)]."""
    runs: list[range] = []
    start = previous = None
    for row in rows:
        if previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            runs.append(range(start, previous + 1))
        start = previous = row
    if start is not None:
        runs.append(range(start, previous + 1))
    return runs


class ScheduleGridModel(QAbstractTableModel):
    """Rows are time slots, columns are therapists (day view) or days (week view).

    Each appointment is anchored at the row it starts in and reports how many rows it spans; the view
    merges those cells (`spans()`). A live appointment always wins its cells; a cancelled one whose
    time was booked again is listed under `HIDDEN_ROLE` of the live one's anchor.
    """

    #: appointment id, its version, the new start, the therapist id: emitted by a drop.
    move_requested = Signal(int, int, object, int)

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.columns: list[ScheduleColumn] = []
        self.cells: list[list[Interval]] = []
        self.row_labels: list[str] = []
        self.week = False
        self._blocks: dict[tuple[int, int], _Block] = {}
        self._covered: dict[tuple[int, int], _Block] = {}
        self._hidden: dict[tuple[int, int], list[AppointmentRecord]] = {}
        self._cell_cache: dict[tuple[int, int], _Cell] = {}
        self._tints: dict[str, QBrush] = {}
        self._flags: list[list[Qt.ItemFlag]] = []
        self._row_bounds: dict[int, tuple[list, list] | None] = {}
        self._working_runs: list[list[range]] = []
        self._away_runs: dict[int, list[tuple[range, AwayTime]]] = {}

    # --- Loading --------------------------------------------------------------------------------

    def set_day(self, schedule: DaySchedule) -> None:
        columns = list(schedule.columns)
        cells = [[row] * len(columns) for row in schedule.rows]
        by_therapist: dict[int, list[int]] = {}
        for c, column in enumerate(columns):
            by_therapist.setdefault(column.therapist.id, []).append(c)
        # every column has the same rows: their bounds are worked out once, not once per therapist
        shared = self._bounds([row.start for row in schedule.rows], [row.end for row in schedule.rows])
        self._load(False, columns, cells, [format_time(row.start, self.zone) for row in schedule.rows],
                   schedule.appointments, lambda record: by_therapist.get(record.therapist_id, ()),
                   dict.fromkeys(range(len(columns)), shared))

    def set_week(self, schedule: WeekSchedule) -> None:
        columns = list(schedule.columns)
        step = timedelta(minutes=schedule.slot_minutes)
        cells = []
        for wall in schedule.row_times:
            row = []
            for column in columns:
                start = local_instant(column.day, wall, self.zone)
                row.append(Interval(start, start + step))
            cells.append(row)
        by_day: dict[date, list[int]] = {}
        for c, column in enumerate(columns):
            by_day.setdefault(column.day, []).append(c)
        self._load(True, columns, cells, [format_time(t) for t in schedule.row_times],
                   schedule.appointments, lambda record: by_day.get(record.starts_at.astimezone(self.zone).date(), ()))

    def _load(self, week: bool, columns: list[ScheduleColumn], cells: list[list[Interval]], labels: list[str],
              appointments, columns_of, bounds: dict[int, tuple[list, list] | None] | None = None) -> None:
        """A new day or week. When only the contents change (the same number of rows and columns, as
        when going from one day to the next) the view is told so instead of being reset."""
        same_shape = len(cells) == len(self.cells) and len(columns) == len(self.columns) and bool(cells)
        headers_before = (self.row_labels, self._column_headers(self.columns, self.week))
        if not same_shape:
            self.beginResetModel()
        self.week = week
        self.columns = columns
        self.cells = cells
        self.row_labels = labels
        self._cell_cache = {}
        self._away_runs = {}
        bounds = {} if bounds is None else bounds
        self._row_bounds = bounds
        self._place(appointments, columns_of, bounds)
        self._flags = self._flag_table(bounds)
        if same_shape:
            # Headers that read the same are left alone: telling the view makes it measure every section.
            if headers_before[1] != self._column_headers(columns, week):
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(columns) - 1)
            if headers_before[0] != labels:
                self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, len(cells) - 1)
            self.dataChanged.emit(self.index(0, 0), self.index(len(cells) - 1, len(columns) - 1))
        else:
            self.endResetModel()

    @staticmethod
    def _column_headers(columns: list[ScheduleColumn], week: bool) -> list[tuple]:
        return [(week, column.day if week else None, column.therapist.name, column.therapist.designation,
                 column.therapist.ims_qualified) for column in columns]

    @staticmethod
    def _bounds(starts: list[datetime], ends: list[datetime]) -> tuple[list, list] | None:
        """A column's row starts and ends for binary searches; None when the rows are not in order."""
        ordered = all(a <= b for a, b in pairwise(starts)) and all(a <= b for a, b in pairwise(ends))
        return (starts, ends) if ordered else None

    def _column_bounds(self, column: int, bounds: dict[int, tuple[list, list] | None]) -> tuple[list, list] | None:
        if column not in bounds:
            bounds[column] = self._bounds([row[column].start for row in self.cells],
                                          [row[column].end for row in self.cells])
        return bounds[column]

    def _rows_of(self, column: int, start: datetime, end: datetime,
                 bounds: dict[int, tuple[list, list] | None]) -> range | list[int]:
        """The rows of ``column`` whose cells overlap ``[start, end)`` (a binary search on ordered rows)."""
        found = self._column_bounds(column, bounds)
        if found is None:
            return [r for r in range(len(self.cells))
                    if self.cells[r][column].start < end and start < self.cells[r][column].end]
        starts, ends = found
        return range(bisect_right(ends, start), bisect_left(starts, end))

    def _place(self, appointments, columns_of, bounds: dict[int, tuple[list, list] | None]) -> None:
        blocks: dict[tuple[int, int], _Block] = {}
        covered: dict[tuple[int, int], _Block] = {}
        hidden: dict[tuple[int, int], list[AppointmentRecord]] = {}
        # live ones first, so they claim their rows; cancelled ones fill what is left; each in order
        # of start (the services list them so already, which the sort finds at once)
        in_order = attrgetter("starts_at", "id")
        live = [r for r in appointments if r.status in LIVE_STATUSES]
        gone = [r for r in appointments if r.status not in LIVE_STATUSES]
        rows_of, column_bounds, covering = self._rows_of, self._column_bounds, covered.get
        for is_live, records in ((True, sorted(live, key=in_order)), (False, sorted(gone, key=in_order))):
            for record in records:
                start, end = record.starts_at, record.ends_at
                for column in columns_of(record):
                    found = bounds[column] if column in bounds else column_bounds(column, bounds)
                    rows = rows_of(column, start, end, bounds) if found is None \
                        else range(bisect_right(found[1], start), bisect_left(found[0], end))
                    if not rows:
                        continue
                    owner = None
                    for r in rows:
                        owner = covering((r, column))
                        if owner is not None:
                            break
                    if owner is not None:
                        hidden.setdefault((owner.row, owner.column), []).append(record)
                        continue
                    first = rows[0]
                    block = _Block(record, first, column, rows[-1] - first + 1, is_live)
                    blocks[(first, column)] = block
                    for r in rows:
                        covered[(r, column)] = block
        self._blocks, self._covered, self._hidden = blocks, covered, hidden

    def _flag_table(self, bounds: dict[int, tuple[list, list] | None]) -> list[list[Qt.ItemFlag]]:
        """Every cell's flags, row by row (the view asks for them whenever it looks at a cell), and each
        column's bookable rows as runs (the view paints a run at once)."""
        codes = [[0] * len(self.columns) for _ in self.cells]
        self._working_runs = []
        for column, info in enumerate(self.columns):
            found = self._column_bounds(column, bounds)
            if found is None:
                runs = _runs([r for r in range(len(self.cells)) if info.is_bookable(self.cells[r][column])])
            else:
                starts, ends = found
                # a cell is bookable when one working stretch holds it whole
                runs = [range(bisect_left(starts, block.start), bisect_right(ends, block.end))
                        for block in info.working]
                runs = [run for run in runs if run]
            self._working_runs.append(runs)
            for run in runs:
                for r in run:
                    codes[r][column] = 1
        for (row, column), block in self._covered.items():
            if block.record.status is AppointmentStatus.BOOKED:
                codes[row][column] |= 2
        return [[_FLAG_SETS[code] for code in row] for row in codes]

    def working_runs(self, column: int) -> list[range]:
        """The column's bookable rows, as runs of consecutive rows."""
        return self._working_runs[column]

    def away_runs(self, column: int) -> list[tuple[range, AwayTime]]:
        """The column's rows during time off, as runs, each with its time off."""
        runs = self._away_runs.get(column)
        if runs is None:
            runs = self._away_runs[column] = [
                (run, away) for away in self.columns[column].away
                for run in _runs(list(self._rows_of(column, away.interval.start, away.interval.end, self._row_bounds)))]
        return runs

    def blocks(self) -> list[_Block]:
        """Every appointment block shown, anchored at the row it starts in."""
        return list(self._blocks.values())

    def spans(self) -> list[tuple[int, int, int]]:
        """(row, column, rows) of every block that covers more than one row."""
        return [(b.row, b.column, b.span) for b in self._blocks.values() if b.span > 1]

    def cell(self, row: int, column: int) -> _Cell:
        """Everything a cell shows, computed on first use after each load."""
        key = (row, column)
        found = self._cell_cache.get(key)
        if found is not None:
            return found
        interval = self.cells[row][column]
        info = self.columns[column]
        block = self._covered.get(key)
        anchor = block is not None and block.row == row
        flags = self._flags[row][column]
        bookable = bool(flags & _DROPPABLE)
        away = info.away_at(interval) if info.away else None
        if block is not None:
            text = block_text(block.record, self.zone) if anchor else ""
            background = self._tint(info.therapist.colour) if block.live else CANCELLED_BRUSH
        else:
            text = ""
            if away is not None and (row == 0 or not self.cells[row - 1][column].overlaps(away.interval)):
                text = f"Away{': ' + away.reason if away.reason else ''}"
            background = AWAY_FILL if away is not None else FREE_FILL if bookable else OUT_OF_HOURS_FILL
        found = _Cell(interval, block, anchor, bookable, away, text, background, flags)
        self._cell_cache[key] = found
        return found

    def block_look(self, block: _Block) -> tuple[str, str, str, QBrush]:
        """What a block shows: its therapist's colour, its two lines (`block_text`) and its fill."""
        record = block.record
        colour = self.columns[block.column].therapist.colour
        return (colour, block_heading(record, self.zone), block_detail(record),
                self._tint(colour) if block.live else CANCELLED_BRUSH)

    def _tint(self, colour: str) -> QBrush:
        brush = self._tints.get(colour)
        if brush is None:
            brush = self._tints[colour] = QBrush(tint(colour))
        return brush

    # --- Queries for the tab --------------------------------------------------------------------

    def appointment_at(self, index: QModelIndex) -> AppointmentRecord | None:
        block = self._covered.get((index.row(), index.column())) if index.isValid() else None
        return block.record if block else None

    def anchor_index(self, appointment_id: int) -> QModelIndex:
        for (row, column), block in self._blocks.items():
            if block.record.id == appointment_id:
                return self.index(row, column)
        return QModelIndex()

    def index_at(self, therapist_id: int, start: datetime) -> QModelIndex:
        for column, info in enumerate(self.columns):
            if info.therapist.id != therapist_id:
                continue
            for row, cells in enumerate(self.cells):
                if cells[column].contains(start):
                    return self.index(row, column)
        return QModelIndex()

    def is_bookable(self, index: QModelIndex) -> bool:
        if not index.isValid():
            return False
        return self.cell(index.row(), index.column()).bookable

    def first_bookable(self) -> tuple[int, int] | None:
        """(row, column) of the earliest bookable cell, leftmost first; None when nobody works."""
        for row, intervals in enumerate(self.cells):
            for column, info in enumerate(self.columns):
                if info.is_bookable(intervals[column]):
                    return row, column
        return None

    def appointments(self) -> list[AppointmentRecord]:
        seen = [b.record for b in self._blocks.values()]
        seen += [r for hidden in self._hidden.values() for r in hidden]
        return sorted(seen, key=lambda r: (r.starts_at, r.id))

    # --- QAbstractTableModel --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.cells)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != _DISPLAY and role != _TOOLTIP:
            return None
        if orientation == _HORIZONTAL:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if self.week:
                return day_label(column.day)
            if role == _TOOLTIP:
                ims = "IMS-qualified" if column.therapist.ims_qualified else "Not IMS-qualified"
                return f"{column.therapist.name}, {column.therapist.designation} ({ims})"
            return column.therapist.name
        if not 0 <= section < len(self.row_labels):
            return None
        return self.row_labels[section]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        cell = self.cell(row, column)
        block = cell.block
        if role == _DISPLAY:
            return cell.text
        if role == _BACKGROUND:
            return cell.background
        if role == APPOINTMENT_ROLE:
            return block.record if block else None
        if role == ANCHOR_ROLE:
            return cell.anchor
        if role == COLUMN_ROLE:
            return self.columns[column]
        if role == AWAY_ROLE:
            return cell.away.reason if cell.away else None
        if role == INTERVAL_ROLE:
            return cell.interval
        if role == BOOKABLE_ROLE:
            return cell.bookable
        if role in (_TOOLTIP, _ACCESSIBLE):
            return self._tooltip(cell, self.columns[column])
        if role == HIDDEN_ROLE:
            return list(self._hidden.get((row, column), [])) if cell.anchor else []
        return None

    def _tooltip(self, cell: _Cell, info: ScheduleColumn) -> str:
        block = cell.block
        if block is not None:
            text = block_tooltip(block.record, self.zone)
            hidden = self._hidden.get((block.row, block.column), [])
            if hidden:
                text += f"\nAlso here, no longer booked: {len(hidden)}"
            return text
        where = f"{format_time_range(cell.interval, self.zone)} with {info.therapist.name}"
        if self.week:
            where += f" on {day_label(info.day)}"
        if cell.away is not None:
            return f"Away {where}" + (f": {cell.away.reason}" if cell.away.reason else "")
        if not cell.bookable:
            return f"Not working {where}"
        return f"Free {where}: press Enter to book"

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return self._flags[index.row()][index.column()]

    # --- Drag and drop --------------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes) -> QMimeData:
        data = QMimeData()
        for index in indexes:
            record = self.appointment_at(index)
            if record is not None:
                data.setData(MIME_TYPE, QByteArray(f"{record.id}:{record.version}".encode()))
                data.setText(record.patient_name)
                break
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        target = parent if parent.isValid() else self.index(row, column)
        return data.hasFormat(MIME_TYPE) and self.is_bookable(target)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        """Asks for the move (the tab calls the service); the grid itself changes on reload."""
        target = parent if parent.isValid() else self.index(row, column)
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            appointment_id, version = (int(x) for x in bytes(data.data(MIME_TYPE)).decode().split(":"))
        except ValueError:
            return False
        info = self.columns[target.column()]
        start = self.cells[target.row()][target.column()].start
        self.move_requested.emit(appointment_id, version, start, info.therapist.id)
        return False
