"""The Intake tab when the open record was saved at another desk: a save refused as a conflict shows
their values beside the fields; a change that arrives while the form is being edited raises a banner
whose Reload shows their record and whose Keep mine shows what differs, then saves over it."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Qt

from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.errors import Conflict, ServiceError
from frontdesk.services.intake_records import PatientRecord

FIELD_NAMES = {
    "family_name": "legal family name", "given_names": "legal given names", "preferred_name": "preferred name",
    "date_of_birth": "date of birth", "phone": "phone", "email": "email", "address": "address",
    "emergency_contact": "emergency contact", "payer": "who pays", "plan_details": "plan details",
    "referral_doctor": "referring doctor", "referral_date": "referral date", "claim_number": "claim number",
    "notes": "notes", "email_reminders": "email reminders", "email_reminders_agreed_on": "reminders agreed on",
}  # fmt: skip


def _shown(field: str, value: object) -> str:
    """A field's value as a person reads it in a comparison."""
    if value in ("", None):
        return "(empty)"
    if field == "phone" and isinstance(value, str):
        return format_phone(value) or value
    if field == "notes" and isinstance(value, str) and len(value) > 60:
        return value[:57] + "…"
    return str(value)


class SavedElsewhere:
    """The Intake tab's part for edits that meet (a mixin of `IntakeTab`, whose state it uses: the
    open `patient`, the forms, the banner, `_theirs`, `save`)."""

    def _show_conflict(self, opened: PatientRecord, conflict: Conflict) -> None:
        current, _differing = conflict.current
        theirs = [f.name for f in fields(PatientDetails)
                  if getattr(opened.details, f.name) != getattr(current.details, f.name)]
        for key in theirs:
            value = getattr(current.details, key)
            shown = format_phone(value) if key == "phone" else ("(empty)" if value in ("", None) else value)
            self.patient_form.show_errors({key: f"Saved meanwhile by someone else as: {shown}"})
        # The next save is compared with the record as it is now; the typing stays in the form.
        self.patient = current
        self._patient_dirty = True
        names = ", ".join(FIELD_NAMES.get(key, key) for key in theirs) or "nothing you can see"
        message = f"{conflict.message} They changed: {names}."
        self._set_status(message, error=True)
        self.prompts.error(self, "Saved by someone else", message)

    def _saved_elsewhere(self) -> None:
        """Another desk saved the open patient: show theirs at once, or, over typing, say so in a banner."""
        from frontdesk.services.saved_meanwhile import patient_as_saved

        opened = self.patient
        assert opened is not None
        try:
            saved = patient_as_saved(self.ctx, self.actor, opened.id)
        except ServiceError:
            return  # the record shown stays; saving will say what is wrong
        if saved.record.version == opened.version:
            return
        if not self._patient_dirty:
            current = self.history_panel.current_record()
            self.patient_form.set_details(saved.record.details)
            self._show_patient(saved.record, current.id if current else None)
            who = f" by {saved.change.name}" if saved.change else ""
            self._set_status(f"{saved.record.name}'s record was just changed at another desk{who}: "
                             "the form shows it as saved now.")
            return
        self._theirs = saved.record
        change = saved.change
        self.changed_banner.show_change(change.name if change else None, change.at if change else None,
                                        self.ctx.zone)
        self.header.show_last_change(saved.record)
        self._set_status("Not saved yet: this record was changed at another desk. Reload, or Keep mine.",
                         error=True)

    def reload_theirs(self) -> None:
        """The banner's Reload: the form shows the record as the other desk saved it (the patient's part;
        a screening being answered stays)."""
        if self._theirs is None:
            return
        theirs = self._theirs
        current = self.history_panel.current_record()
        self.patient_form.set_details(theirs.details)
        self._show_patient(theirs, current.id if current else None)
        self._set_status(f"Reloaded: the form shows {theirs.name}'s record as saved at the other desk.")
        self.patient_form.first_widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def keep_mine(self) -> bool:
        """The banner's Keep mine: show what differs from their version, field by field, and on yes
        save the form over it."""
        from frontdesk.services.saved_meanwhile import differences

        if self._theirs is None:
            return False
        theirs = self._theirs
        found = differences(theirs.details, self.patient_form.details())
        lines = [f"• {FIELD_NAMES.get(d.field, d.field).capitalize()}: {_shown(d.field, d.theirs)} → "
                 f"{_shown(d.field, d.mine)}" for d in found]
        question = (f"{theirs.name}'s record as the other desk saved it → as you typed it:\n\n" + "\n".join(lines)
                    + "\n\nSave yours over theirs?") if lines else \
            "The other desk saved the same details you typed. Save the rest of your changes?"
        if not self.prompts.confirm(self, "Keep mine", question):
            return False
        self.patient = theirs  # the next save goes over their version, not the one opened
        self._theirs = None
        self.changed_banner.hide()
        return self.save()

