"""The verdict panel: the level in words and colour, the reasons, and one line per area."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.level_looks import (
    LOOKS,
    PHYSIOTHERAPY_NOTE,
    LevelLook,
    area_result,
    headline,
    headline_text,
    overall_look,
    whole_patient,
)
from frontdesk.domain.screening import AreaAssessment, Assessment, Level, ReviewDecision, effective_level
from frontdesk.domain.when import format_date
from frontdesk.services.intake_records import ReviewRecord
from frontdesk.ui.common.table_model import Column, RowTableModel

#: Text colour and background for each level (the domain's, for the screen); the level is always written out too.
LEVEL_COLOURS: dict[Level, tuple[str, str]] = {level: (look.ink, look.fill) for level, look in LOOKS.items()}


def level_text(level: Level, not_before=None) -> str:
    """'◷ Not yet: from February 1, 2027': the level's sign and words, with the date a block ends."""
    return LOOKS[level].text(whole_patient(level, not_before))


def _banner_style(look: LevelLook) -> str:
    return (f"padding: 6px; font-size: 14px; font-weight: bold; color: {look.ink};"
            f" background: {look.fill}; border: 1px solid {look.ink}; border-radius: 4px;")


@dataclass(frozen=True)
class _AreaRow:
    verdict: AreaAssessment
    level: Level  # with the physiotherapist's decision applied
    finished: bool = True  # False while questions are still open

    @property
    def result(self) -> tuple[LevelLook, str]:
        return area_result(self.level, self.verdict.not_before, finished=self.finished)


class AreaVerdictModel(RowTableModel[_AreaRow]):
    """One row per area to treat: the area, and what it means for IMS ("✓ IMS now", "◷ From January 23, 2027")."""

    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Area", lambda row: row.verdict.area.label),
            Column("IMS", lambda row: row.result[0].text(row.result[1]),
                   foreground=lambda row: QColor(row.result[0].ink)),
        ), parent)

    def set_verdicts(self, rows: tuple[AreaAssessment, ...], decision: ReviewDecision | None = None, *,
                     finished: bool = True) -> None:
        self.set_rows(_AreaRow(verdict, effective_level(verdict, decision), finished) for verdict in rows)

    def row_tooltip(self, row: _AreaRow) -> str:
        blocking = [reason.text for reason in row.verdict.reasons if not reason.informs_only]
        if blocking:
            return "\n".join(blocking)
        if not row.finished:
            return "Nothing holds IMS up so far; the verdict comes when every question is answered."
        return "Nothing holds IMS up for this area."


class _FittedTable(QTableView):
    """A table as tall as its rows (they wrap): the panel around it scrolls, the table never does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def setModel(self, model) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        model.modelReset.connect(self.fit_height)

    def fit_height(self) -> None:
        self.resizeRowsToContents()
        rows = sum(self.rowHeight(row) for row in range(self.model().rowCount()))
        empty = 0 if self.model().rowCount() else self.verticalHeader().defaultSectionSize() * 2
        self.setFixedHeight(self.horizontalHeader().height() + rows + empty + 2 * self.frameWidth())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit_height()


class VerdictPanel(QGroupBox):
    """Shows one assessment: the live one of the form being filled in, or a saved screening's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("IMS verdict", parent)
        self.assessment: Assessment | None = None
        self.review: ReviewRecord | None = None
        self._headline = ""
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.level_label = QLabel()
        self.level_label.setObjectName("verdict_level")
        self.level_label.setWordWrap(True)
        self.level_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.level_label.setTextFormat(Qt.TextFormat.RichText)
        self.physio_label = QLabel()
        self.physio_label.setObjectName("verdict_physiotherapy")
        self.physio_label.setWordWrap(True)
        self.physio_label.hide()
        self.review_label = QLabel()
        self.review_label.setWordWrap(True)
        self.review_label.hide()
        self.areas_model = AreaVerdictModel(self)
        self.areas_view = _FittedTable()
        self.areas_view.setObjectName("verdict_areas")
        self.areas_view.setModel(self.areas_model)
        self.areas_view.verticalHeader().hide()
        self.areas_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.areas_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.areas_view.setTabKeyNavigation(False)
        # The area sized to its name; the result takes the rest and wraps rather than being cut short.
        self.areas_view.setWordWrap(True)
        self.areas_view.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.areas_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.areas_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("verdict_reasons")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        self.reasons_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.reasons_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Everything scrolls together when the screen is short; nothing is cut off.
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.level_label)
        layout.addWidget(self.physio_label)
        layout.addWidget(self.review_label)
        layout.addWidget(self.areas_view)
        layout.addWidget(QLabel("<b>Reasons</b>"))
        layout.addWidget(self.reasons_label)
        layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("verdict_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 2, 6)
        outer.addWidget(self.scroll)
        self.show_assessment(None, "No screening yet. Answer the questions to see the verdict.")

    @property
    def level_text(self) -> str:
        """The headline as plain text: '✓ Left thigh: IMS now · ◷ Left knee: from January 23, 2027'."""
        return self._headline

    @property
    def reasons_text(self) -> str:
        return self.reasons_label.text()

    def area_result(self, area_label: str) -> str | None:
        """What the table says for an area ("◷ From January 23, 2027"), or None if it is not listed."""
        model = self.areas_model
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == area_label:
                return model.index(row, 1).data()
        return None

    def show_assessment(self, assessment: Assessment | None, caption: str, *,
                        review: ReviewRecord | None = None, missing: int = 0) -> None:
        """Show `assessment`; `missing` counts the questions still open (a live, unfinished screening)."""
        self.assessment = assessment
        self.review = review
        self.caption.setText(caption)
        if assessment is None:
            self._headline = "No verdict yet"
            self.level_label.setText(self._headline)
            self.level_label.setStyleSheet("padding: 6px; border: 1px solid palette(mid); font-weight: bold;")
            self.physio_label.hide()
            self.review_label.hide()
            self.areas_model.set_verdicts(())
            self.reasons_label.setText("")
            return
        decision = review.decision if review else None
        parts = headline(assessment, decision, missing=missing)
        self._headline = headline_text(parts)
        # On screen one area to a line; the plain text (and the printout) joins them with " · ".
        self.level_label.setText("<br>".join(
            f"<span style='color: {look.ink}'>{escape(look.text(words))}</span>" for look, words in parts))
        self.level_label.setStyleSheet(_banner_style(overall_look(assessment, decision, missing=missing)))
        self.physio_label.setText(PHYSIOTHERAPY_NOTE)
        self.physio_label.show()
        if review is not None:
            line = f"{review.label} by {review.decided_by} on {format_date(review.decided_at.date())}"
            note = f" — {review.note}" if review.note else ""
            self.review_label.setText(f"Physiotherapist's review: {line}{note}")
            self.review_label.show()
        else:
            self.review_label.hide()
        self.areas_model.set_verdicts(assessment.areas, decision, finished=not missing)
        if assessment.reasons:
            items = "".join(
                f"<li><b>{escape(reason.level.label if not reason.informs_only else 'For information')}:</b> "
                f"{escape(reason.text)}</li>"
                for reason in assessment.reasons
            )
            self.reasons_label.setText(f"<ul style='margin-left: -20px'>{items}</ul>")
        elif missing:
            self.reasons_label.setText("Nothing in the answers so far holds IMS up.")
        else:
            self.reasons_label.setText("Nothing in the answers holds IMS up.")
