"""Lists ▸ Recall lists…: patients to call back, with phone and reason, to print or save as CSV.

A dialog rather than a tab: the desk works through a list now and then (a quiet hour, the start of
the week), between the daily tabs; it opens from the menu (Alt+L, R) with the list in focus, and
everything in it is reachable by Tab and its mnemonics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.recall import (
    DEFAULT_STOPPED_WEEKS,
    MAX_STOPPED_WEEKS,
    MIN_STOPPED_WEEKS,
    RecallEntry,
    RecallList,
)
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.recall import recall_csv, recall_list, recall_sheet
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.table_model import Column, RowTableModel
from frontdesk.ui.common.tasks import ServiceOp, write_file


def recall_model(parent: QWidget | None = None) -> RowTableModel[RecallEntry]:
    return RowTableModel([
        Column("Patient", lambda e: e.patient.name),
        Column("Phone", lambda e: e.patient.phone or "—"),
        Column("Why", lambda e: e.reason, tooltip=lambda e: e.reason),
    ], parent)


def _ask_save_path(parent: QWidget, title: str, start: str, pattern: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, start, pattern)
    return path


class RecallDialog(QDialog):
    """Not modal: the receptionist opens a patient from the list (Enter, or Open patient), books or notes
    the call on the Intake tab, and comes back to the list."""

    #: Open this patient on the Intake tab.
    open_patient_requested = Signal(int)
    #: The list is shown (read off the UI thread after each choice).
    loaded = Signal()

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recall lists")
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        #: Asks where to save a file (tests replace it).
        self.ask_save_path: Callable[[QWidget, str, str, str], str] = _ask_save_path
        self.list_choice = QComboBox()
        for kind in RecallList:
            self.list_choice.addItem(kind.heading, kind.value)
        list_label = QLabel("&List")
        list_label.setBuddy(self.list_choice)
        self.weeks = QSpinBox(minimum=MIN_STOPPED_WEEKS, maximum=MAX_STOPPED_WEEKS, value=DEFAULT_STOPPED_WEEKS,
                              suffix=" weeks")
        self.weeks_label = QLabel("No visit for at &least")
        self.weeks_label.setBuddy(self.weeks)
        top = QHBoxLayout()
        top.addWidget(list_label)
        top.addWidget(self.list_choice, 1)
        top.addSpacing(16)
        top.addWidget(self.weeks_label)
        top.addWidget(self.weeks)
        self.explanation = QLabel()
        self.explanation.setObjectName("recall_explanation")
        self.explanation.setWordWrap(True)
        self.model = recall_model(self)
        self.table = QTableView()
        self.table.setObjectName("recall_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.count = QLabel()
        self.count.setObjectName("recall_count")
        self.open_button = QPushButton("&Open patient")
        self.open_button.setToolTip("Open the highlighted patient on the Intake tab (Enter in the list)")
        self.open_button.clicked.connect(self.open_selected)
        self.print_button = QPushButton("&Print…")
        self.print_button.clicked.connect(self.print_list)
        self.csv_button = QPushButton("E&xport CSV…")
        self.csv_button.clicked.connect(self.export_csv)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.csv_button)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        for first, second in ((self.list_choice, self.weeks), (self.weeks, self.table),
                              (self.table, self.open_button), (self.open_button, self.print_button),
                              (self.print_button, self.csv_button)):
            QWidget.setTabOrder(first, second)
        self.resize(860, 520)
        remember_geometry(self, "recall_lists")
        self.list_choice.currentIndexChanged.connect(self.reload)
        self.weeks.valueChanged.connect(self.reload)
        self.last_preview: QDialog | None = None
        self.reload()
        self.list_choice.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def kind(self) -> RecallList:
        return RecallList(self.list_choice.currentData())

    def reload(self) -> None:
        kind = self.kind
        uses_weeks = kind is RecallList.COURSE_STOPPED
        self.weeks.setEnabled(uses_weeks)
        self.weeks_label.setEnabled(uses_weeks)
        self.explanation.setText(kind.explanation)
        self.count.setText("Reading the list…")
        self.model.set_rows([])  # the rows shown were another list's: none to open meanwhile
        self.open_button.setEnabled(False)
        actor, weeks = self.actor, self.weeks.value()
        # Off the UI thread (the large clinic's lists read years of visits); a list chosen while one is
        # read is read next, and only the newest is shown.
        ServiceOp(self, "Recall lists", lambda ctx: recall_list(ctx, actor, kind, weeks), self.ctx, self._show,
                  prompts=self.prompts).newest_wins().run()

    def _show(self, entries: list[RecallEntry]) -> None:
        self.model.set_rows(entries)
        count = len(entries)
        self.count.setText("Nobody to call on this list today." if count == 0 else
                           f"{count} patient{'s' if count != 1 else ''} to call")
        self.table.resizeRowsToContents()
        self.open_button.setEnabled(bool(count))
        if count:
            self.table.selectRow(0)
        self.loaded.emit()

    def selected_entry(self) -> RecallEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def open_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.open_patient_requested.emit(entry.patient.patient_id)

    def _file_stem(self) -> str:
        return f"recall-{self.kind.value.replace('_', '-')}-{self.ctx.today().isoformat()}"

    def print_list(self) -> None:
        from frontdesk.ui.common.pdf_preview import PdfPreviewDialog, file_name_for

        actor, kind, weeks = self.actor, self.kind, self.weeks.value()

        def show(pdf: bytes) -> None:
            title = f"Recall list – {kind.heading}"
            dialog = PdfPreviewDialog(pdf, title, file_name_for("Recall list", kind.heading,
                                                                self.ctx.today().isoformat()), self.prompts, self)
            dialog.open()
            self.last_preview = dialog

        ServiceOp(self, "Recall lists", lambda ctx: recall_sheet(ctx, actor, kind, weeks), self.ctx, show,
                  prompts=self.prompts).busy("Making the recall list's printout…", self.print_button).run()

    def export_csv(self) -> None:
        start = str(Path.home() / f"{self._file_stem()}.csv")
        path = self.ask_save_path(self, "Save the recall list as CSV", start, "CSV files (*.csv)")
        if not path:
            return
        actor, kind, weeks = self.actor, self.kind, self.weeks.value()

        def export(ctx: ServiceContext) -> Path:
            return write_file(Path(path), recall_csv(ctx, actor, kind, weeks).encode("utf-8-sig"))

        ServiceOp(self, "Export CSV", export, self.ctx,
                  lambda written: self.prompts.info(self, "Export CSV", f"The recall list was saved to {written}."),
                  prompts=self.prompts).busy("Exporting the recall list as CSV…", self.csv_button).run()
