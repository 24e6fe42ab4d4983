"""Email reminders end to end: a real mail server (aiosmtpd on 127.0.0.1) receives them.

Each test runs on SQLite and on PostgreSQL (see conftest). The clock is moved, never slept on.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from smtp_server import PASSWORD, USER, MailServer, SilentServer
from sqlalchemy import func, select

from frontdesk.db.models import AuditEvent, ReminderOutbox, Setting
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.reminders import ReminderState
from frontdesk.domain.scheduling import local_instant
from frontdesk.services.appointments import cancel_appointment, undo_last_status_change
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.patients import open_patient, register_patient, update_patient
from frontdesk.services.reminder_messages import preview_reminder
from frontdesk.services.reminder_sender import ReminderSender
from frontdesk.services.reminder_outbox import ReminderSettings
from frontdesk.services.reminders import get_reminder_settings, reminder_status, update_reminder_settings
from frontdesk.services.booking import book_appointment, reschedule_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.unit_of_work import UnitOfWork

VAN = ZoneInfo("America/Vancouver")
PHYSIO_TREATMENT = 4  # "Physiotherapy treatment", 30 minutes (the clinic's defaults)
IMS_TREATMENT = 2


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), VAN)


@pytest.fixture
def mail(tmp_path):
    server = MailServer(tmp_path)
    yield server
    server.stop()


def turn_on(ctx, admin, server, *, hours: int = 48, security: str = "starttls", port: int | None = None,
            password: str | None = PASSWORD) -> ReminderSettings:
    settings = ReminderSettings(enabled=True, hours_before=hours, smtp_host="127.0.0.1",
                                smtp_port=port or server.port, security=security, username=USER,
                                from_address="front@example.org")
    return update_reminder_settings(ctx, admin, settings, password=password)


def consenting_patient(ctx, actor, email="anh.nguyen@example.com", family="Nguyen", given="Anh") -> int:
    return register_patient(ctx, actor, PatientDetails(
        family_name=family, given_names=given, date_of_birth=date(1980, 1, 2), phone="250 555 0101", email=email,
        email_reminders=True), confirmed_new=True).id


def book(ctx, actor, patient_id, start, therapist=1, kind=PHYSIO_TREATMENT, area=""):
    return book_appointment(ctx, actor, BookingRequest(patient_id=patient_id, therapist_id=therapist, type_id=kind,
                                                       starts_at=start, area=area))


def sender(ctx, server, **options) -> ReminderSender:
    return ReminderSender(ctx, tls_context=server.client_tls, **options)


def outbox(ctx) -> list[ReminderOutbox]:
    with UnitOfWork(ctx, None) as uow:
        rows = list(uow.session.scalars(select(ReminderOutbox).order_by(ReminderOutbox.id)))
        uow.session.expunge_all()
    return rows


# --- The message ---------------------------------------------------------------------------------


def test_a_reminder_across_the_november_change_says_the_right_time_and_carries_the_ics(ctx, admin, clock, mail):
    """Booked before the change back to standard time (Sunday, November 1, 2026) for the Monday after;
    the reminder goes out 48 real hours before, on Saturday while still on daylight time."""
    clock.at = datetime(2026, 10, 26, 9, 0, tzinfo=VAN)
    turn_on(ctx, admin, mail)
    patient_id = consenting_patient(ctx, admin)
    record = book(ctx, admin, patient_id, at(date(2026, 11, 2), 9, 0))
    [row] = outbox(ctx)
    assert row.state == "queued"
    assert row.due_at == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 10:00 PDT, 48 h before 9:00 PST

    clock.at = datetime(2026, 10, 31, 9, 59, tzinfo=VAN)
    assert sender(ctx, mail).run_once().sent == 0
    clock.at = datetime(2026, 10, 31, 10, 0, tzinfo=VAN)
    report = sender(ctx, mail).run_once()
    assert (report.sent, report.failed) == (1, 0)
    [message] = mail.messages
    assert message["To"] == "anh.nguyen@example.com"
    [sender_address] = message["From"].addresses
    assert (sender_address.display_name, sender_address.addr_spec) == ("Physiotherapy & IMS Clinic",
                                                                       "front@example.org")
    assert message["Subject"] == ("Reminder: your appointment at Physiotherapy & IMS Clinic on Monday, "
                                  "November 2, 2026 at 9:00 a.m.")
    body = message.get_body(("plain",)).get_content()
    assert "Monday, November 2, 2026, 9:00 a.m. to 9:30 a.m. PST" in body
    assert "Chris Stokes" in body
    assert "Phone: (250) 493-1152" in body
    assert "at least 1 day before" in body and "late cancellation" in body
    assert "What to bring" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "appointment-2026-11-02.ics"
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    [event] = [c for c in calendar.walk("VEVENT")]
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(event["dtstart"].params["TZID"]) == "America/Vancouver"
    assert start.replace(tzinfo=None) == datetime(2026, 11, 2, 9, 0)
    assert start.astimezone(UTC) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Physiotherapy appointment with Chris Stokes"
    assert str(event["uid"]) == f"appointment-{record.id}@frontdesk.clinic"
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"
    [row] = outbox(ctx)
    assert row.state == "sent" and row.sent_at == clock.at and row.to_address == "anh.nguyen@example.com"
    # Another pass sends nothing more.
    clock.advance(hours=1)
    assert sender(ctx, mail).run_once().sent == 0
    assert len(mail.messages) == 1


def test_the_message_holds_no_health_detail(ctx, admin, clock, mail):
    from frontdesk.domain.areas import BodyArea, Region, Side
    from frontdesk.domain.screening import ScreeningAnswers
    from frontdesk.services.screenings import record_screening

    turn_on(ctx, admin, mail)
    patient_id = consenting_patient(ctx, admin)
    answers = {
        "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
        "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
        "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
        "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
    }
    knee = BodyArea(Region.knee, Side.left)
    record_screening(ctx, admin, patient_id, ScreeningAnswers(answers, (), (knee,)), "Sore knee after a fall")
    record = book_appointment(ctx, admin, BookingRequest(patient_id=patient_id, therapist_id=1, type_id=IMS_TREATMENT,
                                                         starts_at=at(date(2026, 11, 26), 9), area=knee.key,
                                                         notes="Private: knee pain"))
    assert sender(ctx, mail).run_once().sent == 1
    message = mail.messages[0]
    everything = " ".join([str(message[h]) for h in message.keys()]
                          + [message.get_body(("plain",)).get_content()]
                          + [part.get_content() for part in message.iter_attachments()])
    # The clinic's own name ("Physiotherapy & IMS Clinic") is public; nothing else may name the treatment.
    words = everything.lower().replace("physiotherapy & ims clinic", "").replace("physiotherapy &=\r\n ims", "")
    for secret in ("ims", "knee", "sore", "private", "eligib", "screen", "needl", "treatment"):
        assert secret not in words, secret
    preview = preview_reminder(ctx, admin, record.id)
    assert "knee" not in preview.body.lower() and "IMS treatment" not in preview.body


def test_the_preview_is_the_exact_message_that_is_sent(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    record = book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 26), 14))
    preview = preview_reminder(ctx, admin, record.id)
    assert preview.note == "The patient will get this message."
    sender(ctx, mail).run_once()
    [message] = mail.messages
    assert message["Subject"] == preview.subject
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == preview.body
    assert next(message.iter_attachments()).get_filename() == preview.attachment_name


# --- Who gets one --------------------------------------------------------------------------------


def test_only_patients_who_agreed_get_a_reminder_and_the_agreement_is_dated_and_audited(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    silent = register_patient(ctx, admin, PatientDetails(family_name="Quiet", given_names="Pat",
                                                         date_of_birth=date(1970, 5, 5), email="pat@example.com"))
    record = book(ctx, admin, silent.id, at(date(2026, 11, 26), 9))
    assert outbox(ctx) == []
    assert reminder_status(ctx, admin, record.id).text == \
        "No reminder: the patient has not agreed to email reminders."
    # The patient agrees at the desk: dated today, audited; the sender queues the booked visit.
    details = open_patient(ctx, admin, silent.id).details
    from dataclasses import replace

    saved = update_patient(ctx, admin, silent.id, silent.version, replace(details, email_reminders=True))
    assert saved.details.email_reminders_agreed_on == date(2026, 11, 25)
    with UnitOfWork(ctx, None) as uow:
        audit = [e.detail for e in uow.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity == "patient"))]
    assert any("email_reminders" in detail["fields"] for detail in audit)
    assert reminder_status(ctx, admin, record.id).text == "Queued: goes out at the next send."
    assert sender(ctx, mail).run_once().sent == 1
    assert mail.messages[0]["To"] == "pat@example.com"


def test_a_patient_who_says_no_more_has_the_queued_reminders_withdrawn_at_once(ctx, admin, clock, mail):
    from dataclasses import replace

    turn_on(ctx, admin, mail)
    patient_id = consenting_patient(ctx, admin)
    record = book(ctx, admin, patient_id, at(date(2026, 11, 30), 9))
    details = open_patient(ctx, admin, patient_id)
    update_patient(ctx, admin, patient_id, details.version, replace(details.details, email_reminders=False))
    assert reminder_status(ctx, admin, record.id).text == \
        "Withdrawn: The patient has not agreed to email reminders."
    assert sender(ctx, mail).run_once().sent == 0


def test_the_sender_queues_what_the_outbox_lacks(ctx, admin, clock, mail):
    """Appointments booked while reminders were off get theirs when they are turned on."""
    from dataclasses import replace

    settings = turn_on(ctx, admin, mail)
    update_reminder_settings(ctx, admin, replace(settings, enabled=False))
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 26), 9))
    assert outbox(ctx) == []
    update_reminder_settings(ctx, admin, replace(settings, enabled=True))
    report = sender(ctx, mail).run_once()
    assert (report.queued, report.sent) == (1, 1)


def test_reminders_off_sends_nothing(ctx, admin, clock, mail):
    settings = turn_on(ctx, admin, mail)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 26), 9))
    from dataclasses import replace

    update_reminder_settings(ctx, admin, replace(settings, enabled=False))
    report = sender(ctx, mail).run_once()
    assert report.skipped == "Email reminders are turned off." and mail.messages == []


# --- Rescheduled, cancelled ----------------------------------------------------------------------


def test_moving_the_appointment_moves_its_queued_reminder_and_cancelling_withdraws_it(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail, hours=24)
    patient_id = consenting_patient(ctx, admin)
    record = book(ctx, admin, patient_id, at(date(2026, 11, 30), 9))
    [row] = outbox(ctx)
    assert row.due_at == at(date(2026, 11, 29), 9)
    moved = reschedule_appointment(ctx, admin, record.id, record.version, at(date(2026, 12, 1), 10))
    [row] = outbox(ctx)
    assert (row.state, row.starts_at, row.due_at) == ("queued", at(date(2026, 12, 1), 10), at(date(2026, 11, 30), 10))
    assert "Queued: goes out on Monday, November 30, 2026 at 10:00 a.m." == reminder_status(ctx, admin, record.id).text
    cancelled = cancel_appointment(ctx, admin, record.id, moved.version, "Patient is away")
    [row] = outbox(ctx)
    assert row.state == "withdrawn" and row.last_error == "The appointment is no longer booked."
    assert reminder_status(ctx, admin, record.id).text == "Withdrawn: The appointment is no longer booked."
    clock.at = at(date(2026, 11, 30), 10)
    assert sender(ctx, mail).run_once().sent == 0
    # Undoing the cancellation brings the reminder back.
    undo_last_status_change(ctx, admin, record.id, cancelled.version)
    [row] = outbox(ctx)
    assert row.state == "queued"
    assert sender(ctx, mail).run_once().sent == 1
    assert "Tuesday, December 1, 2026, 10:00 a.m." in mail.messages[0].get_body(("plain",)).get_content()


def test_changing_how_long_before_moves_the_queued_reminders(ctx, admin, clock, mail):
    settings = turn_on(ctx, admin, mail, hours=24)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 12, 1), 9))
    from dataclasses import replace

    update_reminder_settings(ctx, admin, replace(settings, hours_before=72))
    [row] = outbox(ctx)
    assert row.due_at == row.next_try_at == at(date(2026, 11, 28), 9)


def test_a_move_after_the_reminder_went_out_sends_one_for_the_new_time(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    record = book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 26), 9))
    assert sender(ctx, mail).run_once().sent == 1
    reschedule_appointment(ctx, admin, record.id, record.version, at(date(2026, 11, 27), 9))
    assert sender(ctx, mail).run_once().sent == 1
    assert [r.state for r in outbox(ctx)] == ["sent", "sent"]
    assert "Friday, November 27, 2026" in mail.messages[1]["Subject"]
    assert sender(ctx, mail).run_once().sent == 0


# --- Failures and retries ------------------------------------------------------------------------


def test_a_refused_message_is_failed_with_the_servers_reason_then_sent_once_when_the_server_takes_it(
        ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    record = book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
    mail.mailbox.refuse_data = "550 5.7.1 Message rejected by policy"
    report = sender(ctx, mail).run_once()
    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox(ctx)
    assert row.state == "failed" and row.attempts == 1
    assert row.last_error == "The mail server refused the message: 550 5.7.1 Message rejected by policy"
    assert row.next_try_at == clock.at + timedelta(minutes=5)
    status = reminder_status(ctx, admin, record.id).text
    assert status.startswith("Not sent (1 attempt): The mail server refused the message: 550")
    assert "Trying again on Wednesday, November 25, 2026 at 10:05 a.m." in status
    mail.mailbox.refuse_data = None
    assert sender(ctx, mail).run_once().sent == 0, "not before the next try"
    clock.advance(minutes=5)
    assert sender(ctx, mail).run_once().sent == 1
    clock.advance(hours=1)
    assert sender(ctx, mail).run_once().sent == 0
    assert len(mail.messages) == 1
    [row] = outbox(ctx)
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_refused_address_is_not_tried_again(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    record = book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
    mail.mailbox.refuse_rcpt = "550 5.1.1 No such mailbox"
    assert sender(ctx, mail).run_once().failed == 1
    [row] = outbox(ctx)
    assert row.next_try_at is None
    assert row.last_error == "The mail server refused the patient's address: 550 5.1.1 No such mailbox"
    assert reminder_status(ctx, admin, record.id).text.endswith("Not tried again; call the patient instead.")


def test_a_server_that_does_not_answer_times_out_and_the_reminder_goes_when_it_is_back(ctx, admin, clock, mail):
    silent = SilentServer()
    try:
        turn_on(ctx, admin, mail, port=silent.port)
        book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
        report = ReminderSender(ctx, tls_context=mail.client_tls, timeout=0.5).run_once()
        assert report.failed == 1
        [row] = outbox(ctx)
        assert row.last_error == "The mail server did not answer in time." and row.next_try_at is not None
    finally:
        silent.stop()
    # The clinic's server is back (here: the real one's port).
    with UnitOfWork(ctx, None, write=True) as uow:
        row = uow.session.get(Setting, "reminders")
        row.value = {**row.value, "smtp_port": mail.port}
        uow.commit()
    clock.advance(minutes=5)
    assert sender(ctx, mail).run_once().sent == 1
    clock.advance(minutes=30)
    assert sender(ctx, mail).run_once().sent == 0
    assert len(mail.messages) == 1


def test_a_refused_address_that_is_corrected_gets_its_reminder(ctx, admin, clock, mail):
    from dataclasses import replace

    turn_on(ctx, admin, mail)
    patient_id = consenting_patient(ctx, admin, email="typo@example.com")
    book(ctx, admin, patient_id, at(date(2026, 11, 27), 9))
    mail.mailbox.refuse_rcpt = "550 5.1.1 No such mailbox"
    assert sender(ctx, mail).run_once().failed == 1
    mail.mailbox.refuse_rcpt = None
    assert sender(ctx, mail).run_once().sent == 0, "the same address is not tried again"
    record = open_patient(ctx, admin, patient_id)
    update_patient(ctx, admin, patient_id, record.version, replace(record.details, email="anh@example.com"))
    assert sender(ctx, mail).run_once().sent == 1
    assert [m["To"] for m in mail.messages] == ["anh@example.com"]


def test_a_wrong_password_is_a_retried_failure_naming_the_sign_in(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail, password="wrong")
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
    assert sender(ctx, mail).run_once().failed == 1
    [row] = outbox(ctx)
    assert row.last_error.startswith("The mail server did not accept the user name or password: 535")
    assert row.next_try_at is not None


def test_retries_stop_before_the_visit(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail, hours=2)
    clock.at = at(date(2026, 11, 25), 12)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 25), 14))
    mail.mailbox.refuse_data = "451 4.3.0 Try later"
    assert sender(ctx, mail).run_once().failed == 1
    clock.advance(minutes=5)
    assert sender(ctx, mail).run_once().failed == 1
    clock.advance(minutes=15)
    assert sender(ctx, mail).run_once().failed == 1
    [row] = outbox(ctx)
    assert row.attempts == 3 and row.next_try_at is None, "12:20 + 45 min is past 13:00, an hour before the visit"


def test_a_sender_that_stopped_mid_send_is_not_repeated(ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
    with UnitOfWork(ctx, None, write=True) as uow:
        row = uow.session.scalars(select(ReminderOutbox)).one()
        row.state, row.claimed_by, row.claimed_at = "sending", "crashed-desk", clock.at
        uow.commit()
    clock.advance(minutes=20)
    assert sender(ctx, mail).run_once().sent == 0
    [row] = outbox(ctx)
    assert row.state == "failed" and row.next_try_at is None and "interrupted" in row.last_error
    assert mail.messages == []


# --- Two desks -----------------------------------------------------------------------------------


def test_two_desks_sending_at_once_send_each_reminder_once(db_url, ctx, admin, clock, mail):
    turn_on(ctx, admin, mail)
    day = date(2026, 11, 26)
    patients = [consenting_patient(ctx, admin, email=f"p{i}@example.com", family=f"Family{i}") for i in range(12)]
    for i, patient_id in enumerate(patients):
        book(ctx, admin, patient_id, at(day, 8 + (i % 4)), therapist=1 + i // 4)
    desks = [open_clinic(db_url, clock=clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    reports = []

    def run(desk):
        barrier.wait()
        reports.append(ReminderSender(desk, tls_context=mail.client_tls, batch=3).run_once())

    threads = [threading.Thread(target=run, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for desk in desks:
        desk.database.dispose()
    assert sum(r.sent for r in reports) == 12
    assert sorted(m["To"] for m in mail.messages) == sorted(f"p{i}@example.com" for i in range(12))
    assert {r.state for r in outbox(ctx)} == {"sent"}


# --- Settings and the password -------------------------------------------------------------------


def test_the_password_is_encrypted_in_the_database_never_in_the_audit_or_the_log(
        ctx, admin, mail, data_dir, caplog):
    turn_on(ctx, admin, mail)
    settings = get_reminder_settings(ctx, admin)
    assert settings.password_kept == "database"
    with UnitOfWork(ctx, None) as uow:
        stored = str([r.value for r in uow.session.scalars(select(Setting))])
        audit = str([e.detail for e in uow.session.scalars(select(AuditEvent))])
        count = uow.session.scalar(select(func.count()).select_from(Setting).where(Setting.key == "reminders_secret"))
    assert count == 1
    assert PASSWORD not in stored and PASSWORD not in audit and "password_changed" in audit
    key_file = data_dir / "mail-password.key"
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0
    assert PASSWORD not in caplog.text


def test_settings_are_checked_field_by_field(ctx, admin):
    from frontdesk.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        update_reminder_settings(ctx, admin, ReminderSettings(enabled=True, hours_before=1, smtp_host="",
                                                              smtp_port=0, security="plain", username="me"))
    assert set(refused.value.errors) == {"smtp_host", "smtp_port", "security", "hours_before", "from_address",
                                         "password"}


def test_a_desk_without_the_key_file_says_so_and_claims_nothing(ctx, admin, clock, mail, data_dir):
    turn_on(ctx, admin, mail)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 26), 9))
    (data_dir / "mail-password.key").unlink()
    report = sender(ctx, mail).run_once()
    assert "saved on another computer" in report.skipped
    assert [r.state for r in outbox(ctx)] == [ReminderState.QUEUED.value]


def test_a_sender_that_lost_its_claim_does_not_send(ctx, admin, clock, mail):
    """A batch so slow that another desk gave its claim up as stale: the row is left alone, not sent."""
    from frontdesk.services.reminder_outbox import reminder_settings_from
    from frontdesk.services.reminder_sender import SendReport
    from frontdesk.db.plain import SessionReader

    turn_on(ctx, admin, mail)
    book(ctx, admin, consenting_patient(ctx, admin), at(date(2026, 11, 27), 9))
    slow = sender(ctx, mail)
    claimed = slow._claim()
    assert len(claimed) == 1
    clock.advance(minutes=20)
    other = sender(ctx, mail)
    assert other.run_once().sent == 0  # gives the stale claim up
    with UnitOfWork(ctx, None) as uow:
        settings = reminder_settings_from(SessionReader(uow.session))
    report = SendReport()
    slow._send_batch(settings, PASSWORD, claimed, report)
    assert (report.sent, report.failed) == (0, 0) and mail.messages == []
    [row] = outbox(ctx)
    assert row.state == "failed" and "interrupted" in row.last_error


def test_a_test_message_goes_to_the_clinic_and_a_refusal_says_why(ctx, admin, mail):
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.reminder_sender import send_test_message

    settings = ReminderSettings(smtp_host="127.0.0.1", smtp_port=mail.port, username=USER,
                                from_address="front@example.org")
    text = send_test_message(ctx, admin, settings, PASSWORD, tls_context=mail.client_tls)
    assert text == "A test message was sent to front@example.org. Check that it arrived."
    assert [m["To"] for m in mail.messages] == ["front@example.org"]
    with pytest.raises(ServiceError) as refused:
        send_test_message(ctx, admin, settings, "wrong", tls_context=mail.client_tls)
    assert refused.value.message.startswith("The mail server did not accept the user name or password: 535")
