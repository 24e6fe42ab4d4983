"""Every screening of a patient with its verdict, and the physiotherapist's review dialog."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Level, ReviewDecision
from frontdesk.domain.when import format_date
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.intake.screening_verdict import LEVEL_COLOURS, level_text
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.table_model import Column, RowTableModel
from frontdesk.ui.common.widgets import error_label


def _review_text(record: ScreeningRecord) -> str:
    if record.review is not None:
        return record.review.label
    return "Waiting" if record.needs_review and record.is_current else ""


class ScreeningHistoryModel(RowTableModel[ScreeningRecord]):
    """Every screening of a patient, newest first; a replaced one is greyed. The row role gives the id."""

    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Screened", lambda record: record.screened_on.isoformat()),
            Column("Verdict", lambda record: level_text(record.effective_level, record.not_before),
                   foreground=lambda record: QColor(LEVEL_COLOURS[record.effective_level][0])),
            Column("Review", _review_text),
            Column("Status", lambda record: "Current" if record.is_current else "Replaced"),
            Column("By", lambda record: record.screened_by),
            Column("Areas", lambda record: ", ".join(area.label for area in record.answers.planned_areas)),
        ), parent)

    def row_value(self, row: ScreeningRecord) -> int:
        return row.id

    def row_tooltip(self, row: ScreeningRecord) -> str:
        lines = [f"Screened {format_date(row.screened_on)} by {row.screened_by}"]
        if row.presenting_condition:
            lines.append(f"Presenting condition: {row.presenting_condition}")
        lines += [f"{review.label} by {review.decided_by}: {review.note}".rstrip(": ") for review in row.reviews]
        return "\n".join(lines)

    def row_foreground(self, row: ScreeningRecord) -> QColor | None:
        return QColor("#757575") if not row.is_current else None


class ReviewDialog(QDialog):
    """A physiotherapist's decision on a screening that asked for one, with a note."""

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, record: ScreeningRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record the physiotherapist's review")
        self.ctx, self.actor, self.prompts, self.record = ctx, actor, prompts, record
        self.saved: ScreeningRecord | None = None
        findings = [reason.text for reason in record.assessment.reasons if reason.level is Level.REVIEW]
        intro = QLabel(
            f"Screening of {format_date(record.screened_on)} by {record.screened_by}.<br><b>To review:</b><ul>"
            + "".join(f"<li>{text}</li>" for text in findings) + "</ul>"
        )
        intro.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.buttons: dict[ReviewDecision, QRadioButton] = {}
        choices = QVBoxLayout()
        for decision, text in (
            (ReviewDecision.approve, "A&pprove: IMS may go ahead"),
            (ReviewDecision.approve_altered, "Approve with an &altered technique"),
            (ReviewDecision.decline, "&Decline: no IMS for now"),
        ):
            button = QRadioButton(text)
            self.group.addButton(button)
            self.buttons[decision] = button
            choices.addWidget(button)
        self.decision_error = error_label()
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("How the technique is altered, or why IMS is declined")
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note)
        self.note_error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(choices)
        layout.addWidget(self.decision_error)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(self.note_error)
        layout.addWidget(buttons)
        remember_geometry(self, "review_dialog")

    def decision(self) -> ReviewDecision | None:
        for decision, button in self.buttons.items():
            if button.isChecked():
                return decision
        return None

    def accept(self) -> None:
        self.decision_error.hide()
        self.note_error.hide()
        decision = self.decision()
        if decision is None:
            self.decision_error.setText("⚠ Choose a decision.")
            self.decision_error.show()
            return
        try:
            from frontdesk.services.screenings import record_review

            self.saved = record_review(self.ctx, self.actor, self.record.id, decision, self.note.toPlainText())
        except ValidationFailed as error:
            target = self.note_error if "note" in error.errors else self.decision_error
            target.setText("⚠ " + " ".join(error.errors.values()))
            target.show()
            return
        except ServiceError as error:
            self.prompts.error(self, "Review", error.message)
            return
        super().accept()


class HistoryPanel(QGroupBox):
    """The list of screenings; selecting one shows its verdict. Physiotherapists record reviews here."""

    selected = Signal(object)
    reviewed = Signal(object)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__("Screening history", parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.model = ScreeningHistoryModel(self)
        self.view = QTableView()
        self.view.setObjectName("screening_history")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        # Every column as wide as its text (the list scrolls sideways on a small screen; nothing is cut short).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.review_button = QPushButton("Record review…")
        self.review_button.setObjectName("record_review")
        self.review_button.setVisible(self.actor.may(Permission.REVIEW_SCREENING))
        self.signed_in.changed.connect(self._apply_role)
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self.open_review)
        self.empty_label = QLabel("No screenings yet.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.review_button)
        layout.addLayout(buttons)

    def _apply_role(self, *_args) -> None:
        self.review_button.setVisible(self.actor.may(Permission.REVIEW_SCREENING))
        self._current_changed(self.view.currentIndex(), QModelIndex())

    def set_records(self, records: list[ScreeningRecord], select_id: int | None = None) -> None:
        self.model.set_rows(records)
        self.empty_label.setVisible(not records)
        current = QModelIndex()
        if records:
            row = next((i for i, r in enumerate(records) if r.id == select_id), 0)
            current = self.model.index(row, 0)
            selection = self.view.selectionModel()
            selection.blockSignals(True)
            self.view.setCurrentIndex(current)
            selection.blockSignals(False)
        self._current_changed(current, QModelIndex())

    def current_record(self) -> ScreeningRecord | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def open_review(self) -> ScreeningRecord | None:
        record = self.current_record()
        if record is None or not self.review_button.isEnabled():
            return None
        dialog = ReviewDialog(self.ctx, self.actor, self.prompts, record, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per review: not kept until the panel goes
        if dialog.exec() and dialog.saved is not None:
            self.reviewed.emit(dialog.saved)
            return dialog.saved
        return None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record = self.model.row_at(current.row()) if current.isValid() else None
        self.review_button.setEnabled(bool(record and record.is_current and record.needs_review
                                           and self.actor.may(Permission.REVIEW_SCREENING)))
        self.selected.emit(record)
