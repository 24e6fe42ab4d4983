"""The preview of a printout: the actual PDF pages, zoom, Print… and Save as….

Pages are drawn by pypdfium2 (PDFium, a few MB) rather than the Qt PDF module, which ships only in the
~59 MB PySide6-Addons wheel (see pyproject.toml). pypdfium2 is imported on first use so it does not
slow the application's start. What is saved is exactly the bytes that were shown; what is printed is
each page drawn again at the printer's resolution.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from frontdesk.compat import make_pyside_classes_a_conversion_meets
from frontdesk.ui.common.errors import Prompts
from frontdesk.ui.common.geometry import recalled_value, remember_geometry, remember_value

# QtPrintSupport's classes have just joined the hierarchy a conversion walks (see frontdesk.compat).
make_pyside_classes_a_conversion_meets()

POINTS_PER_INCH = 72.0
SCREEN_DPI = 96.0
ZOOM_STEPS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0)
#: Above this a Letter page is tens of megabytes as an image, with no visible gain on paper.
MAX_PRINT_DPI = 300


_NOT_IN_FILE_NAMES = str.maketrans({ch: "-" for ch in '/\\:*?"<>|'})


def file_name_for(*parts: str) -> str:
    """"IMS consent - Ødegård, Zoë - 2026-11-25.pdf": readable, and valid on Windows and macOS."""
    name = " - ".join(" ".join(part.split()) for part in parts if part.strip())
    return name.translate(_NOT_IN_FILE_NAMES).strip(" .")[:150] + ".pdf"


def render_page(pdf_bytes: bytes, index: int, dpi: float) -> QImage:
    """One page as an opaque image at `dpi` (one-off; the dialog keeps the document open)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return _render(document[index], dpi)
    finally:
        document.close()


def _render(page, dpi: float) -> QImage:
    bitmap = page.render(scale=dpi / POINTS_PER_INCH, prefer_bgrx=True)
    try:
        # BGRx bytes are Qt's RGB32 on little-endian machines (every PC the clinic will use).
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB32)
        return image.copy()
    finally:
        bitmap.close()


class PdfPreviewDialog(QDialog):
    """Shows a PDF's pages; `pdf_bytes`, `page_count` and `rendered_pages` are there for tests too."""

    #: The file was written: its full path (the window's status bar says where it went).
    saved = Signal(str)

    def __init__(self, pdf_bytes: bytes, title: str, file_name: str, prompts: Prompts | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pypdfium2

        self.pdf_bytes = bytes(pdf_bytes)
        self.file_name = file_name
        self.prompts = prompts or Prompts()
        self._document = pypdfium2.PdfDocument(self.pdf_bytes)
        self.page_count = len(self._document)
        self.rendered_pages: list[QPixmap] = []
        stored = recalled_value("preview/zoom", 1.0)
        self.zoom = float(stored) if isinstance(stored, (int, float, str)) and stored else 1.0
        if self.zoom not in ZOOM_STEPS:
            self.zoom = 1.0
        self.setWindowTitle(f"{title} – preview")
        self.setObjectName("pdf_preview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        self.pages_widget = QWidget()
        self.pages_widget.setObjectName("preview_pages")
        self.pages_widget.setStyleSheet("#preview_pages { background: #6b7580; }")
        self._pages_layout = QVBoxLayout(self.pages_widget)
        self._pages_layout.setSpacing(14)
        self._pages_layout.setContentsMargins(18, 18, 18, 18)
        self._page_labels: list[QLabel] = []
        for number in range(self.page_count):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setAccessibleName(f"Page {number + 1} of {self.page_count}")
            self._pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self._page_labels.append(label)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.pages_widget)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self.print_button = QPushButton("&Print…")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton("&Save as…")
        self.save_button.clicked.connect(self.save_as)
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setToolTip("Zoom out (Ctrl+−)")
        self.zoom_out_button.setAccessibleName("Zoom out")
        self.zoom_out_button.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setToolTip("Zoom in (Ctrl++)")
        self.zoom_in_button.setAccessibleName("Zoom in")
        self.zoom_in_button.clicked.connect(lambda: self.step_zoom(1))
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages_label = QLabel(f"{self.page_count} page{'s' if self.page_count != 1 else ''}")
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.reject)

        bar = QHBoxLayout()
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addSpacing(16)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_label)
        bar.addWidget(self.zoom_in_button)
        bar.addSpacing(16)
        bar.addWidget(self.pages_label)
        bar.addStretch(1)
        bar.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)

        for keys, slot in (
            (QKeySequence.StandardKey.Print, self.print_document),
            (QKeySequence.StandardKey.Save, self.save_as),
            (QKeySequence.StandardKey.ZoomIn, lambda: self.step_zoom(1)),
            (QKeySequence("Ctrl+="), lambda: self.step_zoom(1)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self.step_zoom(-1)),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)

        self.resize(900, 1000)
        remember_geometry(self, "pdf_preview")
        self.render_pages()

    # --- Showing ---------------------------------------------------------------------------------

    def render_pages(self) -> None:
        """Draw every page at the current zoom, sharp on high-density screens."""
        ratio = self.devicePixelRatioF()
        self.rendered_pages = []
        for label, page in zip(self._page_labels, self._document, strict=True):
            pixmap = QPixmap.fromImage(_render(page, SCREEN_DPI * self.zoom * ratio))
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            self.rendered_pages.append(pixmap)
        self.zoom_label.setText(f"{round(self.zoom * 100)} %")
        self.zoom_out_button.setEnabled(self.zoom > ZOOM_STEPS[0])
        self.zoom_in_button.setEnabled(self.zoom < ZOOM_STEPS[-1])

    def step_zoom(self, direction: int) -> None:
        index = min(range(len(ZOOM_STEPS)), key=lambda i: abs(ZOOM_STEPS[i] - self.zoom))
        index = max(0, min(len(ZOOM_STEPS) - 1, index + direction))
        if ZOOM_STEPS[index] != self.zoom:
            self.zoom = ZOOM_STEPS[index]
            remember_value("preview/zoom", self.zoom)
            self.render_pages()

    # --- Saving ----------------------------------------------------------------------------------

    def choose_save_path(self) -> str | None:
        """Ask where to save; tests replace this instead of driving a file dialog."""
        folder = str(recalled_value("preview/folder", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(self, "Save the document as PDF", str(Path(folder) / self.file_name),
                                              "PDF document (*.pdf)")
        return path or None

    def save_as(self) -> None:
        path = self.choose_save_path()
        if path is None:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        if self.save_to(path):
            remember_value("preview/folder", str(Path(path).parent))

    def save_to(self, path: str | Path) -> bool:
        """Write exactly the previewed bytes; a failure is shown in plain words."""
        try:
            Path(path).write_bytes(self.pdf_bytes)
        except OSError as error:
            self.prompts.error(self, "Save as", f"The document could not be saved to {path}: "
                               f"{error.strerror or error}. Choose another folder and try again.")
            return False
        self.saved.emit(str(Path(path).resolve()))
        return True

    # --- Printing --------------------------------------------------------------------------------

    def choose_printer(self) -> QPrinter | None:
        """The system print dialog; tests replace this and return a printer writing to a file."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
        printer.setDocName(self.file_name)
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, self.page_count)
        return printer if dialog.exec() == QDialog.DialogCode.Accepted else None

    def print_document(self) -> None:
        printer = self.choose_printer()
        if printer is not None:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> bool:
        """Draw each page (or the chosen range) on the whole sheet, keeping the PDF's own margins."""
        first, last = 1, self.page_count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = printer.fromPage(), min(printer.toPage() or self.page_count, self.page_count)
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        printer.setFullPage(True)
        painter = QPainter()
        for number in range(first, last + 1):
            page = self._document[number - 1]
            width, height = page.get_size()
            orientation = (QPageLayout.Orientation.Landscape if width > height
                           else QPageLayout.Orientation.Portrait)
            size = QPageSize(QPageSize.PageSizeId.Letter)
            layout = QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0))
            printer.setPageLayout(layout)
            if number == first:
                if not painter.begin(printer):
                    self.prompts.error(self, "Print", "The printer could not be started. Check that it is "
                                       "switched on and connected, then try again.")
                    return False
            elif not printer.newPage():
                painter.end()
                self.prompts.error(self, "Print", "The printer stopped before the last page.")
                return False
            image = _render(page, dpi)
            target = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
            scaled = image.size().scaled(target.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRectF(target.topLeft(), scaled.toSizeF()), image)
        painter.end()
        return True

    def done(self, result: int) -> None:
        self._document.close()
        super().done(result)
