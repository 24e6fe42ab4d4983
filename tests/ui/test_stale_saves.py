"""A dialog filled from a copy someone else has since changed: the save is refused in plain words
(never a traceback), nothing of the other person's change is undone, and the person may reload."""

from dataclasses import replace
from datetime import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.therapist_time import set_working_hours, working_hours
from frontdesk.services.staff import (
    AppointmentTypeDetails,
    TherapistDetails,
    list_all_appointment_types,
    list_all_therapists,
    update_appointment_type,
    update_therapist,
)
from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog
from frontdesk.ui.staff.staff_dialog import HOURS, StaffDialog
from frontdesk.ui.staff.staff_models import WeeklyHoursModel
from frontdesk.ui.staff.staff_types import AppointmentTypesDialog

CHANGED = "changed by someone else meanwhile"


def test_clinic_settings_a_stale_dialog_is_refused_then_reloads(window, qtbot, prompts):
    dialog = ClinicSettingsDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    # Meanwhile, at another desk:
    update_clinic_settings(window.ctx, window.actor, replace(get_clinic_settings(window.ctx), late_cancel_hours=48))
    dialog.name.setText("Penticton Physio")
    dialog.accept()
    assert dialog.result() == 0
    _title, message = prompts.infos[-1]
    assert CHANGED in message and "Reload" in message and "Traceback" not in message
    assert get_clinic_settings(window.ctx).late_cancel_hours == 48
    # The person said yes to reloading: the form now shows what is saved, and saving works.
    assert dialog.late_cancel.value() == 48 and dialog.name.text() != "Penticton Physio"
    dialog.name.setText("Penticton Physio")
    dialog.accept()
    assert dialog.result() == 1
    saved = get_clinic_settings(window.ctx)
    assert (saved.name, saved.late_cancel_hours) == ("Penticton Physio", 48)


def _staff(qtbot, window):
    dialog = StaffDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    dialog.show()
    row = next(n for n, t in enumerate(dialog.model.rows) if t.name == "Chris Stokes")
    dialog.list.setCurrentIndex(dialog.model.index(row, 0))
    return dialog


def test_a_physiotherapist_a_stale_form_keeps_the_other_change_and_reloads(window, qtbot, prompts):
    dialog = _staff(qtbot, window)
    chris = next(t for t in list_all_therapists(window.ctx, window.actor) if t.id == 1)
    update_therapist(window.ctx, window.actor, 1, TherapistDetails(
        chris.name, chris.designation, "PT-12345", chris.ims_qualified, chris.ims_qualified_on, True, chris.colour),
        expected_version=chris.version)
    dialog.form.colour.setText("#2e7d32")
    assert dialog.form.save() is None
    assert CHANGED in prompts.infos[-1][1]
    assert next(t for t in list_all_therapists(window.ctx, window.actor) if t.id == 1).registration_number == "PT-12345"
    assert dialog.form.registration.text() == "PT-12345"  # reloaded
    dialog.form.colour.setText("#2e7d32")
    assert dialog.form.save() is not None


def test_weekly_hours_a_stale_week_is_refused_and_reloaded(window, qtbot, prompts):
    dialog = _staff(qtbot, window)
    dialog.pages.setCurrentIndex(HOURS)
    loaded = working_hours(window.ctx, window.actor, 1)
    set_working_hours(window.ctx, window.actor, 1, loaded[:-1], expected=loaded)
    hours = dialog.hours
    hours.model.setData(hours.model.index(0, WeeklyHoursModel.START), time(7, 30), Qt.EditRole)
    assert hours.save() is False
    assert CHANGED in prompts.infos[-1][1]
    assert len(working_hours(window.ctx, window.actor, 1)) == len(loaded) - 1
    assert len(hours.model.blocks()) == len(loaded) - 1  # reloaded


def test_an_appointment_type_a_stale_form_is_refused(window, qtbot, prompts):
    dialog = AppointmentTypesDialog(window.ctx, window.actor, window.prompts, window)
    qtbot.addWidget(dialog)
    kind = next(t for t in list_all_appointment_types(window.ctx, window.actor) if not t.is_ims)
    row = dialog.model.row_of(kind.id)
    dialog.table.setCurrentIndex(dialog.model.index(row, 0))
    assert dialog.current.id == kind.id
    shown = AppointmentTypeDetails(kind.name, kind.duration_minutes, kind.is_ims, kind.active)
    update_appointment_type(window.ctx, window.actor, kind.id, replace(shown, duration_minutes=60), expected=shown)
    dialog.name.setText(kind.name + " (new)")
    assert dialog.save() is None
    assert CHANGED in prompts.infos[-1][1]
    assert dialog.duration.value() == 60  # reloaded


def test_dialogs_opened_from_the_menu_do_not_pile_up_in_memory(window, qtbot, monkeypatch):
    """Each admin dialog is a child of the window; one closed must be gone, not kept until sign-out."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog
    from frontdesk.ui.staff.staff_types import AppointmentTypesDialog

    for kind in (StaffDialog, AppointmentTypesDialog, ClinicSettingsDialog):
        monkeypatch.setattr(kind, "exec", lambda self: (self.show(), self.reject(), 0)[-1])
    for _ in range(3):
        window.manage_staff()
        window.manage_appointment_types()
        window.edit_clinic_settings()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    left = [type(d).__name__ for d in window.findChildren(QDialog)]
    assert not [name for name in left if name in ("StaffDialog", "AppointmentTypesDialog", "ClinicSettingsDialog")]
