from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from frontdesk.db.models import AuditEvent, Patient
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.patients import (
    open_patient,
    register_patient,
    restore_patient,
    search_patients,
    set_patient_archived,
    update_patient,
)
from frontdesk.services.intake_records import PossibleDuplicate
from frontdesk.services.unit_of_work import UnitOfWork

ZOE = PatientDetails(family_name="Ødegård", given_names="Zoë", preferred_name="Zo",
                     date_of_birth=date(1985, 3, 4), phone="250 493 1152", email="zoe@example.ca")
LI = PatientDetails(family_name="Tsai", given_names="Li", date_of_birth=date(1990, 7, 1), phone="604-555-0199")


def count_patients(ctx) -> int:
    with UnitOfWork(ctx, None) as uow:
        return uow.session.scalar(select(func.count()).select_from(Patient))


def test_register_normalises_phone_and_email_and_is_audited(ctx, reception):
    record = register_patient(ctx, reception, ZOE)
    assert record.details.phone == "+12504931152"
    assert record.phone_display == "(250) 493-1152"
    assert record.name == 'Ødegård, Zoë "Zo"'
    assert record.version == 1
    with UnitOfWork(ctx, None) as uow:
        actions = list(uow.session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == record.id)))
    assert actions == ["create"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # One legal name is enough (see test_one_legal_name.py); none at all is refused beside both.
        ({"family_name": "  ", "given_names": ""}, "family_name"),
        ({"family_name": "", "given_names": " "}, "given_names"),
        ({"date_of_birth": None}, "date_of_birth"),
        ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth"),
        ({"phone": "555"}, "phone"),
        ({"email": "not an email"}, "email"),
        ({"payer": "worksafebc"}, "referral_doctor"),
        ({"payer": "icbc"}, "claim_number"),
        ({"payer": "icbc"}, "referral_date"),
    ],
)
def test_invalid_details_are_refused_field_by_field_and_nothing_is_saved(ctx, reception, change, field):
    with pytest.raises(ValidationFailed) as refused:
        register_patient(ctx, reception, replace(ZOE, **change))
    assert field in refused.value.errors
    assert count_patients(ctx) == 0


def test_a_claim_with_its_referral_is_accepted(ctx, reception):
    details = replace(LI, payer="worksafebc", referral_doctor="Dr. Ann Lee", referral_date=date(2026, 11, 1),
                      claim_number="WCB-123")
    assert register_patient(ctx, reception, details).details.claim_number == "WCB-123"


@pytest.mark.parametrize(
    "other",
    [
        replace(ZOE, phone="", email=""),  # same name (accents folded) and birth date
        PatientDetails(family_name="Odegard", given_names="Zoe", date_of_birth=date(1985, 3, 4)),
        PatientDetails(family_name="Someone", given_names="Else", date_of_birth=date(1970, 1, 1),
                       phone="+1 (250) 493-1152"),  # same phone
    ],
)
def test_probable_duplicates_need_confirmation(ctx, reception, other):
    first = register_patient(ctx, reception, ZOE)
    with pytest.raises(PossibleDuplicate) as warned:
        register_patient(ctx, reception, other)
    assert [match.id for match in warned.value.matches] == [first.id]
    assert count_patients(ctx) == 1
    register_patient(ctx, reception, other, confirmed_new=True)
    assert count_patients(ctx) == 2


def test_update_checks_the_version_and_reports_what_the_other_person_changed(ctx, reception, admin):
    record = register_patient(ctx, reception, ZOE)
    saved = update_patient(ctx, admin, record.id, record.version, replace(ZOE, email="zo@example.ca"))
    assert saved.version == 2
    with pytest.raises(Conflict) as clash:
        update_patient(ctx, reception, record.id, record.version, replace(ZOE, address="1 Main St"))
    current, differing = clash.value.current
    assert current.details.email == "zo@example.ca"
    assert set(differing) == {"email", "address"}
    assert open_patient(ctx, reception, record.id).details.address == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zoe", ["Zoë"]),
        ("ZOË", ["Zoë"]),
        ("odeg", ["Zoë"]),
        ("zo ode", ["Zoë"]),
        ("tsai li", ["Li"]),
        ("Tsai, Li", ["Li"]),  # the way the app prints names
        ("tsai, l", ["Li"]),
        ("li tsai", ["Li"]),  # given name first
        ("l ts", ["Li"]),  # prefixes of both words
        ('Ødegård, Zoë "Zo"', ["Zoë"]),  # a printed name with its preferred name, pasted
        ("odegard,zoe", ["Zoë"]),
        ("tsai, zoe", []),
        ("ts, l", ["Li"]),
        ("li, tsai", ["Li"]),  # the wrong way round with a comma: found by the words in any order
        ("odegard, zo", ["Zoë"]),  # the preferred name after the comma
        ("250 493", ["Zoë"]),
        ("(604) 555-01", ["Li"]),
        ("1-250-493-1152", ["Zoë"]),
        ("1985-03-04", ["Zoë"]),
        ("1990/7/1", ["Li"]),
        ("nobody", []),
        ("", []),
    ],
)
def test_search_by_name_phone_or_birth_date(ctx, reception, query, expected):
    register_patient(ctx, reception, ZOE)
    register_patient(ctx, reception, LI)
    found = search_patients(ctx, reception, query)
    assert [open_patient(ctx, reception, hit.id).details.given_names for hit in found] == expected


def test_family_comma_given_takes_the_part_after_the_comma_as_the_given_name(ctx, reception):
    jack = register_patient(ctx, reception, PatientDetails(family_name="Sinclair", given_names="Jack Lucas",
                                                           date_of_birth=date(2004, 4, 30)))
    shirley = register_patient(ctx, reception, PatientDetails(family_name="Sinclair", given_names="Shirley",
                                                              date_of_birth=date(1978, 12, 26)))
    assert [hit.id for hit in search_patients(ctx, reception, "sinclair, s")] == [shirley.id]
    assert [hit.id for hit in search_patients(ctx, reception, "Sinclair, Jack L")] == [jack.id]
    assert [hit.id for hit in search_patients(ctx, reception, "sinclair s")] == [jack.id, shirley.id]  # any name
    assert [hit.id for hit in search_patients(ctx, reception, "sinclair,")] == [jack.id, shirley.id]


def test_archived_patients_are_found_and_marked(ctx, reception):
    record = register_patient(ctx, reception, LI)
    set_patient_archived(ctx, reception, record.id, True)
    found = search_patients(ctx, reception, "tsai, li")
    assert [(hit.id, hit.archived) for hit in found] == [(record.id, True)]
    assert search_patients(ctx, reception, "tsai", include_archived=False) == []


def test_restoring_an_archived_record_is_audited_and_refused_without_the_permission(ctx, reception):
    record = register_patient(ctx, reception, LI)
    archived = set_patient_archived(ctx, reception, record.id, True)
    with pytest.raises(PermissionDenied):
        restore_patient(ctx, None, record.id)
    assert open_patient(ctx, reception, record.id).archived
    restored = restore_patient(ctx, reception, record.id)
    assert not restored.archived and restored.version == archived.version + 1
    assert [hit.archived for hit in search_patients(ctx, reception, "tsai")] == [False]
    assert restore_patient(ctx, reception, record.id).version == restored.version  # already active: no change
    with UnitOfWork(ctx, None) as uow:
        actions = list(uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == record.id).order_by(AuditEvent.id)))
    assert actions.count("unarchive") == 1 and actions.index("archive") < actions.index("unarchive")


def test_no_one_signed_in_may_not_open_a_record(ctx, reception):
    record = register_patient(ctx, reception, LI)
    with pytest.raises(PermissionDenied):
        open_patient(ctx, None, record.id)


def test_search_results_show_the_phone_as_written_and_follow_an_edit(ctx, reception):
    """The display form is stored when the patient is saved; a changed or removed number shows at once."""
    record = register_patient(ctx, reception, LI)
    assert [hit.phone for hit in search_patients(ctx, reception, "tsai")] == ["(604) 555-0199"]
    record = update_patient(ctx, reception, record.id, record.version, replace(LI, phone="+1 250.493.1152"))
    assert [hit.phone for hit in search_patients(ctx, reception, "tsai")] == ["(250) 493-1152"]
    assert [hit.phone for hit in search_patients(ctx, reception, "250493")] == ["(250) 493-1152"]
    assert search_patients(ctx, reception, "604555") == []
    update_patient(ctx, reception, record.id, record.version, replace(LI, phone=""))
    assert [hit.phone for hit in search_patients(ctx, reception, "tsai")] == [""]


def test_a_row_saved_without_its_display_form_still_shows_the_number(ctx, reception):
    """A record written by other means (an older copy, a hand-made import) formats its number when shown."""
    record = register_patient(ctx, reception, ZOE)
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Patient, record.id).phone_display = ""
        uow.commit()
    assert [hit.phone for hit in search_patients(ctx, reception, "odeg")] == ["(250) 493-1152"]
