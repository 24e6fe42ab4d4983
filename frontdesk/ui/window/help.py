"""Help ▸ Keyboard shortcuts and F1's guide to the screen in front of you.

The shortcuts are read from the window's own actions, tabs and menus each time the list opens, so
the list cannot drift from what the keys do. The guide is a few plain sentences per screen, followed
by that screen's shortcuts from the same list.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMenuBar,
    QTabBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from frontdesk.ui.common.geometry import remember_geometry

EVERYWHERE = "Everywhere in the window"


@dataclass(frozen=True)
class ShortcutRow:
    where: str
    keys: str
    #: The action's name as in its menu or button ("No-show").
    name: str
    #: What it does, when its tooltip says more than the name.
    detail: str = ""

    @property
    def what(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


def _plain(text: str) -> str:
    return re.sub(r"&(.)", r"\1", text).split("\t")[0].strip()


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&\s])", text.replace("&&", ""))
    return found.group(1).upper() if found else None


def _keys(action: QAction) -> str:
    return ", ".join(sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in action.shortcuts()
                     if not sequence.isEmpty())


def _describe(action: QAction) -> tuple[str, str]:
    """The action's name and, when its tooltip says more, what it does."""
    name = _plain(action.iconText() or action.text())
    if action.iconText().startswith("Undo"):
        name = "Undo"  # its text names the change it would undo now
    tip = re.sub(r"\s*\([^()]*\)\s*$", "", action.toolTip()).strip()
    if not tip or tip.casefold() == name.casefold():
        return name, ""
    return name, tip


def _place(action: QAction, places: list[tuple[QWidget, str]]) -> str | None:
    """Where an action's keys work: the screen that holds it, or the whole window."""
    owner = action.parent()
    while owner is not None:
        for widget, name in places:
            if owner is widget:
                return name
        owner = owner.parent()
    return None


def shortcut_rows(window) -> list[ShortcutRow]:
    """Every shortcut the window answers to now: its actions' keys, its tabs' and menus' Alt+letters."""
    places: list[tuple[QWidget, str]] = [(window.schedule, "Schedule")]
    appointments = window.appointments
    if appointments._list_page is not None:
        places += [(appointments._list_page, "Appointments list"), (appointments._my_day, "My day")]
    if window._intake is not None:
        places.append((window._intake, "Intake"))
    places.append((window, EVERYWHERE))
    rows: list[ShortcutRow] = []
    seen: set[tuple[str, str]] = set()
    for action in window.findChildren(QAction):
        keys = _keys(action)
        if not keys or not action.associatedObjects():
            continue  # no keys, or an action no longer in use
        where = _place(action, places)
        if where is None:
            continue
        if action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut and where != EVERYWHERE:
            where = f"{where} (with the focus in it)"
        key = (where, keys)
        if key in seen:
            continue
        seen.add(key)
        rows.append(ShortcutRow(where, keys, *_describe(action)))
    for bar in window.findChildren(QTabBar):
        if bar.parentWidget() is window.tabs:
            for index in range(bar.count()):
                letter = _mnemonic(bar.tabText(index))
                if letter:
                    rows.append(ShortcutRow(EVERYWHERE, f"Alt+{letter}",
                                            f"Go to the {_plain(bar.tabText(index))} tab"))
    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            letter = _mnemonic(action.text())
            if letter:
                rows.append(ShortcutRow(EVERYWHERE, f"Alt+{letter}", f"Open the {_plain(action.text())} menu"))
    order = [EVERYWHERE, "Intake", "Schedule", "Appointments list", "My day"]
    rows.sort(key=lambda row: (next((i for i, name in enumerate(order) if row.where.startswith(name)), 9),
                               row.where))
    return rows


def _said(row: ShortcutRow) -> str:
    """"Book an appointment" rather than "Book — Book an appointment"."""
    words = row.name.replace("◀", " ").replace("▶", " ").replace("…", " ").split()
    if row.detail and (not words or row.detail.casefold().startswith(words[0].casefold())):
        return row.detail  # the name is only an arrow, or the detail starts with it
    return f"{row.name} — {row.detail}" if row.detail else row.name


def rows_html(rows: list[ShortcutRow], heading_level: int = 3) -> str:
    parts = []
    where = None
    for row in rows:
        if row.where != where:
            if where is not None:
                parts.append("</table>")
            where = row.where
            parts.append(f"<h{heading_level}>{html.escape(where)}</h{heading_level}><table cellspacing='0' "
                         "cellpadding='3'>")
        parts.append(f"<tr><td width='170'><b>{html.escape(row.keys)}</b></td><td>{html.escape(_said(row))}"
                     "</td></tr>")
    if where is not None:
        parts.append("</table>")
    return "".join(parts)


class _TextDialog(QDialog):
    def __init__(self, title: str, body: str, key: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QTextBrowser()
        self.text.setObjectName("help_text")
        self.text.setOpenLinks(False)
        self.text.setHtml(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(680, 600)
        remember_geometry(self, key)
        self.text.setFocus()


class ShortcutsDialog(_TextDialog):
    """Help ▸ Keyboard shortcuts: read from the window as it is."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        self.rows = shortcut_rows(window)
        body = ("<p>The keys below work as listed: those under <i>Everywhere</i> wherever the focus is, the "
                "others while that screen is shown. In a form, Alt with the underlined letter of a field's "
                "name goes to that field.</p>" + rows_html(self.rows))
        super().__init__("Keyboard shortcuts", body, "shortcuts_dialog", parent)


GUIDES = {
    "intake": ("Intake", """
<p>Here you find a patient, or register a new one, and screen them for IMS.</p>
<ul>
<li><b>Find a patient</b>: type part of the name or phone in the search box on the left; the arrow keys
move through the results and Enter opens the highlighted patient.</li>
<li><b>New patient</b> (Ctrl+N) clears the form. Fill in the details, then the screening questions.</li>
<li>The panel on the right shows the IMS verdict as you answer: for the patient and for each area to treat,
with the reason and any date when a block ends.</li>
<li><b>Save</b> (Ctrl+S) saves the patient and the screening together. If something is missing, the
field is marked in red and nothing is saved.</li>
<li><b>Print</b> gives the consent form, the eligibility summary and the intake form.</li>
<li>If another desk saves the patient while you are typing, a yellow strip says who and when:
<b>Reload</b> (Ctrl+Shift+R) shows theirs; <b>Keep mine</b> (Ctrl+S) lists what differs before saving yours.
The same strip and keys appear on every form another desk can change (Settings, the waitlist).</li>
</ul>"""),
    "schedule": ("Schedule", """
<p>The day of every physiotherapist side by side, or one physiotherapist's week.</p>
<ul>
<li>White cells are free; grey is outside working hours; hatched is time away. Move with the arrow keys.</li>
<li><b>Enter</b> on a white cell books it; on an appointment it opens Move. Drag a block to move it.</li>
<li><b>Arrived</b>, <b>Completed</b>, <b>Cancel</b> and <b>No-show</b> act on the selected appointment.
The status bar says what was done; <b>Ctrl+Z</b> undoes the last change made at this desk, whichever
appointment is selected now.</li>
<li>Page Up and Page Down (or Ctrl+Left and Ctrl+Right) go to the previous and next day; Home goes
back to today.</li>
</ul>"""),
    "appointments": ("Appointments", """
<p>Every appointment in the dates you choose, with filters for the physiotherapist, the patient and the
status.</p>
<ul>
<li>Click a column heading to sort by it; click again to reverse the order.</li>
<li>The pane beside the list (below it on a small screen) shows the selected appointment's details and
history.</li>
<li><b>Sort by</b> (Alt+B) does the same from the keyboard.</li>
<li><b>Arrived</b>, <b>Completed</b>, <b>Cancel</b> and <b>No-show</b> act on the selected appointment;
<b>Ctrl+Z</b> undoes the last change made at this desk.</li>
<li><b>Export</b> saves the list as a spreadsheet (CSV) or one physiotherapist's dates as a calendar file.</li>
</ul>"""),
    "my_day": ("My day", """
<p>One physiotherapist's appointments for one day, with the IMS flags to check before each patient.</p>
<ul>
<li>Choose the physiotherapist and the day at the top; Alt+Left and Alt+Right change the day.</li>
<li><b>Arrived</b> and <b>Completed</b> mark the selected appointment; <b>Ctrl+Z</b> undoes the last change.</li>
<li><b>Print day sheet</b> gives the list on paper.</li>
</ul>"""),
}

_SCREEN_PLACE = {"intake": "Intake", "schedule": "Schedule", "appointments": "Appointments list",
                 "my_day": "My day"}


class GuideDialog(_TextDialog):
    """F1: what the screen in front of you is for, and its keys."""

    def __init__(self, screen: str, window, parent: QWidget | None = None) -> None:
        title, text = GUIDES[screen]
        place = _SCREEN_PLACE[screen]
        every = shortcut_rows(window)
        rows = [row for row in every if row.where.startswith(place)]
        anywhere = [row for row in every if row.where == EVERYWHERE and not row.keys.startswith("Alt+")]
        body = f"<h2>{html.escape(title)}</h2>{text}"
        for heading, shown in (("Keys on this screen", rows), ("Keys anywhere in the window", anywhere)):
            if shown:
                body += f"<h3>{heading}</h3>" + rows_html(
                    [ShortcutRow("", row.keys, row.name, row.detail) for row in shown]).replace("<h3></h3>", "")
        body += "<p>Help ▸ Keyboard shortcuts lists the keys of every screen.</p>"
        self.screen = screen
        super().__init__(f"Guide: {title}", body, "guide_dialog", parent)
