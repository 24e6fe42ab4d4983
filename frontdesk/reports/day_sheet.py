"""One physiotherapist's day on one sheet, to carry around and write on.

Landscape, one line per appointment: the time, the patient in bold (in every script) with their phone,
the kind of visit (shortened to fit), each area's IMS state, the status, and an empty column for the
physiotherapist's ticks and notes. Only a patient with several areas on hold takes a second line, so
that every area shows. Free time between appointments is shown as its own light line, and
the count at the top counts only the IMS flags that need attention, not those saying IMS may go ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph

from frontdesk.domain.when import format_clock_range, format_minutes, format_weekday_date
from frontdesk.reports.data import DaySheetAppointment, DaySheetData
from frontdesk.reports.layout import (
    INK,
    MUTED,
    RULE,
    SHADE,
    TONE_INK,
    TONE_MARK,
    Page,
    TextLine,
    build_pdf,
    grid_style,
    local,
    make_table,
    para,
    styles,
    toned_markup,
)

TITLE = "Day Sheet"
COLUMNS = ("Time", "Patient and phone", "Visit", "Area and IMS", "Status", "Notes ✓")
COLUMN_INCHES = (1.82, 2.03, 1.4, 2.1, 1.0)
#: A gap between appointments shorter than this is not worth a line.
SHORTEST_GAP = timedelta(minutes=5)
#: Words shortened so the kind of visit fits its column on one line.
SHORTER = (("initial assessment", "first visit"), ("Physiotherapy", "Physio"), ("assessment", "assess."))


def day_sheet_pdf(data: DaySheetData) -> bytes:
    """The therapist's appointments for the day, in time order, with each area's IMS state and the gaps."""
    day_words = format_weekday_date(data.day)
    page = Page(
        clinic=data.clinic,
        title=f"{TITLE}: {data.therapist_name}, {day_words}",
        subject=f"Appointments of {data.therapist_name} on {day_words}",
        generated_at=data.generated_at,
        landscape=True,
        footer_title=f"{TITLE}: {data.therapist_name}, {day_words}",
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
    flagged = sum(1 for a in booked if a.needs_attention)
    parts.append(f"{flagged} IMS flag{'s' if flagged != 1 else ''} to act on" if flagged else "no IMS flag to act on")
    return " · ".join(parts)


def short_type(name: str) -> str:
    for long, short in SHORTER:
        name = name.replace(long, short)
    return name


def _table(data: DaySheetData, appointments: list[DaySheetAppointment], width: float) -> Flowable:
    rows: list[list[Flowable | str]] = [[para(title, "sheet_bold") for title in COLUMNS]]
    commands = [
        *grid_style(),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LINEAFTER", (4, 0), (4, -1), 0.5, RULE),
    ]
    latest_end = None
    for appointment in appointments:
        if latest_end is not None and not appointment.cancelled and appointment.starts_at - latest_end >= SHORTEST_GAP:
            rows.append(_gap_row(data, latest_end, appointment.starts_at))
            commands += [("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE),
                         ("TOPPADDING", (0, len(rows) - 1), (-1, len(rows) - 1), 1.5),
                         ("BOTTOMPADDING", (0, len(rows) - 1), (-1, len(rows) - 1), 1.5)]
        rows.append(_row(data, appointment))
        if not appointment.cancelled:
            latest_end = max(latest_end, appointment.ends_at) if latest_end is not None else appointment.ends_at
    widths = [share * inch for share in COLUMN_INCHES]
    widths.append(width - sum(widths))
    return make_table(rows, widths, commands, repeatRows=1)


def _gap_row(data: DaySheetData, start: datetime, end: datetime) -> list[Flowable | str]:
    minutes = int((end - start).total_seconds() // 60)
    return [TextLine(format_clock_range(local(start, data.clinic), local(end, data.clinic)), 9.5, color=MUTED),
            TextLine(f"Free time, {format_minutes(minutes)}", 9.5, color=MUTED), "", "", "", ""]


def _row(data: DaySheetData, appointment: DaySheetAppointment) -> list[Flowable | str]:
    """One appointment on one line; a cancelled one is greyed out and its IMS state no longer highlighted."""
    clinic = data.clinic
    time = format_clock_range(local(appointment.starts_at, clinic), local(appointment.ends_at, clinic))
    cancelled = appointment.cancelled
    ink = MUTED if cancelled else INK
    cells: list[Flowable | str] = [
        TextLine(time, color=ink),
        TextLine(appointment.patient_name, bold=not cancelled, color=ink, after=appointment.phone or ""),
        TextLine(short_type(appointment.appointment_type), color=ink),
    ]
    if appointment.ims_flag and not cancelled:
        cells.append(_flag_cell(appointment))
    else:
        cells.append(TextLine(appointment.ims_flag or "—", color=MUTED))
    cells += [TextLine(appointment.status, bold=not cancelled, color=ink), ""]
    return cells


def _flag_cell(appointment: DaySheetAppointment) -> Flowable:
    """Each area with its level's sign, words and colour (the screen's), one to a line; the booked area
    in bold when it needs attention. One area fits its line; several areas on hold each get theirs."""
    parts = appointment.areas or ((appointment.ims_tone, appointment.ims_flag or ""),)
    if len(parts) == 1:
        tone, text = parts[0]
        return TextLine(f"{TONE_MARK[tone]} {text}", bold=appointment.needs_attention, color=TONE_INK[tone],
                        regular_if_cut=True)
    lines = [toned_markup([part]) for part in parts]
    if appointment.needs_attention:
        lines[0] = f"<b>{lines[0]}</b>"
    return Paragraph("<br/>".join(lines), styles()["sheet"])
