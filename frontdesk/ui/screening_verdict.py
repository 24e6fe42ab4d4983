"""The verdict panel: the level in words and colour, the reasons, and one line per area."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.screening import AreaVerdict, Assessment, Level, ReviewDecision, effective_level, format_date
from frontdesk.services.screening_records import ReviewRecord
from frontdesk.ui.table_model import Column, RowTableModel

#: Text colour and background for each level; the level is always written out too.
LEVEL_COLOURS: dict[Level, tuple[str, str]] = {
    Level.ELIGIBLE: ("#1b5e20", "#e8f5e9"),
    Level.REVIEW: ("#6d4c00", "#fff3d6"),
    Level.NOT_YET: ("#0d47a1", "#e3f2fd"),
    Level.NOT_ELIGIBLE: ("#b00020", "#fde7ea"),
}
LEVEL_SIGNS: dict[Level, str] = {
    Level.ELIGIBLE: "✓",
    Level.REVIEW: "!",
    Level.NOT_YET: "…",
    Level.NOT_ELIGIBLE: "✗",
}


def level_text(level: Level, not_before=None) -> str:
    """'Not yet — from February 1, 2027': the level in words, with the date a block ends."""
    text = f"{LEVEL_SIGNS[level]} {level.label}"
    if level is Level.NOT_YET and not_before is not None:
        text += f" — from {format_date(not_before)}"
    return text


@dataclass(frozen=True)
class _AreaRow:
    verdict: AreaVerdict
    level: Level  # with the physiotherapist's decision applied


def _not_before(row: _AreaRow) -> str:
    not_before = row.verdict.not_before
    return format_date(not_before) if not_before and row.level is Level.NOT_YET else ""


class AreaVerdictModel(RowTableModel[_AreaRow]):
    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Area", lambda row: row.verdict.area.label),
            Column("Result", lambda row: f"{LEVEL_SIGNS[row.level]} {row.level.label}",
                   foreground=lambda row: QColor(LEVEL_COLOURS[row.level][0])),
            Column("Not before", _not_before),
        ), parent)

    def set_verdicts(self, rows: tuple[AreaVerdict, ...], decision: ReviewDecision | None = None) -> None:
        self.set_rows(_AreaRow(verdict, effective_level(verdict, decision)) for verdict in rows)

    def row_tooltip(self, row: _AreaRow) -> str:
        blocking = [reason.text for reason in row.verdict.reasons if not reason.informs_only]
        return "\n".join(blocking) or "Nothing holds IMS up for this area."


class VerdictPanel(QGroupBox):
    """Shows one assessment: the live one of the form being filled in, or a saved screening's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("IMS verdict", parent)
        self.assessment: Assessment | None = None
        self.review: ReviewRecord | None = None
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.level_label = QLabel()
        self.level_label.setObjectName("verdict_level")
        self.level_label.setWordWrap(True)
        self.level_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.review_label = QLabel()
        self.review_label.setWordWrap(True)
        self.review_label.hide()
        self.areas_model = AreaVerdictModel(self)
        self.areas_view = QTableView()
        self.areas_view.setObjectName("verdict_areas")
        self.areas_view.setModel(self.areas_model)
        self.areas_view.verticalHeader().hide()
        self.areas_view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.areas_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.areas_view.setTabKeyNavigation(False)
        header = self.areas_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.areas_view.setMinimumHeight(90)
        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("verdict_reasons")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.RichText)
        self.reasons_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.reasons_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.level_label)
        layout.addWidget(self.review_label)
        layout.addWidget(self.areas_view, 1)
        layout.addWidget(QLabel("<b>Reasons</b>"))
        layout.addWidget(self.reasons_label, 2)
        self.show_assessment(None, "No screening yet. Answer the questions to see the verdict.")

    @property
    def level_text(self) -> str:
        return self.level_label.text()

    @property
    def reasons_text(self) -> str:
        return self.reasons_label.text()

    def area_result(self, area_label: str) -> tuple[str, str] | None:
        """(result, not before) shown for an area, or None if it is not listed."""
        model = self.areas_model
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == area_label:
                return model.index(row, 1).data(), model.index(row, 2).data()
        return None

    def show_assessment(self, assessment: Assessment | None, caption: str, *,
                        review: ReviewRecord | None = None, complete: bool = True) -> None:
        self.assessment = assessment
        self.review = review
        self.caption.setText(caption)
        if assessment is None:
            self.level_label.setText("No verdict yet")
            self.level_label.setStyleSheet("padding: 6px; border: 1px solid palette(mid); font-weight: bold;")
            self.review_label.hide()
            self.areas_model.set_verdicts(())
            self.reasons_label.setText("")
            return
        decision = review.decision if review else None
        level = effective_level(assessment, decision)
        text = level_text(level, assessment.not_before)
        if not complete:
            text += " (so far)"
        foreground, background = LEVEL_COLOURS[level]
        self.level_label.setText(text)
        self.level_label.setStyleSheet(
            f"padding: 6px; font-size: 15px; font-weight: bold; color: {foreground};"
            f" background: {background}; border: 1px solid {foreground}; border-radius: 4px;"
        )
        if review is not None:
            line = f"{review.label} by {review.decided_by} on {format_date(review.decided_at.date())}"
            self.review_label.setText(f"Physiotherapist's review: {line}" + (f" — {review.note}" if review.note else ""))
            self.review_label.show()
        else:
            self.review_label.hide()
        self.areas_model.set_verdicts(assessment.areas, decision)
        if assessment.reasons:
            items = "".join(
                f"<li><b>{escape(reason.level.label if not reason.informs_only else 'For information')}:</b> "
                f"{escape(reason.text)}</li>"
                for reason in assessment.reasons
            )
            self.reasons_label.setText(f"<ul style='margin-left: -20px'>{items}</ul>")
        else:
            self.reasons_label.setText("Nothing in the answers holds IMS up.")
