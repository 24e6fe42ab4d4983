"""The main window: Intake, Schedule and Appointments tabs, the menus and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QWidget
from shiboken6 import isValid

import frontdesk
from frontdesk.compat import EVENTS, make_pyside_classes_a_conversion_meets
from frontdesk.domain.roles import Permission
from frontdesk.services.changes import EVERYTHING, Changes, Kind
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.ui.appointments.appointments_tab import AppointmentsTab
from frontdesk.ui.schedule.book_again import BookAgain, Target
from frontdesk.ui.appointments.desk_undo import UNDO_KEY_HINT, DeskUndo
from frontdesk.ui.common.documents import DocumentController
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.fonts import add_fallback_fonts
from frontdesk.ui.common.geometry import ui_settings
from frontdesk.ui.window.idle_lock import IdleLock
from frontdesk.ui.window.reminder_timer import ReminderTimer
from frontdesk.ui.window.undo_keys import PassUndoWhenNothingTyped
from frontdesk.ui.window.window_menus import WindowMenus
from frontdesk.ui.schedule.schedule_tab import ScheduleTab
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn, hand_over
from frontdesk.ui.common.tasks import (
    ServiceOp,
    load_database_layer_soon,
    run_in_background,
    soon_after_first_screen,
)

if TYPE_CHECKING:
    from frontdesk.ui.intake.intake_tab import IntakeTab


INTAKE_TITLE = "&Intake"


class _StandIn(QWidget):
    """Holds a tab's place until the tab is first shown, then has it built (and is replaced by it)."""

    def __init__(self, build: Callable[[], None]) -> None:
        super().__init__()
        self._build = build

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._build()


D = TypeVar("D", bound=QWidget)


def _closing_deletes(dialog: D) -> D:
    """A dialog run from the menu is a child of the window: without this, each one opened (with its
    models and their rows) would stay in memory until the window closes."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


class MainWindow(WindowMenus, QMainWindow):
    #: Emitted after any tab changed data: a `Changes` (a set of `Kind`, with the events where known).
    data_changed = Signal(set)
    #: Emitted when the person signs out (File ▸ Sign out), just before the window closes.
    signed_out = Signal()

    actor = CurrentActor()  # the signed-in person (`signed_in`), shared by every tab and panel

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_pyside_classes_a_conversion_meets(EVENTS)  # before the first event reaches a filter
        add_fallback_fonts()  # before any name is laid out
        self.ctx = ctx
        self.actor = SignedIn(actor, self)
        self.prompts = prompts or Prompts()
        self.setWindowTitle("Front Desk")
        # 1280×820, or the whole screen when it is smaller (the smallest counter screen is 1024×700).
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else None
        self.resize(min(1280, room.width()) if room else 1280, min(820, room.height()) if room else 820)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("main_tabs")
        #: The bookings and status changes made at this window, for the status bar and Undo (Ctrl+Z).
        self.desk = DeskUndo(ctx, self.signed_in, self.prompts, self)
        self._intake: IntakeTab | None = None
        self._intake_stand_in = _StandIn(self._build_intake)
        self.schedule = ScheduleTab(ctx, self.signed_in, self.prompts, desk=self.desk)
        self.appointments = AppointmentsTab(ctx, self.signed_in, self.prompts, desk=self.desk)
        self.tabs.addTab(self._intake_stand_in, INTAKE_TITLE)
        for widget, title in ((self.schedule, "&Schedule"), (self.appointments, "&Appointments")):
            self.tabs.addTab(widget, title)
            self._connect_tab(widget)
        self.setCentralWidget(self.tabs)
        self.documents = DocumentController(ctx, self.signed_in, self.prompts, self)
        self.book_again = BookAgain(ctx, self.signed_in, self.prompts, self)
        self.book_again.message.connect(lambda text: self.statusBar().showMessage(text, 20000))
        self.book_again.booked.connect(lambda _records: self.data_changed.emit(Changes.made(Kind.APPOINTMENTS)))
        self.book_again.booked.connect(self._booked_again)
        self.appointments.print_requested.connect(self.documents.on_day_print_requested)

        self.database_label = QLabel(f"Database: {ctx.database.display_name}")
        self.database_label.setObjectName("database_label")
        self.user_label = QLabel(f"Signed in: {actor.display_name} ({actor.role.label})")
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()
        self._add_waitlist()
        self._restore_layout()
        self._shown_before = False
        self.idle_lock = IdleLock(self, ctx, lambda: self.actor, get_clinic_settings(ctx).idle_lock_minutes)
        self.idle_lock.unlocked.connect(self._unlocked)
        self.signed_in.changed.connect(self._apply_role)
        if self.actor.therapist_id is not None:
            self.show_my_day()  # a physiotherapist starts on their own day
        self.data_changed.connect(self._clinic_changed)
        self.reminder_sender = ReminderTimer(ctx, self)
        self.reminder_sender.report.connect(self._reminders_sent)
        self._undo_passer = PassUndoWhenNothingTyped(self)
        self.desk.message.connect(self.say)
        self.desk.changed.connect(self.data_changed)
        from frontdesk.ui.window.live_updates import LiveUpdates

        self.live = LiveUpdates(ctx, self)  # other desks' changes, started once the first screen is up
        self.live.arrived.connect(self.data_changed)
        self.live.connection_changed.connect(lambda _up, text: self.statusBar().showMessage(text, 60000))

    @property
    def intake(self) -> IntakeTab:
        """The Intake tab, built the first time it is shown or asked for."""
        self._build_intake()
        assert self._intake is not None
        return self._intake

    def _build_intake(self) -> None:
        """Put the real Intake tab where its stand-in was, keeping the same tab current."""
        if self._intake is not None:
            return
        from frontdesk.ui.intake.intake_tab import IntakeTab

        self._intake = IntakeTab(self.ctx, self.signed_in, self.prompts)
        # New patient and Save work from anywhere in the window (the window's actions, below).
        for action in (self._intake.new_action, self._intake.save_action):
            self._intake.removeAction(action)
        self._connect_tab(self._intake)
        self._intake.print_requested.connect(self.documents.on_patient_print_requested)
        results = self._intake.search.results
        results.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        results.addAction(self.book_again_action)
        index = self.tabs.indexOf(self._intake_stand_in)
        with QSignalBlocker(self.tabs):
            current = self.tabs.currentIndex() == index
            self.tabs.insertTab(index, self._intake, INTAKE_TITLE)
            if current:
                self.tabs.setCurrentIndex(index)
            self.tabs.removeTab(index + 1)
        self._intake_stand_in.deleteLater()

    def _connect_tab(self, widget: QWidget) -> None:
        widget.changed.connect(self.data_changed)
        self.data_changed.connect(widget.refresh)

    def _booked_again(self, records: list) -> None:
        """Book again's booking can be undone like any other made here; its own sentence stays."""
        self.desk.booked(records, announce=False)
        self.say(f"{self.statusBar().currentMessage()}  {UNDO_KEY_HINT}".strip())

    def say(self, text: str) -> None:
        """A sentence in the status bar about what just happened."""
        self.statusBar().showMessage(text, 60000)

    def new_patient(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.intake.new_patient()

    def save_current(self) -> None:
        """Ctrl+S saves the Intake form; elsewhere every change is saved when it is made."""
        if self.tabs.currentIndex() == 0:
            self.intake.save()
        else:
            self.say("Nothing to save here: bookings and status changes are saved as they are made. "
                     "Ctrl+S saves the patient form on the Intake tab.")

    def refresh_everything(self) -> None:
        """F5: every view reads the database again (after `frontdesk demo`, or a colleague's change)."""
        self.data_changed.emit(Changes.made(EVERYTHING))
        self.say("Refreshed: everything shown was read again from the database.")

    def refresh_if_changed_elsewhere(self) -> bool:
        """When the window gets the focus back: other desks' changes now, rather than at the next
        second's look (SQLite; on a server they arrive as they are made). Cheap when nothing changed."""
        self.live.start()
        return self.live.check()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._shown_before:
            self.refresh_if_changed_elsewhere()

    def show_shortcuts(self) -> None:
        from frontdesk.ui.window.help import ShortcutsDialog

        self._build_intake()
        self.appointments.list_page  # noqa: B018 - builds its pages, so their keys are listed too
        ShortcutsDialog(self, self).exec()

    def show_guide(self) -> None:
        from frontdesk.ui.window.help import GuideDialog

        GuideDialog(self.current_screen(), self, self).exec()

    def current_screen(self) -> str:
        """Which screen is in front: "intake", "schedule", "appointments" or "my_day"."""
        widget = self.tabs.currentWidget()
        if widget is self.schedule:
            return "schedule"
        if widget is self.appointments:
            return "my_day" if self.appointments.pages.currentIndex() == 1 else "appointments"
        return "intake"

    def _add_waitlist(self) -> None:
        """Lists ▸ Waitlist…, Booking ▸ Add to the waitlist…, and the panel that offers a freed slot."""
        from frontdesk.ui.lists.waitlist import WaitlistDesk

        self.waitlist = WaitlistDesk(self.ctx, self.signed_in, self.prompts, self)
        self.waitlist.changed.connect(self.data_changed)
        self.data_changed.connect(self.waitlist.refresh)
        menus = {action.text(): action.menu() for action in self.menuBar().actions()}
        menus["Boo&king"].addAction(self.waitlist.add_action)
        menus["Boo&king"].addAction(self.waitlist.offers_action)
        menus["Lists"].addAction(self.waitlist.view_action)

    def _apply_role(self, *_args) -> None:
        """Menu entries a role may not use are greyed out (the services refuse them anyway)."""
        self.backup_action.setEnabled(self.actor.may(Permission.BACKUP) and self.ctx.database.is_sqlite)
        self.book_again_action.setEnabled(self.actor.may(Permission.BOOK))
        if hasattr(self, "waitlist"):
            self.waitlist.add_action.setEnabled(self.actor.may(Permission.BOOK))
        self.clinic_action.setEnabled(self.actor.may(Permission.MANAGE_SETTINGS))
        self.reminders_action.setEnabled(self.actor.may(Permission.MANAGE_SETTINGS))
        self.users_action.setEnabled(self.actor.may(Permission.MANAGE_USERS))
        self.audit_action.setEnabled(self.actor.may(Permission.VIEW_AUDIT))
        self.staff_action.setEnabled(self.actor.may(Permission.MANAGE_THERAPISTS))
        self.types_action.setEnabled(self.actor.may(Permission.MANAGE_THERAPISTS))
        self.move_action.setEnabled(self.actor.may(Permission.MANAGE_SETTINGS) and self.ctx.database.path is not None)
        self.user_label.setText(f"Signed in: {self.actor.display_name} ({self.actor.role.label})")

    def _unlocked(self, actor: Actor) -> None:
        """An administrator who unlocked someone else's screen carries on as themself, in every tab
        and panel at once (they all read `signed_in`), and in any form left open under the lock."""
        previous = self.actor
        self.signed_in.set(actor)
        if actor != previous:
            hand_over([self, *QApplication.topLevelWidgets()], previous, actor)

    def account_refused(self, message: str) -> None:
        """The signed-in account was switched off (or is gone) since it signed in: say so once, on the
        lock, so an administrator or the next person signs in here; what was typed stays beneath."""
        if not self.idle_lock.is_locked:
            self.idle_lock.lock()
        form = self.idle_lock.form
        if form is not None:
            form.show_message(message)
        else:  # a window not on screen cannot lock
            self.prompts.error(self, "Front Desk", message)

    def show_my_day(self) -> None:
        """Appointments ▸ My day, on the signed-in physiotherapist's own list, with the list in focus."""
        self.tabs.setCurrentWidget(self.appointments)
        self.appointments.show_my_day()

    def _clinic_changed(self, changes: set[Kind]) -> None:
        if Kind.CLINIC in changes:
            self.idle_lock.set_minutes(get_clinic_settings(self.ctx).idle_lock_minutes)

    def find_patient(self) -> None:
        """Ctrl+F from anywhere: the Intake tab's patient search, ready to type."""
        self.tabs.setCurrentWidget(self.intake)
        self.intake.search.focus_search()

    def book_again_target(self) -> Target | None:
        """Whom "Book again" is for: the selected appointment (Schedule, Appointments), or on Intake
        the highlighted search result while the results have the focus, else the open patient."""
        current = self.tabs.currentWidget()
        if current is self.schedule:
            return BookAgain.target_of(self.schedule.selected_appointment())
        if current is self.appointments:
            return BookAgain.target_of(self.appointments.selected_appointment())
        if self._intake is not None and current is self._intake:
            search = self._intake.search
            rows = search.results.selectionModel().selectedRows()
            if rows and (search.results.hasFocus() or self._intake.patient is None):
                patient = search.model.row_at(rows[0].row())
                if patient is not None:
                    return Target(patient.id)
            if self._intake.patient is not None:
                return Target(self._intake.patient.id)
        return None

    def book_again_now(self) -> None:
        self.book_again.open(self.book_again_target())

    def manage_users(self) -> None:
        from frontdesk.ui.settings.users_dialog import UsersDialog

        _closing_deletes(UsersDialog(self.ctx, self.actor, self.prompts, self)).exec()

    def manage_staff(self) -> None:
        from frontdesk.ui.staff.staff_dialog import StaffDialog

        dialog = _closing_deletes(StaffDialog(self.ctx, self.actor, self.prompts, self))
        dialog.changed.connect(self.data_changed)
        dialog.exec()

    def manage_appointment_types(self) -> None:
        from frontdesk.ui.staff.staff_types import AppointmentTypesDialog

        dialog = _closing_deletes(AppointmentTypesDialog(self.ctx, self.actor, self.prompts, self))
        dialog.changed.connect(self.data_changed)
        dialog.exec()

    def show_audit_trail(self) -> None:
        from frontdesk.ui.settings.audit_dialog import AuditTrailDialog

        _closing_deletes(AuditTrailDialog(self.ctx, self.actor, self.prompts, self)).exec()

    def move_to_server(self) -> None:
        """Settings ▸ Move to a server…: window-modal, the move runs in the background."""
        from frontdesk.ui.settings.move_dialog import MoveToServerDialog

        dialog = MoveToServerDialog(self.ctx, self.actor, self.prompts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.moved.connect(self._moved_to_server)
        dialog.open()

    def _moved_to_server(self, result) -> None:
        """The file on this computer is only for reference now: say where the clinic is, and close."""
        self.prompts.info(
            self, "The clinic moved to the server",
            f"The clinic is now on {result.server}, checked there. Front Desk closes now. Start it again "
            f"on every computer with the server's address: --db {result.address} (or set FRONTDESK_DB to "
            "it); this computer's file is kept unchanged, for reference only.")
        self.close()

    def change_own_password(self) -> None:
        from frontdesk.ui.settings.users_dialog import ChangeOwnPasswordDialog

        dialog = _closing_deletes(ChangeOwnPasswordDialog(self.ctx, self.actor, self, self.prompts))
        if dialog.exec():
            self.statusBar().showMessage("Your password was changed. Use the new one from the next sign-in.", 15000)

    def sign_out(self) -> None:
        if not self.prompts.confirm(self, "Sign out", "Sign out of Front Desk? Anything not yet saved in "
                                    "an open form will be lost."):
            return
        from frontdesk.services.signing_in import sign_out

        call_service(self, self.prompts, "Sign out", sign_out, self.ctx, self.actor)
        self.signed_out.emit()
        self.close()

    def choose_backup(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from frontdesk.services.backups import backup_database

        start = str(Path.home() / "frontdesk-backup.sqlite3")
        path, _ = QFileDialog.getSaveFileName(self, "Save a backup of the database", start,
                                              "Front Desk backup (*.sqlite3)")
        if path:  # copied and checked off the UI thread: a large clinic's file takes seconds
            actor = self.actor
            ServiceOp(self, "Backup", lambda ctx: backup_database(ctx, actor, Path(path)), self.ctx,
                      lambda written: self.prompts.info(self, "Backup", f"The backup was written to {written}."),
                      prompts=self.prompts).busy("Writing the backup and checking it…", self.backup_action).run()

    def edit_clinic_settings(self) -> None:
        from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog

        dialog = _closing_deletes(ClinicSettingsDialog(self.ctx, self.actor, self.prompts, self))
        if dialog.exec():
            self.data_changed.emit(Changes.made(Kind.CLINIC))

    def edit_reminder_settings(self) -> None:
        from frontdesk.ui.settings.reminder_settings import ReminderSettingsDialog

        dialog = call_service(self, self.prompts, "Email reminders", ReminderSettingsDialog, self.ctx, self.actor,
                              self.prompts, self)
        if dialog is not None and dialog.exec():
            self.data_changed.emit(Changes.made(Kind.REMINDERS))
            self.reminder_sender.run_soon()

    def show_recall_lists(self) -> None:
        from frontdesk.ui.lists.recall_dialog import RecallDialog

        if getattr(self, "last_recall_dialog", None) is not None and self.last_recall_dialog.isVisible():
            self.last_recall_dialog.reload()
            self.last_recall_dialog.activateWindow()
            return
        dialog = RecallDialog(self.ctx, self.actor, self.prompts, self)
        dialog.setModal(False)
        dialog.open_patient_requested.connect(self.open_patient_from_list)
        self.last_recall_dialog = dialog
        dialog.show()

    def open_patient_from_list(self, patient_id: int) -> None:
        """A patient picked in a list (the recall lists): opened on the Intake tab, ready to book."""
        self.tabs.setCurrentWidget(self.intake)
        self.activateWindow()
        self.intake.open_patient(patient_id)

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About Front Desk",
            f"<b>Front Desk</b> {frontdesk.__version__}<br>"
            "Intake screening, schedules and printed forms for an IMS physiotherapy clinic.<br><br>"
            f"Database: {self.ctx.database.display_name}",
        )

    def _restore_layout(self) -> None:
        settings = ui_settings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("main/state")
        if state is not None:
            self.restoreState(state)
        self.tabs.setCurrentIndex(int(settings.value("main/tab", 0)))

    def save_layout(self) -> None:
        settings = ui_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        if self.actor.therapist_id is None:  # a physiotherapist starts on My day anyway: keep the desk's tab
            settings.setValue("main/tab", self.tabs.currentIndex())
        settings.sync()

    def start_daily_backup(self) -> None:
        """The first start of the day leaves a backup in the clinic's backup folder (off the UI thread)."""
        from frontdesk.services.backups import BackupReason, automatic_backup

        def done(result) -> None:
            if not isValid(self):
                return  # the window was closed meanwhile; the backup is written all the same
            if result.written is not None:
                self.statusBar().showMessage(f"Today's backup was written to {result.written}.", 15000)

        def failed(error: BaseException) -> None:
            message = error.message if isinstance(error, ServiceError) else str(error)
            logging.getLogger("frontdesk").warning("automatic backup failed: %s", message)
            if not isValid(self):
                return
            self.statusBar().showMessage(f"Backup not made: {message}", 60000)

        run_in_background(lambda: automatic_backup(self.ctx, BackupReason.START), done, failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_before:
            self._shown_before = True
            load_database_layer_soon(self.ctx)  # the first screen is up: saving should not wait later
            # Before the application-wide filter below hands every widget's events to Python.
            soon_after_first_screen(self, make_pyside_classes_a_conversion_meets)
            soon_after_first_screen(self.idle_lock, self.idle_lock.watch_input)
            self.reminder_sender.start()
            soon_after_first_screen(self.live, self.live.start)

    def _reminders_sent(self, report) -> None:
        if report.failed:
            self.statusBar().showMessage(
                f"{report.failed} email reminder(s) could not be sent; the appointment shows why.", 30000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reminder_sender.stop()
        self.live.stop()
        self.save_layout()
        super().closeEvent(event)
