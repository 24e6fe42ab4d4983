"""Settings ▸ Clinic…: the details printed on forms and the clinic's rules of thumb."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import available_timezones

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.contact import format_phone
from frontdesk.domain.ims_interval import MAX_IMS_INTERVAL_DAYS, MIN_IMS_INTERVAL_DAYS
from frontdesk.services.backups import choose_backup_folder
from frontdesk.services.clinic_settings import ClinicSettings, get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.widgets import add_rows_with_errors, show_errors
from frontdesk.ui.window.live_updates import ChangedBanner, EditsThatMeet, follow_changes, shown_value

#: The fields the dialog shows, as it names them (for "what differs").
SETTING_NAMES = {"name": "Clinic name", "address": "Address", "phone": "Phone", "email": "Email", "website": "Website",
                 "time_zone": "Time zone", "rescreen_months": "Re-screen IMS after (months)",
                 "late_cancel_hours": "Late cancellation within (hours)",
                 "idle_lock_minutes": "Lock when idle for (minutes)",
                 "ims_interval_days": "IMS for one patient at least (days apart)", "backup_dir": "Backup folder"}


class ClinicSettingsDialog(QDialog):
    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinic settings")
        self._ctx, self._actor, self._prompts = ctx, actor, prompts
        self._current = get_clinic_settings(ctx)
        form = QFormLayout()
        self.name = QLineEdit(self._current.name)
        self.name.setMaxLength(200)
        self.address = QPlainTextEdit(self._current.address)
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(70)
        self.address.setPlaceholderText("Street address, city, province and postal code")
        self.phone = QLineEdit(format_phone(self._current.phone))
        self.email = QLineEdit(self._current.email)
        self.email.setPlaceholderText("Optional, e.g. frontdesk@example.ca")
        self.website = QLineEdit(self._current.website)
        self.website.setPlaceholderText("Optional, e.g. www.example.ca")
        self.time_zone = QComboBox()
        self.time_zone.setEditable(True)
        zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc", "SystemV")))
        self.time_zone.addItems(zones)
        self.time_zone.setCurrentText(self._current.time_zone)
        self.rescreen = QSpinBox(minimum=1, maximum=60, suffix=" months", value=self._current.rescreen_months)
        self.late_cancel = QSpinBox(minimum=0, maximum=168, suffix=" hours", value=self._current.late_cancel_hours)
        self.idle_lock = QSpinBox(minimum=1, maximum=240, suffix=" minutes", value=self._current.idle_lock_minutes)
        self.ims_interval = QSpinBox(minimum=MIN_IMS_INTERVAL_DAYS, maximum=MAX_IMS_INTERVAL_DAYS,
                                     suffix=" days apart", value=self._current.ims_interval_days)
        self.ims_interval.setObjectName("ims_interval_days")
        self.ims_interval.setToolTip("Booking a patient's IMS treatments closer than this asks for a reason, "
                                     "which is kept with the appointment. Two on the same day always ask.")
        self.backup_dir = QLineEdit(self._current.backup_dir)
        self.backup_dir.setPlaceholderText("The backups folder in Front Desk's data folder")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.choose_backup_dir)
        backup_row = QWidget()
        row = QHBoxLayout(backup_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.backup_dir, 1)
        row.addWidget(browse)
        self.errors = add_rows_with_errors(form, (
            ("name", "Clinic &name", self.name),
            ("address", "&Address", self.address),
            ("phone", "&Phone", self.phone),
            ("email", "E&mail", self.email),
            ("website", "&Website", self.website),
            ("time_zone", "&Time zone", self.time_zone),
            ("rescreen_months", "&Re-screen IMS after", self.rescreen),
            ("late_cancel_hours", "&Late cancellation within", self.late_cancel),
            ("idle_lock_minutes", "Lock when &idle for", self.idle_lock),
            ("ims_interval_days", "IMS &for one patient at least", self.ims_interval),
            ("backup_dir", "Bac&kup folder", backup_row),
        ))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # saved at another desk while this is open
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, prompts, what="The clinic's settings",
                                     save_key="Ctrl+S or Enter", parent=self)
        follow_changes(self, self.meeting.changed_elsewhere)
        layout = QVBoxLayout(self)
        layout.addWidget(self.changed_banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        remember_geometry(self, "clinic_settings")
        self.saved: ClinicSettings | None = None
        self.name.setFocus()  # the first field, not the Save button
        self._opened_with = (self.entered(), self.backup_dir.text())

    def changed(self) -> bool:
        return (self.entered(), self.backup_dir.text()) != self._opened_with

    def reject(self) -> None:
        """Escape and Cancel close without saving, asking first only when something was changed."""
        if self.changed() and not self._prompts.confirm(self, "Clinic settings",
                                                        "Your changes to the clinic settings are not saved. "
                                                        "Close and lose them?"):
            return
        super().reject()

    def reload(self, settings: ClinicSettings | None = None) -> None:
        """Show the settings as saved now (after someone else changed them meanwhile)."""
        current = settings if isinstance(settings, ClinicSettings) else get_clinic_settings(self._ctx)
        self.meeting.clear()
        self._current = current
        self.name.setText(current.name)
        self.address.setPlainText(current.address)
        self.phone.setText(format_phone(current.phone))
        self.email.setText(current.email)
        self.website.setText(current.website)
        self.time_zone.setCurrentText(current.time_zone)
        self.rescreen.setValue(current.rescreen_months)
        self.late_cancel.setValue(current.late_cancel_hours)
        self.idle_lock.setValue(current.idle_lock_minutes)
        self.ims_interval.setValue(current.ims_interval_days)
        self.backup_dir.setText(current.backup_dir)
        for label in self.errors.values():
            label.hide()
        self._opened_with = (self.entered(), self.backup_dir.text())

    # --- Saved at another desk meanwhile ----------------------------------------------------------

    def meeting_touched(self, changes: set) -> bool:
        return Kind.CLINIC in changes

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import clinic_settings_as_saved

        return clinic_settings_as_saved(self._ctx, self._actor)

    def meeting_is_current(self, settings: ClinicSettings) -> bool:
        return settings.version == self._current.version

    def meeting_dirty(self) -> bool:
        return self.changed()

    def meeting_load(self, settings: ClinicSettings) -> None:
        self.reload(settings)

    def meeting_differences(self, settings: ClinicSettings) -> list[tuple[str, str, str]]:
        from frontdesk.services.saved_meanwhile import differences

        mine = replace(self.entered(), backup_dir=self.backup_dir.text().strip())
        def shown(field: str, value: object) -> str:
            return format_phone(value) if field == "phone" and isinstance(value, str) and value else shown_value(value)

        return [(SETTING_NAMES[d.field], shown(d.field, d.theirs), shown(d.field, d.mine))
                for d in differences(settings, mine, tuple(SETTING_NAMES))]

    def meeting_save_over(self, settings: ClinicSettings) -> bool:
        self._current = settings  # the save goes over their version
        self.accept()
        return self.result() == QDialog.DialogCode.Accepted

    def choose_backup_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the daily backups", self.backup_dir.text())
        if folder:
            self.backup_dir.setText(folder)

    def entered(self) -> ClinicSettings:
        return replace(
            self._current,
            name=self.name.text(),
            address=self.address.toPlainText(),
            phone=self.phone.text(),
            email=self.email.text(),
            website=self.website.text(),
            time_zone=self.time_zone.currentText().strip(),
            rescreen_months=self.rescreen.value(),
            late_cancel_hours=self.late_cancel.value(),
            idle_lock_minutes=self.idle_lock.value(),
            ims_interval_days=self.ims_interval.value(),
        )

    def accept(self) -> None:
        if self.meeting.pending:
            self.meeting.keep_mine()  # changed at another desk meanwhile: first see what differs
            return
        for label in self.errors.values():
            label.hide()
        try:
            entered = self.entered()
            if self.backup_dir.text().strip() != self._current.backup_dir:
                # One save: the folder with the rest, checked against the version this dialog read.
                choose_backup_folder(self._ctx, self._actor, self.backup_dir.text(), entered)
                self.saved = get_clinic_settings(self._ctx)
            else:
                self.saved = update_clinic_settings(self._ctx, self._actor, entered)
        except ValidationFailed as error:
            show_errors(self.errors, error.errors)
            return
        except Conflict as error:
            if self._prompts.confirm(self, "Clinic settings", error.message + "\n\nReload the saved settings "
                                     "now? What you changed here is replaced by what is saved."):
                self.reload()
            return
        except ServiceError as error:
            self._prompts.error(self, "Clinic settings", error.message)
            return
        super().accept()

