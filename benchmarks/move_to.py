"""`frontdesk move-to` on the large generated clinic: wall time and the process's peak memory.

    python benchmarks/move_to.py [--db PATH] [--target URL] [--consents N]

Builds (or reuses) the clinic `benchmarks/run.py --size large` builds (ten years, 100,000 patients,
a million appointments), gives it `--consents` consent PDFs (the generator makes none), then runs
`python -m frontdesk --db PATH move-to URL` as a child process and reports its wall time and peak
resident memory. Without `--target`, a throwaway PostgreSQL server is started from the machine's
binaries (as the tests do) and removed afterwards. The SQLite file's mark is removed after the run,
so the benchmark can be run again on the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def add_consents(path: Path, wanted: int) -> int:
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.documents import record_unsigned_consent
    from frontdesk.services.user_accounts import command_line_actor

    with sqlite3.connect(path) as connection:
        have = connection.execute("SELECT count(*) FROM consents").fetchone()[0]
        patients = connection.execute(
            "SELECT patient_id, id FROM screenings WHERE superseded_by IS NULL ORDER BY patient_id LIMIT ?",
            (max(wanted - have, 0),)).fetchall()
    connection.close()
    if have >= wanted:
        return have
    ctx = open_clinic(f"sqlite:///{path}")
    try:
        actor = command_line_actor(ctx)
        for patient_id, screening_id in patients:
            record_unsigned_consent(ctx, actor, patient_id, screening_id)
    finally:
        ctx.database.dispose()
    return have + len(patients)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _high_water_mib(pid: int) -> float:
    """VmHWM: the process's peak resident memory so far (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import SIZES, build_or_reuse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "results" / "large-clinic.sqlite3")
    parser.add_argument("--target", help="an empty PostgreSQL database (default: a throwaway server)")
    parser.add_argument("--consents", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "move_to.json")
    args = parser.parse_args(argv)
    path = args.db.resolve()
    os.environ.setdefault("FRONTDESK_DATA_DIR", str(path.parent / "data"))
    path.with_name(path.name + ".moved").unlink(missing_ok=True)
    build = build_or_reuse(SIZES["large"], path)
    consents = add_consents(path, args.consents)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                  for name in ("patients", "screenings", "appointments", "appointment_events", "audit_events")}
    connection.close()
    before = _file_hash(path)

    server = None
    target = args.target
    if target is None:
        import pg_server

        server = pg_server.PostgresServer()
        target = server.create_database()
    try:
        print(f"Moving {path} ({path.stat().st_size / 2**20:,.0f} MiB) to {target} ...", flush=True)
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "frontdesk", "--db", str(path), "move-to", target],
                                 cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        # The child's own high-water mark, read while it runs: its rusage after exit would also count
        # the pages of this (larger) process it was forked from.
        peak_mib = 0.0
        while child.poll() is None:
            peak_mib = max(peak_mib, _high_water_mib(child.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        if server is not None:
            server.close()
    unchanged = _file_hash(path) == before
    path.with_name(path.name + ".moved").unlink(missing_ok=True)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database_mib": round(path.stat().st_size / 2**20, 1),
        "rows": counts, "consents": consents, "build": build,
        "exit_status": child.returncode, "seconds": round(seconds, 1), "peak_memory_mib": round(peak_mib, 1),
        "source_unchanged": unchanged, "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if child.returncode == 0 and unchanged else 1


if __name__ == "__main__":
    raise SystemExit(main())
