"""Edits that meet on the administrator's forms and the waitlist entry: two main windows on one SQLite
file. The second desk has a form open (opened from its menu) while the first desk saves the same
record: the form shows theirs at once when nothing was typed, or the "changed at another desk" banner
over typing, where Ctrl+Shift+R reloads theirs and Keep mine (Ctrl+S, or the form's own save key)
first lists what differs and saves over their version only after a yes."""

from __future__ import annotations

from datetime import date

import pytest
from keyboard import Keys
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.patients import register_patient
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.staff import (
    AppointmentTypeDetails,
    ExceptionKind,
    TherapistDetails,
    list_all_appointment_types,
    list_all_therapists,
    list_schedule_exceptions,
    update_appointment_type,
    update_therapist,
    whole_days,
)
from frontdesk.services.therapist_time import add_time_off, set_working_hours, working_hours
from frontdesk.services.user_accounts import create_user, list_users, set_user_role
from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist, get_waitlist_entry, update_waitlist_entry
from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog
from frontdesk.ui.settings.users_dialog import ChangeRoleDialog, UsersDialog
from frontdesk.ui.staff.staff_dialog import HOURS, TIME_OFF, StaffDialog
from frontdesk.ui.staff.staff_types import AppointmentTypesDialog
from tests.ui.two_desks import WITHIN

CHRIS = 1




def open_from_menu(window, action, dialog_class, monkeypatch, qtbot):
    """The menu entry, with the dialog shown instead of run modally so the test can go on."""
    monkeypatch.setattr(dialog_class, "exec", lambda self: self.show())
    action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, dialog_class) and w.isVisible())
    with qtbot.waitActive(dialog):  # the window, its parent, closes it at the end
        dialog.activateWindow()
    return dialog


def typed(qtbot, keys, field, text):
    """Focus a field as a person does (a click), select what is there, and type over it."""
    field.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    keys.press("Ctrl+A")
    keys.type(text)


def chris(window):
    return next(t for t in list_all_therapists(window.ctx, window.actor) if t.id == CHRIS)


def their_details(window, **changes):
    shown = chris(window)
    values = dict(full_name=shown.name, designation=shown.designation, registration_number=shown.registration_number,
                  ims_qualified=shown.ims_qualified, ims_qualified_on=shown.ims_qualified_on, active=shown.active,
                  colour=shown.colour)
    return update_therapist(window.ctx, window.actor, CHRIS, TherapistDetails(**{**values, **changes}),
                            expected_version=shown.version)


@pytest.fixture
def staff(desks, monkeypatch, qtbot):
    first, second = desks
    dialog = open_from_menu(second, second.staff_action, StaffDialog, monkeypatch, qtbot)
    assert dialog.form.therapist.id == CHRIS
    return first, second, dialog


def test_the_physiotherapists_details_without_typing_show_the_other_desks_save_at_once(staff, qtbot):
    first, _second, dialog = staff
    their_details(first, registration_number="PT-90210")
    qtbot.waitUntil(lambda: dialog.form.registration.text() == "PT-90210", timeout=WITHIN)
    assert not dialog.form.changed_banner.isVisible()
    assert "just changed at another desk" in dialog.message.text()


def test_typing_over_the_details_gets_the_banner_and_ctrl_shift_r_reloads_theirs(staff, qtbot):
    first, _second, dialog = staff
    keys = Keys(qtbot)
    typed(qtbot, keys, dialog.form.designation, "Senior physiotherapist")
    their_details(first, registration_number="PT-90210")
    banner = dialog.form.changed_banner
    qtbot.waitUntil(banner.isVisible, timeout=WITHIN)
    assert banner.text.text().startswith(f"⚠ Changed at another desk by {first.actor.display_name} at 10:00")
    assert dialog.form.designation.text() == "Senior physiotherapist"  # the typing is still there
    assert QApplication.focusWidget() is dialog.form.designation  # and the focus stayed in it

    keys.press("Ctrl+Shift+R")
    assert not banner.isVisible()
    assert dialog.form.registration.text() == "PT-90210"
    assert dialog.form.designation.text() == chris(first).designation
    assert not dialog.form.dirty


def test_keep_mine_on_the_details_lists_what_differs_and_saves_over_theirs_once(staff, qtbot, prompts):
    first, _second, dialog = staff
    keys = Keys(qtbot)
    typed(qtbot, keys, dialog.form.designation, "Senior physiotherapist")
    theirs = their_details(first, registration_number="PT-90210")
    qtbot.waitUntil(dialog.form.changed_banner.isVisible, timeout=WITHIN)
    prompts.infos.clear()

    keys.press("Ctrl+S")
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "• Designation: Registered Physiotherapist → Senior physiotherapist" in question
    assert "• College registration number: PT-90210 → (empty)" in question
    saved = chris(first)
    assert saved.version == theirs.version + 1
    assert saved.designation == "Senior physiotherapist"
    assert not dialog.form.changed_banner.isVisible()


def test_weekly_hours_typed_over_get_their_own_banner_and_keep_mine_saves_my_week(staff, qtbot, prompts):
    first, _second, dialog = staff
    keys = Keys(qtbot)
    dialog.pages.setCurrentIndex(HOURS)
    dialog.hours.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.hours.table)
    before = len(dialog.hours.model.blocks())
    dialog.hours.add_button.click()  # a block typed into the week here, not saved yet
    assert len(dialog.hours.model.blocks()) == before + 1
    mine = sorted(dialog.hours.model.blocks())

    stored = working_hours(first.ctx, first.actor, CHRIS)
    theirs = [b for b in stored if b.weekday != 0]  # the other desk takes Mondays off
    set_working_hours(first.ctx, first.actor, CHRIS, theirs, expected=stored)
    banner = dialog.hours.changed_banner
    qtbot.waitUntil(banner.isVisible, timeout=WITHIN)
    assert not dialog.form.changed_banner.isVisible()  # the details did not change
    prompts.infos.clear()
    keys.press("Ctrl+S")
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "• Monday: (none) → 8:00–12:00, 13:00–17:00" in question
    saved = sorted((b.weekday, b.start, b.end) for b in working_hours(first.ctx, first.actor, CHRIS))
    assert saved == mine
    assert not banner.isVisible()


def test_time_off_added_at_another_desk_shows_in_the_list_at_once_keeping_what_is_typed(staff, qtbot):
    first, _second, dialog = staff
    keys = Keys(qtbot)
    dialog.pages.setCurrentIndex(TIME_OFF)
    typed(qtbot, keys, dialog.time_off.reason, "Course")
    span = whole_days(date(2026, 12, 7), date(2026, 12, 8), first.ctx.zone)
    add_time_off(first.ctx, first.actor, CHRIS, span.start, span.end, "Holiday")
    qtbot.waitUntil(lambda: any(e.reason == "Holiday" for e in dialog.time_off.model.rows), timeout=WITHIN)
    assert dialog.time_off.notice.isVisible()
    assert f"by {first.actor.display_name} at 10:00" in dialog.time_off.notice.text()
    assert dialog.time_off.reason.text() == "Course"
    entries = list_schedule_exceptions(first.ctx, first.actor, CHRIS, date(2026, 12, 1), date(2026, 12, 31))
    assert [e.kind for e in entries] == [ExceptionKind.TIME_OFF]


def physio_type(window):
    return next(t for t in list_all_appointment_types(window.ctx, window.actor) if t.name == "Physiotherapy treatment")


def test_an_appointment_type_typed_over_gets_the_banner_and_reload_takes_theirs(desks, monkeypatch, qtbot):
    first, second = desks
    dialog = open_from_menu(second, second.types_action, AppointmentTypesDialog, monkeypatch, qtbot)
    row = dialog.model.row_of(physio_type(first).id)
    dialog.table.setCurrentIndex(dialog.model.index(row, 0))
    keys = Keys(qtbot)
    typed(qtbot, keys, dialog.fee, "120.00")
    shown = physio_type(first)
    update_appointment_type(first.ctx, first.actor, shown.id,
                            AppointmentTypeDetails(shown.name, 45, shown.is_ims, shown.active, shown.fee_cents),
                            expected=AppointmentTypeDetails(shown.name, shown.duration_minutes, shown.is_ims,
                                                            shown.active))
    qtbot.waitUntil(dialog.changed_banner.isVisible, timeout=WITHIN)
    assert dialog.model.row_at(row).duration_minutes == 45  # the list shows theirs at once
    assert dialog.fee.text() == "120.00"
    keys.press("Ctrl+Shift+R")
    assert not dialog.changed_banner.isVisible()
    assert dialog.duration.value() == 45
    assert not dialog.dirty


def test_clinic_settings_typed_over_get_the_banner_and_enter_is_keep_mine(desks, monkeypatch, qtbot, prompts):
    from dataclasses import replace

    first, second = desks
    dialog = open_from_menu(second, second.clinic_action, ClinicSettingsDialog, monkeypatch, qtbot)
    keys = Keys(qtbot)
    typed(qtbot, keys, dialog.website, "www.ims-clinic.ca")
    update_clinic_settings(first.ctx, first.actor, replace(get_clinic_settings(first.ctx), name="Okanagan IMS"))
    qtbot.waitUntil(dialog.changed_banner.isVisible, timeout=WITHIN)
    assert dialog.name.text() != "Okanagan IMS"  # nothing typed is replaced without a word
    prompts.infos.clear()
    keys.press("Return")
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "• Clinic name: Okanagan IMS → " in question
    assert "• Website: (empty) → www.ims-clinic.ca" in question
    saved = get_clinic_settings(first.ctx)
    assert (saved.website, saved.name) == ("www.ims-clinic.ca", dialog.name.text())
    assert not dialog.isVisible()


def test_an_accounts_role_changed_by_another_administrator_shows_in_the_open_role_form(
        desks, monkeypatch, qtbot, prompts):
    first, second = desks
    create_user(first.ctx, first.actor, "tmcquair", "Tracey McQuair", Role.RECEPTION)
    users = open_from_menu(second, second.users_action, UsersDialog, monkeypatch, qtbot)
    tracey = next(u for u in list_users(first.ctx, first.actor) if u.username == "tmcquair")
    row = next(n for n, u in enumerate(users.model.rows) if u.id == tracey.id)
    users.table.setCurrentIndex(users.model.index(row, 0))
    monkeypatch.setattr(ChangeRoleDialog, "exec", lambda self: self.show())
    users.change_role()
    form = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ChangeRoleDialog) and w.isVisible())
    qtbot.addWidget(form)
    form.role.setCurrentIndex(list(Role).index(Role.ADMIN))  # chosen here, not saved yet

    set_user_role(first.ctx, first.actor, tracey.id, Role.PHYSIOTHERAPIST)
    qtbot.waitUntil(form.changed_banner.isVisible, timeout=WITHIN)
    assert users.model.rows[row].role is Role.PHYSIOTHERAPIST  # the list behind shows it too
    form.changed_banner.reload_button.click()
    assert Role(form.role.currentData()) is Role.PHYSIOTHERAPIST
    assert not form.changed_banner.isVisible()


def test_a_waitlist_entry_changed_at_another_desk_gets_the_banner_in_its_open_form(desks, qtbot, prompts):
    from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

    first, second = desks
    details = PatientDetails(family_name="Tsai", given_names="Mei", date_of_birth=date(1980, 1, 2))
    mei = register_patient(first.ctx, first.actor, details, confirmed_new=True)
    kind = next(t for t in list_appointment_types(first.ctx, first.actor) if t.name == "Physiotherapy treatment")
    entry = add_to_waitlist(first.ctx, first.actor, WaitlistRequest(mei.id, kind.id, date(2026, 11, 26)))
    dialog = WaitlistEntryDialog(second.ctx, second.actor, prompts, second,
                                 record=get_waitlist_entry(second.ctx, second.actor, entry.id))
    qtbot.addWidget(dialog)
    dialog.show()
    keys = Keys(qtbot)
    typed(qtbot, keys, dialog.note, "mornings only")
    update_waitlist_entry(first.ctx, first.actor, entry.id, entry.version,
                          WaitlistRequest(mei.id, kind.id, date(2026, 11, 30), note="call the mobile"))
    qtbot.waitUntil(dialog.changed_banner.isVisible, timeout=WITHIN)
    prompts.infos.clear()
    keys.press("Ctrl+S")
    (question,) = [message for title, message in prompts.infos if title == "Keep mine"]
    assert "• Note: call the mobile → mornings only" in question
    assert "• Earliest date: Mon 2026-11-30 → Thu 2026-11-26" in question
    saved = get_waitlist_entry(first.ctx, first.actor, entry.id)
    assert (saved.note, saved.version) == ("mornings only", entry.version + 2)
