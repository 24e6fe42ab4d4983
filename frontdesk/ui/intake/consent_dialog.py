"""The consent at the counter: who signs, the signature box, and the consents already on file.

"Sign and save" keeps the consent with the drawn signature and opens the stored copy; "Print for wet
signature" keeps the unsigned form and opens it for printing; a printed form that comes back signed
is marked so from the list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.when import format_clock, format_date, local_day
from frontdesk.services.consents import ConsentAppointment
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.documents import (
    ConsentMethod,
    ConsentRecord,
    consent_copy,
    consents_for_patient,
    mark_signed_on_paper,
    record_unsigned_consent,
    store_signed_consent,
)
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.patients import open_patient
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.pdf_preview import PdfPreviewDialog, file_name_for
from frontdesk.ui.intake.signature_pad import SignaturePad

T = TypeVar("T")
ERROR_STYLE = "color: #a61b1b;"


class ConsentDialog(QDialog):
    """`consent_saved` carries the `ConsentRecord` after each consent kept or marked signed."""

    consent_saved = Signal(object)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, appointment: ConsentAppointment,
                 parent: QWidget | None = None) -> None:
        patient_id = appointment.patient_id
        record = open_patient(ctx, actor, patient_id)
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.patient_id = patient_id
        self.appointment = appointment
        self.preview: PdfPreviewDialog | None = None
        self.patient_name = record.legal_name
        self.setWindowTitle(f"IMS consent – {self.patient_name}")
        self.setObjectName("consent_dialog")

        heading = QLabel(f"<b>Consent to IMS for {_html(self.patient_name)}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        verdict = QLabel(
            f"For the visit “{appointment.type_name}” with {appointment.therapist_name} on "
            f"{_moment(ctx, appointment.starts_at)}; it covers: {', '.join(appointment.areas)}. "
            "Go through the form with the patient, then sign on screen or print it to sign in ink.")
        verdict.setObjectName("consent_scope")
        verdict.setWordWrap(True)

        estim = QGroupBox("Electrical stimulation through the needles (for signing on screen)")
        self.estim_yes = QRadioButton("Patient a&grees (yes)")
        self.estim_no = QRadioButton("Patient &declines (no)")
        self._estim = QButtonGroup(self)
        self._estim.addButton(self.estim_yes)
        self._estim.addButton(self.estim_no)
        self.estim_error = _error_label()
        estim_row = QHBoxLayout()
        estim_row.addWidget(self.estim_yes)
        estim_row.addWidget(self.estim_no)
        estim_row.addStretch(1)
        estim_layout = QVBoxLayout(estim)
        estim_layout.addLayout(estim_row)
        estim_layout.addWidget(self.estim_error)

        who = QGroupBox("Who signs")
        self.patient_signs = QRadioButton("The &patient")
        self.substitute_signs = QRadioButton("A &substitute decision-maker")
        self.patient_signs.setChecked(True)
        self._who = QButtonGroup(self)
        self._who.addButton(self.patient_signs)
        self._who.addButton(self.substitute_signs)
        self.signer_name = QLineEdit()
        self.signer_name.setObjectName("signer_name")
        self.signer_name.setPlaceholderText("Full name of the person signing")
        self.signer_relationship = QLineEdit()
        self.signer_relationship.setObjectName("signer_relationship")
        self.signer_relationship.setPlaceholderText("For example: daughter, guardian, parent")
        self.name_error = _error_label()
        self.relationship_error = _error_label()
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.patient_signs)
        choice_row.addWidget(self.substitute_signs)
        choice_row.addStretch(1)
        form = QFormLayout()
        for caption, field, error in (("&Name:", self.signer_name, self.name_error),
                                      ("&Relationship:", self.signer_relationship, self.relationship_error)):
            label = QLabel(caption)
            label.setBuddy(field)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(field)
            column.addWidget(error)
            form.addRow(label, column)
        who_layout = QVBoxLayout(who)
        who_layout.addLayout(choice_row)
        who_layout.addLayout(form)
        self.patient_signs.toggled.connect(self._update_signer_fields)

        self.pad = SignaturePad()
        self.signature_error = _error_label()
        self.clear_button = QPushButton("C&lear signature")
        self.clear_button.clicked.connect(self.pad.clear)
        self.sign_button = QPushButton("Sign and sa&ve")
        self.sign_button.setObjectName("sign_and_save")
        self.sign_button.clicked.connect(self.sign_and_save)
        self.wet_button = QPushButton("Print for &wet signature")
        self.wet_button.clicked.connect(self.print_for_wet_signature)
        self.pad.changed.connect(self._update_buttons)
        actions = QHBoxLayout()
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        actions.addWidget(self.wet_button)
        actions.addWidget(self.sign_button)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("consents_on_file")
        self.table.setHorizontalHeaderLabels(["Prepared", "Status", "Signed by", "Witness"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab goes on to the buttons; the arrows move in the list
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(110)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self.open_selected_copy)
        self.open_button = QPushButton("&Open copy")
        self.open_button.clicked.connect(self.open_selected_copy)
        self.mark_button = QPushButton("&Mark signed on paper")
        self.mark_button.clicked.connect(self.mark_selected_signed)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.accept)
        list_actions = QHBoxLayout()
        list_actions.addWidget(self.open_button)
        list_actions.addWidget(self.mark_button)
        list_actions.addStretch(1)
        list_actions.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(verdict)
        layout.addWidget(who)
        layout.addWidget(estim)
        layout.addWidget(QLabel("Signature:"))
        layout.addWidget(self.pad)
        layout.addWidget(self.signature_error)
        layout.addLayout(actions)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>Consents on file</b>"))
        layout.addWidget(self.table)
        layout.addLayout(list_actions)

        self.consents: list[ConsentRecord] = []
        self._update_signer_fields()
        self.refresh()
        remember_geometry(self, "consent_dialog")

    # --- State -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.consents = call_service(self, self.prompts, "Consents", consents_for_patient, self.ctx, self.actor,
                                     self.patient_id) or []
        self.table.setRowCount(len(self.consents))
        for row, consent in enumerate(self.consents):
            cells = (
                _moment(self.ctx, consent.created_at),
                consent.method.label,
                consent.signer if consent.is_signed else "",
                consent.witnessed_by or "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self._update_buttons()

    def selected_consent(self) -> ConsentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.consents[rows[0].row()] if rows else None

    def _update_signer_fields(self) -> None:
        substitute = self.substitute_signs.isChecked()
        self.signer_name.setEnabled(substitute)
        self.signer_relationship.setEnabled(substitute)
        if not substitute:
            self.name_error.clear()
            self.relationship_error.clear()

    def _update_buttons(self) -> None:
        self.sign_button.setEnabled(not self.pad.is_empty())
        self.clear_button.setEnabled(not self.pad.is_empty())
        if not self.pad.is_empty():
            self.signature_error.clear()
        selected = self.selected_consent()
        self.open_button.setEnabled(selected is not None)
        self.mark_button.setEnabled(selected is not None and selected.method is ConsentMethod.paper_unsigned)

    def _signer(self) -> tuple[str, str] | None:
        """(name, relationship), or None with the problems shown beside the fields."""
        self.name_error.clear()
        self.relationship_error.clear()
        if not self.substitute_signs.isChecked():
            return "", ""
        name = self.signer_name.text().strip()
        relationship = self.signer_relationship.text().strip()
        if not name:
            self.name_error.setText("Enter the name of the person who signs for the patient.")
        if not relationship:
            self.relationship_error.setText("Say how they are related to the patient, e.g. daughter or guardian.")
        if not name or not relationship:
            (self.signer_name if not name else self.signer_relationship).setFocus()
            return None
        return name, relationship

    def _run(self, title: str, fn: Callable[..., T], *args: object) -> T | None:
        """Call a service; field problems go beside their fields, anything else in a message."""

        def attempt() -> T | None:
            try:
                return fn(*args)
            except ValidationFailed as error:
                if not self._show_field_errors(error):
                    raise
                return None

        return call_service(self, self.prompts, title, attempt)

    def _show_field_errors(self, error: ValidationFailed) -> bool:
        labels = {"signer_name": self.name_error, "signer_relationship": self.relationship_error,
                  "signature": self.signature_error}
        shown = [field for field in error.errors if field in labels]
        for field in shown:
            labels[field].setText(error.errors[field])
        return bool(shown)

    # --- Actions ---------------------------------------------------------------------------------

    def sign_and_save(self) -> ConsentRecord | None:
        if self.pad.is_empty():
            self.signature_error.setText("Ask the patient to sign in the box first.")
            return None
        signer = self._signer()
        if signer is None:
            return None
        if not self.estim_yes.isChecked() and not self.estim_no.isChecked():
            self.estim_error.setText("Ask the patient whether they agree to electrical stimulation, and choose "
                                     "yes or no.")
            self.estim_yes.setFocus()
            return None
        self.estim_error.clear()
        record = self._run("Sign and save", lambda *args: store_signed_consent(
            *args, electrical_stimulation=self.estim_yes.isChecked()), self.ctx, self.actor,
            self.appointment.appointment_id, self.pad.to_png(), *signer)
        if record is not None:
            self.pad.clear()
            self._kept(record, "IMS consent (signed)")
        return record

    def print_for_wet_signature(self) -> ConsentRecord | None:
        signer = self._signer()
        if signer is None:
            return None
        record = self._run("Print for wet signature", record_unsigned_consent, self.ctx, self.actor,
                           self.appointment.appointment_id, *signer)
        if record is not None:
            self._kept(record, "IMS consent (to sign in ink)")
        return record

    def _kept(self, record: ConsentRecord, title: str) -> None:
        self.refresh()
        self.consent_saved.emit(record)
        self.show_copy(record, title)

    def open_selected_copy(self) -> None:
        consent = self.selected_consent()
        if consent is not None:
            self.show_copy(consent, "IMS consent")

    def show_copy(self, consent: ConsentRecord, title: str) -> PdfPreviewDialog | None:
        pdf = call_service(self, self.prompts, title, consent_copy, self.ctx, self.actor, consent.id)
        if pdf is None:
            return None
        day = self.ctx.local(consent.created_at).date().isoformat()
        self.preview = PdfPreviewDialog(pdf, title, file_name_for("IMS consent", self.patient_name, day),
                                        self.prompts, self)
        self.preview.open()
        return self.preview

    def mark_selected_signed(self) -> ConsentRecord | None:
        consent = self.selected_consent()
        if consent is None or consent.method is not ConsentMethod.paper_unsigned:
            return None
        question = (f"Has the consent printed on {_moment(self.ctx, consent.created_at)} come back signed in ink? "
                    "You are recorded as the person who saw the signed form. Keep the paper in the patient's file.")
        if not self.prompts.confirm(self, "Mark signed on paper", question):
            return None
        record = call_service(self, self.prompts, "Mark signed on paper", mark_signed_on_paper, self.ctx,
                              self.actor, consent.id)
        if record is not None:
            self.refresh()
            self.consent_saved.emit(record)
        return record


class FieldError(QLabel):
    """A message beside a field; it takes no room while there is nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def _error_label() -> FieldError:
    return FieldError()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _moment(ctx: ServiceContext, instant: datetime) -> str:
    return f"{format_date(local_day(instant, ctx.zone))}, {format_clock(instant, ctx.zone)}"
