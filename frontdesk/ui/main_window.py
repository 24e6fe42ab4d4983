"""The main window: Intake, Schedule and Appointments tabs, the menus and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

import frontdesk
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.maintenance import backup_database
from frontdesk.ui.appointments_tab import AppointmentsTab
from frontdesk.ui.errors import Prompts, call_service
from frontdesk.ui.geometry import ui_settings
from frontdesk.ui.intake_tab import IntakeTab
from frontdesk.ui.schedule_tab import ScheduleTab
from frontdesk.ui.settings_dialog import ClinicSettingsDialog


class MainWindow(QMainWindow):
    #: Emitted after any tab changed data; the set names what changed ("patients", "appointments" ...).
    data_changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.setWindowTitle("Front Desk")
        self.resize(1280, 820)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("main_tabs")
        self.intake = IntakeTab(ctx, actor, self.prompts)
        self.schedule = ScheduleTab(ctx, actor, self.prompts)
        self.appointments = AppointmentsTab(ctx, actor, self.prompts)
        for widget, title in (
            (self.intake, "&Intake"),
            (self.schedule, "&Schedule"),
            (self.appointments, "&Appointments"),
        ):
            self.tabs.addTab(widget, title)
            widget.changed.connect(self.data_changed)
            self.data_changed.connect(widget.refresh)
        self.setCentralWidget(self.tabs)

        self.database_label = QLabel(f"Database: {ctx.database.display_name}")
        self.database_label.setObjectName("database_label")
        self.user_label = QLabel(f"Signed in: {actor.display_name} ({actor.role.label})")
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()
        self._restore_layout()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.backup_action = QAction("&Backup…", self)
        self.backup_action.triggered.connect(self.choose_backup)
        self.backup_action.setEnabled(self.actor.may(Permission.BACKUP) and self.ctx.database.is_sqlite)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        settings_menu = self.menuBar().addMenu("Se&ttings")
        self.clinic_action = QAction("&Clinic…", self)
        self.clinic_action.triggered.connect(self.edit_clinic_settings)
        self.clinic_action.setEnabled(self.actor.may(Permission.MANAGE_SETTINGS))
        settings_menu.addAction(self.clinic_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Front Desk", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def choose_backup(self) -> None:
        start = str(Path.home() / "frontdesk-backup.sqlite3")
        path, _ = QFileDialog.getSaveFileName(self, "Save a backup of the database", start,
                                              "Front Desk backup (*.sqlite3)")
        if path:
            written = call_service(self, self.prompts, "Backup", backup_database, self.ctx, self.actor, Path(path))
            if written is not None:
                self.prompts.info(self, "Backup", f"The backup was written to {written}.")

    def edit_clinic_settings(self) -> None:
        dialog = ClinicSettingsDialog(self.ctx, self.actor, self.prompts, self)
        if dialog.exec():
            self.data_changed.emit({"clinic"})

    def show_about(self) -> None:
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
        settings.setValue("main/tab", self.tabs.currentIndex())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
