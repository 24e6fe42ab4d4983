"""Table models over appointment records: the big list (read page by page) and a day's list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.when import format_short_date, format_time_range, local_day
from frontdesk.services.errors import ServiceError
from frontdesk.services.records import AppointmentRecord

#: Reads the page after the given (start, id), or the first page for None.
PageLoader = Callable[[tuple[datetime, int] | None, int], list[AppointmentRecord]]

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 200

_GONE = QColor("#6b6b6b")
_ATTENTION = QColor("#fff3cd")
_STATUS_COLOURS = {
    AppointmentStatus.ARRIVED: QColor("#1b5e20"),
    AppointmentStatus.COMPLETED: QColor("#37474f"),
    AppointmentStatus.CANCELLED: QColor("#8d1c1c"),
    AppointmentStatus.NO_SHOW: QColor("#8d1c1c"),
}


class Column(StrEnum):
    DATE = "Date"
    TIME = "Time"
    PATIENT = "Patient"
    PHONE = "Phone"
    THERAPIST = "Physiotherapist"
    TYPE = "Type"
    STATUS = "Status"
    IMS = "IMS"


#: The phone is in the detail pane; the list keeps to what fits beside it.
LIST_COLUMNS = (Column.DATE, Column.TIME, Column.PATIENT, Column.THERAPIST, Column.TYPE, Column.STATUS,
                Column.IMS)
DAY_COLUMNS = (Column.TIME, Column.PATIENT, Column.TYPE, Column.STATUS, Column.IMS)


def short_date(value: datetime, zone: ZoneInfo, *, year: bool = True) -> str:
    """``Thu Nov 26, 2026`` (or ``Thu Nov 26``) in the clinic's zone, whatever the computer's language."""
    return format_short_date(local_day(value, zone), year=year)


def time_range(record: AppointmentRecord, zone: ZoneInfo) -> str:
    return format_time_range(record.interval, zone)


def status_text(record: AppointmentRecord) -> str:
    if record.status is AppointmentStatus.CANCELLED and record.late_cancellation:
        return "Cancelled (late)"
    return record.status.label


def ims_text(record: AppointmentRecord, short: bool = False) -> str:
    if record.ims_flag is ImsFlag.NONE:
        return ""
    return record.ims_flag.short if short else record.ims_flag.label


class AppointmentTableModel(QAbstractTableModel):
    """Appointment rows, either a fixed list (`set_records`) or read page by page from a loader.

    With a loader, the view asks for more rows as it scrolls (`canFetchMore`/`fetchMore`); each page
    continues after the last row held, so deep pages cost as little as the first.
    """

    #: A page could not be read; the text is for the person (the rows already shown stay).
    load_failed = Signal(str)

    def __init__(self, zone: ZoneInfo, columns: Sequence[Column] = LIST_COLUMNS,
                 page_size: int = PAGE_SIZE, *, short_ims: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.short_ims = short_ims
        self.zone = zone
        self.columns = tuple(columns)
        self.page_size = page_size
        #: Dates show their year (off when every row is in the same year, which is shown elsewhere).
        self.show_year = True
        self._records: list[AppointmentRecord] = []
        self._loader: PageLoader | None = None
        self._more = False

    # --- Filling ---------------------------------------------------------------------------------

    def set_records(self, records: Sequence[AppointmentRecord]) -> None:
        self.beginResetModel()
        self._loader = None
        self._more = False
        self._records = list(records)
        self.endResetModel()

    def set_loader(self, loader: PageLoader) -> None:
        """Start again from the first page of `loader` (read now, so the rows show at once)."""
        self.beginResetModel()
        self._loader = loader
        self._records = []
        self._more = True
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._more and self._loader is not None

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid() or not self.canFetchMore():
            return
        assert self._loader is not None
        after = (self._records[-1].starts_at, self._records[-1].id) if self._records else None
        try:
            page = self._loader(after, self.page_size)
        except ServiceError as error:
            self._more = False
            self.load_failed.emit(error.message)
            return
        self._more = len(page) >= self.page_size
        if page:
            first = len(self._records)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._records.extend(page)
            self.endInsertRows()

    def replace_record(self, record: AppointmentRecord) -> bool:
        """Show a changed appointment in place (the list keeps its scroll position)."""
        row = self.row_of(record.id)
        if row is None:
            return False
        self._records[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        return True

    # --- Reading ---------------------------------------------------------------------------------

    @property
    def records(self) -> list[AppointmentRecord]:
        return list(self._records)

    def record(self, row: int) -> AppointmentRecord | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_of(self, appointment_id: int) -> int | None:
        for row, record in enumerate(self._records):
            if record.id == appointment_id:
                return row
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return self.columns[section].value
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._records) or index.column() >= len(self.columns):
            return None
        record = self._records[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column is Column.STATUS and record.status in _STATUS_COLOURS:
                return QBrush(_STATUS_COLOURS[record.status])
            if not record.status.is_live:
                return QBrush(_GONE)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and column is Column.IMS and record.ims_flag.needs_attention:
            return QBrush(_ATTENTION)
        if role == Qt.ItemDataRole.FontRole and not record.status.is_live and column in (Column.TIME, Column.PATIENT):
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._text(record, column)
        return None

    def _text(self, record: AppointmentRecord, column: Column) -> str:
        return {
            Column.DATE: lambda: short_date(record.starts_at, self.zone, year=self.show_year),
            Column.TIME: lambda: time_range(record, self.zone),
            Column.PATIENT: lambda: record.patient_name,
            Column.PHONE: lambda: record.patient_phone,
            Column.THERAPIST: lambda: record.therapist_name,
            Column.TYPE: lambda: record.type_name,
            Column.STATUS: lambda: status_text(record),
            Column.IMS: lambda: ims_text(record, self.short_ims),
        }[column]()

    def _tooltip(self, record: AppointmentRecord, column: Column) -> str | None:
        if column is Column.STATUS and record.status is AppointmentStatus.CANCELLED:
            late = " (late cancellation)" if record.late_cancellation else ""
            return f"Cancelled{late}: {record.cancel_reason}" if record.cancel_reason else f"Cancelled{late}"
        if column is Column.IMS and record.ims_flag is not ImsFlag.NONE:
            return record.ims_flag.label
        if column in (Column.PATIENT, Column.TYPE, Column.THERAPIST):
            return self._text(record, column)  # in full, where the column is too narrow for it
        return None
