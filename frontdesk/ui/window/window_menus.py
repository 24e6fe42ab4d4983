"""The main window's menus and its window-wide actions (File, Booking, Settings, Lists, Help; New
patient, Save, Refresh and Undo from anywhere), with the status bar's Undo button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton


class WindowMenus:
    """The menu bar and actions of `MainWindow` (a mixin: each action calls the window's method of
    the same job, and the window keeps every action as an attribute, as its tests and tabs use them)."""

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.backup_action = QAction("&Backup…", self)
        self.backup_action.triggered.connect(self.choose_backup)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        self._build_desk_actions(file_menu)
        file_menu.addSeparator()
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(lambda: self.idle_lock.lock())
        file_menu.addAction(self.lock_action)
        self.password_action = QAction("Change my &password…", self)
        self.password_action.triggered.connect(self.change_own_password)
        file_menu.addAction(self.password_action)
        self.sign_out_action = QAction("Sign &out…", self)
        self.sign_out_action.triggered.connect(self.sign_out)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        counter_menu = self.menuBar().addMenu("Boo&king")
        self.find_patient_action = QAction("&Find a patient", self)
        self.find_patient_action.setObjectName("find_patient")
        self.find_patient_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_patient_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_patient_action.setToolTip("Go to the patient search on the Intake tab, from anywhere (Ctrl+F)")
        self.find_patient_action.triggered.connect(self.find_patient)
        counter_menu.addAction(self.find_patient_action)
        self.book_again_action = QAction("Book &again…", self)
        self.book_again_action.setObjectName("book_again")
        self.book_again_action.setShortcut(QKeySequence("Ctrl+R"))
        self.book_again_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.book_again_action.setToolTip("Book the selected appointment's or the open patient's next visit like "
                                          "the last one, at the first free time (Ctrl+R)")
        self.book_again_action.triggered.connect(self.book_again_now)
        counter_menu.addAction(self.book_again_action)
        counter_menu.addSeparator()
        counter_menu.addAction(self.undo_action)  # the desk's last booking or status change
        self.schedule.context_actions.append(self.book_again_action)
        self.appointments.context_actions.append(self.book_again_action)

        settings_menu = self.menuBar().addMenu("Se&ttings")
        self.clinic_action = QAction("&Clinic…", self)
        self.clinic_action.triggered.connect(self.edit_clinic_settings)
        settings_menu.addAction(self.clinic_action)
        self.staff_action = QAction("&Physiotherapists and hours…", self)
        self.staff_action.triggered.connect(self.manage_staff)
        settings_menu.addAction(self.staff_action)
        self.types_action = QAction("Appointment &types…", self)
        self.types_action.triggered.connect(self.manage_appointment_types)
        settings_menu.addAction(self.types_action)
        self.users_action = QAction("&Users…", self)
        self.users_action.triggered.connect(self.manage_users)
        settings_menu.addAction(self.users_action)
        self.reminders_action = QAction("&Reminders…", self)
        self.reminders_action.triggered.connect(self.edit_reminder_settings)
        settings_menu.addAction(self.reminders_action)
        self.audit_action = QAction("&Audit trail…", self)
        self.audit_action.triggered.connect(self.show_audit_trail)
        settings_menu.addAction(self.audit_action)
        settings_menu.addSeparator()
        self.move_action = QAction("&Move to a server…", self)
        self.move_action.triggered.connect(self.move_to_server)
        settings_menu.addAction(self.move_action)

        # No Alt+letter for this menu: L belongs to field labels on the tabs (Alt or F10, then the arrows,
        # reach it; Ctrl+Shift+L opens the lists directly).
        lists_menu = self.menuBar().addMenu("Lists")
        self.recall_action = QAction("&Recall lists…", self)
        # Alt+L is taken by field labels on the tabs, so the lists have a shortcut of their own.
        self.recall_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.recall_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.recall_action.triggered.connect(self.show_recall_lists)
        lists_menu.addAction(self.recall_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._window_action("&Keyboard shortcuts", None, self.show_shortcuts)
        self.guide_action = self._window_action("&Guide to this screen", QKeySequence.StandardKey.HelpContents,
                                                self.show_guide)
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        about = QAction("&About Front Desk", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self._apply_role()

    def _window_action(self, text: str, key, slot, tip: str = "") -> QAction:
        """An action that works wherever the focus is in this window (not only inside one tab)."""
        action = QAction(text, self)
        if key is not None:
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_desk_actions(self, file_menu) -> None:
        """New patient, Save and Refresh (in File) and Undo (in Booking), window-wide. No menus of their
        own: every menu title takes an Alt+letter from the fields of the screens."""
        self.new_patient_action = self._window_action("&New patient", QKeySequence.StandardKey.New, self.new_patient,
                                                      "Start a new patient on the Intake tab")
        self.save_action = self._window_action("&Save", QKeySequence.StandardKey.Save, self.save_current,
                                               "Save the patient and screening open on the Intake tab")
        self.refresh_action = self._window_action("&Refresh", QKeySequence.StandardKey.Refresh, self.refresh_everything,
                                                  "Read everything on screen again from the database")
        for action in (self.new_patient_action, self.save_action, self.refresh_action):
            file_menu.addAction(action)
        self.undo_action = self._window_action("&Undo", QKeySequence.StandardKey.Undo, lambda: self.desk.undo(self),
                                               "Undo the last booking or status change made at this desk")
        # Beside the status bar's sentence, a button for the same Undo (hidden while there is none).
        self.undo_button = QToolButton()
        self.undo_button.setObjectName("status_undo")
        self.undo_button.setDefaultAction(self.undo_action)
        self.undo_button.setAutoRaise(True)
        self.statusBar().removeWidget(self.user_label)  # the button goes before who is signed in
        self.statusBar().addPermanentWidget(self.undo_button)
        self.statusBar().addPermanentWidget(self.user_label)
        self.user_label.show()
        self.desk.stack_changed.connect(self._follow_undo)
        self._follow_undo()

    def _follow_undo(self) -> None:
        self.undo_action.setText("&" + self.desk.undo_text.replace("&", "&&"))
        self.undo_button.setVisible(self.desk.last is not None)
        self.undo_action.setEnabled(self.desk.last is not None)
