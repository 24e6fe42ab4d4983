"""What every printout shares: Letter pages, the clinic header, the footer with "Page x of y",
styles, date formatting in the clinic's time zone, and building the story into PDF bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.pagesizes import landscape as turned
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from frontdesk.domain.level_looks import LOOKS, UNFINISHED
from frontdesk.domain.screening import Level
from frontdesk.reports.data import ClinicDetails, Tone
from frontdesk.reports.fonts import SANS, SANS_BOLD, draw_text, ensure_fonts, markup, text_width

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#0b5f5a")
RULE = colors.HexColor("#b8c2cc")
SHADE = colors.HexColor("#f0f3f5")
FILLED_INK = colors.HexColor("#173f8a")

#: Each tone is a screening level's look (or the neutral one), as on screen: one sign and colours per level.
TONE_LOOK = {
    Tone.GO: LOOKS[Level.ELIGIBLE],
    Tone.CAUTION: LOOKS[Level.REVIEW],
    Tone.WAIT: LOOKS[Level.NOT_YET],
    Tone.STOP: LOOKS[Level.NOT_ELIGIBLE],
    Tone.NEUTRAL: UNFINISHED,
}
TONE_INK = {tone: colors.HexColor(look.ink) for tone, look in TONE_LOOK.items()}
TONE_FILL = {tone: colors.HexColor(look.fill) for tone, look in TONE_LOOK.items()}
TONE_MARK = {tone: look.sign for tone, look in TONE_LOOK.items()}

MARGIN = 0.75 * inch
HEADER_HEIGHT = 1.0 * inch
FOOTER_Y = 0.4 * inch
BOTTOM_MARGIN = 0.85 * inch

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_date(day: date) -> str:
    """E.g. "March 4, 2025"."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_weekday_date(day: date) -> str:
    """E.g. "Tuesday, March 4, 2025" (our own names: strftime follows the locale Qt sets)."""
    return f"{_WEEKDAYS[day.weekday()]}, {format_date(day)}"


def local(moment: datetime, clinic: ClinicDetails) -> datetime:
    """The moment on the clinic's clock. A naive datetime is refused: it could be off by hours."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; printouts need timezone-aware datetimes")
    return moment.astimezone(ZoneInfo(clinic.time_zone))


def format_time(moment: datetime, clinic: ClinicDetails) -> str:
    """E.g. "9:05 a.m." on the clinic's clock."""
    here = local(moment, clinic)
    hour = here.hour % 12 or 12
    return f"{hour}:{here.minute:02d} {'a.m.' if here.hour < 12 else 'p.m.'}"


def format_time_range(start: datetime, end: datetime, clinic: ClinicDetails) -> str:
    """E.g. "9:00–9:30 a.m.", or "11:30 a.m.–12:15 p.m." across noon."""
    first, last = format_time(start, clinic), format_time(end, clinic)
    if first[-4:] == last[-4:] and local(start, clinic).date() == local(end, clinic).date():
        first = first[:-5]
    return f"{first}–{last}"


def format_moment(moment: datetime, clinic: ClinicDetails) -> str:
    """E.g. "March 4, 2025 at 9:05 a.m. PST" on the clinic's clock."""
    here = local(moment, clinic)
    return f"{format_date(here.date())} at {format_time(here, clinic)} {here.tzname()}"


def pdf_sha256(pdf: bytes) -> str:
    """The hex SHA-256 of the exact PDF bytes, to check a printed copy against the stored record."""
    return hashlib.sha256(pdf).hexdigest()


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of all printouts, by name."""
    body = ParagraphStyle(
        "body", fontName=SANS, bulletFontName=SANS, fontSize=9.5, leading=13, textColor=INK,
        alignment=TA_LEFT, spaceAfter=4,
    )
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=SANS_BOLD, fontSize=9, leading=11.5,
                                    spaceAfter=0),
        "label": ParagraphStyle("label", parent=body, fontSize=8, leading=10, textColor=MUTED, spaceAfter=0),
        "title": ParagraphStyle("title", parent=body, fontName=SANS_BOLD, fontSize=17, leading=21,
                                textColor=INK, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, leading=13, textColor=MUTED,
                                   spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=body, fontName=SANS_BOLD, fontSize=11.5, leading=14,
                                  textColor=ACCENT, spaceBefore=9, spaceAfter=4),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=2.5),
        "sheet": ParagraphStyle("sheet", parent=body, fontSize=9, leading=11, spaceAfter=0),
        "sheet_bold": ParagraphStyle("sheet_bold", parent=body, fontName=SANS_BOLD, fontSize=9, leading=11,
                                     spaceAfter=0),
        "sheet_cancelled": ParagraphStyle("sheet_cancelled", parent=body, fontSize=9, leading=11,
                                          textColor=MUTED, spaceAfter=0),
        "filled": ParagraphStyle("filled", parent=body, fontSize=10, leading=12.5, textColor=FILLED_INK,
                                 spaceAfter=0),
        "choices": ParagraphStyle("choices", parent=body, fontSize=9, leading=14, spaceAfter=0),
        "verdict": ParagraphStyle("verdict", parent=body, fontName=SANS_BOLD, fontSize=13, leading=16,
                                  spaceAfter=0),
        "mark": ParagraphStyle("mark", parent=body, fontName=SANS_BOLD, fontSize=18, leading=20, spaceAfter=0),
    }


@lru_cache(maxsize=2048)
def _parsed(text: str, style: str) -> tuple[Any, ...]:
    """The fragments reportlab parses a paragraph's markup into. The long fixed wording of the forms
    comes back document after document, so each text is parsed once; layout never changes fragments."""
    return tuple(Paragraph(text, styles()[style]).frags)


_WRAP_STATE = ("width", "height", "blPara", "frags", "_wrapWidths", "_width_max")
_MAX_WRAPS = 4096
_wraps: dict[tuple[Any, ...], tuple[tuple[float, float], dict[str, Any]]] = {}


class _Paragraph(Paragraph):
    """A paragraph that breaks its lines once per text, style and width, however often reportlab asks:
    tables measure each cell two or three times, and the fixed wording of a form is the same in every
    copy. The line breaks depend on nothing else, and drawing only reads them."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self.text is None:  # a piece split off at a page end: its own fragments, no text to key on
            return super().wrap(availWidth, availHeight)
        key = (self.text, self.style, self.bulletText, availWidth)
        known = _wraps.get(key)
        if known is not None:
            size, state = known
            self.__dict__.update(state)
            return size
        size = super().wrap(availWidth, availHeight)
        if len(_wraps) >= _MAX_WRAPS:
            _wraps.clear()
        _wraps[key] = (size, {name: self.__dict__[name] for name in _WRAP_STATE if name in self.__dict__})
        return size


def _paragraph(text: str, style: str, bullet_text: str | None = None) -> Paragraph:
    return _Paragraph(text, styles()[style], bulletText=bullet_text, frags=list(_parsed(text, style)))


def para(text: str, style: str = "body", *, prefix: str = "") -> Paragraph:
    """A paragraph of user text (escaped, with font fallback) after optional trusted markup."""
    return _paragraph(prefix + markup(text), style)


def bullet(text: str, *, prefix: str = "") -> Paragraph:
    return _paragraph(prefix + markup(text), "bullet", "•")


def make_table(
    rows: Sequence[Sequence[Any]], col_widths: Sequence[float], commands: Sequence[tuple[Any, ...]] = (),
    **kwargs: Any,
) -> Table:
    """A table whose plain-string cells use the embedded font (reportlab's default is Helvetica)."""
    kwargs.setdefault("hAlign", "LEFT")
    table = Table([list(row) for row in rows], colWidths=list(col_widths), **kwargs)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), SANS, 9), *commands]))
    return table


def section(title: str, needs: float = 1.0 * inch) -> list[Flowable]:
    """A section heading that starts a new page when less than `needs` is left, so it never sits alone."""
    return [CondPageBreak(needs), _paragraph(markup(title), "heading")]


def details_table(
    pairs: Sequence[tuple[str, str]], width: float, columns: int = 2, label_width: float = 1.05 * inch
) -> Table:
    """Label and value pairs laid out in `columns` side-by-side columns; an empty value prints a dash."""
    pair_width = width / columns
    rows: list[list[Flowable | str]] = []
    for start in range(0, len(pairs), columns):
        row: list[Flowable | str] = []
        for label, value in pairs[start:start + columns]:
            row += [para(label, "label"), para(value or "—", "cell")]
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    return make_table(rows, [label_width, pair_width - label_width] * columns, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
    ], splitInRow=1)


def grid_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    """Commands for a readable data table: shaded header row, a light rule under every row."""
    return [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, MUTED),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, RULE),
    ]


def toned_markup(parts: Sequence[tuple[Tone, str]], separator: str = " · ") -> str:
    """Paragraph markup of several levels in a row, each with its sign, in its own colour."""
    return markup(separator).join(
        f'<font color="{TONE_LOOK[tone].ink}">{markup(f"{TONE_MARK[tone]} {text}")}</font>'
        for tone, text in parts)


def verdict_banner(heading: str, level: str, tone: Tone, width: float, detail: str | None = None, *,
                   level_markup: str | None = None) -> Table:
    """The verdict in words with a mark and a tint, so it reads the same on a black-and-white printer.
    `level_markup` (paragraph markup) replaces the plain `level` text when given."""
    mark = Paragraph(TONE_MARK[tone], _toned_style("mark", tone))
    lines: list[Flowable] = [para(heading, "label"),
                             Paragraph(level_markup or markup(level), _toned_style("verdict", tone))]
    if detail:
        lines.append(para(detail, "cell"))
    return make_table([[mark, lines]], [0.4 * inch, width - 0.4 * inch], [
        ("BACKGROUND", (0, 0), (-1, -1), TONE_FILL[tone]),
        ("LINEBEFORE", (0, 0), (0, -1), 4, TONE_INK[tone]),
        ("BOX", (0, 0), (-1, -1), 0.6, TONE_INK[tone]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ("LEFTPADDING", (0, 0), (0, 0), 9),
    ])


def level_cell(level: str, tone: Tone, base: str = "cell_bold") -> Paragraph:
    """A level in a table cell: mark and words in the tone's colour, bold."""
    return Paragraph(f"{TONE_MARK[tone]} {markup(level)}", _toned_style(base, tone))


@cache
def _toned_style(base: str, tone: Tone) -> ParagraphStyle:
    return ParagraphStyle(f"{base}_{tone}", parent=styles()[base], textColor=TONE_INK[tone])


@dataclass(frozen=True)
class Page:
    """What the page furniture of one document shows."""

    clinic: ClinicDetails
    title: str
    subject: str
    generated_at: datetime
    footer_note: str = ""
    landscape: bool = False

    @property
    def size(self) -> tuple[float, float]:
        return turned(LETTER) if self.landscape else LETTER

    @property
    def frame_width(self) -> float:
        return self.size[0] - 2 * MARGIN


def _decorate(page: Page, canvas: Canvas) -> None:
    """Letterhead at the top (clinic name left, address and phone right), document and patient at the foot."""
    width, height = page.size
    clinic = page.clinic
    inner = width - 2 * MARGIN
    right = width - MARGIN
    canvas.saveState()
    top = height - 0.45 * inch
    canvas.setFillColor(ACCENT)
    name_size = next((size for size in (15, 14, 13, 12) if text_width(clinic.name, size, True) <= inner * 0.6), 11)
    draw_text(canvas, MARGIN, top - 8, clinic.name, name_size, bold=True, max_width=inner * 0.6)
    canvas.setFillColor(MUTED)
    contact = [*clinic.address_lines, f"Phone {clinic.phone}", clinic.email or "", clinic.website or ""]
    y = top
    for line in [line for line in contact if line][:4]:
        draw_text(canvas, right, y, line, 8, align="right", max_width=inner * 0.4)
        y -= 9.5
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.2)
    rule_y = height - HEADER_HEIGHT + 4
    canvas.line(MARGIN, rule_y, right, rule_y)

    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, FOOTER_Y + 19, right, FOOTER_Y + 19)
    canvas.setFillColor(MUTED)
    label = f"{page.title} · {page.footer_note}" if page.footer_note else page.title
    draw_text(canvas, MARGIN, FOOTER_Y + 9, label, 7.5, max_width=inner * 0.8)
    draw_text(canvas, MARGIN, FOOTER_Y, f"Generated {format_moment(page.generated_at, clinic)}", 7.5)
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end so each can say "Page x of y"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            width = self._pagesize[0]
            self.saveState()
            self.setFillColor(MUTED)
            draw_text(self, width - MARGIN, FOOTER_Y + 9, f"Page {number} of {total}", 8, bold=True, align="right")
            self.restoreState()
            super().showPage()
        super().save()


def build_pdf(story: list[Flowable], page: Page) -> bytes:
    """Lay the story out on Letter pages with the clinic header and footer; return the PDF bytes.

    Output is byte-for-byte reproducible: the PDF's creation date is the generated time, not the clock.
    """
    ensure_fonts()
    generated = local(page.generated_at, page.clinic)
    buffer = io.BytesIO()
    width, height = page.size
    doc = BaseDocTemplate(
        buffer,
        pagesize=page.size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=HEADER_HEIGHT + 8,
        bottomMargin=BOTTOM_MARGIN,
        title=page.title,
        author=page.clinic.name,
        subject=page.subject,
        creator="Front Desk",
        invariant=1,
        initialFontName=SANS,
        initialFontSize=10,
    )
    frame = Frame(MARGIN, doc.bottomMargin, width - 2 * MARGIN, height - doc.topMargin - doc.bottomMargin,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def on_page(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.setDateFormatter(lambda *_: _pdf_date(generated))
        _decorate(page, canvas)

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page, pagesize=page.size)])
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _pdf_date(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
