"""Admins see and export who looked at or changed a patient's file; the chain shows tampering."""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import update

from frontdesk.db.models import AuditEvent
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.audit import audit_for_patient, export_audit_csv, verify_chain
from frontdesk.services.errors import NotFound
from frontdesk.services.patients import open_patient, register_patient, update_patient

ZOE = PatientDetails(family_name="Ødegård", given_names="Zoë", date_of_birth=date(1985, 3, 4),
                     phone="250 493 1152")
LI = PatientDetails(family_name="Tsai", given_names="Li", date_of_birth=date(1990, 7, 1), phone="604-555-0199")


@pytest.fixture
def zoe(ctx, reception, physio, clock):
    record = register_patient(ctx, reception, ZOE)
    clock.advance(minutes=5)
    open_patient(ctx, physio, record.id)
    clock.advance(minutes=5)
    update_patient(ctx, reception, record.id, record.version, replace(ZOE, email="zoe@example.ca"))
    other = register_patient(ctx, reception, LI)
    open_patient(ctx, physio, other.id)
    return record


def test_a_patients_trail_says_who_did_what_when_to_which_record(ctx, admin, zoe, clock):
    entries = audit_for_patient(ctx, admin, zoe.id)
    assert [(e.username, e.display_name, e.what) for e in entries] == [
        ("desk", "Front Desk Reception", "Registered the patient"),
        ("cstokes", "Chris Stokes", "Opened the patient's record"),
        ("desk", "Front Desk Reception", "Changed the patient's record: email"),
    ]
    assert [ctx.local(e.at).strftime("%H:%M") for e in entries] == ["10:00", "10:05", "10:10"]
    assert {(e.record, e.entity_id, e.patient_id) for e in entries} == {("patient", zoe.id, zoe.id)}


def test_looking_at_the_trail_is_itself_recorded(ctx, admin, zoe):
    audit_for_patient(ctx, admin, zoe.id)
    latest = audit_for_patient(ctx, admin, zoe.id)[-1]
    assert (latest.username, latest.what) == ("owner", "Looked at this audit trail")


def test_an_unknown_patient_is_reported(ctx, admin):
    with pytest.raises(NotFound):
        audit_for_patient(ctx, admin, 999)


def test_export_writes_a_private_csv_with_clinic_times(ctx, admin, zoe, tmp_path):
    path = export_audit_csv(ctx, admin, zoe.id, tmp_path / "zoe-trail.csv")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["User"], r["What"]) for r in rows] == [
        ("desk", "Registered the patient"),
        ("cstokes", "Opened the patient's record"),
        ("desk", "Changed the patient's record: email"),
    ]
    assert rows[0]["When"] == "2026-11-25T10:00:00-08:00"
    assert not list(tmp_path.glob("*.partial"))
    assert audit_for_patient(ctx, admin, zoe.id)[-1].what == "Exported this audit trail"


def test_export_to_a_missing_folder_says_so(ctx, admin, zoe, tmp_path):
    from frontdesk.services.errors import ServiceError

    with pytest.raises(ServiceError, match="does not exist"):
        export_audit_csv(ctx, admin, zoe.id, tmp_path / "nowhere" / "trail.csv")


def test_the_chain_is_intact_until_someone_edits_an_entry(ctx, admin, zoe):
    assert verify_chain(ctx, admin) == []
    with ctx.database.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.action == "view").values(username="someone_else"))
        session.commit()
    problems = verify_chain(ctx, admin)
    assert problems and all("changed after it was written" in p for p in problems)


def test_the_exported_trail_runs_no_formula(ctx, admin, zoe, tmp_path):
    from frontdesk.domain.roles import Role
    from frontdesk.services.patients import open_patient
    from frontdesk.services.user_accounts import create_user

    mallory = create_user(ctx, admin, "mallory", '=HYPERLINK("http://evil.example","Open")', Role.RECEPTION)
    open_patient(ctx, mallory, zoe.id)
    path = export_audit_csv(ctx, admin, zoe.id, tmp_path / "trail.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["Name"] for row in rows if row["User"] == "mallory"]
    assert names and all(name.startswith("'=HYPERLINK") for name in names)
