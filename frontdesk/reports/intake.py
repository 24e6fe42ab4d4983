"""The intake form: blank for the clipboard, or pre-filled from the record for the patient to check and sign."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from frontdesk.reports.data import IntakeFormData, IntakeQuestion, IntakeRecord, OperationEntry
from frontdesk.reports.fonts import SANS_BOLD, markup
from frontdesk.reports.layout import (
    INK,
    MUTED,
    RULE,
    Page,
    build_pdf,
    format_date,
    grid_style,
    make_table,
    para,
    section,
    styles,
)

TITLE = "Patient Intake Form"
EMPTY_BOX = "☐"
TICKED_BOX = "☒"
NBSP = "\u00a0"
BLANK_OPERATION_ROWS = 4
EXTRA_OPERATION_ROWS = 2


def intake_form_pdf(data: IntakeFormData) -> bytes:
    """The intake form; with `data.record` the patient's details are printed on the lines and boxes ticked."""
    record = data.record
    page = Page(
        clinic=data.clinic,
        title=TITLE,
        subject=f"Intake form for {record.full_name}" if record else "Blank intake form",
        generated_at=data.generated_at,
        footer_note=f"Patient: {record.full_name}" if record else "",
    )
    width = page.frame_width
    intro = (
        "Please check the details we have on file. Cross out and correct anything that is wrong, "
        "then sign at the end."
        if record
        else "Please print clearly and tick one box for each question. Ask us if anything is unclear."
    )
    story: list[Flowable] = [
        para(TITLE, "title"),
        para(intro, "subtitle"),
        *section("About you"),
        _fields(record, width),
        *section("Health questions", needs=1.4 * inch),
        para("These answers help us decide whether IMS (dry needling) is safe for you.", "small"),
        Spacer(1, 3),
        _questions_table(data.questions, width),
        KeepTogether([
            *section("Operations", needs=0),
            para("List any operations you have had, most recent first.", "small"),
            Spacer(1, 3),
            _operations_table(record, width),
        ]),
        KeepTogether([
            *section("Anything else we should know?", needs=0),
            para("For example, medicines that thin the blood, a pacemaker, or where it hurts most.", "small"),
            _writing_lines(width, 3),
        ]),
        KeepTogether(_sign_off(width)),
    ]
    return build_pdf(story, page)


def _fields(record: IntakeRecord | None, width: float) -> Table:
    """Writing lines with a caption above each; on a pre-filled form the value sits on the line."""
    r = record or IntakeRecord(full_name="")
    pairs = [
        (("Full legal name", r.full_name), ("Preferred name", r.preferred_name or "")),
        (("Date of birth (year, month, day)", format_date(r.date_of_birth) if r.date_of_birth else ""),
         ("Phone", r.phone or "")),
    ]
    wide = [
        ("Email", r.email or "", 1),
        ("Home address", r.address or "", 2),
        ("Emergency contact: name, relationship, phone", r.emergency_contact or "", 1),
        ("Who pays: self, extended health plan (name and number), WorkSafeBC or ICBC claim number",
         r.payer or "", 1),
    ]
    rows: list[list[Flowable | list[Flowable] | str]] = [
        [_field(*left), "", _field(*right)] for left, right in pairs
    ]
    rows += [[_field(caption, value, lines), "", ""] for caption, value, lines in wide]
    gap = 0.25 * inch
    column = (width - gap) / 2
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (0, -1), 0.7, MUTED),
        ("LINEBELOW", (2, 0), (2, -1), 0.7, MUTED),
    ]
    for row in range(len(pairs), len(rows)):
        commands += [("SPAN", (0, row), (2, row)), ("LINEBELOW", (0, row), (2, row), 0.7, MUTED)]
    return make_table(rows, [column, gap, column], commands)


def _field(caption: str, value: str, lines: int = 1) -> list[Flowable]:
    """A caption with the value under it, or room to write `lines` lines by hand."""
    if value:
        return [para(caption, "label"), para(value, "filled")]
    return [para(caption, "label"), Spacer(1, 19 * lines)]


def _choices(question: IntakeQuestion) -> Paragraph:
    """Boxes to tick, kept with their labels; the chosen one ticked and bold."""
    parts = []
    for choice in question.choices:
        label = markup(choice.replace(" ", NBSP))
        if choice == question.chosen:
            parts.append(f'<font size="12">{TICKED_BOX}</font>{NBSP}<font face="{SANS_BOLD}">{label}</font>')
        else:
            parts.append(f'<font size="12" color="#52606d">{EMPTY_BOX}</font>{NBSP}{label}')
    return Paragraph(f"{NBSP * 3} ".join(parts), styles()["choices"])


def _questions_table(questions: tuple[IntakeQuestion, ...], width: float) -> Flowable:
    if not questions:
        return para("No questions.")
    rows: list[list[Flowable | list[Flowable]]] = []
    for number, question in enumerate(questions, start=1):
        left: list[Flowable] = [para(question.text, "cell", prefix=f"<b>{number}.</b> ")]
        if question.details_label:
            detail = escape(question.details_label)
            if question.details:
                left.append(para(question.details, "filled", prefix=f'<font color="#52606d">{detail}</font> '))
            else:
                left.append(para(f"{detail} " + "_" * 40, "label"))
        rows.append([left, _choices(question)])
    return make_table(
        rows,
        [width * 0.55, width * 0.45],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
        ],
        splitInRow=1,
    )


def _operations_table(record: IntakeRecord | None, width: float) -> Table:
    widths = [width * 0.22, width * 0.25, width * 0.25]
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
    side_boxes = Paragraph(
        f"{NBSP * 2} ".join(f'<font color="#52606d">{EMPTY_BOX}</font>{NBSP}{side}' for side in
                            ("Left", "Right", "Both")),
        styles()["cell"],
    )
    rows += [["", "", side_boxes, ""] for _ in range(blank_rows)]
    commands = [
        *grid_style(),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, MUTED),
        ("LINEAFTER", (0, 0), (-2, -1), 0.3, RULE),
    ]
    heights = [None] + [0.36 * inch] * (len(rows) - 1)
    return make_table(rows, widths, commands, rowHeights=heights, repeatRows=1)


def _writing_lines(width: float, count: int) -> Table:
    return make_table([[""]] * count, [width], [("LINEBELOW", (0, 0), (-1, -1), 0.6, MUTED)],
                      rowHeights=[0.32 * inch] * count)


def _sign_off(width: float) -> list[Flowable]:
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
        rowHeights=[0.45 * inch, None, 0.4 * inch, None],
    )
    return [
        *section("Signature", needs=0),
        para("The information on this form is correct and complete to the best of my knowledge. I will "
             "tell the clinic if it changes."),
        lines,
    ]
