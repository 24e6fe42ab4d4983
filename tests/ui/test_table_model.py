from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from frontdesk.ui.common.table_model import Column, RowTableModel


@dataclass
class Visit:
    patient: str
    late: bool


class VisitModel(RowTableModel[Visit]):
    def __init__(self) -> None:
        super().__init__((
            Column("Patient", lambda visit: visit.patient),
            Column("Arrival", lambda visit: "Late" if visit.late else "On time",
                   tooltip=lambda visit: "Call ahead next time." if visit.late else None,
                   foreground=lambda visit: QColor("#b00020") if visit.late else None),
        ))

    def row_tooltip(self, row: Visit) -> str:
        return f"Visit of {row.patient}"

    def row_foreground(self, row: Visit) -> QColor:
        return QColor("#333333")


@pytest.fixture
def model(qtmodeltester):
    model = VisitModel()
    qtmodeltester.check(model)
    model.set_rows([Visit("Ødegård, Zoë", True), Visit("蔡, 文", False)])
    qtmodeltester.check(model)
    return model


@pytest.mark.parametrize(
    ("row", "column", "text", "tooltip", "colour"),
    [
        (0, 0, "Ødegård, Zoë", "Visit of Ødegård, Zoë", "#333333"),
        (0, 1, "Late", "Call ahead next time.", "#b00020"),  # the column's own answer comes first
        (1, 1, "On time", "Visit of 蔡, 文", "#333333"),  # no answer of its own: the row's
    ],
)
def test_a_cell_reads_its_column_then_its_row(model, row, column, text, tooltip, colour):
    index = model.index(row, column)
    assert index.data() == text
    assert index.data(Qt.ToolTipRole) == tooltip
    assert index.data(Qt.ForegroundRole).name() == colour


def test_headers_rows_and_the_row_role(model):
    assert [model.headerData(n, Qt.Horizontal) for n in range(model.columnCount())] == ["Patient", "Arrival"]
    assert model.index(1, 0).data(model.ROW_ROLE) == Visit("蔡, 文", False)
    assert model.row_at(2) is None and model.row_at(-1) is None
    assert [visit.patient for visit in model.rows] == ["Ødegård, Zoë", "蔡, 文"]
