"""The benchmark command on a tiny clinic, so it keeps working; nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("cold_start", "patient_search", "patient_search_names", "patient_search_phones", "patient_search_births",
           "day_view", "find_next_available", "ims_assessment", "consent_pdf", "consent_pdf_batch_200", "booking_1000",
           "peak_memory", "book_again", "open_patient", "waitlist_match", "memory_soak", "live_update_check")
POSTGRES_FIGURES = ("cold_start", "patient_search", "patient_search_names", "patient_search_phones",
                    "patient_search_births", "day_view", "find_next_available", "booking_1000", "peak_memory")


def _tiny_run(tmp_path, *options: str) -> tuple[dict, subprocess.CompletedProcess]:
    out = tmp_path / "latest.json"
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "tiny", "--db", str(tmp_path / "tiny.sqlite3"),
         "--out", str(out), *options],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), done


def _check_figures(figures: dict, expected) -> None:
    assert set(figures) == set(expected)
    for key, figure in figures.items():
        assert {"median", "p95", "cpu_median", "target", "baseline_median", "ratio", "available", "note"} <= set(
            figure), key
        assert figure["available"], (key, figure["note"])
        assert figure["median"] is not None and figure["median"] > 0, key


def test_the_tiny_benchmark_reports_every_figure(tmp_path):
    report, done = _tiny_run(tmp_path, "--postgres", "no")
    assert report["size"] == "tiny"
    _check_figures(report["figures"], FIGURES)
    # Every figure a person meets has the processor time of its samples beside the wall-clock time.
    for key in ("patient_search", "day_view", "find_next_available", "booking_1000", "cold_start"):
        assert report["figures"][key]["cpu_median"] > 0, key
    # Beside the cold start: Front Desk's leanest possible first screen, against the same floor.
    start = report["figures"]["cold_start"]
    assert start["lean_first_screen_median"] > 0 and start["lean_first_screen_to_floor"] > 0
    assert "leanest first screen" in start["note"]
    # The figures are taken on a copy: the clinic the benchmark keeps is left as it was.
    assert report["cached_clinic_unchanged"] is True
    assert report["postgresql"] == {"measured": False, "why": "--postgres no"}
    # The whole run's peak memory counts every app process, the memory soak's window included.
    peak = report["figures"]["peak_memory"]
    assert peak["runs"] == 2 and peak["p95"] >= report["figures"]["memory_soak"]["peak_rss_mib"] - 0.01
    plans = report["query_plans"]
    assert any(name.startswith("day view, query") and plan for name, plan in plans.items())
    day_plans = [step for name, plan in plans.items() if name.startswith("day view, query") for step in plan]
    assert any("USING INDEX ix_appointments_start" in step for step in day_plans), day_plans
    assert any(name.startswith("patient search by name") and plan for name, plan in plans.items())
    assert "Query plans" in done.stdout


def test_a_second_run_reuses_the_clinic(tmp_path):
    """The database is built once; later runs measure the same clinic."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import SIZES, build_or_reuse
    finally:
        sys.path.remove(str(ROOT))
    path = tmp_path / "tiny.sqlite3"
    first = build_or_reuse(SIZES["tiny"], path)
    second = build_or_reuse(SIZES["tiny"], path)
    assert first["reused"] is False and second["reused"] is True
    assert second["patients"] == first["patients"]


@pytest.mark.postgres
def test_the_tiny_benchmark_measures_postgresql_in_the_same_run(tmp_path):
    """With the server binaries present, the same figures on a throwaway server, with raw baselines."""
    report, done = _tiny_run(tmp_path)
    postgres = report["postgresql"]
    assert postgres["settings"]["fsync"] == "on" and postgres["settings"]["synchronous_commit"] == "on"
    _check_figures(postgres["figures"], POSTGRES_FIGURES)
    assert postgres["figures"]["booking_1000"]["baseline_median"] > 0
    assert postgres["figures"]["day_view"]["baseline_median"] > 0
    assert report["cached_clinic_unchanged"] is True
    assert "PostgreSQL, same run" in done.stdout
