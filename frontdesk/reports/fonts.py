"""The embedded fonts of every printout, and the fallback that keeps any typed name free of empty boxes.

DejaVu Sans covers accented Latin, Greek, Cyrillic and Vietnamese; WenQuanYi Micro Hei covers Chinese,
Japanese kana and Korean Hangul. Text is split into runs: each character goes to DejaVu when DejaVu (both
weights) has it, else to WenQuanYi when that has it. Both are TrueType (glyf) fonts, so reportlab embeds
them as subsets. They are registered once per process, on first use; WenQuanYi only when a printout has a
character DejaVu lacks (its 34,600 characters take about 22 MiB once reportlab has read them, more than
all the rest of reportlab, and most clinics never print one).

Building and compressing a subset is a good part of the time a printout takes, and document after document
the same subsets come back (the fixed wording of a form uses the same characters in the same order), so
each font keeps its latest compressed subsets and embeds those bytes again (`compat.reuse_font_subsets`,
which reaches into reportlab). Every document still embeds every subset it uses.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape  # not xml.sax.saxutils, which imports urllib.request and http.client (3 MiB)
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from frontdesk.compat import reuse_font_subsets
from frontdesk.resources import resource_path

SANS = "FrontDesk-Sans"
SANS_BOLD = "FrontDesk-Sans-Bold"
CJK = "FrontDesk-CJK"

ELLIPSIS = "…"


@dataclass(frozen=True)
class _Coverage:
    sans: frozenset[int]


_lock = threading.Lock()
_coverage: _Coverage | None = None
_cjk: frozenset[int] | None = None


def ensure_fonts() -> None:
    """Register the fonts with reportlab unless already done (safe to call from any thread)."""
    _get_coverage()


def _get_coverage() -> _Coverage:
    global _coverage
    if _coverage is not None:
        return _coverage
    with _lock:
        if _coverage is None:
            _coverage = _register()
    return _coverage


def _register() -> _Coverage:
    # Plain binary streams instead of ASCII85: smaller files and faster output. Front Desk is the only
    # user of reportlab in its process, so this process-wide setting affects only its own printouts.
    rl_config.useA85 = 0
    fonts_dir = resource_path("fonts")
    regular = TTFont(SANS, str(fonts_dir / "DejaVuSans.ttf"))
    bold = TTFont(SANS_BOLD, str(fonts_dir / "DejaVuSans-Bold.ttf"))
    for font in (regular, bold):
        reuse_font_subsets(font)
        pdfmetrics.registerFont(font)
    registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
    sans = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
    return _Coverage(sans=sans)


def _cjk_coverage() -> frozenset[int]:
    """The characters of the CJK font, registered with reportlab the first time a text needs it."""
    global _cjk
    if _cjk is not None:
        return _cjk
    with _lock:
        if _cjk is None:
            cjk = TTFont(CJK, str(resource_path("fonts") / "wqy-microhei.ttc"), subfontIndex=0)
            reuse_font_subsets(cjk)
            pdfmetrics.registerFont(cjk)
            registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)
            _cjk = frozenset(cjk.face.charToGlyph)
    return _cjk


@lru_cache(maxsize=4096)
def font_runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """Split text into (font name, chunk) runs; whitespace stays with the run it sits in."""
    coverage = _get_coverage()
    sans_name = SANS_BOLD if bold else SANS
    if text.isascii():
        return ((sans_name, text),) if text else ()
    runs: list[tuple[str, str]] = []
    current_font = sans_name
    chunk: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if char.isspace() or code in coverage.sans:
            font = current_font if char.isspace() else sans_name
        elif code in _cjk_coverage():
            font = CJK
        else:
            font = sans_name
        if font != current_font and chunk:
            runs.append((current_font, "".join(chunk)))
            chunk = []
        current_font = font
        chunk.append(char)
    if chunk:
        runs.append((current_font, "".join(chunk)))
    return tuple(runs)


@lru_cache(maxsize=4096)
def markup(text: str) -> str:
    """Paragraph markup for user text: escaped, line breaks kept, CJK runs switched to the CJK font."""
    parts: list[str] = []
    for font, chunk in font_runs(text):
        body = escape(chunk, quote=False).replace("\n", "<br/>")
        parts.append(f'<font face="{CJK}">{body}</font>' if font == CJK else body)
    return "".join(parts)


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in font_runs(text, bold))


def fit_text(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """The text, cut short with an ellipsis when it is wider than max_width."""
    text = " ".join(text.split())
    if text_width(text, size, bold) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, size, bold) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    colour: Any,
    bold: bool = False,
    align: str = "left",
    max_width: float | None = None,
) -> None:
    """Draw one line of user text on the canvas in `colour` with font fallback; align is left, right or
    centre. (The colour is given rather than taken from the canvas: a bold CJK run outlines its glyphs in
    it, and reportlab does not say what the current fill colour is.)"""
    if max_width is not None:
        text = fit_text(text, size, max_width, bold)
    runs = font_runs(text, bold)
    width = sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    # One text object for the whole line, switching fonts inside it: text extraction (and a screen
    # reader) then reads "O'Brien-蔡" as one word, not two runs with a gap between.
    fake_bold = bold and any(font == CJK for font, _chunk in runs)
    canvas.setFillColor(colour)
    text_object = canvas.beginText(x, y)
    for font, chunk in runs:
        text_object.setFont(font, size)
        if fake_bold:
            # The CJK font has one weight: its glyphs are filled and outlined in the same colour (PDF text
            # render mode 2), which thickens the strokes the way a bold face would.
            text_object.setTextRenderMode(2 if font == CJK else 0)
        text_object.textOut(chunk)
    if not fake_bold:
        canvas.drawText(text_object)
        return
    text_object.setTextRenderMode(0)
    canvas.saveState()
    canvas.setStrokeColor(colour)
    canvas.setLineWidth(size * FAKE_BOLD_STROKE)
    canvas.drawText(text_object)
    canvas.restoreState()


#: The outline drawn around CJK glyphs to make them bold, as a share of the type size.
FAKE_BOLD_STROKE = 0.045
