"""The workarounds in frontdesk.compat that are not about printouts: applied only where checked,
switchable off (the reportlab ones are in tests/reports/test_compat_pdfs.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from frontdesk import compat

#: A fresh process: which classes below QEvent exist as Python types before and after the call.
PROBE = """
import sys
from PySide6 import QtCore, QtGui, QtWidgets
from frontdesk.compat import EVENTS, make_pyside_classes_a_conversion_meets as make
def made(module, name):
    return name in vars(module)
before = made(QtGui, "QDragEnterEvent"), made(QtWidgets, "QGestureEvent"), made(QtWidgets, "QSpinBox")
events = make(EVENTS)
after_events = made(QtGui, "QDragEnterEvent"), made(QtWidgets, "QGestureEvent"), made(QtWidgets, "QSpinBox")
every = make()
after_all = made(QtGui, "QDragEnterEvent"), made(QtWidgets, "QGestureEvent"), made(QtWidgets, "QSpinBox")
print(before, events > 0, after_events, every > events, after_all, make(EVENTS) == events)
"""


def _probe(**env: str) -> str:
    # PySide6's own switch would make every class at import and hide what the workaround does.
    clean = {k: v for k, v in __import__("os").environ.items() if k not in ("FRONTDESK_COMPAT", "PYSIDE6_OPTION_LAZY")}
    return subprocess.run([sys.executable, "-c", PROBE], env=clean | env, capture_output=True, text=True,
                          check=True).stdout.strip()


def _on_crashing_pyside() -> bool:
    import PySide6

    low, high = compat.PYSIDE_LAZY_CLASSES_CRASH
    return low <= PySide6.__version_info__[:2] < high


@pytest.mark.skipif(not _on_crashing_pyside(), reason="the workaround is only for PySide6 6.11")
def test_the_classes_a_conversion_walks_are_made_beforehand_the_events_first():
    # Lazily made classes are not in the module's dict until first asked for.
    assert _probe() == ("(False, False, False) True (True, True, False) True (True, True, True) True")


def test_switched_off_nothing_is_made():
    assert _probe(FRONTDESK_COMPAT="off").startswith("(False, False, False) False (False, False, False) False")


@pytest.mark.parametrize("version, applied", [((6, 11, 3), True), ((6, 10, 1), False), ((6, 12, 0), False)])
def test_the_pyside_workaround_is_gated_by_version(monkeypatch, version, applied):
    import PySide6

    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    monkeypatch.setattr(PySide6, "__version_info__", version)
    assert (compat.make_pyside_classes_a_conversion_meets(compat.EVENTS) > 0) is applied


def test_the_hierarchy_is_read_from_shiboken():
    from PySide6 import QtGui  # noqa: F401
    from shiboken6 import Shiboken

    edges = compat._pyside_class_edges(Shiboken)
    assert ("PySide6.QtGui.QDragEnterEvent", "PySide6.QtGui.QDragMoveEvent") in edges
    assert ("PySide6.QtWidgets.QSpinBox", "PySide6.QtWidgets.QAbstractSpinBox") in edges or \
        "PySide6.QtWidgets" not in sys.modules


def test_an_unreadable_hierarchy_is_logged_and_nothing_is_made(monkeypatch, caplog):
    import PySide6

    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    monkeypatch.setattr(PySide6, "__version_info__", (6, 11, 3))
    monkeypatch.setattr(compat, "_pyside_class_edges", lambda _shiboken: [])
    monkeypatch.setattr(compat, "_classes_made", {})  # not what an earlier call in this process made
    with caplog.at_level("WARNING", logger="frontdesk"):
        assert compat.make_pyside_classes_a_conversion_meets() == 0
    assert "class hierarchy could not be read" in caplog.text
