"""The reportlab caches in frontdesk.compat change nothing on paper: every printout is the same bytes
with them as without them (FRONTDESK_COMPAT=off), whether the caches are cold or already hold its
subsets and line breaks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from frontdesk import compat
from frontdesk.reports import consent_pdf, day_sheet_pdf, eligibility_summary_pdf, intake_form_pdf

from . import report_samples as samples

LATIN = "Zoë Ødegård"
CJK = "蔡英文"
HANGUL = "김민준"
MIXED = "Chloé O'Brien-蔡"
CYRILLIC = "Дмитрий Иванов"
GREEK = "Ελένη Παπαδοπούλου"

DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "consent, Latin": lambda: consent_pdf(samples.consent(LATIN)),
    "consent, Chinese, signed on screen": lambda: consent_pdf(samples.consent(CJK, signed=True)),
    "consent, Korean, substitute decision-maker": lambda: consent_pdf(samples.consent(HANGUL, substitute=True)),
    "consent, Greek": lambda: consent_pdf(samples.consent(GREEK)),
    "intake form, blank": lambda: intake_form_pdf(samples.intake(None)),
    "intake form, pre-filled, Latin": lambda: intake_form_pdf(samples.intake(LATIN)),
    "intake form, pre-filled, Latin and Chinese": lambda: intake_form_pdf(samples.intake(MIXED)),
    "intake form, pre-filled, Cyrillic": lambda: intake_form_pdf(samples.intake(CYRILLIC)),
    "day sheet, every script": lambda: day_sheet_pdf(samples.day_sheet()),
    "eligibility summary, Chinese": lambda: eligibility_summary_pdf(samples.eligibility(CJK)),
    "eligibility summary, Latin": lambda: eligibility_summary_pdf(samples.eligibility(LATIN)),
}


@pytest.fixture
def caches_checked() -> None:
    if not compat._reportlab_checked():
        pytest.skip("the installed reportlab is not a version the caches were checked against: they are off")


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_printout_is_the_same_bytes_with_and_without_the_reportlab_caches(name, monkeypatch, caches_checked):
    make = DOCUMENTS[name]
    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    assert compat.reportlab_caches_enabled()
    first = make()
    hits = compat.reportlab_cache_hits.copy()
    again = make()  # now from the caches: the same subsets and line breaks come back
    for cache in ("subsets", "wraps"):
        assert compat.reportlab_cache_hits[cache] > hits[cache], cache

    monkeypatch.setenv("FRONTDESK_COMPAT", "off")
    assert not compat.reportlab_caches_enabled()
    hits = compat.reportlab_cache_hits.copy()
    plain = make()
    assert compat.reportlab_cache_hits == hits, "switched off, the caches are not used"

    assert first == again == plain


@pytest.mark.parametrize("version, applied", [("5.1.0", True), ("4.1.3", True), ("4.0.9", False), ("5.2.0", False)])
def test_the_caches_run_only_on_a_checked_reportlab_version(monkeypatch, version, applied):
    import reportlab
    from reportlab.pdfbase.ttfonts import TTFont

    from frontdesk.resources import resource_path

    monkeypatch.delenv("FRONTDESK_COMPAT", raising=False)
    monkeypatch.setattr(reportlab, "Version", version)
    compat._reportlab_checked.cache_clear()
    try:
        font = TTFont("VersionProbe", str(resource_path("fonts") / "DejaVuSans.ttf"))
        assert compat.reportlab_caches_enabled() is applied
        assert compat.reuse_font_subsets(font) is applied
        assert getattr(font.face.addSubsetObjects, "reuses_subsets", False) is applied
    finally:
        compat._reportlab_checked.cache_clear()
