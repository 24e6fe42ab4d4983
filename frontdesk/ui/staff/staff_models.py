"""Item models of the admin's screens: physiotherapists, their weekly hours, time off, appointment types."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.when import WEEKDAYS, format_day, format_time
from frontdesk.services.records import TherapistInfo
from frontdesk.services.staff import AppointmentTypeRecord, ScheduleExceptionEntry, weekly_hours_problems
from frontdesk.ui.common.table_model import Column, RowTableModel

Index = QModelIndex | QPersistentModelIndex
GREY = QBrush(QColor("#6b6b6b"))
PROBLEM = QBrush(QColor("#b00020"))


# --- Physiotherapists ----------------------------------------------------------------------------


class TherapistListModel(RowTableModel[TherapistInfo]):
    """The clinic's physiotherapists; switched-off ones greyed, each name beside its colour."""

    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Name", lambda t: t.name),
            Column("IMS", lambda t: "IMS" if t.ims_qualified else "—",
                   tooltip=lambda t: "IMS-qualified" if t.ims_qualified else "Not IMS-qualified"),
            Column("Status", lambda t: "Working" if t.active else "Switched off"),
        ), parent)

    def row_foreground(self, row: TherapistInfo):
        return None if row.active else GREY

    def row_tooltip(self, row: TherapistInfo) -> str | None:
        if row.active:
            return None
        return "Switched off: not shown in the day view; their appointments stay in the record."

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DecorationRole and index.isValid() and index.column() == 0:
            row = self.row_at(index.row())
            return QColor(row.colour) if row is not None else None
        return super().data(index, role)

    def row_of(self, therapist_id: int) -> int | None:
        return next((n for n, t in enumerate(self.rows) if t.id == therapist_id), None)


# --- Weekly hours (editable) ---------------------------------------------------------------------


@dataclass(frozen=True)
class HoursRow:
    weekday: int
    start: time
    end: time


class WeeklyHoursModel(RowTableModel[HoursRow]):
    """One row per block of the week, edited in place; a row that cannot be saved says why."""

    DAY, START, END, CHECK = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Day", lambda r: WEEKDAYS[r.weekday]),
            Column("Start", lambda r: format_time(r.start)),
            Column("End", lambda r: format_time(r.end)),
            Column("Check", lambda r: "", foreground=lambda r: PROBLEM),
        ), parent)
        self.problems: dict[int, str] = {}

    # -- reading

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.row_at(index.row()) is None:
            return None
        row = self._rows[index.row()]
        if index.column() == self.CHECK and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            problem = self.problems.get(index.row())
            return f"⚠ {problem}" if problem else ("" if role == Qt.ItemDataRole.DisplayRole else None)
        if role == Qt.ItemDataRole.EditRole:
            if index.column() == self.DAY:
                return row.weekday
            if index.column() in (self.START, self.END):
                value = row.start if index.column() == self.START else row.end
                return QTime(value.hour, value.minute)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and index.row() in self.problems:
            return QBrush(QColor("#fdecea"))
        return super().data(index, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() != self.CHECK else base

    def blocks(self) -> list[tuple[int, time, time]]:
        return [(r.weekday, r.start, r.end) for r in self._rows]

    # -- changing

    def set_rows(self, rows) -> None:
        super().set_rows(sorted(rows, key=lambda r: (r.weekday, r.start)))
        self._recheck()

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.row_at(index.row()) is None:
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == self.DAY and isinstance(value, int) and 0 <= value <= 6:
            changed = replace(row, weekday=value)
        elif column in (self.START, self.END) and isinstance(value, (QTime, time)):
            wall = time(value.hour(), value.minute()) if isinstance(value, QTime) else value.replace(second=0)
            changed = replace(row, start=wall) if column == self.START else replace(row, end=wall)
        else:
            return False
        self._rows[index.row()] = changed
        self.row_changed(index.row())
        self._recheck()
        return True

    def add_block(self, like: HoursRow | None = None) -> int:
        """Append a block and return its row: ``like``'s times on the next day where they fit (to fill
        a week quickly), else after that day's last block; Monday 8:00–12:00 when there is no model."""
        if like is None:
            new = HoursRow(0, time(8), time(12))
        else:
            new = self._next_free(like)
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(new)
        self.endInsertRows()
        self._recheck()
        return position

    def _next_free(self, like: HoursRow) -> HoursRow:
        for step in range(1, 7):
            weekday = (like.weekday + step) % 7
            if not any(r.weekday == weekday and r.start < like.end and like.start < r.end for r in self._rows):
                return HoursRow(weekday, like.start, like.end)
        start = max(r.end for r in self._rows if r.weekday == like.weekday)
        end_minutes = min(start.hour * 60 + start.minute + 60, 23 * 60 + 45)
        return HoursRow(like.weekday, start, time(end_minutes // 60, end_minutes % 60))

    def remove_block(self, row: int) -> None:
        if self.row_at(row) is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        self._recheck()

    def _recheck(self) -> None:
        self.problems = weekly_hours_problems(self.blocks())
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.CHECK))


# --- Time off and extra hours --------------------------------------------------------------------


def _when(entry: ScheduleExceptionEntry, zone: ZoneInfo) -> tuple[str, str]:
    """(days, times) as the admin reads them: whole days show no times; the last day is inclusive."""
    start, end = entry.interval.local(zone)
    if start.time() == time(0) and end.time() == time(0):
        last = end.date() - timedelta(days=1)
        days = format_day(start.date()) if last == start.date() else f"{format_day(start.date())} – {format_day(last)}"
        return days, "Whole day" if last == start.date() else "Whole days"
    if start.date() == end.date():
        return format_day(start.date()), f"{format_time(start.time())}–{format_time(end.time())}"
    return (f"{format_day(start.date())} – {format_day(end.date())}",
            f"{format_time(start.time())} to {format_time(end.time())}")


class ScheduleExceptionModel(RowTableModel[ScheduleExceptionEntry]):
    """Time off or extra hours of one physiotherapist; cancelled entries greyed, never hidden."""

    def __init__(self, zone: ZoneInfo, now: datetime, parent=None) -> None:
        self.zone = zone
        self.now = now
        super().__init__((
            Column("Days", lambda e: _when(e, self.zone)[0]),
            Column("Time", lambda e: _when(e, self.zone)[1]),
            Column("Reason", lambda e: e.reason),
            Column("Status", self._status),
        ), parent)

    def _status(self, entry: ScheduleExceptionEntry) -> str:
        if entry.cancelled:
            return "Cancelled"
        return "Past" if entry.interval.end <= self.now else "Planned"

    def row_foreground(self, row: ScheduleExceptionEntry):
        return GREY if row.cancelled or self._status(row) == "Past" else None


# --- Appointment types ---------------------------------------------------------------------------


class AppointmentTypeModel(RowTableModel[AppointmentTypeRecord]):
    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Name", lambda t: t.name),
            Column("Length", lambda t: f"{t.duration_minutes} min"),
            Column("IMS", lambda t: "IMS" if t.is_ims else "—",
                   tooltip=lambda t: ("Needs an IMS-qualified physiotherapist and an eligible screening"
                                      if t.is_ims else "Not IMS")),
            Column("Status", lambda t: "In use" if t.active else "Switched off"),
            Column("Appointments", lambda t: str(t.appointments)),
            Column("Fee", lambda t: f"${t.fee_cents // 100}.{t.fee_cents % 100:02d}"
                   if t.fee_cents is not None else "—"),
        ), parent)

    def row_foreground(self, row: AppointmentTypeRecord):
        return None if row.active else GREY

    def row_of(self, type_id: int) -> int | None:
        return next((n for n, t in enumerate(self.rows) if t.id == type_id), None)
