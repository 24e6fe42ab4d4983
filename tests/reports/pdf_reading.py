"""Reading generated PDFs back the way a person (or an auditor) would: text, pages, fonts, images."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

BASE_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique",
    "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
    "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
}


@dataclass(frozen=True)
class ReadPdf:
    reader: PdfReader
    lines: str
    """Extracted text with line breaks kept."""
    text: str
    """Extracted text with all runs of whitespace collapsed to one space."""

    @property
    def pages(self) -> int:
        return len(self.reader.pages)


def read_pdf(pdf: bytes) -> ReadPdf:
    reader = PdfReader(io.BytesIO(pdf))
    lines = "\n".join(page.extract_text() for page in reader.pages)
    return ReadPdf(reader, lines, " ".join(lines.split()))


def fonts(reader: PdfReader) -> list[DictionaryObject]:
    """Every font dictionary used by any page (descendant fonts of composite fonts included)."""
    found: dict[int, DictionaryObject] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for ref in resources.get_object().get("/Font", {}).values():
            font = ref.get_object()
            found[id(font)] = font
            for descendant in font.get("/DescendantFonts", []):
                found[id(descendant.get_object())] = descendant.get_object()
    return list(found.values())


def unembedded_fonts(reader: PdfReader) -> list[str]:
    """Names of fonts that are not embedded TrueType programs (or are one of the 14 standard fonts)."""
    bad = []
    for font in fonts(reader):
        name = str(font.get("/BaseFont", "?"))
        if font.get("/Subtype") == "/Type0":
            continue
        descriptor = font.get("/FontDescriptor")
        standard = name.lstrip("/").split("+")[-1] in BASE_14
        if standard or descriptor is None or "/FontFile2" not in descriptor.get_object():
            bad.append(name)
    return bad


def image_count(reader: PdfReader) -> int:
    count = 0
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for ref in resources.get_object().get("/XObject", {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def page_texts(pdf: ReadPdf) -> list[str]:
    """Each page's text with runs of whitespace collapsed, in page order."""
    return [" ".join(page.extract_text().split()) for page in pdf.reader.pages]


def page_with(pdf: ReadPdf, words: str) -> int:
    """The number (from 1) of the first page holding `words`; AssertionError when none does."""
    for number, text in enumerate(page_texts(pdf), start=1):
        if words in text:
            return number
    raise AssertionError(f"{words!r} is on no page")
