"""The benchmark command on a tiny clinic, so it keeps working; nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("cold_start", "patient_search", "day_view", "find_next_available", "ims_assessment", "consent_pdf",
           "consent_pdf_batch_200", "booking_1000", "peak_memory", "book_again", "open_patient", "waitlist_match",
           "memory_soak", "live_update_check")


def test_the_tiny_benchmark_reports_every_figure(tmp_path):
    out = tmp_path / "latest.json"
    env = dict(os.environ, FRONTDESK_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "tiny", "--db", str(tmp_path / "tiny.sqlite3"),
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["size"] == "tiny"
    assert set(report["figures"]) == set(FIGURES)
    for key, figure in report["figures"].items():
        assert {"median", "p95", "target", "baseline_median", "ratio", "available", "note"} <= set(figure), key
        if figure["available"]:
            assert figure["median"] is not None and figure["median"] > 0, key
        else:
            assert figure["median"] is None and figure["note"], key
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
