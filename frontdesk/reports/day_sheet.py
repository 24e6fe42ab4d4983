"""One physiotherapist's day on one sheet.

Landscape: each appointment reads as one line across the page. In portrait the six columns would leave
the patient name and the IMS flag about two inches each, so most rows would wrap onto two or three lines
and a normal day (about 16 appointments) would no longer fit on one page.
"""

from __future__ import annotations

from reportlab.lib.units import inch
from reportlab.platypus import Flowable

from frontdesk.reports.data import DaySheetAppointment, DaySheetData
from frontdesk.reports.layout import (
    Page,
    build_pdf,
    format_time_range,
    format_weekday_date,
    grid_style,
    level_cell,
    make_table,
    para,
)

TITLE = "Day Sheet"
COLUMNS = ("Time", "Patient", "Type", "Phone", "Status", "IMS flag")
COLUMN_INCHES = (1.4, 1.85, 1.6, 1.25, 0.95)
NBSP = "\u00a0"


def day_sheet_pdf(data: DaySheetData) -> bytes:
    """The therapist's appointments for the day, in time order, with each patient's IMS flag."""
    day_words = format_weekday_date(data.day)
    page = Page(
        clinic=data.clinic,
        title=f"{TITLE}: {data.therapist_name}, {day_words}",
        subject=f"Appointments of {data.therapist_name} on {day_words}",
        generated_at=data.generated_at,
        landscape=True,
    )
    appointments = sorted(data.appointments, key=lambda a: (a.starts_at, a.patient_name))
    story: list[Flowable] = [
        para(f"{TITLE}: {data.therapist_name}", "title"),
        para(f"{day_words} · {_summary(appointments)}", "subtitle"),
    ]
    if appointments:
        story.append(_table(data, appointments, page.frame_width))
    else:
        story.append(para("No appointments are booked for this day."))
    return build_pdf(story, page)


def _summary(appointments: list[DaySheetAppointment]) -> str:
    booked = [a for a in appointments if not a.cancelled]
    parts = [f"{len(booked)} appointment{'s' if len(booked) != 1 else ''}"]
    cancelled = len(appointments) - len(booked)
    if cancelled:
        parts.append(f"{cancelled} cancelled")
    flagged = sum(1 for a in booked if a.ims_flag)
    if flagged:
        parts.append(f"{flagged} with an IMS flag")
    return " · ".join(parts)


def _table(data: DaySheetData, appointments: list[DaySheetAppointment], width: float) -> Flowable:
    rows: list[list[Flowable]] = [[para(title, "sheet_bold") for title in COLUMNS]]
    rows += [_row(data, appointment) for appointment in appointments]
    commands = [
        *grid_style(),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    widths = [share * inch for share in COLUMN_INCHES]
    widths.append(width - sum(widths))
    return make_table(rows, widths, commands, repeatRows=1)


def _row(data: DaySheetData, appointment: DaySheetAppointment) -> list[Flowable]:
    """One appointment; a cancelled one is greyed out and its IMS flag no longer highlighted."""
    clinic = data.clinic
    time = format_time_range(appointment.starts_at, appointment.ends_at, clinic)
    plain, strong = ("sheet_cancelled",) * 2 if appointment.cancelled else ("sheet", "sheet_bold")
    cells = [
        para(time, strong),
        para(appointment.patient_name, strong),
        para(appointment.appointment_type, plain),
        para((appointment.phone or "—").replace(" ", NBSP), plain),
        para(appointment.status, strong),
    ]
    if appointment.ims_flag and not appointment.cancelled:
        cells.append(level_cell(appointment.ims_flag, appointment.ims_tone, "sheet_bold"))
    else:
        cells.append(para(appointment.ims_flag or "—", plain))
    return cells
