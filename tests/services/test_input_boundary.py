"""Every public service that takes text, dates or record numbers answers any value with a result
or a `ServiceError`, never a database error, on SQLite and PostgreSQL alike.

The values are hypothesis-generated: any Unicode (NUL, control and format characters, unpaired
surrogates, text-direction overrides, 20,000 characters), dates from year 1 to 9999, times with and
without a zone, and whole numbers far past 64 bits.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.domain.areas import BodyArea, Region
from frontdesk.domain.inputs import date_problem, id_problem, text_problem, text_rule
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import Role
from frontdesk.domain.screening import ReviewDecision, ScreeningAnswers
from frontdesk.services import (
    appointments,
    audit,
    availability,
    booking,
    documents,
    patients,
    schedule_view,
    series,
    screenings,
    signing_in,
    staff,
    therapist_time,
    user_accounts,
)
from frontdesk.services.appointments import AppointmentFilter
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types

VANCOUVER = ZoneInfo("America/Vancouver")
PROPERTIES = settings(max_examples=120, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Cs", "Zs", "Mn")), max_size=6),
    st.sampled_from(["\x00", "Zo\x00ë", "\u202eevil.exe", "\u200b\u200b", "\u2066x\u2069", "x" * 20_000,
                     "\ud800", "Nakamura", "=HYPERLINK(\"x\")", "'; DROP TABLE patients; --", ""]),
)
IDS = st.one_of(st.sampled_from([1, 2, 3, 0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1]),
                st.integers(min_value=-(2**70), max_value=2**70))
DATES = st.one_of(st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(2026, 11, 26), date(1899, 12, 31),
                                   date(2201, 1, 1)]), st.dates())
MOMENTS = st.one_of(
    st.sampled_from([datetime(2027, 3, 14, 2, 15, tzinfo=VANCOUVER), datetime(1, 1, 1, tzinfo=VANCOUVER),
                     datetime(9999, 12, 31, 23, 59, tzinfo=VANCOUVER),
                     datetime(2026, 11, 26, 10, 0, tzinfo=VANCOUVER), datetime(2026, 11, 26, 10, 0)]),
    st.datetimes(timezones=st.just(VANCOUVER)),
)


@pytest.fixture
def desk(ctx, admin):
    patient = patients.register_patient(ctx, admin, PatientDetails("Base", "Case", date(1980, 1, 1)),
                                        confirmed_new=True)
    kind = next(t for t in list_appointment_types(ctx, admin) if not t.is_ims)
    booked = booking.book_appointment(ctx, admin, BookingRequest(
        patient.id, 1, kind.id, datetime(2026, 11, 26, 9, 0, tzinfo=VANCOUVER)))
    return ctx, admin, booked


def _calls(draw, booked):
    text, ident, day, moment = (lambda: draw(TEXT)), (lambda: draw(IDS)), (lambda: draw(DATES)), (lambda: draw(MOMENTS))
    return {
        "search": lambda c, a: patients.search_patients(c, a, text()),
        "open patient": lambda c, a: patients.open_patient(c, a, ident()),
        "register": lambda c, a: patients.register_patient(
            c, a, PatientDetails(text(), text(), day(), notes=text(), referral_date=day()), confirmed_new=True),
        "update patient": lambda c, a: patients.update_patient(c, a, ident(), ident(),
                                                              PatientDetails(text(), "Case", day())),
        "get appointment": lambda c, a: appointments.get_appointment(c, a, ident()),
        "appointment detail": lambda c, a: appointments.appointment_detail(c, a, ident()),
        "cancel": lambda c, a: appointments.cancel_appointment(c, a, booked.id, booked.version, text()),
        "cancel any": lambda c, a: appointments.cancel_appointment(c, a, ident(), ident(), "Ill"),
        "arrived": lambda c, a: appointments.mark_arrived(c, a, ident(), ident()),
        "my day": lambda c, a: appointments.my_day(c, a, ident(), day()),
        "list": lambda c, a: appointments.list_appointments(c, a, AppointmentFilter(day(), day(), text=text())),
        "count": lambda c, a: appointments.count_appointments(c, a, AppointmentFilter(therapist_id=ident())),
        "book": lambda c, a: booking.book_appointment(c, a, BookingRequest(
            ident(), ident(), ident(), moment(), text(), text())),
        "book notes": lambda c, a: booking.book_appointment(c, a, BookingRequest(
            booked.patient_id, 2, booked.type_id, datetime(2026, 11, 26, 11, 0, tzinfo=VANCOUVER), "", text())),
        "check booking": lambda c, a: booking.check_booking(c, a, BookingRequest(1, 1, booked.type_id, moment())),
        "reschedule": lambda c, a: booking.reschedule_appointment(c, a, booked.id, booked.version, moment(),
                                                                   ident()),
        "find next": lambda c, a: availability.find_next_available(c, a, booked.type_id, ident(), day()),
        "series": lambda c, a: series.plan_series(c, a, BookingRequest(
            booked.patient_id, 1, booked.type_id, moment()), timedelta(days=7), 3),
        "time off": lambda c, a: therapist_time.add_time_off(c, a, ident(), moment(), moment(), text()),
        "extra hours": lambda c, a: therapist_time.add_extra_hours(c, a, 1, moment(), moment(), text()),
        "in series": lambda c, a: series.appointments_in_series(c, a, text()),
        "day": lambda c, a: schedule_view.day_schedule(c, a, day()),
        "week": lambda c, a: schedule_view.week_schedule(c, a, ident(), day()),
        "screening": lambda c, a: screenings.record_screening(
            c, a, ident(), ScreeningAnswers({"cancer": text()}, (), (BodyArea(Region.neck),)), text()),
        "review": lambda c, a: screenings.record_review(c, a, ident(), ReviewDecision.approve, text()),
        "history": lambda c, a: screenings.screening_history(c, a, ident()),
        "therapist": lambda c, a: staff.create_therapist(c, a, staff.TherapistDetails(text(), text(), text())),
        "time off list": lambda c, a: staff.list_schedule_exceptions(c, a, ident(), day(), day()),
        "type": lambda c, a: staff.create_appointment_type(c, a, staff.AppointmentTypeDetails(text(), 30)),
        "user": lambda c, a: user_accounts.create_user(c, a, text(), text(), Role.RECEPTION,
                                                       password="long enough pass 1"),
        "sign in": lambda c, a: signing_in.sign_in(c, text(), text()),
        "day sheet": lambda c, a: documents.day_sheet(c, a, ident(), day()),
        "summary": lambda c, a: documents.eligibility_summary(c, a, ident(), None),
        "consent": lambda c, a: documents.consent_document(c, a, ident()),
        "unsigned consent": lambda c, a: documents.record_unsigned_consent(c, a, booked.id, text(), text()),
        "ics": lambda c, a: appointments.export_ics(c, a, ident(), day(), day()),
        "csv": lambda c, a: appointments.export_csv(c, a, AppointmentFilter(day(), day(), ident(), ident(),
                                                                               text=text())),
        "audit": lambda c, a: audit.audit_for_patient(c, a, ident()),
    }


@PROPERTIES
@given(data=st.data())
def test_every_service_answers_any_value_with_a_result_or_a_plain_refusal(desk, data):
    ctx, admin, booked = desk
    calls = _calls(data.draw, booked)
    name = data.draw(st.sampled_from(sorted(calls)), label="service")
    try:
        calls[name](ctx, admin)
    except ServiceError as refused:
        assert isinstance(refused.message, str) and refused.message
        assert "Traceback" not in refused.message


@pytest.mark.parametrize("call", [
    lambda c, a, b: appointments.cancel_appointment(c, a, b.id, b.version, "Flu\x00"),
    lambda c, a, b: booking.book_appointment(c, a, BookingRequest(
        b.patient_id, 2, b.type_id, datetime(2026, 11, 26, 11, 0, tzinfo=VANCOUVER), notes="Knee\x00")),
    lambda c, a, b: therapist_time.add_time_off(c, a, 1, datetime(2026, 12, 1, 9, tzinfo=VANCOUVER),
                                          datetime(2026, 12, 1, 10, tzinfo=VANCOUVER), "Dentist\x00"),
    lambda c, a, b: staff.create_therapist(c, a, staff.TherapistDetails("Ann\x00 Lee")),
    lambda c, a, b: user_accounts.create_user(c, a, "ann", "Ann\x00", Role.RECEPTION, password="long enough pass 1"),
    lambda c, a, b: patients.search_patients(c, a, "Na\x00"),
    lambda c, a, b: booking.book_appointment(c, a, BookingRequest(
        b.patient_id, 1, b.type_id, datetime(9999, 12, 31, 9, tzinfo=VANCOUVER))),
    lambda c, a, b: booking.reschedule_appointment(c, a, b.id, b.version, datetime(1, 1, 1, 9, tzinfo=VANCOUVER)),
    lambda c, a, b: appointments.my_day(c, a, 1, date(9999, 12, 31)),
    lambda c, a, b: availability.find_next_available(c, a, b.type_id, None, date(9999, 12, 31)),
    lambda c, a, b: patients.open_patient(c, a, 2**63),
    lambda c, a, b: patients.open_patient(c, a, 2**31),
    lambda c, a, b: appointments.get_appointment(c, a, -(2**63) - 1),
    lambda c, a, b: staff.create_therapist(c, a, staff.TherapistDetails("\u200b\u200c")),
    lambda c, a, b: staff.create_therapist(c, a, staff.TherapistDetails("\u202eeeL nnA")),
], ids=["cancel reason NUL", "notes NUL", "time off NUL", "therapist NUL", "user NUL", "search NUL",
        "year 9999", "year 1", "my day 9999", "find next 9999", "id 2**63", "id 2**31", "id below -2**63",
        "zero-width name", "direction override"])
def test_each_reported_bad_value_is_a_plain_refusal(desk, call):
    ctx, admin, booked = desk
    with pytest.raises(ValidationFailed) as refused:
        call(ctx, admin, booked)
    assert refused.value.errors and refused.value.message


@pytest.mark.parametrize("therapist", ["switched off", "unknown"])
def test_find_next_available_with_a_physiotherapist_not_working_here_is_a_refusal(desk, therapist):
    ctx, admin, booked = desk
    therapist_id = 424242
    if therapist == "switched off":
        chris = next(t for t in staff.list_all_therapists(ctx, admin) if t.id == 1)
        staff.update_therapist(ctx, admin, 1, staff.TherapistDetails(
            chris.name, chris.designation, chris.registration_number, chris.ims_qualified, chris.ims_qualified_on,
            False, chris.colour), expected_version=chris.version)
        therapist_id = 1
    with pytest.raises(ValidationFailed) as refused:
        availability.find_next_available(ctx, admin, booked.type_id, therapist_id, date(2026, 11, 26))
    assert "switched off or no longer in the list" in refused.value.errors["therapist"]


@pytest.mark.parametrize("value, rule, refused", [
    ("Zoë Ødegård", "family_name", False), ("蔡英文", "family_name", False), ("\u200b", "family_name", True),
    ("\u202eabc", "notes", True), ("line one\nline two\ttab", "notes", False), ("a\x00", "notes", True),
    ("x" * 201, "family_name", True), ("\ud83d", "reason", True), ("\u2067مرحبا\u2069", "notes", False),
    ("\u2067x\u2069", "family_name", True), ("Zoë\u200d", "given_names", False),
])
def test_the_text_rule(value, rule, refused):
    assert (text_problem(value, text_rule(rule)) is not None) == refused


def test_the_date_and_id_rules():
    assert date_problem(date(1900, 1, 1)) is None and date_problem(date(2200, 12, 31)) is None
    assert date_problem(date(1899, 12, 31)) and date_problem(date(2201, 1, 1))
    assert date_problem(datetime(2026, 1, 1, 9)) == "This time has no time zone."
    assert "clocks go forward" in date_problem(datetime(2027, 3, 14, 2, 15, tzinfo=VANCOUVER))
    assert date_problem(datetime(2027, 11, 7, 1, 30, tzinfo=VANCOUVER)) is None  # shown twice, but shown
    assert id_problem(1) is None and id_problem(2**31 - 1) is None
    assert id_problem(0) and id_problem(2**31) and id_problem(2**63) and id_problem(True) and id_problem("1")


def test_patient_dates_before_1900_keep_their_own_message(ctx, admin):
    with pytest.raises(ValidationFailed) as refused:
        patients.register_patient(ctx, admin, PatientDetails("Old", "Ann", date(1899, 5, 1)), confirmed_new=True)
    assert "date_of_birth" in refused.value.errors
