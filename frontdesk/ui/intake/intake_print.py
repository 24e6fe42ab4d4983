"""The Intake tab's Print… button: the consent form for the patient's next IMS visit (or why there
is none to print), the eligibility summary, the intake form filled in, and a blank intake form."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton

from frontdesk.domain.when import format_date
from frontdesk.services.context import ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.ui.common.signed_in import CurrentActor, SignedIn


class IntakePrintMenu(QObject):
    """The button and its entries; `chosen` carries the kind picked ("consent", "summary", "intake",
    "blank_intake"). The tab says what is open (`update`); the menu works out the consent's visit."""

    chosen = Signal(str)

    actor = CurrentActor()

    def __init__(self, ctx: ServiceContext, signed_in: SignedIn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, signed_in
        #: The IMS visit the consent entry prints for (a `next_consent_appointment` answer), or None.
        self.consent_appointment = None
        self.button = QToolButton()
        self.button.setObjectName("print_intake")
        self.button.setText("&Print…")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.button)
        menu.setToolTipsVisible(True)
        self.consent_action = menu.addAction("&Consent form")
        self.summary_action = menu.addAction("&Eligibility summary")
        self.intake_action = menu.addAction("&Intake form (filled in)")
        menu.addSeparator()
        self.blank_intake_action = menu.addAction("&Blank intake form")
        self.button.setMenu(menu)
        for kind, item in (("consent", self.consent_action), ("summary", self.summary_action),
                           ("intake", self.intake_action), ("blank_intake", self.blank_intake_action)):
            item.triggered.connect(lambda _checked=False, kind=kind: self.chosen.emit(kind))

    def update(self, patient_id: int | None, has_screening: bool, *, consent: bool = True) -> None:
        """The entries for the patient open (None: none) and whether a screening is shown."""
        has_patient = patient_id is not None
        self.intake_action.setEnabled(has_patient)
        self.summary_action.setEnabled(has_patient and has_screening)
        self.blank_intake_action.setEnabled(True)
        if consent:
            self.update_consent(patient_id)

    def update_consent(self, patient_id: int | None) -> None:
        """The consent entry names the IMS visit it is for, or says why there is no consent to print."""
        self.consent_appointment = None
        if patient_id is None:
            self._set_consent("&Consent form (open a patient first)", False)
            return
        from frontdesk.services.consents import next_consent_appointment

        try:
            found = next_consent_appointment(self.ctx, self.actor, patient_id)
        except ServiceError:
            found = None
        if found is None:
            self._set_consent("&Consent form: no IMS visit booked", False)
            return
        when = format_date(self.ctx.local(found.starts_at).date())
        if found.missing_registration and not found.refusal:
            self._set_consent(f"&Consent form: {found.therapist_name}'s registration number is missing",
                              False, found.missing_registration)
            return
        if not found.ready:
            tip = found.refusal
            first = f" (possible from {format_date(found.first_allowed)})" if found.first_allowed else ""
            self._set_consent(f"&Consent form: no area may be needled on {when}{first}", False, tip)
            return
        self.consent_appointment = found
        self._set_consent(f"&Consent form for the IMS visit on {when}", True, f"Covers: {', '.join(found.areas)}")

    def _set_consent(self, text: str, enabled: bool, tip: str = "") -> None:
        self.consent_action.setText(text)
        self.consent_action.setEnabled(enabled)
        self.consent_action.setToolTip(tip or text.replace("&", ""))
        self.consent_action.setStatusTip(tip)
