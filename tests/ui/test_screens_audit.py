"""Every screen and dialog the app opens, walked widget by widget: no Alt+letter used twice among
what is shown together, no label showing a literal '&', and at 1024x700 nothing clipped on the Schedule
and Appointments tabs, no toolbar action behind "»", and no table that keeps Tab."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import screen_audit as audit
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QMenu

from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.services.user_accounts import create_user, list_users

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)
ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}


@pytest.fixture
def clinic(window, clock):
    """A clinic with a screened patient booked this afternoon and a long-named one in the morning."""
    ctx, actor = window.ctx, window.actor
    from frontdesk.db.models import Therapist
    from frontdesk.services.unit_of_work import UnitOfWork

    with UnitOfWork(ctx, None, write=True) as uow:  # a consent names the physiotherapist's registration
        uow.session.get(Therapist, 2).registration_number = "PT-05522"
        uow.commit()
    types = {t.name: t.id for t in list_appointment_types(ctx, actor)}
    mei = register_patient(ctx, actor, PatientDetails(family_name="Tsai", given_names="Mei",
                                                      date_of_birth=date(1990, 1, 1), phone="604 555 0199"))
    record_screening(ctx, actor, mei.id, ScreeningAnswers(ALL_CLEAR, (), (BodyArea(Region.neck),)), "Neck pain")
    long_name = register_patient(ctx, actor, PatientDetails(
        family_name="Fitzgerald-Okonkwo", given_names="Catherine", date_of_birth=date(1961, 5, 6)))
    records = [
        book_appointment(ctx, actor, BookingRequest(mei.id, 2, types["IMS treatment"],
                                                    datetime.combine(TODAY, time(14), tzinfo=VANCOUVER), "neck")),
        book_appointment(ctx, actor, BookingRequest(long_name.id, 1, types["Physiotherapy treatment"],
                                                    datetime.combine(TODAY, time(11), tzinfo=VANCOUVER))),
    ]
    create_user(ctx, actor, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST)
    window.refresh_everything()
    return {"patient": mei, "records": records}


@pytest.fixture
def shown(window, qtbot, clinic):
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


SCREENS = [(0, 0, "Intake"), (1, 0, "Schedule"), (2, 0, "Appointments list"), (2, 1, "My day")]


def show_screen(window, tab, page):
    window.tabs.setCurrentIndex(tab)
    window.appointments.pages.setCurrentIndex(page)
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("tab, page, name", SCREENS)
def test_no_alt_letter_twice_and_no_literal_ampersand_on_each_screen(shown, tab, page, name):
    show_screen(shown, tab, page)
    assert audit.mnemonic_clashes(shown) == [], name
    assert audit.literal_ampersands(shown) == [], name


def test_intake_with_a_screened_patient_open_has_no_clash(shown, clinic):
    show_screen(shown, 0, 0)
    assert shown.intake.open_patient(clinic["patient"].id)
    QApplication.processEvents()
    assert audit.mnemonic_clashes(shown) == []
    assert audit.literal_ampersands(shown) == []


def test_intake_with_every_payer_field_shown_has_no_clash(shown):
    show_screen(shown, 0, 0)
    payer = shown.intake.patient_form.findChild(QComboBox, "payer") or next(
        combo for combo in shown.intake.patient_form.findChildren(QComboBox) if combo.count() > 2)
    for index in range(payer.count()):
        payer.setCurrentIndex(index)
        QApplication.processEvents()
        assert audit.mnemonic_clashes(shown) == [], payer.itemText(index)


def test_menus_have_no_letter_twice(shown):
    shown.appointments.list_page  # noqa: B018 - built, with its menus
    problems = []
    for menu in audit.all_menus(shown) + audit.all_menus(shown.intake):
        problems += audit.menu_clashes(menu)
    assert problems == []


def context_menu_of(view: QAbstractItemView, index) -> QMenu:
    view.setCurrentIndex(index)
    view.customContextMenuRequested.emit(view.visualRect(index).center() + QPoint(1, 1))
    QApplication.processEvents()
    menus = audit.visible_top_menus()
    assert menus, "no context menu opened"
    return menus[-1]


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing).*")
def test_context_menus_have_no_letter_twice(shown, clinic):
    show_screen(shown, 1, 0)
    schedule = shown.schedule
    schedule.go_to(TODAY)
    for index in (schedule.model.anchor_index(clinic["records"][0].id), schedule.model.index(0, 0)):
        menu = context_menu_of(schedule.view, index)
        assert audit.menu_clashes(menu) == []
        menu.close()
    show_screen(shown, 2, 0)
    table = shown.appointments.list_page.table
    menu = context_menu_of(table, table.model().index(0, 0))
    assert audit.menu_clashes(menu) == []
    menu.close()


def _dialogs(window, clinic):
    """Every dialog the window can open, built as the window builds it."""
    from frontdesk.ui.appointments.appointment_actions import CancelDialog
    from frontdesk.ui.settings.audit_dialog import AuditTrailDialog
    from frontdesk.ui.window.first_run import FirstRunDialog
    from frontdesk.ui.window.help import GuideDialog, ShortcutsDialog
    from frontdesk.ui.schedule.schedule_move import MoveDialog
    from frontdesk.ui.settings.settings_dialog import ClinicSettingsDialog
    from frontdesk.ui.window.sign_in import SignInDialog
    from frontdesk.ui.staff.staff_dialog import StaffDialog
    from frontdesk.ui.staff.staff_types import AppointmentTypesDialog
    from frontdesk.ui.settings.users_dialog import (
        AddUserDialog,
        ChangeOwnPasswordDialog,
        ChangeRoleDialog,
        ResetPasswordDialog,
        UsersDialog,
    )

    ctx, actor, prompts = window.ctx, window.actor, window.prompts
    user = list_users(ctx, actor)[-1]
    record = clinic["records"][0]
    yield "sign in", SignInDialog(ctx, window)
    yield "first run", FirstRunDialog(ctx, window)
    yield "users", UsersDialog(ctx, actor, prompts, window)
    yield "add user", AddUserDialog(ctx, actor, window, prompts)
    yield "reset password", ResetPasswordDialog(ctx, actor, user, window, prompts)
    yield "change role", ChangeRoleDialog(ctx, actor, user, window, prompts)
    yield "own password", ChangeOwnPasswordDialog(ctx, actor, window, prompts)
    yield "clinic settings", ClinicSettingsDialog(ctx, actor, prompts, window)
    yield "appointment types", AppointmentTypesDialog(ctx, actor, prompts, window)
    yield "audit trail", AuditTrailDialog(ctx, actor, prompts, window)
    yield "cancel", CancelDialog(ctx, record, window)
    yield "move", MoveDialog(ctx, actor, record, window)
    yield "keyboard shortcuts", ShortcutsDialog(window, window)
    yield "guide", GuideDialog("schedule", window, window)
    staff = StaffDialog(ctx, actor, prompts, window)
    for page in range(staff.pages.count()):
        staff.pages.setCurrentIndex(page)
        yield f"physiotherapists, page {staff.pages.tabText(page)!r}", staff
    from frontdesk.services.documents import intake_form
    from frontdesk.ui.common.pdf_preview import PdfPreviewDialog

    # The preview as the window opens it once the PDF is made (off the UI thread, see test_documents_ui).
    yield "blank intake preview", PdfPreviewDialog(intake_form(ctx, actor, None), "Blank intake form",
                                                   "Intake form (blank).pdf", prompts, window)
    yield "consent", window.documents.show_print("consent", clinic["patient"].id)


def test_every_dialog_has_no_alt_letter_twice_no_literal_ampersand_and_lets_tab_leave_its_tables(shown, qtbot, clinic):
    problems = {}
    for name, dialog in _dialogs(shown, clinic):
        dialog.show()
        QApplication.processEvents()
        found = audit.mnemonic_clashes(dialog) + audit.literal_ampersands(dialog)
        found += [f"Tab stays in {view.objectName() or type(view).__name__}"
                  for view in dialog.findChildren(QAbstractItemView)
                  if view.isVisible() and view.window() is dialog and audit.table_keeps_tab(view)]
        for menu in audit.all_menus(dialog):
            found += audit.menu_clashes(menu)
        if found:
            problems[name] = found
        if "physiotherapists" not in name or dialog.pages.currentIndex() == dialog.pages.count() - 1:
            dialog.close()
            dialog.deleteLater()
    assert problems == {}


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing).*")
def test_escape_closes_every_dialog_opened_and_left_untouched(shown, qtbot, clinic):
    from keyboard import Keys

    left_open = []
    for name, dialog in _dialogs(shown, clinic):
        if "physiotherapists" in name and dialog.pages.currentIndex() != 0:
            continue
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(lambda shown_dialog=dialog: QApplication.focusWidget() is not None
                        and QApplication.focusWidget().window() is shown_dialog)
        Keys(qtbot).press("Escape")
        if dialog.isVisible():
            left_open.append(name)
            dialog.close()
    assert left_open == []


@pytest.mark.parametrize("which", ["book", "find"])
def test_the_booking_dialogs_have_no_alt_letter_twice_and_no_literal_ampersand(shown, qtbot, which):
    from frontdesk.ui.schedule.booking_dialog import BookingDialog
    from frontdesk.ui.schedule.booking_find import FindSlotDialog

    dialog = (BookingDialog if which == "book" else FindSlotDialog)(shown.ctx, shown.actor, shown)
    qtbot.addWidget(dialog)
    dialog.show()
    assert audit.mnemonic_clashes(dialog) + audit.literal_ampersands(dialog) == []


@pytest.mark.parametrize("tab, page, name", SCREENS[1:])
def test_at_1024x700_nothing_is_clipped_and_no_action_hides_behind_the_overflow(shown, clinic, tab, page, name):
    show_screen(shown, tab, page)
    screen = shown.tabs.currentWidget()
    assert audit.clipped_texts(screen) == [], name
    for toolbar in screen.findChildren(type(shown.schedule.toolbar)):
        if toolbar.isVisible():
            assert audit.overflowing_actions(toolbar) == [], f"{name}: {toolbar.objectName()}"
    if name == "Appointments list":
        from frontdesk.ui.appointments.appointment_model import Column

        page_widget = shown.appointments.list_page
        table = page_widget.table
        columns = page_widget.model.columns
        for column in (Column.STATUS, Column.IMS):
            section = columns.index(column)
            right = table.columnViewportPosition(section) + table.columnWidth(section)
            assert 0 <= table.columnViewportPosition(section) and right <= table.viewport().width(), column
        key = [columns.index(c) for c in (Column.DATE, Column.TIME, Column.PATIENT, Column.THERAPIST,
                                          Column.STATUS, Column.IMS)]
        assert audit.clipped_cells(table, key) == []


@pytest.mark.parametrize("tab, page, name", SCREENS)
def test_tab_leaves_every_table(shown, tab, page, name):
    show_screen(shown, tab, page)
    views = [v for v in shown.tabs.currentWidget().findChildren(QAbstractItemView) if v.isVisible()]
    assert views
    for view in views:
        assert not audit.table_keeps_tab(view), f"{name}: {view.objectName() or type(view).__name__}"


def test_tab_in_an_operation_being_typed_keeps_it_and_goes_on_to_the_next_field(shown, qtbot):
    from keyboard import Keys

    show_screen(shown, 0, 0)
    form = shown.intake.screening_form
    form.questions["had_surgery"].buttons["yes"].setChecked(True)
    editor = form.operations
    shown.intake.scroll.ensureWidgetVisible(editor)
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.table.isAncestorOf(QApplication.focusWidget()))
    keys = Keys(qtbot)
    keys.type("2026-10-01")
    keys.press("Tab")
    assert not editor.table.isAncestorOf(QApplication.focusWidget()) and QApplication.focusWidget() is not editor.table
    assert editor.model.rows[0].date_text == "2026-10-01"
