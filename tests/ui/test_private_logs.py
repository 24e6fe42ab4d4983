"""Whatever fails, the log file in the data folder never holds what a patient told the clinic.

An unexpected database fault (a constraint the app does not know about, put in by the test) is
provoked through the window's own path (`call_service`), with known notes, a cancel reason, a
presenting condition and screening answers; then every file under the data folder's logs is read.
"""

import logging
import logging.handlers
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.screening import ScreeningAnswers
from frontdesk.private_log import private_traceback, scrub_message
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.screenings import record_screening
from frontdesk.ui.common.errors import call_service

VANCOUVER = ZoneInfo("America/Vancouver")
NOTES = "post-op ACL knee, HIV+ 4471"
REASON = "chemo week 8812, too tired"
CONDITION = "Lump under the left arm 5521"
ANSWERS = {
    "cancer": "active", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
#: What must never be in a log: the free text, and the screening answers as the statement carries them.
SECRETS = [NOTES, "HIV+", "4471", REASON, "8812", CONDITION, "5521", "needle_fear", "understands_treatment"]

FAULTS = {
    "sqlite": [
        "CREATE TRIGGER test_fault_insert BEFORE INSERT ON appointments BEGIN SELECT RAISE(ABORT, 'refused'); END",
        "CREATE TRIGGER test_fault_update BEFORE UPDATE ON appointments BEGIN SELECT RAISE(ABORT, 'refused'); END",
        "CREATE TRIGGER test_fault_screen BEFORE INSERT ON screenings BEGIN SELECT RAISE(ABORT, 'refused'); END",
    ],
    # PostgreSQL quotes the whole failing row in the error's DETAIL.
    "postgresql": [
        "ALTER TABLE appointments ADD CONSTRAINT test_fault CHECK (false) NOT VALID",
        "ALTER TABLE screenings ADD CONSTRAINT test_fault_screen CHECK (false) NOT VALID",
    ],
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request, db_url):
    return db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def log_file(data_dir, monkeypatch):
    """The app's own logging set-up, writing to this test's data folder."""
    from frontdesk.app import configure_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers
                                           if not isinstance(h, logging.handlers.RotatingFileHandler)])
    handler = configure_logging()
    yield data_dir / "logs"
    root.removeHandler(handler)
    handler.close()


def test_an_unexpected_database_fault_logs_the_failure_but_no_patient_data(qtbot, backend_url, clock, prompts,
                                                                           log_file):
    from frontdesk.app import create_main_window

    window = create_main_window(backend_url, clock=clock, prompts=prompts)
    qtbot.addWidget(window)
    ctx, actor = window.ctx, window.actor
    try:
        patient = register_patient(ctx, actor, PatientDetails("Quist", "Ada", date(1970, 2, 3)), confirmed_new=True)
        kind = next(t for t in list_appointment_types(ctx, actor) if not t.is_ims)
        starts = datetime.combine(date(2026, 11, 26), time(10, 0), tzinfo=VANCOUVER)
        booked = book_appointment(ctx, actor, BookingRequest(patient.id, 1, kind.id, starts))
        with ctx.database.engine.begin() as connection:
            for statement in FAULTS[ctx.database.backend]:
                connection.exec_driver_sql(statement)

        later = BookingRequest(patient.id, 1, kind.id, starts.replace(hour=11), notes=NOTES)
        assert call_service(window, prompts, "Book", book_appointment, ctx, actor, later) is None
        assert call_service(window, prompts, "Cancel", cancel_appointment, ctx, actor, booked.id, booked.version,
                            REASON) is None
        answers = ScreeningAnswers(ANSWERS, (), (BodyArea(Region.neck),))
        assert call_service(window, prompts, "Screen", record_screening, ctx, actor, patient.id, answers,
                            CONDITION) is None
    finally:
        ctx.database.dispose()

    assert [title for title, _ in prompts.errors] == ["Something went wrong"] * 3
    assert all("unexpected problem" in message for _, message in prompts.errors)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [path for path in log_file.rglob("*") if path.is_file()]
    logged = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)
    # The failures are there, with where they happened ...
    assert logged.count("Unexpected error") == 3
    assert "Traceback (most recent call last)" in logged and "book_appointment" in logged
    assert "INSERT INTO appointments" in logged
    # ... and nothing the patient said.
    assert [secret for secret in SECRETS if secret in logged] == [], logged


@pytest.mark.parametrize("message", [
    "(psycopg.errors.CheckViolation) new row violates check constraint \"x\"\n"
    "DETAIL:  Failing row contains (7, Nakamura, HIV+).\n[SQL: INSERT INTO patients (family_name) VALUES (%(f)s)]\n"
    "[parameters: {'f': 'Nakamura'}]",
    "duplicate key value violates unique constraint \"uq\"\nDETAIL:  Key (family_name)=(Nakamura) already exists.",
    "invalid input syntax for type integer: \"Nakamura\"",
    "'Nakamura'",
    "not a number: ‘Nakamura’",
])
def test_a_message_that_quotes_data_is_logged_without_it(message):
    assert "Nakamura" not in scrub_message(message)


def test_a_traceback_keeps_its_frames_and_causes_but_not_the_quoted_values():
    said = "Nakamura, HIV+"

    def lookup():
        return {}[said]

    try:
        try:
            lookup()
        except KeyError as error:
            raise ValueError(f"could not read {said!r}") from error
    except ValueError as error:
        text = private_traceback(error)
    assert "Nakamura" not in text and "HIV" not in text
    assert "in lookup" in text and "KeyError" in text and "ValueError" in text and "direct cause" in text


def test_the_window_logs_an_unexpected_error_scrubbed_whatever_handler_writes_it(caplog, prompts):
    from frontdesk.ui.common.errors import report_unexpected

    notes, family = NOTES, "Naka" + "mura"  # not in the source line the traceback shows
    try:
        raise RuntimeError(f"could not save {notes!r}\nDETAIL:  Failing row contains ({family}).")
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR, logger="frontdesk"):
            report_unexpected(None, error, prompts)
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "RuntimeError" in text and "HIV" not in text and "Nakamura" not in text
    assert all(record.exc_info is None for record in caplog.records)
