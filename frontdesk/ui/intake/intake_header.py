"""The Intake tab's heading over the form: the patient's name, birth date and phone, who last
changed the record and when, and, for an archived record, a note with its Restore button."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from frontdesk.domain.contact import format_phone
from frontdesk.domain.roles import Permission
from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.intake_records import PatientRecord
from frontdesk.ui.common.last_change import LAST_CHANGE_STYLE, last_changed_text
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn


class PatientHeader:
    """The heading's widgets (the tab lays them out: `title`, `last_change`, `archived_bar`); the
    archived bar's `restore_button` is the tab's to connect."""

    actor = CurrentActor()

    def __init__(self, ctx: ServiceContext, signed_in: SignedIn) -> None:
        self.ctx, self.actor = ctx, signed_in
        self.title = QLabel()
        self.title.setObjectName("intake_title")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.title.setWordWrap(True)
        self.archived_note = QLabel()
        self.archived_note.setObjectName("archived_note")
        self.archived_note.setWordWrap(True)
        self.archived_note.setStyleSheet("color: #6d4c00;")
        self.restore_button = QPushButton("R&estore record")
        self.restore_button.setObjectName("restore_patient")
        self.restore_button.setAutoDefault(False)
        self.archived_bar = QWidget()
        archived_layout = QHBoxLayout(self.archived_bar)
        archived_layout.setContentsMargins(0, 0, 0, 0)
        archived_layout.addWidget(self.archived_note, 1)
        archived_layout.addWidget(self.restore_button)
        self.archived_bar.hide()
        self.last_change = QLabel()
        self.last_change.setObjectName("intake_last_change")
        self.last_change.setStyleSheet(LAST_CHANGE_STYLE)
        self.last_change.hide()

    def show_title(self, record: PatientRecord | None) -> None:
        if record is None:
            self.title.setText("New patient")
            return
        born = record.details.date_of_birth.isoformat()
        phone = format_phone(record.details.phone)
        self.title.setText(f"{record.name} — born {born}" + (f" — {phone}" if phone else "")
                           + (" (archived)" if record.archived else ""))

    def show_archived(self, record: PatientRecord | None) -> None:
        archived = record is not None and record.archived
        self.archived_bar.setVisible(archived)
        if not archived:
            return
        may_restore = self.actor.may(Permission.EDIT_PATIENTS)
        self.restore_button.setVisible(may_restore)
        self.archived_note.setText(
            "This record is archived: it can be read, but not screened or booked until it is restored."
            + ("" if may_restore else " Ask a colleague who may restore records."))

    def show_last_change(self, record: PatientRecord | None) -> None:
        """Who last changed the record and when, under its name (nothing for a new patient)."""
        text = ""
        if record is not None:
            from frontdesk.services.last_change import patient_last_change

            try:
                change = patient_last_change(self.ctx, self.actor, record.id)
            except ServiceError:
                change = None  # the header is a courtesy: the record itself is already shown
            text = last_changed_text(change, self.ctx.zone, self.ctx.today())
        self.last_change.setText(text)
        self.last_change.setVisible(bool(text))
