"""A new patient from the first key to the consent on paper, by keyboard only, in the real main window:
Ctrl+N, the details with Tab between fields, the screening answered and an area ticked, Ctrl+S, an IMS
visit booked with Book again (Ctrl+R), then Print ▸ Consent form (Alt+P, C), printed for a signature in
ink and saved as a PDF. Every key goes to whatever has the focus and is counted; the end is what the
database and the PDF hold."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pypdf import PdfReader
from sqlalchemy import select

from frontdesk.db.models import Appointment, Consent, Patient
from frontdesk.services.staff import (
    AppointmentTypeDetails,
    TherapistDetails,
    list_all_appointment_types,
    list_all_therapists,
    update_appointment_type,
    update_therapist,
)
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.ui.schedule.booking_dialog import BookingDialog
from frontdesk.ui.intake.consent_dialog import ConsentDialog
from frontdesk.ui.common.pdf_preview import PdfPreviewDialog
from keyboard import Keys

#: The screening, question by question, as keys: Tab reaches the question (its first choice); Space
#: takes the choice with the focus, Right moves to the next one (an unanswered question stays
#: unanswered until Space).
FIRST, SECOND = ("Space",), ("Right", "Space")
ANSWER_KEYS = {
    "cancer": FIRST,               # Never had cancer
    "needle_fear": SECOND,         # No
    "understands_treatment": FIRST,  # Yes
    "pregnant": SECOND,            # No
    "autoimmune": FIRST,           # No autoimmune condition
    "osteoporosis": FIRST,         # No
    "had_surgery": SECOND,         # No
    "bleeding_risk": SECOND, "implanted_device": SECOND, "metal_allergy": SECOND, "lymphedema": SECOND,
    "skin_problem": SECOND, "epilepsy": SECOND, "diabetes": SECOND, "weakened_immunity": SECOND,
    "needling_reaction": SECOND,
}  # fmt: skip


@pytest.fixture
def clinic(window):
    """What the clinic's admin set up beforehand: every physiotherapist's college registration number
    (the consent names it) and the IMS visit's fee (the consent states the cost)."""
    ctx = window.ctx
    owner = window.actor  # the first account of the clinic: its administrator
    for number, therapist in enumerate(list_all_therapists(ctx, owner), start=1):
        details = TherapistDetails(therapist.name, therapist.designation, f"PT-{4400 + number}",
                                   therapist.ims_qualified, therapist.ims_qualified_on, therapist.active,
                                   therapist.colour)
        update_therapist(ctx, owner, therapist.id, details, expected_version=therapist.version)
    for ims in (t for t in list_all_appointment_types(ctx, owner) if t.is_ims):
        before = AppointmentTypeDetails(ims.name, ims.duration_minutes, ims.is_ims, ims.active, ims.fee_cents)
        update_appointment_type(ctx, owner, ims.id, replace(before, fee_cents=9500), expected=before)
    return {t.name: t for t in list_all_therapists(ctx, owner)}


def rows(ctx, *columns, where):
    with UnitOfWork(ctx, None) as uow:
        return list(uow.session.execute(select(*columns).where(where)))


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard", r"does not support raise\(\)")
def test_new_patient_screened_booked_for_ims_and_consent_printed_by_keyboard(qtbot, window, clinic, tmp_path,
                                                                          monkeypatch, prompts):
    saved_to = tmp_path / "consent.pdf"
    # Save as… asks the system's file dialog where to save; the person types this name there.
    monkeypatch.setattr(PdfPreviewDialog, "choose_save_path", lambda _self: str(saved_to))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    keys = Keys(qtbot)

    # 1. A new patient: the details, Tab between fields.
    keys.press("Ctrl+N")
    intake = window.intake
    qtbot.waitUntil(lambda: QApplication.focusWidget() is intake.patient_form.family_name)
    for text in ("Kelly", "Dana", "", "1980-02-03", "250 493 1152"):
        keys.type(text)
        keys.press("Tab")

    # 2. The screening: what brings her in, the area to treat, then every question.
    keys.press("Alt+C")
    assert QApplication.focusWidget() is intake.screening_form.planned.condition.lineEdit() \
        or QApplication.focusWidget() is intake.screening_form.planned.condition
    keys.type("Stiff neck after a fall")
    keys.press("Tab", "Tab")  # past Side (her neck has none) to the areas
    areas = intake.screening_form.planned.areas
    assert QApplication.focusWidget() is areas
    keys.press_until("Down", lambda: areas.currentItem() is not None and areas.currentItem().text() == "Neck")
    keys.press("Space")  # ticks the highlighted area
    for question, choice in ANSWER_KEYS.items():
        keys.press("Tab")
        assert QApplication.focusWidget() in intake.screening_form.questions[question].buttons.values(), question
        keys.press(*choice)
    assert intake.screening_form.missing() == []
    assert [a.label for a in intake.screening_form.answers().planned_areas] == ["Neck"]
    keys.press("Ctrl+S")
    qtbot.waitUntil(lambda: intake.patient is not None and intake.history_panel.current_record() is not None)
    patient_id = intake.patient.id
    assert rows(window.ctx, Patient.family_name, Patient.given_names, where=Patient.id == patient_id) \
        == [("Kelly", "Dana")]
    assert intake.history_panel.current_record().level.label.startswith("Eligible")

    # 3. An IMS visit: Book again from the open patient; with no visit before, the kind is chosen.
    keys.press("Ctrl+R")
    qtbot.waitUntil(lambda: isinstance(window.book_again.active_dialog, BookingDialog))
    dialog = window.book_again.active_dialog
    assert dialog.patient.patient_id == patient_id
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))  # the dialog is in front
    keys.press("Alt+Y")
    keys.type("I")  # IMS treatment
    assert dialog.type.currentText().startswith("IMS treatment")
    keys.press("Alt+A")
    keys.type("N")  # Neck
    assert dialog.area.currentText() == "Neck"
    keys.press("Return")  # Book (Enter books from any field)

    def booked_and_closed() -> None:
        assert window.book_again.active_dialog is None, (dialog.problems.text(), QApplication.focusWidget())

    qtbot.waitUntil(booked_and_closed)
    booked = rows(window.ctx, Appointment.id, Appointment.area, Appointment.therapist_id, Appointment.type_id,
                  where=Appointment.patient_id == patient_id)
    assert len(booked) == 1 and booked[0].area == "neck"
    assert booked[0].type_id == dialog.type.currentData().id
    therapist = next(t for t in clinic.values() if t.id == booked[0].therapist_id)
    window.activateWindow()  # the offscreen platform does not give it back by itself (a desktop does)
    qtbot.waitUntil(lambda: intake.isAncestorOf(QApplication.focusWidget()))  # back on Intake, where she was

    # 4. The consent: Print (Alt+P) ▸ Consent form (C), printed to sign in ink (Alt+W), saved (Ctrl+S).
    def choose_consent() -> None:  # the open menu runs its own event loop: C is pressed from inside it
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(10, choose_consent)
            return
        keys.press("C")

    QTimer.singleShot(0, choose_consent)
    keys.press("Alt+P")
    qtbot.waitUntil(lambda: isinstance(window.documents.last_dialog, ConsentDialog))
    consent_dialog = window.documents.last_dialog
    qtbot.waitUntil(lambda: consent_dialog.isAncestorOf(QApplication.focusWidget()))
    keys.press("Alt+W")
    qtbot.waitUntil(lambda: isinstance(consent_dialog.preview, PdfPreviewDialog)
                    and consent_dialog.preview.isAncestorOf(QApplication.focusWidget()))
    keys.press("Ctrl+S")
    qtbot.waitUntil(saved_to.exists)

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(saved_to.read_bytes())).pages)
    assert "Kelly" in text and "Dana" in text
    assert therapist.name in text and therapist.registration_number in text
    assert "Neck" in text
    assert "95.00" in text
    assert rows(window.ctx, Consent.appointment_id, where=Consent.patient_id == patient_id) == [(booked[0].id,)]
    assert prompts.errors == []
    preview = consent_dialog.preview
    keys.press("Escape")  # the preview closes, back to the consent dialog
    qtbot.waitUntil(lambda: not preview.isVisible())
