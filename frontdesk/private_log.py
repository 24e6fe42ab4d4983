"""The log file's formatter: a traceback keeps its frames but never the data a failing call carried.

The engine hides statement parameters (`hide_parameters=True`), but the database's own message can
still quote a row (PostgreSQL's "DETAIL: Failing row contains (...)", "Key (name)=(...)"), and any
exception may quote a value it could not handle (`KeyError('Nakamura')`, "invalid input: 'HIV+'").
So each exception's message is written with its quoted values blanked and the database's DETAIL,
CONTEXT and parameter lines left out. The statement (`[SQL: ...]`) is kept: with parameters bound
it holds column names, never values. Frames (file, line, function, source line) are code, not data.
"""

from __future__ import annotations

import logging
import re
import traceback

#: Text between matching quotes: 'x', "x", `x`, and the typographic ones.
_QUOTED = re.compile(r"""'[^'\n]*'|"[^"\n]*"|`[^`\n]*`|‘[^’\n]*’|“[^”\n]*”""")
#: Lines of a database error that carry row values or bound parameters.
_DATA_LINES = ("DETAIL:", "CONTEXT:", "[parameters:", "[SQL parameters", "Failing row contains", "Key (")
#: A message is cut here: anything longer is almost surely data.
MESSAGE_LIMIT = 400
BLANKED = "«…»"


def scrub_message(text: str) -> str:
    """An exception message with what it quotes blanked and data-bearing lines left out."""
    kept: list[str] = []
    in_statement = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(_DATA_LINES):
            in_statement = False
            continue
        if stripped.startswith("[SQL:"):
            in_statement = True
        if in_statement:
            kept.append(line)  # the statement's text: parameters are bound, never inlined
            if stripped.endswith("]"):
                in_statement = False
            continue
        kept.append(_QUOTED.sub(BLANKED, line)[:MESSAGE_LIMIT])
    return "\n".join(kept)


def _exception_lines(te: traceback.TracebackException) -> list[str]:
    lines: list[str] = []
    if te.__cause__ is not None:
        lines += _exception_lines(te.__cause__)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif te.__context__ is not None and not te.__suppress_context__:
        lines += _exception_lines(te.__context__)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if te.stack:
        lines.append("Traceback (most recent call last):\n")
        lines += te.stack.format()
    lines.append(scrub_message("".join(te.format_exception_only())) + "\n")
    return lines


def private_traceback(error: BaseException) -> str:
    """The traceback of `error` (and its causes) without the values its messages quote."""
    te = traceback.TracebackException(type(error), error, error.__traceback__, capture_locals=False)
    return "".join(_exception_lines(te)).rstrip("\n")


class PrivateFormatter(logging.Formatter):
    """A `logging.Formatter` whose tracebacks hold no patient data (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have formatted the record first and left its full traceback in
        # `exc_text`, which `logging.Formatter` would reuse as it is: always make our own.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        _kind, error, _tb = ei
        if error is None:
            return super().formatException(ei)
        return private_traceback(error)
