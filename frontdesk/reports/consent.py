"""The consent to IMS for one booked appointment: what IMS is, its expected benefits, the other choices,
what is likely without treatment, the cost, the risks, and the signatures with what they sign.

Consent is specific to the treatment, the areas and the physiotherapist who gives it, so the form names
all three. The risks, the statement and every signature line are kept on one page together, so no one
signs a page that does not show what they agree to; every page carries the patient's name and a box for
their initials.
"""

from __future__ import annotations

import io

from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer, Table

from frontdesk.domain.when import format_clock, format_date, format_moment, format_weekday_date
from frontdesk.reports.data import ConsentData, OnScreenSignature
from frontdesk.reports.fonts import SANS_BOLD, markup
from frontdesk.reports.layout import (
    INK,
    Page,
    bullet,
    build_pdf,
    details_table,
    local,
    make_table,
    para,
    section,
    styles,
)

TITLE = "Consent to IMS (Intramuscular Stimulation)"
#: The room above a writing line: at least 8 mm, so a name or a signature fits by hand.
WRITING_HEIGHT = 0.33 * inch
EMPTY_BOX = "☐"
TICKED_BOX = "☒"
NBSP = "\u00a0"

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
    "A small electrical current may be passed through the needle, only if you agree to it below.",
    "Mild discomfort during treatment is common, and so is some soreness afterwards. Feeling sore where "
    "you were needled for about a day (\u201cneedle soreness\u201d) is normal.",
)

EXPECTED_BENEFITS = (
    "IMS aims to release tight, shortened muscles that press on or irritate nerves, so that pain eases "
    "and you move more freely. Many people notice a change within a few visits; how much, and how soon, "
    "differs from person to person and depends on how long you have had the problem. IMS may not help "
    "you: no result is guaranteed."
)

ALTERNATIVES = (
    "Physiotherapy without needles: exercise, hands-on (manual) therapy, and advice on posture and activity.",
    "Exercises you do on your own at home, which your physiotherapist can show you.",
    "Seeing your doctor about medication or other treatment.",
    "No treatment at all.",
)

IF_UNTREATED = (
    "Without treatment the pain may settle by itself, stay as it is, or get worse, and tight muscles may "
    "keep limiting how you move. Your physiotherapist will tell you what is likely in your case."
)

COMMON_RISKS = (
    "Soreness or aching in the treated area, usually for about a day.",
    "Bruising or a drop of bleeding where the needle went in.",
    "Feeling light-headed, faint or very tired during or just after treatment. Tell us at once if you "
    "feel unwell; you can lie down until it passes.",
)

RARE_RISKS = (
    "Infection where the needle went in (rare with sterile single-use needles).",
    "Irritation of a nerve or blood vessel, with tingling, numbness or pain that usually settles by itself.",
    "A needle breaking in the muscle (very rare); it may need to be removed by a doctor.",
)

SERIOUS_RISK = (
    "Rare but serious: a collapsed lung (pneumothorax) when needling near the chest wall, for example "
    "the upper back, shoulders, neck or ribs. If you are short of breath, have chest pain or find it "
    "hard to breathe in the hours or days after treatment, call 911 or go to the nearest emergency "
    "department and say that you had dry needling."
)

YOUR_CHOICE = (
    "IMS is your choice. You may ask questions at any time, say no to IMS, or withdraw your consent and "
    "ask your physiotherapist to stop at any moment, even after signing this form. Saying no or stopping "
    "will not change the rest of your care at the clinic."
)


def consent_pdf(data: ConsentData) -> bytes:
    """The consent for one IMS appointment, signed on screen or ready for signatures in ink."""
    patient = data.patient
    page = Page(
        clinic=data.clinic,
        title=TITLE,
        subject=f"IMS consent for {patient.full_name}",
        footer_title="IMS consent",
        generated_at=data.generated_at,
        patient_name=patient.full_name,
        initials=True,
    )
    width = page.frame_width
    story: list[Flowable] = [
        para(TITLE, "title"),
        para("Please read this form with your physiotherapist, ask about anything that is unclear, and initial "
             "each page.", "subtitle"),
        _details(data, width),
        *section("What IMS is"),
        para(WHAT_IMS_IS),
        *section("What to expect"),
        *(bullet(line) for line in WHAT_TO_EXPECT),
        *section("Expected benefits"),
        para(EXPECTED_BENEFITS),
        *section("Other choices"),
        para("You do not have to have IMS. Other choices include:"),
        *(bullet(line) for line in ALTERNATIVES),
        *section("If you choose no treatment"),
        para(IF_UNTREATED),
        *section("Cost"),
        para(_cost(data)),
        *section("Your choice"),
        para(YOUR_CHOICE),
        KeepTogether([*_risks(width), *_signatures(data, width)]),
    ]
    return build_pdf(story, page)


def _details(data: ConsentData, width: float) -> Table:
    patient = data.patient
    physio = data.physiotherapist
    when = local(data.appointment_at, data.clinic)
    pairs = [
        ("Patient", patient.full_name),
        ("Date of birth", format_date(patient.date_of_birth) if patient.date_of_birth else ""),
        ("Appointment", f"{format_weekday_date(when.date())} at {format_clock(when)}, "
                        f"{data.appointment_type}"),
        ("Physiotherapist", f"{physio.name}, {physio.designation}, college registration number "
                            f"{physio.registration_number}"),
        ("Areas covered", _areas_words(data.areas)),
    ]
    if data.not_covered:
        pairs.append(("Not covered", "; ".join(data.not_covered)))
    if data.screened_on is not None:
        by = f" by {data.screened_by}" if data.screened_by else ""
        pairs.append(("Screening", f"Recorded {format_date(data.screened_on)}{by}"))
    return details_table(pairs, width, columns=1, label_width=1.35 * inch)


def _areas_words(areas: tuple[str, ...]) -> str:
    if len(areas) <= 1:
        return "".join(areas)
    return ", ".join(areas[:-1]) + " and " + areas[-1]


def _cost(data: ConsentData) -> str:
    fee = data.fee_per_visit or "$" + "_" * 10
    return (f"The fee for this kind of visit ({data.appointment_type}) is {fee} per visit. IMS is not covered "
            "by MSP (BC's Medical Services Plan). An extended health plan that covers physiotherapy usually "
            "covers IMS, and WorkSafeBC or ICBC may pay for an accepted claim; you pay for what your plan "
            "does not cover.")


def _risks(width: float) -> list[Flowable]:
    return [
        *section("Risks", needs=0),
        *(bullet(line, prefix="<b>Common:</b> ") for line in COMMON_RISKS[:1]),
        *(bullet(line) for line in COMMON_RISKS[1:]),
        *(bullet(line, prefix="<b>Less common:</b> ") for line in RARE_RISKS[:1]),
        *(bullet(line) for line in RARE_RISKS[1:]),
        Spacer(1, 3),
        make_table([[para(SERIOUS_RISK, "cell")]], [width], [
            ("BOX", (0, 0), (-1, -1), 0.8, INK),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ("RIGHTPADDING", (0, 0), (-1, -1), 7),
        ]),
    ]


def _boxes(chosen: bool | None) -> str:
    parts = []
    for value, label in ((True, "Yes"), (False, "No")):
        ticked = chosen is value
        box = f'<font size="18">{TICKED_BOX if ticked else EMPTY_BOX}</font>'
        parts.append(f'{box}{NBSP}<font face="{SANS_BOLD}">{label}</font>' if ticked else f"{box}{NBSP}{label}")
    return f"{NBSP * 4}".join(parts)


def _statement(data: ConsentData) -> str:
    physio = data.physiotherapist
    day = format_date(local(data.appointment_at, data.clinic).date())
    return (
        f"I have read this form, or had it read to me. {physio.name} has explained IMS, its expected benefits "
        "and risks, the other choices including no treatment, what is likely without treatment, and the "
        f"cost, and has answered my questions. I agree to IMS by {physio.name} on the "
        f"{_areas_words(data.areas).lower()}, at my appointment on {day} and at later visits for the same "
        "areas, unless my health changes or I withdraw this consent. I may refuse or stop at any time."
    )


def _signatures(data: ConsentData, width: float) -> list[Flowable]:
    signature = data.signature
    substitute = data.substitute
    physio = data.physiotherapist
    estim = Paragraph(
        f"{markup('Do you agree to a small electrical current through the needles?')}{NBSP * 4}"
        f"{_boxes(data.electrical_stimulation)}",
        styles()["choices"],
    )
    flowables: list[Flowable] = [
        *section("Consent", needs=0),
        para(_statement(data)),
        estim,
        Spacer(1, 2),
    ]
    if signature is None:
        signed_on = ""
        mark: Flowable | str = ""
    else:
        signed_on = format_date(local(signature.signed_at, data.clinic).date())
        mark = _signature_image(signature)
    signer = substitute.name if substitute is not None else (data.patient.full_name if signature else "")
    relationship = substitute.relationship if substitute is not None else ("Patient" if signature else "")
    witness = signature.witnessed_by if signature is not None else ""
    flowables.append(_lines(width, [
        ((mark, "Signature of patient or substitute decision-maker"), (signed_on, "Date")),
        ((signer, "Printed name of the person signing"), (relationship, "Relationship, if not the patient")),
        (("", "Signature of witness"), (witness, "Printed name of witness")),
    ], tall_first=signature is not None))
    notes = []
    if signature is not None:
        notes.append(f"Signed on screen on {format_moment(local(signature.signed_at, data.clinic))}, "
                     f"witnessed by {signature.witnessed_by}.")
    if substitute is not None:
        notes.append(f"Signed by {substitute.name} ({substitute.relationship}) as substitute decision-maker for "
                     f"{data.patient.full_name}.")
    if notes:
        flowables.append(para(" ".join(notes), "small"))
    flowables += [
        Spacer(1, 4),
        para("Physiotherapist: I have explained the above and answered the patient's questions.", "body"),
        _lines(width, [
            ((f"{physio.name}, {physio.designation}", "Printed name of physiotherapist"),
             (physio.registration_number, "College registration number")),
            (("", "Signature of physiotherapist"), ("", "Date")),
        ]),
    ]
    return flowables


def _signature_image(signature: OnScreenSignature) -> Image:
    """The drawn signature, scaled to sit on the signature line without distortion."""
    reader = ImageReader(io.BytesIO(signature.png))
    pixel_width, pixel_height = reader.getSize()
    scale = min(2.9 * inch / pixel_width, 0.5 * inch / pixel_height)
    image = Image(io.BytesIO(signature.png), width=pixel_width * scale, height=pixel_height * scale)
    image.hAlign = "LEFT"
    return image


Cell = tuple[Flowable | str, str]


def _lines(width: float, rows: list[tuple[Cell, Cell]], tall_first: bool = False) -> Table:
    """Rows of two writing lines side by side, each with its caption under it; a value is printed on
    the line (a drawn signature, a name known already)."""
    left, gap = width * 0.6, width * 0.05
    cells: list[list[Flowable | str]] = []
    heights: list[float | None] = []
    commands: list[tuple[object, ...]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]
    for number, (first, second) in enumerate(rows):
        line, caption = 2 * number, 2 * number + 1
        cells.append([_on_line(first[0]), "", _on_line(second[0])])
        cells.append([para(first[1], "label"), "", para(second[1], "label")])
        heights += [0.5 * inch if tall_first and number == 0 else WRITING_HEIGHT, None]
        commands += [
            ("VALIGN", (0, line), (-1, line), "BOTTOM"),
            ("LINEBELOW", (0, line), (0, line), 0.8, INK),
            ("LINEBELOW", (2, line), (2, line), 0.8, INK),
            ("BOTTOMPADDING", (0, line), (-1, line), 1),
            ("TOPPADDING", (0, caption), (-1, caption), 1.5),
            ("BOTTOMPADDING", (0, caption), (-1, caption), 2),
        ]
    return make_table(cells, [left, gap, width - left - gap], commands, rowHeights=heights)


def _on_line(value: Flowable | str) -> Flowable | str:
    if isinstance(value, str):
        return para(value, "filled") if value else ""
    return value


