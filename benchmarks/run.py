"""Front Desk benchmarks on a generated clinic (issues 7 and 19).

    python benchmarks/run.py --size large|tiny [--db PATH] [--out benchmarks/results/latest.json]
                             [--postgres auto|no]

Builds the clinic database (or reuses PATH when it already holds patients), then measures a copy of
it (the cached clinic is never written to: no audit rows, no accounts) as a person meets it: every
search query and every day is new to the process (searched or shown once, never repeated), bookings
are counted as throughput (all of them over the whole time), and memory is the peak of whole
processes, the background load of the database layer included. Each figure has its median, 95th
percentile, the processor time of the same samples (the machine is shared, so wall-clock time moves
with the others' load), the target, the baseline measured in the same run and the ratio to it.

When PostgreSQL's server binaries are on the machine (`--postgres auto`), the same figures are taken
in the same run on a throwaway server the script starts (as the `postgres` user when run as root),
loaded from the same copy with `frontdesk move-to`, with raw psycopg baselines of the same durability.
Prints a table plus the query plans of the search and day queries, and writes everything as JSON.

`--size large` is ten years, 20 therapists, 100,000 patients and a million appointments (about a
minute or two to build, 0.5 GB). `--size tiny` has the same shape in a few seconds; the test suite runs
it so this script never rots. Figures whose code is missing are reported as not available, with the
reason, and start counting as soon as that code exists.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # a checkout works without installing the package

if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIGURES = (
    "cold_start",
    "patient_search",
    "patient_search_names",
    "patient_search_phones",
    "patient_search_births",
    "day_view",
    "find_next_available",
    "ims_assessment",
    "consent_pdf",
    "consent_pdf_batch_200",
    "booking_1000",
    "peak_memory",
    "book_again",
    "open_patient",
    "waitlist_match",
    "memory_soak",
    "live_update_check",
)

#: The figures taken on PostgreSQL as well.
POSTGRES_FIGURES = ("cold_start", "patient_search", "patient_search_names", "patient_search_phones",
                    "patient_search_births", "day_view", "find_next_available", "booking_1000", "peak_memory")

#: What each search figure measures: (key, kind of query, what).
SEARCHES = (
    ("patient_search", "prefix", "2-4 letters of a real surname"),
    ("patient_search_names", "name", "a full name as printed (Family, Given)"),
    ("patient_search_phones", "phone", "digits of a phone number (3 to 10)"),
    ("patient_search_births", "born", "a birth date"),
)


@dataclass(frozen=True)
class Size:
    name: str
    rounds: int
    search_patients: int
    day_runs: int
    next_runs: int
    assessment_calls: int
    consent_runs: int
    batch: int
    bookings: int
    process_runs: int
    counter_runs: int = 20
    #: The memory soak: scripted counter actions in one window, and how many of them warm it up.
    soak_actions: int = 5000
    soak_warmup: int = 500
    #: Distinct 2-4-letter surname prefixes, each searched once.
    prefixes: int = 50


SIZES = {
    "large": Size("large", rounds=1, search_patients=15, day_runs=30, next_runs=10, assessment_calls=2000,
                  consent_runs=20, batch=200, bookings=1000, process_runs=11),
    "tiny": Size("tiny", rounds=1, search_patients=3, day_runs=3, next_runs=2, assessment_calls=200,
                 consent_runs=2, batch=5, bookings=40, process_runs=1, counter_runs=3, soak_actions=300,
                 soak_warmup=100, prefixes=8),
}


@dataclass
class Figure:
    """One line of the table. `unit` is ms, s, MiB or per s; `higher_is_better` for rates."""

    key: str
    what: str
    unit: str
    target_text: str
    median_target: float | None = None
    p95_target: float | None = None
    ratio_target: float | None = None
    higher_is_better: bool = False
    samples: list[float] = field(default_factory=list)
    #: The processor time (this process's, all threads) of the same samples, in the same unit.
    cpu: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    baseline_what: str = ""
    note: str = ""
    available: bool = True
    #: Further figures of the same measurement, written to the JSON as they are.
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return _p95(self.samples, self.higher_is_better) if self.samples else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def cpu_p95(self) -> float | None:
        return _p95(self.cpu, self.higher_is_better) if self.cpu else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.baseline_median:
            return None
        return self.median / self.baseline_median

    @property
    def meets(self) -> bool | None:
        if self.median is None:
            return None
        checks = []
        if self.median_target is not None:
            checks.append(self.median >= self.median_target if self.higher_is_better
                          else self.median <= self.median_target)
        if self.p95_target is not None and self.p95 is not None:
            checks.append(self.p95 <= self.p95_target)
        if self.ratio_target is not None and self.ratio is not None:
            checks.append(self.ratio <= self.ratio_target)
        return all(checks) if checks else None

    def as_json(self) -> dict:
        return {
            "what": self.what,
            "unit": self.unit,
            "available": self.available,
            "median": _round(self.median),
            "p95": _round(self.p95),
            "cpu_median": _round(self.cpu_median),
            "cpu_p95": _round(self.cpu_p95),
            "runs": len(self.samples),
            "target": self.target_text,
            "baseline": self.baseline_what or None,
            "baseline_median": _round(self.baseline_median),
            "ratio": _round(self.ratio),
            "meets_target": self.meets,
            "note": self.note,
            **self.extra,
        }


def _p95(values: list[float], higher_is_better: bool = False) -> float:
    ordered = sorted(values)
    if higher_is_better:
        return ordered[max(0, int(len(ordered) * 0.05) - 1)] if len(ordered) > 1 else ordered[0]
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 95 // 100) - 1))]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _sample(figure: Figure, call: Callable[[], object]) -> None:
    """One timed run of `call`: wall-clock and processor milliseconds."""
    started, used = time.perf_counter(), time.process_time()
    call()
    figure.cpu.append((time.process_time() - used) * 1000)
    figure.samples.append((time.perf_counter() - started) * 1000)


def _unavailable(figure: Figure, why: str) -> Figure:
    figure.available = False
    figure.samples.clear()
    figure.note = why
    return figure


# --- The clinic -----------------------------------------------------------------------------------


def build_or_reuse(size: Size, path: Path) -> dict:
    """Open (and if empty, generate) the benchmark clinic; returns what happened, for the report.

    A clinic already built is only brought to the current schema (a migration, when one is due):
    nothing else is written into it; the figures are taken on a copy (`working_copy`)."""
    from frontdesk.db.migrate import open_database

    path.parent.mkdir(parents=True, exist_ok=True)
    patients = 0
    if path.exists():
        with sqlite3.connect(path) as connection:
            found = connection.execute("SELECT name FROM sqlite_master WHERE name = 'patients'").fetchone()
            patients = connection.execute("SELECT count(*) FROM patients").fetchone()[0] if found else 0
        connection.close()
    if patients:
        open_database(f"sqlite:///{path}").dispose()
        return {"reused": True, "patients": patients, "seconds": None}
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.devtools import LARGE_CLINIC, TINY_CLINIC, generate_clinic
    from frontdesk.services.user_accounts import command_line_actor

    ctx = open_clinic(f"sqlite:///{path}")
    try:
        plan = LARGE_CLINIC if size.name == "large" else TINY_CLINIC
        print(f"Building the {size.name} clinic in {path} ...", flush=True)
        result = generate_clinic(ctx, command_line_actor(ctx), plan)
        for line in result.lines():
            print("  " + line)
        return {"reused": False, "patients": result.patients, "appointments": result.appointments,
                "screenings": result.screenings, "seconds": round(result.seconds, 1)}
    finally:
        ctx.database.dispose()


def fingerprint(path: Path) -> list:
    """What tells whether a SQLite file was written to: size and modification time of the file, and
    what its write-ahead log holds (a reader may leave an empty one behind)."""
    stat = path.stat()
    log = path.with_name(path.name + "-wal")
    return [stat.st_size, stat.st_mtime_ns, log.stat().st_size if log.exists() else 0]


def working_copy(path: Path, folder: Path) -> Path:
    """A consistent copy of the clinic (SQLite's online backup) to measure, and write into, instead."""
    copy = folder / "measured-clinic.sqlite3"
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return copy


class _PostgresRaw:
    """A psycopg connection with the `execute(sql, args)` of sqlite3: `?` placeholders, autocommit."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conninfo = libpq_url(url)
        self.connection = psycopg.connect(self.conninfo, autocommit=True)

    def execute(self, sql: str, args: tuple = ()):
        return self.connection.execute(sql.replace("?", "%s"), args)

    def close(self) -> None:
        self.connection.close()


def libpq_url(url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://...` as libpq takes it."""
    return "postgresql://" + url.split("://", 1)[1]


@dataclass
class Inputs:
    """What both databases are measured with, read once from the SQLite copy: the search queries by
    kind, the days, the appointment type of the slot finder, the bookings."""

    searches: dict[str, list[str]]
    days: list[date]
    warm_day: date
    ims_type: int
    requests: list


def plan_inputs(size: Size, path: Path, ctx) -> Inputs:
    from frontdesk.domain.patients import search_key
    from frontdesk.services.records import BookingRequest

    raw = sqlite3.connect(path)
    try:
        count = raw.execute("SELECT max(id) FROM patients").fetchone()[0]
        # Surnames spread over the whole clinic, then their 2-, 3- and 4-letter prefixes, each once.
        step = max(1, count // (size.prefixes * 4))
        prefixes: list[str] = []
        for patient_id in range(1, count + 1, step):
            row = raw.execute("SELECT family_name FROM patients WHERE id = ?", (patient_id,)).fetchone()
            key = search_key(row[0]) if row else ""
            length = 2 + len(prefixes) % 3
            if len(key) >= length and key[:length] not in prefixes:
                prefixes.append(key[:length])
            if len(prefixes) == size.prefixes:
                break
        names: list[str] = []
        phones: list[str] = []
        born: list[str] = []
        step = max(1, count // size.search_patients)
        for offset, patient_id in enumerate(range(3, count + 1, step)):
            row = raw.execute("SELECT family_name, given_names, phone_digits, date_of_birth FROM patients "
                              "WHERE id = ?", (patient_id,)).fetchone()
            if row is None:
                continue
            family, given, digits, birth = row
            names.append(f"{family}, {given}")
            if digits:
                phones.append(digits[:(4, 6, 7, 10)[offset % 4]])
            born.append(birth)
        searches = {"prefix": prefixes, "name": list(dict.fromkeys(names)), "phone": list(dict.fromkeys(phones)),
                    "born": list(dict.fromkeys(born))}
        type_id = raw.execute("SELECT id FROM appointment_types WHERE is_ims = 1 AND active = 1 "
                              "ORDER BY sort_order LIMIT 1 OFFSET 1").fetchone() or \
            raw.execute("SELECT id FROM appointment_types WHERE active = 1 LIMIT 1").fetchone()
    finally:
        raw.close()
    today = ctx.today()
    # Weekdays of the past months, one after another: each shown once, none of them before.
    days = [today - timedelta(days=offset) for offset in range(1, 400)]
    days = [day for day in days if day.weekday() < 5][:size.day_runs]
    return Inputs(searches, days, today, type_id[0], _free_requests(path, ctx, size.bookings, BookingRequest))


class Bench:
    def __init__(self, size: Size, url: str, inputs: Inputs, *, path: Path | None = None) -> None:
        from frontdesk.services.bootstrap import open_clinic
        from frontdesk.services.user_accounts import command_line_actor

        self.size = size
        self.path = path
        self.url = url
        self.inputs = inputs
        self.postgres = path is None
        self.label = "PostgreSQL" if self.postgres else "SQLite"
        self.ctx = open_clinic(self.url)
        self.actor = command_line_actor(self.ctx)
        if self.postgres:
            self.raw = _PostgresRaw(url)
        else:
            self.raw = sqlite3.connect(path)
            self.raw.execute("PRAGMA journal_mode = WAL")
        self.plans: dict[str, list[str]] = {}
        self.app = None
        try:
            from PySide6.QtWidgets import QApplication

            self.app = QApplication.instance() or QApplication([sys.argv[0]])
        except ImportError:
            pass

    def close(self) -> None:
        self.raw.close()
        self.ctx.database.dispose()

    def explain(self, name: str, sql: str, args: tuple | dict) -> None:
        if self.postgres:
            if isinstance(args, tuple):
                sql = sql.replace("?", "%s")
            rows = self.raw.connection.execute("EXPLAIN " + sql, args).fetchall()
            self.plans[f"PostgreSQL: {name}"] = [row[0] for row in rows]
            return
        rows = self.raw.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
        self.plans[name] = [row[-1] for row in rows]

    def explain_service(self, name: str, call) -> None:
        """The plan of every SELECT that `call()` sends, through the app's engine or on its plain
        read connections (whose trace gives the statement with its parameters filled in)."""
        from sqlalchemy import event

        seen: list[tuple[str, tuple | dict]] = []

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.lstrip().upper().startswith("SELECT") and not executemany:
                seen.append((statement, parameters if isinstance(parameters, dict) else tuple(parameters or ())))

        def record_plain(statement: str) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, ()))

        database = self.ctx.database
        event.listen(database.engine, "before_cursor_execute", record)
        database.statement_listeners.append(record_plain)
        try:
            call()
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
            database.statement_listeners.remove(record_plain)
        for number, (statement, parameters) in enumerate(seen, 1):
            try:
                self.explain(f"{name}, query {number} of {len(seen)}", statement, parameters)
            except Exception:  # noqa: BLE001 - a plan that cannot be shown is left out
                if self.postgres:
                    self.raw.connection.rollback()
                continue

    # -- patient search ----------------------------------------------------------------------------

    def raw_search_sql(self, kind: str, text: str) -> tuple[str, tuple]:
        from frontdesk.domain.patients import search_words

        columns = ("SELECT id, family_name, given_names, preferred_name, date_of_birth, phone_display, archived "
                   "FROM patients WHERE ")
        order = " ORDER BY family_key, given_key, id LIMIT 50"  # archived records are found too
        if kind == "phone":
            return columns + "phone_digits >= ? AND phone_digits < ?" + order, (text, text + "\x7f")
        if kind == "born":
            return columns + "date_of_birth = ?" + order, (text,)
        # As the service asks (and as fast as either database answers it): the first 50 in name order
        # among those whose family, given or preferred name starts with the longest word, one ordered
        # index range each, the other words checked on those rows.
        words = search_words(text)[:4]
        lead = max(words, key=len)
        others, other_args = [], []
        for word in words:
            if word is lead:
                continue
            others.append("((family_key >= ? AND family_key < ?) OR (given_key >= ? AND given_key < ?) "
                          "OR (preferred_key >= ? AND preferred_key < ?))")
            other_args += [word, word + "\U0010ffff"] * 3
        extra = "".join(" AND " + part for part in others)
        branches = [f"SELECT id FROM (SELECT id FROM patients WHERE {key} >= ? AND {key} < ?{extra}{order}) AS "
                    f"{key}_branch" for key in ("family_key", "given_key", "preferred_key")]
        args = [arg for _key in range(3) for arg in (lead, lead + "\U0010ffff", *other_args)]
        return columns + "id IN (" + " UNION ALL ".join(branches) + ")" + order, tuple(args)

    def patient_searches(self) -> tuple[Figure, ...]:
        """Search as you type, each query once: the model's caches and the app's never saw it before.
        One figure per kind of query (short surname prefixes, full names, phone digits, birth dates)."""
        from frontdesk.services.patients import search_patients

        model = None
        try:
            from frontdesk.ui.common.patient_search import PatientSearchModel

            if self.app is not None:
                model = PatientSearchModel()
        except ImportError:
            pass
        how = ("search_patients() then PatientSearchModel.set_rows()" if model is not None else
               "service call only: the intake search model (frontdesk.ui.common.patient_search) is not available")

        def one(text: str) -> None:
            rows = search_patients(self.ctx, self.actor, text)
            if model is not None:
                model.set_rows(rows)

        one("zz")  # the first search of a process loads the search code: not one of the samples
        figures = []
        for key, kind, what in SEARCHES:
            queries = self.inputs.searches[kind]
            figure = Figure(key, f"patient search as you type: {what}", "ms", "median <= 5 ms, p95 <= 15 ms",
                            median_target=5, p95_target=15, baseline_what=f"the same query in raw {self.raw_name}")
            for text in queries:
                _sample(figure, lambda text=text: one(text))
                sql, args = self.raw_search_sql(kind, text)
                figure.baseline.append(_timed(lambda sql=sql, args=args: self.raw.execute(sql, args).fetchall()))
            figure.note = f"{len(queries)} different queries, each searched once; {how}"
            figures.append(figure)
        for label, text in (("name", "smi"), ("two words", "smith j"), ("family, given", "smith, j"),
                            ("phone", "250493"),
                            ("birth date", "1980-03-14")):
            self.explain_service(f"patient search by {label}",
                                 lambda text=text: search_patients(self.ctx, self.actor, text))
        return tuple(figures)

    @property
    def raw_name(self) -> str:
        return "psycopg" if self.postgres else "sqlite3"

    # -- the day -----------------------------------------------------------------------------------

    def raw_day_sql(self, day: date) -> tuple[str, tuple]:
        from frontdesk.domain.scheduling import local_instant

        start = local_instant(day, clock_time(0), self.ctx.zone)
        end = local_instant(day + timedelta(days=1), clock_time(0), self.ctx.zone)
        stored = lambda instant: instant.astimezone(UTC).replace(tzinfo=None).isoformat(" ",  # noqa: E731
                                                                                                timespec="microseconds")
        sql = ("SELECT a.id, a.version, a.patient_id, p.family_name, p.given_names, p.preferred_name, p.phone, "
               "a.therapist_id, t.full_name, a.type_id, y.name, y.is_ims, a.starts_at, a.ends_at, a.status, "
               "a.area, a.notes, a.series_id, a.cancel_reason, a.late_cancellation FROM appointments a "
               "JOIN patients p ON p.id = a.patient_id JOIN therapists t ON t.id = a.therapist_id "
               "JOIN appointment_types y ON y.id = a.type_id "
               "WHERE a.starts_at >= ? AND a.starts_at < ? AND a.ends_at > ? ORDER BY a.starts_at, a.id")
        return sql, (stored(start - timedelta(hours=12)), stored(end), stored(start))

    def day_view(self) -> Figure:
        figure = Figure("day_view", "day view for all therapists, load + paint, a day not shown before", "ms",
                        "median <= 30 ms, p95 <= 50 ms", median_target=30, p95_target=50,
                        baseline_what=f"the raw query for that day ({self.raw_name})")
        days = self.inputs.days
        tab = None
        #: Where a day's processor time goes: its load (service, model, spans) and its paint.
        parts: dict[str, list[float]] = {"load_cpu_ms": [], "paint_cpu_ms": []}
        try:
            from frontdesk.ui.common.errors import Prompts
            from frontdesk.ui.schedule.schedule_tab import ScheduleTab

            if self.app is not None:
                tab = ScheduleTab(self.ctx, self.actor, Prompts())
                if not hasattr(tab, "go_to"):
                    tab = None
        except ImportError:
            tab = None
        if tab is not None:
            tab.resize(1280, 760)
            tab.show()
            self.app.processEvents()
            figure.note = (f"{len(days)} weekdays, each shown once and none before: ScheduleTab.go_to(day) "
                           "(service + model) then a full paint of the tab (grab)")

            def one(day: date) -> None:
                used = time.process_time()
                tab.go_to(day)
                loaded = time.process_time()
                tab.grab()
                parts["load_cpu_ms"].append((loaded - used) * 1000)
                parts["paint_cpu_ms"].append((time.process_time() - loaded) * 1000)
        else:
            try:
                from frontdesk.services.schedule_view import day_schedule
            except ImportError:
                return _unavailable(figure, "neither the Schedule tab nor services.schedule_view.day_schedule "
                                            "exists yet")
            figure.note = "load only (day_schedule): the Schedule tab with a day view is not available"

            def one(day: date) -> None:
                day_schedule(self.ctx, self.actor, day)

        one(self.inputs.warm_day)  # today, as the window opens on it: not one of the samples
        for values in parts.values():
            values.clear()
        for day in days:
            _sample(figure, lambda day=day: one(day))
            sql, args = self.raw_day_sql(day)
            figure.baseline.append(_timed(lambda sql=sql, args=args: self.raw.execute(sql, args).fetchall()))
        if parts["paint_cpu_ms"]:
            for name, values in parts.items():
                figure.extra[name] = _round(statistics.median(values))
            figure.note += (f"; processor time, median: load {figure.extra['load_cpu_ms']:.1f} ms, "
                            f"paint {figure.extra['paint_cpu_ms']:.1f} ms")
        self.explain("day view appointments (baseline query)", *self.raw_day_sql(days[0]))
        try:
            from frontdesk.services.schedule_view import day_schedule as load_day
        except ImportError:
            load_day = None
        if load_day is not None:
            self.explain_service("day view", lambda: load_day(self.ctx, self.actor, days[0]))
        if tab is not None:
            tab.close()
            tab.deleteLater()
        return figure

    def find_next_available(self) -> Figure:
        figure = Figure("find_next_available", "find next available slot, any therapist, 90 days ahead, busy clinic",
                        "ms", "<= 50 ms", median_target=50)
        try:
            from frontdesk.services.availability import find_next_available
        except ImportError:
            return _unavailable(figure, "services.availability.find_next_available does not exist yet")
        type_id = self.inputs.ims_type
        today = self.ctx.today()
        figure.note = ("IMS treatment, any IMS-qualified therapist, from a different day each run (the first 20 "
                       "slots, as the dialog asks)")
        find_next_available(self.ctx, self.actor, type_id, None, today)
        for run in range(self.size.next_runs):
            _sample(figure, lambda run=run: find_next_available(self.ctx, self.actor, type_id, None,
                                                                today + timedelta(days=run + 1)))
        return figure

    # -- rules and documents -----------------------------------------------------------------------

    def ims_assessment(self) -> Figure:
        from frontdesk.domain.screening import ScreeningAnswers, assess

        figure = Figure("ims_assessment", "IMS assessment of one screening", "ms", "<= 0.2 ms", median_target=0.2)
        rows = self.raw.execute("SELECT answers, screened_on FROM screenings ORDER BY id DESC LIMIT 50").fetchall()
        cases = [(ScreeningAnswers.from_dict(json.loads(answers)), date.fromisoformat(on)) for answers, on in rows]
        figure.note = (f"assess() on {len(cases)} stored screenings in turn, "
                       f"timed per {self.size.assessment_calls} calls")
        for _run in range(10):
            started = time.perf_counter()
            for index in range(self.size.assessment_calls):
                answers, on = cases[index % len(cases)]
                assess(answers, on)
            figure.samples.append((time.perf_counter() - started) * 1000 / self.size.assessment_calls)
        return figure

    def screened_patients(self, count: int) -> list[int]:
        rows = self.raw.execute("SELECT s.patient_id FROM screenings s JOIN patients p ON p.id = s.patient_id "
                                "WHERE s.superseded_by IS NULL AND p.archived = 0 ORDER BY s.id DESC LIMIT ?",
                                (count,)).fetchall()
        return [row[0] for row in rows]

    def consent_appointments(self, count: int) -> list[int]:
        """Booked IMS appointments whose consent can be printed (an area allowed that day, the
        physiotherapist's registration number on file), up to `count`."""
        from frontdesk.services.consents import consent_appointment

        rows = self.raw.execute(
            "SELECT a.id FROM appointments a JOIN appointment_types t ON t.id = a.type_id "
            "JOIN therapists th ON th.id = a.therapist_id WHERE t.is_ims = 1 AND a.status = 'booked' "
            "AND th.registration_number IS NOT NULL AND th.registration_number != '' "
            "ORDER BY a.id DESC LIMIT ?", (count * 5,)).fetchall()
        ready = []
        for (appointment_id,) in rows:
            if consent_appointment(self.ctx, self.actor, appointment_id).ready:
                ready.append(appointment_id)
            if len(ready) >= count:
                break
        return ready

    def consent(self) -> tuple[Figure, Figure]:
        single = Figure("consent_pdf", "consent PDF, one booked IMS appointment", "ms",
                        "<= 5 x baseline", ratio_target=5,
                        baseline_what="a one-page reportlab document of similar length, timed in the same run")
        batch = Figure("consent_pdf_batch_200", "200 consent PDFs in a batch", "s", "<= 5 s", median_target=5)
        try:
            from frontdesk.services.documents import consent_document
        except ImportError:
            why = "services.documents.consent_document does not exist yet"
            return _unavailable(single, why), _unavailable(batch, why)
        visits = self.consent_appointments(max(self.size.batch, self.size.consent_runs))
        if not visits:
            why = "no booked IMS appointment with a consent to print"
            return _unavailable(single, why), _unavailable(batch, why)
        single.note = ("services.documents.consent_document (read, audit entry, PDF of about three pages); "
                       "the target is the ratio to the baseline timed alongside it")
        consent_document(self.ctx, self.actor, visits[0])
        _one_page_reportlab()
        for run in range(self.size.consent_runs):
            appointment_id = visits[run % len(visits)]
            single.samples.append(_timed(lambda appointment_id=appointment_id:
                                         consent_document(self.ctx, self.actor, appointment_id)))
            single.baseline.append(_timed(_one_page_reportlab))
        chosen = [visits[i % len(visits)] for i in range(self.size.batch)]
        try:
            from frontdesk.services.documents import consent_documents
        except ImportError:
            return single, _unavailable(batch, "services.documents.consent_documents does not exist yet")
        started = time.perf_counter()
        consent_documents(self.ctx, self.actor, chosen)
        seconds = time.perf_counter() - started
        batch.samples.append(seconds * 200 / len(chosen))
        batch.note = "services.documents.consent_documents (one read, one audit commit, the PDFs)" + (
            "" if len(chosen) == 200 else f"; {len(chosen)} documents, scaled to 200")
        return single, batch

    # -- bookings ----------------------------------------------------------------------------------

    def booking(self) -> Figure:
        """Throughput: all the bookings over all the time they took, one service call (one committed
        transaction) each, against raw inserts of the same rows with the same durability."""
        if self.postgres:
            figure = Figure("booking_1000", "booking with full durability, 1,000 in a row (throughput)", "per s",
                            ">= 200 per s, or >= 50 % of the raw insert rate", median_target=200,
                            higher_is_better=True,
                            baseline_what="raw psycopg inserts on the same server, one commit each "
                                          "(synchronous_commit on, fsync on)")
        else:
            figure = Figure("booking_1000", "booking with full durability, 1,000 in a row (throughput)", "per s",
                            ">= 200 per s", median_target=200, higher_is_better=True,
                            baseline_what="raw sqlite3 inserts, same durability (WAL, synchronous=FULL)")
        try:
            from frontdesk.services.booking import book_appointment
        except ImportError:
            return _unavailable(figure, "services.booking.book_appointment does not exist yet")
        requests = self.inputs.requests
        latencies: list[float] = []
        started, used = time.perf_counter(), time.process_time()
        for request in requests:
            latencies.append(_timed(lambda request=request: book_appointment(self.ctx, self.actor, request)))
        total, processor = time.perf_counter() - started, time.process_time() - used
        figure.samples = [len(requests) / total]
        figure.cpu = [len(requests) / processor] if processor > 0 else []
        raw_rate = (_raw_booking_rate_postgres(self.raw.conninfo, requests) if self.postgres
                    else _raw_booking_rate(self.path, requests))
        figure.baseline = [raw_rate]
        if self.postgres:
            # Either target will do on a server: 200 per s, or half of what raw inserts manage there.
            figure.median_target = min(200, 0.5 * raw_rate)
        figure.note = (f"{len(requests)} bookings through services.booking.book_appointment on the measured copy, "
                       f"{total:.2f} s in all ({figure.samples[0]:.0f} per s; {processor:.2f} s of processor time); "
                       f"per-booking latency median {statistics.median(latencies):.2f} ms, "
                       f"p95 {_p95(latencies):.2f} ms")
        figure.extra = {"latency_median_ms": _round(statistics.median(latencies)),
                        "latency_p95_ms": _round(_p95(latencies)), "seconds": _round(total),
                        "processor_seconds": _round(processor)}
        return figure

    # -- at the counter (issue 13) -----------------------------------------------------------------

    def ims_regulars(self, count: int) -> list[int]:
        """Patients whose last visit was IMS and who are screened: the ones a receptionist books again."""
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
        rows = self.raw.execute(
            "SELECT a.patient_id FROM appointments a JOIN appointment_types y ON y.id = a.type_id "
            "JOIN patients p ON p.id = a.patient_id WHERE y.is_ims = 1 AND a.status IN ('completed', 'arrived') "
            "AND a.starts_at < ? AND p.archived = 0 AND a.area <> '' "
            "AND EXISTS (SELECT 1 FROM screenings s WHERE s.patient_id = a.patient_id) "
            "ORDER BY a.starts_at DESC LIMIT ?", (now, count * 4)).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))[:count]

    def book_again(self) -> Figure:
        figure = Figure("book_again", "book again: dialog open, prefilled, first slot found", "ms", "<= 50 ms",
                        median_target=50)
        try:
            from frontdesk.services.availability import rebooking
            from frontdesk.ui.schedule.booking_dialog import BookingDialog
        except ImportError:
            return _unavailable(figure, "services.availability.rebooking or the booking dialog does not exist yet")
        if self.app is None:
            return _unavailable(figure, "PySide6 is not installed")
        patients = self.ims_regulars(self.size.counter_runs)
        if not patients:
            return _unavailable(figure, "no patient with an IMS visit")
        complete = 0

        def one(patient_id: int):
            dialog = BookingDialog(self.ctx, self.actor, rebook=rebooking(self.ctx, self.actor, patient_id))
            dialog.show()
            self.app.processEvents()
            return dialog

        def close(dialog) -> None:  # not timed: closing saves the dialog's geometry
            dialog.close()
            dialog.deleteLater()
            self.app.processEvents()

        close(one(patients[0]))
        for run in range(self.size.counter_runs):
            patient_id = patients[run % len(patients)]
            opened = []
            _sample(figure, lambda: opened.append(one(patient_id)))  # noqa: B023 - called at once
            dialog = opened[0]
            complete += dialog.request() is not None
            close(dialog)
        figure.note = (f"services.availability.rebooking (the last visit, the patient's bookings, the first slot with "
                       f"the same physiotherapist that obeys hours, time off, the IMS gate and interval) then the "
                       f"BookingDialog built and shown, for {len(patients)} patients whose last visit was IMS; "
                       f"{complete} of {len(figure.samples)} opened with every field filled in")
        self.explain_service("book again", lambda: rebooking(self.ctx, self.actor, patients[0]))
        return figure

    def open_patient(self) -> Figure:
        figure = Figure("open_patient", "open a patient with history", "ms", "<= 50 ms", median_target=50)
        if self.app is None:
            return _unavailable(figure, "PySide6 is not installed")
        try:
            from frontdesk.ui.common.errors import Prompts
            from frontdesk.ui.intake.intake_tab import IntakeTab
        except ImportError:
            return _unavailable(figure, "the Intake tab does not exist yet")
        patients = self.ims_regulars(self.size.counter_runs + 1)
        if len(patients) < 2:
            return _unavailable(figure, "fewer than two patients with a history")
        tab = IntakeTab(self.ctx, self.actor, Prompts())
        tab.resize(1280, 760)
        tab.show()
        self.app.processEvents()
        tab.open_patient(patients[-1])

        def one(patient_id: int) -> None:
            tab.open_patient(patient_id)
            self.app.processEvents()

        for run in range(self.size.counter_runs):
            patient_id = patients[run % (len(patients) - 1)]
            if tab.patient is not None and tab.patient.id == patient_id:
                tab.open_patient(patients[-1])  # opening the patient already open does nothing
            _sample(figure, lambda: one(patient_id))  # noqa: B023 - called at once
        figure.note = ("IntakeTab.open_patient (the record, the screening history, the verdict, the form filled "
                       "in) and the events it posts, for patients with screenings and IMS visits")
        tab.close()
        tab.deleteLater()
        return figure

    def live_update_check(self) -> Figure:
        """Another desk's once-a-second look for changes on the SQLite file: the change counter when
        nothing changed, and reading the trail's new entries when another desk wrote some."""
        figure = Figure("live_update_check", "live updates: one look for other desks' changes", "ms",
                        "<= 1 ms quiet, <= 20 ms after a change", median_target=1)
        try:
            from frontdesk.services.bootstrap import open_clinic
            from frontdesk.services.changes import ChangeWatch
            from frontdesk.services.patients import open_patient
        except ImportError:
            return _unavailable(figure, "live updates do not exist yet")
        other = open_clinic(self.url)
        try:
            watch = ChangeWatch(other)
            watch.start_polling()
            for _ in range(200):
                figure.samples.append(_timed(watch.poll))
            patients = self.ims_regulars(self.size.counter_runs)
            after_change = []
            for patient_id in patients:
                open_patient(self.ctx, self.actor, patient_id)  # one trail entry (an opened record) elsewhere
                after_change.append(_timed(watch.poll))
            watch.stop()
        finally:
            other.database.dispose()
        figure.extra["after_a_change_ms"] = _round(statistics.median(after_change)) if after_change else None
        figure.note = ("ChangeWatch.poll on a second connection: PRAGMA data_version when nothing changed (the "
                       f"samples); after another desk wrote one trail entry, reading it: median "
                       f"{figure.extra['after_a_change_ms']} ms over {len(after_change)} changes")
        return figure

    # -- whole processes ---------------------------------------------------------------------------

    def memory_soak(self) -> Figure:
        """Memory over a day at the counter: the real window, scripted (search, open a patient, switch
        the day, book, cancel, change tabs, a PDF now and then); resident memory after the warm-up and
        at the end."""
        figure = Figure("memory_soak", f"memory growth over {self.size.soak_actions:,} counter actions "
                        f"(after {self.size.soak_warmup} warm-up actions)", "MiB", "<= 10 MiB", median_target=10,
                        baseline_what="resident memory after the warm-up")
        try:
            import PySide6  # noqa: F401
        except ImportError:
            return _unavailable(figure, "PySide6 is not installed")
        with tempfile.TemporaryDirectory(prefix="frontdesk-bench-soak-") as data:
            result = _child(_SOAK_CHILD, self.url, data, str(self.size.soak_actions), str(self.size.soak_warmup))
        growth = result["end_rss_mib"] - result["warm_rss_mib"]
        figure.samples.append(max(growth, 0.001))
        figure.baseline.append(result["warm_rss_mib"])
        figure.note = (f"resident memory {result['warm_rss_mib']:.0f} MiB after the warm-up, "
                       f"{result['end_rss_mib']:.0f} MiB at the end; actions: {result['counts']}")
        figure.extra = {"warm_rss_mib": round(result["warm_rss_mib"], 1),
                        "end_rss_mib": round(result["end_rss_mib"], 1),
                        "growth_mib": round(growth, 1), "peak_rss_mib": round(result["peak_rss_mib"], 1),
                        "counts": result["counts"]}
        return figure

    def processes(self) -> tuple[Figure, Figure]:
        start = Figure("cold_start", "cold start, process start to main window shown with today's day view",
                       "s", "<= 1.25 x the floor", ratio_target=1.25,
                       baseline_what="the floor: a window that reads the day and shows its names in a plain table")
        memory = Figure("peak_memory", "peak memory of the whole run: first screen, the database layer's "
                        "background load, then days and searches", "MiB", "<= 150 MiB", median_target=150,
                        p95_target=150, baseline_what="the bare window")
        try:
            import PySide6  # noqa: F401
        except ImportError:
            return _unavailable(start, "PySide6 is not installed"), _unavailable(memory, "PySide6 is not installed")
        # An installed Front Desk runs from compiled bytecode (pip and PyInstaller both write it); a
        # checkout may not have any yet (PYTHONDONTWRITEBYTECODE), and compiling at every start would
        # be timed as start-up.
        compileall.compile_dir(ROOT / "frontdesk", quiet=1)
        ready: list[float] = []
        first_paint_memory: list[float] = []
        bare: list[float] = []
        #: Front Desk's own leanest first screen: its day grid with today's day, nothing else.
        lean: list[float] = []
        # Where each process's time went: the interpreter, PySide6 and the QApplication (the same
        # for all three), then building the window (Front Desk: its modules, the database, the day)
        # and the first paint.
        phases: dict[str, list[float]] = {"qt_ready": [], "app_build": [], "app_paint": [], "bare_window": []}
        sql, args = self.raw_day_sql(self.ctx.today())
        labels = [f"{7 + quarter // 4:02d}:{15 * (quarter % 4):02d}" for quarter in range(52)]
        floor_args = json.dumps([sql, list(args), labels, str(self.ctx.zone)])
        later = json.dumps({"days": [day.isoformat() for day in self.inputs.days[:10]],
                            "searches": [text for kind in ("prefix", "name", "phone")
                                         for text in self.inputs.searches[kind][:4]]})
        url = libpq_url(self.url) if self.postgres else self.url
        with tempfile.TemporaryDirectory(prefix="frontdesk-bench-data-") as data:
            for _run in range(self.size.process_runs):
                result = _child(_APP_CHILD, self.url, data, later)
                start.samples.append(result["elapsed"])
                start.cpu.append(result["cpu"])
                memory.samples.append(result["peak_rss_mib"])
                first_paint_memory.append(result["first_paint_rss_mib"])
                ready.append(result["ready"])
                phases["app_build"].append(result["built"] - result["qt_ready"])
                phases["app_paint"].append(result["elapsed"] - result["built"])
                phases["qt_ready"].append(result["qt_ready"])
                result = _child(_BARE_CHILD, self.url, data)
                bare.append(result["elapsed"])
                memory.baseline.append(result["peak_rss_mib"])
                phases["bare_window"].append(result["elapsed"] - result["qt_ready"])
                phases["qt_ready"].append(result["qt_ready"])
                start.baseline.append(_child(_FLOOR_CHILD, url, data, floor_args)["elapsed"])
                lean.append(_child(_LEAN_CHILD, self.url, data)["elapsed"])
        qt_ready, built, painted, bare_window = (statistics.median(phases[name]) for name in
                                                 ("qt_ready", "app_build", "app_paint", "bare_window"))
        floor = start.baseline_median
        start.extra = {"bare_window_median": _round(statistics.median(bare)),
                       "ratio_to_bare_window": _round(start.median / statistics.median(bare)),
                       "floor_to_bare_window": _round(floor / statistics.median(bare)),
                       "ready_median": _round(statistics.median(ready)),
                       "qt_ready_median": _round(qt_ready),
                       "app_build_median": _round(built),
                       "app_paint_median": _round(painted),
                       "bare_window_build_and_paint_median": _round(bare_window),
                       "lean_first_screen_median": _round(statistics.median(lean)),
                       "lean_first_screen_to_floor": _round(statistics.median(lean) / floor)}
        start.note = ("a new Python process each run (interpreter, imports, database, window, first paint); the "
                      "floor, a window that only queries the day (raw "
                      f"{self.raw_name}) and shows the names in a plain table (no IMS flags, no blocks, no toolbar): "
                      f"{floor:.2f} s; the bare window (three empty tabs): {statistics.median(bare):.2f} s, so Front "
                      f"Desk is x {start.median / statistics.median(bare):.2f} the bare window and the floor "
                      f"x {floor / statistics.median(bare):.2f}. Python, PySide6 and the QApplication alone: "
                      f"{qt_ready:.2f} s in every process; then Front Desk builds its window in {built:.3f} s (its "
                      f"modules, the database, the day) and paints it in {painted:.3f} s. SQLAlchemy and the ORM then "
                      f"load in the background, done {statistics.median(ready):.2f} s after the process started. "
                      "The leanest first screen Front Desk's own code could show (its day grid with today's day "
                      "and IMS flags, in three tabs; no toolbar, menus, other tabs or panels): "
                      f"{statistics.median(lean):.2f} s, x {statistics.median(lean) / floor:.2f} the floor. "
                      "Processor time: the process's own, up to the first paint")
        memory.note = ("peak resident set size (VmHWM) of each whole app process: the first screen "
                       f"({statistics.median(first_paint_memory):.0f} MiB at the first paint), the database layer's "
                       "background load, then 10 more days shown and 12 searches typed in the window; "
                       "the p95 is the largest of the processes")
        memory.extra = {"first_paint_median_mib": _round(statistics.median(first_paint_memory))}
        return start, memory


def waitlist_match(bench: Bench, entries: int = 2000) -> Figure:
    """Issue 18: a freed slot matched against a 2,000-entry waitlist (entries added once, then reused)."""
    import random

    from sqlalchemy import insert

    figure = Figure("waitlist_match", f"waiting patients who fit a freed slot, {entries:,}-entry waitlist", "ms",
                    "<= 50 ms", median_target=50)
    try:
        from frontdesk.db.models import WaitlistEntry
        from frontdesk.services.availability import find_next_available
        from frontdesk.services.schedule import list_appointment_types
        from frontdesk.services.unit_of_work import UnitOfWork
        from frontdesk.services.waitlist_offers import offers_for_freed
    except ImportError:
        return _unavailable(figure, "services.waitlist_offers does not exist yet")
    ctx, actor, today = bench.ctx, bench.actor, bench.ctx.today()
    kinds = list_appointment_types(ctx, actor)
    physio = next(k for k in kinds if not k.is_ims)
    ims = next((k for k in kinds if k.is_ims), physio)
    have = bench.raw.execute("SELECT count(*) FROM waitlist_entries WHERE state = 'waiting'").fetchone()[0]
    if have < entries:
        pick = random.Random(18)
        screened = bench.screened_patients(entries)
        anyone = [row[0] for row in bench.raw.execute("SELECT id FROM patients WHERE archived = 0 LIMIT ?",
                                                      (entries * 5,))]
        therapists = [row[0] for row in bench.raw.execute("SELECT id FROM therapists WHERE active = 1")]
        areas = ["knee:left", "knee:right", "neck", "low_back", "shoulder:left"]
        now = ctx.now()
        rows = []
        for n in range(entries - have):
            is_ims = n % 2 == 1 and bool(screened)
            rows.append(dict(
                patient_id=pick.choice(screened if is_ims else anyone), type_id=(ims if is_ims else physio).id,
                area=pick.choice(areas) if is_ims else "",
                therapist_ids=[] if pick.random() < 0.4 else pick.sample(therapists, min(len(therapists),
                                                                                        pick.randint(1, 3))),
                weekdays=[] if pick.random() < 0.5 else sorted(pick.sample(range(5), pick.randint(1, 4))),
                part_of_day=pick.choice(["any", "any", "morning", "afternoon"]),
                earliest=today + timedelta(days=pick.randint(0, 20)), note="benchmark", priority=pick.randint(1, 3),
                state="waiting", closed_reason="", version=1, added_at=now - timedelta(days=pick.randint(0, 60)),
                added_by=actor.user_id, updated_at=now, updated_by=actor.user_id))
        with UnitOfWork(ctx, None, write=True) as uow:
            uow.session.execute(insert(WaitlistEntry.__table__), rows)
            uow.commit()
    slots = [slot for start in (7, 9, 11)
             for slot in find_next_available(ctx, actor, physio.id, None, today + timedelta(days=start), limit=1)]
    if not slots:
        return _unavailable(figure, "no free slot found to free")
    found = [len(offers_for_freed(ctx, actor, s.therapist_id, s.starts_at, s.ends_at).offers) for s in slots]
    processor: list[float] = []
    for run in range(max(6, bench.size.next_runs * 2)):
        slot = slots[run % len(slots)]
        started = time.process_time()
        figure.samples.append(_timed(lambda slot=slot: offers_for_freed(ctx, actor, slot.therapist_id,
                                                                        slot.starts_at, slot.ends_at)))
        processor.append((time.process_time() - started) * 1000)
    # On a shared machine the wall clock counts the other processes' turns too: the processor time is
    # what the desk's own process spent.
    figure.extra["offers_per_slot"] = found
    figure.extra["processor_ms_median"] = _round(statistics.median(processor))
    figure.extra["load_average"] = _round(os.getloadavg()[0]) if hasattr(os, "getloadavg") else None
    figure.note = (f"services.waitlist_offers.offers_for_freed on free {physio.name.lower()} slots a week or two "
                   "ahead, "
                   f"{entries:,} waiting entries (half IMS with an area, physiotherapist and day choices mixed); "
                   "every booking rule applied, best first")
    return figure


def _one_page_reportlab() -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story = [Paragraph("Consent to IMS (intramuscular stimulation)", styles["Title"])]
    for number in range(14):
        story.append(Paragraph(f"Section {number + 1}. " + "The physiotherapist explains what is done and why, "
                               "and the patient may ask questions or stop at any time. " * 2, styles["BodyText"]))
        story.append(Spacer(1, 4))
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=letter).build(story)
    return out.getvalue()


def _free_requests(path: Path, ctx, count: int, request_type) -> list:
    """Bookings on empty days after the generated range: 30-minute physiotherapy treatments inside
    each therapist's hours, each for a different patient."""
    from frontdesk.domain.scheduling import local_instant

    with sqlite3.connect(path) as connection:
        kind = connection.execute("SELECT id, duration_minutes FROM appointment_types WHERE is_ims = 0 AND active = 1 "
                                  "ORDER BY duration_minutes, sort_order LIMIT 1").fetchone()
        last = connection.execute("SELECT max(starts_at) FROM appointments").fetchone()[0]
        hours = connection.execute("SELECT w.therapist_id, w.weekday, w.start_time, w.end_time FROM working_hours w "
                                   "JOIN therapists t ON t.id = w.therapist_id WHERE t.active = 1 "
                                   "ORDER BY w.therapist_id, w.weekday, w.start_time").fetchall()
        patients = [row[0] for row in connection.execute(
            "SELECT id FROM patients WHERE archived = 0 ORDER BY id LIMIT ?", (count,))]
    type_id, minutes = kind
    day = (datetime.fromisoformat(last).date() if last else ctx.today()) + timedelta(days=14)
    requests: list = []
    while len(requests) < count:
        for therapist_id, weekday, start, end in hours:
            if weekday != day.weekday():
                continue
            cursor = datetime.combine(day, clock_time.fromisoformat(start))
            stop = datetime.combine(day, clock_time.fromisoformat(end))
            while cursor + timedelta(minutes=minutes) <= stop and len(requests) < count:
                patient = patients[len(requests) % len(patients)]
                requests.append(request_type(patient_id=patient, therapist_id=therapist_id, type_id=type_id,
                                             starts_at=local_instant(day, cursor.time(), ctx.zone)))
                cursor += timedelta(minutes=minutes)
        day += timedelta(days=1)
    return requests


def _raw_booking_rate(path: Path, requests: list) -> float:
    """The same number of bookings as plain INSERTs (appointment and its history row), one
    transaction each, with the app's durability settings."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
    started = time.perf_counter()
    for request in requests:
        begins, ends = _raw_span(request)
        connection.execute("BEGIN IMMEDIATE")
        cursor = connection.execute(_RAW_APPOINTMENT.replace("%s", "?"),
                                    (request.patient_id, request.therapist_id, request.type_id, begins, ends, now, now))
        connection.execute(_RAW_EVENT.replace("%s", "?"), (cursor.lastrowid, now))
        connection.execute("COMMIT")
    rate = len(requests) / (time.perf_counter() - started)
    connection.close()
    return rate


_RAW_APPOINTMENT = (
    "INSERT INTO appointments (patient_id, therapist_id, type_id, starts_at, ends_at, status, area, notes, "
    "cancel_reason, late_cancellation, version, created_at, created_by, updated_at, updated_by) "
    "VALUES (%s, %s, %s, %s, %s, 'booked', '', '', '', false, 1, %s, 1, %s, 1)")
_RAW_EVENT = ("INSERT INTO appointment_events (appointment_id, at, by_user, kind, to_status, detail) "
              "VALUES (%s, %s, 1, 'booked', 'booked', '{}')")


def _raw_span(request) -> tuple[str, str]:
    """The stored start and end of a raw booking: ten years after the request, clear of everything."""
    start = request.starts_at + timedelta(days=3650)
    stored = lambda instant: instant.astimezone(UTC).replace(tzinfo=None).isoformat(  # noqa: E731
        " ", timespec="microseconds")
    return stored(start), stored(start + timedelta(minutes=30))


def _raw_booking_rate_postgres(conninfo: str, requests: list) -> float:
    """The same bookings as plain INSERTs on the server, one committed transaction each (the server's
    own durability: synchronous_commit and fsync as the app's bookings had them)."""
    import psycopg

    now = datetime.now(UTC).replace(tzinfo=None)
    with psycopg.connect(conninfo) as connection:
        started = time.perf_counter()
        for request in requests:
            begins, ends = _raw_span(request)
            with connection.transaction():
                appointment = connection.execute(_RAW_APPOINTMENT + " RETURNING id", (
                    request.patient_id, request.therapist_id, request.type_id, begins, ends, now, now)).fetchone()[0]
                connection.execute(_RAW_EVENT, (appointment, now))
        return len(requests) / (time.perf_counter() - started)


_PEAK = """
import os as _os, sys as _sys, traceback as _traceback
def _fail(*error):
    # An error in a Qt callback would otherwise leave the timed process waiting forever.
    _traceback.print_exception(*error)
    _os._exit(1)
_sys.excepthook = _fail
def _peak_mib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
"""

_APP_CHILD = _PEAK + """
import json, os, sys, time
from datetime import date
def since_start():
    return time.time() - float(os.environ["FD_BENCH_T0"])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
figures = {"qt_ready": since_start()}
later = json.loads(sys.argv[2])
from frontdesk.app import create_main_window
window = create_main_window(sys.argv[1])
window.tabs.setCurrentWidget(window.schedule)
figures["built"] = since_start()
window.show()
def shown():
    app.processEvents()
    figures.update(elapsed=since_start(), cpu=time.process_time(), first_paint_rss_mib=_peak_mib())
    ready()
def ready():
    # The database layer (SQLAlchemy, the ORM) loads in the background after the first screen.
    if not window.ctx.database.engine_created and since_start() < 60:
        QTimer.singleShot(10, ready)
        return
    figures.update(ready=since_start())
    # Then what a person does first: a few days, a few searches (the whole run's peak memory).
    for day in later["days"]:
        window.schedule.go_to(date.fromisoformat(day))
        app.processEvents()
    window.tabs.setCurrentWidget(window.intake)
    search = window.intake.search
    for text in later["searches"]:
        search.search_box.setText(text)
        search.search_now()
        app.processEvents()
    figures.update(peak_rss_mib=_peak_mib())
    print(json.dumps(figures))
    window.close()
    window.ctx.database.dispose()
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""

#: The end of the floor's and the bare window's scripts: time and memory once the window is painted.
_REPORT_WHEN_SHOWN = """
def shown():
    app.processEvents()
    print(json.dumps({"elapsed": time.time() - float(os.environ["FD_BENCH_T0"]), "peak_rss_mib": _peak_mib(),
                      "qt_ready": qt_ready}))
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""

#: The floor's and the leanest first screen's window: its `view` as the Schedule tab of three, the size
#: of Front Desk's window, shown; then time and memory once painted.
_IN_THREE_TABS = """
window = QMainWindow()
tabs = QTabWidget()
for title, page in (("Intake", QWidget()), ("Schedule", view), ("Appointments", QWidget())):
    tabs.addTab(page, title)
tabs.setCurrentIndex(1)
window.setCentralWidget(tabs)
window.resize(1280, 820)
window.show()
""" + _REPORT_WHEN_SHOWN

_FLOOR_CHILD = _PEAK + """
import json, os, sqlite3, sys, time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from PySide6.QtCore import QAbstractTableModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QTableView, QWidget
app = QApplication([sys.argv[0]])
qt_ready = time.time() - float(os.environ["FD_BENCH_T0"])
sql, args, labels, zone = json.loads(sys.argv[2])
zone = ZoneInfo(zone)
if sys.argv[1].startswith("postgresql"):
    import psycopg
    connection = psycopg.connect(sys.argv[1])
    rows = connection.execute(sql.replace("?", "%s"), args).fetchall()
else:
    connection = sqlite3.connect(sys.argv[1].removeprefix("sqlite:///"))
    rows = connection.execute(sql, args).fetchall()
columns = sorted({(row[7], row[8]) for row in rows})
where = {therapist: n for n, (therapist, _name) in enumerate(columns)}
slot_of = {label: n for n, label in enumerate(labels)}
cells = {}
for row in rows:
    start = row[12] if isinstance(row[12], datetime) else datetime.fromisoformat(row[12])
    local = start.replace(tzinfo=timezone.utc).astimezone(zone).strftime("%H:%M")
    cells[(slot_of.get(local, 0), where[row[7]])] = row[3]
class Day(QAbstractTableModel):
    def rowCount(self, parent=None):
        return len(labels)
    def columnCount(self, parent=None):
        return len(columns)
    def data(self, index, role=Qt.DisplayRole):
        return cells.get((index.row(), index.column()), "") if role == Qt.DisplayRole else None
    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        return columns[section][1] if orientation == Qt.Horizontal else labels[section]
view = QTableView()
model = Day()
view.setModel(model)
""" + _IN_THREE_TABS

#: How far a first screen of Front Desk's own day grid can go: the same open, the same day and IMS
#: flags, painted by the same grid, in three tabs, and nothing else of the window.
_LEAN_CHILD = _PEAK + """
import json, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
qt_ready = time.time() - float(os.environ["FD_BENCH_T0"])
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget
from frontdesk.compat import EVENTS, make_pyside_classes_a_conversion_meets
from frontdesk.services.account_lookup import workstation_actor
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.schedule_view import day_schedule
from frontdesk.ui.schedule.schedule_grid import ScheduleGridModel, ScheduleGridView
make_pyside_classes_a_conversion_meets(EVENTS)
ctx = open_clinic(sys.argv[1])
model = ScheduleGridModel(ctx.zone)
view = ScheduleGridView(ctx.zone)
view.setModel(model)
model.set_day(day_schedule(ctx, workstation_actor(ctx), ctx.today()))
view.apply_spans()
""" + _IN_THREE_TABS

_BARE_CHILD = _PEAK + """
import json, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget
app = QApplication([sys.argv[0]])
qt_ready = time.time() - float(os.environ["FD_BENCH_T0"])
window = QMainWindow()
tabs = QTabWidget()
for title in ("Intake", "Schedule", "Appointments"):
    tabs.addTab(QWidget(), title)
window.setCentralWidget(tabs)
window.resize(1280, 820)
window.show()
""" + _REPORT_WHEN_SHOWN


_SOAK_CHILD = """
import gc, json, sys
from datetime import timedelta
from PySide6.QtWidgets import QApplication

def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

app = QApplication([sys.argv[0]])
actions, warmup = int(sys.argv[2]), int(sys.argv[3])
from frontdesk.app import create_main_window
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.documents import intake_form
from frontdesk.services.errors import ServiceError
from frontdesk.services.availability import find_next_available
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types

window = create_main_window(sys.argv[1])
window.resize(1280, 820)
window.show()
app.processEvents()
ctx, actor = window.ctx, window.actor
kind = next(t for t in list_appointment_types(ctx, actor) if not t.is_ims)
prefixes = ["ng", "sm", "ta", "li", "wa", "ch", "mo", "br", "ka", "le", "ro", "sa"]
today = ctx.today()
search = window.intake.search
patient_id = None
booked = None
counts = {"search": 0, "open": 0, "day": 0, "book": 0, "refused": 0, "cancel": 0, "tab": 0, "pdf": 0}
warm_rss = None
for n in range(actions):
    step = n % 6
    if step == 0:
        window.tabs.setCurrentWidget(window.intake)
        search.search_box.setText(prefixes[(n // 6) % len(prefixes)])
        search.search_now()
        rows = search.model.rows if hasattr(search.model, "rows") else []
        patient_id = rows[(n // 6) % len(rows)].id if rows else patient_id
        counts["search"] += 1
    elif step == 1 and patient_id is not None:
        window.intake.open_patient(patient_id)
        counts["open"] += 1
    elif step == 2:
        window.tabs.setCurrentWidget(window.schedule)
        window.schedule.go_to(today + timedelta(days=(n // 6) % 21))
        counts["day"] += 1
    elif step == 3 and patient_id is not None:
        slots = find_next_available(ctx, actor, kind.id, None, today + timedelta(days=1 + (n // 6) % 60),
                                    patient_id=patient_id, limit=1)
        try:
            booked = book_appointment(ctx, actor, BookingRequest(patient_id, slots[0].therapist_id, kind.id,
                                                                 slots[0].starts_at)) if slots else None
        except ServiceError:
            counts["refused"] += 1  # an archived patient, say: the counter is told so, as here
        else:
            if booked is not None:
                window.data_changed.emit({"appointments"})
                counts["book"] += 1
    elif step == 4 and booked is not None:
        cancel_appointment(ctx, actor, booked.id, booked.version, "Soak test: cancelled by the script")
        window.data_changed.emit({"appointments"})
        booked = None
        counts["cancel"] += 1
    elif step == 5:
        window.tabs.setCurrentWidget(window.appointments)
        counts["tab"] += 1
    if n % 1000 == 7 and patient_id is not None:
        intake_form(ctx, actor, patient_id)  # a PDF now and then (the first one during the warm-up)
        counts["pdf"] += 1
    app.processEvents()
    if n + 1 == warmup:
        gc.collect()
        app.processEvents()
        warm_rss = rss_mib()
gc.collect()
app.processEvents()
end_rss = rss_mib()
def peak_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"warm_rss_mib": warm_rss, "end_rss_mib": end_rss, "peak_rss_mib": peak_mib(), "actions": actions,
                  "warmup": warmup, "counts": counts}))
window.close()
window.ctx.database.dispose()
"""


def _child(script: str, url: str, data_dir: str, *extra: str) -> dict:
    env = dict(os.environ, FRONTDESK_DATA_DIR=data_dir, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    env["FD_BENCH_T0"] = repr(time.time())
    done = subprocess.run([sys.executable, "-c", script, url, *extra], env=env, capture_output=True, text=True,
                          timeout=1800 if script is _SOAK_CHILD else 120)
    if done.returncode != 0:
        raise RuntimeError(f"the timed process failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Report ---------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "per s":
        return f"{value:,.0f}/s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms"


def print_table(title: str, figures: list[Figure]) -> None:
    print(title)
    header = (f"{'figure':<24}{'median':>12}{'p95':>12}{'cpu median':>12}{'cpu p95':>12}  {'target':<30}"
              f"{'baseline':>12}{'ratio':>8}  status")
    print(header)
    print("-" * len(header))
    for figure in figures:
        if not figure.available:
            print(f"{figure.key:<24}{'not available':>24}{'':>24}  {figure.target_text:<30}{'':>20}  ({figure.note})")
            continue
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else "-"
        status = {True: "meets", False: "MISSES", None: "-"}[figure.meets]
        print(f"{figure.key:<24}{_fmt(figure.median, figure.unit):>12}{_fmt(figure.p95, figure.unit):>12}"
              f"{_fmt(figure.cpu_median, figure.unit):>12}{_fmt(figure.cpu_p95, figure.unit):>12}  "
              f"{figure.target_text:<30}{_fmt(figure.baseline_median, figure.unit):>12}{ratio:>8}  {status}")
    print()
    for figure in figures:
        if figure.available and figure.note:
            print(f"  {figure.key}: {figure.note}")
    print()


def print_report(figures: list[Figure], plans: dict[str, list[str]], postgres: list[Figure] | None = None,
                 postgres_why: str = "") -> None:
    print_table("SQLite (wall-clock time, and the processor time of the same samples):", figures)
    if postgres:
        print_table("PostgreSQL, same run, same clinic:", postgres)
    elif postgres_why:
        print(f"PostgreSQL: not measured ({postgres_why})\n")
    print("Query plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL):")
    for name, steps in plans.items():
        print(f"  {name}:")
        for step in steps:
            print(f"    {step}")


def start_postgres():
    """A throwaway server from the machine's binaries with the durability a clinic would run it with
    (fsync and synchronous_commit on, unlike the tests' server), as the tests start theirs."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    import pg_server

    class DurableServer(pg_server.PostgresServer):
        def start(self) -> None:
            options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    return DurableServer()


def move_to_server(copy: Path, url: str) -> float:
    """`frontdesk move-to` from the SQLite copy into the empty database; the copy's mark is removed
    afterwards so it can still be measured. Returns the seconds it took."""
    from frontdesk.db.moved import marker_path

    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "frontdesk", "--db", str(copy), "move-to", url], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"frontdesk move-to failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    marker_path(copy).unlink(missing_ok=True)
    return time.perf_counter() - started


def settle_server(url: str) -> float:
    """VACUUM (ANALYZE) the freshly loaded server, as its autovacuum would have long since done on a
    clinic's server: otherwise autovacuum works through the million new rows while the figures are
    taken (on the same two cores), and until it has, index-only scans read the table rows as well.
    Returns the seconds it took."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def measure(bench: Bench, keys: tuple[str, ...]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    steps: list[tuple[str, tuple[str, ...], Callable[[], object]]] = [
        ("patient_search", tuple(key for key, _kind, _what in SEARCHES), bench.patient_searches),
        ("day_view", ("day_view",), bench.day_view),
        ("find_next_available", ("find_next_available",), bench.find_next_available),
        ("ims_assessment", ("ims_assessment",), bench.ims_assessment),
        ("consent", ("consent_pdf", "consent_pdf_batch_200"), bench.consent),
        ("booking_1000", ("booking_1000",), bench.booking),
        ("book_again", ("book_again",), bench.book_again),
        ("open_patient", ("open_patient",), bench.open_patient),
        ("waitlist_match", ("waitlist_match",), lambda: waitlist_match(bench)),
        ("live_update_check", ("live_update_check",), bench.live_update_check),
        ("processes", ("cold_start", "peak_memory"), bench.processes),
        ("memory_soak", ("memory_soak",), bench.memory_soak),
    ]
    for name, produces, step in steps:
        if not set(produces) & set(keys):
            continue
        print(f"measuring {name} on {bench.label} ...", flush=True)
        try:
            result = step()
        except Exception as error:  # noqa: BLE001 - one broken figure must not hide the others
            traceback.print_exc()
            for key in produces:
                figures[key] = _unavailable(Figure(key, key, "", ""), f"failed: {error}")
            continue
        for figure in result if isinstance(result, tuple) else (result,):
            figures[figure.key] = figure
    peak, soak = figures.get("peak_memory"), figures.get("memory_soak")
    if peak is not None and peak.available and soak is not None and soak.available and "peak_rss_mib" in soak.extra:
        # The soak's window is one more whole process of the run: its peak counts with the others.
        peak.samples.append(soak.extra["peak_rss_mib"])
        peak.note += (f"; with the {bench.size.soak_actions:,}-action soak's process, whose peak was "
                      f"{soak.extra['peak_rss_mib']:.0f} MiB")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Front Desk benchmarks on a generated clinic (issues 7 and 19).")
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    parser.add_argument("--db", type=Path, help="clinic database file to build or reuse "
                                                 "(default: benchmarks/results/<size>-clinic.sqlite3)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--postgres", choices=("auto", "no"), default="auto",
                        help="also measure on a throwaway PostgreSQL server when its binaries are installed")
    parser.add_argument("--only", help="comma-separated figure keys to take (e.g. cold_start,memory_soak); "
                                       "the others are left out of the table")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    if only is not None and not only <= set(FIGURES):
        parser.error(f"unknown figures: {', '.join(sorted(only - set(FIGURES)))}")
    keys = tuple(key for key in FIGURES if only is None or key in only)
    postgres_keys = tuple(key for key in POSTGRES_FIGURES if key in keys)
    size = SIZES[args.size]
    path = (args.db or ROOT / "benchmarks" / "results" / f"{size.name}-clinic.sqlite3").resolve()
    os.environ.setdefault("FRONTDESK_DATA_DIR", str(path.parent / "data"))

    build = build_or_reuse(size, path)
    before = fingerprint(path)
    plans: dict[str, list[str]] = {}
    postgres: dict[str, Figure] | None = None
    postgres_why = ""
    postgres_info: dict = {}
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-", dir=path.parent) as folder:
        print(f"Copying {path.name} to measure the copy ...", flush=True)
        copy = working_copy(path, Path(folder))
        server = None
        pg_url = None
        if args.postgres == "auto" and not postgres_keys:
            postgres_why = "--only names no figure taken on PostgreSQL"
        elif args.postgres == "auto":
            if str(ROOT / "tests") not in sys.path:
                sys.path.insert(0, str(ROOT / "tests"))
            try:
                import pg_server

                have = pg_server.find_binaries() is not None
            except ImportError:
                have = False
            if not have:
                postgres_why = "no PostgreSQL server binaries (initdb, pg_ctl) on this machine"
            else:
                try:
                    server = start_postgres()
                    pg_url = server.create_database()
                    print("Moving the copy onto a throwaway PostgreSQL server (frontdesk move-to) ...", flush=True)
                    postgres_info["move_to_seconds"] = round(move_to_server(copy, pg_url), 1)
                    postgres_info["vacuum_seconds"] = round(settle_server(pg_url), 1)
                except Exception as error:  # noqa: BLE001 - SQLite is still measured
                    traceback.print_exc()
                    postgres_why = f"the server could not be started or loaded: {error}"
                    pg_url = None
        elif args.postgres == "no":
            postgres_why = "--postgres no"
        try:
            from frontdesk.services.bootstrap import open_clinic

            ctx = open_clinic(f"sqlite:///{copy}")
            try:
                inputs = plan_inputs(size, copy, ctx)
            finally:
                ctx.database.dispose()
            if pg_url is not None:
                # Measured first, so both start from the same clinic (the SQLite run books into its copy).
                bench = Bench(size, pg_url, inputs)
                try:
                    with bench.raw.connection.cursor() as cursor:
                        postgres_info["server"] = cursor.execute("SHOW server_version").fetchone()[0]
                        postgres_info["settings"] = {name: cursor.execute(f"SHOW {name}").fetchone()[0]
                                                     for name in ("fsync", "synchronous_commit", "shared_buffers")}
                    postgres = measure(bench, postgres_keys)
                    plans.update(bench.plans)
                finally:
                    bench.close()
            bench = Bench(size, f"sqlite:///{copy}", inputs, path=copy)
            try:
                figures = measure(bench, keys)
                plans = {**bench.plans, **plans}
            finally:
                bench.close()
        finally:
            if server is not None:
                server.close()
    unchanged = fingerprint(path) == before
    ordered = [figures[key] for key in keys]
    postgres_ordered = [postgres[key] for key in postgres_keys] if postgres else None
    print()
    print_report(ordered, plans, postgres_ordered, postgres_why)
    print(f"\nThe cached clinic {'was left unchanged' if unchanged else 'CHANGED during the run'} "
          f"(measured on a copy).")
    report = {
        "size": size.name,
        "database": str(path),
        "database_mib": round(path.stat().st_size / 2**20, 1),
        "cached_clinic_unchanged": unchanged,
        "build": build,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "load_average": [round(load, 2) for load in os.getloadavg()] if hasattr(os, "getloadavg") else None,
                    "sqlite": sqlite3.sqlite_version},
        "figures": {figure.key: figure.as_json() for figure in ordered},
        "postgresql": ({**postgres_info, "figures": {figure.key: figure.as_json() for figure in postgres_ordered}}
                       if postgres_ordered else {"measured": False, "why": postgres_why}),
        "query_plans": plans,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWritten to {args.out}")
    return 0 if unchanged else 1


if __name__ == "__main__":
    raise SystemExit(main())
