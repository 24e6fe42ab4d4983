"""Window and dialog sizes, splitters and small choices remembered between runs."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, QEvent
from PySide6.QtWidgets import QWidget

from frontdesk.config import data_dir


def ui_settings() -> QSettings:
    """An INI file in the data folder (not the registry), so tests and portable installs stay apart."""
    return QSettings(str(data_dir() / "ui.ini"), QSettings.Format.IniFormat)


class _GeometryKeeper(QObject):
    def __init__(self, widget: QWidget, key: str) -> None:
        super().__init__(widget)
        self._key = f"geometry/{key}"
        saved = ui_settings().value(self._key)
        if saved is not None:
            widget.restoreGeometry(saved)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Close, QEvent.Type.Hide) and isinstance(watched, QWidget):
            ui_settings().setValue(self._key, watched.saveGeometry())
        return False


def remember_geometry(widget: QWidget, key: str) -> None:
    _GeometryKeeper(widget, key)


def remember_value(key: str, value: object) -> None:
    ui_settings().setValue(f"choices/{key}", value)


def recalled_value(key: str, default: object = None) -> object:
    return ui_settings().value(f"choices/{key}", default)
