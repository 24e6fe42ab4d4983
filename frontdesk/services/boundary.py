"""The service boundary's one check of every value a use case is given (rules in `domain.inputs`).

`@checked_inputs` on a public service walks its arguments, and the fields of the records it is
given (a booking request, a patient's details ...), by the name each value is passed under, and
refuses the call with one `ValidationFailed` naming every bad field before any query runs. So a NUL
in a note, the year 9999 or an id of 2**63 is the same plain refusal on SQLite and PostgreSQL,
never a database error.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from datetime import date, time, timedelta
from enum import Enum
from typing import Any, TypeVar

from frontdesk.domain.inputs import date_problem, id_problem, is_id_field, text_problem, text_rule, whole_number_problem
from frontdesk.services.errors import ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])

#: Parameters that are the caller's context, never input.
_NOT_INPUT = frozenset({"ctx", "actor", "session_actor", "session", "reader", "prompts"})
_DEPTH = 4


def input_problems(values: Mapping[str, object]) -> dict[str, str]:
    """Every bad value among `values` (name → value), as field → message."""
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in _NOT_INPUT:
            _walk(name, value, problems, _DEPTH)
    return problems


def _walk(field: str, value: object, problems: dict[str, str], depth: int) -> None:
    if field in problems or value is None or isinstance(value, (bool, Enum, bytes, time, timedelta)):
        return
    problem = None
    if isinstance(value, str):
        problem = text_problem(value, text_rule(field))
    elif isinstance(value, int):
        problem = id_problem(value) if is_id_field(field) else whole_number_problem(value)
    elif isinstance(value, date):
        problem = date_problem(value)
    elif depth <= 0:
        return
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _walk(item.name, getattr(value, item.name), problems, depth - 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(key if isinstance(key, str) else field, item, problems, depth - 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _walk(field, item, problems, depth - 1)
    if problem is not None:
        problems[field] = problem


def check_inputs(**values: object) -> None:
    """Refuse with `ValidationFailed` when any of `values` cannot be stored or looked up."""
    problems = input_problems(values)
    if problems:
        said = dict.fromkeys(problems.values())  # each message once, in order
        raise ValidationFailed(problems, " ".join(said))


def checked_inputs(fn: F) -> F:
    """Check every argument of the service `fn` (see the module's docstring) before it runs."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)  # the call's own error, as without the check
        check_inputs(**bound.arguments)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
