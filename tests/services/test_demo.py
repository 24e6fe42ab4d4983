"""`frontdesk demo`: a living clinic on a fresh database, built through the real schema and rules."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from frontdesk.cli import EXIT_OK, EXIT_PROBLEMS, main


def _rows(path, sql, *args):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One demo database for the module, made through the command line like an administrator would."""
    path = tmp_path_factory.mktemp("demo") / "clinic.sqlite3"
    assert main(["--db", str(path), "demo"]) == EXIT_OK
    return path


def test_demo_then_check_succeed_through_the_command_line(tmp_path, capsys):
    path = tmp_path / "fresh.sqlite3"
    assert main(["--db", str(path), "demo", "--patients", "120", "--seed", "3"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Demo clinic added: 120 patients" in out
    assert main(["--db", str(path), "check"]) == EXIT_OK
    report = capsys.readouterr().out
    assert "Patients: 120" in report
    assert "All checks passed." in report


def test_a_second_demo_is_refused_and_adds_nothing(demo_db, capsys):
    before = _rows(demo_db, "SELECT count(*) FROM patients")[0][0]
    assert main(["--db", str(demo_db), "demo"]) == EXIT_PROBLEMS
    assert "already holds 300 patient records" in capsys.readouterr().err
    assert _rows(demo_db, "SELECT count(*) FROM patients")[0][0] == before


def test_the_demo_has_appointments_today(demo_db):
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.schedule_view import day_schedule
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(f"sqlite:///{demo_db}")
    try:
        day = day_schedule(ctx, workstation_actor(ctx), ctx.today())
    finally:
        ctx.database.dispose()
    assert len(day.appointments) >= 5
    assert any(appointment.is_ims for appointment in day.appointments)


@pytest.mark.parametrize("level", ["eligible", "review", "not_yet", "not_eligible"])
def test_the_demo_has_screenings_of_every_level(demo_db, level):
    from frontdesk.domain.screening import Level

    current = _rows(demo_db, "SELECT count(*) FROM screenings WHERE level = ? AND superseded_by IS NULL",
                    int(Level.from_key(level)))
    assert current[0][0] > 0


def test_the_demo_has_a_patient_waiting_after_a_recent_knee_or_shoulder_operation(demo_db):
    rows = _rows(demo_db, "SELECT answers, not_before FROM screenings WHERE level = 2 AND superseded_by IS NULL "
                          "AND (answers LIKE '%\"knee:%' OR answers LIKE '%\"shoulder:%') AND not_before IS NOT NULL")
    assert any(date.fromisoformat(not_before) > date.today() - timedelta(days=7) for _answers, not_before in rows)


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show", "booked"])
def test_the_demo_has_appointments_of_each_outcome(demo_db, status):
    assert _rows(demo_db, "SELECT count(*) FROM appointments WHERE status = ?", status)[0][0] > 0


def test_some_cancellations_were_late_and_each_has_a_reason(demo_db):
    cancelled = _rows(demo_db, "SELECT cancel_reason, late_cancellation FROM appointments WHERE status = 'cancelled'")
    assert all(reason for reason, _late in cancelled)
    assert any(late for _reason, late in cancelled)


@pytest.mark.parametrize("who", ["therapist_id", "patient_id"])
def test_no_one_is_booked_twice_at_the_same_time(demo_db, who):
    clashes = _rows(demo_db, f"""
        SELECT count(*) FROM appointments a JOIN appointments b
          ON a.{who} = b.{who} AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
        WHERE a.status IN ('booked', 'arrived', 'completed') AND b.status IN ('booked', 'arrived', 'completed')""")
    assert clashes[0][0] == 0


def test_appointments_were_booked_before_they_started_and_never_after_now(demo_db):
    rows = _rows(demo_db, "SELECT created_at, starts_at, updated_at FROM appointments")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    assert all(created < starts and created <= now and updated <= now for created, starts, updated in rows)
    events = _rows(demo_db, "SELECT count(*) FROM appointment_events WHERE kind = 'booked'")[0][0]
    assert events == len(rows)


def test_stored_screenings_are_what_the_domain_says(demo_db):
    """Every stored assessment equals `assess` on the stored answers, for the day of the screening."""
    import json

    from frontdesk.domain.screening import Assessment, RuleTable, ScreeningAnswers, assess

    stored_rules = _rows(demo_db, "SELECT value FROM settings WHERE key = 'screening_rules'")[0][0]
    rules = RuleTable.from_mapping(json.loads(stored_rules))
    rows = _rows(demo_db, "SELECT answers, assessment, screened_on, level, not_before FROM screenings")
    for answers, assessment, screened_on, level, not_before in rows:
        expected = assess(ScreeningAnswers.from_dict(json.loads(answers)), date.fromisoformat(screened_on), rules)
        assert Assessment.from_dict(json.loads(assessment)) == expected
        assert level == int(expected.level)
        assert not_before == (expected.not_before.isoformat() if expected.not_before else None)


def test_superseded_screenings_point_at_the_next_one_of_the_same_patient(demo_db):
    rows = _rows(demo_db, """SELECT old.screened_at, new.screened_at FROM screenings old
                             JOIN screenings new ON new.id = old.superseded_by AND new.patient_id = old.patient_id""")
    chained = _rows(demo_db, "SELECT count(*) FROM screenings WHERE superseded_by IS NOT NULL")[0][0]
    assert len(rows) == chained > 0
    assert all(old <= new for old, new in rows)
    per_patient = _rows(demo_db, "SELECT count(*) FROM screenings WHERE superseded_by IS NULL GROUP BY patient_id")
    assert {count for (count,) in per_patient} == {1}


@pytest.mark.parametrize("script, letters", [
    ("accented Latin", "éèëöøåäüñçłšžőáíóúãõ"),
    ("Chinese or Japanese", "".join(chr(code) for code in range(0x4E00, 0x9FFF))),
    ("Korean", "".join(chr(code) for code in range(0xAC00, 0xD7A4))),
    ("Cyrillic", "".join(chr(code) for code in range(0x0400, 0x0500))),
])
def test_demo_patients_of_every_script_are_found_by_the_real_search(demo_db, script, letters):
    from frontdesk.domain.patients import search_key
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import search_patients
    from frontdesk.services.account_lookup import workstation_actor

    wanted = set(letters)
    rows = _rows(demo_db, "SELECT id, family_name FROM patients WHERE archived = 0")
    patients = [(pid, family) for pid, family in rows if wanted & set(family.lower())]
    assert patients, f"the demo has {script} names"
    patient_id, family = patients[0]
    ctx = open_clinic(f"sqlite:///{demo_db}")
    try:
        found = search_patients(ctx, workstation_actor(ctx), family, limit=500)
        folded = search_patients(ctx, workstation_actor(ctx), search_key(family), limit=500)
    finally:
        ctx.database.dispose()
    assert patient_id in {p.id for p in found} and patient_id in {p.id for p in folded}


def test_phone_numbers_are_stored_as_the_patient_form_stores_them(demo_db):
    from frontdesk.domain.contact import parse_phone
    from frontdesk.domain.patients import search_key

    rows = _rows(demo_db, "SELECT phone, phone_digits, family_name, family_key, given_names, given_key FROM patients")
    for phone, digits, family, family_key, given, given_key in rows:
        parsed = parse_phone(phone)
        assert (parsed.e164, parsed.digits) == (phone, digits)
        assert digits[:3] in ("250", "604", "778")
        assert (family_key, given_key) == (search_key(family), search_key(given))


def test_the_same_seed_and_day_give_the_same_clinic(tmp_path, clock):
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.devtools import generate_clinic
    from frontdesk.devtools.demo import demo_plan
    from frontdesk.services.account_lookup import workstation_actor

    made = []
    for name in ("one", "two"):
        ctx = open_clinic(f"sqlite:///{tmp_path / name}.sqlite3", clock=clock)
        try:
            made.append(generate_clinic(ctx, workstation_actor(ctx, "owner"), demo_plan(40, seed=11)))
        finally:
            ctx.database.dispose()
        made.append(_rows(tmp_path / f"{name}.sqlite3",
                          "SELECT family_name, given_names, phone FROM patients ORDER BY id"))
        made.append(_rows(tmp_path / f"{name}.sqlite3",
                          "SELECT patient_id, therapist_id, starts_at, status FROM appointments ORDER BY id"))
    assert made[1] == made[4] and made[2] == made[5]
    assert made[0].appointments == made[3].appointments > 0


@pytest.mark.postgres
def test_demo_then_check_on_postgresql(pg_url, capsys):
    from frontdesk.cli import main

    assert main(["--db", pg_url, "demo", "--patients", "40"]) == 0
    assert main(["--db", pg_url, "check"]) == 0
    assert "All checks passed." in capsys.readouterr().out


@pytest.mark.postgres
def test_after_the_demo_on_postgresql_the_counter_registers_books_and_adds_as_usual(pg_url):
    """The demo writes rows with their ids; the id sequences must be moved past them."""
    from frontdesk.domain.patients import PatientDetails
    from frontdesk.domain.roles import Role
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import register_patient
    from frontdesk.services.availability import find_next_available
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.records import BookingRequest
    from frontdesk.services.schedule import list_appointment_types
    from frontdesk.services.therapist_time import add_time_off
    from frontdesk.services.staff import TherapistDetails, create_therapist
    from frontdesk.services.user_accounts import command_line_actor, create_user

    assert main(["--db", pg_url, "demo", "--patients", "40"]) == EXIT_OK
    ctx = open_clinic(pg_url)
    try:
        admin = command_line_actor(ctx)
        patient = register_patient(ctx, admin, PatientDetails("Afterdemo", "Ada", date(1971, 3, 4)),
                                   confirmed_new=True)
        kind = next(t for t in list_appointment_types(ctx, admin) if not t.is_ims)
        slot = find_next_available(ctx, admin, kind.id, None, ctx.today() + timedelta(days=1), patient_id=patient.id)[0]
        booked = book_appointment(ctx, admin, BookingRequest(patient.id, slot.therapist_id, kind.id, slot.starts_at))
        assert booked.patient_id == patient.id
        therapist = create_therapist(ctx, admin, TherapistDetails("Nova Afterdemo"))
        create_user(ctx, admin, "afterdemo", "After Demo", Role.RECEPTION, password="long enough pass 1")
        start = datetime.combine(ctx.today() + timedelta(days=3), datetime.min.time(), tzinfo=ctx.zone)
        add_time_off(ctx, admin, therapist.id, start, start + timedelta(hours=4), "Course")
    finally:
        ctx.database.dispose()
