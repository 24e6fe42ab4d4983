"""One signed-in person for the whole window: after an administrator unlocks a receptionist's screen,
every tab and panel acts as the administrator (the audit trail names them), none as the receptionist."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from PySide6.QtCore import Qt
from sqlalchemy import select

from frontdesk.app import create_main_window
from frontdesk.db.models import AuditEvent
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.roles import Role
from frontdesk.domain.screening import ReviewDecision, ScreeningAnswers
from frontdesk.services import signing_in
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.services.user_accounts import create_first_admin, create_user, deactivate_user

VANCOUVER = ZoneInfo("America/Vancouver")
TODAY = date(2026, 11, 25)
CHRIS = 1
PASSWORD = "maple syrup pancakes"
#: Complete answers with one finding a physiotherapist must review (severe osteoporosis).
TO_REVIEW = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "severe_or_poorly_controlled", "had_surgery": "no",
    "bleeding_risk": "no", "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no",
    "skin_problem": "no", "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no",
    "needling_reaction": "no",
}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def people(ctx):
    owner = create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    return {"owner": owner, "desk": desk}


@pytest.fixture
def booked(ctx, people):
    desk = people["desk"]
    kelly = register_patient(ctx, desk, PatientDetails(family_name="Kelly", given_names="Dana",
                                                       date_of_birth=date(1970, 5, 6)), confirmed_new=True)
    record_screening(ctx, desk, kelly.id, ScreeningAnswers(TO_REVIEW, (), (BodyArea(Region.neck),)))
    type_id = next(t.id for t in list_appointment_types(ctx, desk) if t.name == "Physiotherapy treatment")
    return kelly, [book_appointment(ctx, desk, BookingRequest(
        kelly.id, CHRIS, type_id, datetime.combine(TODAY, time(hour), VANCOUVER))).id for hour in (11, 13, 15)]


def _audit_after(ctx, last_id):
    with ctx.database.session() as session:
        return [(row.action, row.entity, row.username) for row in
                session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id))]


def _last_audit_id(ctx):
    with ctx.database.session() as session:
        return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))


def test_after_an_unlock_by_someone_else_every_panel_acts_as_them(qtbot, monkeypatch, db_url, clock, prompts, ctx,
                                                                  people, booked):
    from frontdesk.ui.intake.screening_history import ReviewDialog

    def approve(dialog) -> int:  # the review dialog, as a physiotherapist fills it in
        dialog.buttons[ReviewDecision.approve].setChecked(True)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ReviewDialog, "exec", approve)
    kelly, (for_list, for_my_day, for_schedule) = booked
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    intake, appointments = window.intake, window.appointments  # every panel built while the receptionist works
    list_page, my_day = appointments.list_page, appointments.my_day
    my_day.choose_therapist(CHRIS)
    assert not intake.history_panel.review_button.isVisibleTo(window)  # reception does not review

    window.lock_action.trigger()
    form = window.idle_lock.form
    form.username.setText("owner")
    form.password.setText(PASSWORD)
    qtbot.keyClick(form.password, Qt.Key_Return)
    assert not window.idle_lock.is_locked
    # The receptionist's account is switched off now: anything still acting as them would be refused
    # (and the refusal audited in their name).
    deactivate_user(ctx, people["owner"], people["desk"].user_id)
    since = _last_audit_id(ctx)

    intake.search.search_box.setText("Kelly")
    intake.search.search_now()
    assert intake.search.model.rowCount() == 1
    assert intake.open_patient(kelly.id)
    assert intake.history_panel.review_button.isVisibleTo(window)  # an administrator may review
    assert intake.history_panel.open_review() is not None

    row = list_page.model.row_of(for_list)
    list_page.table.selectRow(row)
    list_page.actions.arrived.trigger()

    my_day.reload()
    my_day.table.selectRow(my_day.model.row_of(for_my_day))
    my_day.actions.arrived.trigger()

    schedule = window.schedule
    schedule.reload()
    assert schedule.book_action.isEnabled()
    schedule.select_appointment(for_schedule)
    schedule.status_actions.arrived.trigger()

    with qtbot.waitSignal(window.documents.preview_opened, timeout=20000):  # made in the background
        window.documents.on_day_print_requested("day_sheet", CHRIS, TODAY)

    assert prompts.errors == []
    trail = _audit_after(ctx, since)
    assert {who for _action, _entity, who in trail} == {"owner"}, trail
    assert ("view", "patient", "owner") in trail
    assert ("review", "screening", "owner") in trail
    assert trail.count(("status", "appointment", "owner")) == 3
    assert ("print", "document", "owner") in trail
    assert "Dana Owner (Administrator)" in window.user_label.text()
    window.ctx.database.dispose()


def test_a_switched_off_account_locks_the_window_with_one_notice(qtbot, db_url, clock, prompts, ctx, people):
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    search = window.intake.search
    search.search_box.setText("half-typed Kelly")
    deactivate_user(ctx, people["owner"], people["desk"].user_id)  # at the administrator's desk

    search.search_now()
    window.schedule.reload()  # a second view asking meanwhile adds no second notice
    assert window.idle_lock.is_locked
    form = window.idle_lock.form
    assert "switched off" in form.message.text() and form.message.isVisibleTo(window)
    assert prompts.errors == []

    form.username.setText("owner")
    form.password.setText(PASSWORD)
    qtbot.keyClick(form.password, Qt.Key_Return)
    assert not window.idle_lock.is_locked and window.actor.username == "owner"
    assert search.search_box.text() == "half-typed Kelly"
    search.search_box.setText("Kelly")
    search.search_now()
    assert prompts.errors == []
    window.ctx.database.dispose()


def test_a_form_left_open_under_the_lock_carries_on_as_who_unlocked(qtbot, db_url, clock, prompts, people):
    window = create_main_window(db_url, clock=clock, prompts=prompts, actor=people["desk"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.schedule)
    window.schedule.book()
    dialog = window.schedule.active_dialog
    assert dialog is not None and dialog.actor.username == "desk"

    window.lock_action.trigger()
    form = window.idle_lock.form
    assert form.password.isEnabled()  # the form on the dialog's cover takes typing
    assert not window.menuBar().isEnabled() and not window.schedule.view.isEnabled()  # the rest is held
    form.username.setText("owner")
    form.password.setText(PASSWORD)
    qtbot.keyClick(form.password, Qt.Key_Return)
    assert not window.idle_lock.is_locked, form.message.text()
    assert dialog.isVisible()  # nothing typed in it was lost
    assert (dialog.actor.username, dialog.patient.actor.username) == ("owner", "owner")
    window.ctx.database.dispose()
