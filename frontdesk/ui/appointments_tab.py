"""The Appointments tab: the list of every appointment, and "My day" for one physiotherapist."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.ui.appointment_list import AppointmentListPage
from frontdesk.ui.errors import Prompts
from frontdesk.ui.geometry import recalled_value, remember_value
from frontdesk.ui.my_day import MyDayWidget

PAGE_KEY = "appointments/page"


class AppointmentsTab(QWidget):
    changed = Signal(set)
    #: Forwarded from "My day": ("day_sheet", therapist id, day).
    print_requested = Signal(str, int, object)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self._announcing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.pages = QTabWidget()
        self.pages.setObjectName("appointments_pages")
        self.pages.setDocumentMode(True)
        self.list_page = AppointmentListPage(ctx, actor, prompts)
        self.my_day = MyDayWidget(ctx, actor, prompts)
        self.pages.addTab(self.list_page, "All appointments")
        self.pages.addTab(self.my_day, "M&y day")
        layout.addWidget(self.pages)
        for page in (self.list_page, self.my_day):
            page.changed.connect(self._page_changed)
        self.my_day.print_requested.connect(self.print_requested)
        try:
            self.pages.setCurrentIndex(int(recalled_value(PAGE_KEY, 0)))
        except (TypeError, ValueError):
            self.pages.setCurrentIndex(0)
        self.pages.currentChanged.connect(lambda index: remember_value(PAGE_KEY, index))

    def _page_changed(self, changes: set) -> None:
        """A change made on one page shows on the other at once, then goes to the other tabs."""
        sender = self.sender()
        for page in (self.list_page, self.my_day):
            if page is not sender:
                page.refresh(changes)
        self._announcing = True
        try:
            self.changed.emit(changes)
        finally:
            self._announcing = False

    def refresh(self, changes: set) -> None:
        if self._announcing:
            return  # our own change coming back from the main window: the pages are up to date
        self.list_page.refresh(changes)
        self.my_day.refresh(changes)
