"""covering indexes for patient search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00

Search as you type orders matches by family name, given name and id and keeps the first 50. With one
index per search key, every match cost a table read before the sort: a two-letter prefix or an area
code touched thousands of rows (15 to 450 ms on 100,000 patients). Each new index leads with one key
and carries the other keys, the archived flag and (for the family-name index) the phone digits, so the
search reads indexes only and the table for the 50 rows it shows. The single-column indexes they
replace are prefixes of the new ones.
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

NEW = {
    "ix_patients_family_search": ["family_key", "given_key", "id", "preferred_key", "archived", "phone_digits"],
    "ix_patients_given_search": ["given_key", "family_key", "preferred_key", "archived"],
    "ix_patients_preferred_search": ["preferred_key", "family_key", "given_key", "archived"],
    "ix_patients_phone_search": ["phone_digits", "family_key", "given_key", "archived"],
}
OLD = {
    "ix_patients_family_key": ["family_key"],
    "ix_patients_given_key": ["given_key"],
    "ix_patients_preferred_key": ["preferred_key"],
    "ix_patients_phone_digits": ["phone_digits"],
}


def _swap(drop: dict[str, list[str]], create: dict[str, list[str]]) -> None:
    for name in drop:
        op.drop_index(name, table_name="patients")
    for name, columns in create.items():
        op.create_index(name, "patients", columns, unique=False)


def upgrade() -> None:
    _swap(OLD, NEW)


def downgrade() -> None:
    _swap(NEW, OLD)
