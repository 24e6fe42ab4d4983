"""A patient's identifying details: what is accepted, and how names are searched."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from frontdesk.domain.contact import ContactError, normalise_email, parse_phone

MAX_NAME = 200
MAX_TEXT = 2000
MAX_NOTES = 10000
EARLIEST_BIRTH = date(1900, 1, 1)


def search_key(text: str) -> str:
    """Case- and accent-folded form of a name: "Zoë Ødegård" and "zoe odegard" find each other."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().replace("ø", "o").replace("ł", "l").replace("đ", "d").replace("æ", "ae")
    return " ".join(folded.split())


#: What separates the words of a typed search besides spaces: the comma of "Family, Given" (the way the
#: app prints names), the quotes around a preferred name, and the like.
_SEARCH_SEPARATORS = re.compile(r"[,;\"“”()]+")


def search_words(text: str) -> list[str]:
    """The words of a typed name search, folded like the stored keys: "Kelly, D" and "d kelly" both give
    the words "kelly" and "d", each of which must start one of the patient's names."""
    return search_key(_SEARCH_SEPARATORS.sub(" ", text)).split()


def family_given(text: str) -> tuple[str, str] | None:
    """A search typed the way the app prints names, "Family, Given": the family part and the given part,
    each folded like the stored keys ("Ødegård, Zoë \"Zo\"" gives ("odegard", "zoe"): the quoted
    preferred name that follows the given names is left out). None without a comma or with an empty
    family part."""
    if "," not in text:
        return None
    family, _comma, given = text.partition(",")
    given = given.split('"', 1)[0].split("“", 1)[0]
    family_key = search_key(_SEARCH_SEPARATORS.sub(" ", family))
    given_key = search_key(_SEARCH_SEPARATORS.sub(" ", given))
    return (family_key, given_key) if family_key else None


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Text as typed, minus invisible control characters (tabs and, where allowed, line breaks kept)."""
    allowed = {"\n", "\t"} if multiline else set()
    normalised = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in normalised if ch in allowed or unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.strip() if not multiline else kept.strip("\n ")


@dataclass(frozen=True)
class PatientDetails:
    """What the registration form holds; dates already parsed by the form or the caller."""

    family_name: str
    given_names: str
    date_of_birth: date | None
    preferred_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    emergency_contact: str = ""
    payer: str = "self_pay"
    plan_details: str = ""
    referral_doctor: str = ""
    referral_date: date | None = None
    claim_number: str = ""
    notes: str = ""
    #: The patient agreed to appointment reminders by email, and on which day (recorded when ticked).
    email_reminders: bool = False
    email_reminders_agreed_on: date | None = None


@dataclass(frozen=True)
class CleanPatient:
    details: PatientDetails
    phone_e164: str
    phone_digits: str
    email: str
    #: The number as people write it ("(250) 493-1152"), kept beside the stored E.164 form.
    phone_display: str = ""


@dataclass
class ValidationReport:
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_patient(details: PatientDetails, today: date) -> tuple[CleanPatient | None, ValidationReport]:
    """Clean and check every field at once; the report names each field that cannot be saved."""
    report = ValidationReport()
    errors = report.errors
    family = clean_text(details.family_name)
    given = clean_text(details.given_names)
    preferred = clean_text(details.preferred_name)
    if not family and not given:
        # A person may have one legal name only (BC records allow it): either field may hold it.
        errors["family_name"] = ("Enter the legal name as on the patient's ID: the family name, the given "
                                 "name(s), or the one name the ID shows.")
        errors["given_names"] = "Enter the given name(s), or leave this empty if the ID shows one name only."
    elif len(family) > MAX_NAME:
        errors["family_name"] = f"Keep the family name under {MAX_NAME} characters."
    if len(given) > MAX_NAME:
        errors["given_names"] = f"Keep the given names under {MAX_NAME} characters."
    if len(preferred) > MAX_NAME:
        errors["preferred_name"] = f"Keep the preferred name under {MAX_NAME} characters."
    dob = details.date_of_birth
    if dob is None:
        errors["date_of_birth"] = "Enter the date of birth."
    elif dob > today:
        errors["date_of_birth"] = "The date of birth is in the future."
    elif dob < EARLIEST_BIRTH:
        errors["date_of_birth"] = "Check the year of birth; it is before 1900."
    phone_e164 = phone_digits = phone_display = ""
    if details.phone.strip():
        try:
            phone = parse_phone(details.phone)
            phone_e164, phone_digits, phone_display = phone.e164, phone.digits, phone.display
        except ContactError as error:
            errors["phone"] = str(error)
    email = ""
    try:
        email = normalise_email(details.email)
    except ContactError as error:
        errors["email"] = str(error)
    for key, limit in (("address", MAX_TEXT), ("emergency_contact", MAX_TEXT), ("plan_details", MAX_TEXT),
                       ("referral_doctor", MAX_NAME), ("claim_number", 64), ("notes", MAX_NOTES)):
        if len(getattr(details, key)) > limit:
            errors[key] = f"Keep this under {limit:,} characters."
    if details.referral_date is not None and details.referral_date > today:
        errors["referral_date"] = "The referral date is in the future."
    agreed_on = details.email_reminders_agreed_on if details.email_reminders else None
    if details.email_reminders:
        if not email and "email" not in errors:
            errors["email_reminders"] = "Enter the email address the reminders go to, or untick reminders."
        if agreed_on is None:
            agreed_on = today
        elif agreed_on > today:
            errors["email_reminders_agreed_on"] = "The day the patient agreed is in the future."
        elif agreed_on < EARLIEST_BIRTH:
            errors["email_reminders_agreed_on"] = "Check the year the patient agreed."
    if errors:
        return None, report
    cleaned = PatientDetails(
        family_name=family,
        given_names=given,
        preferred_name=preferred,
        date_of_birth=dob,
        phone=phone_e164,
        email=email,
        address=clean_text(details.address, multiline=True),
        emergency_contact=clean_text(details.emergency_contact, multiline=True),
        payer=details.payer,
        plan_details=clean_text(details.plan_details, multiline=True),
        referral_doctor=clean_text(details.referral_doctor),
        referral_date=details.referral_date,
        claim_number=clean_text(details.claim_number),
        notes=clean_text(details.notes, multiline=True),
        email_reminders=details.email_reminders,
        email_reminders_agreed_on=agreed_on,
    )
    return CleanPatient(details=cleaned, phone_e164=phone_e164, phone_digits=phone_digits, email=email,
                        phone_display=phone_display), report


def display_name(family: str, given: str, preferred: str = "") -> str:
    """'Ødegård, Zoë ("Zo")' — family name first, as the front desk files them; a person with one
    legal name only is that name ('Sukarno', not 'Sukarno, ')."""
    name = f"{family}, {given}" if family and given else family or given
    if preferred and preferred != given and preferred != name:
        name += f' "{preferred}"'
    return name


def _writes_family_first(text: str) -> bool:
    """True for names in scripts written family name first with no comma (Chinese, Japanese, Korean)."""
    return any("\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"
               or "\uf900" <= char <= "\ufaff" for char in text)


def reading_name(family: str, given: str) -> str:
    """The legal name as the person writes it: 'Zoë Ødegård', '蔡英文' (family name first in Chinese,
    Japanese and Korean, when both names are written so), or the one name of a person who has only
    one. A name in two scripts keeps the space between its parts ('美玲 Wong', not 'Wong美玲')."""
    family, given = family.strip(), given.strip()
    if not family or not given:
        return family or given
    if _writes_family_first(family) and _writes_family_first(given):
        return family + given
    return f"{given} {family}"
