"""The waitlist at the desk: the Waitlist view (Lists ▸ Waitlist…) and the freed-slot panel.

When a cancellation, a no-show, a move or new extra hours frees time, the services tell the context
(`services.freed`); the panel opens at the side of the window without taking the focus, and the
status bar says so. F8 puts the focus on the best-fitting patient, Enter books them. A slot freed at
another desk opens the panel here too, as its change arrives (`freed_at_other_desks`); once one desk
books it, the others' panels close within a second.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.waitlist import WaitState
from frontdesk.domain.when import format_month_day, format_short_date, format_time, format_weekday_iso, local_day
from frontdesk.services.changes import Changes, Kind
from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.freed import FreedSlot
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.table_model import Column, RowTableModel

CHANGES = frozenset({Kind.APPOINTMENTS, Kind.WAITLIST})
FREED_WORDS = {"cancelled": "cancelled", "no_show": "a no-show", "moved": "moved", "extra_hours": "new extra hours"}


def _offer_text(offer, ctx: ServiceContext, stretch_start) -> str:
    """Two lines: who (and when, inside a longer stretch), then what for, how long waiting, the
    priority if not normal, the phone."""
    entry = offer.entry
    what = entry.type_name + (f", {entry.area_label.lower()}" if entry.area_label else "")
    bits = [what, entry.waiting_text(ctx.today())]
    if offer.starts_at != stretch_start:
        bits.insert(0, f"at {format_time(offer.starts_at, ctx.zone)}")
    if entry.priority.label != "Normal":
        bits.append(f"{entry.priority.label.lower()} priority")
    if offer.later_booking is not None:
        bits.append(f"next visit {format_month_day(local_day(offer.later_booking, ctx.zone))}")
    if entry.phone:
        bits.append(entry.phone)
    return entry.patient_name + "\n    " + " · ".join(bits)


class FreedSlotPanel(QWidget):
    """The waiting patients who fit a freed slot, best first; Enter (or Book) books the highlighted one."""

    book_requested = Signal(object)
    dismissed = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.offers = None
        self.why = ""
        self.elsewhere = False
        self.title = QLabel()
        self.title.setObjectName("freed_title")
        self.title.setWordWrap(True)
        self.list = _OfferList()
        self.list.setObjectName("freed_offers")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.hint = QLabel("F8 comes here · Enter books the highlighted patient · Esc closes")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.list.activated.connect(lambda _index: self._book())
        self.list.enter.connect(self._book)
        self.list.escape.connect(self.dismissed)
        self.book_button = QPushButton("&Book this patient")
        self.book_button.setObjectName("book_offer")
        self.book_button.clicked.connect(self._book)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(self.dismissed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.setFocusProxy(self.list)
        self.setMaximumWidth(300)

    def show_offers(self, offers, why: str, *, elsewhere: bool = False) -> None:
        from frontdesk.services.waitlist_offers import slot_text

        self.offers, self.why, self.elsewhere = offers, why, elsewhere
        count = len(offers.offers)
        who = "1 waiting patient fits" if count == 1 else f"{count} waiting patients fit"
        words = FREED_WORDS.get(why, why) + (" at another desk" if elsewhere else "")
        self.title.setText(f"<b>Free now</b> ({words}): {slot_text(offers, self.ctx)}. "
                           f"{who}, best first:")
        self.list.clear()
        for offer in offers.offers:
            item = QListWidgetItem(_offer_text(offer, self.ctx, offers.starts_at))
            item.setData(Qt.ItemDataRole.UserRole, offer)
            item.setToolTip(offer.entry.note or "")
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    def _book(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.book_requested.emit(item.data(Qt.ItemDataRole.UserRole))


class _OfferList(QListWidget):
    enter = Signal()
    escape = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)


class WaitlistDesk(QObject):
    """The window's waitlist: its menu entries, the freed-slot panel and the Waitlist view."""

    #: A slot freed (carried across threads to the window's).
    slot_freed = Signal(object)
    changed = Signal(set)

    actor = CurrentActor()

    def __init__(self, ctx: ServiceContext, actor, prompts: Prompts, window: QMainWindow) -> None:
        super().__init__(window)
        self.ctx, self.actor, self.prompts, self.window = ctx, actor, prompts, window
        self.view: WaitlistDialog | None = None
        self._trail_at: int | None = None  # where the audit trail was last read for other desks' freed slots
        self.panel = FreedSlotPanel(ctx)
        self.dock = QDockWidget("Waitlist: a slot came free", window)
        self.dock.setObjectName("freed_slot_dock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                              | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.book_requested.connect(self.book_offer)
        self.panel.dismissed.connect(self._dismiss)
        self.slot_freed.connect(self.offer_freed_slot, Qt.ConnectionType.QueuedConnection)
        self._stop = ctx.freed.subscribe(self.slot_freed.emit)
        self.destroyed.connect(lambda *_: self._stop())

        self.view_action = QAction("&Waitlist…", window)
        self.view_action.setObjectName("waitlist_view")
        self.view_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.view_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.view_action.setToolTip("Patients waiting for an earlier slot (Ctrl+Shift+W)")
        self.view_action.triggered.connect(self.show_view)
        self.add_action = QAction("Add to the &waitlist…", window)
        self.add_action.setObjectName("waitlist_add")
        self.add_action.setToolTip("Put the open patient (or the selected appointment's) on the waitlist")
        self.add_action.triggered.connect(self.add_for_current)
        self.offers_action = QAction("Waiting patients for the freed &slot", window)
        self.offers_action.setObjectName("waitlist_offers")
        self.offers_action.setShortcut(QKeySequence("F8"))
        self.offers_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.offers_action.triggered.connect(self.focus_offers)
        for action in (self.view_action, self.add_action, self.offers_action):
            window.addAction(action)

    # --- A freed slot -----------------------------------------------------------------------------

    def offer_freed_slot(self, slot: FreedSlot, *, elsewhere: bool = False) -> None:
        """Offer `slot` to the waiting patients who fit; `elsewhere`: another desk freed it."""
        from frontdesk.domain.roles import Permission
        from frontdesk.services.waitlist_offers import offers_for_freed

        if not self.actor.may(Permission.BOOK):
            return
        try:
            offers = offers_for_freed(self.ctx, self.actor, slot.therapist_id, slot.starts_at, slot.ends_at)
        except ServiceError:
            return
        except Exception:  # a failed suggestion must never get in the desk's way
            import logging

            logging.getLogger("frontdesk").exception("waitlist offers for a freed slot failed")
            return
        if not offers.offers:
            return
        self.panel.show_offers(offers, slot.why, elsewhere=elsewhere)
        self.dock.show()  # beside the work, without taking the focus
        count = len(offers.offers)
        who = "1 waiting patient fits" if count == 1 else f"{count} waiting patients fit"
        where = " at another desk" if elsewhere else ""
        self.window.statusBar().showMessage(f"A slot came free{where}: {who}. F8 to book one.", 60000)

    def focus_offers(self) -> None:
        if self.dock.isHidden() or not self.panel.list.count():
            self.window.statusBar().showMessage("No freed slot is waiting for a patient.", 8000)
            return
        self.dock.raise_()
        self.panel.list.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def book_offer(self, offer) -> None:
        from frontdesk.services.waitlist import book_from_waitlist

        record = call_service(self.window, self.prompts, "Book from the waitlist", book_from_waitlist, self.ctx,
                              self.actor, offer.entry.id, offer.entry.version, offer.therapist_id, offer.starts_at)
        if record is None:
            self._refresh_offers()
            return
        zone = self.ctx.zone
        message = (f"Booked {record.patient_name} with {record.therapist_name}, "
                   f"{format_short_date(local_day(record.starts_at, zone), year=False)}, "
                   f"{format_time(record.starts_at, zone)}; off the waitlist.")
        if offer.later_booking is not None:
            later = format_short_date(local_day(offer.later_booking, zone), year=False)
            message += f" Their visit of {later} is still booked: cancel it if this one replaces it."
        self.window.statusBar().showMessage(message, 30000)
        self.changed.emit(Changes.made(CHANGES))  # the window refreshes its views and, through `refresh`, this panel

    def _refresh_offers(self) -> None:
        from frontdesk.services.waitlist_offers import offers_for_freed

        current = self.panel.offers
        if current is None:
            return
        left = call_service(self.window, self.prompts, "Waitlist", offers_for_freed, self.ctx, self.actor,
                            current.therapist_id, current.starts_at, current.ends_at)
        if left is not None and left.offers:
            self.panel.show_offers(left, self.panel.why, elsewhere=self.panel.elsewhere)
        else:
            self._dismiss()

    def _dismiss(self) -> None:
        had_focus = self.panel.isAncestorOf(self.window.focusWidget()) if self.window.focusWidget() else False
        self.dock.hide()
        if had_focus:
            self.window.centralWidget().setFocus()

    # --- The view and adding ------------------------------------------------------------------------

    def show_view(self) -> None:
        if self.view is None:
            self.view = WaitlistDialog(self.ctx, self.actor, self.prompts, self.window)
            self.view.changed.connect(self.changed)
        self.view.reload()
        self.view.show()
        self.view.activateWindow()
        self.view.table.setFocus()

    def refresh(self, changes: set[Kind]) -> None:
        if self.view is not None and self.view.isVisible() and changes & (CHANGES | {Kind.PATIENTS}):
            self.view.reload()
        if self.dock.isVisible() and changes & CHANGES:
            self._recheck_offers(remote=getattr(changes, "remote", False))
        if getattr(changes, "remote", False) and changes & {Kind.APPOINTMENTS, Kind.THERAPISTS}:
            self._freed_elsewhere()

    def _freed_elsewhere(self) -> None:
        """Another desk cancelled, marked a no-show, moved, or added extra hours: offer the time it
        freed here too, as on that desk."""
        from frontdesk.domain.roles import Permission
        from frontdesk.services.freed import freed_at_other_desks, newest_trail_entry

        if not self.actor.may(Permission.BOOK):
            return
        try:
            if self._trail_at is None:
                live = getattr(self.window, "live", None)
                self._trail_at = getattr(live, "opened_at_entry", None)
                if self._trail_at is None:  # not known: from now on
                    self._trail_at = newest_trail_entry(self.ctx)
                    return
            slots, self._trail_at = freed_at_other_desks(self.ctx, self.actor, self._trail_at)
        except ServiceError:
            return
        except Exception:  # a failed suggestion must never get in the desk's way
            import logging

            logging.getLogger("frontdesk").exception("reading the slots other desks freed failed")
            return
        for slot in slots:
            self.offer_freed_slot(slot, elsewhere=True)

    def _recheck_offers(self, *, remote: bool = False) -> None:
        """Something changed (the slot booked from the Schedule or at another desk, a cancellation
        undone): offer only who still fits, and close the panel when nobody does."""
        from frontdesk.services.waitlist_offers import offers_for_freed

        current = self.panel.offers
        try:
            left = offers_for_freed(self.ctx, self.actor, current.therapist_id, current.starts_at,
                                    current.ends_at) if current is not None else None
        except ServiceError:
            left = None
        if left is not None and left.offers:
            highlighted = self.panel.list.currentRow()
            self.panel.show_offers(left, self.panel.why, elsewhere=self.panel.elsewhere)
            self.panel.list.setCurrentRow(min(max(highlighted, 0), self.panel.list.count() - 1))
        else:
            self._dismiss()
            if remote:
                self.window.statusBar().showMessage("The freed slot was just taken at another desk (or nobody "
                                                    "waiting fits it any more): the waitlist panel closed.", 30000)

    def add_for_current(self) -> None:
        target = self.window.book_again_target()
        self.add(target.patient_id if target is not None else None,
                 preset={"type_id": target.type_id} if target is not None and target.type_id else None)

    def add(self, patient_id: int | None, *, preset: dict | None = None, parent: QWidget | None = None) -> None:
        from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

        name = ""
        if patient_id is not None:
            from frontdesk.services.waitlist import patient_name

            name = call_service(self.window, self.prompts, "Waitlist", patient_name, self.ctx, self.actor, patient_id)
            if name is None:
                return
        dialog = WaitlistEntryDialog(self.ctx, self.actor, self.prompts, parent or self.window,
                                     patient_id=patient_id, patient_name=name, preset=preset)
        if dialog.exec() and dialog.saved is not None:
            saved = dialog.saved
            self.window.statusBar().showMessage(
                f"{saved.patient_name} is on the waitlist for {saved.type_name.lower()} from "
                f"{format_month_day(saved.earliest)}.", 15000)
            self.changed.emit(Changes.made(Kind.WAITLIST))


class WaitlistDialog(QDialog):
    """Lists ▸ Waitlist…: the entries with filters, each one's age; add, change, withdraw."""

    changed = Signal(set)
    actor = CurrentActor()

    def __init__(self, ctx: ServiceContext, actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from frontdesk.services.schedule import list_appointment_types
        from frontdesk.services.schedule_view import list_therapists

        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.setWindowTitle("Waitlist")
        self.setModal(False)
        self.type_filter = QComboBox()
        self.type_filter.setObjectName("type_filter")
        self.type_filter.addItem("All types", None)
        for kind in list_appointment_types(ctx, self.actor):
            self.type_filter.addItem(kind.name, kind.id)
        self.therapist_filter = QComboBox()
        self.therapist_filter.setObjectName("therapist_filter")
        self.therapist_filter.addItem("Any physiotherapist", None)
        for therapist in list_therapists(ctx, self.actor):
            if therapist.active:
                self.therapist_filter.addItem(therapist.name, therapist.id)
        self.state_filter = QComboBox()
        self.state_filter.setObjectName("state_filter")
        for state in (WaitState.WAITING, WaitState.BOOKED, WaitState.WITHDRAWN):
            self.state_filter.addItem(state.label, state.value)
        self.state_filter.addItem("All", None)
        filters = QHBoxLayout()
        for text, combo in (("T&ype:", self.type_filter), ("&Physiotherapist:", self.therapist_filter),
                            ("&State:", self.state_filter)):
            label = QLabel(text)
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(lambda *_: self.reload())
        filters.addStretch(1)

        today = ctx.today
        self.model: RowTableModel = RowTableModel([
            Column("Patient", lambda r: r.patient_name, tooltip=lambda r: r.phone or None),
            Column("Waiting", lambda r: r.waiting_text(today()) if r.state is WaitState.WAITING
                   else r.state.label.lower()),
            Column("Priority", lambda r: r.priority.label),
            Column("Type", lambda r: r.type_name + (f" · {r.area_label}" if r.area_label else "")),
            Column("Physiotherapists", lambda r: r.therapists_text, tooltip=lambda r: r.therapists_text),
            Column("Days and times", lambda r: r.when_text),
            Column("Earliest", lambda r: format_weekday_iso(r.earliest)),
            Column("Phone", lambda r: r.phone),
            Column("Note", lambda r: r.note or r.closed_reason, tooltip=lambda r: r.note or r.closed_reason or None),
        ], self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("waitlist_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)  # long lists of names
        self.table.setColumnWidth(4, 170)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.master = MasterDetail(self.table, self._id_at, self._enable)
        self.master.follow(self.table.selectionModel().currentChanged)
        self.count_label = QLabel()
        self.count_label.setObjectName("waitlist_count")

        self.add_button = QPushButton("&Add…")
        self.add_button.clicked.connect(self.add_entry)
        self.edit_button = QPushButton("&Change…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.withdraw_button = QPushButton("&Withdraw…")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        for button in (self.add_button, self.edit_button, self.withdraw_button, close):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.withdraw_button):
            buttons.addWidget(button)
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(980, 480)

    def reload(self) -> None:
        from frontdesk.services.waitlist import list_waitlist

        records = call_service(self, self.prompts, "Waitlist", list_waitlist, self.ctx, self.actor,
                               state=self.state_filter.currentData(), type_id=self.type_filter.currentData(),
                               therapist_id=self.therapist_filter.currentData())
        if records is None:
            return
        with self.master.reload(first=self._first_row):  # the selected entry stays selected, else the first
            self.model.set_rows(records)
        count = len(records)
        self.count_label.setText(f"{count} entr{'y' if count == 1 else 'ies'}")

    def _id_at(self, index: QModelIndex) -> int | None:
        return getattr(self.model.row_at(self.proxy.mapToSource(index).row()), "id", None)

    def _first_row(self) -> int | None:
        row = self.proxy.mapFromSource(self.model.index(0, 0)).row() if self.model.rowCount() else -1
        return row if row >= 0 else None

    def _enable(self) -> None:
        record = self.selected()
        waiting = record is not None and record.state is WaitState.WAITING
        self.edit_button.setEnabled(waiting)
        self.withdraw_button.setEnabled(waiting)

    def selected(self):
        index = self.table.currentIndex() if self.table.model() is not None else None
        if index is None or not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def add_entry(self) -> None:
        from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

        dialog = WaitlistEntryDialog(self.ctx, self.actor, self.prompts, self)
        if dialog.exec() and dialog.saved is not None:
            self.changed.emit(Changes.made(Kind.WAITLIST))
            self.reload()

    def edit_selected(self) -> None:
        from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

        record = self.selected()
        if record is None or record.state is not WaitState.WAITING:
            return
        dialog = WaitlistEntryDialog(self.ctx, self.actor, self.prompts, self, record=record)
        if dialog.exec():
            self.changed.emit(Changes.made(Kind.WAITLIST))
            self.reload()

    def withdraw_selected(self) -> None:
        from frontdesk.services.waitlist import withdraw_waitlist_entry

        record = self.selected()
        if record is None or record.state is not WaitState.WAITING:
            return
        reason, ok = QInputDialog.getText(self, "Withdraw from the waitlist",
                                          f"Take {record.patient_name} off the waitlist. Why? (optional)")
        if not ok:
            return
        if call_service(self, self.prompts, "Waitlist", withdraw_waitlist_entry, self.ctx, self.actor, record.id,
                        record.version, reason) is not None:
            self.changed.emit(Changes.made(Kind.WAITLIST))
            self.reload()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and self.table.hasFocus():
            self.withdraw_selected()
            return
        super().keyPressEvent(event)
