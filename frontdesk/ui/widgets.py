"""Small shared widgets: a date field that takes typed dates, and a field with its label and error."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

ERROR_COLOUR = "#b00020"
ERROR_STYLE = f"color: {ERROR_COLOUR};"
INVALID_STYLE = f"border: 2px solid {ERROR_COLOUR}; border-radius: 3px;"


def error_label() -> QLabel:
    """A hidden, word-wrapped label for a refusal shown beside a field."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}
_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/. ]\s*(\d{1,2})\s*[-/. ]\s*(\d{1,2})|(\d{4})(\d{2})(\d{2})")
_MONTH_FIRST = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DAY_FIRST = re.compile(r"(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})")


def parse_typed_date(text: str) -> date | None:
    """A date typed year first (2026-11-25, 2026/11/25, 20261125) or with the month's name
    (Nov 25 2026, 25 November 2026). Day-month-year in digits is refused: 03/04 is ambiguous."""
    cleaned = text.strip().casefold()
    try:
        if match := _YEAR_FIRST.fullmatch(cleaned):
            year, month, day = (int(part) for part in match.groups() if part is not None)
            return date(year, month, day)
        if match := _MONTH_FIRST.fullmatch(cleaned):
            month_name, day, year = match.groups()
            return date(int(year), _MONTHS[month_name], int(day))
        if match := _DAY_FIRST.fullmatch(cleaned):
            day, month_name, year = match.groups()
            return date(int(year), _MONTHS[month_name], int(day))
    except (KeyError, ValueError):
        return None
    return None


class DateEdit(QLineEdit):
    """A line edit for a date: typed in full, shown as YYYY-MM-DD once the field is left."""

    #: The parsed date (or None) whenever it changes.
    date_changed = Signal(object)

    PROBLEM = "Type the date as YYYY-MM-DD, for example 2026-11-25."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("YYYY-MM-DD")
        self.setMaxLength(30)
        self.setToolTip("Type the date year first (2026-11-25) or with the month's name (Nov 25 2026).")
        self._last: date | None = None
        self.textChanged.connect(self._on_text)
        self.editingFinished.connect(self._normalise)

    def date(self) -> date | None:
        """The date typed, or None when the field is empty or cannot be read."""
        return parse_typed_date(self.text())

    def set_date(self, value: date | None) -> None:
        self.setText("" if value is None else value.isoformat())

    def problem(self) -> str | None:
        """A message when something is typed that is not a date."""
        if self.text().strip() and self.date() is None:
            return self.PROBLEM
        return None

    def _on_text(self) -> None:
        current = self.date()
        if current != self._last:
            self._last = current
            self.date_changed.emit(current)

    def _normalise(self) -> None:
        current = self.date()
        if current is not None and self.text() != current.isoformat():
            self.setText(current.isoformat())


class Field(QWidget):
    """A label (with its mnemonic) above a field, and an error line below it, hidden until needed.

    The error starts with a warning sign so it does not rely on colour alone.
    """

    def __init__(self, text: str, field: QWidget, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(parent)
        self.field = field
        self.label = QLabel(f"{text} *" if required else text)
        self.label.setBuddy(field)
        if required:
            self.label.setToolTip("Required")
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self._message = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(field)
        layout.addWidget(self.error_label)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)

    def set_required(self, text: str, required: bool) -> None:
        self.label.setText(f"{text} *" if required else text)

    def set_error(self, message: str | None) -> None:
        self._message = message or ""
        if message:
            self.error_label.setText(f"⚠ {message}")
            self.error_label.show()
            self.field.setStyleSheet(f"{type(self.field).__name__} {{ {INVALID_STYLE} }}")
        else:
            self.error_label.clear()
            self.error_label.hide()
            self.field.setStyleSheet("")

    @property
    def error(self) -> str:
        return self._message
