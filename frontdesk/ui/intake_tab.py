"""The Intake tab (frame; filled by its issue)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.ui.errors import Prompts


class IntakeTab(QWidget):
    changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Intake"))

    def refresh(self, changes: set) -> None:
        pass
