"""What any value must be before the clinic's own rules look at it: text, dates and record numbers.

These are the limits of what can be stored at all, the same on SQLite and PostgreSQL, and what a
person can read back as it was typed:

- text holds no control characters (NUL and the like: PostgreSQL cannot store NUL, SQLite would)
  except line breaks and tabs, no unpaired surrogate halves, and no invisible text-direction
  overrides (U+202E makes a name display differently from what is stored); a name shows at least
  one visible character (not only zero-width ones); each kind of text has a length limit;
- dates lie between 1 January 1900 and 31 December 2200; a time carries its zone and is one the
  clocks show (not one skipped when they go forward);
- record numbers (ids) are whole numbers from 1 to 2**31 - 1, and every other whole number fits
  in 32 bits: the schema's columns are INTEGER, which PostgreSQL holds in 32 bits (2**31 is
  "integer out of range" there, while SQLite takes up to 2**63 - 1 and Python any size).

Each rule answers with the message to show, or None when the value is fine.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
LARGEST_ID = 2**31 - 1
SMALLEST_INT = -(2**31)

#: Line breaks and tabs: the only control characters text may hold (single-line fields fold them away).
ALLOWED_CONTROLS = frozenset("\n\r\t")
#: Invisible characters that change the direction text is shown in.
DIRECTION_OVERRIDES = frozenset("\u202d\u202e")
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class TextRule:
    max_length: int
    multiline: bool = False
    #: A name must show something: at least one visible character.
    name: bool = False


SHORT_TEXT = TextRule(1_000)
NAME = TextRule(200, name=True)
FREE_TEXT = TextRule(10_000, multiline=True)
SECRET = TextRule(1_000)

#: The rule for a value by the name it is passed under (a service's parameter or a record's field).
TEXT_RULES: dict[str, TextRule] = {
    **dict.fromkeys(("family_name", "given_names", "preferred_name", "full_name", "display_name",
                     "signer_name", "username", "name"), NAME),
    **dict.fromkeys(("notes", "note", "reason", "cancel_reason", "address", "emergency_contact",
                     "plan_details", "presenting_condition"), FREE_TEXT),
    **dict.fromkeys(("password", "current_password", "new_password"), SECRET),
}


def text_rule(field: str) -> TextRule:
    return TEXT_RULES.get(field, SHORT_TEXT)


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] not in "ZCM"


def text_problem(value: object, rule: TextRule = SHORT_TEXT) -> str | None:
    """Why `value` cannot be stored as text under `rule`, or None."""
    if not isinstance(value, str):
        return "This must be text."
    if len(value) > rule.max_length:
        return f"Keep this under {rule.max_length:,} characters."
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in ALLOWED_CONTROLS:
            return ("This holds an invisible control character (often from a paste), which cannot be "
                    "saved. Retype it, or paste it as plain text.")
        if category == "Cs":
            return "This holds a broken character that cannot be saved. Retype it."
        if ch in DIRECTION_OVERRIDES or (ch in DIRECTION_CONTROLS and not rule.multiline):
            return ("This holds an invisible character that changes the direction the text is shown in, "
                    "so it would not read as it is stored. Retype it without that character.")
    if rule.name and value.strip() and not any(_visible(ch) for ch in value):
        return "This name has no visible letters. Type the name as it is written."
    return None


def date_problem(value: object) -> str | None:
    """Why `value` is not a usable date (or date and time), or None."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return "This time has no time zone."
        if not EARLIEST_DATE <= value.date() <= LATEST_DATE:
            return _DATE_RANGE
        if value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None) != value.replace(tzinfo=None):
            return "That time does not exist on that day: the clocks go forward then. Choose another time."
        return None
    if isinstance(value, date):
        return None if EARLIEST_DATE <= value <= LATEST_DATE else _DATE_RANGE
    return "This must be a date."


_DATE_RANGE = (f"Choose a date between {EARLIEST_DATE.day} January {EARLIEST_DATE.year} and "
               f"{LATEST_DATE.day} December {LATEST_DATE.year}.")


def id_problem(value: object) -> str | None:
    """Why `value` cannot be a record's number, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "This record number is not a whole number."
    if not 1 <= value <= LARGEST_ID:
        return "There is no record with that number."
    return None


def whole_number_problem(value: int) -> str | None:
    """Why a whole number cannot be stored (beyond 64 bits), or None."""
    return None if SMALLEST_INT <= value <= LARGEST_ID else "This number is far too large."


def is_id_field(field: str) -> bool:
    return field == "id" or field.endswith(("_id", "_ids"))
