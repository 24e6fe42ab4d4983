"""Every CSV file Front Desk writes goes through `csv_writer`: no cell a spreadsheet would run.

A cell that starts with = + - @, a tab or a carriage return is taken by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(...)` in a cancel reason becomes a live link, `=cmd|...`
worse). Such a text cell is written with a leading apostrophe, the usual neutralising rule: the
spreadsheet shows the text as typed, and the apostrophe itself is not displayed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """`value` as a CSV cell no spreadsheet evaluates (text only; numbers are left as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **options: Any) -> _SafeWriter:
    """`csv.writer(out, **options)` whose every cell passes through `spreadsheet_safe`."""
    return _SafeWriter(csv.writer(out, **options))
