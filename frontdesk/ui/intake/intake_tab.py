"""The Intake tab: find or register a patient, screen them for IMS, see the verdict and the history.

Left: find as you type and "New patient". Middle: the patient's details and the questionnaire, with
Save (Ctrl+S) below. Right: the live verdict and the screening history. Save checks the patient and
the screening together first, so a refusal leaves nothing half-saved.
"""

from __future__ import annotations

from itertools import pairwise
from types import ModuleType

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import screening_valid_until
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import Assessment, assess
from frontdesk.domain.when import format_date
from frontdesk.services.changes import Changes, Kind, touches_patient
from frontdesk.services.clinic_settings import get_clinic_settings, screening_rules
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.intake_records import PatientRecord, PossibleDuplicate, ScreeningRecord
from frontdesk.ui.common.errors import Prompts, call_service, report_unexpected
from frontdesk.ui.common.geometry import ui_settings
from frontdesk.ui.intake.intake_elsewhere import SavedElsewhere
from frontdesk.ui.intake.intake_header import PatientHeader
from frontdesk.ui.intake.intake_print import IntakePrintMenu
from frontdesk.ui.intake.patient_form import PatientForm
from frontdesk.ui.common.patient_search import PatientSearchPanel
from frontdesk.ui.intake.screening_form import ScreeningForm
from frontdesk.ui.intake.screening_history import HistoryPanel
from frontdesk.ui.intake.screening_verdict import VerdictPanel
from frontdesk.ui.common.signed_in import CurrentActor
from frontdesk.ui.common.widgets import ERROR_STYLE


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
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QApplication.sendEvent(self.scroll_bar, event)
            return True
        return False


class IntakeTab(SavedElsewhere, QWidget):
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

        self.header = PatientHeader(ctx, self.signed_in)
        self.title, self.last_change = self.header.title, self.header.last_change
        self.archived_bar, self.archived_note = self.header.archived_bar, self.header.archived_note
        self.restore_button = self.header.restore_button
        self.restore_button.clicked.connect(self.restore_patient)

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
            choice.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            choice.installEventFilter(self._wheel_guard)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.status = QLabel()
        self.status.setObjectName("intake_status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setObjectName("save_intake")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.print_menu = IntakePrintMenu(ctx, self.signed_in, self)
        self.print_menu.chosen.connect(self._print)
        self.print_button = self.print_menu.button
        self.print_consent_action, self.print_summary_action = self.print_menu.consent_action, \
            self.print_menu.summary_action
        self.print_intake_action, self.print_blank_intake_action = self.print_menu.intake_action, \
            self.print_menu.blank_intake_action

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

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.verdict)
        right.addWidget(self.history_panel)
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
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
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        # Ctrl+F is the main window's "Find a patient": it works from every tab and routes here.
        self.find_action = action("Find a patient", QKeySequence(), self.search.focus_search)
        self.new_action = action("New patient", QKeySequence.StandardKey.New, self.new_patient)
        self.save_action = action("Save", QKeySequence.StandardKey.Save, self.save)

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
        self.patient_form.first_widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_patient(self, patient_id: int) -> bool:
        if self.patient is not None and self.patient.id == patient_id and not self.has_unsaved_changes():
            self.patient_form.first_widget.setFocus(Qt.FocusReason.OtherFocusReason)
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
        self.patient_form.first_widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _show_patient(self, record: PatientRecord | None, select_screening: int | None = None) -> None:
        self.patient = record
        self._patient_dirty = False
        self._theirs = None
        self.changed_banner.hide()
        self.header.show_title(record)
        if record is None:
            self.history = []
        else:
            highlighted = self.search.highlighted()
            if highlighted is None or highlighted.id != record.id:
                self.search.clear_results()  # opened some other way: the old results would mislead
            self.history = call_service(self, self.prompts, "Screening history", _screenings().screening_history,
                                        self.ctx, self.actor, record.id) or []
        self.header.show_last_change(record)
        self.history_panel.set_records(self.history, select_screening)
        self.header.show_archived(record)
        self._update_print_actions()
        if not self.history:
            self._show_live()

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
        self.patient_form.first_widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self._emit(Changes.made(Kind.PATIENTS))

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
            self.patient_form.first_widget.setFocus(Qt.FocusReason.OtherFocusReason)
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
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(f"⚠ {text}" if error else text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    # --- Printing and refreshing ----------------------------------------------------------------

    def _update_print_actions(self, *, consent: bool = True) -> None:
        self.print_menu.update(self.patient.id if self.patient is not None else None,
                               self.history_panel.current_record() is not None, consent=consent)

    def _update_consent_action(self) -> None:
        self.print_menu.update_consent(self.patient.id if self.patient is not None else None)

    @property
    def consent_appointment(self):
        """The IMS visit the Print menu's consent entry is for (None: nothing to print)."""
        return self.print_menu.consent_appointment

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

    @property
    def shown_assessment(self) -> Assessment | None:
        return self.verdict.assessment
