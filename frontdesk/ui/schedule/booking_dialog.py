"""The booking dialog: patient, type, therapist, start (the end follows), IMS area, and a repeat.

The patient's last and next appointments are shown under the patient. The start defaults to the
next free time (never the past); "Book again" opens it filled in from a `Rebooking`, with the focus on
Book, so Enter books. An IMS treatment closer to another of the patient's than the clinic's interval
is warned about at once and needs a reason before it can be booked.

Problems are checked as the fields change and shown under the form; nothing is saved until Book.
A refused IMS booking shows why and, when a date ends the block, offers "Find a slot from <date>".
A repeat lists every planned date first; a date that clashes can be skipped or moved to the next
free slot (Space cycles the choice) before anything is booked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.scheduling import next_grid_time
from frontdesk.domain.when import (
    format_date,
    format_time,
)
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.availability import find_next_available
from frontdesk.services.booking import BookingRefused, IntervalReasonNeeded, book_appointment, check_booking
from frontdesk.services.records import AppointmentRecord, BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.schedule_view import list_therapists
from frontdesk.services.series import book_series, plan_series
from frontdesk.services.intake_records import PatientSummary
from frontdesk.services.records import Rebooking
from frontdesk.ui.schedule.booking_series import OccurrenceModel, OccurrenceTable
from frontdesk.ui.schedule.booking_fields import (
    DateField,
    area_combo,
    bookings_text,
    show_patient_bookings,
    picked_start,
    select_data,
    set_start,
    therapist_combo,
    time_edit,
    type_combo,
)
from frontdesk.ui.common.errors import report_unexpected
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.patient_picker import PatientPicker
from frontdesk.ui.common.widgets import ERROR_STYLE

class BookingDialog(QDialog):
    """`booked` holds the saved records once the dialog is accepted."""

    def __init__(self, ctx: ServiceContext, actor: Actor, parent: QWidget | None = None, *,
                 start: datetime | None = None, therapist_id: int | None = None, type_id: int | None = None,
                 patient=None, area: str = "", rebook: Rebooking | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.booked: list[AppointmentRecord] = []
        self.first_allowed: date | None = None
        self.too_close = ""
        self._planned_for: tuple | None = None
        self._bookings_for: int | None = None
        self.setWindowTitle("Book again" if rebook is not None else "Book an appointment")
        self.setObjectName("booking_dialog")
        if rebook is not None:
            patient = PatientSummary(rebook.patient_id, rebook.patient_name, rebook.date_of_birth, "")
            type_id = rebook.type_id or type_id
            therapist_id = rebook.slot.therapist_id if rebook.slot else rebook.therapist_id
            area = rebook.area
            start = rebook.slot.starts_at if rebook.slot else None

        self.patient = PatientPicker(ctx, actor)
        self.type = type_combo(list_appointment_types(ctx, actor))
        self.therapist = therapist_combo(list_therapists(ctx, actor))
        if type_id is not None:
            select_data(self.type, lambda k: k.id == type_id)
        if therapist_id is not None:
            select_data(self.therapist, lambda t: t.id == therapist_id)
        if start is None and rebook is not None:
            start = next_grid_time(ctx.now(), ctx.zone)  # nothing free was found: the note says why
        elif start is None:
            start = self._next_free_start(therapist_id, patient.id if patient is not None else None)
        local = start.astimezone(ctx.zone)
        self.date = DateField(local.date(), ctx.today())
        self.date.setObjectName("date")
        self.time = time_edit(local.time())
        self.time.setObjectName("time")
        self.ends = QLabel("")
        self.ends.setObjectName("ends")
        self.area = area_combo()
        if area:
            select_data(self.area, lambda key: key == area)
        self.notes = QLineEdit()
        self.notes.setObjectName("notes")
        self.notes.setMaxLength(2000)
        self.bookings = QLabel("")
        self.bookings.setObjectName("patient_bookings")
        self.bookings.setTextFormat(Qt.TextFormat.PlainText)
        self.bookings.setStyleSheet("color: #333;")
        if rebook is not None:
            self._bookings_for = rebook.patient_id
            self.bookings.setText(bookings_text(rebook.bookings, ctx.zone))
        if patient is not None:
            self.patient.set_patient(patient)

        when_box = QWidget()
        when_box.setObjectName("starts")
        when = QHBoxLayout(when_box)
        when.setContentsMargins(0, 0, 0, 0)
        when.addWidget(self.date)
        when.addWidget(self.time)
        when.addWidget(self.ends, 1)
        when_box.setFocusProxy(self.date)

        self.reason = QLineEdit()
        self.reason.setObjectName("interval_reason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why this IMS treatment is booked sooner (kept with the appointment)")
        self.reason_label = QLabel("&Why sooner:")
        self.reason_label.setBuddy(self.reason)
        self.warning = QLabel("")
        self.warning.setObjectName("interval_warning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet("background: #fff3cd; padding: 4px; border-radius: 3px;")
        self.note = QLabel(rebook.note if rebook is not None else "")
        self.note.setObjectName("rebook_note")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setVisible(bool(self.note.text()))

        self.repeat = QCheckBox("&Repeat")
        self.repeat.setObjectName("repeat")
        self.every = QSpinBox()
        self.every.setObjectName("every")
        self.every.setRange(1, 12)
        self.unit = QComboBox()
        self.unit.setObjectName("unit")
        self.unit.addItem("weeks", "weeks")
        self.unit.addItem("days", "days")
        self.count = QSpinBox()
        self.count.setObjectName("count")
        self.count.setRange(2, 52)
        self.count.setValue(6)
        self.count.setSuffix(" times")
        self.check_dates = QPushButton("Check the &dates")
        self.check_dates.setObjectName("check_dates")
        self.check_dates.setAutoDefault(False)  # Enter books; this button is for Alt+D or a click
        self.check_dates.clicked.connect(self.plan)
        repeat_row = QHBoxLayout()
        repeat_row.addWidget(self.repeat)
        repeat_row.addWidget(QLabel("every"))
        repeat_row.addWidget(self.every)
        repeat_row.addWidget(self.unit)
        repeat_row.addWidget(QLabel("for"))
        repeat_row.addWidget(self.count)
        repeat_row.addWidget(self.check_dates)
        repeat_row.addStretch(1)

        self.occurrences = OccurrenceModel(ctx.zone, self)
        self.plan_table = OccurrenceTable()
        self.plan_table.setObjectName("occurrences")
        self.plan_table.setModel(self.occurrences)
        self.plan_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.plan_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.plan_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.plan_table.verticalHeader().hide()
        self.plan_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.plan_table.hide()

        form = QFormLayout()
        patient_label = QLabel("&Patient:")
        patient_label.setBuddy(self.patient.box)  # the picker itself takes no focus: Alt+P did nothing
        form.addRow(patient_label, self.patient)
        form.addRow("", self.bookings)
        form.addRow("T&ype:", self.type)
        form.addRow("P&hysiotherapist:", self.therapist)
        form.addRow("&Starts:", when_box)
        form.addRow("IMS &area:", self.area)
        form.addRow("", self.warning)
        form.addRow(self.reason_label, self.reason)
        form.addRow("&Notes:", self.notes)
        self.form = form

        self.problems = QLabel("")
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.find_from = QPushButton("")
        self.find_from.setObjectName("find_from")
        self.find_from.clicked.connect(self.find_slot_from_first_allowed)
        self.find_from.hide()

        buttons = QDialogButtonBox()
        self.book_button = buttons.addButton("&Book", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setObjectName("book")
        self.waitlist_button = buttons.addButton("Add to wait&list…", QDialogButtonBox.ButtonRole.ActionRole)
        self.waitlist_button.setObjectName("add_to_waitlist")
        self.waitlist_button.setAutoDefault(False)
        self.waitlist_button.setToolTip("Nothing soon enough? Put the patient on the waitlist for this kind of visit")
        self.waitlist_button.clicked.connect(self.add_to_waitlist)
        self.waitlisted = None
        close = buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addLayout(repeat_row)
        layout.addWidget(self.plan_table, 1)
        layout.addStretch(1)  # spare height goes here, not into the patient picker, while no dates are planned
        self._filler = layout.count() - 1
        layout.addWidget(self.problems)
        layout.addWidget(self.find_from)
        layout.addWidget(buttons)
        # Book is Enter from any field. Only a button already inside the dialog can be its default
        # (before, the dialog took the first button it met, "Check the dates", disabled: Enter did nothing).
        self.book_button.setDefault(True)

        for signal in (self.type.currentIndexChanged, self.therapist.currentIndexChanged,
                       self.area.currentIndexChanged, self.date.dateChanged, self.time.timeChanged):
            signal.connect(self.refresh_check)
        self.patient.patient_chosen.connect(self._patient_chosen)
        self.repeat.toggled.connect(self._repeat_toggled)
        self._repeat_toggled(False)
        self._patient_chosen(self.patient.patient_id)
        from frontdesk.ui.window.live_updates import follow_changes

        follow_changes(self, self.changed_elsewhere)  # the time chosen may be taken at another desk meanwhile
        self.resize(680, 560)
        remember_geometry(self, "booking_dialog")
        if rebook is not None and rebook.slot is not None:
            self.book_button.setFocus()
        elif rebook is not None:
            (self.type if rebook.type_id is None else self.area if self.area.isEnabled() and not rebook.area
             else self.date).setFocus()
        else:
            self.patient.setFocus()

    def add_to_waitlist(self) -> None:
        """The patient waits for an earlier slot: the waitlist entry starts from what is chosen here,
        and the booking dialog closes once it is saved."""
        from frontdesk.ui.common.errors import Prompts
        from frontdesk.ui.lists.waitlist_entry import WaitlistEntryDialog

        patient = self.patient.chosen
        if patient is None:
            self.problems.setText("Choose the patient first, then add them to the waitlist.")
            self.patient.setFocus()
            return
        kind, therapist = self.type.currentData(), self.therapist.currentData()
        preset = {"type_id": kind.id if kind is not None else None, "area": self.area.currentData() or "",
                  "therapist_ids": (therapist.id,) if therapist is not None else ()}
        dialog = WaitlistEntryDialog(self.ctx, self.actor, Prompts(), self, patient_id=patient.id,
                                     patient_name=patient.name, preset=preset)
        if dialog.exec() and dialog.saved is not None:
            self.waitlisted = dialog.saved
            self.reject()

    def _next_free_start(self, therapist_id: int | None, patient_id: int | None) -> datetime:
        """The next free time for the type shown (with the therapist shown, if one was given), never
        in the past; the therapist of that slot is selected when none was given."""
        kind = self.type.currentData()
        try:
            found = find_next_available(self.ctx, self.actor, kind.id, therapist_id, self.ctx.today(),
                                        patient_id=patient_id, limit=1) if kind is not None else []
        except ServiceError:
            found = []
        if found:
            if therapist_id is None:
                select_data(self.therapist, lambda t: t.id == found[0].therapist_id)
            return found[0].starts_at
        return next_grid_time(self.ctx.now(), self.ctx.zone)

    def _patient_chosen(self, patient_id: int | None) -> None:
        if patient_id is None:
            self.bookings.setText("")
            self.bookings.hide()
        elif patient_id != self._bookings_for:
            show_patient_bookings(self.ctx, self.actor, patient_id, self.bookings, self.area)
            self._bookings_for = patient_id
        self.bookings.setVisible(patient_id is not None)
        self.refresh_check()

    # --- Reading the form -----------------------------------------------------------------------

    def request(self) -> BookingRequest | None:
        kind = self.type.currentData()
        therapist = self.therapist.currentData()
        if self.patient.patient_id is None or kind is None or therapist is None:
            return None
        area = self.area.currentData() if self.area.isEnabled() else ""
        reason = self.reason.text().strip() if self.too_close else ""
        return BookingRequest(self.patient.patient_id, therapist.id, kind.id,
                              picked_start(self.date, self.time, self.ctx.zone), area or "",
                              self.notes.text().strip(), reason)

    def _repeat_toggled(self, on: bool) -> None:
        for widget in (self.every, self.unit, self.count, self.check_dates):
            widget.setEnabled(on)
        self._show_plan(on and self.occurrences.rowCount() > 0)
        self.book_button.setText("&Book the series" if on else "&Book")

    def _show_plan(self, shown: bool) -> None:
        self.plan_table.setVisible(shown)
        self.layout().setStretch(self._filler, 0 if shown else 1)

    def _every(self) -> timedelta | relativedelta:
        n = self.every.value()
        return timedelta(weeks=n) if self.unit.currentData() == "weeks" else timedelta(days=n)

    # --- Live checks ----------------------------------------------------------------------------

    def changed_elsewhere(self, changes: set) -> None:
        """Another desk booked, moved or cancelled on the day chosen here: check the time again at
        once, and when it was free and is not any more, say so (not only when Book is pressed)."""
        from frontdesk.services.changes import Kind, touches_days, touches_patient

        if not getattr(changes, "remote", False) or Kind.APPOINTMENTS not in changes:
            return
        therapist = self.therapist.currentData()
        day = picked_start(self.date, self.time, self.ctx.zone).astimezone(self.ctx.zone).date()
        patient_id = self.patient.patient_id
        if not (touches_days(changes, day, day, therapist.id if therapist is not None else None) or
                (patient_id is not None and touches_patient(changes, patient_id, (Kind.APPOINTMENTS,)))):
            return
        was_free = not self.problems.text()
        self.refresh_check()
        if was_free and self.problems.text():
            self.problems.setText("This time was just taken at another desk. " + self.problems.text())

    def refresh_check(self) -> None:
        kind = self.type.currentData()
        self.area.setEnabled(bool(kind and kind.is_ims))
        start = picked_start(self.date, self.time, self.ctx.zone)
        if kind is not None:
            end = start + kind.duration
            self.ends.setText(f"ends {format_time(end, self.ctx.zone)} ({kind.duration_minutes} min)")
        request = self.request()
        if request is None:
            self._show_warning("")
            self._show_problems(["Choose the patient."] if self.patient.patient_id is None else [], None)
            return
        try:
            check = check_booking(self.ctx, self.actor, request)
        except ValidationFailed as error:
            self._show_warning("")
            self._show_problems(list(error.errors.values()), None)
            return
        except ServiceError as error:
            self._show_warning("")
            self._show_problems([error.message], None)
            return
        self._show_warning(check.too_close)
        self._show_problems(list(check.problems), check.first_allowed)

    def _show_warning(self, text: str) -> None:
        """The IMS interval's warning, with the reason field it asks for."""
        self.too_close = text
        self.warning.setText(text)
        for widget in (self.warning, self.reason, self.reason_label):
            widget.setVisible(bool(text))

    def _show_problems(self, problems: list[str], first_allowed: date | None) -> None:
        self.problems.setText("\n".join(problems))
        self.first_allowed = first_allowed
        if first_allowed is not None:
            self.find_from.setText(f"&Find a slot from {format_date(first_allowed)}")
            self.find_from.show()
        else:
            self.find_from.hide()

    def find_slot_from_first_allowed(self) -> None:
        from frontdesk.ui.schedule.booking_find import FindSlotDialog

        request = self.request()
        if request is None or self.first_allowed is None:
            return
        dialog = FindSlotDialog(self.ctx, self.actor, self, type_id=request.type_id,
                                from_date=self.first_allowed, patient=self.patient.chosen,
                                area=request.area)
        dialog.search()
        if dialog.exec() and dialog.chosen_slot is not None:
            self.use_slot(dialog.chosen_slot)

    def use_slot(self, slot) -> None:
        select_data(self.therapist, lambda t: t.id == slot.therapist_id)
        set_start(self.date, self.time, slot.starts_at, self.ctx.zone)
        self.refresh_check()

    # --- Series ---------------------------------------------------------------------------------

    def _plan_key(self, request: BookingRequest) -> tuple:
        # The reason for booking IMS sooner does not change the dates: typing it needs no new plan.
        return (replace(request, interval_reason=""), self.every.value(), self.unit.currentData(), self.count.value())

    def plan(self) -> bool:
        request = self.request()
        if request is None:
            self._show_problems(["Choose the patient first."], None)
            return False
        try:
            planned = plan_series(self.ctx, self.actor, request, self._every(), self.count.value())
        except ValidationFailed as error:
            self._show_problems(list(error.errors.values()), None)
            return False
        except ServiceError as error:
            self._show_problems([error.message], None)
            return False
        self.occurrences.set_plan(planned)
        self._planned_for = self._plan_key(request)
        self._show_plan(True)
        self.plan_table.resizeColumnsToContents()
        self.plan_table.setCurrentIndex(self.occurrences.index(0, 3))
        clashes = sum(1 for p in planned if not p.ok)
        if clashes:
            self._show_problems([f"{clashes} of the dates clash. Choose Skip or Move for each (Space "
                                 "changes the choice), then book the series."], None)
        else:
            self._show_problems([], None)
        self.plan_table.setFocus()
        return True

    # --- Saving ---------------------------------------------------------------------------------

    def accept(self) -> None:
        if not self.date.commit():
            self._show_problems(["The start date is not a date; type one like 2026-12-07 or Dec 7."], None)
            self.date.setFocus()
            return
        request = self.request()
        if request is None:
            self._show_problems(["Choose the patient: type a name, then press Enter on the right one."], None)
            self.patient.setFocus()
            return
        if self.too_close and not request.interval_reason:
            self._show_problems(["Give the reason for booking this IMS treatment sooner (Alt+W), or pick "
                                 "another date."], None)
            self.reason.setFocus()
            return
        try:
            if self.repeat.isChecked():
                if self._planned_for != self._plan_key(request):
                    self.plan()
                    return
                chosen = self.occurrences.chosen_intervals()
                if not chosen:
                    self._show_problems(["Every date is skipped; choose at least one to book."], None)
                    return
                self.booked = book_series(self.ctx, self.actor, request, chosen)
            else:
                self.booked = [book_appointment(self.ctx, self.actor, request)]
        except IntervalReasonNeeded as error:
            self._show_warning(error.warning)
            self._show_problems(["Give the reason for booking this IMS treatment sooner (Alt+W)."], None)
            self.reason.setFocus()
            return
        except BookingRefused as error:
            self._show_problems([error.message], error.first_allowed)
            return
        except ValidationFailed as error:
            self._show_problems(list(error.errors.values()) or [error.message], None)
            return
        except ServiceError as error:
            self._show_problems([error.message], None)
            if self.repeat.isChecked():
                self._planned_for = None
            return
        except Exception as error:  # noqa: BLE001 - shown as a short dialog, logged in full
            report_unexpected(self, error)
            return
        super().accept()
