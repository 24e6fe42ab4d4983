"""Fonts for the screens: the CJK font bundled for the PDFs also serves Qt where the system has none."""

from __future__ import annotations

import logging
import sys
from functools import cache

from PySide6.QtGui import QFontDatabase

from frontdesk.resources import resource_path

#: The WenQuanYi Micro Hei collection (Chinese, Japanese kana, Korean Hangul), shipped for the PDFs.
CJK_FONT = ("fonts", "wqy-microhei.ttc")


@cache
def add_fallback_fonts() -> tuple[str, ...]:
    """On Linux, where a desktop often has no Chinese, Japanese or Korean font, make the bundled one
    available to Qt's font fallback, so such names read as names and not as empty boxes. Windows and
    macOS come with fonts for these scripts. Once per process; returns the families added."""
    if not sys.platform.startswith("linux"):
        return ()
    path = resource_path(*CJK_FONT)
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        logging.getLogger("frontdesk").warning("the bundled font %s could not be loaded", path)
        return ()
    return tuple(QFontDatabase.applicationFontFamilies(font_id))
