"""Settings ▸ Audit trail…: who looked at or changed one patient's file (administrators only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.when import format_stamp
from frontdesk.services.audit import AuditEntry, audit_for_patient, export_audit_csv, verify_chain
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.patients import search_patients
from frontdesk.services.intake_records import PatientSummary
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.table_model import Column, RowTableModel
from frontdesk.ui.common.tasks import ServiceOp


def _who(entry: AuditEntry) -> str:
    return f"{entry.display_name} ({entry.username})" if entry.display_name else entry.username


def _record(entry: AuditEntry) -> str:
    return entry.record if entry.entity_id is None else f"{entry.record} {entry.entity_id}"


class AuditEntryModel(RowTableModel[AuditEntry]):
    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__((
            Column("When", lambda entry: format_stamp(entry.at, zone)),
            Column("Who", _who),
            Column("What", lambda entry: entry.what),
            Column("Record", _record),
            Column("Details", lambda entry: entry.details_text),
        ))


def _ask_save_path(parent: QWidget, suggested: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export the audit trail", str(Path.home() / suggested),
                                          "CSV file (*.csv)")
    return Path(path) if path else None


class AuditTrailDialog(QDialog):
    """Search a patient on the left; their trail on the right; Export CSV… writes what is shown."""

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 ask_save_path: Callable[[QWidget, str], Path | None] = _ask_save_path) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.ask_save_path = ask_save_path
        self.patient: PatientSummary | None = None
        self.setWindowTitle("Audit trail")
        self.search = QLineEdit()
        self.search.setObjectName("audit_search")
        self.search.setPlaceholderText("Name, phone or date of birth (YYYY-MM-DD)")
        self.matches = QListWidget()
        self.matches.setObjectName("audit_matches")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._enter)
        self._searched: str | None = None
        self.matches.currentItemChanged.connect(self._patient_chosen)

        self.model = AuditEntryModel(ctx.zone)
        self.table = QTableView()
        self.table.setObjectName("audit_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.heading = QLabel("Search for a patient to see who opened or changed their file.")
        self.heading.setWordWrap(True)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        self.chain_button = QPushButton("&Check the trail")
        self.chain_button.clicked.connect(self.check_chain)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel("&Patient:", buddy=self.search))
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.matches)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.table)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.chain_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addLayout(buttons)
        self.resize(980, 560)
        remember_geometry(self, "audit_dialog")

    def run_search(self) -> None:
        self._search_timer.stop()
        found = call_service(self, self.prompts, "Audit trail", search_patients, self.ctx, self.actor,
                             self.search.text(), include_archived=True) or []
        self._searched = self.search.text()
        self.matches.clear()
        for patient in found:
            archived = " (archived)" if patient.archived else ""
            item = QListWidgetItem(f"{patient.name} — born {patient.date_of_birth:%Y-%m-%d}{archived}")
            item.setData(Qt.ItemDataRole.UserRole, patient)
            self.matches.addItem(item)
        if found:
            self.matches.setCurrentRow(0)  # highlighted is chosen: its trail shows at once

    def _enter(self) -> None:
        """Enter searches only when the list is not for the text typed; the highlighted patient stays."""
        if self._search_timer.isActive() or self._searched != self.search.text():
            self.run_search()

    def _patient_chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        if item is not None:
            self.show_patient(item.data(Qt.ItemDataRole.UserRole))

    def show_patient(self, patient: PatientSummary) -> None:
        entries = call_service(self, self.prompts, "Audit trail", audit_for_patient, self.ctx, self.actor,
                               patient.id)
        if entries is None:
            return
        self.patient = patient
        self.model.set_rows(entries)
        self.heading.setText(f"{patient.name}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, "
                             "oldest first.")
        self.export_button.setEnabled(True)

    def export(self) -> None:
        if self.patient is None:
            return
        suggested = f"audit-trail-patient-{self.patient.id}.csv"
        path = self.ask_save_path(self, suggested)
        if path is None:
            return
        actor, patient_id = self.actor, self.patient.id
        ServiceOp(self, "Audit trail", lambda ctx: export_audit_csv(ctx, actor, patient_id, path), self.ctx,
                  lambda written: self.prompts.info(self, "Audit trail", f"The audit trail was written to {written}."),
                  prompts=self.prompts).busy("Exporting the audit trail…", self.export_button).run()

    def check_chain(self) -> None:
        """Check the trail: every entry of the clinic's trail is read and hashed again (seconds on a
        large clinic), off the UI thread."""
        actor = self.actor
        ServiceOp(self, "Audit trail", lambda ctx: verify_chain(ctx, actor), self.ctx, self._checked,
                  prompts=self.prompts).busy("Checking every entry of the audit trail…", self.chain_button).run()

    def _checked(self, problems: list[str]) -> None:
        if problems:
            self.prompts.error(self, "Audit trail", "The audit trail has been tampered with:\n"
                               + "\n".join(problems[:20]))
        else:
            self.prompts.info(self, "Audit trail", "Every entry of the audit trail is intact.")
