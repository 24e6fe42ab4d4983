"""Front Desk benchmarks on a generated clinic (issue 7).

    python benchmarks/run.py --size large|tiny [--db PATH] [--out benchmarks/results/latest.json]

Builds the clinic database (or reuses PATH when it already holds patients), then measures each figure
of the issue's table with repeated runs: median, 95th percentile, target, the baseline measured in the
same run (the fastest thing possible for the same job on this machine) and the ratio to it. Prints a
table plus the query plans of the search and day queries, and writes everything as JSON.

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
from datetime import date, datetime, timedelta, timezone
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


SIZES = {
    "large": Size("large", rounds=3, search_patients=15, day_runs=20, next_runs=10, assessment_calls=2000,
                  consent_runs=20, batch=200, bookings=1000, process_runs=11),
    "tiny": Size("tiny", rounds=1, search_patients=3, day_runs=3, next_runs=2, assessment_calls=200,
                 consent_runs=2, batch=5, bookings=40, process_runs=1, counter_runs=3, soak_actions=300,
                 soak_warmup=100),
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
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        if self.higher_is_better:
            return ordered[max(0, int(len(ordered) * 0.05) - 1)] if len(ordered) > 1 else ordered[0]
        return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 95 // 100) - 1))]

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
            "runs": len(self.samples),
            "target": self.target_text,
            "baseline": self.baseline_what or None,
            "baseline_median": _round(self.baseline_median),
            "ratio": _round(self.ratio),
            "meets_target": self.meets,
            "note": self.note,
            **self.extra,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _unavailable(figure: Figure, why: str) -> Figure:
    figure.available = False
    figure.samples.clear()
    figure.note = why
    return figure


# --- The clinic -----------------------------------------------------------------------------------


def build_or_reuse(size: Size, path: Path) -> dict:
    """Open (and if empty, generate) the benchmark clinic; returns what happened, for the report."""
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.generate import LARGE_CLINIC, TINY_CLINIC, generate_clinic
    from frontdesk.services.users import command_line_actor

    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = open_clinic(f"sqlite:///{path}")
    try:
        with sqlite3.connect(path) as connection:
            patients = connection.execute("SELECT count(*) FROM patients").fetchone()[0]
        if patients:
            return {"reused": True, "patients": patients, "seconds": None}
        plan = LARGE_CLINIC if size.name == "large" else TINY_CLINIC
        print(f"Building the {size.name} clinic in {path} ...", flush=True)
        result = generate_clinic(ctx, command_line_actor(ctx), plan)
        for line in result.lines():
            print("  " + line)
        return {"reused": False, "patients": result.patients, "appointments": result.appointments,
                "screenings": result.screenings, "seconds": round(result.seconds, 1)}
    finally:
        ctx.database.dispose()


class Bench:
    def __init__(self, size: Size, path: Path) -> None:
        from frontdesk.services.bootstrap import open_clinic
        from frontdesk.services.users import command_line_actor

        self.size = size
        self.path = path
        self.url = f"sqlite:///{path}"
        self.ctx = open_clinic(self.url)
        self.actor = command_line_actor(self.ctx)
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

    def explain(self, name: str, sql: str, args: tuple) -> None:
        rows = self.raw.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
        self.plans[name] = [row[-1] for row in rows]

    def explain_service(self, name: str, call) -> None:
        """The plan of every SELECT that `call()` sends, through the app's engine or on its plain
        read connections (whose trace gives the statement with its parameters filled in)."""
        from sqlalchemy import event

        seen: list[tuple[str, tuple]] = []

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.lstrip().upper().startswith("SELECT") and not executemany:
                seen.append((statement, tuple(parameters or ())))

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
            except sqlite3.Error:
                continue

    # -- patient search ----------------------------------------------------------------------------

    def search_queries(self) -> list[tuple[str, str]]:
        """What receptionists type, keystroke by keystroke: name prefixes, phone digits, a birth date."""
        from frontdesk.domain.patients import search_key

        count = self.raw.execute("SELECT max(id) FROM patients").fetchone()[0]
        step = max(1, count // self.size.search_patients)
        queries: list[tuple[str, str]] = []
        for patient_id in range(1, count + 1, step):
            row = self.raw.execute("SELECT family_name, given_names, phone_digits, date_of_birth FROM patients "
                                   "WHERE id = ?", (patient_id,)).fetchone()
            if row is None:
                continue
            family, given, digits, born = row
            key = search_key(family)
            queries += [("name", key[:length]) for length in range(2, min(len(key), 8) + 1)]
            queries.append(("name", f"{key} {search_key(given)[:1]}"))
            queries.append(("name", f"{key}, {search_key(given)[:2]}"))  # as the app prints names
            if digits:
                queries += [("phone", digits[:length]) for length in (3, 4, 6, 7, 10)]
            queries.append(("born", born))
        return queries

    def raw_search_sql(self, kind: str, text: str) -> tuple[str, tuple]:
        from frontdesk.domain.patients import search_words

        columns = ("SELECT id, family_name, given_names, preferred_name, date_of_birth, phone, archived "
                   "FROM patients WHERE ")
        order = " ORDER BY family_key, given_key, id LIMIT 50"  # archived records are found too
        if kind == "phone":
            return columns + "phone_digits >= ? AND phone_digits < ?" + order, (text, text + "\x7f")
        if kind == "born":
            return columns + "date_of_birth = ?" + order, (text,)
        parts, args = [], []
        for word in search_words(text)[:4]:
            end = word + "\U0010ffff"
            parts.append("((family_key >= ? AND family_key < ?) OR (given_key >= ? AND given_key < ?) "
                         "OR (preferred_key >= ? AND preferred_key < ?))")
            args += [word, end] * 3
        return columns + " AND ".join(parts) + order, tuple(args)

    def patient_search(self) -> Figure:
        from frontdesk.services.patients import search_patients

        figure = Figure("patient_search", "patient search as you type (service call + model update)", "ms",
                        "median <= 5 ms, p95 <= 20 ms", median_target=5, p95_target=20,
                        baseline_what="the same query in raw sqlite3")
        model = None
        try:
            from frontdesk.ui.patient_search import PatientSearchModel

            if self.app is not None:
                model = PatientSearchModel()
        except ImportError:
            pass
        if model is None:
            figure.note = "service call only: the intake search model (frontdesk.ui.patient_search) is not available"
        else:
            figure.note = "search_patients() then PatientSearchModel.set_rows()"
        queries = self.search_queries()
        for kind, text in queries[:3]:
            search_patients(self.ctx, self.actor, text)  # warm the caches once

        def one(text: str) -> None:
            rows = search_patients(self.ctx, self.actor, text)
            if model is not None:
                model.set_rows(rows)

        for _round_ in range(self.size.rounds):
            for kind, text in queries:
                figure.samples.append(_timed(lambda: one(text)))
                sql, args = self.raw_search_sql(kind, text)
                figure.baseline.append(_timed(lambda: self.raw.execute(sql, args).fetchall()))
        for label, text in (("name", "smi"), ("two words", "smith j"), ("family, given", "smith, j"),
                            ("phone", "250493"),
                            ("birth date", "1980-03-14")):
            self.explain_service(f"patient search by {label}",
                                 lambda text=text: search_patients(self.ctx, self.actor, text))
        return figure

    # -- the day -----------------------------------------------------------------------------------

    def busy_days(self) -> list[date]:
        today = self.ctx.today()
        days = [today - timedelta(days=offset) for offset in range(0, 21)]
        return [day for day in days if day.weekday() < 5][:5] or [today]

    def raw_day_sql(self, day: date) -> tuple[str, tuple]:
        from frontdesk.domain.scheduling import local_instant

        start = local_instant(day, clock_time(0), self.ctx.zone)
        end = local_instant(day + timedelta(days=1), clock_time(0), self.ctx.zone)
        stored = lambda instant: instant.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ",  # noqa: E731
                                                                                                timespec="microseconds")
        sql = ("SELECT a.id, a.version, a.patient_id, p.family_name, p.given_names, p.preferred_name, p.phone, "
               "a.therapist_id, t.full_name, a.type_id, y.name, y.is_ims, a.starts_at, a.ends_at, a.status, "
               "a.area, a.notes, a.series_id, a.cancel_reason, a.late_cancellation FROM appointments a "
               "JOIN patients p ON p.id = a.patient_id JOIN therapists t ON t.id = a.therapist_id "
               "JOIN appointment_types y ON y.id = a.type_id "
               "WHERE a.starts_at >= ? AND a.starts_at < ? AND a.ends_at > ? ORDER BY a.starts_at, a.id")
        return sql, (stored(start - timedelta(hours=12)), stored(end), stored(start))

    def day_view(self) -> Figure:
        figure = Figure("day_view", "day view for all therapists, load + paint", "ms", "<= 30 ms",
                        median_target=30, baseline_what="the raw query for that day")
        days = self.busy_days()
        tab = None
        try:
            from frontdesk.ui.errors import Prompts
            from frontdesk.ui.schedule_tab import ScheduleTab

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
            figure.note = "ScheduleTab.go_to(day) (service + model) then a full paint of the tab (grab)"

            def one(day: date) -> None:
                tab.go_to(day)
                tab.grab()
        else:
            try:
                from frontdesk.services.schedule import day_schedule
            except ImportError:
                return _unavailable(figure, "neither the Schedule tab nor services.schedule.day_schedule exists yet")
            figure.note = "load only (day_schedule): the Schedule tab with a day view is not available"

            def one(day: date) -> None:
                day_schedule(self.ctx, self.actor, day)

        one(days[0])
        for run in range(self.size.day_runs):
            day = days[run % len(days)]
            figure.samples.append(_timed(lambda: one(day)))
            sql, args = self.raw_day_sql(day)
            figure.baseline.append(_timed(lambda: self.raw.execute(sql, args).fetchall()))
        self.explain("day view appointments (baseline query)", *self.raw_day_sql(days[0]))
        try:
            from frontdesk.services.schedule import day_schedule as load_day
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
            from frontdesk.services.schedule import find_next_available
        except ImportError:
            return _unavailable(figure, "services.schedule.find_next_available does not exist yet")
        type_id = self.raw.execute("SELECT id FROM appointment_types WHERE is_ims = 1 AND active = 1 "
                                   "ORDER BY sort_order LIMIT 1 OFFSET 1").fetchone() or \
            self.raw.execute("SELECT id FROM appointment_types WHERE active = 1 LIMIT 1").fetchone()
        today = self.ctx.today()
        figure.note = "IMS treatment, any IMS-qualified therapist, from today (the first 20 slots, as the dialog asks)"
        find_next_available(self.ctx, self.actor, type_id[0], None, today)
        for run in range(self.size.next_runs):
            figure.samples.append(_timed(lambda: find_next_available(self.ctx, self.actor, type_id[0], None,
                                                                     today + timedelta(days=run % 3))))
        return figure

    # -- rules and documents -----------------------------------------------------------------------

    def ims_assessment(self) -> Figure:
        from frontdesk.domain.screening import ScreeningAnswers, assess

        figure = Figure("ims_assessment", "IMS assessment of one screening", "ms", "<= 0.2 ms", median_target=0.2)
        rows = self.raw.execute("SELECT answers, screened_on FROM screenings ORDER BY id DESC LIMIT 50").fetchall()
        cases = [(ScreeningAnswers.from_dict(json.loads(answers)), date.fromisoformat(on)) for answers, on in rows]
        figure.note = f"assess() on {len(cases)} stored screenings in turn, timed per {self.size.assessment_calls} calls"
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
            single.samples.append(_timed(lambda: consent_document(self.ctx, self.actor, appointment_id)))
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
        figure = Figure("booking_1000", "booking with full durability, 1,000 in a row", "per s", ">= 200 per s",
                        median_target=200, higher_is_better=True,
                        baseline_what="raw sqlite3 inserts, same durability (WAL, synchronous=FULL)")
        try:
            from frontdesk.services.schedule import BookingRequest, book_appointment
        except ImportError:
            return _unavailable(figure, "services.schedule.book_appointment does not exist yet")
        from frontdesk.services.bootstrap import open_clinic
        from frontdesk.services.users import command_line_actor

        with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as folder:
            copy = Path(folder) / "bookings.sqlite3"
            with sqlite3.connect(self.path) as source, sqlite3.connect(copy) as target:
                source.backup(target)
            ctx = open_clinic(f"sqlite:///{copy}")
            try:
                actor = command_line_actor(ctx)
                requests = _free_requests(copy, ctx, self.size.bookings, BookingRequest)
                started = time.perf_counter()
                for request in requests:
                    figure.samples.append(_timed(lambda: book_appointment(ctx, actor, request)))
                total = time.perf_counter() - started
            finally:
                ctx.database.dispose()
            rate = len(requests) / total
            latencies = figure.samples[:]
            figure.samples = [1000 / ms for ms in latencies]
            figure.baseline = [_raw_booking_rate(copy, requests)]
            figure.note = (f"{len(requests)} bookings through services.schedule.book_appointment on a copy of the "
                           f"database: {rate:.0f} per s overall; per-booking latency median "
                           f"{statistics.median(latencies):.2f} ms")
        return figure

    # -- at the counter (issue 13) -----------------------------------------------------------------

    def ims_regulars(self, count: int) -> list[int]:
        """Patients whose last visit was IMS and who are screened: the ones a receptionist books again."""
        now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
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
            from frontdesk.services.schedule import rebooking
            from frontdesk.ui.booking_dialog import BookingDialog
        except ImportError:
            return _unavailable(figure, "services.schedule.rebooking or the booking dialog does not exist yet")
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
            started = time.perf_counter()
            dialog = one(patient_id)
            figure.samples.append((time.perf_counter() - started) * 1000)
            complete += dialog.request() is not None
            close(dialog)
        figure.note = (f"services.schedule.rebooking (the last visit, the patient's bookings, the first slot with "
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
            from frontdesk.ui.errors import Prompts
            from frontdesk.ui.intake_tab import IntakeTab
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
            figure.samples.append(_timed(lambda: one(patient_id)))
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
        figure.extra = {"warm_rss_mib": round(result["warm_rss_mib"], 1), "end_rss_mib": round(result["end_rss_mib"], 1),
                        "growth_mib": round(growth, 1), "counts": result["counts"]}
        return figure

    def processes(self) -> tuple[Figure, Figure]:
        start = Figure("cold_start", "cold start, process start to main window shown with today's day view",
                       "s", "<= 1.5 x baseline", ratio_target=1.5,
                       baseline_what="a bare PySide6 window with three empty tabs")
        memory = Figure("peak_memory", "peak memory, large DB open and day view shown", "MiB", "<= 150 MiB",
                        median_target=150, baseline_what="the bare window")
        try:
            import PySide6  # noqa: F401
        except ImportError:
            return _unavailable(start, "PySide6 is not installed"), _unavailable(memory, "PySide6 is not installed")
        # An installed Front Desk runs from compiled bytecode (pip and PyInstaller both write it); a
        # checkout may not have any yet (PYTHONDONTWRITEBYTECODE), and compiling at every start would
        # be timed as start-up.
        compileall.compile_dir(ROOT / "frontdesk", quiet=1)
        ready: list[float] = []
        ready_memory: list[float] = []
        floor: list[float] = []
        # Where each process's time went: the interpreter, PySide6 and the QApplication (the same
        # for all three), then building the window (Front Desk: its modules, the database, the day)
        # and the first paint.
        phases: dict[str, list[float]] = {"qt_ready": [], "app_build": [], "app_paint": [], "bare_window": []}
        sql, args = self.raw_day_sql(self.ctx.today())
        labels = [f"{7 + quarter // 4:02d}:{15 * (quarter % 4):02d}" for quarter in range(52)]
        floor_args = json.dumps([sql, list(args), labels, str(self.ctx.zone)])
        with tempfile.TemporaryDirectory(prefix="frontdesk-bench-data-") as data:
            for _run in range(self.size.process_runs):
                for script, figure_time, figure_memory in ((_APP_CHILD, start.samples, memory.samples),
                                                           (_BARE_CHILD, start.baseline, memory.baseline)):
                    result = _child(script, self.url, data)
                    figure_time.append(result["elapsed"])
                    figure_memory.append(result["peak_rss_mib"])
                    if "ready" in result:
                        ready.append(result["ready"])
                        ready_memory.append(result["ready_rss_mib"])
                        phases["app_build"].append(result["built"] - result["qt_ready"])
                        phases["app_paint"].append(result["elapsed"] - result["built"])
                    else:
                        phases["bare_window"].append(result["elapsed"] - result["qt_ready"])
                    phases["qt_ready"].append(result["qt_ready"])
                floor.append(_child(_FLOOR_CHILD, self.url, data, floor_args)["elapsed"])
        qt_ready, built, painted, bare_window = (statistics.median(phases[name]) for name in
                                                 ("qt_ready", "app_build", "app_paint", "bare_window"))
        start.extra = {"floor_median": _round(statistics.median(floor)),
                       "floor_ratio": _round(statistics.median(floor) / start.baseline_median),
                       "ready_median": _round(statistics.median(ready)),
                       "qt_ready_median": _round(qt_ready),
                       "app_build_median": _round(built),
                       "app_paint_median": _round(painted),
                       "bare_window_median": _round(bare_window)}
        start.note = ("a new Python process each run (interpreter, imports, database, window, first paint); "
                      f"SQLAlchemy and the ORM then load in the background, done {statistics.median(ready):.2f} s "
                      "after the process started (median). The floor, a window that only queries the day with "
                      "raw sqlite3 and shows the names in a plain table (no IMS flags, no blocks, no toolbar): "
                      f"{statistics.median(floor):.2f} s, x {statistics.median(floor) / start.baseline_median:.2f} "
                      f"the bare window. Python, PySide6 and the QApplication alone: {qt_ready:.2f} s in every "
                      f"process; then Front Desk builds its window in {built:.3f} s (its modules, the database, "
                      f"the day) and paints it in {painted:.3f} s, against "
                      f"{bare_window:.3f} s for the bare window's build and paint and an "
                      f"allowance of {0.5 * start.baseline_median:.3f} s over the bare window")
        memory.note = ("peak resident set size (VmHWM) of that process when the window is shown; "
                       f"{statistics.median(ready_memory):.0f} MiB once the database layer has loaded too")
        return start, memory


def waitlist_match(bench: Bench, entries: int = 2000) -> Figure:
    """Issue 18: a freed slot matched against a 2,000-entry waitlist (entries added once, then reused)."""
    import random

    from sqlalchemy import insert

    figure = Figure("waitlist_match", f"waiting patients who fit a freed slot, {entries:,}-entry waitlist", "ms",
                    "<= 50 ms", median_target=50)
    try:
        from frontdesk.db.models import WaitlistEntry
        from frontdesk.services.schedule import find_next_available, list_appointment_types
        from frontdesk.services.unit_of_work import UnitOfWork
        from frontdesk.services.waitlist import offers_for_freed
    except ImportError:
        return _unavailable(figure, "services.waitlist does not exist yet")
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
    figure.note = (f"services.waitlist.offers_for_freed on free {physio.name.lower()} slots a week or two ahead, "
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
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
    started = time.perf_counter()
    for request in requests:
        start = request.starts_at + timedelta(days=3650)
        begins = start.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
        ends = (start + timedelta(minutes=30)).astimezone(timezone.utc).replace(tzinfo=None).isoformat(
            " ", timespec="microseconds")
        connection.execute("BEGIN IMMEDIATE")
        cursor = connection.execute(
            "INSERT INTO appointments (patient_id, therapist_id, type_id, starts_at, ends_at, status, area, notes, "
            "cancel_reason, late_cancellation, version, created_at, created_by, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, 'booked', '', '', '', 0, 1, ?, 1, ?, 1)",
            (request.patient_id, request.therapist_id, request.type_id, begins, ends, now, now))
        connection.execute("INSERT INTO appointment_events (appointment_id, at, by_user, kind, to_status, detail) "
                           "VALUES (?, ?, 1, 'booked', 'booked', '{}')", (cursor.lastrowid, now))
        connection.execute("COMMIT")
    rate = len(requests) / (time.perf_counter() - started)
    connection.close()
    return rate


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
def since_start():
    return time.time() - float(os.environ["FD_BENCH_T0"])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
figures = {"qt_ready": since_start()}
from frontdesk.app import create_main_window
window = create_main_window(sys.argv[1])
window.tabs.setCurrentWidget(window.schedule)
figures["built"] = since_start()
window.show()
def shown():
    app.processEvents()
    figures.update(elapsed=since_start(), peak_rss_mib=_peak_mib())
    ready()
def ready():
    # The database layer (SQLAlchemy, the ORM) loads in the background after the first screen.
    if not window.ctx.database.engine_created and since_start() < 60:
        QTimer.singleShot(10, ready)
        return
    figures.update(ready=since_start(), ready_rss_mib=_peak_mib())
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
connection = sqlite3.connect(sys.argv[1].removeprefix("sqlite:///"))
rows = connection.execute(sql, args).fetchall()
columns = sorted({(row[7], row[8]) for row in rows})
where = {therapist: n for n, (therapist, _name) in enumerate(columns)}
slot_of = {label: n for n, label in enumerate(labels)}
cells = {}
for row in rows:
    local = datetime.fromisoformat(row[12]).replace(tzinfo=timezone.utc).astimezone(zone).strftime("%H:%M")
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
window = QMainWindow()
tabs = QTabWidget()
view = QTableView()
model = Day()
view.setModel(model)
for title, page in (("Intake", QWidget()), ("Schedule", view), ("Appointments", QWidget())):
    tabs.addTab(page, title)
tabs.setCurrentIndex(1)
window.setCentralWidget(tabs)
window.resize(1280, 820)
window.show()
""" + _REPORT_WHEN_SHOWN

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
from frontdesk.services.schedule import BookingRequest, book_appointment, find_next_available, list_appointment_types

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
print(json.dumps({"warm_rss_mib": warm_rss, "end_rss_mib": end_rss, "actions": actions, "warmup": warmup,
                  "counts": counts}))
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


def print_report(figures: list[Figure], plans: dict[str, list[str]]) -> None:
    header = f"{'figure':<24}{'median':>12}{'p95':>12}  {'target':<26}{'baseline':>12}{'ratio':>8}  status"
    print(header)
    print("-" * len(header))
    for figure in figures:
        if not figure.available:
            print(f"{figure.key:<24}{'not available':>24}  {figure.target_text:<26}{'':>20}  ({figure.note})")
            continue
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else "-"
        status = {True: "meets", False: "MISSES", None: "-"}[figure.meets]
        print(f"{figure.key:<24}{_fmt(figure.median, figure.unit):>12}{_fmt(figure.p95, figure.unit):>12}  "
              f"{figure.target_text:<26}{_fmt(figure.baseline_median, figure.unit):>12}{ratio:>8}  {status}")
    print()
    for figure in figures:
        if figure.available and figure.note:
            print(f"  {figure.key}: {figure.note}")
    print("\nQuery plans (EXPLAIN QUERY PLAN):")
    for name, steps in plans.items():
        print(f"  {name}:")
        for step in steps:
            print(f"    {step}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Front Desk benchmarks on a generated clinic (issue 7).")
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    parser.add_argument("--db", type=Path, help="clinic database file to build or reuse "
                                                 "(default: benchmarks/results/<size>-clinic.sqlite3)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    path = (args.db or ROOT / "benchmarks" / "results" / f"{size.name}-clinic.sqlite3").resolve()
    os.environ.setdefault("FRONTDESK_DATA_DIR", str(path.parent / "data"))

    build = build_or_reuse(size, path)
    bench = Bench(size, path)
    figures: dict[str, Figure] = {}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("patient_search", bench.patient_search),
        ("day_view", bench.day_view),
        ("find_next_available", bench.find_next_available),
        ("ims_assessment", bench.ims_assessment),
        ("consent", bench.consent),
        ("booking_1000", bench.booking),
        ("book_again", bench.book_again),
        ("open_patient", bench.open_patient),
        ("waitlist_match", lambda: waitlist_match(bench)),
        ("live_update_check", bench.live_update_check),
        ("processes", bench.processes),
        ("memory_soak", bench.memory_soak),
    ]
    try:
        for name, step in steps:
            print(f"measuring {name} ...", flush=True)
            try:
                result = step()
            except Exception as error:  # noqa: BLE001 - one broken figure must not hide the others
                traceback.print_exc()
                keys = {"consent": ("consent_pdf", "consent_pdf_batch_200"),
                        "processes": ("cold_start", "peak_memory")}.get(name, (name,))
                for key in keys:
                    figures[key] = _unavailable(Figure(key, key, "", ""), f"failed: {error}")
                continue
            for figure in result if isinstance(result, tuple) else (result,):
                figures[figure.key] = figure
    finally:
        bench.close()
    ordered = [figures[key] for key in FIGURES]
    print()
    print_report(ordered, bench.plans)
    report = {
        "size": size.name,
        "database": str(path),
        "database_mib": round(path.stat().st_size / 2**20, 1),
        "build": build,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version},
        "figures": {figure.key: figure.as_json() for figure in ordered},
        "query_plans": bench.plans,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
