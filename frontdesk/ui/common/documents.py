"""Opens the right preview for a print request from the intake tab or "my day".

The tabs only say what they want printed (`print_requested(kind, patient_id, screening_id)`, for a
consent `print_requested("consent", patient_id, appointment_id or None)`, and
`print_requested("day_sheet", therapist_id, day)`); this controller builds the document through the
services and shows it. A consent opens the consent dialog first, where the patient signs on screen
or the form is printed for a signature in ink.

The documents, the consent dialog and the preview (reportlab, Qt's print support, pypdfium2) and the
services they read through are imported on the first print, not when the main window opens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QWidget

from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.schedule_view import list_therapists
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.tasks import ServiceOp

if TYPE_CHECKING:
    from frontdesk.services.documents import DocumentKind
    from frontdesk.services.intake_records import ScreeningRecord


class DocumentController(QObject):
    """`last_dialog` is the preview or consent dialog opened most recently (tests look at it).

    A document is built off the UI thread (`tasks.ServiceOp`: an intake form of a patient with a long
    history takes more than a tenth of a second on a large clinic), with a line on the status bar
    meanwhile; its preview opens when it is ready (`preview_opened`)."""

    #: A preview was built and opened (the `PdfPreviewDialog`).
    preview_opened = Signal(object)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.window = parent
        self.last_dialog: QDialog | None = None

    @Slot(str, int, object)
    def on_patient_print_requested(self, kind: str, patient_id: int, screening_id: object) -> None:
        self.show_print(kind, patient_id, screening_id if isinstance(screening_id, int) else None)

    @Slot(str, int, object)
    def on_day_print_requested(self, kind: str, therapist_id: int, day: object) -> None:
        if isinstance(day, date):
            self.show_print(kind, therapist_id=therapist_id, day=day)

    def show_print(self, kind: str | DocumentKind, patient_id: int | None = None, screening_id: int | None = None,
                   *, therapist_id: int | None = None, day: date | None = None) -> QDialog | None:
        """Open the consent dialog (returned), or build the document in the background and open its
        preview when it is ready (`preview_opened`; None is returned). None also when it cannot be built."""
        from frontdesk.services.documents import DocumentKind, eligibility_summary, intake_form
        from frontdesk.ui.common.pdf_preview import file_name_for

        document = DocumentKind(kind)
        if document is DocumentKind.blank_intake_form:
            return self._preview(document, "Blank intake form", lambda ctx, actor: intake_form(ctx, actor, None),
                                 file_name_for("Intake form (blank)"))
        if document is DocumentKind.day_sheet:
            if therapist_id is None or day is None:
                raise ValueError("a day sheet needs a therapist and a day")
            return self._day_sheet(therapist_id, day)
        if patient_id is None:
            raise ValueError(f"{document.value} needs a patient")
        if document is DocumentKind.intake_form:
            name = self._patient_name(patient_id)
            if name is None:
                return None
            return self._preview(document, f"Intake form – {name}",
                                 lambda ctx, actor: intake_form(ctx, actor, patient_id),
                                 file_name_for("Intake form", name))
        if document is DocumentKind.consent:
            return self._consent(patient_id, screening_id)
        screening = self._screening(document, patient_id, screening_id)
        if screening is None:
            return None
        name = self._patient_name(patient_id)
        if name is None:
            return None
        return self._preview(document, f"IMS eligibility summary – {name}",
                             lambda ctx, actor: eligibility_summary(ctx, actor, patient_id, screening.id),
                             file_name_for("IMS eligibility summary", name, screening.screened_on.isoformat()))

    def _consent(self, patient_id: int, appointment_id: int | None) -> QDialog | None:
        """The consent dialog for the patient's IMS appointment (`appointment_id`, or the next one booked);
        a message instead when none is booked or no area may be needled that day."""
        from frontdesk.services.consents import consent_appointment, next_consent_appointment
        from frontdesk.ui.intake.consent_dialog import ConsentDialog

        title = "IMS consent form"
        if appointment_id is None:
            found = call_service(self.window, self.prompts, title, next_consent_appointment, self.ctx, self.actor,
                                 patient_id)
        else:
            found = call_service(self.window, self.prompts, title, consent_appointment, self.ctx, self.actor,
                                 appointment_id)
        if found is None:
            if appointment_id is None:
                self.prompts.error(self.window, title, "This patient has no IMS appointment booked. A consent "
                                   "to IMS belongs to a booked IMS appointment: book one first.")
            return None
        if not found.ready:
            self.prompts.error(self.window, title, found.refusal or found.missing_registration)
            return None
        dialog = call_service(self.window, self.prompts, title, ConsentDialog, self.ctx, self.actor, self.prompts,
                              found, self.window)
        if dialog is not None:
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()
            self.last_dialog = dialog
        return dialog

    def _say_saved(self, path: str) -> None:
        """In the window's status bar: where the PDF went."""
        from pathlib import Path

        where = Path(path)
        status_bar = getattr(self.window, "statusBar", None)
        if callable(status_bar):
            status_bar().showMessage(f"Saved {where.name} in {where.parent}.", 60000)

    def _patient_name(self, patient_id: int) -> str | None:
        from frontdesk.services.patients import open_patient

        record = call_service(self.window, self.prompts, "Print", open_patient, self.ctx, self.actor, patient_id)
        return record.legal_name if record is not None else None

    def _screening(self, document: DocumentKind, patient_id: int, screening_id: int | None) -> ScreeningRecord | None:
        from frontdesk.services.screenings import current_screening, get_screening

        if screening_id is not None:
            return call_service(self.window, self.prompts, document.label, get_screening, self.ctx, self.actor,
                                screening_id)
        screening = call_service(self.window, self.prompts, document.label, current_screening, self.ctx,
                                 self.actor, patient_id)
        if screening is None:
            self.prompts.error(self.window, document.label,
                               "This patient has not been screened for IMS yet. Record the screening first: "
                               f"the {document.label.lower()} shows its answers and verdict.")
        return screening

    def _day_sheet(self, therapist_id: int, day: date) -> None:
        from frontdesk.services.documents import DocumentKind, day_sheet
        from frontdesk.ui.common.pdf_preview import file_name_for

        therapists = call_service(self.window, self.prompts, "Day sheet", list_therapists, self.ctx, self.actor,
                                  False) or []
        name = next((t.name for t in therapists if t.id == therapist_id), "")
        return self._preview(DocumentKind.day_sheet, f"Day sheet – {name}, {day.isoformat()}",
                             lambda ctx, actor: day_sheet(ctx, actor, therapist_id, day),
                             file_name_for("Day sheet", name, day.isoformat()))

    def _preview(self, document: DocumentKind, title: str, build: Callable[[ServiceContext, Actor], bytes],
                 file_name: str) -> None:
        def show(pdf: bytes) -> None:
            from frontdesk.ui.common.pdf_preview import PdfPreviewDialog

            dialog = PdfPreviewDialog(pdf, title, file_name, self.prompts, self.window)
            dialog.saved.connect(self._say_saved)
            dialog.open()
            self.last_dialog = dialog
            self.preview_opened.emit(dialog)

        # `build` holds the plain values it needs (ids, the day); the services run on a worker thread.
        actor = self.actor
        ServiceOp(self.window, document.label, lambda ctx: build(ctx, actor), self.ctx, show, prompts=self.prompts) \
            .busy(f"{document.label}: making the PDF…").run()
