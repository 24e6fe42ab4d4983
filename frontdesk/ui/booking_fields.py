"""Small pieces shared by the booking, move and find-a-slot dialogs."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import QComboBox, QDateEdit, QTimeEdit

from frontdesk.domain.areas import ALL_AREAS
from frontdesk.domain.scheduling import local_instant
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


def picked_date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def picked_start(date_widget: QDateEdit, time_widget: QTimeEdit, zone: ZoneInfo) -> datetime:
    wall = time_widget.time()
    return local_instant(picked_date(date_widget), time(wall.hour(), wall.minute()), zone)


def set_start(date_widget: QDateEdit, time_widget: QTimeEdit, start: datetime, zone: ZoneInfo) -> None:
    local = start.astimezone(zone)
    date_widget.setDate(QDate(local.year, local.month, local.day))
    time_widget.setTime(QTime(local.hour, local.minute))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
