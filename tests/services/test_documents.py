"""Documents built from what is on file, read back as a person would read the printout."""

import hashlib
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from reports.pdf_reading import image_count, page_texts, page_with, read_pdf, unembedded_fonts
from sqlalchemy import select

from frontdesk.db.models import AppointmentType, AuditEvent, Consent, Therapist
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ReviewDecision, ScreeningAnswers, Surgery
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.booking import book_appointment
from frontdesk.services.consents import ConsentRefused, RegistrationMissing, next_consent_appointment
from frontdesk.services.documents import (
    ConsentMethod,
    consent_copy,
    consent_document,
    consent_documents,
    consents_for_patient,
    day_sheet,
    eligibility_summary,
    intake_form,
    mark_signed_on_paper,
    record_unsigned_consent,
    store_signed_consent,
    verify_consent_copy,
)
from frontdesk.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_review, record_screening
from frontdesk.services.unit_of_work import UnitOfWork

VANCOUVER = ZoneInfo("America/Vancouver")
LEFT_KNEE = BodyArea(Region.knee, Side.left)
LEFT_THIGH = BodyArea(Region.thigh, Side.left)
NECK = BodyArea(Region.neck)

ALL_CLEAR = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}

ZOE = PatientDetails(family_name="Ødegård", given_names="Zoë", preferred_name="Zo", date_of_birth=date(1985, 3, 4),
                     phone="250 555 0142", payer="worksafebc", referral_doctor="Dr. Ann Lee",
                     referral_date=date(2026, 11, 2), claim_number="WCB-881234")
TSAI = PatientDetails(family_name="蔡", given_names="英文", date_of_birth=date(1956, 8, 31), phone="604 555 0199",
                      payer="private_plan", plan_details="Pacific Blue Cross 55012")
KIM = PatientDetails(family_name="김", given_names="민준", date_of_birth=date(2001, 1, 15), phone="250 555 0177")


def text_of(pdf: bytes) -> str:
    return read_pdf(pdf).text


def signature_png() -> bytes:
    image = Image.new("RGBA", (480, 140), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 110), (70, 30), (120, 120), (190, 40), (460, 80)], fill=(10, 20, 90, 255),
                               width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def zoe(ctx, reception):
    """Knee surgery three weeks ago, severe osteoporosis and diabetes; neck, left knee and left thigh planned."""
    patient = register_patient(ctx, reception, ZOE)
    answers = ScreeningAnswers({**ALL_CLEAR, "had_surgery": "yes", "osteoporosis": "severe_or_poorly_controlled",
                                "diabetes": "yes"},
                               (Surgery(date(2026, 11, 1), LEFT_KNEE),), (NECK, LEFT_KNEE, LEFT_THIGH))
    screening = record_screening(ctx, reception, patient.id, answers, "Knee pain after surgery")
    return patient, screening


@pytest.fixture
def tsai(ctx, reception):
    patient = register_patient(ctx, reception, TSAI)
    screening = record_screening(ctx, reception, patient.id, ScreeningAnswers(ALL_CLEAR, (), (NECK,)), "Neck pain")
    return patient, screening


def print_audits(ctx) -> list[tuple[str, str, int | None]]:
    with UnitOfWork(ctx, None) as uow:
        rows = uow.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.patient_id,
                                          AuditEvent.detail)
                                   .where(AuditEvent.action.in_(("print", "sign", "mark_signed", "verify", "copy"))))
        return [(action, detail.get("kind", entity), patient_id) for action, entity, patient_id, detail in rows]


# --- Eligibility summary ----------------------------------------------------------------------------


SUMMARY_LINES = (
    "Ødegård, Zoë",
    "◷ Not yet",
    "! Neck: physiotherapist review first · ◷ Left knee: from February 1, 2027 · ◷ Left thigh: from December 13, 2026",
    "Ordinary physiotherapy (without needles) is fine now",
    "no needling at the operated area before February 1, 2027",
    "no needling next to it (left thigh) before December 13, 2026",
    "Very severe or poorly controlled osteoporosis or osteopenia",
    "Has diabetes: for the physiotherapist's information.",
    "Physiotherapist review first",
    "WorkSafeBC claim, claim number WCB-881234",
    "Required for a WorkSafeBC claim. On file: referral from Dr. Ann Lee dated November 2, 2026.",
    "Screened by Front Desk Reception on November 25, 2026 at 10:00 a.m. PST",
    "November 25, 2027",
    "Waiting for a physiotherapist's review before IMS.",
)


def test_eligibility_summary_says_the_verdict_its_reasons_and_dates(ctx, reception, zoe):
    patient, screening = zoe
    text = text_of(eligibility_summary(ctx, reception, patient.id, screening.id))
    assert [line for line in SUMMARY_LINES if line not in text] == []


def test_eligibility_summary_of_a_cjk_name_with_the_review_decision(ctx, reception, physio):
    patient = register_patient(ctx, reception, KIM)
    answers = ScreeningAnswers({**ALL_CLEAR, "osteoporosis": "severe_or_poorly_controlled"}, (), (NECK,))
    screening = record_screening(ctx, reception, patient.id, answers)
    record_review(ctx, physio, screening.id, ReviewDecision.approve_altered, "Gentler technique, fewer needles.")
    pdf = eligibility_summary(ctx, reception, patient.id, None)
    read = read_pdf(pdf)
    assert "김, 민준" in read.text
    assert "✓ Neck: IMS now" in read.text
    assert "Approved with an altered technique" in read.text
    assert "Chris Stokes" in read.text and "Gentler technique, fewer needles." in read.text
    assert "Self-pay: no referral is needed." in read.text
    assert unembedded_fonts(read.reader) == []
    assert read.pages == 1


def test_eligibility_of_a_patient_never_screened_is_refused(ctx, reception):
    patient = register_patient(ctx, reception, KIM)
    with pytest.raises(NotFound, match="no IMS screening"):
        eligibility_summary(ctx, reception, patient.id, None)


def test_a_screening_of_another_patient_is_refused(ctx, reception, zoe, tsai):
    with pytest.raises(NotFound):
        eligibility_summary(ctx, reception, tsai[0].id, zoe[1].id)


# --- Consent ----------------------------------------------------------------------------------------

VISIT = datetime(2026, 11, 27, 9, 0, tzinfo=VANCOUVER)


def set_registration(ctx, therapist_id: int, number: str | None) -> None:
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.get(Therapist, therapist_id).registration_number = number
        uow.commit()


def set_fee(ctx, type_name: str, cents: int) -> None:
    with UnitOfWork(ctx, None, write=True) as uow:
        uow.session.scalar(select(AppointmentType).where(AppointmentType.name == type_name)).fee_cents = cents
        uow.commit()


def book_ims(ctx, actor, patient_id: int, area: BodyArea, starts: datetime = VISIT, therapist: int = 1):
    types = {t.name: t.id for t in list_appointment_types(ctx, actor)}
    return book_appointment(ctx, actor, BookingRequest(patient_id, therapist, types["IMS treatment"], starts,
                                                       area=area.key))


@pytest.fixture
def registered(ctx):
    set_registration(ctx, 1, "PT-04411")
    set_fee(ctx, "IMS treatment", 9_500)


@pytest.fixture
def tsai_visit(ctx, reception, tsai, registered):
    patient, _ = tsai
    return patient, book_ims(ctx, reception, patient.id, NECK)


@pytest.fixture
def mixed(ctx, reception, physio, registered):
    """Zoë on the day of her visit: neck allowed (after the physiotherapist's review), left knee and left thigh
    still waiting after her knee operation."""
    patient = register_patient(ctx, reception, ZOE)
    answers = ScreeningAnswers({**ALL_CLEAR, "had_surgery": "yes", "osteoporosis": "severe_or_poorly_controlled",
                                "diabetes": "yes"},
                               (Surgery(date(2026, 11, 1), LEFT_KNEE),), (NECK, LEFT_KNEE, LEFT_THIGH))
    screening = record_screening(ctx, reception, patient.id, answers, "Knee pain after surgery")
    record_review(ctx, physio, screening.id, ReviewDecision.approve, "Seen the scan.")
    return patient, book_ims(ctx, reception, patient.id, NECK, VISIT + timedelta(hours=1))


def test_consent_names_the_physio_the_registration_the_fee_and_only_the_areas_allowed_that_day(ctx, reception,
                                                                                             mixed):
    patient, visit = mixed
    read = read_pdf(consent_document(ctx, reception, visit.id))
    text = read.text
    for words in ("Ødegård, Zoë", "Friday, November 27, 2026 at 10:00 a.m., IMS treatment",
                  "Chris Stokes, Registered Physiotherapist, college registration number PT-04411",
                  "Areas covered Neck", "$95.00 per visit", "not covered by MSP", "Expected benefits",
                  "No treatment at all", "If you choose no treatment", "electrical current through the needles",
                  "withdraw your consent", "has answered my questions",
                  "Chris Stokes, Registered Physiotherapist PT-04411 Printed name of physiotherapist College "
                  "registration number",
                  "Not covered Left knee: not before February 1, 2027; Left thigh: not before December 13, 2026"):
        assert words in text, words
    statement = text[text.index("I agree to IMS by"):text.index("I may refuse or stop")]
    assert "I agree to IMS by Chris Stokes on the neck, at my appointment on November 27, 2026" in statement
    assert "knee" not in statement and "thigh" not in statement
    assert "Has diabetes" not in text  # a note for the physiotherapist is not a reason on the consent
    pages = page_texts(read)
    assert all("Patient: Ødegård, Zoë" in page and "Initials" in page for page in pages)
    signing = page_with(read, "Signature of patient or substitute decision-maker")
    assert "Risks" in pages[signing - 1] and "Signature of physiotherapist" in pages[signing - 1]
    assert image_count(read.reader) == 0
    assert unembedded_fonts(read.reader) == []
    assert print_audits(ctx) == [("print", "consent", patient.id)]


def test_no_consent_when_no_area_may_be_needled_that_day_the_reason_and_the_first_day(ctx, reception, tsai_visit):
    patient, visit = tsai_visit
    # After booking, the screening is done again: an operation on the neck a week ago.
    record_screening(ctx, reception, patient.id, ScreeningAnswers(
        {**ALL_CLEAR, "had_surgery": "yes"}, (Surgery(date(2026, 11, 18), NECK),), (NECK,)))
    with pytest.raises(ConsentRefused) as refused:
        consent_document(ctx, reception, visit.id)
    assert refused.value.first_allowed == date(2027, 2, 18)
    assert "No area may be needled on November 27, 2026, so there is no consent to sign." in refused.value.message
    assert "Operation on the neck on November 18, 2026" in refused.value.message
    assert "The first day a consent can be signed is February 18, 2027." in refused.value.message
    found = next_consent_appointment(ctx, reception, patient.id)
    assert found.appointment_id == visit.id and not found.ready and found.first_allowed == date(2027, 2, 18)
    assert print_audits(ctx) == []


def test_a_patient_not_eligible_now_gets_no_consent_and_no_date(ctx, reception, tsai_visit):
    patient, visit = tsai_visit
    record_screening(ctx, reception, patient.id, ScreeningAnswers({**ALL_CLEAR, "cancer": "active"}, (), (NECK,)))
    with pytest.raises(ConsentRefused, match="Active cancer") as refused:
        consent_document(ctx, reception, visit.id)
    assert refused.value.first_allowed is None
    assert "I agree" not in refused.value.message


def test_a_consent_needs_the_physiotherapists_registration_number(ctx, reception, tsai_visit):
    _, visit = tsai_visit
    set_registration(ctx, 1, None)
    with pytest.raises(RegistrationMissing, match="Chris Stokes has no college registration number"):
        consent_document(ctx, reception, visit.id)
    with pytest.raises(RegistrationMissing):
        record_unsigned_consent(ctx, reception, visit.id)


def test_only_a_booked_ims_appointment_has_a_consent(ctx, reception, tsai, registered):
    patient, _ = tsai
    types = {t.name: t.id for t in list_appointment_types(ctx, reception)}
    physio_visit = book_appointment(ctx, reception, BookingRequest(patient.id, 1, types["Physiotherapy treatment"],
                                                                   VISIT))
    with pytest.raises(Conflict, match="not"):
        consent_document(ctx, reception, physio_visit.id)
    assert next_consent_appointment(ctx, reception, patient.id) is None
    visit = book_ims(ctx, reception, patient.id, NECK, VISIT + timedelta(days=3))
    cancel_appointment(ctx, reception, visit.id, visit.version, "Patient is unwell")
    with pytest.raises(Conflict, match="cancelled"):
        consent_document(ctx, reception, visit.id)


def test_a_batch_of_consents_has_each_appointment_in_the_order_asked_and_records_each_printing(ctx, reception,
                                                                                             mixed, tsai_visit):
    (zoe_patient, zoe_visit), (tsai_patient, tsai_visit_) = mixed, tsai_visit
    pdfs = consent_documents(ctx, reception, [tsai_visit_.id, zoe_visit.id])
    texts = [text_of(pdf) for pdf in pdfs]
    assert "蔡, 英文" in texts[0] and "Ødegård" not in texts[0]
    assert "Ødegård, Zoë" in texts[1] and "蔡" not in texts[1]
    assert pdfs[0] == consent_document(ctx, reception, tsai_visit_.id)  # the same form as one at a time
    printed = print_audits(ctx)
    assert printed.count(("print", "consent", tsai_patient.id)) == 2
    assert printed.count(("print", "consent", zoe_patient.id)) == 1


@pytest.mark.parametrize("who", ["nobody", "refused", "gone"])
def test_a_batch_that_cannot_be_printed_prints_nothing(ctx, reception, tsai_visit, who):
    _patient, visit = tsai_visit
    if who == "nobody":
        actor, ids, error, says = None, [visit.id], PermissionDenied, "may not print consent forms"
    elif who == "refused":
        set_registration(ctx, 1, "")
        actor, ids, error, says = reception, [visit.id], Conflict, "蔡, 英文: Chris Stokes has no college"
    else:
        actor, ids, error, says = reception, [visit.id, 99_999], Conflict, "no longer exists"
    with pytest.raises(error, match=says):
        consent_documents(ctx, actor, ids)
    assert [row for row in print_audits(ctx) if row[0] == "print"] == []


def test_signed_consent_holds_the_signature_the_answer_on_stimulation_and_the_hash(ctx, reception, mixed):
    patient, visit = mixed
    record = store_signed_consent(ctx, reception, visit.id, signature_png(), electrical_stimulation=False)
    assert record.method is ConsentMethod.on_screen
    assert record.appointment_id == visit.id and record.electrical_stimulation is False
    assert record.signer == "Ødegård, Zoë"
    assert record.witnessed_by == "Front Desk Reception"
    assert record.signed_at == datetime(2026, 11, 25, 10, 0, tzinfo=VANCOUVER)
    with UnitOfWork(ctx, None) as uow:
        row = uow.session.get(Consent, record.id)
        stored, stored_hash = bytes(row.pdf), row.pdf_sha256
    assert stored_hash == hashlib.sha256(stored).hexdigest() == record.pdf_sha256
    read = read_pdf(stored)
    assert image_count(read.reader) == 1
    assert "Signed on screen on November 25, 2026 at 10:00 a.m. PST, witnessed by Front Desk Reception." in read.text
    assert "☐ Yes ☒ No" in read.text
    assert "Front Desk Reception Signature of witness Printed name of witness" in read.text
    assert consent_copy(ctx, reception, record.id) == stored
    assert ("sign", "consent", patient.id) in print_audits(ctx)


def test_a_substitute_decision_maker_signs_for_the_patient(ctx, reception, tsai_visit):
    _, visit = tsai_visit
    record = store_signed_consent(ctx, reception, visit.id, signature_png(), "蔡 美", "daughter")
    assert record.signer == "蔡 美 (daughter)"
    text = text_of(consent_copy(ctx, reception, record.id))
    assert "Signed by 蔡 美 (daughter) as substitute decision-maker for 蔡, 英文." in text


@pytest.mark.parametrize(
    ("png", "name", "relationship", "field"),
    [
        (b"", "", "", "signature"),
        (b"not a picture", "", "", "signature"),
        (None, "", "son", "signer_name"),
        (None, "x" * 201, "son", "signer_name"),
    ],
)
def test_a_consent_that_cannot_be_signed_is_refused_and_nothing_is_kept(ctx, reception, tsai_visit, png, name,
                                                                        relationship, field):
    patient, visit = tsai_visit
    with pytest.raises(ValidationFailed) as refused:
        store_signed_consent(ctx, reception, visit.id, signature_png() if png is None else png, name, relationship)
    assert field in refused.value.errors
    assert consents_for_patient(ctx, reception, patient.id) == []


def test_verify_matches_the_exact_copy_only(ctx, reception, tsai_visit):
    _, visit = tsai_visit
    record = store_signed_consent(ctx, reception, visit.id, signature_png())
    copy = consent_copy(ctx, reception, record.id)
    assert verify_consent_copy(ctx, reception, copy) == record
    assert verify_consent_copy(ctx, reception, copy + b"\n") is None
    assert verify_consent_copy(ctx, reception, consent_document(ctx, reception, visit.id)) is None


def test_paper_flow_prints_unsigned_then_marks_signed(ctx, reception, physio, clock, tsai_visit):
    patient, visit = tsai_visit
    printed = record_unsigned_consent(ctx, reception, visit.id)
    assert printed.method is ConsentMethod.paper_unsigned and not printed.is_signed
    assert printed.signed_at is None and printed.witnessed_by is None
    pdf = consent_copy(ctx, reception, printed.id)
    assert image_count(read_pdf(pdf).reader) == 0
    assert "Signature of patient or substitute decision-maker" in text_of(pdf)
    assert "☐ Yes ☐ No" in text_of(pdf)

    clock.advance(minutes=20)
    signed = mark_signed_on_paper(ctx, physio, printed.id)
    assert signed.method is ConsentMethod.paper_signed
    assert signed.witnessed_by == "Chris Stokes"
    assert signed.signed_at == datetime(2026, 11, 25, 10, 20, tzinfo=VANCOUVER)
    assert signed.pdf_sha256 == printed.pdf_sha256
    assert consent_copy(ctx, reception, printed.id) == pdf
    with pytest.raises(Conflict, match="already recorded"):
        mark_signed_on_paper(ctx, reception, printed.id)
    assert [c.method for c in consents_for_patient(ctx, reception, patient.id)] == [ConsentMethod.paper_signed]


def test_consents_are_listed_newest_first(ctx, reception, clock, tsai_visit):
    patient, visit = tsai_visit
    first = record_unsigned_consent(ctx, reception, visit.id)
    clock.advance(minutes=5)
    second = store_signed_consent(ctx, reception, visit.id, signature_png())
    assert [c.id for c in consents_for_patient(ctx, reception, patient.id)] == [second.id, first.id]


# --- Intake form -------------------------------------------------------------------------------------


def test_pre_filled_intake_form_carries_the_record_and_the_operation(ctx, reception, zoe):
    patient, _ = zoe
    read = read_pdf(intake_form(ctx, reception, patient.id))
    for expected in ("Family name (legal) Ødegård Given names (legal) Zoë", "Date of birth March 4, 1985",
                     "(250) 555-0142", "☒ WorkSafeBC claim", "Claim number (WorkSafeBC or ICBC) WCB-881234",
                     "Dr. Ann Lee", "November 1, 2026 Knee Left", "☒ Yes, very severe or poorly controlled",
                     "your answers at the screening of November 25, 2026, recorded by Front Desk Reception",
                     "Do you understand what IMS involves and why it is being offered to you?",
                     "Have you had an operation in the past year?",
                     "List each operation you have had in the past year",
                     "Blood thinners include warfarin"):
        assert expected in read.text, expected
    assert "the patient understand" not in read.text
    assert all("Patient: Zoë Ødegård" in page for page in page_texts(read))
    assert unembedded_fonts(read.reader) == []


def test_blank_intake_form_has_every_question_and_no_name(ctx, reception, zoe):
    read = read_pdf(intake_form(ctx, reception, None))
    assert "Do you have a severe fear of needles?" in read.text
    assert "Have you had a bad reaction to needling before" in read.text
    assert "Ødegård" not in read.text
    assert print_audits(ctx) == [("print", "blank_intake", None)]


# --- Day sheet ---------------------------------------------------------------------------------------


def test_day_sheet_lists_the_day_in_time_order_with_flags(ctx, reception, zoe, tsai):
    types = {t.name: t.id for t in list_appointment_types(ctx, reception)}
    day = date(2026, 11, 26)
    nine = datetime(2026, 11, 26, 9, 0, tzinfo=VANCOUVER)
    book_appointment(ctx, reception,
                     BookingRequest(zoe[0].id, 1, types["Physiotherapy treatment"], nine + timedelta(hours=2)))
    book_appointment(ctx, reception, BookingRequest(tsai[0].id, 1, types["IMS treatment"], nine, area=NECK.key))
    cancelled = book_appointment(ctx, reception, BookingRequest(tsai[0].id, 1, types["Physiotherapy treatment"],
                                                                nine + timedelta(hours=4)))
    cancel_appointment(ctx, reception, cancelled.id, cancelled.version, "Feeling unwell")
    book_appointment(ctx, reception, BookingRequest(zoe[0].id, 2, types["Physiotherapy treatment"], nine))

    read = read_pdf(day_sheet(ctx, reception, 1, day))
    text = read.text
    assert "Day Sheet: Chris Stokes" in text and "Thursday, November 26, 2026" in text
    first, second, third = text.index("9:00–9:30 a.m."), text.index("11:00–11:30 a.m."), text.index("1:00–1:30 p.m.")
    assert first < second < third
    assert "蔡, 英文" in text and "Ødegård, Zoë" in text
    assert "✓ Neck: IMS now" in text and "Cancelled" in text
    # Her physiotherapy visit still shows which areas may not be needled yet.
    zoe_row = text[text.index("11:00–11:30 a.m."):text.index("1:00–1:30 p.m.")]
    assert "Ødegård, Zoë" in zoe_row
    for area in ("Neck: review first", "Left knee: not yet", "Left thigh: not yet"):
        assert area in zoe_row
    assert "0 IMS flags" not in text and "no IMS flag to act on" in text
    assert "(604) 555-0199" in text
    assert text.count("Ødegård, Zoë") == 1  # her visit with another therapist is not on this sheet
    assert read.pages == 1


def test_an_empty_day_still_prints(ctx, reception):
    text = text_of(day_sheet(ctx, reception, 3, date(2026, 11, 28)))
    assert "Chelsea Rieu" in text and "No appointments are booked for this day." in text


def test_printing_needs_someone_signed_in(ctx, zoe):
    with pytest.raises(PermissionDenied):
        intake_form(ctx, None, None)


def test_every_letterhead_carries_the_clinics_street_address_email_and_website(ctx, admin, reception, tsai_visit):
    from dataclasses import replace

    from frontdesk.services.clinic_settings import get_clinic_settings
    from frontdesk.services.clinic_settings_edit import update_clinic_settings

    update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx),
                                               address="101 – 2180 Main Street\nPenticton, BC",
                                               email="frontdesk@example.ca", website="www.example.ca"))
    patient, visit = tsai_visit
    for pdf in (consent_document(ctx, reception, visit.id), intake_form(ctx, reception, None),
                intake_form(ctx, reception, patient.id), eligibility_summary(ctx, reception, patient.id, None),
                day_sheet(ctx, reception, 1, date(2026, 11, 27))):
        for page in page_texts(read_pdf(pdf)):
            for words in ("101 – 2180 Main Street", "Penticton, BC", "frontdesk@example.ca", "www.example.ca"):
                assert words in page


@pytest.mark.parametrize(("field", "value"), [("email", "front desk"), ("website", "not a site")])
def test_a_clinic_email_or_website_that_cannot_be_one_is_refused(ctx, admin, field, value):
    from dataclasses import replace

    from frontdesk.services.clinic_settings import get_clinic_settings
    from frontdesk.services.clinic_settings_edit import update_clinic_settings

    with pytest.raises(ValidationFailed) as refused:
        update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx), **{field: value}))
    assert field in refused.value.errors
