"""Small pieces shared by the booking, move and find-a-slot dialogs."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QPoint, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.areas import ALL_AREAS
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.when import format_time, format_weekday_iso, parse_typed_date
from frontdesk.services.records import AppointmentTypeInfo, TherapistInfo

ANY_THERAPIST = 0


def type_combo(types: list[AppointmentTypeInfo]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("type")
    for kind in types:
        combo.addItem(f"{kind.name} ({kind.duration_minutes} min)", kind)
    return combo


def therapist_combo(therapists: list[TherapistInfo], *, any_label: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("therapist")
    if any_label:
        combo.addItem(any_label, None)
    for therapist in therapists:
        suffix = "" if therapist.ims_qualified else "  (no IMS)"
        combo.addItem(therapist.name + suffix, therapist)
    return combo


def select_data(combo: QComboBox, match) -> bool:
    """Select the item whose data satisfies ``match``; False if there is none."""
    for index in range(combo.count()):
        if match(combo.itemData(index)):
            combo.setCurrentIndex(index)
            return True
    return False


def area_combo() -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("area")
    combo.addItem("(choose the area for IMS)", "")
    for area in ALL_AREAS:
        combo.addItem(area.label, area.key)
    return combo


def date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd yyyy-MM-dd")
    return edit


def time_edit(value: time) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute))
    edit.setDisplayFormat("H:mm")
    return edit


def picked_date(edit: QDateEdit | DateField) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def picked_start(date_widget: QDateEdit | DateField, time_widget: QTimeEdit, zone: ZoneInfo) -> datetime:
    wall = time_widget.time()
    return local_instant(picked_date(date_widget), time(wall.hour(), wall.minute()), zone)


def set_start(date_widget: QDateEdit | DateField, time_widget: QTimeEdit, start: datetime, zone: ZoneInfo) -> None:
    local = start.astimezone(zone)
    date_widget.setDate(QDate(local.year, local.month, local.day))
    time_widget.setTime(QTime(local.hour, local.minute))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- A date field that takes typed dates --------------------------------------------------------

DATE_HINT = "Type a date like 2026-12-07, Dec 7 or +7 (days from today), or press Alt+Down for the calendar."


class _CalendarPopup(QFrame):
    """The calendar under a date field, with a Today button; Enter or a click picks, Escape closes."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget, today: date) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("calendar")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.today_button = QPushButton("&Today")
        self.today_button.setObjectName("calendar_today")
        self.today_button.setToolTip("Pick today (Alt+T)")
        self._today = QDate(today.year, today.month, today.day)
        self.today_button.clicked.connect(lambda: self.picked.emit(self._today))
        self.calendar.activated.connect(self.picked)
        self.calendar.clicked.connect(self.picked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.calendar)
        row = QHBoxLayout()
        hint = QLabel("Arrows move, Enter picks, Esc closes")
        hint.setStyleSheet("color: palette(mid);")
        row.addWidget(hint, 1)
        row.addWidget(self.today_button)
        layout.addLayout(row)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        if event.key() == Qt.Key.Key_T and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.today_button.click()
            return
        super().keyPressEvent(event)


class DateField(QWidget):
    """A date that can be typed (see `parse_typed_date`) or picked: Alt+Down or F4 opens a calendar
    with a Today button. Shown as "Mon 2026-12-07". The part of `QDateEdit` the dialogs use:
    `date()`, `setDate()` and `dateChanged`. Text that is not a date stays as typed, marked, with the
    way to write one beside it; `date()` keeps the last good date."""

    dateChanged = Signal(QDate)

    def __init__(self, value: date, today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today or date.today()
        self._value = value
        self._valid = True
        self.edit = QLineEdit()
        self.edit.setObjectName("date_text")
        self.edit.setToolTip(DATE_HINT)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("Wed 2026-11-25") + 24)
        self.button = QToolButton()
        self.button.setObjectName("calendar_button")
        self.button.setText("▾")
        self.button.setToolTip("Open the calendar (Alt+Down)")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.open_calendar)
        self.error = QLabel("Not a date: type 2026-12-07, Dec 7 or +7.")
        self.error.setObjectName("date_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.editingFinished.connect(self.commit)
        self.edit.installEventFilter(self)
        self.popup: _CalendarPopup | None = None
        self._show()

    # --- The QDateEdit part ----------------------------------------------------------------------

    def date(self) -> QDate:
        return QDate(self._value.year, self._value.month, self._value.day)

    def value(self) -> date:
        return self._value

    def setDate(self, value: QDate | date) -> None:
        if isinstance(value, QDate):
            value = date(value.year(), value.month(), value.day())
        changed = value != self._value
        self._value = value
        self._set_valid(True)
        self._show()
        if changed:
            self.dateChanged.emit(self.date())

    def is_valid(self) -> bool:
        """False while the text typed is not a date (nothing is lost: it stays in the field)."""
        return self._valid

    # --- Typing and picking ----------------------------------------------------------------------

    def _text(self) -> str:
        return format_weekday_iso(self._value)

    def _show(self) -> None:
        self.edit.setText(self._text())

    def _set_valid(self, valid: bool) -> None:
        self._valid = valid
        self.error.setVisible(not valid)
        self.edit.setStyleSheet("" if valid else "border: 2px solid #b00020;")

    def commit(self) -> bool:
        text = self.edit.text()
        if text == self._text():
            self._set_valid(True)
            return True
        parsed = parse_typed_date(text, self._today)
        if parsed is None:
            self._set_valid(False)
            return False
        self.setDate(parsed)
        return True

    def eventFilter(self, watched, event) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            alt_down = event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
            if alt_down or event.key() == Qt.Key.Key_F4:
                self.open_calendar()
                return True
        return super().eventFilter(watched, event)

    def open_calendar(self) -> None:
        self.commit()
        if self.popup is None:
            self.popup = _CalendarPopup(self, self._today)
            self.popup.picked.connect(self._picked)
        self.popup.calendar.setSelectedDate(self.date())
        self.popup.adjustSize()
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()
        self.popup.calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _picked(self, value: QDate) -> None:
        if self.popup is not None:
            self.popup.close()
        self.setDate(value)
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
        self.edit.selectAll()


def last_ims_area(bookings) -> str:
    """The IMS area of the patient's most recent IMS appointment among their bookings ("" if none)."""
    for record in (*bookings.last, *reversed(bookings.upcoming)):
        if record.is_ims and record.area:
            return record.area
    return ""


def show_patient_bookings(ctx, actor, patient_id: int, label: QLabel, area: QComboBox) -> None:
    """Both booking dialogs: the patient's last and next appointments in `label`, and, while no IMS area
    is chosen yet, the area of their last IMS visit in `area`."""
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.availability import patient_bookings

    try:
        bookings = patient_bookings(ctx, actor, patient_id)
    except ServiceError as error:
        label.setText(error.message)
        return
    label.setText(bookings_text(bookings, ctx.zone))
    last_area = last_ims_area(bookings)
    if last_area and not area.currentData():
        select_data(area, lambda key: key == last_area)


def bookings_text(bookings, zone: ZoneInfo) -> str:
    """The patient's last and next appointments in date order, one short line each, for the booking
    dialogs: "Last: Fri Nov 27, 2026, 10:15 · IMS treatment · Alex Schell · Right lower leg"."""
    from frontdesk.ui.appointments.appointment_model import short_date

    def line(word: str, record) -> str:
        parts = [f"{short_date(record.starts_at, zone)}, {format_time(record.starts_at, zone)}", record.type_name,
                 record.therapist_name]
        if record.area_label:
            parts.append(record.area_label)
        return f"{word}: " + " · ".join(parts)

    lines = [line("Last", r) for r in reversed(bookings.last)] + [line("Next", r) for r in bookings.upcoming]
    return "\n".join(lines) if lines else "No appointments yet."
