"""A recall list on paper: who to call, their phone, and why, with a tick box for the call.

Landscape, as the day sheet: a name, a phone number and a one-line reason read across the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import inch
from reportlab.platypus import Flowable

from frontdesk.reports.data import ClinicDetails
from frontdesk.reports.layout import Page, build_pdf, grid_style, make_table, para

COLUMNS = ("Patient", "Phone", "Why", "Called")
NBSP = "\u00a0"


@dataclass(frozen=True)
class RecallRow:
    patient_name: str
    phone: str
    reason: str


@dataclass(frozen=True)
class RecallSheetData:
    clinic: ClinicDetails
    title: str
    explanation: str
    generated_at: datetime
    rows: tuple[RecallRow, ...]


def recall_pdf(data: RecallSheetData) -> bytes:
    page = Page(clinic=data.clinic, title=f"Recall list: {data.title}", subject=data.explanation,
                generated_at=data.generated_at, landscape=True)
    count = len(data.rows)
    story: list[Flowable] = [
        para(f"Recall list: {data.title}", "title"),
        para(f"{data.explanation} {count} patient{'s' if count != 1 else ''}.", "subtitle"),
    ]
    if not data.rows:
        story.append(para("No patients are on this list today."))
        return build_pdf(story, page)
    rows: list[list[Flowable]] = [[para(title, "sheet_bold") for title in COLUMNS]]
    for row in data.rows:
        rows.append([para(row.patient_name, "sheet_bold"), para((row.phone or "—").replace(" ", NBSP), "sheet"),
                     para(row.reason, "sheet"), para("☐", "sheet")])
    widths = [2.3 * inch, 1.35 * inch]
    widths.append(page.frame_width - sum(widths) - 0.6 * inch)
    widths.append(0.6 * inch)
    story.append(make_table(rows, widths, grid_style(), repeatRows=1))
    return build_pdf(story, page)
