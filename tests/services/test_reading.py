"""Reads that skip SQLAlchemy still check who is asking, and still say plainly what went wrong."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from frontdesk.db.models import AuditEvent
from frontdesk.services.errors import DatabaseBusy, DatabaseDamaged, PermissionDenied
from frontdesk.services.reading import translate_database_error
from frontdesk.services.schedule_view import day_schedule


def test_a_read_with_no_one_signed_in_is_refused_and_the_refusal_audited(ctx):
    with pytest.raises(PermissionDenied) as refused:
        day_schedule(ctx, None, date(2026, 11, 30))
    assert "No one signed in" in refused.value.message and "see the schedule" in refused.value.message
    with ctx.database.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (last.action, last.user_id, last.detail["attempted"]) == ("denied", None, "see the schedule")


@pytest.mark.parametrize(("error", "kind", "words"), [
    (sqlite3.OperationalError("database is locked"), DatabaseBusy, "busy"),
    (sqlite3.DatabaseError("file is not a database"), DatabaseDamaged, "damaged"),
    (sqlite3.DatabaseError("database disk image is malformed"), DatabaseDamaged, "damaged"),
])
def test_faults_of_a_plain_connection_read_as_those_through_sqlalchemy(error, kind, words):
    translated = translate_database_error(error)
    assert isinstance(translated, kind) and words in translated.message
    assert translate_database_error(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert translate_database_error(ValueError("database is locked")) is None
