"""The screenings of the generated clinic: answered from templates, assessed by the domain's rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from frontdesk.db.models import Screening, ScreeningReview
from frontdesk.devtools.words import DECISIONS, REVIEW_NOTES, SURGERY_REGIONS
from frontdesk.domain.areas import ALL_AREAS, BodyArea, Region, Side, adjacent_areas
from frontdesk.domain.conditions import CONDITIONS, Condition, areas_for
from frontdesk.domain.screening import QUESTIONS, Level, ReviewDecision, ScreeningAnswers, Surgery, assess

if TYPE_CHECKING:
    from frontdesk.devtools.clinic import Generator

# --- Screening answer templates -------------------------------------------------------------------

CLEAR: dict[str, str] = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
assert set(CLEAR) == {question.key.value for question in QUESTIONS}


@dataclass(frozen=True)
class Template:
    """One way a screening is answered. `surgery` is (earliest, latest) days before the screening;
    `surgery_planned` says whether the operated area itself is to be needled (else only next to it)."""

    name: str
    weight: int
    answers: dict[str, str] = field(default_factory=dict)
    surgery: tuple[int, int] | None = None
    surgery_planned: bool = True


TEMPLATES: tuple[Template, ...] = (
    Template("clear", 520),
    Template("diabetes", 45, {"diabetes": "yes"}),
    Template("blood_thinners", 40, {"bleeding_risk": "yes"}),
    Template("survivor", 30, {"cancer": "survivor"}),
    Template("controlled_autoimmune", 30, {"autoimmune": "controlled"}),
    Template("mild_osteoporosis", 30, {"osteoporosis": "mild"}),
    Template("moderate_osteoporosis", 20, {"osteoporosis": "moderate"}),
    Template("pacemaker", 8, {"implanted_device": "yes"}),
    Template("old_surgery", 35, {"had_surgery": "yes"}, surgery=(120, 330)),
    Template("severe_osteoporosis", 30, {"osteoporosis": "severe_or_poorly_controlled"}),
    Template("unsure_cancer", 18, {"cancer": "unsure"}),
    Template("unsure_autoimmune", 16, {"autoimmune": "unsure"}),
    Template("unsure_needles", 14, {"needle_fear": "unsure"}),
    Template("unsure_pregnant", 8, {"pregnant": "unsure"}),
    Template("recent_surgery", 45, {"had_surgery": "yes"}, surgery=(10, 75)),
    Template("recent_surgery_nearby", 20, {"had_surgery": "yes"}, surgery=(7, 38), surgery_planned=False),
    Template("pregnant", 16, {"pregnant": "yes"}),
    Template("active_cancer", 18, {"cancer": "active"}),
    Template("needle_fear", 18, {"needle_fear": "yes"}),
    Template("uncontrolled_autoimmune", 10, {"autoimmune": "uncontrolled"}),
    Template("cannot_understand", 8, {"understands_treatment": "no"}),
)
_TEMPLATE_WEIGHTS = tuple(template.weight for template in TEMPLATES)
_BY_NAME = {template.name: template for template in TEMPLATES}
#: The current screenings of the most recently screened patients cycle through these when a plan asks
#: for every level (the demo): a recent knee and shoulder operation, reviews, refusals.
SHOWCASE = ("recent_surgery:knee", "severe_osteoporosis", "active_cancer", "recent_surgery:shoulder",
            "unsure_cancer", "needle_fear", "clear", "recent_surgery_nearby", "pregnant", "diabetes")


_CONDITIONS_WITH_AREAS = tuple(condition for condition in CONDITIONS if condition.regions)
_AREAS: dict[tuple[str, Side], tuple[tuple[BodyArea, ...], tuple[str, ...]]] = {}
_SINGLE_AREAS = tuple(((area,), (area.key,)) for area in ALL_AREAS)
#: An operation this many days back no longer holds up needling anywhere (3 months, 6 weeks).
_SURGERY_SETTLED_DAYS = 93


def _areas_cache(condition: Condition, side: Side) -> tuple[tuple[BodyArea, ...], tuple[str, ...]]:
    key = (condition.key, side)
    if key not in _AREAS:
        areas = areas_for(condition, side)
        _AREAS[key] = (areas, tuple(area.key for area in areas))
    return _AREAS[key]


_KEYS: dict[tuple[BodyArea, ...], tuple[str, ...]] = {}
_NEAR: dict[BodyArea, tuple[BodyArea, ...]] = {}


def _area_keys(areas: tuple[BodyArea, ...]) -> tuple[str, ...]:
    found = _KEYS.get(areas)
    if found is None:
        found = _KEYS[areas] = tuple(area.key for area in areas)
    return found


def _near(area: BodyArea) -> tuple[BodyArea, ...]:
    found = _NEAR.get(area)
    if found is None:
        found = _NEAR[area] = adjacent_areas(area)
    return found


@dataclass
class Screened:
    """A patient's screenings as the booking rules will see them: (day index, allows IMS from day
    index or None, area keys), oldest first."""

    days: list[int] = field(default_factory=list)
    allows_from: list[int | None] = field(default_factory=list)
    areas: list[tuple[str, ...]] = field(default_factory=list)


def write_screenings(gen: Generator) -> None:
    """Seven in ten patients screened when they registered, the rest of the plan's screenings as
    rescreenings later on; each answered from a template and assessed by the domain's `assess`, a
    share of those needing review decided by a physiotherapist. Each patient's latest is current."""
    rng, plan = gen.rng, gen.plan
    total = plan.screenings
    count = plan.patients
    screened = min(count, total, max(1, round(count * 0.7)))
    chosen = sorted(rng.sample(range(count), screened)) if total else []
    events: list[tuple[int, int, int]] = []  # (day index, minute, patient offset)
    for offset in chosen:
        day_index, minute = gen.registered[offset]
        events.append((day_index, minute + 15, offset))
    spans = [max(1, gen.today_index - gen.registered[offset][0]) for offset in chosen]
    for offset in (rng.choices(chosen, spans, k=total - screened) if chosen and total > screened else ()):
        first = gen.registered[offset][0]
        day_index = rng.randint(min(first + 30, gen.today_index), gen.today_index)
        minute = 8 * 60 + 15 * rng.randrange(0, 36)
        if day_index == gen.today_index:
            minute = min(minute, max(0, gen.now_minute - 15) // 15 * 15)
        events.append((day_index, minute, offset))
    events.sort()
    showcase: dict[int, str] = {}
    if plan.guaranteed_levels:
        latest: dict[int, int] = {}
        for position, (_d, _m, offset) in enumerate(events):
            latest[offset] = position
        recent = sorted(latest.values(), reverse=True)
        for position, name in zip(recent, SHOWCASE, strict=False):
            showcase[position] = name

    cache: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], dict[str, Any], Level, date | None]] = {}
    first_id = gen.next_id(Screening)
    gen.screened = {}
    latest_by_patient: dict[int, int] = {}
    rows: list[list[Any]] = []
    reviews = []
    levels: Counter[str] = Counter()
    for position, (day_index, minute, offset) in enumerate(events):
        screening_id = first_id + position
        patient_id = gen.first_patient + offset
        on = gen.first_day + timedelta(days=day_index)
        name = showcase.get(position) or rng.weighted(TEMPLATES, _TEMPLATE_WEIGHTS).name
        template_name, _, region_name = name.partition(":")
        template = _BY_NAME[template_name]
        condition, areas, area_keys, surgery = _planned(gen, template, on, region_name)
        settled = template.surgery is None or template.surgery[0] > _SURGERY_SETTLED_DAYS
        if settled:
            # Same answers and areas, same assessment: only the day it was made differs.
            cache_key = (template.name, area_keys)
            found = cache.get(cache_key)
            if found is None:
                answers = ScreeningAnswers({**CLEAR, **template.answers}, (surgery,) if surgery else (), areas)
                assessment = assess(answers, on, gen.rules).to_dict()
                found = (answers.to_dict(), assessment, Level.from_key(assessment["level"]), None)
                cache[cache_key] = found
            answers_json, assessment, level, not_before = found
            assessment_json = {**assessment, "assessed_on": on.isoformat()}
            if surgery is not None:
                answers_json = ScreeningAnswers({**CLEAR, **template.answers}, (surgery,), areas).to_dict()
        else:
            assert surgery is not None  # a template without an operation is always settled
            answers = ScreeningAnswers({**CLEAR, **template.answers}, (surgery,), areas)
            result = assess(answers, on, gen.rules)
            answers_json = answers.to_dict()
            assessment_json = result.to_dict()
            level, not_before = result.level, result.not_before
        levels[level.key] += 1
        screened_by = rng.choice(gen.reception_ids)
        rows.append([screening_id, patient_id, gen.clock.at(day_index, minute)[0], on,
                     screened_by, condition.label if condition else "Recovering movement after surgery",
                     answers_json, assessment_json, int(level),
                     not_before, None])
        previous = latest_by_patient.get(patient_id)
        if previous is not None:
            rows[previous - first_id][10] = screening_id
        latest_by_patient[patient_id] = screening_id
        allows = None
        if level is Level.ELIGIBLE:
            allows = day_index
        elif level is Level.NOT_YET and not_before is not None:
            allows = (not_before - gen.first_day).days
        if level is Level.REVIEW and day_index < gen.today_index - 1 and rng.random() < 0.75:
            decision = rng.weighted(DECISIONS, (70, 20, 10))
            note = rng.choice(REVIEW_NOTES[decision]) if decision in REVIEW_NOTES else ""
            decided_day = min(day_index + rng.randint(1, 3), gen.today_index - 1)
            reviews.append((screening_id, decision.value, note,
                            gen.clock.at(decided_day, 7 * 60 + 45)[0], rng.choice(gen.reviewer_ids)))
            if decision is not ReviewDecision.decline:
                allows = decided_day
        record = gen.screened.setdefault(patient_id, Screened())
        record.days.append(day_index)
        record.allows_from.append(allows)
        record.areas.append(area_keys)
    rows.reverse()  # newest first, so each superseded row points at one already written
    gen.counts["screenings"] = gen.writer.insert(Screening, (
        "id", "patient_id", "screened_at", "screened_on", "screened_by", "presenting_condition", "answers",
        "assessment", "level", "not_before", "superseded_by"), (tuple(row) for row in rows))
    next_review = gen.next_id(ScreeningReview)
    gen.counts["reviews"] = gen.writer.insert(
        ScreeningReview, ("id", "screening_id", "decision", "note", "decided_at", "decided_by"),
        ((next_review + i, *row) for i, row in enumerate(reviews)))
    gen.levels = {level.key: levels.get(level.key, 0) for level in Level}


def _planned(gen: Generator, template: Template, on: date, region_name: str = ""
             ) -> tuple[Condition | None, tuple[BodyArea, ...], tuple[str, ...], Surgery | None]:
    """The presenting condition, the areas to needle (and their keys), and the operation (if the
    answers have one)."""
    rng = gen.rng
    side = rng.choice((Side.left, Side.right))
    if template.surgery is not None:
        region = Region(region_name) if region_name else rng.choice(SURGERY_REGIONS)
        operated = BodyArea(region, side if region.is_paired else None)
        low, high = template.surgery
        surgery = Surgery(on - timedelta(days=rng.randint(low, high)), operated)
        near = _near(operated)
        planned = {operated} if template.surgery_planned else set()
        planned.add(rng.choice(near))
        areas = tuple(sorted(planned, key=lambda area: area.sort_key))
        return None, areas, _area_keys(areas), surgery
    condition = rng.choice(_CONDITIONS_WITH_AREAS if rng.random() < 0.85 else CONDITIONS)
    areas, keys = _areas_cache(condition, side)
    if not areas:
        areas, keys = _SINGLE_AREAS[int(rng.random() * len(ALL_AREAS))]
    return condition, areas, keys, None
