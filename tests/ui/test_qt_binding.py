"""A guard on the Qt binding itself: a whole day at the counter must not exhaust a reference count."""

import sys

from PySide6.QtWidgets import QWidget


def test_calls_returning_nothing_do_not_leak_references_to_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        widget.setObjectName("day_view")
    # A binding that drops a reference on each call (PySide6 6.12.0 on Python 3.11) loses 20,000
    # here and aborts the application after a few hundred thousand such calls.
    assert sys.getrefcount(None) - before > -100
