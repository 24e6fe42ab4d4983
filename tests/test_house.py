"""House rules a newcomer can rely on, checked on the source: modules small enough to read, and no
library's private internals outside `frontdesk/compat.py`."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "frontdesk"
LONGEST_MODULE = 600
#: Private internals the project once used for speed; they may live only in compat.py, version-gated.
PRIVATE_NAMES = {"_mod_uses_pyside", "shibokensupport", "addSubsetObjects", "_wrapWidths", "_width_max",
                 "blPara", "_cached_bind_processor", "_subset"}
LIBRARIES = ("PySide6", "shiboken6", "reportlab", "sqlalchemy", "alembic", "psycopg", "pypdfium2")


def app_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_no_module_of_the_app_is_longer_than_600_lines():
    lengths = {str(p.relative_to(PACKAGE)): p.read_text(encoding="utf-8").count("\n") for p in app_modules()}
    assert len(lengths) > 100  # the whole app was read
    assert {name: n for name, n in lengths.items() if n > LONGEST_MODULE} == {}


def private_uses(source: str) -> list[str]:
    """Private names of the libraries a module reaches for: imports of a private module or name, and
    the attributes and strings naming the internals listed above."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            parts = node.module.split(".") + [alias.name for alias in node.names]
            found += [part for part in parts if part.startswith("_") and not part.startswith("__")]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    found += [p for p in alias.name.split(".") if p.startswith("_") and not p.startswith("__")]
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_NAMES:
            found.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PRIVATE_NAMES:
            found.append(node.value)
    return found


def test_private_internals_of_libraries_only_in_compat():
    outside = {str(p.relative_to(PACKAGE)): uses for p in app_modules()
               if p.name != "compat.py" and (uses := private_uses(p.read_text(encoding="utf-8")))}
    assert outside == {}


def test_the_private_check_sees_what_it_looks_for():
    assert private_uses("from reportlab.pdfbase._fontdata import x\nface.addSubsetObjects = f\n") == [
        "_fontdata", "addSubsetObjects"]
    assert private_uses("from reportlab.platypus import Paragraph\nimport os._x\n") == []
