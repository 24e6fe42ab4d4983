"""Settings ▸ Appointment types…: the kinds of appointment, their length, and whether they are IMS."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.changes import Changes, Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.staff import (
    LONGEST_TYPE_MINUTES,
    SHORTEST_TYPE_MINUTES,
    TYPE_CHANGES,
    AppointmentTypeDetails,
    AppointmentTypeRecord,
    create_appointment_type,
    list_all_appointment_types,
    parse_fee,
    update_appointment_type,
)
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.staff.staff_models import AppointmentTypeModel
from frontdesk.ui.common.widgets import ERROR_STYLE, Field
from frontdesk.ui.window.live_updates import ChangedBanner, EditsThatMeet, follow_changes, shown_value, touches_record

#: The form's fields as it names them (for "what differs").
TYPE_NAMES = {"name": "Name", "duration_minutes": "Length (minutes)", "is_ims": "IMS", "active": "In use",
              "fee_cents": "Fee per visit"}


def details_of(record: AppointmentTypeRecord) -> AppointmentTypeDetails:
    return AppointmentTypeDetails(record.name, record.duration_minutes, record.is_ims, record.active, record.fee_cents)


def _fee_text(value: object) -> str:
    if isinstance(value, int) and value >= 0:
        return f"${value // 100}.{value % 100:02d}"
    return shown_value(None if value is None else "not a fee")


class AppointmentTypesDialog(QDialog):
    """The list of kinds of appointment and, below it, the selected one's form."""

    changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.setWindowTitle("Appointment types")
        self.current: AppointmentTypeRecord | None = None
        self._loaded = AppointmentTypeDetails("", 30)
        self._restoring = False

        self.model = AppointmentTypeModel(self)
        self.table = QTableView()
        self.table.setObjectName("appointment_types_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        list_label = QLabel("&Kinds of appointment")
        list_label.setBuddy(self.table)

        self.name = QLineEdit()
        self.name.setObjectName("type_name")
        self.name.setMaxLength(100)
        self.duration = QSpinBox()
        self.duration.setObjectName("type_duration")
        self.duration.setRange(SHORTEST_TYPE_MINUTES, LONGEST_TYPE_MINUTES)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" minutes")
        self.is_ims = QCheckBox("&IMS (needs an IMS-qualified physiotherapist and an eligible screening)")
        self.is_ims.setObjectName("type_is_ims")
        self.active = QCheckBox("In &use (offered when booking)")
        self.active.setObjectName("type_active")
        self.fee = QLineEdit()
        self.fee.setObjectName("type_fee")
        self.fee.setMaxLength(12)
        self.fee.setPlaceholderText("e.g. 95.00")
        self.fields = {
            "name": Field("&Name", self.name, required=True),
            "duration_minutes": Field("&Length", self.duration),
            "fee_cents": Field("&Fee per visit ($, on the IMS consent)", self.fee),
        }
        self.flag_errors = {"is_ims": QLabel(), "active": QLabel()}
        for label in self.flag_errors.values():
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.hide()
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        note = QLabel("A new length applies to appointments booked from now on; booked ones keep theirs. "
                      "A kind no longer offered is switched off, not deleted, so past appointments keep it.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")

        self.new_button = QPushButton("New &type")
        self.new_button.setObjectName("new_type")
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("save_type")
        self.revert_button = QPushButton("Re&vert")
        close = QPushButton("Close")
        for button in (self.new_button, self.save_button, self.revert_button, close):
            button.setAutoDefault(False)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        close.clicked.connect(self.reject)
        self.name.returnPressed.connect(self.save)
        self.name.textChanged.connect(self._update_state)
        self.fee.textChanged.connect(self._update_state)
        self.fee.returnPressed.connect(self.save)
        self.duration.valueChanged.connect(self._update_state)
        self.is_ims.toggled.connect(self._update_state)
        self.active.toggled.connect(self._update_state)
        self.state = QLabel()
        self.message = QLabel()
        self.message.setObjectName("types_message")
        self.message.setWordWrap(True)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # saved at another desk while this is open
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, prompts, what="The kind of appointment",
                                     parent=self)
        self.meeting.note.connect(self.message.setText)

        form_row = QHBoxLayout()
        form_row.addWidget(self.fields["name"], 2)
        form_row.addWidget(self.fields["duration_minutes"], 1)
        form_row.addWidget(self.fields["fee_cents"], 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)
        top = QHBoxLayout()
        top.addWidget(list_label)
        top.addStretch(1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.form_title = QLabel()
        layout.addWidget(self.form_title)
        layout.addWidget(self.changed_banner)
        layout.addLayout(form_row)
        layout.addWidget(self.is_ims)
        layout.addWidget(self.flag_errors["is_ims"])
        layout.addWidget(self.active)
        layout.addWidget(self.flag_errors["active"])
        layout.addWidget(self.general_error)
        layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addLayout(bottom)

        # The type in the form stays selected when the list is read again; the form is left as it is.
        self.master = MasterDetail(self.table, lambda index: getattr(self.model.row_at(index.row()), "id", None))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        follow_changes(self, self.changed_elsewhere)
        self.resize(680, 520)
        remember_geometry(self, "appointment_types_dialog")
        self._show(None)
        self.refresh()
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()

    # --- The list --------------------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        rows = call_service(self, self.prompts, "Appointment types", list_all_appointment_types, self.ctx, self.actor)
        if rows is None:
            return
        with self.master.reload(select=select_id, show=False):
            self.model.set_rows(rows)

    def _current_changed(self, current, previous) -> None:
        if self._restoring or self.master.reloading:
            return
        record = self.model.row_at(current.row())
        if record is not None and self.current is not None and record.id == self.current.id:
            return
        if not self._may_leave():
            back = previous.row() if previous.isValid() else -1
            QTimer.singleShot(0, lambda: self._select_row(back))
            return
        self._show(record)

    def _select_row(self, row: int) -> None:
        self._restoring = True
        try:
            if row >= 0:
                self.table.setCurrentIndex(self.model.index(row, 0))
            else:
                self.table.selectionModel().clearSelection()
        finally:
            self._restoring = False

    def _show(self, record: AppointmentTypeRecord | None) -> None:
        self.meeting.clear()
        self.current = record
        self.name.setText(record.name if record else "")
        self.duration.setValue(record.duration_minutes if record else 30)
        fee = record.fee_cents if record else None
        self.fee.setText(f"{fee // 100}.{fee % 100:02d}" if fee is not None else "")
        self.is_ims.setChecked(record.is_ims if record else False)
        self.active.setChecked(record.active if record else True)
        self._loaded = self.details()
        self.show_errors({})
        if record is None:
            self.form_title.setText("<b>New kind of appointment</b>")
        else:
            used = f" — used by {record.appointments} appointment{'s' if record.appointments != 1 else ''}" \
                if record.appointments else ""
            self.form_title.setText(f"<b>{record.name}</b>{used}")
        self.save_button.setText("&Add" if record is None else "&Save")
        self._update_state()

    def start_new(self) -> None:
        if not self._may_leave():
            return
        self._select_row(-1)
        self._show(None)
        self.message.clear()
        self.name.setFocus()

    # --- Saving ----------------------------------------------------------------------------------

    def details(self) -> AppointmentTypeDetails:
        try:
            fee = parse_fee(self.fee.text())
        except ValueError:
            fee = -1  # refused by the service with the message shown beside the field
        return AppointmentTypeDetails(self.name.text(), self.duration.value(), self.is_ims.isChecked(),
                                      self.active.isChecked(), fee)

    @property
    def dirty(self) -> bool:
        return self.details() != self._loaded

    # --- Saved at another desk meanwhile ----------------------------------------------------------

    def revert(self) -> None:
        """Re&vert: what is saved now (their version, when one came in meanwhile)."""
        if self.meeting.pending:
            self.meeting.reload()
        else:
            self._show(self.current)

    def changed_elsewhere(self, changes: set) -> None:
        """Another desk changed kinds of appointment: the list at once; the one open, or the banner."""
        if not getattr(changes, "remote", False) or Kind.APPOINTMENT_TYPES not in changes:
            return
        self.refresh(self.current.id if self.current is not None else None)
        self.meeting.changed_elsewhere(changes)

    def meeting_touched(self, changes: set) -> bool:
        return self.current is not None and touches_record(changes, Kind.APPOINTMENT_TYPES, self.current.id)

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import appointment_type_as_saved

        return appointment_type_as_saved(self.ctx, self.actor, self.current.id) if self.current is not None else None

    def meeting_is_current(self, record: AppointmentTypeRecord) -> bool:
        return self.current is not None and details_of(record) == details_of(self.current)

    def meeting_dirty(self) -> bool:
        return self.dirty

    def meeting_load(self, record: AppointmentTypeRecord) -> None:
        self._show(record)

    def meeting_differences(self, record: AppointmentTypeRecord) -> list[tuple[str, str, str]]:
        from frontdesk.services.saved_meanwhile import differences

        return [(TYPE_NAMES[d.field], *(_fee_text(v) if d.field == "fee_cents" else shown_value(v)
                                        for v in (d.theirs, d.mine)))
                for d in differences(details_of(record), self.details())]

    def meeting_save_over(self, record: AppointmentTypeRecord) -> AppointmentTypeRecord | None:
        self.current = record  # the save goes over their version
        return self.save()

    def save(self) -> AppointmentTypeRecord | None:
        if self.meeting.pending:
            return self.meeting.keep_mine()  # type: ignore[return-value]
        try:
            if self.current is None:
                saved = create_appointment_type(self.ctx, self.actor, self.details())
            else:
                shown = self.current
                saved = update_appointment_type(
                    self.ctx, self.actor, shown.id, self.details(),
                    expected=AppointmentTypeDetails(shown.name, shown.duration_minutes, shown.is_ims, shown.active))
        except ValidationFailed as refused:
            self.show_errors(refused.errors)
            return None
        except Conflict as stale:
            self.show_errors({}, stale.message)
            if self.prompts.confirm(
                    self, "Appointment types",
                    stale.message + "\n\nReload what is saved now? What you changed here is replaced by it."):
                self.refresh(shown.id)
                row = self.model.row_of(shown.id)
                self._show(self.model.row_at(row) if row is not None else None)
                self.message.setText("Reloaded: this is what is saved now.")
            return None
        except ServiceError as error:
            self.show_errors({}, error.message)
            return None
        self.refresh(saved.id)
        row = self.model.row_of(saved.id)
        self._show(self.model.row_at(row) if row is not None else saved)
        self.message.setText(f"{saved.name} was saved.")
        self.changed.emit(Changes.made(TYPE_CHANGES))
        return saved

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for key, field in self.fields.items():
            field.set_error(errors.get(key))
        for key, label in self.flag_errors.items():
            label.setText(f"⚠ {errors[key]}" if key in errors else "")
            label.setVisible(key in errors)
        known = set(self.fields) | set(self.flag_errors)
        message = " ".join(filter(None, [general, *(t for k, t in errors.items() if k not in known)]))
        self.general_error.setText(f"⚠ {message}" if message else "")
        self.general_error.setVisible(bool(message))
        first = next((key for key in self.fields if key in errors), None)
        if first is not None:
            self.fields[first].field.setFocus()

    def _update_state(self, *_: object) -> None:
        self.save_button.setEnabled(self.dirty or self.current is None)
        self.revert_button.setEnabled(self.dirty)
        self.state.setText("Not saved yet." if self.dirty else "")

    # --- Closing ---------------------------------------------------------------------------------

    def _may_leave(self) -> bool:
        if not self.dirty or (self.current is None and not self.name.text().strip()):
            return True
        return self.prompts.confirm(self, "Unsaved changes", "The changes to this kind of appointment are not "
                                    "saved. Leave them without saving?")

    def reject(self) -> None:
        if self._may_leave():
            super().reject()
