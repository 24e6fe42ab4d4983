"""The storage layer and core services on SQLite and on a real PostgreSQL server."""

from dataclasses import replace
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from frontdesk.db.migrate import open_database
from frontdesk.db.models import Base
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.errors import Conflict
from frontdesk.services.database_check import check_database
from frontdesk.services.patients import open_patient, register_patient, search_patients, update_patient
from frontdesk.services.account_lookup import workstation_actor


def test_migrations_match_the_models(any_db_url):
    database = open_database(any_db_url)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    database.dispose()


@pytest.fixture
def clinic(any_db_url, clock):
    ctx = open_clinic(any_db_url, clock=clock)
    yield ctx
    ctx.database.dispose()


def test_patients_are_registered_found_and_protected_from_lost_updates(clinic):
    desk = workstation_actor(clinic, "desk1")
    zoe = register_patient(clinic, desk, PatientDetails("Ødegård", "Zoë", date(1984, 5, 6), phone="778 555 0101"))
    register_patient(clinic, desk, PatientDetails("蔡", "英文", date(1956, 8, 31), phone="604 555 0188"))
    assert [p.name for p in search_patients(clinic, desk, "odeg")] == ["Ødegård, Zoë"]
    assert [p.name for p in search_patients(clinic, desk, "蔡")] == ["蔡, 英文"]
    assert [p.name for p in search_patients(clinic, desk, "604555")] == ["蔡, 英文"]

    first = open_patient(clinic, desk, zoe.id)
    update_patient(clinic, desk, zoe.id, first.version, replace(first.details, preferred_name="Zo"))
    with pytest.raises(Conflict) as raised:
        update_patient(clinic, desk, zoe.id, first.version, replace(first.details, email="zoe@example.org"))
    current, changed = raised.value.current
    assert current.details.preferred_name == "Zo"
    assert "email" in changed


def test_check_passes_and_the_audit_chain_holds(clinic):
    desk = workstation_actor(clinic, "desk1")
    register_patient(clinic, desk, PatientDetails("Nguyễn", "Thị Mai", date(1990, 1, 2)))
    report = check_database(clinic)
    assert report.ok, report.problems
    assert report.counts["Patients"] == 1


def test_check_detects_an_edited_audit_entry(clinic):
    from sqlalchemy import text

    desk = workstation_actor(clinic, "desk1")
    register_patient(clinic, desk, PatientDetails("Łucja", "Kowalska", date(1971, 3, 4)))
    with clinic.database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET username = 'someone-else' WHERE action = 'create' "
                                "AND entity = 'patient'"))
    report = check_database(clinic)
    assert not report.ok
    assert any("changed after it was written" in p for p in report.problems)
