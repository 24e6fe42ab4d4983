"""The IMS status of many (patient, area, day) at once, for lists: the day view, the appointment
list, "My day". Plain SQL (see `db.plain`), so the schedule's first screen can show its IMS flags
before SQLAlchemy has loaded; the rule itself is the domain's (`domain.ims.ims_status`), the same one
`services.screenings.ims_allowed` asks before a booking.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from frontdesk.db.plain import Projection, Reader, as_date, chunks, first_value, in_list
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims import ImsStatus, ims_status, same_every_day, saved_ims_status, verdict_on
from frontdesk.domain.screening import AreaAssessment, Assessment, ReviewDecision, RuleTable, ScreeningAnswers
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_from, screening_rules_from


@dataclass(frozen=True)
class _OnFile:
    """What the IMS check needs of a current screening, read in bulk: the answers as stored (text,
    parsed only when the judgement is not already known) and the latest decision."""

    id: int
    screened_on: date
    answers_text: str
    decision: ReviewDecision | None


class _ScreeningRow(NamedTuple):
    id: int
    patient_id: int
    screened_at: Any  # as stored: compared only with another screening's
    screened_on: Any
    answers: str
    decision: str | None  # the latest decision on it, if any


#: The values a decision may have (constants of the domain, written into the SQL).
_DECISION_VALUES = ", ".join(f"'{decision.value}'" for decision in ReviewDecision)

#: Each current screening of the patients with its latest decision, in one statement (a round trip
#: less than asking for the decisions after the screenings).
_SCREENINGS = Projection(_ScreeningRow, (("s", "screenings", None),), {
    "id": "s.id", "patient_id": "s.patient_id", "screened_at": "s.screened_at", "screened_on": "s.screened_on",
    "answers": "CAST(s.answers AS TEXT)",
    "decision": ("(SELECT r.decision FROM screening_reviews r WHERE r.screening_id = s.id "
                 f"AND r.decision IN ({_DECISION_VALUES}) ORDER BY r.decided_at DESC, r.id DESC LIMIT 1)"),
})
_CURRENT = "WHERE s.patient_id IN ({patients}) AND s.superseded_by IS NULL"
_CURRENT_ANY = "WHERE s.patient_id = ANY(:patients) AND s.superseded_by IS NULL"
_SAVED_ASSESSMENT = "SELECT CAST(assessment AS TEXT) FROM screenings WHERE id = :id"


def _current_on_file(reader: Reader, patient_ids: Iterable[int]) -> dict[int, _OnFile]:
    """Each patient's current screening and its latest decision: a query per 500 patients (on
    PostgreSQL one, with the patients as an array: the statement's text is then the same whatever
    their number, so the server plans it once rather than for every list, about 0.5 ms a day view)."""
    ids = sorted(set(patient_ids))
    if reader.dialect == "postgresql":
        reads = [(_CURRENT_ANY, {"patients": ids})]
    else:
        reads = []
        for part in chunks(ids):
            placeholders, params = in_list("p", part)
            reads.append((_CURRENT.format(patients=placeholders), params))
    rows: dict[int, _ScreeningRow] = {}
    for where, params in reads:
        for row in reader.select(_SCREENINGS, where, params):
            current = rows.get(row.patient_id)
            if current is None or (row.screened_at, row.id) > (current.screened_at, current.id):
                rows[row.patient_id] = row
    on_file: dict[int, _OnFile] = {}
    for patient_id, row in rows.items():
        screened_on = as_date(row.screened_on)
        assert screened_on is not None  # a NOT NULL column
        # Interned: the judged statuses below are remembered by the answers' text, and one patient's
        # screening is judged for many days (the waitlist asks about each freed slot); read anew each
        # time, the same 450-odd characters would be kept once per remembered status.
        on_file[patient_id] = _OnFile(row.id, screened_on, sys.intern(row.answers),
                                      ReviewDecision(row.decision) if row.decision else None)
    return on_file


@lru_cache(maxsize=4096)
def _answers(answers_text: str, for_one_area: bool) -> ScreeningAnswers:
    """Stored answers, parsed once for every appointment that asks about them. Judged for one area,
    the screening's own planned areas play no part: they are left out (and not parsed), so patients
    who answered alike have equal answers."""
    stored = json.loads(answers_text)
    if for_one_area:
        stored = {**stored, "planned_areas": ()}
    return ScreeningAnswers.from_dict(stored)


@lru_cache(maxsize=512)
def _area(area_key: str) -> BodyArea:
    return BodyArea.parse(area_key)


#: Verdicts already judged, by (answers, area, day or None when the day plays no part, rules): most
#: patients answer alike (no condition, no surgery), so a day's list judges a handful of distinct
#: answers for each area rather than one per appointment. Emptied when full.
_verdicts: dict[tuple[Any, ...], Assessment | AreaAssessment] = {}
_VERDICTS_KEPT = 8192


def _remembered_verdict(answers: ScreeningAnswers, area: BodyArea | None, on: date,
                        rules: RuleTable) -> Assessment | AreaAssessment:
    """The domain's `verdict_on`, once for equal answers, area and rules (and day, when it matters)."""
    key = (answers, area, None if same_every_day(answers, area) else on, rules)
    found = _verdicts.get(key)
    if found is None:
        found = verdict_on(answers, area, on, rules)
        if len(_verdicts) >= _VERDICTS_KEPT:
            _verdicts.clear()
        _verdicts[key] = found
    return found


@lru_cache(maxsize=8192)
def _judged(answers_text: str, area_key: str, on: date, decision: ReviewDecision | None, screened_on: date,
            rescreen_months: int, rules: RuleTable) -> ImsStatus:
    """`ims_status` of stored answers, remembered: a screening is never edited, and everything else the
    judgement depends on is part of the key, so lists shown again (a day reloaded after each change)
    do not assess the same screenings again. Raises as `ims_status` and `BodyArea.parse` do."""
    area = _area(area_key) if area_key else None
    return ims_status(_answers(answers_text, area is not None), area, on, rules, decision, screened_on,
                      rescreen_months, verdicts=_remembered_verdict)


def ims_statuses_from(reader: Reader, asked: Iterable[tuple[int, str, date]], *,
                      settings: ClinicSettings | None = None) -> dict[tuple[int, str, date], ImsStatus | None]:
    """The IMS status of each (patient, area key, day), from each patient's current screening, with
    the same rule as `ims_allowed`; None for a patient with no screening. A few queries whatever the
    number asked (settings, rules, screenings, reviews); pass `settings` when the caller has read
    them already.

    A screening whose answers can no longer be assessed (or an area key that no longer parses) is
    judged from the assessment saved with it, so one odd row never stops a list from showing.
    """
    wanted = set(asked)
    if not wanted:
        return {}
    rescreen_months = (settings or clinic_settings_from(reader)).rescreen_months
    rules = screening_rules_from(reader)
    on_file = _current_on_file(reader, (patient_id for patient_id, _area, _on in wanted))
    result: dict[tuple[int, str, date], ImsStatus | None] = {}
    for key in wanted:
        patient_id, area_key, on = key
        screening = on_file.get(patient_id)
        if screening is None:
            result[key] = None
            continue
        try:
            result[key] = _judged(screening.answers_text, area_key, on, screening.decision, screening.screened_on,
                                  rescreen_months, rules)
        except (ValueError, KeyError, TypeError):
            saved = Assessment.from_dict(json.loads(first_value(reader, _SAVED_ASSESSMENT, {"id": screening.id})))
            area = next((v.area for v in saved.areas if v.area.key == area_key), None) if area_key else None
            result[key] = saved_ims_status(saved, area, on, screening.decision, screening.screened_on,
                                           rescreen_months)
    return result
