"""A patient's legal name: one name only is allowed (and printed as that one name)."""

from datetime import date

import pytest

from frontdesk.domain.patients import PatientDetails, display_name, validate_patient

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("family, given", [("Sukarno", ""), ("", "Sukarno"), ("Tsai", "Sofy")])
def test_one_legal_name_is_enough(family, given):
    clean, report = validate_patient(PatientDetails(family, given, date(1960, 6, 6)), TODAY)
    assert report.ok and clean is not None


def test_no_legal_name_at_all_is_refused_beside_both_fields():
    clean, report = validate_patient(PatientDetails(" ", "", date(1960, 6, 6)), TODAY)
    assert clean is None
    assert "one name the ID shows" in report.errors["family_name"] and "given_names" in report.errors


@pytest.mark.parametrize("family, given, preferred, shown", [
    ("Sukarno", "", "", "Sukarno"),
    ("", "Sukarno", "", "Sukarno"),
    ("Sukarno", "", "Karno", 'Sukarno "Karno"'),
    ("", "Sukarno", "Sukarno", "Sukarno"),
    ("Ødegård", "Zoë", "Zo", 'Ødegård, Zoë "Zo"'),
    ("Ødegård", "Zoë", "Zoë", "Ødegård, Zoë"),
])
def test_a_name_is_printed_as_the_person_has_it(family, given, preferred, shown):
    assert display_name(family, given, preferred) == shown
