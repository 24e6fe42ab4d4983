"""What every printout shares: Letter pages, the clinic header, the footer with "Page x of y",
styles, date formatting in the clinic's time zone, and building the story into PDF bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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

from frontdesk.compat import paragraph_type, reportlab_caches_enabled
from frontdesk.domain.level_looks import LOOKS, UNFINISHED
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_moment
from frontdesk.reports.data import ClinicDetails, Tone
from frontdesk.reports.fonts import SANS, SANS_BOLD, draw_text, ensure_fonts, fit_text, markup, text_width

INK = colors.HexColor("#1f2933")
#: Captions and secondary text: dark enough to print clearly on an office laser printer (about 9:1
#: against white), told apart from the body by size and place rather than by a pale grey.
MUTED = colors.HexColor("#3e4c59")
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
HEADER_HEIGHT = 1.05 * inch
FOOTER_Y = 0.4 * inch
BOTTOM_MARGIN = 0.95 * inch
#: The smallest type on any printout: captions, the letterhead's contact lines and the footer.
CAPTION_SIZE = 9
INITIALS_BOX = (0.6 * inch, 0.34 * inch)

def local(moment: datetime, clinic: ClinicDetails) -> datetime:
    """The moment on the clinic's clock. A naive datetime is refused: it could be off by hours."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; printouts need timezone-aware datetimes")
    return moment.astimezone(ZoneInfo(clinic.time_zone))


def pdf_sha256(pdf: bytes) -> str:
    """The hex SHA-256 of the exact PDF bytes, to check a printed copy against the stored record."""
    return hashlib.sha256(pdf).hexdigest()


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of all printouts, by name."""
    body = ParagraphStyle(
        "body", fontName=SANS, bulletFontName=SANS, fontSize=10.5, leading=14, textColor=INK,
        alignment=TA_LEFT, spaceAfter=4,
    )
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9.5, leading=12.5, textColor=MUTED, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=10.5, leading=13, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=SANS_BOLD, fontSize=10.5, leading=13,
                                    spaceAfter=0),
        "label": ParagraphStyle("label", parent=body, fontSize=CAPTION_SIZE, leading=11, textColor=MUTED,
                                spaceAfter=0),
        "title": ParagraphStyle("title", parent=body, fontName=SANS_BOLD, fontSize=17, leading=21,
                                textColor=INK, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10.5, leading=14, textColor=MUTED,
                                   spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=body, fontName=SANS_BOLD, fontSize=12, leading=15,
                                  textColor=ACCENT, spaceBefore=8, spaceAfter=3),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=2),
        "sheet": ParagraphStyle("sheet", parent=body, fontSize=10.5, leading=12.5, spaceAfter=0),
        "sheet_bold": ParagraphStyle("sheet_bold", parent=body, fontName=SANS_BOLD, fontSize=10.5, leading=12.5,
                                     spaceAfter=0),
        "sheet_cancelled": ParagraphStyle("sheet_cancelled", parent=body, fontSize=10.5, leading=12.5,
                                          textColor=MUTED, spaceAfter=0),
        "sheet_small": ParagraphStyle("sheet_small", parent=body, fontSize=CAPTION_SIZE, leading=11,
                                      textColor=MUTED, spaceAfter=0),
        "filled": ParagraphStyle("filled", parent=body, fontSize=11, leading=13.5, textColor=FILLED_INK,
                                 spaceAfter=0),
        "choices": ParagraphStyle("choices", parent=body, fontSize=10.5, leading=17, spaceAfter=0),
        "verdict": ParagraphStyle("verdict", parent=body, fontName=SANS_BOLD, fontSize=13, leading=16,
                                  spaceAfter=0),
        "mark": ParagraphStyle("mark", parent=body, fontName=SANS_BOLD, fontSize=18, leading=20, spaceAfter=0),
    }


@lru_cache(maxsize=2048)
def _parsed(text: str, style: str) -> tuple[Any, ...]:
    """The fragments reportlab parses a paragraph's markup into. The long fixed wording of the forms
    comes back document after document, so each text is parsed once; layout never changes fragments."""
    return tuple(Paragraph(text, styles()[style]).frags)


def _paragraph(text: str, style: str, bullet_text: str | None = None) -> Paragraph:
    # A paragraph that breaks its lines once per text, style and width (see `compat.paragraph_type`).
    paragraph: Paragraph = paragraph_type()(text, styles()[style], bulletText=bullet_text,
                                            frags=list(_parsed(text, style)))
    return paragraph


def para(text: str, style: str = "body", *, prefix: str = "") -> Paragraph:
    """A paragraph of user text (escaped, with font fallback) after optional trusted markup."""
    return _paragraph(prefix + markup(text), style)


def bullet(text: str, *, prefix: str = "") -> Paragraph:
    return _paragraph(prefix + markup(text), "bullet", "•")


class TextLine(Flowable):
    """One line of user text that never wraps: cut with an ellipsis to the width it is given. Bold is
    bold in every script (the CJK font has one weight, so its glyphs are drawn with a fake bold)."""

    def __init__(self, text: str, size: float = 10.5, *, bold: bool = False, color: Any = INK,
                 after: str = "", after_size: float = CAPTION_SIZE, after_color: Any = None,
                 regular_if_cut: bool = False) -> None:
        super().__init__()
        self.regular_if_cut = regular_if_cut
        self.text, self.size, self.bold, self.color = " ".join(text.split()), size, bold, color
        self.after, self.after_size, self.after_color = after, after_size, after_color or MUTED
        self.leading = size * 1.2

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # reportlab's
        self.width = availWidth
        return availWidth, self.leading

    def draw(self) -> None:
        canvas = self.canv
        baseline = self.leading - self.size
        room = self.width
        gap = self.size * 0.6
        tail_width = text_width(self.after, self.after_size) + gap if self.after else 0.0
        # The text comes first: the trailing detail gets what room is left, up to a third of the line.
        bold = self.bold
        if bold and self.regular_if_cut and text_width(self.text, self.size, True) > room - tail_width:
            bold = False  # the whole text in regular weight reads better than bold cut short
        text = fit_text(self.text, self.size, room - min(tail_width, room / 4), bold)
        draw_text(canvas, 0, baseline, text, self.size, colour=self.color, bold=bold)
        used = text_width(text, self.size, bold) + gap
        if self.after and room - used > self.after_size * 3:
            draw_text(canvas, used, baseline, self.after, self.after_size, colour=self.after_color,
                      max_width=room - used)


def make_table(
    rows: Sequence[Sequence[Any]], col_widths: Sequence[float], commands: Sequence[tuple[Any, ...]] = (),
    **kwargs: Any,
) -> Table:
    """A table whose plain-string cells use the embedded font (reportlab's default is Helvetica)."""
    kwargs.setdefault("hAlign", "LEFT")
    table = Table([list(row) for row in rows], colWidths=list(col_widths), **kwargs)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), SANS, 10.5), *commands]))
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


def toned_style(base: str, tone: Tone) -> ParagraphStyle:
    """A paragraph style in the tone's colour."""
    return _toned_style(base, tone)


@cache
def _toned_style(base: str, tone: Tone) -> ParagraphStyle:
    return ParagraphStyle(f"{base}_{tone}", parent=styles()[base], textColor=TONE_INK[tone])


@dataclass(frozen=True)
class Page:
    """What the page furniture of one document shows.

    `patient_name` is printed at the foot of every page so loose pages can be matched to the patient;
    `name_line` prints a line to write the name on instead (a blank form). `initials` adds a box for
    the patient's initials on every page (forms the patient signs).
    """

    clinic: ClinicDetails
    title: str
    subject: str
    generated_at: datetime
    footer_note: str = ""
    landscape: bool = False
    patient_name: str | None = None
    name_line: bool = False
    initials: bool = False
    footer_title: str | None = None

    @property
    def size(self) -> tuple[float, float]:
        return turned(LETTER) if self.landscape else LETTER

    @property
    def frame_width(self) -> float:
        return self.size[0] - 2 * MARGIN


def letterhead_lines(clinic: ClinicDetails) -> list[str]:
    """The contact lines at the top right: the street address (at most two lines), phone, email, website."""
    address = list(clinic.address_lines)
    if len(address) > 2:
        address = [address[0], ", ".join(address[1:])]
    contact = " · ".join(part for part in (f"Phone {clinic.phone}" if clinic.phone else "", clinic.email or "")
                         if part)
    return [line for line in (*address, contact, clinic.website or "") if line]


def _decorate(page: Page, canvas: Canvas) -> None:
    """Letterhead at the top (clinic name left; address, phone, email and website right); at the foot the
    patient's name (or a line for it), the document, when it was made and the initials box."""
    width, height = page.size
    clinic = page.clinic
    inner = width - 2 * MARGIN
    right = width - MARGIN
    canvas.saveState()
    top = height - 0.4 * inch
    name_size = next((size for size in (15, 14, 13, 12) if text_width(clinic.name, size, True) <= inner * 0.55), 11)
    draw_text(canvas, MARGIN, top - 10, clinic.name, name_size, colour=ACCENT, bold=True, max_width=inner * 0.55)
    y = top
    for line in letterhead_lines(clinic)[:4]:
        draw_text(canvas, right, y, line, CAPTION_SIZE, colour=MUTED, align="right", max_width=inner * 0.45)
        y -= CAPTION_SIZE + 1.5
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.2)
    rule_y = height - HEADER_HEIGHT + 4
    canvas.line(MARGIN, rule_y, right, rule_y)

    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, FOOTER_Y + 30, right, FOOTER_Y + 30)
    text_right = right - (INITIALS_BOX[0] + 0.95 * inch if page.initials else 0.9 * inch)
    if page.patient_name is not None or page.name_line:
        draw_text(canvas, MARGIN, FOOTER_Y + 16, "Patient:", 10, colour=INK, bold=True)
        start = MARGIN + text_width("Patient: ", 10, True)
        if page.patient_name:
            draw_text(canvas, start, FOOTER_Y + 16, page.patient_name, 10, colour=INK, bold=True,
                      max_width=text_right - start)
        else:
            canvas.setStrokeColor(INK)
            canvas.setLineWidth(0.6)
            canvas.line(start, FOOTER_Y + 14, text_right, FOOTER_Y + 14)
    title = page.footer_title or page.title
    label = f"{title} · {page.footer_note}" if page.footer_note else title
    generated = f"Generated {format_moment(local(page.generated_at, clinic))}"
    draw_text(canvas, MARGIN, FOOTER_Y + 3, f"{label} · {generated}", CAPTION_SIZE, colour=MUTED,
              max_width=text_right - MARGIN)
    if page.initials:
        box_width, box_height = INITIALS_BOX
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.rect(right - box_width, FOOTER_Y + 1, box_width, box_height, stroke=1, fill=0)
        draw_text(canvas, right - box_width - 5, FOOTER_Y + 16, "Initials", CAPTION_SIZE + 1, colour=INK,
                  bold=True, align="right")
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Says "Page x of y" at the foot of every page. The number of pages is known only at the end, so
    each page draws a form (a PDF XObject) by name, and the forms are written when the document is
    saved: one per page, with its number and the total."""

    def __init__(self, *args: Any, page_width: float, initials: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frontdesk_pages = 0
        self.frontdesk_number_right = page_width - MARGIN - (INITIALS_BOX[0] + 5 if initials else 0)

    def showPage(self) -> None:
        self.frontdesk_pages += 1
        self.saveState()
        self.doForm(f"frontdesk-page-{self.frontdesk_pages}")
        self.restoreState()
        super().showPage()

    def save(self) -> None:
        total = self.frontdesk_pages
        for number in range(1, total + 1):
            self.beginForm(f"frontdesk-page-{number}")
            draw_text(self, self.frontdesk_number_right, FOOTER_Y + 3, f"Page {number} of {total}", CAPTION_SIZE,
                      colour=MUTED, bold=True, align="right")
            self.endForm()
        super().save()


def build_pdf(story: list[Flowable], page: Page) -> bytes:
    """Lay the story out on Letter pages with the clinic header and footer; return the PDF bytes.

    Output is byte-for-byte reproducible: the PDF's creation date is the generated time, not the clock.
    """
    ensure_fonts()
    reportlab_caches_enabled()  # whether this document takes compat's shortcuts (FRONTDESK_COMPAT)
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
    doc.build(story, canvasmaker=lambda *args, **kwargs: _NumberedCanvas(*args, page_width=width,
                                                                          initials=page.initials, **kwargs))
    return buffer.getvalue()


def _pdf_date(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
