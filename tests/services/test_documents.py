"""Documents built from what is on file, read back as a person would read the printout."""

import hashlib
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from frontdesk.db.models import AuditEvent, Consent
from frontdesk.domain.areas import BodyArea, Region, Side
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ReviewDecision, ScreeningAnswers, Surgery
from frontdesk.services.appointments import cancel_appointment
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
from frontdesk.services.schedule import BookingRequest, book_appointment, list_appointment_types
from frontdesk.services.screenings import record_review, record_screening
from frontdesk.services.unit_of_work import UnitOfWork
from reports.pdf_reading import image_count, read_pdf, unembedded_fonts

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
        rows = uow.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.patient_id, AuditEvent.detail)
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
    "No review has been recorded",
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


def test_unsigned_consent_shows_the_patient_answers_and_verdict(ctx, reception, tsai):
    patient, screening = tsai
    read = read_pdf(consent_document(ctx, reception, patient.id, screening.id))
    assert "蔡, 英文" in read.text
    assert "Do you have a severe fear of needles? No" in read.text
    assert "Areas to be treated Neck" in read.text
    assert "Eligible" in read.text
    assert image_count(read.reader) == 0
    assert unembedded_fonts(read.reader) == []
    assert print_audits(ctx) == [("print", "consent", patient.id)]


def test_a_batch_of_consents_has_each_patient_in_the_order_asked_and_records_each_printing(ctx, reception,
                                                                                         zoe, tsai):
    (zoe_patient, zoe_screening), (tsai_patient, tsai_screening) = zoe, tsai
    pdfs = consent_documents(ctx, reception, [tsai_patient.id, zoe_patient.id])
    texts = [text_of(pdf) for pdf in pdfs]
    assert "蔡, 英文" in texts[0] and "Ødegård" not in texts[0]
    assert "Ødegård, Zoë" in texts[1] and "蔡" not in texts[1]
    assert "Not yet" in texts[1]
    assert pdfs[0] == consent_document(ctx, reception, tsai_patient.id, None)  # the same form as one at a time
    printed = [(action, kind, patient_id) for action, kind, patient_id in print_audits(ctx)]
    assert printed.count(("print", "consent", tsai_patient.id)) == 2
    assert printed.count(("print", "consent", zoe_patient.id)) == 1


@pytest.mark.parametrize("who", ["nobody", "unscreened", "gone"])
def test_a_batch_that_cannot_be_printed_prints_nothing(ctx, reception, zoe, who):
    patient, _ = zoe
    if who == "nobody":
        actor, ids, error, says = None, [patient.id], PermissionDenied, "may not print consent forms"
    elif who == "unscreened":
        kim = register_patient(ctx, reception, KIM)
        actor, ids, error, says = reception, [patient.id, kim.id], NotFound, "No IMS screening yet for 김, 민준"
    else:
        actor, ids, error, says = reception, [patient.id, 99_999], NotFound, "no longer exists"
    with pytest.raises(error, match=says):
        consent_documents(ctx, actor, ids)
    assert [row for row in print_audits(ctx) if row[0] == "print"] == []


def test_signed_consent_holds_the_signature_and_the_hash_of_its_exact_bytes(ctx, reception, zoe):
    patient, screening = zoe
    record = store_signed_consent(ctx, reception, patient.id, screening.id, signature_png())
    assert record.method is ConsentMethod.on_screen
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
    assert "Ødegård, Zoë" in read.text and "Left knee: from February 1, 2027" in read.text
    assert consent_copy(ctx, reception, record.id) == stored
    assert ("sign", "consent", patient.id) in print_audits(ctx)


def test_a_substitute_decision_maker_signs_for_the_patient(ctx, reception, tsai):
    patient, screening = tsai
    record = store_signed_consent(ctx, reception, patient.id, screening.id, signature_png(), "蔡 美", "daughter")
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
def test_a_consent_that_cannot_be_signed_is_refused_and_nothing_is_kept(ctx, reception, zoe, png, name,
                                                                        relationship, field):
    patient, screening = zoe
    with pytest.raises(ValidationFailed) as refused:
        store_signed_consent(ctx, reception, patient.id, screening.id,
                             signature_png() if png is None else png, name, relationship)
    assert field in refused.value.errors
    assert consents_for_patient(ctx, reception, patient.id) == []


def test_a_consent_is_only_signed_for_the_current_screening(ctx, reception, zoe):
    patient, old = zoe
    record_screening(ctx, reception, patient.id, ScreeningAnswers(ALL_CLEAR, (), (NECK,)))
    with pytest.raises(Conflict, match="newer screening"):
        store_signed_consent(ctx, reception, patient.id, old.id, signature_png())


def test_verify_matches_the_exact_copy_only(ctx, reception, zoe):
    patient, screening = zoe
    record = store_signed_consent(ctx, reception, patient.id, screening.id, signature_png())
    copy = consent_copy(ctx, reception, record.id)
    assert verify_consent_copy(ctx, reception, copy) == record
    assert verify_consent_copy(ctx, reception, copy + b"\n") is None
    assert verify_consent_copy(ctx, reception, consent_document(ctx, reception, patient.id, screening.id)) is None


def test_paper_flow_prints_unsigned_then_marks_signed(ctx, reception, physio, clock, zoe):
    patient, screening = zoe
    printed = record_unsigned_consent(ctx, reception, patient.id, screening.id)
    assert printed.method is ConsentMethod.paper_unsigned and not printed.is_signed
    assert printed.signed_at is None and printed.witnessed_by is None
    pdf = consent_copy(ctx, reception, printed.id)
    assert image_count(read_pdf(pdf).reader) == 0
    assert "Signature of patient or substitute decision-maker" in text_of(pdf)

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


def test_consents_are_listed_newest_first(ctx, reception, clock, zoe):
    patient, screening = zoe
    first = record_unsigned_consent(ctx, reception, patient.id, screening.id)
    clock.advance(minutes=5)
    second = store_signed_consent(ctx, reception, patient.id, screening.id, signature_png())
    assert [c.id for c in consents_for_patient(ctx, reception, patient.id)] == [second.id, first.id]


# --- Intake form -------------------------------------------------------------------------------------


def test_pre_filled_intake_form_carries_the_record_and_the_operation(ctx, reception, zoe):
    patient, _ = zoe
    read = read_pdf(intake_form(ctx, reception, patient.id))
    for expected in ("Ødegård, Zoë", "March 4, 1985", "(250) 555-0142", "WorkSafeBC claim, claim number WCB-881234",
                     "November 1, 2026 Knee Left", "Yes, very severe or poorly controlled"):
        assert expected in read.text
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
    book_appointment(ctx, reception, BookingRequest(zoe[0].id, 1, types["Physiotherapy treatment"], nine + timedelta(hours=2)))
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
    assert "Screened: IMS may go ahead" in text and "Cancelled" in text
    assert "(604) 555-0199" in text
    assert text.count("Ødegård, Zoë") == 1  # her visit with another therapist is not on this sheet
    assert read.pages == 1


def test_an_empty_day_still_prints(ctx, reception):
    text = text_of(day_sheet(ctx, reception, 3, date(2026, 11, 28)))
    assert "Chelsea Rieu" in text and "No appointments are booked for this day." in text


def test_printing_needs_someone_signed_in(ctx, zoe):
    with pytest.raises(PermissionDenied):
        intake_form(ctx, None, None)
