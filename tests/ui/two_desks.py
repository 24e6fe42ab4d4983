"""Two desks on one SQLite clinic file, as two windows of one process: each with its own services,
connections and live-update watch (the tests of issue 17's live updates share them)."""

from __future__ import annotations

from frontdesk.app import create_main_window

WITHIN = 2000  # milliseconds: another desk's change shows within 2 s


def shown_window(qtbot, db_url, clock, prompts):
    """A main window on screen whose live-update watch has started."""
    window = create_main_window(db_url, clock=clock, prompts=prompts)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.live.watch.connected.is_set(), timeout=5000)
    return window
