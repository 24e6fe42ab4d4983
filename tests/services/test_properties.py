"""Property-based tests over patient registration and changes: any input is either stored and read
back exactly as the documented cleaning (`validate_patient`) leaves it, or refused field by field."""

from dataclasses import fields, replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.domain.patients import PatientDetails, validate_patient
from frontdesk.domain.payer import Payer
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.account_lookup import workstation_actor

PROPERTIES = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Anything a keyboard, a paste from a web page or a broken scanner can produce.
ANY_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "So"))),
    st.text(alphabet=st.characters(), min_size=1, max_size=30).map(lambda s: (s * 10_000)[:10_000]),
    st.sampled_from(["Zoë", "蔡英文", "O'Brien-Smith", "Ødegård", "  ", "\x00", "\ud800", "🙂" * 300]),
)
NAMES = st.one_of(
    st.sampled_from(["Zoë", "Nakamura", "蔡", "Ødegård", "O'Brien-Smith", "Nguyễn Thị"]),
    st.text(min_size=1, max_size=60),
)
PHONES = st.sampled_from(["", "778 555 0101", "(250) 493-1152", "+44 20 7946 0958"])
EMAILS = st.sampled_from(["", "zoe@example.ca", "Aiko.Nakamura@Clinic.Example.com"])
PAST_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 25))
FREE_TEXT = st.one_of(st.text(max_size=300), ANY_TEXT.filter(lambda s: len(s) <= 2000))

#: Details a form could plausibly hold: names, dates and contacts mostly valid, free text anything.
PLAUSIBLE = st.builds(
    PatientDetails,
    family_name=NAMES,
    given_names=NAMES,
    date_of_birth=PAST_DATES,
    preferred_name=st.one_of(st.just(""), NAMES),
    phone=PHONES,
    email=EMAILS,
    address=FREE_TEXT,
    emergency_contact=FREE_TEXT,
    payer=st.sampled_from([Payer.self_pay.value, Payer.private_plan.value]),
    plan_details=FREE_TEXT,
    notes=ANY_TEXT,
)

#: Anything at all in any field: arbitrary Unicode, control characters, 10,000 characters, dates
#: before 1900 or in the future, unknown payers.
WILD_VALUES = {
    "family_name": ANY_TEXT, "given_names": ANY_TEXT, "preferred_name": ANY_TEXT, "phone": ANY_TEXT,
    "email": ANY_TEXT, "address": ANY_TEXT, "emergency_contact": ANY_TEXT, "plan_details": ANY_TEXT,
    "referral_doctor": ANY_TEXT, "claim_number": ANY_TEXT, "notes": ANY_TEXT,
    "payer": st.one_of(st.sampled_from([p.value for p in Payer]), st.text(max_size=20)),
    "date_of_birth": st.one_of(st.none(), st.dates()), "referral_date": st.one_of(st.none(), st.dates()),
}


@st.composite
def _wild(draw):
    details = draw(PLAUSIBLE)
    names = draw(st.lists(st.sampled_from(sorted(WILD_VALUES)), min_size=1, max_size=3, unique=True))
    return replace(details, **{name: draw(WILD_VALUES[name]) for name in names})


DETAILS = st.one_of(PLAUSIBLE, _wild())


def _expected(ctx, details):
    clean, _report = validate_patient(details, ctx.today())
    return clean.details if clean is not None else None


def _assert_stored_exactly(ctx, actor, record, details):
    expected = _expected(ctx, details)
    assert expected is not None
    assert record.details == expected
    reread = open_patient(ctx, actor, record.id).details
    for f in fields(PatientDetails):
        assert getattr(reread, f.name) == getattr(expected, f.name), f.name


@pytest.fixture
def desk(any_db_url, clock):
    from frontdesk.services.bootstrap import open_clinic

    ctx = open_clinic(any_db_url, clock=clock)
    yield ctx, workstation_actor(ctx, "owner")
    ctx.database.dispose()


@PROPERTIES
@given(details=DETAILS)
def test_registering_any_input_stores_it_exactly_or_refuses_it(desk, details):
    ctx, actor = desk
    try:
        record = register_patient(ctx, actor, details, confirmed_new=True)
    except ValidationFailed as refused:
        assert refused.errors and all(isinstance(m, str) and m for m in refused.errors.values())
        return
    _assert_stored_exactly(ctx, actor, record, details)


@PROPERTIES
@given(change=DETAILS)
def test_changing_a_patient_to_any_input_stores_it_exactly_or_keeps_the_old_record(desk, change):
    ctx, actor = desk
    original = register_patient(ctx, actor, PatientDetails("Stable", "Sam", date(1975, 7, 7)), confirmed_new=True)
    try:
        updated = update_patient(ctx, actor, original.id, original.version, change)
    except ValidationFailed as refused:
        assert refused.errors
        assert open_patient(ctx, actor, original.id).details == original.details
        return
    assert updated.version == original.version + 1
    _assert_stored_exactly(ctx, actor, updated, change)


@PROPERTIES
@given(family=ANY_TEXT, notes=ANY_TEXT)
def test_a_valid_record_with_any_name_and_notes_round_trips(desk, family, notes):
    ctx, actor = desk
    details = replace(PatientDetails("Base", "Case", date(1990, 1, 1)), family_name=family, notes=notes)
    try:
        record = register_patient(ctx, actor, details, confirmed_new=True)
    except ValidationFailed as refused:
        assert set(refused.errors) <= {"family_name", "notes"}
        return
    _assert_stored_exactly(ctx, actor, record, details)
