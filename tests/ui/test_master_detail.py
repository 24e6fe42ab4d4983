"""The master-detail refresh written once (ui/common/master_detail.py): reading a list again keeps the
selected row (by its id), the scroll if asked, and shows the selected row's detail once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

from frontdesk.ui.common.master_detail import MasterDetail

ID = Qt.UserRole + 1


def fill(model: QStandardItemModel, ids: list[int]) -> None:
    model.clear()
    for each in ids:
        item = QStandardItem(f"row {each}")
        item.setData(each, ID)
        model.appendRow(item)


def listed(qtbot, ids):
    model = QStandardItemModel()
    fill(model, ids)
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.resize(300, 120)
    qtbot.addWidget(view)
    view.show()
    shown: list[int | None] = []
    master = MasterDetail(view, lambda index: index.data(ID),
                          lambda: shown.append(master.selected_key()))
    master.follow(view.selectionModel().selectionChanged)
    return view, model, master, shown


def test_reading_again_keeps_the_selected_row_and_shows_its_detail_once(qtbot, qtmodeltester):
    view, model, master, shown = listed(qtbot, list(range(1, 41)))
    qtbot.keyClick(view, Qt.Key_Down)
    assert master.select(30) and shown[-1] == 30
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() - 3)  # the person scrolled a little
    scrolled = view.verticalScrollBar().value()
    shown.clear()
    with master.reload(keep_scroll=True):
        fill(model, [99, *range(1, 41)])  # a row came in above: the selected one moved down
    qtmodeltester.check(model)
    assert master.selected_key() == 30 and view.currentIndex().row() == 30
    assert shown == [30]  # once, for the row selected again; not for the rows passed on the way
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() == scrolled)


def test_a_row_that_went_gives_way_to_the_first_or_to_nothing(qtbot):
    _view, model, master, shown = listed(qtbot, [1, 2, 3])
    master.select(2)
    with master.reload(first=lambda: 0 if model.rowCount() else None):
        fill(model, [1, 3])
    assert master.selected_key() == 1 and shown[-1] == 1
    with master.reload():
        fill(model, [4, 5])
    assert master.selected_key() is None and shown[-1] is None  # the detail shows nothing, not a stale row
    with master.reload(select=5):
        fill(model, [4, 5, 6])
    assert master.selected_key() == 5


def test_a_form_beside_the_list_is_left_as_it_is_when_asked(qtbot):
    _view, model, master, shown = listed(qtbot, [1, 2, 3])
    master.select(3)
    shown.clear()
    with master.reload(show=False):
        assert master.reloading
        fill(model, [1, 2, 3, 4])
    assert not master.reloading and master.selected_key() == 3 and shown == []


def test_the_staff_dialog_keeps_the_physiotherapist_chosen_when_its_list_is_read_again(qtbot, ctx, admin, prompts):
    from frontdesk.ui.staff.staff_dialog import StaffDialog

    dialog = StaffDialog(ctx, admin, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.list.setFocus()
    qtbot.keyClick(dialog.list, Qt.Key_Down)
    qtbot.keyClick(dialog.list, Qt.Key_Down)
    chosen = dialog.selected()
    assert chosen is not None and dialog.form.therapist.id == chosen.id
    dialog.form.full_name.setText("Typed but not saved")
    dialog.refresh()  # as after another desk's change
    assert dialog.selected().id == chosen.id
    assert dialog.form.full_name.text() == "Typed but not saved"  # the form with typing in it stays
