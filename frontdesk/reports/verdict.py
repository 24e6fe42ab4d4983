"""The screening verdict as printed on the consent form and the eligibility summary."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer, Table

from frontdesk.domain.when import format_date
from frontdesk.reports.data import Verdict
from frontdesk.reports.layout import bullet, grid_style, level_cell, make_table, para, toned_markup, verdict_banner


def verdict_flowables(verdict: Verdict, width: float) -> list[Flowable]:
    """The verdict in a banner (per area, as on screen: "✓ Left thigh: IMS now · ◷ Left knee: from January 23,
    2027"), what it means for ordinary physiotherapy, every reason, then one row per area with its own
    level and date."""
    if verdict.headline:
        flowables: list[Flowable] = [verdict_banner("IMS verdict", verdict.level, verdict.tone, width, verdict.note,
                                                    level_markup=toned_markup(verdict.headline))]
    else:
        detail = f"Not before {format_date(verdict.not_before)}" if verdict.not_before else None
        flowables = [verdict_banner("Overall IMS verdict", verdict.level, verdict.tone, width, detail)]
    if verdict.reasons:
        flowables.append(Spacer(1, 5))
        flowables.append(para("What holds IMS up:", "cell_bold"))
        flowables.extend(bullet(reason) for reason in verdict.reasons)
    if verdict.notes:
        flowables.append(Spacer(1, 5))
        flowables.append(para("For the physiotherapist's information (these do not hold IMS up):", "cell_bold"))
        flowables.extend(bullet(note) for note in verdict.notes)
    if verdict.areas:
        flowables.append(Spacer(1, 6))
        flowables.append(_areas_table(verdict, width))
    return flowables


def _areas_table(verdict: Verdict, width: float) -> Table:
    """Area, what it means for IMS (with the mark and words the screen shows), and the area's own reasons.
    A "Not before" column is added only for areas that give the date apart from their words; the
    "Reasons" column only when an area has reasons of its own (otherwise they are listed once above)."""
    dated = any(area.not_before for area in verdict.areas)
    with_reasons = any(area.reasons for area in verdict.areas)
    widths = [width * 0.17, width * 0.18, width * 0.17] if dated else [width * 0.18, width * 0.3]
    if not with_reasons:
        widths = [width * 0.3, width * 0.4, width * 0.3] if dated else [width * 0.4, width * 0.6]
    else:
        widths.append(width - sum(widths))
    headers = ["Area", "IMS"] + (["Not before"] if dated else []) + (["Reasons"] if with_reasons else [])
    rows: list[list[object]] = [[para(h, "cell_bold") for h in headers]]
    for area in verdict.areas:
        row: list[object] = [para(area.area, "cell"), level_cell(area.level, area.tone)]
        if dated:
            row.append(para(format_date(area.not_before) if area.not_before else "—", "cell"))
        if with_reasons:
            row.append([para(reason, "cell") for reason in area.reasons] if area.reasons else para("—", "cell"))
        rows.append(row)
    return make_table(rows, widths, grid_style(), repeatRows=1, splitInRow=1)
