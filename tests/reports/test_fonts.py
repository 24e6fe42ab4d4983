"""Font fallback: which font draws which characters of a typed name."""

from __future__ import annotations

import pytest

from frontdesk.reports.fonts import CJK, SANS, SANS_BOLD, fit_text, font_runs, markup, text_width


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("Zoë Ødegård", [(SANS, "Zoë Ødegård")]),
        ("Nguyễn Ελένη Дмитрий", [(SANS, "Nguyễn Ελένη Дмитрий")]),
        ("蔡英文", [(CJK, "蔡英文")]),
        ("김민준 Kim", [(CJK, "김민준 "), (SANS, "Kim")]),
        ("Chloé O'Brien-蔡", [(SANS, "Chloé O'Brien-"), (CJK, "蔡")]),
        ("山田 たろう", [(CJK, "山田 たろう")]),
        ("", []),
    ],
)
def test_each_character_goes_to_a_font_that_has_it(text: str, runs: list[tuple[str, str]]) -> None:
    assert list(font_runs(text)) == runs


def test_bold_latin_uses_the_bold_face_and_cjk_stays_in_the_cjk_font() -> None:
    assert list(font_runs("Ana 蔡", bold=True)) == [(SANS_BOLD, "Ana "), (CJK, "蔡")]


def test_decomposed_accents_are_composed_before_choosing_the_font() -> None:
    assert list(font_runs("Zoe\u0308")) == [(SANS, "Zoë")]


def test_markup_escapes_user_text_and_switches_font_for_cjk() -> None:
    assert markup("A & <b>蔡</b>") == f'A &amp; &lt;b&gt;<font face="{CJK}">蔡</font>&lt;/b&gt;'


def test_fit_text_cuts_long_text_with_an_ellipsis_to_the_width() -> None:
    text = "Okanagan Physiotherapy and Intramuscular Stimulation Clinic of the South Okanagan"

    fitted = fit_text(text, 10, 120)

    assert fitted.endswith("…")
    assert text.startswith(fitted[:-1])
    assert text_width(fitted, 10) <= 120
    assert fit_text("Short", 10, 120) == "Short"
