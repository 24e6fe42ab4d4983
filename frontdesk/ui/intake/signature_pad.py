"""A box the patient signs in at the counter, with a mouse, a finger or a stylus.

Strokes are kept as points (with the pen pressure where the device reports it) and drawn as smooth
curves through the midpoints between samples, so a fast signature does not look like a polyline.
`to_png` draws the strokes again at twice the size on a transparent background, cropped to the ink.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#14285a")
BASE_WIDTH = 2.6
PNG_SCALE = 2.0
PNG_MARGIN = 6.0


@dataclass(frozen=True)
class InkPoint:
    x: float
    y: float
    pressure: float = 0.5


class SignaturePad(QWidget):
    """`changed` is emitted after each finished stroke and after Clear."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[list[InkPoint]] = []
        self._drawing = False
        self.setObjectName("signature_pad")
        self.setAccessibleName("Signature box")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(360, 150)

    def sizeHint(self) -> QSize:
        return QSize(560, 180)

    # --- What the dialog asks --------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not any(self.strokes)

    def clear(self) -> None:
        if self.strokes:
            self.strokes = []
            self._drawing = False
            self.update()
            self.changed.emit()

    def ink_rect(self) -> QRectF:
        """The area the strokes cover, in widget coordinates (empty when nothing is drawn)."""
        points = [p for stroke in self.strokes for p in stroke]
        if not points:
            return QRectF()
        xs = [p.x for p in points]
        ys = [p.y for p in points]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def to_png(self) -> bytes:
        """The signature as a PNG, transparent around the ink, cropped; b"" when nothing is drawn."""
        if self.is_empty():
            return b""
        rect = self.ink_rect().adjusted(-PNG_MARGIN, -PNG_MARGIN, PNG_MARGIN, PNG_MARGIN)
        size = QSize(max(1, round(rect.width() * PNG_SCALE)), max(1, round(rect.height() * PNG_SCALE)))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(PNG_SCALE, PNG_SCALE)
        painter.translate(-rect.topLeft())
        self._draw_strokes(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; the binding wants str
        buffer.close()
        return bytes(data.data())

    # --- Input -----------------------------------------------------------------------------------

    def _begin(self, position: QPointF, pressure: float) -> None:
        self._drawing = True
        self.strokes.append([InkPoint(position.x(), position.y(), pressure)])
        self.update()

    def _extend(self, position: QPointF, pressure: float) -> None:
        if not self._drawing:
            return
        stroke = self.strokes[-1]
        last = stroke[-1]
        if abs(last.x - position.x()) + abs(last.y - position.y()) < 0.75:
            return
        stroke.append(InkPoint(position.x(), position.y(), pressure))
        self.update()

    def _end(self) -> None:
        if self._drawing:
            self._drawing = False
            self.update()
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 0.5)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), 0.5)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position(), 0.5)
            self._end()
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        """A stylus: pressure makes the line thicker. Accepting stops Qt from also sending mouse events."""
        kind = event.type()
        pressure = max(0.05, min(1.0, event.pressure()))
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QEvent.Type.TabletMove:
            if event.pressure() > 0:
                self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        """A finger on a touch screen (one finger draws; a second one is ignored)."""
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if points:
                position = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(position, 0.5)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(position, 0.5)
                else:
                    self._end()
            elif kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
                self._end()
            event.accept()
            return True
        return super().event(event)

    # --- Drawing ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(rect, QColor("white"))
        painter.setPen(QPen(QColor("#9aa5b1"), 1))
        painter.drawRect(rect)
        baseline = rect.bottom() - rect.height() * 0.25
        painter.setPen(QPen(QColor("#9aa5b1"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(rect.left() + 20, baseline), QPointF(rect.right() - 20, baseline))
        painter.setPen(QColor("#7b8794"))
        painter.drawText(QPointF(rect.left() + 22, baseline - 6), "✕")
        if self.is_empty():
            painter.drawText(rect.adjusted(0, 0, 0, -rect.height() * 0.55), Qt.AlignmentFlag.AlignCenter,
                             "Sign here with the mouse, a finger or the pen")
        self._draw_strokes(painter)
        painter.end()

    def _draw_strokes(self, painter: QPainter) -> None:
        for stroke in self.strokes:
            if len(stroke) == 1:
                point = stroke[0]
                radius = _width(point.pressure) / 2
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(INK)
                painter.drawEllipse(QPointF(point.x, point.y), radius, radius)
                continue
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # A quadratic curve from each midpoint to the next, through the sample between them.
            previous_mid = QPointF(stroke[0].x, stroke[0].y)
            for index in range(1, len(stroke)):
                control = QPointF(stroke[index - 1].x, stroke[index - 1].y)
                here = QPointF(stroke[index].x, stroke[index].y)
                mid = (control + here) / 2 if index < len(stroke) - 1 else here
                path = QPainterPath(previous_mid)
                path.quadTo(control, mid)
                pressure = (stroke[index - 1].pressure + stroke[index].pressure) / 2
                pen = QPen(INK, _width(pressure), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                           Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                painter.drawPath(path)
                previous_mid = mid


def _width(pressure: float) -> float:
    return BASE_WIDTH * (0.55 + 0.9 * pressure)
