"""The IMS consent form: what IMS is, what to expect, the risks, the patient's screening, signatures."""

from __future__ import annotations

import io

from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Spacer, Table

from frontdesk.reports.data import ConsentData, OnScreenSignature
from frontdesk.reports.layout import (
    INK,
    Page,
    bullet,
    build_pdf,
    details_table,
    format_date,
    format_moment,
    grid_style,
    local,
    make_table,
    para,
    section,
)
from frontdesk.reports.verdict import verdict_flowables

TITLE = "Consent to IMS (Intramuscular Stimulation)"

WHAT_IMS_IS = (
    "Intramuscular Stimulation (IMS), also called dry needling, treats pain that comes from muscles that "
    "have become tight and shortened. Only a registered physiotherapist with IMS training may perform it "
    "in British Columbia. IMS uses a needle like the ones used in acupuncture, but IMS is not acupuncture: "
    "where the needle goes is decided by your physiotherapist's assessment of your muscles and nerves."
)

WHAT_TO_EXPECT = (
    "Your physiotherapist assesses you first and feels for trigger points: tight, tender spots in the muscle.",
    "A fine, sterile, single-use needle is placed into the tight muscle. The muscle usually answers with a "
    "twitch, a quick cramp-like grab that then lets go. The twitch is what helps the muscle relax.",
    "The needle may be moved a little to bring on more twitches, or left in place for a few minutes.",
    "A small electrical current may be passed through the needle. Your physiotherapist will tell you first.",
    "Mild discomfort during treatment is common, and so is some soreness afterwards.",
    "Feeling sore where you were needled for about a day (\u201cneedle soreness\u201d) is normal. "
    "Tell your physiotherapist if it lasts longer or worries you.",
)

COMMON_RISKS = (
    "Soreness or aching in the treated area, usually for about a day.",
    "Bruising or a drop of bleeding where the needle went in.",
    "Feeling light-headed, faint or very tired during or just after treatment. Tell us right away if you "
    "feel unwell; you can lie down until it passes.",
)

RARE_RISKS = (
    "Infection where the needle went in. Sterile single-use needles make this rare.",
    "Irritation of a nerve or blood vessel near the needle, which can cause tingling, numbness or pain "
    "that usually settles on its own.",
    "A needle breaking in the muscle is very rare. If it happens, it may need to be removed by a doctor.",
)

SERIOUS_RISK = (
    "Rare but serious: a collapsed lung (pneumothorax) when needling near the chest wall, for example "
    "the upper back, shoulders, neck or ribs. If you feel short of breath, have chest pain or find it "
    "hard to breathe in the hours or days after treatment, call 911 or go to the nearest emergency "
    "department and say that you had dry needling."
)

YOUR_CHOICE = (
    "IMS is your choice. You may ask questions at any time, say no to IMS, or ask your physiotherapist to "
    "stop at any moment during treatment, even after signing this form. Saying no or stopping will not "
    "change the rest of your care at the clinic."
)


def consent_pdf(data: ConsentData) -> bytes:
    """The consent form for one patient and screening, signed on screen or ready for a wet signature."""
    page = Page(
        clinic=data.clinic,
        title=TITLE,
        subject=f"IMS consent for {data.patient.full_name}",
        generated_at=data.generated_at,
        footer_note=f"Patient: {data.patient.full_name}",
    )
    width = page.frame_width
    patient = data.patient
    story: list[Flowable] = [
        para(TITLE, "title"),
        para("Please read this form, ask about anything that is unclear, and sign at the end.", "subtitle"),
        details_table(
            [
                ("Patient", patient.full_name),
                ("Date of birth", format_date(patient.date_of_birth) if patient.date_of_birth else ""),
                ("Preferred name", patient.preferred_name or ""),
                ("Phone", patient.phone or ""),
            ],
            width,
        ),
        *section("What IMS is"),
        para(WHAT_IMS_IS),
        *section("What to expect"),
        *(bullet(line) for line in WHAT_TO_EXPECT),
        *section("Possible risks"),
        para("Most people have no more than the common effects below."),
        *(bullet(line) for line in COMMON_RISKS),
        para("Less common:"),
        *(bullet(line) for line in RARE_RISKS),
        Spacer(1, 3),
        _serious_risk_box(width),
        *section("Your screening answers"),
        _answers_table(data, width),
    ]
    if data.screened_at is not None or data.screened_by:
        story += [Spacer(1, 3), para(_screened_line(data), "small")]
    story += section("Screening result", needs=1.6 * inch)
    story += verdict_flowables(data.verdict, width)
    story += section("Your choice")
    story.append(para(YOUR_CHOICE))
    story.append(KeepTogether(_signatures(data, width)))
    return build_pdf(story, page)


def _serious_risk_box(width: float) -> Table:
    return make_table([[para(SERIOUS_RISK, "cell")]], [width], [
        ("BOX", (0, 0), (-1, -1), 0.8, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 7),
        ("RIGHTPADDING", (0, 0), (-1, -1), 7),
    ])


def _answers_table(data: ConsentData, width: float) -> Flowable:
    if not data.answers:
        return para("No screening answers were recorded.")
    rows: list[list[Flowable]] = [[para("Question", "cell_bold"), para("Answer", "cell_bold")]]
    rows += [[para(answer.question, "cell"), para(answer.answer, "cell")] for answer in data.answers]
    return make_table(rows, [width * 0.7, width * 0.3], grid_style(), repeatRows=1, splitInRow=1)


def _screened_line(data: ConsentData) -> str:
    parts = ["Screened"]
    if data.screened_by:
        parts.append(f"by {data.screened_by}")
    if data.screened_at is not None:
        parts.append(f"on {format_moment(data.screened_at, data.clinic)}")
    return " ".join(parts) + "."


def _signatures(data: ConsentData, width: float) -> list[Flowable]:
    statement = (
        "I have read this form, or had it read to me, and my questions have been answered. I understand "
        "what IMS involves and its risks, and that I may refuse or stop at any time. My screening answers "
        "are true to the best of my knowledge, and I will tell my physiotherapist if my health changes. "
        f"I agree to receive IMS from a registered physiotherapist at {data.clinic.name}."
    )
    signature = data.signature
    flowables: list[Flowable] = [*section("Consent", needs=0), para(statement)]
    if signature is None:
        flowables.append(_signature_row(width, "", "", "Signature of patient or substitute decision-maker"))
    else:
        signed_on = format_date(local(signature.signed_at, data.clinic).date())
        flowables.append(_signature_row(
            width, _signature_image(signature), signed_on, "Signature of patient or substitute decision-maker"
        ))
        flowables.append(para(
            f"Signed on screen on {format_moment(signature.signed_at, data.clinic)}, "
            f"witnessed by {signature.witnessed_by}.",
            "small",
        ))
    substitute = data.substitute
    if substitute is not None:
        flowables.append(para(
            f"Signed by {substitute.name} ({substitute.relationship}) as substitute decision-maker for "
            f"{data.patient.full_name}.",
            "cell",
        ))
    else:
        flowables.append(_writing_row(
            width, ("If signed by a substitute decision-maker: printed name", "Relationship to the patient")
        ))
    physio = data.physiotherapist
    flowables += [
        Spacer(1, 6),
        para(
            "Physiotherapist: I have explained IMS, what to expect and its risks, and answered the "
            "patient's questions.",
            "cell",
        ),
        _signature_row(
            width,
            "",
            "",
            f"Signature of physiotherapist: {physio}, Registered Physiotherapist"
            if physio
            else "Signature and printed name of physiotherapist",
        ),
    ]
    return flowables


def _signature_image(signature: OnScreenSignature) -> Image:
    """The drawn signature, scaled to sit on the signature line without distortion."""
    reader = ImageReader(io.BytesIO(signature.png))
    pixel_width, pixel_height = reader.getSize()
    scale = min(2.9 * inch / pixel_width, 0.55 * inch / pixel_height)
    image = Image(io.BytesIO(signature.png), width=pixel_width * scale, height=pixel_height * scale)
    image.hAlign = "LEFT"
    return image


def _signature_row(width: float, signature: Flowable | str, date_text: str, caption: str) -> Table:
    """A signature line with a date line beside it; the captions sit under the lines."""
    return _lines_row(width, (signature, para(date_text, "cell") if date_text else ""),
                      (caption, "Date"), 0.5 * inch)


def _writing_row(width: float, captions: tuple[str, str]) -> Table:
    return _lines_row(width, ("", ""), captions, 0.34 * inch)


def _lines_row(width: float, contents: tuple[Flowable | str, Flowable | str], captions: tuple[str, str],
               height: float) -> Table:
    left, gap = width * 0.64, width * 0.05
    return make_table(
        [[contents[0], "", contents[1]], [para(captions[0], "label"), "", para(captions[1], "label")]],
        [left, gap, width - left - gap],
        [
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
            ("LINEBELOW", (2, 0), (2, 0), 0.8, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 1),
            ("TOPPADDING", (0, 1), (-1, 1), 2),
        ],
        rowHeights=[height, None],
    )
