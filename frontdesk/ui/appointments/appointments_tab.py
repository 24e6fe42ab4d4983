"""The Appointments tab: the list of every appointment, and "My day" for one physiotherapist.

Both pages are built the first time the tab is shown (or a page is asked for), not when the main
window opens: the window's first screen is another tab, and the list's first page is a query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.ui.appointments.desk_undo import DeskUndo
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.geometry import recalled_value, remember_value
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn

if TYPE_CHECKING:
    from frontdesk.ui.appointments.appointment_list import AppointmentListPage
    from frontdesk.ui.appointments.my_day import MyDayWidget

PAGE_KEY = "appointments/page"
MY_DAY_PAGE = 1


def _holder() -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    return holder


class AppointmentsTab(QWidget):
    changed = Signal(set)
    #: Forwarded from "My day": ("day_sheet", therapist id, day).
    print_requested = Signal(str, int, object)

    actor = CurrentActor()  # the window's signed-in person, read at each use
    signed_in: SignedIn

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 desk: DeskUndo | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.desk = desk
        self._announcing = False
        self._list_page: AppointmentListPage | None = None
        self._my_day: MyDayWidget | None = None
        #: The window's actions on an appointment (Book again), for the list's context menu.
        self.context_actions: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.pages = QTabWidget()
        self.pages.setObjectName("appointments_pages")
        self.pages.setDocumentMode(True)
        self._holders = (_holder(), _holder())
        self.pages.addTab(self._holders[0], "All appointments")
        self.pages.addTab(self._holders[1], "M&y day")
        layout.addWidget(self.pages)
        try:
            self.pages.setCurrentIndex(int(str(recalled_value(PAGE_KEY, 0))))
        except (TypeError, ValueError):
            self.pages.setCurrentIndex(0)
        self.pages.currentChanged.connect(lambda index: remember_value(PAGE_KEY, index))
        # Alt+Y (the page's key) puts the keys in My day's list, not on the page's tab: Enter opens a visit.
        self.pages.tabBar().installEventFilter(self)

    @property
    def list_page(self) -> AppointmentListPage:
        self._build_pages()
        assert self._list_page is not None
        return self._list_page

    @property
    def my_day(self) -> MyDayWidget:
        self._build_pages()
        assert self._my_day is not None
        return self._my_day

    def show_my_day(self) -> None:
        """The "My day" page, on the signed-in physiotherapist's list, with its table in focus."""
        self.pages.setCurrentIndex(MY_DAY_PAGE)
        self.my_day.show_own_day()
        self.my_day.table.setFocus()

    def selected_appointment(self):
        """The appointment selected on the page in front (None before the pages are built)."""
        if self._list_page is None or self._my_day is None:
            return None
        page = self._list_page if self.pages.currentIndex() == 0 else self._my_day
        return page.current_record()

    def showEvent(self, event: QShowEvent) -> None:
        self._build_pages()
        super().showEvent(event)
        # Reached by Alt+A (or a click on the tab): Qt gives the focus to the page's tab bar or its first
        # field; the list in front takes it instead, so the arrows and Enter act on the rows at once.
        QTimer.singleShot(0, self.focus_list)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut and watched is self.pages.tabBar():
            QTimer.singleShot(0, self.focus_list)  # after the tab bar has switched the page
        return super().eventFilter(watched, event)

    def focus_list(self) -> None:
        """The keyboard to the table of the page in front."""
        if self._list_page is None or self._my_day is None or not self.isVisible():
            return
        page = self._list_page if self.pages.currentIndex() == 0 else self._my_day
        page.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _build_pages(self) -> None:
        if self._list_page is not None:
            return
        from frontdesk.ui.appointments.appointment_list import AppointmentListPage
        from frontdesk.ui.appointments.my_day import MyDayWidget

        self._list_page = AppointmentListPage(self.ctx, self.signed_in, self.prompts, desk=self.desk)
        self._my_day = MyDayWidget(self.ctx, self.signed_in, self.prompts, desk=self.desk)
        self._list_page.context_actions = self.context_actions
        pages: tuple[AppointmentListPage | MyDayWidget, ...] = (self._list_page, self._my_day)
        for holder, page in zip(self._holders, pages, strict=True):
            layout = holder.layout()
            assert layout is not None  # made with one (`_holder`)
            layout.addWidget(page)
            page.show()  # at once, with its holder, rather than at the next turn of the event loop
            page.changed.connect(self._page_changed)
        self._my_day.print_requested.connect(self.print_requested)

    def _page_changed(self, changes: set[Kind]) -> None:
        """A change made on one page shows on the other at once, then goes to the other tabs."""
        sender = self.sender()
        for page in (self._list_page, self._my_day):
            if page is not None and page is not sender:
                page.refresh(changes)
        self._announcing = True
        try:
            self.changed.emit(changes)
        finally:
            self._announcing = False

    def refresh(self, changes: set[Kind]) -> None:
        if self._announcing or self._list_page is None:
            return  # our own change coming back, or pages not built yet (they load fresh when they are)
        self.list_page.refresh(changes)
        self.my_day.refresh(changes)
