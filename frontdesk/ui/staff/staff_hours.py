"""The Weekly hours page of the physiotherapists dialog: blocks of the week, edited in a small table."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QModelIndex, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.when import WEEKDAYS, format_minutes, format_time, plural
from frontdesk.services.changes import Changes
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.records import TherapistInfo
from frontdesk.services.therapist_time import set_working_hours, working_hours
from frontdesk.services.staff import THERAPIST_CHANGES, blocks_from_rows
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.staff.staff_models import HoursRow, WeeklyHoursModel
from frontdesk.ui.common.widgets import ERROR_STYLE
from frontdesk.ui.window.live_updates import ChangedBanner, EditsThatMeet, touches_therapist


def _blocks_text(blocks: list[tuple]) -> str:
    return ", ".join(f"{format_time(start)}–{format_time(end)}" for _day, start, end in blocks) or "(none)"


class WeekdayDelegate(QStyledItemDelegate):
    """Chooses the day from a list (type the first letter to jump)."""

    def createEditor(self, parent: QWidget, option, index: QModelIndex) -> QWidget:
        editor = QComboBox(parent)
        editor.addItems(list(WEEKDAYS))
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        editor.setCurrentIndex(int(index.data(Qt.ItemDataRole.EditRole) or 0))

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:
        model.setData(index, editor.currentIndex(), Qt.ItemDataRole.EditRole)


class ClockDelegate(QStyledItemDelegate):
    """A 24-hour time field (9:00, 13:30), whatever the computer's locale."""

    def createEditor(self, parent: QWidget, option, index: QModelIndex) -> QWidget:
        editor = QTimeEdit(parent)
        editor.setDisplayFormat("HH:mm")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setTime(value if isinstance(value, QTime) else QTime(8, 0))

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:
        model.setData(index, editor.time(), Qt.ItemDataRole.EditRole)


class HoursEditor(QWidget):
    """The selected physiotherapist's regular week. Nothing is saved until Save hours."""

    changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.therapist: TherapistInfo | None = None
        self._others: list[TherapistInfo] = []
        self._saved: list[tuple] = []
        self._settings = None

        intro = QLabel("Add a row for each stretch of work; the gaps between a day's rows are breaks. "
                       "Press F2 or start typing to change a cell.")
        intro.setWordWrap(True)
        self.model = WeeklyHoursModel(self)
        self.table = QTableView()
        self.table.setObjectName("weekly_hours_table")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(WeeklyHoursModel.DAY, WeekdayDelegate(self.table))
        self.table.setItemDelegateForColumn(WeeklyHoursModel.START, ClockDelegate(self.table))
        self.table.setItemDelegateForColumn(WeeklyHoursModel.END, ClockDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (WeeklyHoursModel.DAY, WeeklyHoursModel.START, WeeklyHoursModel.END):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.add_button = QPushButton("&Add block")
        self.add_button.setToolTip("Adds the selected block's times on the next free day; change the day "
                                   "or the times in the table.")
        self.remove_button = QPushButton("&Remove block")
        self.copy_from = QComboBox()
        self.copy_from.setObjectName("copy_hours_from")
        self.copy_from.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.copy_button = QPushButton("Co&py their hours")
        self.copy_button.setToolTip("Replace the rows below with the chosen physiotherapist's week "
                                    "(nothing is saved until Save hours).")
        self.save_button = QPushButton("&Save hours")
        self.revert_button = QPushButton("Re&vert")
        for button in (self.add_button, self.remove_button, self.copy_button, self.save_button, self.revert_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_block)
        self.remove_button.clicked.connect(self.remove_block)
        self.copy_button.clicked.connect(self.copy_hours)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # saved at another desk while this is open
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, prompts, what="The weekly hours",
                                     parent=self)
        self.model.dataChanged.connect(self._update_state)
        self.model.rowsInserted.connect(self._update_state)
        self.model.rowsRemoved.connect(self._update_state)
        self.model.modelReset.connect(self._update_state)

        self.summary = QLabel()
        self.summary.setObjectName("hours_summary")
        self.summary.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("hours_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()

        edit_row = QHBoxLayout()
        edit_row.addWidget(self.add_button)
        edit_row.addWidget(self.remove_button)
        edit_row.addStretch(1)
        copy_label = QLabel("Cop&y from:")
        copy_label.setBuddy(self.copy_from)
        edit_row.addWidget(copy_label)
        edit_row.addWidget(self.copy_from)
        edit_row.addWidget(self.copy_button)
        save_row = QHBoxLayout()
        save_row.addWidget(self.summary, 1)
        save_row.addWidget(self.revert_button)
        save_row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.changed_banner)
        layout.addWidget(intro)
        layout.addLayout(edit_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(save_row)
        chain = [self.add_button, self.remove_button, self.copy_from, self.copy_button, self.table,
                 self.revert_button, self.save_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    # --- Loading ---------------------------------------------------------------------------------

    def load(self, therapist: TherapistInfo | None, others: list[TherapistInfo]) -> None:
        self.meeting.clear()
        self.therapist = therapist
        self._settings = get_clinic_settings(self.ctx)
        self._others = [t for t in others if therapist is None or t.id != therapist.id]
        self.copy_from.clear()
        for other in self._others:
            self.copy_from.addItem(other.name, other.id)
        blocks = [] if therapist is None else (
            call_service(self, self.prompts, "Weekly hours", working_hours, self.ctx, self.actor, therapist.id) or [])
        self._saved = sorted((b.weekday, b.start, b.end) for b in blocks)
        self.model.set_rows(HoursRow(*b) for b in self._saved)
        self.error.hide()
        self._update_state()

    @property
    def dirty(self) -> bool:
        return self.therapist is not None and sorted(self.model.blocks()) != self._saved

    # --- Editing ---------------------------------------------------------------------------------

    def add_block(self) -> None:
        current = self.model.row_at(self.table.currentIndex().row())
        if current is None and self.model.rowCount():
            current = self.model.row_at(self.model.rowCount() - 1)
        row = self.model.add_block(current)
        index = self.model.index(row, WeeklyHoursModel.DAY)
        self.table.setCurrentIndex(index)
        self.table.setFocus()

    def remove_block(self) -> None:
        row = self.table.currentIndex().row()
        if row < 0:
            return
        self.model.remove_block(row)
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(min(row, self.model.rowCount() - 1), 0))
        self.table.setFocus()

    def copy_hours(self) -> None:
        other_id = self.copy_from.currentData()
        if other_id is None:
            return
        blocks = call_service(self, self.prompts, "Weekly hours", working_hours, self.ctx, self.actor, other_id)
        if blocks is not None:
            self.model.set_rows(HoursRow(b.weekday, b.start, b.end) for b in blocks)

    def revert(self) -> None:
        if self.meeting.pending:
            self.meeting.reload()  # what is saved now is their week
            return
        self.model.set_rows(HoursRow(*b) for b in self._saved)
        self.error.hide()

    # --- Saved at another desk meanwhile ----------------------------------------------------------

    def meeting_touched(self, changes: set) -> bool:
        return self.therapist is not None and touches_therapist(changes, self.therapist.id)

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import working_hours_as_saved

        if self.therapist is None:
            return None
        return working_hours_as_saved(self.ctx, self.actor, self.therapist.id)

    def meeting_is_current(self, blocks) -> bool:
        return sorted((b.weekday, b.start, b.end) for b in blocks) == self._saved

    def meeting_dirty(self) -> bool:
        return self.dirty

    def meeting_load(self, blocks) -> None:
        self._saved = sorted((b.weekday, b.start, b.end) for b in blocks)
        self.model.set_rows(HoursRow(*b) for b in self._saved)
        self.error.hide()
        self._update_state()

    def meeting_differences(self, blocks) -> list[tuple[str, str, str]]:
        theirs = sorted((b.weekday, b.start, b.end) for b in blocks)
        mine = sorted(self.model.blocks())
        found = []
        for day, name in enumerate(WEEKDAYS):
            their_day, my_day = [b for b in theirs if b[0] == day], [b for b in mine if b[0] == day]
            if their_day != my_day:
                found.append((name, _blocks_text(their_day), _blocks_text(my_day)))
        return found

    def meeting_save_over(self, blocks) -> bool:
        self._saved = sorted((b.weekday, b.start, b.end) for b in blocks)  # the save goes over their week
        return self.save()

    def save(self) -> bool:
        if self.therapist is None:
            return False
        if self.meeting.pending:
            self.commit_editing()
            return bool(self.meeting.keep_mine())
        self.commit_editing()
        try:
            blocks = blocks_from_rows(self.model.blocks())
        except ValidationFailed as refused:
            self._show_error(refused.errors.get("blocks", refused.message))
            return False
        try:
            saved = set_working_hours(self.ctx, self.actor, self.therapist.id, blocks,
                                      expected=blocks_from_rows(self._saved))
        except Conflict as stale:
            self._show_error(stale.message)
            if isinstance(stale.current, list) and self.prompts.confirm(
                    self, "Weekly hours",
                    stale.message + "\n\nReload what is saved now? What you changed here is replaced by it."):
                self._saved = sorted((b.weekday, b.start, b.end) for b in stale.current)
                self.model.set_rows(HoursRow(*b) for b in self._saved)
                self.error.hide()
                self._update_state()
            return False
        except ServiceError as error:
            self._show_error(error.message)
            return False
        self._saved = sorted((b.weekday, b.start, b.end) for b in saved)
        self.model.set_rows(HoursRow(*b) for b in self._saved)
        self.error.hide()
        self.changed.emit(Changes.made(THERAPIST_CHANGES))
        return True

    def commit_editing(self) -> None:
        """Take a cell still being edited (Save pressed by its shortcut leaves the editor open)."""
        editor = self.table.indexWidget(self.table.currentIndex())
        if editor is not None:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    # --- State -----------------------------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        self.error.setText(f"⚠ {message}")
        self.error.show()

    def _update_state(self, *_: object) -> None:
        has_rows = self.model.rowCount() > 0
        self.remove_button.setEnabled(has_rows)
        self.copy_button.setEnabled(self.copy_from.count() > 0)
        self.save_button.setEnabled(self.dirty and not self.model.problems)
        self.revert_button.setEnabled(self.dirty)
        if self.model.problems:
            first = min(self.model.problems)
            self._show_error(f"Row {first + 1}: {self.model.problems[first]} Fix the highlighted rows to save.")
        elif self.error.isVisible() and "highlighted" in self.error.text():
            self.error.hide()
        self.summary.setText(self._summary())

    def _summary(self) -> str:
        if self.therapist is None:
            return ""
        blocks = self.model.blocks()
        if not blocks:
            return f"No weekly hours: {self.therapist.name} cannot be booked except in extra hours."
        minutes = sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for _d, s, e in blocks if e > s)
        days = len({d for d, _s, _e in blocks})
        text = f"{format_minutes(minutes)} a week over {plural(days, 'day')}."
        settings = self._settings or get_clinic_settings(self.ctx)
        outside = [b for b in blocks if b[1] < settings.day_start_time or b[2] > settings.day_end_time]
        if outside:
            text += (f" Some hours fall outside the day view ({format_time(settings.day_start_time)}–"
                     f"{format_time(settings.day_end_time)}), so they cannot be seen in the Schedule tab.")
        if self.dirty:
            text += " Not saved yet."
        return text
