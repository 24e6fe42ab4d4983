"""The intake form: blank for the clipboard, or pre-filled from the record for the patient to check and sign.

Made to be filled in with a pen: writing lines at least 8 mm high, tick boxes at least 4.5 mm, the
questions in the second person with their help text, and the patient's name (or a line for it) at the
foot of every page so loose pages can be matched. The pre-filled form says which screening its ticks come
from and asks the patient to confirm or correct them. The last section and the signature share a page.
"""

from __future__ import annotations

from html import escape

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from frontdesk.domain.when import format_date
from frontdesk.reports.data import IntakeFormData, IntakeQuestion, IntakeRecord, OperationEntry
from frontdesk.reports.fonts import SANS_BOLD, markup
from frontdesk.reports.layout import INK, MUTED, RULE, Page, build_pdf, grid_style, make_table, para, section, styles

TITLE = "Patient Intake Form"
EMPTY_BOX = "☐"
TICKED_BOX = "☒"
NBSP = "\u00a0"
#: A box glyph at this size is about 4.6 mm high: big enough to tick with a pen.
BOX_SIZE = 18
#: The room above a writing line: at least 8 mm.
WRITING_HEIGHT = 0.34 * inch
BLANK_OPERATION_ROWS = 3
EXTRA_OPERATION_ROWS = 2
PAYERS = ("I pay myself", "Extended health plan", "WorkSafeBC claim", "ICBC claim")


def intake_form_pdf(data: IntakeFormData) -> bytes:
    """The intake form; with `data.record` the patient's details are printed on the lines and boxes ticked."""
    record = data.record
    page = Page(
        clinic=data.clinic,
        title=TITLE,
        subject=f"Intake form for {record.full_name}" if record else "Blank intake form",
        generated_at=data.generated_at,
        patient_name=record.full_name if record else None,
        name_line=record is None,
        footer_title="Intake form",
    )
    width = page.frame_width
    story: list[Flowable] = [para(TITLE, "title"), *_intro(record)]
    story += [
        *section("About you"),
        _fields(_about_rows(record), width),
        *section("Who pays", needs=1.6 * inch),
        _payer_boxes(record),
        Spacer(1, 4),
        _fields(_payer_rows(record), width),
        *section("Your health", needs=1.6 * inch),
        _fields(_health_rows(), width),
        *section("Health questions", needs=1.6 * inch),
        para(_questions_intro(record), "small"),
        Spacer(1, 3),
        _questions_table(data.questions, width),
        KeepTogether([
            *section("Operations", needs=0),
            para("List each operation you have had in the past year, most recent first.", "small"),
            Spacer(1, 3),
            _operations_table(record, width),
        ]),
        KeepTogether([
            *section("Anything else we should know?", needs=0),
            para("For example, where it hurts most, or anything about your health the questions did not ask.",
                 "small"),
            _writing_lines(width, 2),
            *_sign_off(record, width),
        ]),
    ]
    return build_pdf(story, page)


def _intro(record: IntakeRecord | None) -> list[Flowable]:
    if record is None:
        return [para("Please print clearly, tick one box for each question, and ask us if anything is unclear.",
                     "subtitle")]
    return [para("This is what we have on file for you. Please check every line: cross out anything that is "
                 "wrong and write the correct answer beside it, fill in what is missing, then sign at the end.",
                 "subtitle")]


def _questions_intro(record: IntakeRecord | None) -> str:
    text = "These answers help us decide whether IMS (dry needling) is safe for you."
    if record is None:
        return text
    if record.screened_on is None:
        return text + " We have no answers from you on file yet: please tick one box for each question."
    by = f", recorded by {record.screened_by}" if record.screened_by else ""
    return (f"{text} The ticked boxes are your answers at the screening of {format_date(record.screened_on)}{by}. "
            "If an answer is no longer right, cross it out and tick the right one.")


Row = tuple[tuple[str, str], tuple[str, str] | None]


def _about_rows(record: IntakeRecord | None) -> list[Row]:
    r = record
    born = ("Date of birth", format_date(r.date_of_birth)) if r and r.date_of_birth else \
        ("Date of birth (year, month, day)", "")
    return [
        (("Family name (legal)", r.family_name if r else ""), ("Given names (legal)", r.given_names if r else "")),
        (("Preferred name", (r.preferred_name or "") if r else ""), born),
        (("Phone", (r.phone or "") if r else ""), ("Email", (r.email or "") if r else "")),
        (("Home address", (r.address or "") if r else ""), None),
        (("Personal Health Number (PHN, on your BC Services Card)", ""), ("Family doctor", "")),
        (("Emergency contact: name, relationship, phone", (r.emergency_contact or "") if r else ""), None),
    ]


def _payer_rows(record: IntakeRecord | None) -> list[Row]:
    r = record
    return [
        (("Plan name and plan or member number", (r.plan_details or "") if r else ""),
         ("Claim number (WorkSafeBC or ICBC)", (r.claim_number or "") if r else "")),
        (("Date of injury (for a claim)", ""), ("Employer (for a WorkSafeBC claim)", "")),
        (("Referring doctor (needed for a WorkSafeBC or ICBC claim)", (r.referring_doctor or "") if r else ""),
         None),
    ]


def _health_rows() -> list[Row]:
    return [
        (("Medicines you take, including blood thinners and daily aspirin", ""), None),
        (("Allergies (medicines, latex, metals, tape)", ""), None),
    ]


def _fields(rows: list[Row], width: float) -> Table:
    """Writing lines with a caption above each; on a pre-filled form the value sits on the line."""
    gap = 0.25 * inch
    column = (width - gap) / 2
    cells: list[list[Flowable | list[Flowable] | str]] = []
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    for number, (left, right) in enumerate(rows):
        if right is None:
            cells.append([_field(*left), "", ""])
            commands += [("SPAN", (0, number), (2, number)), ("LINEBELOW", (0, number), (2, number), 0.7, INK)]
        else:
            cells.append([_field(*left), "", _field(*right)])
            commands += [("LINEBELOW", (0, number), (0, number), 0.7, INK),
                         ("LINEBELOW", (2, number), (2, number), 0.7, INK)]
    return make_table(cells, [column, gap, column], commands)


def _field(caption: str, value: str) -> list[Flowable]:
    """A caption with the value under it, or room to write by hand."""
    if value:
        return [para(caption, "label"), Spacer(1, 3), para(value, "filled"), Spacer(1, 3)]
    return [para(caption, "label"), Spacer(1, WRITING_HEIGHT)]


def _box_markup(label: str, ticked: bool) -> str:
    # Short labels stay whole on their line; a long one may wrap between its words.
    text = markup(label.replace(" ", NBSP) if len(label) <= 24 else label)
    if ticked:
        return f'<font size="{BOX_SIZE}">{TICKED_BOX}</font>{NBSP}<font face="{SANS_BOLD}">{text}</font>'
    return f'<font size="{BOX_SIZE}" color="#3e4c59">{EMPTY_BOX}</font>{NBSP}{text}'


def _payer_boxes(record: IntakeRecord | None) -> Paragraph:
    chosen = record.payer if record else None
    return Paragraph(f"{NBSP * 4} ".join(_box_markup(payer, payer == chosen) for payer in PAYERS),
                     styles()["choices"])


def _choices(question: IntakeQuestion) -> Paragraph:
    """Boxes to tick, kept with their labels; the chosen one ticked and bold. Long labels go one to a
    line, so a box never sits at the end of a line with its label on the next."""
    boxes = [_box_markup(choice, choice == question.chosen) for choice in question.choices]
    if any(len(choice) > 14 for choice in question.choices):
        return Paragraph("<br/>".join(boxes), styles()["choices"])
    return Paragraph(f"{NBSP * 3} ".join(boxes), styles()["choices"])


def _questions_table(questions: tuple[IntakeQuestion, ...], width: float) -> Flowable:
    if not questions:
        return para("No questions.")
    rows: list[list[Flowable | list[Flowable]]] = []
    for number, question in enumerate(questions, start=1):
        left: list[Flowable] = [para(question.text, "cell", prefix=f"<b>{number}.</b> ")]
        if question.help:
            left.append(para(question.help, "label"))
        if question.details_label:
            detail = escape(question.details_label, quote=False)
            if question.details:
                left.append(para(question.details, "filled", prefix=f'<font color="#3e4c59">{detail}</font> '))
            else:
                left.append(para(f"{detail} " + "_" * 40, "label"))
        rows.append([left, _choices(question)])
    return make_table(
        rows,
        [width * 0.56, width * 0.44],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
        ],
        splitInRow=1,
    )


def _operations_table(record: IntakeRecord | None, width: float) -> Table:
    widths = [width * 0.19, width * 0.22, width * 0.35]
    widths.append(width - sum(widths))
    header = [para(text, "cell_bold") for text in ("Date (year, month)", "Area of the body", "Side",
                                                   "What was done")]
    rows: list[list[Flowable | str]] = [header]
    operations: tuple[OperationEntry, ...] = record.operations if record else ()
    for operation in operations:
        rows.append([
            para(format_date(operation.when) if operation.when else "", "filled"),
            para(operation.area, "filled"),
            para(operation.side, "filled"),
            para(operation.description or "", "filled"),
        ])
    blank_rows = EXTRA_OPERATION_ROWS if record else BLANK_OPERATION_ROWS
    side_boxes = Paragraph(f"{NBSP} ".join(_box_markup(side, False) for side in ("Left", "Right", "Both")),
                           styles()["cell"])
    rows += [["", "", side_boxes, ""] for _ in range(blank_rows)]
    commands = [
        *grid_style(),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, MUTED),
        ("LINEAFTER", (0, 0), (-2, -1), 0.3, RULE),
    ]
    heights = [None] + [0.4 * inch] * (len(rows) - 1)
    return make_table(rows, widths, commands, rowHeights=heights, repeatRows=1)


def _writing_lines(width: float, count: int) -> Table:
    return make_table([[""]] * count, [width], [("LINEBELOW", (0, 0), (-1, -1), 0.6, INK)],
                      rowHeights=[WRITING_HEIGHT] * count)


def _sign_off(record: IntakeRecord | None, width: float) -> list[Flowable]:
    left, gap = width * 0.64, width * 0.05
    lines = make_table(
        [["", "", ""], [para("Signature of patient or substitute decision-maker", "label"), "",
                        para("Date", "label")],
         ["", "", ""], [para("Printed name (and relationship to the patient, if not the patient)", "label"),
                        "", ""]],
        [left, gap, width - left - gap],
        [
            ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
            ("LINEBELOW", (2, 0), (2, 0), 0.8, INK),
            ("LINEBELOW", (0, 2), (0, 2), 0.8, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 1), (-1, 1), 2),
        ],
        rowHeights=[0.45 * inch, None, WRITING_HEIGHT + 4, None],
    )
    statement = ("I have checked the details and answers on this form and corrected what was wrong. They are "
                 "correct and complete to the best of my knowledge. I will tell the clinic if anything changes."
                 if record is not None else
                 "The information on this form is correct and complete to the best of my knowledge. I will "
                 "tell the clinic if it changes.")
    return [*section("Signature", needs=0), para(statement), lines]
