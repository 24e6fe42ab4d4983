"""The screening verdict as printed on the consent form and the eligibility summary."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer, Table

from frontdesk.reports.data import Verdict
from frontdesk.reports.layout import (
    bullet,
    format_date,
    grid_style,
    level_cell,
    make_table,
    para,
    toned_markup,
    verdict_banner,
)


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
        flowables.append(para("Why:", "cell_bold"))
        flowables.extend(bullet(reason) for reason in verdict.reasons)
    if verdict.areas:
        flowables.append(Spacer(1, 6))
        flowables.append(_areas_table(verdict, width))
    return flowables


def _areas_table(verdict: Verdict, width: float) -> Table:
    widths = [width * 0.17, width * 0.18, width * 0.17]
    widths.append(width - sum(widths))
    rows: list[list[object]] = [[para(h, "cell_bold") for h in ("Area", "Verdict", "Not before", "Reasons")]]
    for area in verdict.areas:
        reasons: list[Flowable] | Flowable = (
            [para(reason, "cell") for reason in area.reasons] if area.reasons else para("—", "cell")
        )
        rows.append([
            para(area.area, "cell"),
            level_cell(area.level, area.tone),
            para(format_date(area.not_before) if area.not_before else "—", "cell"),
            reasons,
        ])
    return make_table(rows, widths, grid_style(), repeatRows=1, splitInRow=1)
