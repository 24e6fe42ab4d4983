"""The signature box: strokes drawn with the mouse (or a finger) become a cropped PNG."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from frontdesk.ui.intake.signature_pad import SignaturePad

STROKE = [(40, 120), (70, 60), (100, 130), (140, 50), (190, 120), (260, 70), (330, 110)]


@pytest.fixture
def pad(qtbot):
    widget = SignaturePad()
    widget.resize(560, 180)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def draw(qtbot, pad, points) -> None:
    with qtbot.waitSignal(pad.changed):
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[0]))
        for x, y in points[1:]:
            QTest.mouseMove(pad, QPoint(x, y))
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[-1]))


def png_image(data: bytes) -> QImage:
    image = QImage()
    assert image.loadFromData(data, "PNG")
    return image


def test_an_untouched_pad_is_empty_and_gives_no_picture(pad):
    assert pad.is_empty()
    assert pad.to_png() == b""


def test_mouse_strokes_become_a_png_cropped_to_the_ink(qtbot, pad):
    draw(qtbot, pad, STROKE)
    assert not pad.is_empty()
    data = pad.to_png()
    assert data.startswith(b"\x89PNG")
    image = png_image(data)
    # Twice the ink's size plus a small margin: 290 x 80 pixels of ink on screen.
    assert 580 <= image.width() <= 620 and 160 <= image.height() <= 200
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0  # transparent around the ink
    inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(0, image.width(), 3)
                for y in range(0, image.height(), 3))
    assert inked > 50


def test_clear_empties_the_pad_and_says_so(qtbot, pad):
    draw(qtbot, pad, STROKE)
    with qtbot.waitSignal(pad.changed):
        pad.clear()
    assert pad.is_empty() and pad.to_png() == b""


def test_a_single_tap_is_a_dot(qtbot, pad):
    draw(qtbot, pad, [(100, 100)])
    assert not png_image(pad.to_png()).isNull()


def test_a_finger_on_a_touch_screen_draws(qtbot, pad):
    finger = QTest.createTouchDevice()
    QTest.touchEvent(pad, finger).press(0, QPoint(*STROKE[0])).commit()
    QTest.touchEvent(pad, finger).move(0, QPoint(*STROKE[2])).commit()
    QTest.touchEvent(pad, finger).move(0, QPoint(*STROKE[4])).commit()
    with qtbot.waitSignal(pad.changed):
        QTest.touchEvent(pad, finger).release(0, QPoint(*STROKE[4])).commit()
    drawn = pad.strokes[0]
    assert len(pad.strokes) == 1 and len(drawn) == 3
    # Where the finger went, give or take the couple of pixels a touch point's centre may move.
    assert all(abs(p.x - x) <= 3 and abs(p.y - y) <= 3 for p, (x, y) in zip(drawn, STROKE[0:5:2], strict=True))
