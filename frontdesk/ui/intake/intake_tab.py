"""The Intake tab: find or register a patient, screen them for IMS, see the verdict and the history.

Left: find as you type and "New patient". Middle: the patient's details and the questionnaire, with
Save (Ctrl+S) below. Right: the live verdict and the screening history. Save checks the patient and
the screening together first, so a refusal leaves nothing half-saved.
"""

from __future__ import annotations

from dataclasses import fields
from itertools import pairwise
from types import ModuleType

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import screening_valid_until
from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Assessment, assess
from frontdesk.domain.when import format_date
from frontdesk.services.changes import Changes, Kind, touches_patient
from frontdesk.services.clinic_settings import get_clinic_settings, screening_rules
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.intake_records import PatientRecord, PossibleDuplicate, ScreeningRecord
from frontdesk.ui.common.errors import Prompts, call_service, report_unexpected
from frontdesk.ui.common.geometry import ui_settings
from frontdesk.ui.common.last_change import LAST_CHANGE_STYLE, last_changed_text
from frontdesk.ui.intake.patient_form import PatientForm
from frontdesk.ui.common.patient_search import PatientSearchPanel
from frontdesk.ui.intake.screening_form import ScreeningForm
from frontdesk.ui.intake.screening_history import HistoryPanel
from frontdesk.ui.intake.screening_verdict import VerdictPanel
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.widgets import ERROR_STYLE


def _shown(field: str, value: object) -> str:
    """A field's value as a person reads it in a comparison."""
    if value in ("", None):
        return "(empty)"
    if field == "phone" and isinstance(value, str):
        return format_phone(value) or value
    if field == "notes" and isinstance(value, str) and len(value) > 60:
        return value[:57] + "…"
    return str(value)


def _patients() -> ModuleType:
    """The patient services, imported at first use: the tab can be the first screen, shown before
    SQLAlchemy (which they write through) has loaded."""
    from frontdesk.services import patients

    return patients


def _screenings() -> ModuleType:
    from frontdesk.services import screenings

    return screenings


class _WheelGuard(QObject):
    """Hands a wheel turn over a choice that does not have the focus to `scroll_bar` (the page scrolls)."""

    def __init__(self, scroll_bar: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scroll_bar = scroll_bar

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QApplication.sendEvent(self.scroll_bar, event)
            return True
        return False


FIELD_NAMES = {
    "family_name": "legal family name", "given_names": "legal given names", "preferred_name": "preferred name",
    "date_of_birth": "date of birth", "phone": "phone", "email": "email", "address": "address",
    "emergency_contact": "emergency contact", "payer": "who pays", "plan_details": "plan details",
    "referral_doctor": "referring doctor", "referral_date": "referral date", "claim_number": "claim number",
    "notes": "notes", "email_reminders": "email reminders", "email_reminders_agreed_on": "reminders agreed on",
}  # fmt: skip


class IntakeTab(QWidget):
    changed = Signal(set)
    #: kind ("consent", "summary", "intake", "blank_intake"), patient id (0: none open), screening id
    #: (for "consent": the id of the IMS appointment the consent is for).
    print_requested = Signal(str, int, object)

    actor = CurrentActor()  # the window's signed-in person, read at each use

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.patient: PatientRecord | None = None
        self.history: list[ScreeningRecord] = []
        self._patient_dirty = False
        self._emitting = False
        self._filling_form = False
        self._rules = screening_rules(ctx)

        self.search = PatientSearchPanel(ctx, self.signed_in, prompts)
        self.patient_form = PatientForm()
        self.screening_form = ScreeningForm()
        self.verdict = VerdictPanel()
        self.history_panel = HistoryPanel(ctx, self.signed_in, prompts)

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
        self.restore_button.clicked.connect(self.restore_patient)
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

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self.patient_form)
        form_layout.addWidget(self.screening_form)
        form_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(form_page)
        # Scrolling the form with the wheel must not change a choice the pointer happens to pass over.
        self._wheel_guard = _WheelGuard(self.scroll.verticalScrollBar(), self)
        for choice in form_page.findChildren(QComboBox):
            choice.setFocusPolicy(Qt.StrongFocus)
            choice.installEventFilter(self._wheel_guard)
        self.scroll.setFocusPolicy(Qt.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

        self.status = QLabel()
        self.status.setObjectName("intake_status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setObjectName("save_intake")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self._build_print_menu()

        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.save_button)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(4, 0, 4, 0)
        middle_layout.addWidget(self.title)
        middle_layout.addWidget(self.last_change)
        from frontdesk.ui.window.live_updates import ChangedBanner

        self.changed_banner = ChangedBanner()  # the open record was saved at another desk meanwhile
        self.changed_banner.reload_requested.connect(self.reload_theirs)
        self.changed_banner.keep_requested.connect(self.keep_mine)
        self._theirs: PatientRecord | None = None
        middle_layout.addWidget(self.changed_banner)
        middle_layout.addWidget(self.archived_bar)
        middle_layout.addWidget(self.scroll, 1)
        middle_layout.addLayout(actions)

        right = QSplitter(Qt.Vertical)
        right.addWidget(self.verdict)
        right.addWidget(self.history_panel)
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("intake_splitter")
        self.splitter.addWidget(self.search)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        # Sized for the smallest counter screen (1024 wide); a wider window gives each part its share.
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([250, 430, 320])
        right.setMinimumWidth(280)
        saved = ui_settings().value("intake/splitter")
        if saved is not None:
            self.splitter.restoreState(saved)
        self.splitter.splitterMoved.connect(
            lambda *_: ui_settings().setValue("intake/splitter", self.splitter.saveState()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self._build_shortcuts()
        self._set_tab_order()
        self.search.open_requested.connect(self.open_patient)
        self.search.new_requested.connect(self.new_patient)
        self.patient_form.edited.connect(self._patient_edited)
        self.screening_form.changed.connect(self._screening_changed)
        self.history_panel.selected.connect(self._history_selected)
        self.history_panel.reviewed.connect(self._reviewed)
        self._show_patient(None)

    # --- Construction ---------------------------------------------------------------------------

    def _build_shortcuts(self) -> None:
        def action(text: str, key: QKeySequence | str, slot) -> QAction:
            made = QAction(text, self)
            made.setShortcut(QKeySequence(key))
            made.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        # Ctrl+F is the main window's "Find a patient": it works from every tab and routes here.
        self.find_action = action("Find a patient", QKeySequence(), self.search.focus_search)
        self.new_action = action("New patient", QKeySequence.New, self.new_patient)
        self.save_action = action("Save", QKeySequence.Save, self.save)

    def _build_print_menu(self) -> None:
        self.print_button = QToolButton()
        self.print_button.setObjectName("print_intake")
        self.print_button.setText("&Print…")
        self.print_button.setPopupMode(QToolButton.InstantPopup)
        self.print_button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        menu = QMenu(self.print_button)
        menu.setToolTipsVisible(True)
        self.consent_appointment = None
        self.print_consent_action = menu.addAction("&Consent form")
        self.print_summary_action = menu.addAction("&Eligibility summary")
        self.print_intake_action = menu.addAction("&Intake form (filled in)")
        menu.addSeparator()
        self.print_blank_intake_action = menu.addAction("&Blank intake form")
        self.print_button.setMenu(menu)
        for kind, item in (("consent", self.print_consent_action), ("summary", self.print_summary_action),
                           ("intake", self.print_intake_action), ("blank_intake", self.print_blank_intake_action)):
            item.triggered.connect(lambda _checked=False, kind=kind: self._print(kind))

    def _set_tab_order(self) -> None:
        chain = [self.search.search_box, self.search.results, self.search.new_button, self.patient_form.first_widget]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        QWidget.setTabOrder(self.patient_form.last_widget, self.screening_form.planned.condition)

    # --- Opening and starting -------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return self._patient_dirty or self.screening_form.is_touched()

    def _may_leave(self) -> bool:
        if not self.has_unsaved_changes():
            return True
        return self.prompts.confirm(self, "Unsaved changes",
                                    "You have changes that are not saved yet. Leave them and go on?")

    def new_patient(self) -> None:
        if not self._may_leave():
            return
        self.patient_form.clear()
        self.screening_form.clear()
        self._show_patient(None)
        self.search.clear_results()
        self._set_status("New patient: fill in the details, then the screening questions. Ctrl+S saves.")
        self.patient_form.first_widget.setFocus(Qt.ShortcutFocusReason)

    def open_patient(self, patient_id: int) -> bool:
        if self.patient is not None and self.patient.id == patient_id and not self.has_unsaved_changes():
            self.patient_form.first_widget.setFocus(Qt.OtherFocusReason)
            return True
        if not self._may_leave():
            return False
        record = call_service(self, self.prompts, "Open patient", _patients().open_patient, self.ctx, self.actor,
                              patient_id)
        if record is None:
            return False
        self.patient_form.set_details(record.details)
        self._filling_form = True  # no verdict of the previous patient's screening in between
        try:
            self.screening_form.clear()
        finally:
            self._filling_form = False
        self._show_patient(record)
        self._set_status(f"Opened {record.name}.")
        self.patient_form.first_widget.setFocus(Qt.OtherFocusReason)
        return True

    def _show_patient(self, record: PatientRecord | None, select_screening: int | None = None) -> None:
        self.patient = record
        self._patient_dirty = False
        self._theirs = None
        self.changed_banner.hide()
        if record is None:
            self.title.setText("New patient")
            self.history = []
        else:
            born = record.details.date_of_birth.isoformat()
            phone = format_phone(record.details.phone)
            self.title.setText(f"{record.name} — born {born}" + (f" — {phone}" if phone else "")
                               + (" (archived)" if record.archived else ""))
            highlighted = self.search.highlighted()
            if highlighted is None or highlighted.id != record.id:
                self.search.clear_results()  # opened some other way: the old results would mislead
            self.history = call_service(self, self.prompts, "Screening history", _screenings().screening_history,
                                        self.ctx, self.actor, record.id) or []
        self._show_last_change(record)
        self.history_panel.set_records(self.history, select_screening)
        self._show_archived(record)
        self._update_print_actions()
        if not self.history:
            self._show_live()

    def _show_archived(self, record: PatientRecord | None) -> None:
        archived = record is not None and record.archived
        self.archived_bar.setVisible(archived)
        if not archived:
            return
        may_restore = self.actor.may(Permission.EDIT_PATIENTS)
        self.restore_button.setVisible(may_restore)
        self.archived_note.setText(
            "This record is archived: it can be read, but not screened or booked until it is restored."
            + ("" if may_restore else " Ask a colleague who may restore records."))

    def restore_patient(self) -> None:
        """Bring the open, archived record back into use."""
        if self.patient is None or not self.patient.archived:
            return
        record = call_service(self, self.prompts, "Restore record", _patients().restore_patient, self.ctx,
                              self.actor, self.patient.id)
        if record is None:
            return
        self.patient = record
        self.search.mark_restored(record.id)
        current = self.history_panel.current_record()
        self._show_patient(record, current.id if current else None)
        self._set_status(f"Restored {record.name}: the record can be screened and booked again.")
        self.patient_form.first_widget.setFocus(Qt.OtherFocusReason)
        self._emit(Changes.made(Kind.PATIENTS))

    def _show_last_change(self, record: PatientRecord | None) -> None:
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

    # --- Live verdict ---------------------------------------------------------------------------

    def _patient_edited(self) -> None:
        self._patient_dirty = True

    def _screening_changed(self) -> None:
        if not self._filling_form:
            self._show_live()

    def _show_live(self) -> None:
        form = self.screening_form
        if not form.is_touched():
            record = self.history_panel.current_record()
            if record is not None:
                self._history_selected(record)
                return
            self.verdict.show_assessment(None, "No screening yet. Answer the questions to see the verdict.")
            return
        answers = form.answers()
        try:
            assessment = assess(answers, self.ctx.today(), self._rules, require_complete=False)
        except ValueError:
            self.verdict.show_assessment(None, "Some answers cannot be read yet.")
            return
        missing = len(form.missing())
        if missing:
            caption = "New screening, not finished: the verdict comes when every question is answered."
        else:
            caption = "New screening: all questions answered. Save (Ctrl+S) to record it."
        if not answers.planned_areas:
            caption += " Tick the areas to treat to see a result per area."
        self.verdict.show_assessment(assessment, caption, missing=missing)

    def _history_selected(self, record: ScreeningRecord | None) -> None:
        self._update_print_actions(consent=False)  # the consent depends on the visits, not the screening
        if record is not None and not self.screening_form.is_touched():
            # The form shows the screening the panel shows, as it was saved.
            self._filling_form = True
            try:
                self.screening_form.show_saved(record.answers, record.presenting_condition)
            finally:
                self._filling_form = False
        if record is None:
            if not self.screening_form.is_touched():
                self.verdict.show_assessment(None, "No screening yet. Answer the questions to see the verdict.")
            return
        caption = f"Saved screening of {format_date(record.screened_on)} by {record.screened_by}"
        if not record.is_current:
            caption += " (replaced by a newer screening)"
        else:
            expires = screening_valid_until(record.screened_on, get_clinic_settings(self.ctx).rescreen_months)
            if self.ctx.today() > expires:
                caption += f". ⚠ Out of date since {format_date(expires)}: screen the patient again."
        self.verdict.show_assessment(record.assessment, caption + ".", review=record.review)

    def _reviewed(self, record: ScreeningRecord) -> None:
        self._show_patient(self.patient, record.id)
        self._set_status(f"Review recorded: {record.review.label}.")
        self._emit(Changes.made(Kind.SCREENINGS))

    # --- Saving ---------------------------------------------------------------------------------

    def save(self) -> bool:
        """Check everything first; save the patient (if new or changed), then the screening (if begun)."""
        if self._theirs is not None:
            return self.keep_mine()  # saved at another desk meanwhile: first see what differs
        self.patient_form.clear_errors()
        self.screening_form.show_problems({})
        save_patient = self.patient is None or self._patient_dirty
        save_screening = self.screening_form.is_touched()
        if not save_patient and not save_screening:
            self._set_status("Nothing to save: no changes.")
            return False
        details = self.patient_form.details()
        answers = self.screening_form.answers()
        condition = self.screening_form.presenting_condition()

        patient_errors = dict(self.patient_form.local_errors())
        screening_errors = dict(self.screening_form.local_errors())
        message = ""
        try:
            if save_patient:
                _patients().check_patient_details(self.ctx, details)
        except ValidationFailed as error:
            patient_errors = {**error.errors, **patient_errors}
        if save_screening:
            try:
                _screenings().check_screening(self.ctx, answers, condition)
            except ValidationFailed as error:
                screening_errors = {**error.errors, **screening_errors}
                message = error.message
        if patient_errors or screening_errors:
            self._refuse(patient_errors, screening_errors, message)
            return False

        changes = Changes.made()  # the kinds saved below
        screening: ScreeningRecord | None = None
        try:
            if save_patient:
                if self._save_patient(details) is None:
                    return False
                changes.add(Kind.PATIENTS)
            if save_screening:
                screening = _screenings().record_screening(self.ctx, self.actor, self.patient.id, answers,
                                                           condition)
                changes.add(Kind.SCREENINGS)
        except ValidationFailed as error:
            self._refuse({k: v for k, v in error.errors.items() if k in self.patient_form.fields},
                         {k: v for k, v in error.errors.items() if k not in self.patient_form.fields}, error.message)
            return False
        except ServiceError as error:
            self._set_status(error.message, error=True)
            self.prompts.error(self, "Not saved", error.message)
            return False
        except Exception as error:  # noqa: BLE001 - the last line of defence before the user
            report_unexpected(self, error, self.prompts)
            return False
        finally:
            if changes and screening is None and save_screening:
                # The patient was saved but the screening was not: show the saved record, keep the answers.
                self._show_patient(self.patient)
                self._emit(changes)

        if screening is not None:
            self.screening_form.clear()
            self._show_patient(self.patient, screening.id)
            self.verdict.show_assessment(
                screening.assessment,
                f"Saved screening of {format_date(screening.screened_on)} by {screening.screened_by}.",
                review=screening.review,
            )
            self._set_status(f"Saved. Screening recorded for {self.patient.name}: {screening.level.label}.")
        else:
            current = self.history_panel.current_record()
            self._show_patient(self.patient, current.id if current else None)
            self._set_status(f"Saved {self.patient.name}.")
        if not self.isAncestorOf(QApplication.focusWidget()):
            self.patient_form.first_widget.setFocus(Qt.OtherFocusReason)
        self._emit(changes)
        return True

    def _emit(self, changes: Changes) -> None:
        """Tell the other tabs; our own refresh is skipped, the tab is already up to date."""
        self._emitting = True
        try:
            self.changed.emit(changes)
        finally:
            self._emitting = False

    def _save_patient(self, details: PatientDetails) -> PatientRecord | None:
        if self.patient is None:
            try:
                record = _patients().register_patient(self.ctx, self.actor, details)
            except PossibleDuplicate as duplicate:
                if not self.prompts.confirm(self, "Possible duplicate", duplicate.message +
                                            "\n\nRegister this as a new, different patient?"):
                    self.search.show_results(duplicate.matches)
                    self.search.status.setText("Possible matches are listed here: open one to use that record.")
                    self._set_status("Not saved: this may be a patient who is already registered. The possible "
                                     "matches are listed on the left.", error=True)
                    return None
                record = _patients().register_patient(self.ctx, self.actor, details, confirmed_new=True)
        else:
            opened = self.patient
            try:
                record = _patients().update_patient(self.ctx, self.actor, opened.id, opened.version, details)
            except Conflict as conflict:
                self._show_conflict(opened, conflict)
                return None
        self.patient = record
        self.patient_form.set_details(record.details)
        self._patient_dirty = False
        return record

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

    def _refuse(self, patient_errors: dict[str, str], screening_errors: dict[str, str], message: str) -> None:
        self.patient_form.show_errors(patient_errors)
        first_screening = self.screening_form.show_problems(screening_errors)
        parts = []
        if patient_errors:
            parts.append("Check the patient's details marked in red.")
        if screening_errors:
            parts.append(message or "The screening is not complete, so nothing was saved.")
        text = " ".join(parts)
        if "nothing was saved" not in text:
            text += " Nothing was saved."
        self._set_status(text, error=True)
        target = self.patient_form.first_error_widget() if patient_errors else first_screening
        if target is not None:
            self.scroll.ensureWidgetVisible(target, 0, 40)
            target.setFocus(Qt.OtherFocusReason)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(f"⚠ {text}" if error else text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    # --- Printing and refreshing ----------------------------------------------------------------

    def _update_print_actions(self, *, consent: bool = True) -> None:
        has_patient = self.patient is not None
        record = self.history_panel.current_record()
        self.print_intake_action.setEnabled(has_patient)
        self.print_summary_action.setEnabled(has_patient and record is not None)
        self.print_blank_intake_action.setEnabled(True)
        if consent:
            self._update_consent_action()

    def _update_consent_action(self) -> None:
        """The consent entry names the IMS visit it is for, or says why there is no consent to print."""
        self.consent_appointment = None
        if self.patient is None:
            self._set_consent_action("&Consent form (open a patient first)", False)
            return
        from frontdesk.services.consents import next_consent_appointment

        try:
            found = next_consent_appointment(self.ctx, self.actor, self.patient.id)
        except ServiceError:
            found = None
        if found is None:
            self._set_consent_action("&Consent form: no IMS visit booked", False)
            return
        when = format_date(self.ctx.local(found.starts_at).date())
        if found.missing_registration and not found.refusal:
            self._set_consent_action(f"&Consent form: {found.therapist_name}'s registration number is missing",
                                     False, found.missing_registration)
            return
        if not found.ready:
            tip = found.refusal
            first = f" (possible from {format_date(found.first_allowed)})" if found.first_allowed else ""
            self._set_consent_action(f"&Consent form: no area may be needled on {when}{first}", False, tip)
            return
        self.consent_appointment = found
        self._set_consent_action(f"&Consent form for the IMS visit on {when}", True,
                                 f"Covers: {', '.join(found.areas)}")

    def _set_consent_action(self, text: str, enabled: bool, tip: str = "") -> None:
        self.print_consent_action.setText(text)
        self.print_consent_action.setEnabled(enabled)
        self.print_consent_action.setToolTip(tip or text.replace("&", ""))
        self.print_consent_action.setStatusTip(tip)

    def _print(self, kind: str) -> None:
        record = self.history_panel.current_record()
        patient_id = self.patient.id if self.patient is not None else 0
        if kind == "consent":
            found = self.consent_appointment
            self.print_requested.emit(kind, patient_id, found.appointment_id if found is not None else None)
            return
        record_id = record.id if record is not None and kind != "blank_intake" else None
        self.print_requested.emit(kind, patient_id, record_id)

    def refresh(self, changes: set[Kind]) -> None:
        if self._emitting:
            return
        if Kind.CLINIC in changes:
            self._rules = screening_rules(self.ctx)
            self._show_live()
        patient = self.patient
        if patient is not None and getattr(changes, "remote", False) and \
                touches_patient(changes, patient.id, (Kind.PATIENTS,)):
            self._saved_elsewhere()  # another desk saved the open record
        elif patient is not None and touches_patient(changes, patient.id, (Kind.SCREENINGS, Kind.PATIENTS)) and \
                not self.has_unsaved_changes():
            current = self.history_panel.current_record()
            self._show_patient(patient, current.id if current else None)
        elif changes & {Kind.APPOINTMENTS, Kind.THERAPISTS, Kind.SCREENINGS} and (
                patient is None or Kind.THERAPISTS in changes
                or touches_patient(changes, patient.id, (Kind.APPOINTMENTS, Kind.SCREENINGS))):
            self._update_consent_action()

    # --- Edits that meet ------------------------------------------------------------------------

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
        self._show_last_change(saved.record)
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
        self.patient_form.first_widget.setFocus(Qt.OtherFocusReason)

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

    @property
    def shown_assessment(self) -> Assessment | None:
        return self.verdict.assessment
