"""Workarounds that reach into a library's private internals: all of them, and only here.

Each one says why it exists (with a measured reason or an upstream link), runs only on the library
versions it was checked against, and leaves the library alone on any other version. Setting the
environment variable ``FRONTDESK_COMPAT=off`` turns every one of them off, so an upgrade can be tried
without them (and the benchmark run both ways).
"""

from __future__ import annotations

import linecache
import os
import sys
from collections import Counter
from functools import cache
from types import ModuleType
from typing import Any


def workarounds_enabled() -> bool:
    """False when ``FRONTDESK_COMPAT=off`` (or ``0``/``no``) asks for the libraries as they are."""
    return _switched_on(os.environ.get("FRONTDESK_COMPAT"))


@cache
def _switched_on(setting: str | None) -> bool:
    return (setting or "on").strip().lower() not in {"off", "0", "no", "false"}


# --- PySide6: the source scan of every imported module --------------------------------------------

#: PySide6 versions whose private `shibokensupport.feature._mod_uses_pyside` was checked (pyproject pins
#: `PySide6-Essentials>=6.6,<6.12`).
PYSIDE_SOURCE_SCAN_CHECKED = ((6, 6), (6, 12))


def skip_pyside_source_scan() -> bool:
    """Stop PySide6 from keeping the source of every module imported after it; True when applied.

    For its optional `from __feature__ import ...` switches (which Front Desk does not use), PySide6
    looks at each newly imported module to see whether its source mentions PySide6. It does so with
    `inspect.getsource`, which reads the file through `linecache` and keeps every line: measured at
    25 MiB of memory and a fifth of the import time for SQLAlchemy and the app (the same start-up
    cost is described upstream of us in napari/napari#8584; pyzo/pyzo#851 shows the hook). The same
    test on the file's bytes, with nothing kept, gives PySide6 the same answers; a frozen module of the
    standard library (no file of its own to read) is answered without a look. The lines kept by the
    scans made before the replacement are dropped too. Any other PySide6 version, or anything
    unexpected in its internals, leaves them as they are.
    """
    if not workarounds_enabled():
        return False
    pyside: ModuleType | None = sys.modules.get("PySide6")
    version = tuple(getattr(pyside, "__version_info__", ())[:2])
    low, high = PYSIDE_SOURCE_SCAN_CHECKED
    if not version or not low <= version < high:
        return False
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if not callable(original):
        return False
    if getattr(original, "reads_bytes", False):
        return True

    def mentions_pyside(module: ModuleType) -> bool:
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if origin == "frozen":  # the standard library's own start-up modules never mention PySide6
            return False
        if not isinstance(origin, str) or not origin.endswith(".py"):
            return bool(original(module))
        try:
            with open(origin, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False

    mentions_pyside.reads_bytes = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mentions_pyside  # type: ignore[union-attr]
    _forget_scanned_sources()
    return True


def _forget_scanned_sources() -> None:
    """Drop the source lines kept by the scans made before the replacement: the modules imported since
    PySide6 (typing, enum, logging and the like, about 1.6 MiB of lines). Only lines read from files
    go, which `linecache` reads again if a traceback ever needs them; lines registered for generated
    code (no file behind them) stay."""
    for filename, entry in list(linecache.cache.items()):
        if len(entry) == 4 and entry[1] is not None:  # (size, mtime, lines, fullname) of a file
            linecache.cache.pop(filename, None)


# --- PySide6: classes made while an object is converted -----------------------------------------------

#: PySide6 versions on which a class made lazily in the middle of a conversion can crash the process.
#: To give a C++ object its most derived Python type, shiboken walks the class hierarchy below the
#: declared type (`Graph::identifyType`) and makes each class it meets that was not made yet; on
#: 6.11.3 making one there ended in a SIGSEGV in about a third of the runs of
#: tests/ui/test_account_link.py (gdb: `Module::get` under `BindingManager::findDerivedType`, for
#: `QDragEnterEvent`, while a Python event filter received an event). Newer shiboken walks a
#: snapshot of the hierarchy. With every class of the hierarchy made beforehand, outside any
#: conversion, the walk makes nothing: 0 crashes in 12 runs of the same tests.
PYSIDE_LAZY_CLASSES_CRASH = ((6, 11), (6, 12))

#: The class whose subclasses an event filter's walk meets: made before the first window is built.
EVENTS = "PySide6.QtCore.QEvent"


def make_pyside_classes_a_conversion_meets(below: str | None = None) -> int:
    """Make now the PySide6 classes that a conversion's walk down the class hierarchy could otherwise
    make in the middle of it (see `PYSIDE_LAZY_CLASSES_CRASH`): those below `below` (a full name such
    as `EVENTS`), or every derived class of the PySide6 modules imported so far. Returns how many
    classes it went through (0 where not needed). Cheap the second time: made classes stay made, and
    while no other PySide6 module has been imported the hierarchy is not read again.

    Used instead of PySide6's own switch `PYSIDE6_OPTION_LAZY=0`, which makes every class of every
    module at import: 0.09 s and 5 MiB more before the first screen, where this costs about 5 ms
    before it (the event classes) and 45 ms and 3 MiB after it (the rest, on the large clinic).
    """
    if not workarounds_enabled() or "PySide6" not in sys.modules:
        return 0
    import PySide6
    from shiboken6 import Shiboken

    low, high = PYSIDE_LAZY_CLASSES_CRASH
    if not low <= tuple(PySide6.__version_info__[:2]) < high:
        return 0
    done = (below, frozenset(name for name in sys.modules if name.startswith("PySide6.")))
    if done in _classes_made:
        return _classes_made[done]
    edges = _pyside_class_edges(Shiboken)
    if not edges:
        import logging

        logging.getLogger("frontdesk").warning(
            "PySide6's class hierarchy could not be read; its classes are made when first used")
        return 0
    children: dict[str, list[str]] = {}
    for child, parent in edges:
        children.setdefault(parent, []).append(child)
    if below is None:
        wanted = [child for kids in children.values() for child in kids]
    else:
        wanted, waiting = [], [below]
        while waiting:
            kids = children.get(waiting.pop(), [])
            wanted.extend(kids)
            waiting.extend(kids)
    for full_name in wanted:
        module_name, _, name = full_name.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, name, None)
    _classes_made[done] = len(wanted)
    return len(wanted)


#: How many classes each call went through, by (its `below`, the PySide6 modules imported then):
#: the same call again, with no new module, has nothing left to make.
_classes_made: dict[tuple[str | None, frozenset[str]], int] = {}


def _pyside_class_edges(shiboken: Any) -> list[tuple[str, str]]:
    """(subclass, class) full names of shiboken's class hierarchy, from `Shiboken.dumpTypeGraph`: a
    debugging function of shiboken's public module (no underscore, though not in its .pyi) that
    writes the hierarchy as a Graphviz file (`"PySide6.QtGui.QDragEnterEvent" ->
    "PySide6.QtGui.QDragMoveEvent"`). Empty when it cannot be written or read."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="frontdesk-types-") as folder:
        path = os.path.join(folder, "classes.dot")
        try:
            if not shiboken.dumpTypeGraph(path):
                return []
            with open(path, encoding="utf-8") as graph:
                lines = [line.split('"') for line in graph if "->" in line]
        except (OSError, UnicodeDecodeError, AttributeError):
            return []
    return [(parts[1], parts[3]) for parts in lines if len(parts) >= 4]


# --- reportlab: two caches that make a printout about 40 % quicker -------------------------------------

#: reportlab versions the two caches were checked against (pyproject pins `reportlab>=4.1,<5.2`);
#: tests/reports/test_compat_pdfs.py proves on the installed version that every printout (consent,
#: intake blank and pre-filled, day sheet, eligibility summary; Latin, CJK, Hangul, Cyrillic, Greek
#: names) is byte for byte the same with the caches as without them.
REPORTLAB_CACHES_CHECKED = ((4, 1), (5, 2))

#: How often each cache saved the work ("subsets", "wraps"): the tests check that the caches ran.
reportlab_cache_hits: Counter[str] = Counter()

_MAX_SUBSETS = 256
_MAX_WRAPS = 4096


@cache
def _reportlab_checked() -> bool:
    import reportlab

    try:
        version = tuple(int(part) for part in reportlab.Version.split(".")[:2])
    except ValueError:
        return False
    low, high = REPORTLAB_CACHES_CHECKED
    return low <= version < high


_reportlab_on = False


def reportlab_caches_enabled() -> bool:
    """True when the reportlab caches run: a checked reportlab version and workarounds not switched off.
    Read again at the start of every document (`reports.layout.build_pdf`), so ``FRONTDESK_COMPAT=off``
    takes effect from the next one (the tests print both ways); the caches look at what was read, since
    reading the environment at each of their calls costs a tenth of their gain."""
    global _reportlab_on
    _reportlab_on = _reportlab_checked() and _switched_on(os.environ.get("FRONTDESK_COMPAT"))
    return _reportlab_on


def reuse_font_subsets(font: Any) -> bool:
    """Let a TrueType font embed again the compressed bytes of a subset it has embedded before; True
    when applied (a checked reportlab version whose font face has the expected methods).

    Why: building and compressing the font subsets is a fifth of the time a consent form takes (reportlab
    5.1, processor time on the 2-core test machine: 13.1 ms with both caches, 15.7 ms without this one,
    22.9 ms without either; a one-page reportlab document takes 6.7 ms), and document after document the
    same subsets come back, since the fixed wording of a form uses the same characters in the same order.
    reportlab has no public hook for it, so the font face's `addSubsetObjects` is replaced by one that
    makes the same objects reportlab's own makes (its code, reportlab 5.1), from a cache of the compressed
    font programs. An uncompressed or encrypted document, or the switch turned off, takes reportlab's own
    path.
    """
    face: Any = getattr(font, "face", None)
    original = getattr(face, "addSubsetObjects", None)
    if not _reportlab_checked() or not callable(original) or not callable(getattr(face, "makeSubset", None)):
        return False
    if getattr(original, "reuses_subsets", False):
        return True
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC

    subsets: dict[tuple[int, ...], tuple[int, bytes]] = {}

    def subset_objects(doc: Any, fontname: str, subset: list[int]) -> Any:
        if not _reportlab_on or not doc.compression or \
                not isinstance(doc.encrypt, pdfdoc.NoEncryption):
            return original(doc, fontname, subset)
        key = tuple(subset)
        known = subsets.get(key)
        if known is None:
            program = face.makeSubset(subset)
            known = (len(program), pdfdoc.PDFZCompress.encode(program))
            if len(subsets) >= _MAX_SUBSETS:
                subsets.clear()
            subsets[key] = known
        else:
            reportlab_cache_hits["subsets"] += 1
        length, compressed = known
        font_file = pdfdoc.PDFStream(content=compressed)
        font_file.dictionary["Length1"] = length
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
        font_file_ref = doc.Reference(font_file, f"fontFile:{face.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": face.ascent,
            "CapHeight": face.capHeight,
            "Descent": face.descent,
            "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": face.italicAngle,
            "StemV": face.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": face.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)

    subset_objects.reuses_subsets = True  # type: ignore[attr-defined]
    face.addSubsetObjects = subset_objects
    return True


@cache
def paragraph_type() -> type:
    """reportlab's `Paragraph`, breaking its lines once per text, style and width however often it is
    asked (with the caches on and a checked reportlab version).

    Why: tables measure each cell two or three times, and the fixed wording of a form is the same in
    every copy; breaking lines is the largest part of laying a form out (consent form, reportlab 5.1:
    13.1 ms with both caches, 19.4 ms without this one). The line breaks depend on nothing else, and
    drawing only reads them; reportlab keeps them in the paragraph's private state (`blPara`,
    `_wrapWidths`, `_width_max`), which is what is kept and put back. A piece of a paragraph split at
    a page end has no text to key on and is always broken afresh.
    """
    from reportlab.platypus import Paragraph

    kept = ("width", "height", "blPara", "frags", "_wrapWidths", "_width_max")
    wraps: dict[tuple[Any, ...], tuple[tuple[float, float], dict[str, Any]]] = {}

    class WrapRememberingParagraph(Paragraph):
        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            if self.text is None or not _reportlab_on:
                return super().wrap(availWidth, availHeight)  # type: ignore[no-any-return,unused-ignore]
            key = (self.text, self.style, self.bulletText, availWidth)
            known = wraps.get(key)
            if known is not None:
                reportlab_cache_hits["wraps"] += 1
                self.__dict__.update(known[1])
                return known[0]
            size: tuple[float, float] = super().wrap(availWidth, availHeight)
            if len(wraps) >= _MAX_WRAPS:
                wraps.clear()
            wraps[key] = (size, {name: self.__dict__[name] for name in kept if name in self.__dict__})
            return size

    return WrapRememberingParagraph
