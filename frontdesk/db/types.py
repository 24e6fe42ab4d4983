"""Column types that keep instants unambiguous on every database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, read back as aware UTC.

    SQLite has no time-zone type and PostgreSQL's `timestamptz` converts on the way out; storing
    naive UTC in both keeps comparisons and indexes identical across the two.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def byte_ordered(length: int) -> String:
    """A string compared and sorted by code point on every database, as SQLite always does.

    Patient search matches keys with ranges (`key >= word AND key < word || U+10FFFF`). A PostgreSQL
    server whose default collation is linguistic (en_US, ICU) ignores some characters when comparing
    (the DEL that ends a phone range, spaces, punctuation) and would miss patients; "C" compares the
    bytes, which for UTF-8 is code point order, and keeps the column's index usable for the ranges.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")
