"""How the schedule grid looks: the colours of its cells and the painting of appointment blocks."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from frontdesk.services.records import AppointmentRecord

OUT_OF_HOURS = QColor("#e4e4e4")
AWAY = QColor("#f1e3c6")
FREE = QColor("#ffffff")
CANCELLED_FILL = QColor("#f2f2f2")
CANCELLED_TEXT = QColor("#777777")
ATTENTION = QColor("#b00020")
AWAY_HATCH = QBrush(QColor("#d9c39a"), Qt.BrushStyle.BDiagPattern)
AWAY_TEXT = QColor("#5c4a21")
_FIRST_LINE = QColor("#1b1b1b")
_SECOND_LINE = QColor("#333333")
_LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_NO_BRUSH = Qt.BrushStyle.NoBrush
# One brush each, shared by every cell that shows it.
OUT_OF_HOURS_FILL = QBrush(OUT_OF_HOURS)
AWAY_FILL = QBrush(AWAY)
FREE_FILL = QBrush(FREE)
CANCELLED_BRUSH = QBrush(CANCELLED_FILL)


def tint(colour: str | QColor, strength: float = 0.22) -> QColor:
    """The therapist's colour mixed with white: a fill that dark text stays readable on."""
    base = QColor(colour)
    mix = lambda channel: round(255 - (255 - channel) * strength)  # noqa: E731
    return QColor(mix(base.red()), mix(base.green()), mix(base.blue()))


#: A block to paint: its rectangle (all its rows), its record, its therapist's colour, its two lines of
#: text, the fill under it and whether it is live (not cancelled or a no-show).
Block = tuple[QRect, AppointmentRecord, str, str, str, QBrush, bool]


class BlockPainter:
    """Draws appointment blocks straight onto the grid's painter: no picture or other object per
    block (a day never shown before used to draw each block into its own pixmap first, which cost
    more than the drawing). Fonts and colours are made once and reused.

    The blocks of one paint are drawn together: every block's fill and outline, then every first line
    in the bold font, then every second line, so the painter changes font twice rather than twice a
    block. Blocks never overlap, so the order leaves the same pixels. A second line (status, IMS flag,
    type) reads the same on many blocks of a day: each one is shortened to its column once per paint."""

    def __init__(self) -> None:
        self._fonts: dict[tuple[str, bool], tuple[QFont, QFont, QFontMetrics, QFontMetrics, int, int, int]] = {}
        self._colours: dict[str, tuple[QColor, QPen]] = {}
        self._cancelled_pen = QPen(CANCELLED_TEXT, 1)

    def begin(self, painter: QPainter, font: QFont) -> None:
        """Before the blocks of one paint: the font they are drawn in."""
        self._font, self._font_key = font, font.key()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

    def paint(self, painter: QPainter, rect: QRect, record: AppointmentRecord, colour: str, text: str,
              background: QBrush, live: bool) -> None:
        """One block in its therapist's `colour` (grey and struck through when not `live`), over `rect`
        filled with its cell's background; `text` is its two lines."""
        first, _, second = text.partition("\n")
        self.paint_all(painter, [(rect, record, colour, first, second, background, live)])

    def paint_all(self, painter: QPainter, blocks: list[Block]) -> None:
        """The `blocks` of one paint, each as `paint` draws it."""
        lines: dict[bool, list[tuple[int, int, int, int, str, str, QColor]]] = {True: [], False: []}
        colours = self._colours
        cancelled_pen = self._cancelled_pen
        painter.setBrush(_NO_BRUSH)
        for rect, record, colour, first, second, background, live in blocks:
            painter.fillRect(rect, background)
            found = colours.get(colour)
            if found is None:
                base = QColor(colour)
                found = colours[colour] = (base, QPen(base, 1))
            base, pen = found
            box = rect.adjusted(2, 1, -2, -1)
            painter.setPen(pen if live else cancelled_pen)
            # Only the outline: inside it, the cell's background is already the block's fill (the tint,
            # or the cancelled grey), so filling the rounded shape again would paint the same pixels.
            painter.drawRoundedRect(box, 3, 3)
            left, top, height = box.left(), box.top(), box.height()
            painter.fillRect(QRect(left, top, 4, height), base if live else CANCELLED_TEXT)
            # The text's box is the block's less 8 pixels on the left, 4 on the right and 2 above and below.
            pen_colour = CANCELLED_TEXT if not live else ATTENTION if record.ims_flag.needs_attention \
                else _SECOND_LINE
            lines[live].append((left + 8, top + 2, box.width() - 12, height - 4, first, second, pen_colour))
        for live, shown in lines.items():
            if not shown:
                continue
            plain, bold, plain_metrics, bold_metrics, line_height, first_base, second_base = self._fonts_for(live)
            # Each line is drawn at its baseline, where a one-line-high rectangle centred it: laying the
            # text out into a rectangle cost more than drawing it. (Nearly every line is shortened with
            # "…" in a column of the day view, so each is elided at once rather than measured first.)
            painter.setFont(bold)
            painter.setPen(_FIRST_LINE if live else CANCELLED_TEXT)
            elide = bold_metrics.elidedText
            for left, top, width, _height, first, _second, _pen in shown:
                painter.drawText(left, top + first_base, elide(first, _ELIDE_RIGHT, width))
            painter.setFont(plain)
            elide = plain_metrics.elidedText
            shortened: dict[tuple[str, int], str] = {}
            current = None
            for left, top, width, height, _first, second, pen_colour in shown:
                if height < 2 * line_height:
                    continue
                text = shortened.get((second, width))
                if text is None:
                    text = shortened[(second, width)] = elide(second, _ELIDE_RIGHT, width)
                if pen_colour is not current:
                    painter.setPen(pen_colour)
                    current = pen_colour
                painter.drawText(left, top + second_base, text)

    def _fonts_for(self, live: bool) -> tuple[QFont, QFont, QFontMetrics, QFontMetrics, int, int, int]:
        """The second line's font and the bold first line's, struck through when not live, their
        metrics, the line height (the bold font's) and each line's baseline below the text's top."""
        found = self._fonts.get((self._font_key, live))
        if found is None:
            plain = QFont(self._font)
            plain.setStrikeOut(not live)
            bold = QFont(plain)
            bold.setBold(True)
            plain_metrics, bold_metrics = QFontMetrics(plain), QFontMetrics(bold)
            line_height = bold_metrics.height()
            first_base = (line_height - bold_metrics.height()) // 2 + bold_metrics.ascent()
            second_base = line_height + (line_height - plain_metrics.height()) // 2 + plain_metrics.ascent()
            found = self._fonts[(self._font_key, live)] = (plain, bold, plain_metrics, bold_metrics, line_height,
                                                           first_base, second_base)
        return found


class CellDelegate(QStyledItemDelegate):
    """Paints a cell of the schedule grid: the appointment block anchored there over every row it
    spans (the view merges those rows with `setSpan`, so the cell's rectangle is the whole block), or
    a cell's background (free, not working, away with its hatching and reason).

    The view hands it each block it shows (`paint_cell`); Qt asks it through `paint` for the cells it
    draws itself (the picture of an appointment being dragged). Either way it reads what to draw
    from the model's `cell()`, worked out once per load, rather than asking `data()` role by role.
    The backgrounds of a whole column are painted by the view as a few rectangles: painting them
    cell by cell through the delegate, as a table view does, cost a new day about 7.5 ms more of
    processor time (README, Performance)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.blocks = BlockPainter()

    def begin(self, painter: QPainter, font: QFont) -> None:
        """Before the cells of one paint: the font the blocks are drawn in."""
        self.blocks.begin(painter, font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        painter.save()
        self.begin(painter, option.font)
        self.paint_cell(painter, option.rect, index.model(), index.row(), index.column())
        painter.restore()

    def paint_cell(self, painter: QPainter, rect: QRect, model, row: int, column: int) -> None:
        """The cell at (`row`, `column`) of the grid's `model` over `rect` (a block's: all its rows)."""
        cell = model.cell(row, column)
        if cell.anchor:
            block = cell.block
            self.blocks.paint(painter, rect, block.record, model.columns[column].therapist.colour, cell.text,
                              cell.background, block.live)
            return
        painter.fillRect(rect, cell.background)
        if cell.away is not None:
            painter.fillRect(rect, AWAY_HATCH)
            if cell.text:
                painter.setPen(AWAY_TEXT)
                painter.drawText(rect.adjusted(6, 0, -4, 0), _LEFT_MIDDLE, cell.text)
