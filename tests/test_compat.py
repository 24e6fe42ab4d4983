"""The workarounds in frontdesk.compat that are not about printouts: applied only where checked,
switchable off (the reportlab ones are in tests/reports/test_compat_pdfs.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from frontdesk import compat

PROBE = ("import os, sys; from frontdesk.compat import make_pyside_classes_at_import as m; "
         "print(m(), os.environ.get('PYSIDE6_OPTION_LAZY'))")


def _probe(**env: str) -> str:
    clean = {k: v for k, v in __import__("os").environ.items()
             if k not in ("FRONTDESK_COMPAT", "PYSIDE6_OPTION_LAZY")}
    return subprocess.run([sys.executable, "-c", PROBE], env=clean | env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_pyside_makes_its_classes_at_import_on_the_version_that_crashes_otherwise():
    import PySide6

    expected = "True 0" if (6, 11) <= PySide6.__version_info__[:2] < (6, 12) else "False None"
    assert _probe() == expected
    assert _probe(FRONTDESK_COMPAT="off") == "False None"
    assert _probe(PYSIDE6_OPTION_LAZY="1") == "False 1"  # a choice already made is left alone


@pytest.mark.parametrize("version, applied", [((6, 11), True), ((6, 10), False), ((6, 12), False), ((), False)])
def test_the_pyside_workaround_is_gated_by_version(monkeypatch, version, applied):
    monkeypatch.setattr(compat, "_installed_pyside_version", lambda: version)
    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    monkeypatch.delenv("PYSIDE6_OPTION_LAZY", raising=False)
    monkeypatch.delitem(sys.modules, "PySide6", raising=False)
    assert compat.make_pyside_classes_at_import() is applied
    assert ("PYSIDE6_OPTION_LAZY" in __import__("os").environ) is applied


def test_too_late_once_pyside_is_imported(monkeypatch):
    import PySide6  # noqa: F401

    monkeypatch.delenv("PYSIDE6_OPTION_LAZY", raising=False)
    assert compat.make_pyside_classes_at_import() is False
