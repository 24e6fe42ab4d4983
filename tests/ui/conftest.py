"""Fixtures of the screens' tests."""

from __future__ import annotations

import pytest

from tests.ui.two_desks import shown_window


@pytest.fixture
def desks(qtbot, db_url, clock, prompts):
    """Two desks on the same clinic file, each with its own services and connections."""
    first = shown_window(qtbot, db_url, clock, prompts)
    second = shown_window(qtbot, db_url, clock, prompts)
    assert first.ctx.database is not second.ctx.database
    yield first, second
    for window in (first, second):
        window.live.stop()
        window.ctx.database.dispose()
