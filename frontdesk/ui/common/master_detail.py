"""A list and the detail of its selected row, refreshed the one way every screen needs it.

The Appointments list and its detail pane, My day, the waitlist, the physiotherapists, the appointment
types and the users each show a list whose selected row drives something beside it (a detail pane, a
form, the buttons that act on the row). Reading the list again must not lose the person's place:

    self.master = MasterDetail(self.table, key=lambda index: index.data(ID_ROLE), show=self._show_selected)
    self.master.follow(self.table.selectionModel().selectionChanged)
    ...
    with self.master.reload(keep_scroll=True):   # after another desk's change
        self.model.set_rows(read_again())

`reload` remembers the selected row by its key, lets the list be read again, selects the same row
(or `first()`'s, when it is gone), puts the scroll bars back if asked, and then shows the detail of
the selected row once (not once per row the selection passed on the way). `follow` connects the
view's selection signal to `show`, quiet while a reload runs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea


@contextmanager
def kept_scroll(view: QAbstractScrollArea) -> Iterator[None]:
    """Reload a view without moving what the person is looking at."""
    horizontal, vertical = view.horizontalScrollBar().value(), view.verticalScrollBar().value()

    def restore() -> None:
        view.horizontalScrollBar().setValue(horizontal)
        view.verticalScrollBar().setValue(vertical)

    try:
        yield
    finally:
        restore()
        # A reset model's rows are laid out at the next turn of the event loop, and until then the
        # scroll bars' range is too short to hold the old position: put it back once more then.
        QTimer.singleShot(0, view, restore)


class MasterDetail(QObject):
    """`view`'s selected row, known by `key(index)` (an id), and `show()`, which brings what is beside
    the list in line with the selected row (or with none)."""

    def __init__(self, view: QAbstractItemView, key: Callable[[QModelIndex], Hashable | None],
                 show: Callable[[], None] | None = None) -> None:
        super().__init__(view)
        self.view = view
        self._key = key
        self._show = show
        #: True while `reload` runs: selection slots of the screen's own may check it.
        self.reloading = False

    def follow(self, signal: SignalInstance) -> None:
        """Show the detail whenever `signal` (the view's selection moving) fires, except during a reload."""
        signal.connect(self._moved)

    def _moved(self, *_args: Any) -> None:
        if not self.reloading and self._show is not None:
            self._show()

    def selected_index(self) -> QModelIndex:
        selection = self.view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        return rows[0] if rows else self.view.currentIndex()

    def selected_key(self) -> Hashable | None:
        index = self.selected_index()
        return self._key(index) if index.isValid() else None

    def row_of(self, key: Hashable) -> int | None:
        model = self.view.model()
        return next((row for row in range(model.rowCount()) if self._key(model.index(row, 0)) == key), None)

    def select(self, key: Hashable | None) -> bool:
        """Select the row of `key` (and scroll it into view); False when it is not listed."""
        row = self.row_of(key) if key is not None else None
        if row is None:
            return False
        self.select_row(row)
        return True

    def select_row(self, row: int) -> None:
        index = self.view.model().index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    @contextmanager
    def reload(self, *, select: Hashable | None = None, first: Callable[[], int | None] | None = None,
               keep_scroll: bool = False, show: bool = True) -> Iterator[None]:
        """Around reading the list again: the same row selected after (or `select`'s, or `first()`'s
        when it is gone), the scroll kept if asked, and the detail shown once, unless `show` is False
        (a form with typing in it stays as it is)."""
        keep = select if select is not None else self.selected_key()
        self.reloading = True
        try:
            with kept_scroll(self.view) if keep_scroll else nullcontext():
                yield
                if not self.select(keep) and first is not None:
                    row = first()
                    if row is not None:
                        self.select_row(row)
        finally:
            self.reloading = False
        if show and self._show is not None:
            self._show()
