"""Phone numbers and email addresses as the clinic stores them."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REGION = "CA"


@dataclass(frozen=True)
class Phone:
    e164: str
    display: str
    #: The national number's digits ("2504931152"): what a receptionist types to search.
    digits: str


class ContactError(ValueError):
    pass


def parse_phone(text: str, region: str = DEFAULT_REGION) -> Phone:
    """A valid phone number in E.164 with its national display form; `ContactError` otherwise."""
    cleaned = text.strip()
    if not cleaned:
        raise ContactError("Enter a phone number.")
    if len(cleaned) > 40:
        raise ContactError("That is too long to be a phone number.")
    import phonenumbers  # its metadata takes a while to import; the first screen shows stored numbers only

    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as error:
        raise ContactError("That does not look like a phone number.") from error
    if not phonenumbers.is_valid_number(number):
        raise ContactError("That phone number is not valid; check the area code and the digits.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.region_code_for_number(number) in ("CA", "US"):
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    else:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Phone(e164=e164, display=display, digits=str(number.national_number))


def format_phone(e164: str) -> str:
    """The display form of a stored number ('' stays '')."""
    if not e164:
        return ""
    try:
        return parse_phone(e164).display
    except ContactError:
        return e164


def phone_search_digits(text: str) -> str:
    """Digits typed into a search box, without a leading North American 1."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits


def normalise_email(text: str) -> str:
    """A syntactically valid address, normalised; '' for empty; `ContactError` otherwise."""
    cleaned = text.strip()
    if not cleaned:
        return ""
    from email_validator import EmailNotValidError, validate_email  # slow to import; needed only here

    try:
        return validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ContactError(f"That email address is not valid: {error}") from error
