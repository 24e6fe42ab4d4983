"""The four printouts, read back as text: names in every script, verdicts, reasons, dates, fonts, pages."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports import report_samples as samples
from frontdesk.reports import (
    PrintedAreaVerdict,
    Tone,
    consent_pdf,
    day_sheet_pdf,
    eligibility_summary_pdf,
    intake_form_pdf,
    pdf_sha256,
)
from frontdesk.reports import day_sheet
from reports.pdf_reading import image_count, page_texts, page_with, read_pdf, unembedded_fonts

DOCUMENTS = {
    "consent": lambda name: consent_pdf(samples.consent(name)),
    "signed consent": lambda name: consent_pdf(samples.consent(name, signed=True)),
    "eligibility summary": lambda name: eligibility_summary_pdf(samples.eligibility(name)),
    "pre-filled intake form": lambda name: intake_form_pdf(samples.intake(name)),
}

LONG_NAME = ("Maximiliana Wolfeschlegelsteinhausenbergerdorff-Nguyễn 蔡英文 " * 5)[:200]
UNBROKEN_NAME = "Ø" * 200
LONG_REASON = "Reported a long history that the physiotherapist must read before deciding. " * 120


@pytest.mark.parametrize("document", ["consent", "eligibility summary", "pre-filled intake form"])
@pytest.mark.parametrize("name", samples.NAMES)
def test_patient_name_in_any_script_is_printed(document: str, name: str) -> None:
    pdf = read_pdf(DOCUMENTS[document](name))

    assert name in pdf.text
    assert unembedded_fonts(pdf.reader) == []


@pytest.mark.parametrize(
    ("document", "title", "pages"),
    [
        ("consent", "Consent to IMS (Intramuscular Stimulation)", 3),
        ("signed consent", "Consent to IMS (Intramuscular Stimulation)", 3),
        ("eligibility summary", "IMS Eligibility Summary", 1),
        ("pre-filled intake form", "Patient Intake Form", 3),
    ],
)
def test_metadata_and_page_numbers(document: str, title: str, pages: int) -> None:
    pdf = read_pdf(DOCUMENTS[document]("Zoë Ødegård"))

    assert pdf.pages == pages
    assert pdf.reader.metadata.title == title
    assert pdf.reader.metadata.author == samples.CLINIC.name
    assert "Zoë Ødegård" in pdf.reader.metadata.subject or document == "pre-filled intake form"
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in pdf.text
    assert "Generated March 4, 2025 at 2:35 p.m. PST" in pdf.text
    assert samples.CLINIC.phone in pdf.text


def test_consent_explains_ims_risks_and_the_right_to_stop() -> None:
    pdf = read_pdf(consent_pdf(samples.consent("山田太郎")))

    for words in ("twitch", "left in place for a few minutes", "electrical current", "about a day",
                  "IMS is not acupuncture", "Bruising", "faint", "Infection", "pneumothorax",
                  "nerve or blood vessel", "breaking", "stop at any moment"):
        assert words in pdf.text


def test_consent_says_what_a_college_expects_to_find() -> None:
    pdf = read_pdf(consent_pdf(samples.consent("山田太郎")))

    for words in (
        "Expected benefits", "no result is guaranteed",
        "Other choices", "Physiotherapy without needles", "No treatment at all",
        "If you choose no treatment", "get worse",
        "The fee for this kind of visit (IMS treatment) is $95.00 per visit.", "not covered by MSP",
        "Do you agree to a small electrical current through the needles? ☐ Yes ☐ No",
        "withdraw your consent", "has answered my questions", "I may refuse or stop at any time",
        "Sofy Tsai, Registered Physiotherapist, college registration number PT12345",
        "Wednesday, March 5, 2025 at 9:00 a.m., IMS treatment",
        "Recorded March 4, 2025 by Dana Lee",
    ):
        assert words in pdf.text, words


def test_consent_covers_only_the_areas_allowed_that_day() -> None:
    pdf = read_pdf(consent_pdf(samples.consent()))

    assert "Areas covered Lower back and Neck" in pdf.text
    statement = pdf.text[pdf.text.index("I agree to IMS by"):pdf.text.index("I may refuse or stop")]
    assert "on the lower back and neck, at my appointment on March 5, 2025" in statement
    assert "knee" not in statement and "thigh" not in statement
    assert "Not covered Left knee: not before May 10, 2025; Left thigh: not before March 24, 2025" in pdf.text


def test_risks_statement_and_every_signature_line_share_one_page_that_is_not_only_signatures() -> None:
    for data in (samples.consent("蔡英文"), samples.consent("Zoë Ødegård", signed=True, substitute=True)):
        pdf = read_pdf(consent_pdf(data))
        page = page_with(pdf, "Signature of patient or substitute decision-maker")
        text = page_texts(pdf)[page - 1]
        for words in ("Risks", "pneumothorax", "I have read this form", "Printed name of the person signing",
                      "Signature of witness", "Printed name of witness", "Printed name of physiotherapist",
                      "Signature of physiotherapist", "College registration number"):
            assert words in text, words
        assert page == pdf.pages


def test_every_consent_page_names_the_patient_and_has_an_initials_box() -> None:
    pdf = read_pdf(consent_pdf(samples.consent("김민준")))

    for text in page_texts(pdf):
        assert "Patient: 김민준" in text and "Initials" in text


def test_consent_signed_on_screen_ticks_the_electrical_stimulation_answer() -> None:
    pdf = read_pdf(consent_pdf(samples.consent(signed=True, electrical=False)))

    assert "☐ Yes ☒ No" in pdf.text


def test_consent_without_a_fee_leaves_a_line_to_write_it() -> None:
    pdf = read_pdf(consent_pdf(replace(samples.consent(), fee_per_visit=None)))

    assert "(IMS treatment) is $__________ per visit" in pdf.text


def test_signed_consent_carries_the_signature_image_and_witness_in_clinic_time() -> None:
    signed = read_pdf(consent_pdf(samples.consent("김민준", signed=True)))
    unsigned = read_pdf(consent_pdf(samples.consent("김민준")))

    assert image_count(signed.reader) == 1
    assert image_count(unsigned.reader) == 0
    # Signed at 22:40 UTC, which is 2:40 p.m. on the clinic's clock in March.
    assert "Signed on screen on March 4, 2025 at 2:40 p.m. PST, witnessed by Dana Lee." in signed.text
    assert "Signed on screen" not in unsigned.text


def test_consent_signed_by_a_substitute_decision_maker_names_them() -> None:
    pdf = read_pdf(consent_pdf(samples.consent("蔡英文", substitute=True)))

    assert "Signed by Mei Tsai (daughter) as substitute decision-maker for 蔡英文." in pdf.text
    assert "If signed by a substitute decision-maker" not in pdf.text


def test_eligibility_summary_has_verdict_reasons_dates_review_and_payer() -> None:
    pdf = read_pdf(eligibility_summary_pdf(samples.eligibility("Дмитрий Иванов")))

    assert "Overall IMS verdict Needs review by a physiotherapist" in pdf.text
    for reason in (samples.OSTEO_REASON, samples.SURGERY_REASON, samples.ADJACENT_REASON):
        assert reason in pdf.text
    assert "Lower back ✓ Eligible" in pdf.text
    assert "May 10, 2025" in pdf.text and "March 24, 2025" in pdf.text
    assert "IMS may go ahead on the lower back with a gentler technique" in pdf.text
    assert "Decided by Tracey McQuair" in pdf.text
    assert "March 4, 2025 at 3:05 p.m. PST" in pdf.text
    assert "Bone density scan from 2024 reviewed with the patient." in pdf.text
    assert "WorkSafeBC (claim 8812345)" in pdf.text
    assert "Doctor's referral needed: WorkSafeBC claims require one." in pdf.text
    assert "Screened by Dana Lee on March 4, 2025 at 1:50 p.m. PST." in pdf.text
    assert "Screen again by September 4, 2025" in pdf.text


@pytest.mark.parametrize(
    ("needed", "says"),
    [
        (True, "Waiting for a physiotherapist's review before IMS."),
        (False, "No review is needed: nothing in the screening asks for one."),
        (None, "No review has been recorded for this screening."),
    ],
)
def test_eligibility_summary_without_review_says_what_that_means(needed: bool | None, says: str) -> None:
    data = replace(samples.eligibility(reviewed=False), review_needed=needed)

    pdf = read_pdf(eligibility_summary_pdf(data))

    assert says in pdf.text


def test_reasons_that_hold_ims_up_and_notes_for_the_physiotherapist_are_apart_and_each_once() -> None:
    verdict = replace(samples.VERDICT, reasons=(samples.OSTEO_REASON, samples.SURGERY_REASON),
                      notes=("Has diabetes: for the physiotherapist's information.",),
                      areas=tuple(replace(area, reasons=()) for area in samples.VERDICT.areas))

    pdf = read_pdf(eligibility_summary_pdf(samples.eligibility(verdict=verdict)))

    held = pdf.text.index("What holds IMS up:")
    notes = pdf.text.index("For the physiotherapist's information")
    assert held < pdf.text.index(samples.SURGERY_REASON) < notes < pdf.text.index("Has diabetes")
    assert pdf.text.count(samples.SURGERY_REASON) == 1
    assert "Left knee ✕ Not yet May 10, 2025" in pdf.text


def test_overall_not_before_date_is_printed() -> None:
    verdict = replace(samples.VERDICT, level="Not yet", tone=Tone.STOP, not_before=date(2025, 6, 1))

    pdf = read_pdf(eligibility_summary_pdf(samples.eligibility(verdict=verdict)))

    assert "Not yet Not before June 1, 2025" in pdf.text


def test_blank_intake_form_has_boxes_lines_help_and_a_name_line_on_every_page() -> None:
    pdf = read_pdf(intake_form_pdf(samples.intake(None)))

    assert pdf.reader.metadata.title == "Patient Intake Form"
    for question in samples.QUESTIONS:
        assert question.text in pdf.text
        for choice in question.choices:
            assert f"☐ {choice}" in pdf.text
    assert "A little nervousness is common and fine." in pdf.text
    assert "☒" not in pdf.text
    for caption in ("Family name (legal)", "Given names (legal)", "Date of birth (year, month, day)", "Phone",
                    "Email", "Home address", "Personal Health Number (PHN", "Family doctor", "Emergency contact",
                    "Who pays", "☐ WorkSafeBC claim", "☐ ICBC claim", "Claim number", "Date of injury",
                    "Employer", "Medicines you take", "Allergies", "Area of the body", "Side"):
        assert caption in pdf.text, caption
    for text in page_texts(pdf):
        assert "Patient:" in text
    last = page_texts(pdf)[-1]
    assert "Signature of patient" in last and "Anything else we should know?" in last
    assert unembedded_fonts(pdf.reader) == []


def test_the_forms_boxes_and_writing_lines_are_big_enough_for_a_pen() -> None:
    from PIL import ImageFont

    from frontdesk.reports import intake
    from frontdesk.resources import resource_path

    face = ImageFont.truetype(str(resource_path("fonts") / "DejaVuSans.ttf"), 1000)
    _left, top, _right, bottom = face.getbbox(intake.EMPTY_BOX)
    box_mm = (bottom - top) / 1000 * intake.BOX_SIZE / 72 * 25.4
    assert box_mm >= 4.5
    assert intake.WRITING_HEIGHT / 72 * 25.4 >= 8


def test_pre_filled_intake_form_says_which_screening_and_asks_to_confirm_or_correct() -> None:
    data = samples.intake("Łucja Wiśniewska")

    pdf = read_pdf(intake_form_pdf(data))

    assert pdf.text.count("☒") == sum(1 for q in data.questions if q.chosen) + 1  # + who pays
    assert "☒ Severe or poorly controlled" in pdf.text
    assert "☐ Mild or moderate" in pdf.text
    assert "Which condition? Hashimoto's thyroiditis" in pdf.text
    assert "your answers at the screening of March 4, 2025, recorded by Dana Lee" in pdf.text
    assert "cross out anything that is wrong" in pdf.text
    assert "Date of birth July 12, 1984" in pdf.text and "(year, month, day)" not in pdf.text
    assert "Family name (legal) Łucja" in pdf.text and "Given names (legal) Wiśniewska" in pdf.text
    assert "☒ Extended health plan" in pdf.text
    for value in ("zoe.odegard@example.com", "48 Lakeshore Drive West",
                  "Lars Ødegård (spouse), +1 250 555 0199", "Pacific Blue Cross extended health, plan 55012",
                  "February 10, 2025 Knee Left Arthroscopy", "May 2, 2019 Shoulder Right"):
        assert value in pdf.text
    for text in page_texts(pdf):
        assert "Patient: Łucja Wiśniewska" in text


def test_day_sheet_lists_a_normal_day_one_line_each_with_gaps_on_one_landscape_page() -> None:
    data = samples.day_sheet(16)

    pdf = read_pdf(day_sheet_pdf(data))

    assert pdf.pages == 1
    box = pdf.reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792.0, 612.0)
    assert pdf.reader.metadata.title == "Day Sheet: Sofy Tsai, Wednesday, March 5, 2025"
    # Only the flags to act on are counted: not "IMS ✓" nor a block on a visit that is not IMS.
    assert "15 appointments · 1 cancelled · 5 IMS flags to act on" in pdf.text
    lines = pdf.lines.splitlines()
    in_order = sorted(data.appointments, key=lambda a: a.starts_at)
    rows = []
    for appointment in in_order:
        name = appointment.patient_name[:5]
        [row] = [number for number, line in enumerate(lines) if name in line]
        assert day_sheet.short_type(appointment.appointment_type) in lines[row]
        rows.append(row)
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    for time in ("8:30–9:00 a.m.", "11:30 a.m.–12:00 p.m.", "1:00–1:30 p.m.", "4:30–5:00 p.m."):
        assert time in pdf.text
    assert "11:30 a.m.–1:00 p.m. Free time, 1 h 30 min" in pdf.text
    assert "Notes ✓" in pdf.text
    assert "IMS first visit" in pdf.text and "Physio treatment" in pdf.text
    assert "! Neck: review first" in pdf.text and "◷ Left knee: from May 10" in pdf.text
    assert "✓ Lower back: IMS now" in pdf.text
    assert b"2 Tr" in pdf.reader.pages[0].get_contents().get_data()  # CJK names drawn bold
    assert unembedded_fonts(pdf.reader) == []


def test_day_sheet_shows_times_on_the_clinic_clock_across_daylight_saving() -> None:
    # March 9, 2025: clocks in Vancouver spring forward at 2 a.m.; 17:00 UTC is 10:00 a.m. PDT.
    data = samples.day_sheet(1)
    utc = ZoneInfo("UTC")
    appointment = replace(data.appointments[0], starts_at=datetime(2025, 3, 9, 17, 0, tzinfo=utc),
                          ends_at=datetime(2025, 3, 9, 17, 45, tzinfo=utc))
    summer = datetime(2025, 3, 9, 7, 0, tzinfo=samples.VANCOUVER)

    pdf = read_pdf(day_sheet_pdf(replace(data, day=date(2025, 3, 9), appointments=(appointment,),
                                         generated_at=summer)))

    assert "10:00–10:45 a.m." in pdf.text
    assert "Generated March 9, 2025 at 7:00 a.m. PDT" in pdf.text


def test_empty_day_sheet_says_no_appointments() -> None:
    pdf = read_pdf(day_sheet_pdf(replace(samples.day_sheet(), appointments=())))

    assert pdf.pages == 1
    assert "No appointments are booked for this day." in pdf.text


@pytest.mark.parametrize("name", [LONG_NAME, UNBROKEN_NAME])
def test_very_long_name_and_reason_wrap_instead_of_running_off_the_page(name: str) -> None:
    verdict = replace(
        samples.VERDICT,
        reasons=(LONG_REASON,),
        areas=(
            *samples.VERDICT.areas,
            PrintedAreaVerdict("Neck", "Not yet", Tone.STOP, date(2025, 5, 1), (LONG_REASON,)),
        ),
    )
    consent = replace(samples.consent(name, signed=True), not_covered=(LONG_REASON[:600],))
    intake = samples.intake(name)
    day = samples.day_sheet(3)
    day = replace(day, therapist_name=name, appointments=tuple(
        replace(a, patient_name=name, ims_flag=LONG_REASON[:400]) for a in day.appointments
    ))
    pdfs = [
        consent_pdf(consent),
        eligibility_summary_pdf(samples.eligibility(name, verdict=verdict)),
        intake_form_pdf(replace(intake, record=replace(intake.record, family_name=name, given_names=""))),
        day_sheet_pdf(day),
    ]

    for pdf in map(read_pdf, pdfs):
        longest_line = max(len(line) for line in pdf.lines.splitlines())
        assert longest_line < 160
        assert re.sub(r"\s", "", name) in re.sub(r"\s", "", pdf.text)
        assert unembedded_fonts(pdf.reader) == []


def test_user_text_that_looks_like_markup_is_printed_as_typed() -> None:
    name = "Tom <b>Baker</b> & Sons <font size=40>"

    pdf = read_pdf(eligibility_summary_pdf(samples.eligibility(name)))

    assert name in pdf.text


def test_same_data_gives_the_same_bytes_and_hash() -> None:
    first = consent_pdf(samples.consent("蔡英文", signed=True))
    again = consent_pdf(samples.consent("蔡英文", signed=True))
    other = consent_pdf(samples.consent("蔡英文"))

    assert first == again
    assert pdf_sha256(first) == hashlib.sha256(first).hexdigest() == pdf_sha256(again)
    assert pdf_sha256(other) != pdf_sha256(first)


def test_pdf_creation_date_is_the_generated_time() -> None:
    pdf = read_pdf(consent_pdf(samples.consent()))

    assert pdf.reader.metadata["/CreationDate"] == "D:20250304143500-08'00'"


def test_naive_datetime_is_refused() -> None:
    naive = samples.GENERATED_AT.replace(tzinfo=None)

    with pytest.raises(ValueError, match="time zone"):
        consent_pdf(replace(samples.consent(), generated_at=naive))


def test_generated_time_is_shown_on_the_clinic_clock() -> None:
    in_toronto = samples.GENERATED_AT.astimezone(ZoneInfo("America/Toronto"))

    pdf = read_pdf(eligibility_summary_pdf(replace(samples.eligibility(), generated_at=in_toronto)))

    assert "Generated March 4, 2025 at 2:35 p.m. PST" in pdf.text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) is not installed")
@pytest.mark.parametrize("document", ["consent", "blank intake", "pre-filled intake", "day sheet"])
def test_poppler_sees_every_font_embedded(document: str, tmp_path) -> None:
    pdf = {
        "consent": lambda: consent_pdf(samples.consent("蔡英文", signed=True)),
        "blank intake": lambda: intake_form_pdf(samples.intake(None)),
        "pre-filled intake": lambda: intake_form_pdf(samples.intake("蔡 英文")),
        "day sheet": lambda: day_sheet_pdf(samples.day_sheet(16)),
    }[document]()
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)

    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), listing  # the "emb" column
