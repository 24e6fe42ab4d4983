""""My day" with IMS in view: each appointment with the area, that area's verdict and its "not before" date.

An IMS appointment shows the verdict for the area booked. Any appointment (an ordinary physiotherapy
visit too) also shows the patient's areas that may not be needled on its day, so the physiotherapist
sees "Left knee: not yet, not before January 23, 2027" before the patient asks. The rule is the
domain's (`ims_status`, through `ims_statuses_from`), the same one the booking check asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from frontdesk.domain.appointments import ImsFlag
from frontdesk.domain.ims import ImsStatus
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Assessment, Level
from frontdesk.services.appointments import my_day
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.ims_statuses import ims_statuses_from
from frontdesk.services.reading import ReadUnit
from frontdesk.services.records import AppointmentRecord


@dataclass(frozen=True)
class AreaOutlook:
    """What IMS may do for one area (`area_key` "": the patient as a whole) on the appointment's day."""

    area_key: str
    area: str
    flag: ImsFlag
    #: The first day IMS may go ahead there when a date is what stands in the way, else None.
    not_before: date | None
    #: True for the area booked on an IMS appointment; False for an area shown as a warning.
    booked: bool
    #: The screening's level there with the physiotherapist's decision applied (None: no screening),
    #: and whether the screening is out of date that day.
    level: Level | None = None
    stale: bool = False

    @property
    def warns(self) -> bool:
        """Worth showing beside any appointment: the area may not be needled that day as things stand."""
        return self.flag in _WARNINGS


#: An out-of-date or missing screening matters for an IMS appointment only (it is flagged there).
_WARNINGS = frozenset({ImsFlag.NOT_YET, ImsFlag.NOT_ELIGIBLE, ImsFlag.REVIEW_PENDING})


@dataclass(frozen=True)
class MyDayRow:
    record: AppointmentRecord
    #: The booked area first (IMS appointments), then every other area that may not be needled that day.
    outlooks: tuple[AreaOutlook, ...]


def _outlook(area_key: str, status: ImsStatus | None, booked: bool, label: str = "") -> AreaOutlook:
    if status is None:
        return AreaOutlook(area_key, label, ImsFlag.NO_SCREENING, None, booked)
    flag = ImsFlag.for_screening(status.level, status.stale)
    not_before = None
    if flag is ImsFlag.NOT_YET:
        not_before = status.first_allowed or status.verdict.not_before
    return AreaOutlook(area_key, label, flag, not_before, booked, status.level, status.stale)


def _area_label(record: AppointmentRecord) -> str:
    return record.area_label if record.area else "Area not chosen"


def my_day_rows(ctx: ServiceContext, actor: Actor, therapist_id: int, day: date) -> list[MyDayRow]:
    """The therapist's appointments on `day` (as `my_day`), each with its IMS outlook."""
    records = my_day(ctx, actor, therapist_id, day)
    if not records:
        return []
    with ReadUnit(ctx, actor) as unit:
        unit.require(Permission.VIEW_PATIENTS, "see appointments")
        on = {record.id: ctx.local(record.starts_at).date() for record in records}
        # The patient as a whole first: its verdict lists the areas planned at the screening.
        whole = ims_statuses_from(unit.reader, {(r.patient_id, "", on[r.id]) for r in records})
        asked = {(r.patient_id, r.area, on[r.id]) for r in records if r.is_ims and r.area}
        for record in records:
            status = whole.get((record.patient_id, "", on[record.id]))
            if status is not None and isinstance(status.verdict, Assessment):
                asked |= {(record.patient_id, verdict.area.key, on[record.id]) for verdict in status.verdict.areas
                          if verdict.level is not Level.ELIGIBLE}
        per_area = ims_statuses_from(unit.reader, asked)
    rows = []
    for record in records:
        day_of = on[record.id]
        outlooks: list[AreaOutlook] = []
        if record.is_ims:
            key = record.area
            source = per_area if key else whole
            status = source.get((record.patient_id, key, day_of))
            outlooks.append(_outlook(key, status, True, _area_label(record)))
        status = whole.get((record.patient_id, "", day_of))
        if status is not None and isinstance(status.verdict, Assessment):
            for verdict in status.verdict.areas:
                if verdict.level is Level.ELIGIBLE or (record.is_ims and verdict.area.key == record.area):
                    continue
                found = per_area.get((record.patient_id, verdict.area.key, day_of))
                outlook = _outlook(verdict.area.key, found, False, verdict.area.label)
                if outlook.warns:
                    outlooks.append(outlook)
            if not status.verdict.areas and not record.is_ims:
                outlook = _outlook("", status, False, "All areas")
                if outlook.warns:
                    outlooks.append(outlook)
        rows.append(MyDayRow(record, tuple(outlooks)))
    return rows
