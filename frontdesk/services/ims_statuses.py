"""The IMS status of many (patient, area, day) at once, for lists: the day view, the appointment
list, "My day". Plain SQL (see `db.plain`), so the schedule's first screen can show its IMS flags
before SQLAlchemy has loaded; the rule itself is the domain's (`domain.ims.ims_status`), the same one
`services.screenings.ims_allowed` asks before a booking.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from frontdesk.db.plain import Reader, as_date, chunks, in_list
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims import ImsStatus, ims_status, saved_ims_status
from frontdesk.domain.screening import Assessment, ReviewDecision, RuleTable, ScreeningAnswers
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_from, screening_rules_from


@dataclass(frozen=True)
class _OnFile:
    """What the IMS check needs of a current screening, read in bulk: the answers as stored (text,
    parsed only when the judgement is not already known) and the latest decision."""

    id: int
    screened_on: date
    answers_text: str
    decision: ReviewDecision | None


_CURRENT_SCREENINGS = ("SELECT id, patient_id, screened_at, screened_on, CAST(answers AS TEXT) FROM screenings "
                       "WHERE patient_id IN ({patients}) AND superseded_by IS NULL")
_DECISIONS = ("SELECT screening_id, decision FROM screening_reviews WHERE screening_id IN ({screenings}) "
              "ORDER BY decided_at, id")
_SAVED_ASSESSMENT = "SELECT CAST(assessment AS TEXT) FROM screenings WHERE id = :id"


def _current_on_file(reader: Reader, patient_ids: Iterable[int]) -> dict[int, _OnFile]:
    """Each patient's current screening and its latest decision: a query per 500 patients, and one
    more per 500 screenings."""
    rows: dict[int, tuple[Any, ...]] = {}
    for part in chunks(sorted(set(patient_ids))):
        placeholders, params = in_list("p", part)
        for row in reader.rows(_CURRENT_SCREENINGS.format(patients=placeholders), params):
            current = rows.get(row[1])
            if current is None or (row[2], row[0]) > (current[2], current[0]):
                rows[row[1]] = row
    decisions: dict[int, ReviewDecision] = {}
    for part in chunks([row[0] for row in rows.values()]):
        placeholders, params = in_list("s", part)
        for screening_id, decision in reader.rows(_DECISIONS.format(screenings=placeholders), params):
            try:
                decisions[screening_id] = ReviewDecision(decision)
            except ValueError:
                continue
    on_file: dict[int, _OnFile] = {}
    for patient_id, row in rows.items():
        screened_on = as_date(row[3])
        assert screened_on is not None  # a NOT NULL column
        on_file[patient_id] = _OnFile(row[0], screened_on, row[4], decisions.get(row[0]))
    return on_file


@lru_cache(maxsize=8192)
def _judged(answers_text: str, area_key: str, on: date, decision: ReviewDecision | None, screened_on: date,
            rescreen_months: int, rules: RuleTable) -> ImsStatus:
    """`ims_status` of stored answers, remembered: a screening is never edited, and everything else the
    judgement depends on is part of the key, so lists shown again (a day reloaded after each change)
    do not assess the same screenings again. Raises as `ims_status` and `BodyArea.parse` do."""
    area = BodyArea.parse(area_key) if area_key else None
    stored = json.loads(answers_text)
    if area is not None:
        # Judged for one area, the screening's own planned areas play no part: they are not parsed.
        stored = {**stored, "planned_areas": ()}
    answers = ScreeningAnswers.from_dict(stored)
    return ims_status(answers, area, on, rules, decision, screened_on, rescreen_months)


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
            saved = Assessment.from_dict(json.loads(reader.rows(_SAVED_ASSESSMENT, {"id": screening.id})[0][0]))
            area = next((v.area for v in saved.areas if v.area.key == area_key), None) if area_key else None
            result[key] = saved_ims_status(saved, area, on, screening.decision, screening.screened_on,
                                           rescreen_months)
    return result
