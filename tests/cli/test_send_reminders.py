"""`frontdesk send-reminders`: one pass of the sender from a server's cron job, against a real mail server."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from smtp_server import PASSWORD, USER, MailServer

from frontdesk.cli import EXIT_OK, main
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.scheduling import local_instant

VAN = ZoneInfo("America/Vancouver")


@pytest.fixture(autouse=True)
def keep_umask():
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def test_send_reminders_sends_what_is_due_once(tmp_path, capsys, monkeypatch):
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import register_patient
    from frontdesk.services.reminder_outbox import ReminderSettings
    from frontdesk.services.reminders import update_reminder_settings
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.records import BookingRequest
    from frontdesk.services.account_lookup import workstation_actor

    server = MailServer(tmp_path)
    # The command uses the system's trusted certificates: this test's server certificate is made one.
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    path = tmp_path / "clinic.sqlite3"
    ctx = open_clinic(f"sqlite:///{path}")
    try:
        owner = workstation_actor(ctx, "owner")
        update_reminder_settings(ctx, owner, ReminderSettings(
            enabled=True, hours_before=8 * 24, smtp_host="127.0.0.1", smtp_port=server.port, username=USER,
            from_address="front@example.org"), password=PASSWORD)
        patient = register_patient(ctx, owner, PatientDetails("Nguyen", "Anh", date(1980, 1, 2),
                                                              email="anh@example.com", email_reminders=True))
        day = datetime.now(VAN).date() + timedelta(days=1)
        while day.weekday() > 3:  # Monday to Thursday: every therapist works 10:00
            day += timedelta(days=1)
        book_appointment(ctx, owner, BookingRequest(patient_id=patient.id, therapist_id=1, type_id=4,
                                                    starts_at=local_instant(day, time(10), VAN)))
    finally:
        ctx.database.dispose()
    try:
        capsys.readouterr()
        assert main(["--db", str(path), "send-reminders"]) == EXIT_OK
        assert "1 reminder(s) sent" in capsys.readouterr().out
        assert main(["--db", str(path), "send-reminders"]) == EXIT_OK
        assert "0 reminder(s) sent" in capsys.readouterr().out
        assert [m["To"] for m in server.messages] == ["anh@example.com"]
    finally:
        server.stop()


@pytest.mark.postgres
def test_two_desk_processes_sending_against_one_postgresql_send_each_reminder_once(pg_url, tmp_path, monkeypatch):
    import subprocess
    import sys

    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.patients import register_patient
    from frontdesk.services.reminder_outbox import ReminderSettings
    from frontdesk.services.reminders import update_reminder_settings
    from frontdesk.services.booking import book_appointment
    from frontdesk.services.records import BookingRequest
    from frontdesk.services.account_lookup import workstation_actor

    server = MailServer(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    ctx = open_clinic(pg_url)
    try:
        owner = workstation_actor(ctx, "owner")
        update_reminder_settings(ctx, owner, ReminderSettings(
            enabled=True, hours_before=8 * 24, smtp_host="127.0.0.1", smtp_port=server.port, username=USER,
            from_address="front@example.org"), password=PASSWORD)
        day = datetime.now(VAN).date() + timedelta(days=1)
        while day.weekday() > 3:
            day += timedelta(days=1)
        for i in range(14):
            patient = register_patient(ctx, owner, PatientDetails(f"Family{i}", "Sam", date(1980, 1, 2),
                                                                  email=f"p{i}@example.com", email_reminders=True),
                                       confirmed_new=True)
            book_appointment(ctx, owner, BookingRequest(patient_id=patient.id, therapist_id=1 + i % 7, type_id=4,
                                                        starts_at=local_instant(day, time(10 + i // 7), VAN)))
    finally:
        ctx.database.dispose()
    try:
        command = [sys.executable, "-m", "frontdesk", "--db", pg_url, "send-reminders"]
        desks = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outputs = [desk.communicate(timeout=120) for desk in desks]
        assert [desk.returncode for desk in desks] == [EXIT_OK, EXIT_OK], outputs
        sent = sum(int(out.split(" reminder(s) sent")[0].split()[-1]) for out, _err in outputs)
        assert sent == 14
        assert sorted(m["To"] for m in server.messages) == sorted(f"p{i}@example.com" for i in range(14))
    finally:
        server.stop()
