"""Small shared widgets: a date field that takes typed dates and opens a calendar (Alt+Down) with a
Today button, and a field with its label and error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.when import format_weekday_iso, parse_typed_date

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


def add_rows_with_errors(form: QFormLayout, rows: Iterable[tuple[str, str, QWidget]]) -> dict[str, QLabel]:
    """Each (key, label, field) as a row of `form` with its error line under it (named `error_<key>`,
    hidden until needed); the error lines by key."""
    errors: dict[str, QLabel] = {}
    for key, label, widget in rows:
        form.addRow(label, widget)
        error = error_label()
        error.setObjectName(f"error_{key}")
        form.addRow("", error)
        errors[key] = error
    return errors


def show_errors(labels: Mapping[str, QLabel], messages: Mapping[str, str], prefix: str = "") -> None:
    """Show each message (after `prefix`) on the error line of its key; keys without one are passed over."""
    for key, message in messages.items():
        if key in labels:
            labels[key].setText(f"{prefix}{message}")
            labels[key].show()


class _CalendarPopup(QFrame):
    """The calendar under a date field, with Today; Enter or a click picks, Escape closes."""

    picked = Signal(object)

    def __init__(self, today: Callable[[], date], parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("calendar_popup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._today = today
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("calendar")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Sunday)
        self.calendar.activated.connect(self._pick)
        self.calendar.clicked.connect(self._pick)
        self.today_button = QPushButton("Today (T)")
        self.today_button.setObjectName("calendar_today")
        self.today_button.setAutoDefault(False)
        self.today_button.clicked.connect(lambda: self.picked.emit(self._today()) or self.close())
        hint = QLabel("Arrows move, Enter picks, Escape closes")
        hint.setStyleSheet("color: palette(dark);")
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.today_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.calendar)
        layout.addLayout(row)
        for view in self.calendar.findChildren(QWidget):
            view.installEventFilter(self)

    def open_at(self, anchor: QWidget, shown: date | None) -> None:
        start = shown or self._today()
        self.calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        self.adjustSize()
        self.move(anchor.mapToGlobal(QPoint(0, anchor.height())))
        self.show()
        self.calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _pick(self, value: QDate) -> None:
        self.picked.emit(date(value.year(), value.month(), value.day()))
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched, event) -> bool:
        # The calendar's grid takes letters for itself; T (or Alt+T, the button's letter) is Today.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_T:
            event.accept()  # ours, not the window's Alt+T menu behind the calendar
            return True
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_T:
            self.today_button.click()
            return True
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.close()
            return True
        return False


class DateEdit(QLineEdit):
    """A field for a date: typed in full ("2026-11-25", "Nov 25 2026", "25 November 2026"), shown as
    YYYY-MM-DD (after the weekday, with `weekday=True`) once the field is left. Alt+Down (or F4, or the
    button in the field) opens a calendar with Today; Up and Down move a day, Page Up and Page Down a
    month.

    `date_changed` follows the typing; `date_chosen` is for acting on the date: it comes when a date is
    picked in the calendar, stepped with the arrows, confirmed with Enter or the field is left.
    """

    #: The parsed date (or None) whenever it changes.
    date_changed = Signal(object)
    #: A date the person settled on (Enter, leaving the field, the calendar, the arrows).
    date_chosen = Signal(object)

    PROBLEM = "Type the date as YYYY-MM-DD, for example 2026-11-25."

    def __init__(self, parent: QWidget | None = None, *, weekday: bool = False,
                 today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.weekday = weekday
        self._today = today or date.today
        self.setPlaceholderText("YYYY-MM-DD")
        self.setMaxLength(30)
        self.setToolTip("Type the date year first (2026-11-25) or with the month's name (Nov 25 2026). "
                        "Alt+Down opens a calendar.")
        self._last: date | None = None
        self._chosen: date | None = None
        self._popup: _CalendarPopup | None = None
        # An icon only (its words are the tooltip), like a combo box's arrow.
        self.calendar_action = QAction(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowDown), "", self)
        self.calendar_action.setToolTip("Choose the date in a calendar (Alt+Down)")
        self.calendar_action.triggered.connect(self.open_calendar)
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self.textChanged.connect(self._on_text)
        self.editingFinished.connect(self._normalise)
        self.editingFinished.connect(self._settle)
        if weekday:
            self.setFixedWidth(self.fontMetrics().horizontalAdvance("Wed 2026-11-25") + 44)

    def date(self) -> date | None:
        """The date typed, or None when the field is empty or cannot be read."""
        return parse_typed_date(self.text())

    def set_date(self, value: date | None) -> None:
        """Show `value` (a program's change: `date_chosen` is not emitted for it)."""
        self._chosen = value
        self.setText("" if value is None else self._shown(value))

    def _shown(self, value: date) -> str:
        return format_weekday_iso(value) if self.weekday else value.isoformat()

    # --- The calendar and the keys -------------------------------------------------------------

    def open_calendar(self) -> None:
        if self._popup is None:
            self._popup = _CalendarPopup(self._today, self)
            self._popup.picked.connect(self._picked)
        self._popup.open_at(self, self.date())

    @property
    def calendar_popup(self) -> _CalendarPopup | None:
        return self._popup

    def _picked(self, value: date) -> None:
        self.setText(self._shown(value))
        self.setFocus(Qt.FocusReason.PopupFocusReason)
        self._settle()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        if key == Qt.Key.Key_F4 or (key == Qt.Key.Key_Down and modifiers & Qt.KeyboardModifier.AltModifier):
            self.open_calendar()
            return
        steps = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}
        if self.date() is not None and ((key in steps and not modifiers & Qt.KeyboardModifier.AltModifier)
                                        or key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)):
            current = self.date()
            if key in steps:
                moved = current + timedelta(days=steps[key])
            else:
                moved = _add_months(current, 1 if key == Qt.Key.Key_PageUp else -1)
            self.setText(self._shown(moved))
            self._settle()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._normalise()
            self._settle()
        super().keyPressEvent(event)

    def _settle(self) -> None:
        current = self.date()
        if current is not None and current != self._chosen:
            self._chosen = current
            self.date_chosen.emit(current)

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
        if current is not None and self.text() != self._shown(current):
            self.setText(self._shown(current))


def _add_months(value: date, months: int) -> date:
    month = value.month - 1 + months
    year, month = value.year + month // 12, month % 12 + 1
    for day in (value.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(value)


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
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

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
