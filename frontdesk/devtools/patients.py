"""The patients of the generated clinic."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from frontdesk.db.models import Patient
from frontdesk.devtools.words import DOCTORS, NAME_GROUPS, NOTES, PLANS, RELATIONS, STREETS, TOWNS, PhoneBook, person
from frontdesk.domain.patients import search_key

if TYPE_CHECKING:
    from frontdesk.devtools.clinic import Generator


def write_patients(gen: Generator) -> None:
    """The plan's patients, registered on days spread over the range (and a year or more before it), in
    id order; search keys and phone numbers in the forms the patient service stores."""
    rng, plan = gen.rng, gen.plan
    count = plan.patients
    pre_days = max(365, plan.days_back // 20)
    # Registration (day index, minute), in id order; nobody registers after now.
    days = sorted(rng.randrange(-pre_days, gen.today_index + 1) for _ in range(count))
    gen.registered = []
    for day_index in days:
        minute = 8 * 60 + 15 * rng.randrange(0, 36)
        if day_index == gen.today_index:
            minute = min(minute, max(0, gen.now_minute - 15) // 15 * 15)
        gen.registered.append((day_index, minute))
    gen.first_patient = gen.next_id(Patient)
    phones = PhoneBook(rng)
    keys: dict[str, str] = {}

    def key(text: str) -> str:
        found = keys.get(text)
        if found is None:
            found = keys[text] = search_key(text)
        return found

    rows = []
    for offset, (day_index, minute) in enumerate(gen.registered):
        patient_id = gen.first_patient + offset
        family, given, preferred = person(rng)
        age_years = rng.randint(*rng.weighted(((6, 17), (18, 39), (40, 64), (65, 96)), (6, 30, 44, 20)))
        born = gen.today - timedelta(days=age_years * 365 + rng.randrange(0, 365))
        phone, digits, shown_phone = phones.number()
        email = ""
        if rng.random() < 0.6:
            local = key(f"{given}.{family}").replace(" ", ".").replace("'", "")
            local = local if local.isascii() else f"patient{patient_id}"
            email = f"{local}{rng.randrange(1, 99)}@{rng.choice(('example.com', 'example.org', 'example.net'))}"
        town, postal = rng.choice(TOWNS)
        address = (f"{rng.randint(10, 4999)} {rng.choice(STREETS)}\n{town}, BC {postal} "
                   f"{rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')}{rng.randint(1, 9)}")
        emergency = "" if rng.random() < 0.3 else (
            f"{rng.choice(NAME_GROUPS[0][2] + NAME_GROUPS[0][3])} {family} ({rng.choice(RELATIONS)}), "
            f"{phones.number()[2]}")
        payer = rng.weighted(("private_plan", "self_pay", "icbc", "worksafebc"), (55, 25, 12, 8))
        plan_details = rng.choice(PLANS) if payer == "private_plan" else ""
        doctor, referral_date, claim = "", None, ""
        if payer in ("icbc", "worksafebc") or rng.random() < 0.15:
            doctor = rng.choice(DOCTORS)
            referral_date = gen.first_day + timedelta(days=day_index - rng.randrange(1, 20))
        if payer == "icbc":
            claim = f"{rng.choice('ABCEHKL')}{rng.randrange(1_000_000, 9_999_999)}"
        elif payer == "worksafebc":
            claim = f"{rng.randrange(10_000_000, 99_999_999)}"
        notes = rng.choice(NOTES) if rng.random() < 0.08 else ""
        stamp = gen.clock.at(day_index, minute)[0]
        by = rng.choice(gen.reception_ids)
        # Half of those with an email address agreed to reminders when they registered (no draw from
        # `rng`, so the rest of the generated clinic stays as it was).
        reminders = bool(email) and patient_id % 2 == 0
        agreed_on = gen.first_day + timedelta(days=day_index) if reminders else None
        rows.append((
            patient_id, family, given, preferred, born, phone, digits, shown_phone, email,
            address, emergency, payer, plan_details, doctor, referral_date, claim, notes, key(family), key(given),
            key(preferred), rng.random() < 0.015, 1, stamp, by, stamp, by,
            reminders, agreed_on,
        ))
    gen.counts["patients"] = gen.writer.insert(Patient, (
        "id", "family_name", "given_names", "preferred_name", "date_of_birth", "phone", "phone_digits",
        "phone_display", "email", "address", "emergency_contact", "payer", "plan_details", "referral_doctor",
        "referral_date", "claim_number", "notes", "family_key", "given_key", "preferred_key",
        "archived", "version", "created_at", "created_by", "updated_at", "updated_by", "email_reminders",
        "email_reminders_agreed_on"), rows)
