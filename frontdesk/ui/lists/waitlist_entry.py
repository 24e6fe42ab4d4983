"""Add a patient to the waitlist, or change an entry: what they wait for and what suits them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.scheduling import PartOfDay
from frontdesk.domain.waitlist import Priority
from frontdesk.domain.when import SHORT_WEEKDAYS, format_weekday_iso
from frontdesk.services.changes import Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.ui.schedule.booking_fields import DateField, area_combo, select_data, type_combo
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.window.live_updates import ChangedBanner, EditsThatMeet, follow_changes, shown_value, touches_record

ERROR_STYLE = "color: #b00020;"
#: The entry's fields as the dialog names them (for "what differs").
ENTRY_NAMES = {"type_id": "Type of visit", "area": "IMS area", "therapist_ids": "Physiotherapists",
               "weekdays": "Days that suit", "part_of_day": "Time of day", "earliest": "Earliest date",
               "priority": "Priority", "note": "Note"}


class WaitlistEntryDialog(QDialog):
    """``record`` given: change that entry; otherwise add one for ``patient_id`` (with ``preset``
    values, e.g. from a booking that found nothing soon enough). `saved` holds the result."""

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 patient_id: int | None = None, patient_name: str = "", record=None, preset: dict | None = None
                 ) -> None:
        super().__init__(parent)
        from frontdesk.services.schedule import list_appointment_types
        from frontdesk.services.schedule_view import list_therapists

        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.record = record
        self.saved = None
        self.patient_id = record.patient_id if record is not None else patient_id
        name = record.patient_name if record is not None else patient_name
        self.setWindowTitle("Change the waitlist entry" if record is not None else "Add to the waitlist")
        self.types = list_appointment_types(ctx, actor)
        self.therapists = [t for t in list_therapists(ctx, actor) if t.active]

        self.patient_label = QLabel(f"<b>{name}</b>" if name else "")
        self.picker = None
        patient_field: QWidget = self.patient_label
        if self.patient_id is None:
            from frontdesk.ui.common.patient_picker import PatientPicker

            self.picker = PatientPicker(ctx, actor)
            self.picker.patient_chosen.connect(self._patient_chosen)
            patient_field = self.picker
        self.type = type_combo(self.types)
        self.area = area_combo()
        self.therapist_list = QListWidget()
        self.therapist_list.setObjectName("therapists")
        self.therapist_list.setMaximumHeight(110)
        for therapist in self.therapists:
            item = QListWidgetItem(therapist.name + ("" if therapist.ims_qualified else "  (no IMS)"))
            item.setData(Qt.ItemDataRole.UserRole, therapist.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.therapist_list.addItem(item)
        self.therapist_list.setCurrentRow(0)
        self.days = [QCheckBox(name) for name in SHORT_WEEKDAYS]
        day_row = QHBoxLayout()
        day_row.setContentsMargins(0, 0, 0, 0)
        for box in self.days:
            day_row.addWidget(box)
        day_row.addStretch(1)
        days_widget = QWidget()
        days_widget.setLayout(day_row)
        self.part = QComboBox()
        self.part.setObjectName("part_of_day")
        for part in PartOfDay:
            self.part.addItem(part.label, part.value)
        self.earliest = DateField(ctx.today(), ctx.today())
        self.earliest.setObjectName("earliest")
        self.priority = QComboBox()
        self.priority.setObjectName("priority")
        for level in (Priority.NORMAL, Priority.HIGH, Priority.LOW):
            self.priority.addItem(level.label, int(level))
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText("e.g. can come at an hour's notice; call the mobile")

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow("Pa&tient:" if self.picker is not None else "Patient:", self._with_error("patient", patient_field))
        form.addRow("T&ype of visit:", self._with_error("type", self.type))
        form.addRow("IMS &area:", self._with_error("area", self.area))
        form.addRow("&Physiotherapists:", self._with_error("therapists", self.therapist_list))
        form.addRow("", QLabel("Tick the ones the patient accepts (Space); none ticked: any."))
        form.addRow("Days that &suit:", self._with_error("weekdays", days_widget))
        form.addRow("Time of &day:", self._with_error("part_of_day", self.part))
        form.addRow("&Earliest date:", self._with_error("earliest", self.earliest))
        form.addRow("P&riority:", self._with_error("priority", self.priority))
        form.addRow("&Note:", self._with_error("note", self.note))
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save" if record is not None else "Add to waitlist")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # changed at another desk while this is open
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, prompts, what="The waitlist entry",
                                     save_key="Ctrl+S or Enter", parent=self)
        self.meeting.note.connect(self._note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.changed_banner)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        if record is not None:
            follow_changes(self, self.meeting.changed_elsewhere)

        if record is not None:
            self._fill(record.as_request())
        elif preset:
            self._fill_preset(preset)
        self.type.currentIndexChanged.connect(self._type_changed)
        self.area.currentIndexChanged.connect(self._suggest_earliest)
        self._type_changed()
        (self.picker or self.type).setFocus()

    def _patient_chosen(self, patient_id: int) -> None:
        self.patient_id = patient_id
        self._suggest_earliest()

    def _with_error(self, key: str, widget: QWidget) -> QWidget:
        label = QLabel()
        label.setObjectName(f"error_{key}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.errors[key] = label
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(label)
        box.setFocusProxy(widget)
        return box

    def _fill(self, request) -> None:
        select_data(self.type, lambda kind: kind is not None and kind.id == request.type_id)
        select_data(self.area, lambda key: key == request.area)
        for row in range(self.therapist_list.count()):
            item = self.therapist_list.item(row)
            chosen = item.data(Qt.ItemDataRole.UserRole) in request.therapist_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        for day, box in enumerate(self.days):
            box.setChecked(day in request.weekdays)
        select_data(self.part, lambda value: value == request.part_of_day)
        self.earliest.setDate(request.earliest)
        select_data(self.priority, lambda value: value == request.priority)
        self.note.setText(request.note)

    def _fill_preset(self, preset: dict) -> None:
        if preset.get("type_id") is not None:
            select_data(self.type, lambda kind: kind is not None and kind.id == preset["type_id"])
        if preset.get("area"):
            select_data(self.area, lambda key: key == preset["area"])
        for row in range(self.therapist_list.count()):
            item = self.therapist_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in preset.get("therapist_ids", ()):
                item.setCheckState(Qt.CheckState.Checked)
        if preset.get("part_of_day"):
            select_data(self.part, lambda value: value == preset["part_of_day"])

    def _type_changed(self, *_args) -> None:
        kind = self.type.currentData()
        self.area.setEnabled(bool(kind is not None and kind.is_ims))
        self._suggest_earliest()

    def _suggest_earliest(self, *_args) -> None:
        """For a new entry, the earliest date starts at the first one the rules allow (IMS: the area's
        first-allowed date)."""
        if self.record is not None or self.patient_id is None:
            return
        kind = self.type.currentData()
        if kind is None:
            return
        from frontdesk.services.waitlist import earliest_allowed

        try:
            first = earliest_allowed(self.ctx, self.actor, self.patient_id, kind.id,
                                     self.area.currentData() if kind.is_ims else "")
        except ServiceError:
            return
        if self.earliest.value() < first or self.earliest.value() == self.ctx.today():
            self.earliest.setDate(first)

    def request(self):
        from frontdesk.services.waitlist import WaitlistRequest

        kind = self.type.currentData()
        therapist_ids = tuple(
            self.therapist_list.item(row).data(Qt.UserRole) for row in range(self.therapist_list.count())
            if self.therapist_list.item(row).checkState() == Qt.Checked)
        return WaitlistRequest(
            patient_id=self.patient_id or 0, type_id=kind.id if kind is not None else 0, earliest=self.earliest.value(),
            area=(self.area.currentData() or "") if kind is not None and kind.is_ims else "",
            therapist_ids=therapist_ids, weekdays=tuple(d for d, box in enumerate(self.days) if box.isChecked()),
            part_of_day=self.part.currentData(), note=self.note.text(), priority=self.priority.currentData())

    def _note(self, text: str) -> None:
        """A sentence that is not an error (another desk's change shown): in the ordinary colour."""
        self.message.setStyleSheet("")
        self.message.setText(text)

    def show_errors(self, errors: dict[str, str]) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        other = [text for key, text in errors.items() if key not in self.errors]
        self.message.setText(" ".join(other))
        first = next((key for key in self.errors if key in errors), None)
        if first is not None:
            self.errors[first].parentWidget().setFocus()

    # --- Changed at another desk meanwhile -----------------------------------------------------------

    def meeting_touched(self, changes: set) -> bool:
        return self.record is not None and touches_record(changes, Kind.WAITLIST, self.record.id)

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import waitlist_entry_as_saved

        return waitlist_entry_as_saved(self.ctx, self.actor, self.record.id) if self.record is not None else None

    def meeting_is_current(self, record) -> bool:
        return self.record is not None and record.version == self.record.version

    def meeting_dirty(self) -> bool:
        if self.record is None:
            return False
        return self._comparable(self.request()) != self._comparable(self.record.as_request())

    @staticmethod
    def _comparable(request):
        from dataclasses import replace

        return replace(request, note=request.note.strip(), therapist_ids=tuple(sorted(request.therapist_ids)),
                       weekdays=tuple(sorted(request.weekdays)), area=request.area or "")

    def meeting_load(self, record) -> None:
        from frontdesk.domain.waitlist import WaitState

        self.record = record
        self._fill(record.as_request())
        self._show_state(record)
        if record.state is not WaitState.WAITING:
            self.meeting.note.emit(f"This entry is {record.state.label.lower()} now (at another desk): "
                                   "there is nothing left to change. Close this.")

    def _show_state(self, record) -> None:
        from frontdesk.domain.waitlist import WaitState

        waiting = record.state is WaitState.WAITING
        self.ok_button.setEnabled(waiting)
        self.changed_banner.keep_button.setEnabled(waiting and self.changed_banner.isVisible())

    def meeting_banner_shown(self, record) -> None:
        from frontdesk.domain.waitlist import WaitState

        self._show_state(record)
        if record.state is not WaitState.WAITING:
            self.message.setText(f"This entry is {record.state.label.lower()} now: it cannot be changed. Close "
                                 "this, or Reload to see it.")

    def meeting_differences(self, record) -> list[tuple[str, str, str]]:
        from frontdesk.services.saved_meanwhile import differences

        return [(ENTRY_NAMES[d.field], self._shown(d.field, d.theirs), self._shown(d.field, d.mine))
                for d in differences(self._comparable(record.as_request()), self._comparable(self.request()),
                                     tuple(ENTRY_NAMES))]

    def _shown(self, field: str, value) -> str:
        from frontdesk.domain.areas import area_label
        from frontdesk.domain.waitlist import days_text

        if field == "type_id":
            return next((t.name for t in self.types if t.id == value), shown_value(value))
        if field == "area":
            return area_label(value) or "(none)"
        if field == "therapist_ids":
            names = {t.id: t.name for t in self.therapists}
            return ", ".join(names.get(i, str(i)) for i in value) or "Any physiotherapist"
        if field == "weekdays":
            return days_text(value)
        if field == "part_of_day":
            return PartOfDay(value).label
        if field == "priority":
            return Priority(value).label
        if field == "earliest":
            return format_weekday_iso(value)
        return shown_value(value)

    def meeting_save_over(self, record) -> bool:
        self.record = record  # the save goes over their version
        self.accept()
        return self.result() == QDialog.DialogCode.Accepted

    def accept(self) -> None:
        from frontdesk.services.waitlist import add_to_waitlist, update_waitlist_entry

        if self.meeting.pending:
            self.meeting.keep_mine()  # changed at another desk meanwhile: first see what differs
            return
        if not self.earliest.commit():
            self.show_errors({"earliest": "Not a date: type 2026-12-07, Dec 7 or +7."})
            return
        if self.patient_id is None:
            self.show_errors({"patient": "Open a patient first."})
            return
        request = self.request()
        try:
            if self.record is None:
                self.saved = add_to_waitlist(self.ctx, self.actor, request)
            else:
                self.saved = update_waitlist_entry(self.ctx, self.actor, self.record.id, self.record.version, request)
        except ValidationFailed as error:
            self.show_errors(error.errors)
            return
        except ServiceError as error:
            self.show_errors({"": error.message})
            return
        except Exception as error:  # noqa: BLE001 - the last line of defence before the user
            call_service(self, self.prompts, "Waitlist", _raise, error)
            return
        super().accept()


def _raise(error: BaseException) -> None:
    raise error

