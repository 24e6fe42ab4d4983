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
from types import ModuleType


def workarounds_enabled() -> bool:
    """False when ``FRONTDESK_COMPAT=off`` (or ``0``/``no``) asks for the libraries as they are."""
    return os.environ.get("FRONTDESK_COMPAT", "on").strip().lower() not in {"off", "0", "no", "false"}


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
    test on the file's bytes, with nothing kept, gives PySide6 the same answers. Any other PySide6
    version, or anything unexpected in its internals, leaves them as they are.
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
        if not isinstance(origin, str) or not origin.endswith(".py"):
            return bool(original(module))
        try:
            with open(origin, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False

    mentions_pyside.reads_bytes = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mentions_pyside  # type: ignore[union-attr]
    linecache.cache.pop(__file__, None)  # the one scan made before this replacement: this module's own
    return True
