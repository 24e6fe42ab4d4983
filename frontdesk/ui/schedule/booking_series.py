"""A repeat's planned dates in the booking dialog: each date, its problem, and what happens to it.

A date that clashes can be skipped or moved to the next free slot; Space (or a double-click) cycles
the choice before anything is booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QTableView

from frontdesk.domain.scheduling import Interval
from frontdesk.domain.when import format_day, format_time_range, format_weekday_date, local_day
from frontdesk.services.records import PlannedOccurrence
from frontdesk.ui.common.table_model import Column, RowTableModel

OCCURRENCE_ROLE = Qt.ItemDataRole.UserRole + 1


class Choice(StrEnum):
    BOOK = "book"
    SKIP = "skip"
    MOVE = "move"

    @property
    def label(self) -> str:
        return {"book": "Book", "skip": "Skip", "move": "Move"}[self.value]


@dataclass
class _Row:
    occurrence: PlannedOccurrence
    choice: Choice


def _planned_day(row: _Row, zone: ZoneInfo) -> str:
    return format_weekday_date(local_day(row.occurrence.interval.start, zone))


def _choice_text(row: _Row, zone: ZoneInfo) -> str:
    occurrence = row.occurrence
    if row.choice is Choice.MOVE and occurrence.alternative is not None:
        day = occurrence.interval.start.astimezone(zone).date()
        alt = occurrence.alternative.interval
        alt_day = alt.start.astimezone(zone).date()
        when = format_time_range(alt, zone)
        return f"Move to {when}" if alt_day == day else f"Move to {format_day(alt_day)}, {when}"
    return row.choice.label


class OccurrenceModel(RowTableModel[_Row]):
    """The planned dates of a series, each with its problem and the receptionist's choice."""

    ROW_ROLE = OCCURRENCE_ROLE
    TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    choices_changed = Signal()

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__((
            Column("Date", lambda row: _planned_day(row, zone)),
            Column("Time", lambda row: format_time_range(row.occurrence.interval, zone)),
            Column("Problem", lambda row: " ".join(row.occurrence.problems) if row.occurrence.problems else "Free",
                   foreground=lambda row: QBrush(QColor("#b00020")) if row.occurrence.problems else None),
            Column("Choice", lambda row: _choice_text(row, zone),
                   tooltip=lambda row: "Press Space to change what happens to this date."),
        ), parent)

    def set_plan(self, plan: list[PlannedOccurrence]) -> None:
        self.set_rows(
            _Row(p, Choice.BOOK if p.ok else (Choice.MOVE if p.alternative else Choice.SKIP)) for p in plan
        )
        self.choices_changed.emit()

    def options(self, row: int) -> list[Choice]:
        occurrence = self._rows[row].occurrence
        if occurrence.ok:
            return [Choice.BOOK, Choice.SKIP]
        return [Choice.MOVE, Choice.SKIP] if occurrence.alternative else [Choice.SKIP]

    def cycle(self, row: int) -> None:
        options = self.options(row)
        current = self._rows[row].choice
        self._rows[row].choice = options[(options.index(current) + 1) % len(options)]
        self.row_changed(row)
        self.choices_changed.emit()

    def chosen_intervals(self) -> list[Interval]:
        chosen = []
        for row in self._rows:
            if row.choice is Choice.BOOK:
                chosen.append(row.occurrence.interval)
            elif row.choice is Choice.MOVE and row.occurrence.alternative is not None:
                chosen.append(row.occurrence.alternative.interval)
        return chosen

    def row_value(self, row: _Row) -> PlannedOccurrence:
        return row.occurrence


class OccurrenceTable(QTableView):
    """The planned dates, where Space or a double-click changes the selected date's choice."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model = self.model()
        if event.key() == Qt.Key.Key_Space and isinstance(model, OccurrenceModel) and self.currentIndex().isValid():
            model.cycle(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        model = self.model()
        if index.isValid() and isinstance(model, OccurrenceModel):
            model.cycle(index.row())
            return
        super().mouseDoubleClickEvent(event)
