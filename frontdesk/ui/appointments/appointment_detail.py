"""The pane beside the appointments list: who, when, the latest screening and the history."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.level_looks import LOOKS
from frontdesk.domain.when import format_time
from frontdesk.services.appointments import AppointmentDetail
from frontdesk.services.context import ServiceContext
from frontdesk.ui.appointments.appointment_model import short_date, time_range
from frontdesk.ui.common.last_change import LAST_CHANGE_STYLE, last_changed_text

#: Each level in its one colour, the same as on the Intake tab and the printouts.
_LEVEL_COLOURS = {level: look.ink for level, look in LOOKS.items()}


class AppointmentDetailPane(QScrollArea):
    """Read-only; filled from `appointment_detail` whenever the selected row changes."""

    #: The person asked to see the email reminder of this appointment (its id).
    reminder_preview_requested = Signal(int)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(300)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.heading = QLabel()
        self.heading.setObjectName("detail_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_change = QLabel()
        self.last_change.setObjectName("detail_last_change")
        self.last_change.setWordWrap(True)
        self.last_change.setStyleSheet(LAST_CHANGE_STYLE)
        self.screening = QLabel()
        self.screening.setObjectName("detail_screening")
        self.screening.setWordWrap(True)
        self.history_title = QLabel("<b>History</b>")
        self.history = QLabel()
        self.history.setObjectName("detail_history")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.reminder = QLabel()
        self.reminder.setObjectName("detail_reminder")
        self.reminder.setWordWrap(True)
        self.preview_button = QPushButton("Previe&w reminder…")
        self.preview_button.setObjectName("preview_reminder")
        self.preview_button.setToolTip("Show the exact email the patient gets: subject, text and calendar file")
        self.preview_button.clicked.connect(lambda: self.reminder_preview_requested.emit(self._appointment_id))
        reminder_row = QHBoxLayout()
        reminder_row.addWidget(self.preview_button)
        reminder_row.addStretch(1)
        self._appointment_id = 0
        self._patient_id = 0
        for widget in (self.heading, self.last_change, self.screening, self.reminder):
            layout.addWidget(widget)
        layout.addLayout(reminder_row)
        for widget in (self.history_title, self.history):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)
        self.show_nothing()

    def show_nothing(self, text: str = "Select an appointment to see the patient's screening and "
                                        "the appointment's history.") -> None:
        self.heading.setText(f"<span style='color:#6b6b6b'>{escape(text)}</span>")
        self.last_change.clear()
        self.last_change.hide()
        self._appointment_id = 0
        self.reminder.clear()
        self.preview_button.hide()
        self.screening.clear()
        self.history.clear()
        self.history_title.hide()

    def show_reminder(self, text: str | None) -> None:
        """The appointment's email reminder in a sentence (None: could not be read)."""
        if text is None:
            self.reminder.clear()
            self.preview_button.hide()
            return
        self.reminder.setText(f"<b>Email reminder</b><br>{escape(text)}")
        self.preview_button.show()

    def shows_changed(self, changes: set) -> bool:
        """Whether another desk's change may be about what the pane shows (the appointment, its
        patient, their screening or consent): the owner then reads the detail again."""
        from frontdesk.services.changes import Kind, touches_appointment, touches_patient

        if not self._appointment_id:
            return False
        return touches_appointment(changes, self._appointment_id) or \
            touches_patient(changes, self._patient_id, (Kind.PATIENTS, Kind.SCREENINGS, Kind.CONSENTS))

    def show_detail(self, detail: AppointmentDetail) -> None:
        record, zone = detail.appointment, self.ctx.zone
        self._appointment_id = record.id
        self._patient_id = record.patient_id
        lines = [
            f"<span style='font-size:12pt'><b>{escape(record.patient_name)}</b></span>",
            escape(record.patient_phone) if record.patient_phone else "",
            f"{short_date(record.starts_at, zone)}, {time_range(record, zone)}",
            f"{escape(record.type_name)} with {escape(record.therapist_name)}",
        ]
        if record.area_label:
            lines.append(f"Area: {escape(record.area_label)}")
        status = f"Status: <b>{escape(record.status.label)}</b>"
        if record.status is AppointmentStatus.CANCELLED:
            if record.late_cancellation:
                status += " <span style='color:#8d1c1c'>(late cancellation)</span>"
            if record.cancel_reason:
                status += f"<br>Reason: {escape(record.cancel_reason)}"
        lines.append(status)
        if record.ims_flag is not ImsFlag.NONE:
            colour = "#8d1c1c" if record.ims_flag.needs_attention else "#1b5e20"
            lines.append(f"IMS: <span style='color:{colour}'>{escape(record.ims_flag.label)}</span>")
        if record.notes:
            lines.append(f"Notes: {escape(record.notes)}")
        self.heading.setText("<br>".join(line for line in lines if line))
        changed = last_changed_text(detail.last_change, zone, self.ctx.today())
        self.last_change.setText(changed)
        self.last_change.setVisible(bool(changed))
        if detail.screening is None:
            self.screening.setText("<b>Latest screening</b><br>Not screened for IMS yet.")
        else:
            colour = _LEVEL_COLOURS[detail.screening.level]
            if detail.screening.stale:
                colour = "#8a5a00"
            self.screening.setText(f"<b>Latest screening</b><br><span style='color:{colour}'>"
                                   f"{escape(detail.screening.text)}</span>")
        rows = []
        for entry in detail.history:
            when = f"{short_date(entry.at, zone)} {format_time(entry.at, zone)}"
            rows.append(f"<tr><td style='padding-right:8px; color:#444'>{escape(when)}</td>"
                        f"<td>{escape(entry.text)}<br><span style='color:#6b6b6b'>by {escape(entry.by)}</span>"
                        "</td></tr>")
        self.history.setText("<table cellspacing='0' cellpadding='2'>" + "".join(rows) + "</table>")
        self.history_title.show()
