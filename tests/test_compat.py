"""The private-internals workarounds in frontdesk.compat: applied only where checked, switchable off."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from frontdesk import compat


def _probe(env_value: str | None) -> str:
    code = ("import frontdesk.app, sys; "
            "print(getattr(sys.modules['shibokensupport.feature']._mod_uses_pyside, 'reads_bytes', False))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "FRONTDESK_COMPAT"}
    if env_value is not None:
        env["FRONTDESK_COMPAT"] = env_value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_source_scan_is_replaced_on_a_checked_pyside_and_left_alone_when_switched_off():
    assert _probe(None) == "True"
    assert _probe("off") == "False"


@pytest.fixture
def fake_feature(monkeypatch):
    calls = []

    def original(module):
        calls.append(module)
        return True

    feature = types.ModuleType("shibokensupport.feature")
    feature._mod_uses_pyside = original
    monkeypatch.setitem(sys.modules, "shibokensupport.feature", feature)
    return feature, original


@pytest.mark.parametrize("version, applied", [((6, 11, 3), True), ((6, 5, 0), False), ((6, 12, 0), False)])
def test_the_pyside_workaround_is_gated_by_version(monkeypatch, fake_feature, version, applied):
    feature, original = fake_feature
    monkeypatch.setattr(sys.modules["PySide6"], "__version_info__", version, raising=False)
    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    assert compat.skip_pyside_source_scan() is applied
    assert (feature._mod_uses_pyside is not original) is applied


def test_the_replacement_answers_like_pyside_from_the_file_bytes(monkeypatch, fake_feature, tmp_path):
    feature, _ = fake_feature
    monkeypatch.setattr(sys.modules["PySide6"], "__version_info__", (6, 11, 0), raising=False)
    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    compat.skip_pyside_source_scan()
    uses, plain = tmp_path / "uses.py", tmp_path / "plain.py"
    uses.write_text("from PySide6.QtCore import Qt\n")
    plain.write_text("x = 1\n")

    def module(path):
        made = types.ModuleType(path.stem)
        made.__spec__ = types.SimpleNamespace(origin=str(path))
        return made

    assert feature._mod_uses_pyside(module(uses)) is True
    assert feature._mod_uses_pyside(module(plain)) is False
