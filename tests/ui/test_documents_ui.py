"""Printing from the app: the preview shows the real pages, saves the same bytes, prints; the consent
dialog keeps a signed consent."""

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QWidget

from frontdesk.db.models import Therapist
from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers, Surgery
from frontdesk.services.documents import ConsentMethod, consent_copy, consents_for_patient
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.ui.intake.consent_dialog import ConsentDialog
from frontdesk.ui.common.documents import DocumentController
from frontdesk.ui.common.pdf_preview import PdfPreviewDialog, file_name_for
from reports.pdf_reading import image_count, read_pdf

VANCOUVER = ZoneInfo("America/Vancouver")
ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
STROKE = [(40, 120), (70, 60), (100, 130), (140, 50), (190, 120), (260, 70), (330, 110)]


@pytest.fixture
def patient(ctx, reception):
    record = register_patient(ctx, reception, PatientDetails(family_name="蔡", given_names="英文",
                                                             date_of_birth=date(1956, 8, 31), phone="604 555 0199"))
    record_screening(ctx, reception, record.id, ScreeningAnswers(ALL_CLEAR, (), (BodyArea(Region.neck),)), "Neck pain")
    return record


@pytest.fixture
def visit(ctx, reception, patient):
    """An IMS visit booked with Chris Stokes, who has his college registration number on file."""
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Therapist, 1).registration_number = "PT-04411"
        uow.commit()
    types = {t.name: t.id for t in list_appointment_types(ctx, reception)}
    return book_appointment(ctx, reception, BookingRequest(patient.id, 1, types["IMS treatment"],
                                                           datetime(2026, 11, 27, 9, 0, tzinfo=VANCOUVER),
                                                           area="neck"))


@pytest.fixture
def controller(qtbot, ctx, reception, prompts):
    parent = QWidget()
    parent.resize(1000, 800)
    qtbot.addWidget(parent)
    return DocumentController(ctx, reception, prompts, parent)


def opened_preview(qtbot, dialog) -> PdfPreviewDialog:
    assert isinstance(dialog, PdfPreviewDialog)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    return dialog


def preview_of(qtbot, controller, *request) -> PdfPreviewDialog:
    """Ask for a document as a tab does; it is built in the background, its preview opens when ready."""
    with qtbot.waitSignal(controller.preview_opened, timeout=20000) as opened:
        assert controller.show_print(*request) is None
    return opened_preview(qtbot, opened.args[0])


def sign(qtbot, pad) -> None:
    with qtbot.waitSignal(pad.changed):
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*STROKE[0]))
        for x, y in STROKE[1:]:
            QTest.mouseMove(pad, QPoint(x, y))
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*STROKE[-1]))


def test_preview_of_a_patient_summary_shows_its_pages_and_saves_the_same_bytes(qtbot, controller, patient, tmp_path,
                                                                              prompts):
    preview = preview_of(qtbot, controller, "summary", patient.id, None)
    assert preview.page_count >= 1
    assert len(preview.rendered_pages) == preview.page_count
    assert all(not page.isNull() and page.width() > 500 for page in preview.rendered_pages)
    assert "蔡, 英文" in read_pdf(preview.pdf_bytes).text
    assert preview.file_name == "IMS eligibility summary - 蔡, 英文 - 2026-11-25.pdf"

    target = tmp_path / "out" / "summary"
    target.parent.mkdir()
    preview.choose_save_path = lambda: str(target)
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "out" / "summary.pdf"
    assert saved.read_bytes() == preview.pdf_bytes
    assert prompts.errors == []


def test_saving_to_a_folder_that_does_not_exist_says_so(qtbot, controller, patient, tmp_path, prompts):
    preview = preview_of(qtbot, controller, "summary", patient.id, None)
    assert not preview.save_to(tmp_path / "missing" / "x.pdf")
    assert prompts.errors and "could not be saved" in prompts.errors[0][1]


def test_zoom_draws_the_pages_larger(qtbot, controller, patient):
    preview = preview_of(qtbot, controller, "summary", patient.id, None)
    before = preview.rendered_pages[0].width()
    qtbot.mouseClick(preview.zoom_in_button, Qt.MouseButton.LeftButton)
    assert preview.rendered_pages[0].width() > before
    assert preview.zoom_label.text() == "125 %"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("intake", "Patient: 蔡英文"),
        ("blank_intake", "Patient Intake Form"),
    ],
)
def test_every_patient_document_opens_in_the_preview(qtbot, controller, patient, kind, expected):
    preview = preview_of(qtbot, controller, kind, patient.id, None)
    assert preview.page_count >= 1 and not preview.rendered_pages[0].isNull()
    assert expected in read_pdf(preview.pdf_bytes).text


def test_print_draws_every_page_on_the_printer(qtbot, controller, patient, tmp_path):
    preview = preview_of(qtbot, controller, "intake", patient.id, None)
    output = tmp_path / "printed.pdf"

    def to_file() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
        printer.setResolution(72)
        return printer

    preview.choose_printer = to_file
    qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    printed = PdfReader(str(output))
    assert len(printed.pages) == preview.page_count
    width, height = float(printed.pages[0].mediabox.width), float(printed.pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)  # Letter, portrait


def test_day_sheet_opens_from_my_day_in_landscape(qtbot, ctx, reception, controller, patient, tmp_path):
    types = {t.name: t.id for t in list_appointment_types(ctx, reception)}
    book_appointment(ctx, reception, BookingRequest(patient.id, 1, types["IMS treatment"],
                                                    datetime(2026, 11, 26, 9, 0, tzinfo=VANCOUVER), area="neck"))
    with qtbot.waitSignal(controller.preview_opened, timeout=20000):
        controller.on_day_print_requested("day_sheet", 1, date(2026, 11, 26))
    preview = opened_preview(qtbot, controller.last_dialog)
    text = read_pdf(preview.pdf_bytes).text
    assert "Chris Stokes" in text and "9:00–9:30 a.m." in text and "蔡, 英文" in text
    assert preview.rendered_pages[0].width() > preview.rendered_pages[0].height()
    assert preview.file_name == "Day sheet - Chris Stokes - 2026-11-26.pdf"


def test_a_patient_without_an_ims_visit_gets_a_message_instead_of_a_consent(qtbot, ctx, reception, controller,
                                                                              prompts):
    other = register_patient(ctx, reception, PatientDetails(family_name="Wiśniewska", given_names="Łucja",
                                                            date_of_birth=date(1990, 5, 5)))
    assert controller.show_print("consent", other.id, None) is None
    assert prompts.errors and "no IMS appointment booked" in prompts.errors[0][1]


def test_a_visit_with_no_area_allowed_that_day_gets_the_reason_and_the_first_day(qtbot, ctx, reception, controller,
                                                                                 prompts, patient, visit):
    record_screening(ctx, reception, patient.id, ScreeningAnswers(
        {**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 18), BodyArea(Region.neck)),),
        (BodyArea(Region.neck),)))
    assert controller.show_print("consent", patient.id, visit.id) is None
    [(_title, message)] = prompts.errors
    assert "no consent to sign" in message and "February 18, 2027" in message


def consent_dialog(qtbot, controller, patient) -> ConsentDialog:
    controller.on_patient_print_requested("consent", patient.id, None)  # the next IMS visit
    dialog = controller.last_dialog
    assert isinstance(dialog, ConsentDialog)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_the_consent_dialog_keeps_a_signed_consent_and_shows_the_stored_copy(qtbot, ctx, reception, controller,
                                                                             patient, visit):
    dialog = consent_dialog(qtbot, controller, patient)
    assert "it covers: Neck" in dialog.findChild(QLabel, "consent_scope").text()
    assert not dialog.sign_button.isEnabled()
    sign(qtbot, dialog.pad)
    assert dialog.sign_button.isEnabled()
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert dialog.estim_error.isVisible() and consents_for_patient(ctx, reception, patient.id) == []
    dialog.estim_yes.setChecked(True)
    with qtbot.waitSignal(dialog.consent_saved) as saved:
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    record = saved.args[0]
    assert record.method is ConsentMethod.on_screen and record.signer == "蔡, 英文"
    assert record.appointment_id == visit.id and record.electrical_stimulation is True
    assert [c.id for c in consents_for_patient(ctx, reception, patient.id)] == [record.id]
    stored = consent_copy(ctx, reception, record.id)
    assert hashlib.sha256(stored).hexdigest() == record.pdf_sha256
    preview = dialog.preview
    qtbot.addWidget(preview)
    assert preview.pdf_bytes == stored
    assert image_count(read_pdf(stored).reader) == 1
    assert dialog.pad.is_empty()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "Signed on screen"


def test_a_substitute_needs_a_name_and_a_relationship(qtbot, ctx, reception, controller, patient, visit):
    dialog = consent_dialog(qtbot, controller, patient)
    dialog.estim_no.setChecked(True)
    dialog.substitute_signs.setChecked(True)
    dialog.signer_name.setText("蔡 美")
    sign(qtbot, dialog.pad)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert dialog.relationship_error.isVisible() and "related" in dialog.relationship_error.text()
    assert consents_for_patient(ctx, reception, patient.id) == []

    dialog.signer_relationship.setText("daughter")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert not dialog.relationship_error.isVisible()
    [record] = consents_for_patient(ctx, reception, patient.id)
    assert record.signer == "蔡 美 (daughter)"
    qtbot.addWidget(dialog.preview)


def test_a_consent_printed_for_ink_is_later_marked_signed(qtbot, ctx, reception, controller, patient, visit,
                                                          prompts):
    dialog = consent_dialog(qtbot, controller, patient)
    qtbot.mouseClick(dialog.wet_button, Qt.MouseButton.LeftButton)
    qtbot.addWidget(dialog.preview)
    [printed] = consents_for_patient(ctx, reception, patient.id)
    assert printed.method is ConsentMethod.paper_unsigned
    assert dialog.preview.pdf_bytes == consent_copy(ctx, reception, printed.id)
    assert not dialog.mark_button.isEnabled()

    dialog.table.selectRow(0)
    assert dialog.mark_button.isEnabled()
    qtbot.mouseClick(dialog.mark_button, Qt.MouseButton.LeftButton)
    [signed] = consents_for_patient(ctx, reception, patient.id)
    assert signed.method is ConsentMethod.paper_signed and signed.witnessed_by == "Front Desk Reception"
    assert dialog.table.item(0, 1).text() == "Signed on paper"
    assert any(title == "Mark signed on paper" for title, _ in prompts.infos)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("IMS consent", "Ødegård, Zoë", "2026-11-25"), "IMS consent - Ødegård, Zoë - 2026-11-25.pdf"),
        (("Intake form", 'O"Brien/Smith: *test*'), "Intake form - O-Brien-Smith- -test-.pdf"),
    ],
)
def test_suggested_file_names_are_valid_everywhere(parts, expected):
    assert file_name_for(*parts) == expected


def test_the_main_window_opens_the_preview_for_the_intake_tabs_request(qtbot, window):
    ctx, actor = window.ctx, window.actor
    record = register_patient(ctx, actor, PatientDetails(family_name="Ødegård", given_names="Zoë",
                                                         date_of_birth=date(1985, 3, 4)))
    screening = record_screening(ctx, actor, record.id, ScreeningAnswers(ALL_CLEAR, (), (BodyArea(Region.neck),)))
    with qtbot.waitSignal(window.documents.preview_opened, timeout=20000):
        window.intake.print_requested.emit("summary", record.id, screening.id)
    assert "making the PDF" not in window.statusBar().currentMessage()  # said while it was made, gone now
    preview = opened_preview(qtbot, window.documents.last_dialog)
    assert "Ødegård, Zoë" in read_pdf(preview.pdf_bytes).text
    with qtbot.waitSignal(window.documents.preview_opened, timeout=20000):
        window.appointments.print_requested.emit("day_sheet", 2, date(2026, 11, 26))
    day_preview = opened_preview(qtbot, window.documents.last_dialog)
    assert "Tracey McQuair" in read_pdf(day_preview.pdf_bytes).text


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard", r"does not support raise\(\)")
def test_from_the_intake_tab_two_keys_open_the_consent_for_the_booked_visit(qtbot, window, prompts):
    """Open the patient by typing, then Alt+P (Print) and C (Consent form): the consent dialog for her
    booked IMS visit, saying which areas it covers."""
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    ctx, actor = window.ctx, window.actor
    record = register_patient(ctx, actor, PatientDetails(family_name="Ødegård", given_names="Zoë",
                                                         date_of_birth=date(1985, 3, 4)))
    record_screening(ctx, actor, record.id, ScreeningAnswers(ALL_CLEAR, (), (BodyArea(Region.neck),)))
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Therapist, 1).registration_number = "PT-04411"
        uow.commit()
    types = {t.name: t.id for t in list_appointment_types(ctx, actor)}
    book_appointment(ctx, actor, BookingRequest(record.id, 1, types["IMS treatment"],
                                                datetime(2026, 11, 27, 9, 0, tzinfo=VANCOUVER), area="neck"))
    window.tabs.setCurrentWidget(window.intake)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    panel = window.intake.search
    panel.search_box.setFocus()
    for char in "odeg":
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(QApplication.focusWidget(), QKeyEvent(kind, 0, Qt.NoModifier, char))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    qtbot.waitUntil(lambda: window.intake.patient is not None and window.intake.patient.id == record.id)

    keys = 0

    def choose_consent() -> None:
        nonlocal keys
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(20, choose_consent)
            return
        qtbot.keyClick(menu, Qt.Key_C)
        keys += 1

    QTimer.singleShot(0, choose_consent)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_P, Qt.AltModifier)
    keys += 1
    qtbot.waitUntil(lambda: isinstance(window.documents.last_dialog, ConsentDialog))
    dialog = window.documents.last_dialog
    qtbot.addWidget(dialog)
    assert keys == 2
    assert "Chris Stokes" in dialog.findChild(QLabel, "consent_scope").text()
    assert "it covers: Neck" in dialog.findChild(QLabel, "consent_scope").text()
    assert prompts.errors == []


def test_a_visit_with_a_physiotherapist_without_registration_number_says_what_to_do(qtbot, ctx, reception,
                                                                                   controller, prompts, patient,
                                                                                   visit):
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Therapist, 1).registration_number = None
        uow.commit()
    assert controller.show_print("consent", patient.id, visit.id) is None
    [(_title, message)] = prompts.errors
    assert "Chris Stokes has no college registration number" in message
    assert "Settings ▸ Physiotherapists" in message
