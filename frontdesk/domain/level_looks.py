"""How a screening level looks and reads, wherever it is shown: one sign, one pair of colours and one set
of words per level, read by the screen (ui) and the printouts (reports) alike.

Colours are "#rrggbb" strings so that neither Qt nor reportlab is needed here. The level is always
written out in words too; the sign and the colour only repeat it (a black-and-white printer, a
colour-blind reader). A screening that is not finished has its own neutral look: it is never shown as
eligible, however good the answers so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from frontdesk.domain.screening import Assessment, Level, ReviewDecision, effective_level
from frontdesk.domain.when import format_date


@dataclass(frozen=True)
class LevelLook:
    sign: str
    #: The level's name, e.g. "Not yet".
    word: str
    #: Text and border colour.
    ink: str
    #: Background tint.
    fill: str

    def text(self, words: str | None = None) -> str:
        """'◷ Not yet': the sign, then the words (the level's name unless others are given)."""
        return f"{self.sign} {self.word if words is None else words}"


LOOKS: dict[Level, LevelLook] = {
    Level.ELIGIBLE: LevelLook("✓", Level.ELIGIBLE.label, "#1b5e20", "#e8f5e9"),
    Level.REVIEW: LevelLook("!", Level.REVIEW.label, "#6d4c00", "#fff3d6"),
    Level.NOT_YET: LevelLook("◷", Level.NOT_YET.label, "#0d47a1", "#e3f2fd"),
    Level.NOT_ELIGIBLE: LevelLook("✕", Level.NOT_ELIGIBLE.label, "#b00020", "#fde7ea"),
}

#: A screening still being filled in, or an area nothing holds up so far: neutral, never green.
UNFINISHED = LevelLook("○", "Not finished", "#4a5560", "#eef1f4")

#: Between the areas of a headline.
SEPARATOR = " · "

NO_AREAS = "no area to treat chosen yet"

PHYSIOTHERAPY_NOTE = "Ordinary physiotherapy (without needles) is fine now: this verdict is about IMS only."


def look_of(level: Level) -> LevelLook:
    return LOOKS[level]


def outcome(level: Level, not_before: date | None = None) -> str:
    """What a level means for IMS, in a few words: 'IMS now', 'from January 23, 2027'."""
    if level is Level.ELIGIBLE:
        return "IMS now"
    if level is Level.REVIEW:
        return "physiotherapist review first"
    if level is Level.NOT_YET:
        return f"from {format_date(not_before)}" if not_before is not None else "not yet"
    return "not eligible now"


def questions_to_answer(missing: int) -> str:
    return f"{missing} question{'s' if missing != 1 else ''} to answer"


def _capitalised(parts: list[tuple[LevelLook, str]]) -> list[tuple[LevelLook, str]]:
    return [(look, words[:1].upper() + words[1:]) for look, words in parts]


def headline(assessment: Assessment, decision: ReviewDecision | None = None, *,
             missing: int = 0) -> tuple[tuple[LevelLook, str], ...]:
    """The verdict in one line, as (look, words) parts: one part per area to treat
    ("Left thigh: IMS now", "Left knee: from January 23, 2027"). With questions still to answer the
    first part says how many, in the neutral look, and only areas already held up follow (answering more
    can only hold an area up further, never free it). With no area chosen yet (a screening being filled
    in) it says so, neutral, and gives the whole patient's level only when something holds IMS up."""
    parts: list[tuple[LevelLook, str]] = []
    if missing:
        parts.append((UNFINISHED, questions_to_answer(missing)))
    if not assessment.areas:
        parts.append((UNFINISHED, NO_AREAS))
        level = effective_level(assessment, decision)
        if level is not Level.ELIGIBLE:
            parts.append((LOOKS[level], whole_patient(level, assessment.not_before)))
    else:
        for verdict in assessment.areas:
            level = effective_level(verdict, decision)
            if missing and level is Level.ELIGIBLE:
                continue
            parts.append((LOOKS[level], f"{verdict.area.label}: {outcome(level, verdict.not_before)}"))
    return tuple(_capitalised(parts[:1]) + parts[1:])


def whole_patient(level: Level, not_before: date | None = None) -> str:
    """A level in words with what it means: 'Eligible: IMS now', 'Not yet: from February 1, 2027',
    'Physiotherapist review first', 'Not eligible now'."""
    if level is Level.ELIGIBLE or (level is Level.NOT_YET and not_before is not None):
        return f"{level.label}: {outcome(level, not_before)}"
    return level.label


def headline_text(parts: tuple[tuple[LevelLook, str], ...]) -> str:
    """'✓ Left thigh: IMS now · ◷ Left knee: from January 23, 2027'."""
    return SEPARATOR.join(look.text(words) for look, words in parts)


def overall_look(assessment: Assessment, decision: ReviewDecision | None = None, *, missing: int = 0) -> LevelLook:
    """The look of the verdict as a whole: neutral while questions are open (or no area is chosen) and
    nothing holds IMS up."""
    level = effective_level(assessment, decision)
    if (missing or not assessment.areas) and level is Level.ELIGIBLE:
        return UNFINISHED
    return LOOKS[level]


def area_look(level: Level, *, finished: bool = True) -> LevelLook:
    """An area's look in a table: an area nothing holds up is neutral until the screening is finished."""
    return UNFINISHED if not finished and level is Level.ELIGIBLE else LOOKS[level]


def area_result(level: Level, not_before: date | None = None, *, finished: bool = True) -> tuple[LevelLook, str]:
    """An area's line in a table of areas, on screen and on paper: (◷, 'Not yet: from January 23, 2027')."""
    look = area_look(level, finished=finished)
    return look, (look.word if look is UNFINISHED else whole_patient(level, not_before))
