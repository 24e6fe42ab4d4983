"""The email reminder of one appointment: its state in a line, and the exact message in a dialog."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.reminder_messages import ReminderPreview, preview_reminder
from frontdesk.services.reminders import reminder_status
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry


def reminder_line(ctx: ServiceContext, actor: Actor, appointment_id: int) -> str | None:
    """The reminder's state for the detail pane; None (and a log line) when it cannot be read."""
    try:
        return reminder_status(ctx, actor, appointment_id).text
    except ServiceError:
        return None
    except Exception:
        logging.getLogger("frontdesk").exception("reading the reminder of appointment %s failed", appointment_id)
        return None


class ReminderPreviewDialog(QDialog):
    """Read-only: who it goes to, from whom, the subject, the text as sent, the attachment's name."""

    def __init__(self, preview: ReminderPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Email reminder")
        self.preview = preview
        note = QLabel(preview.note)
        note.setObjectName("preview_note")
        note.setWordWrap(True)
        form = QFormLayout()
        for label, value in (("To", preview.to), ("From", preview.sender), ("Subject", preview.subject),
                             ("Attachment", f"{preview.attachment_name} (calendar file)")):
            field = QLabel(value)
            field.setObjectName(f"preview_{label.lower()}")
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{label}:", field)
        self.body = QPlainTextEdit(preview.body)
        self.body.setObjectName("preview_body")
        self.body.setReadOnly(True)
        self.body.setTabChangesFocus(True)
        self.body.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)
        remember_geometry(self, "reminder_preview")
        self.body.setFocus()


def show_reminder_preview(ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget,
                          appointment_id: int) -> ReminderPreviewDialog | None:
    preview = call_service(parent, prompts, "Email reminder", preview_reminder, ctx, actor, appointment_id)
    if preview is None:
        return None
    dialog = ReminderPreviewDialog(preview, parent)
    dialog.open()
    parent.last_reminder_preview = dialog
    return dialog
