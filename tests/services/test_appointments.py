from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from frontdesk.db.models import Appointment, AppointmentEvent, AuditEvent
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.patients import PatientDetails
from frontdesk.domain.roles import ROLE_PERMISSIONS, Permission, Role
from frontdesk.services.appointments import (
    AppointmentFilter,
    StatusNotChanged,
    appointment_detail,
    cancel_appointment,
    count_appointments,
    get_appointment,
    list_appointments,
    mark_arrived,
    mark_completed,
    mark_no_show,
    my_day,
    undo_last_status_change,
)
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.patients import register_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.unit_of_work import UnitOfWork

VANCOUVER = ZoneInfo("America/Vancouver")
CHRIS, TRACEY = 1, 2


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VANCOUVER)


TOMORROW = date(2026, 11, 26)  # the clock stands at Wednesday 2026-11-25 10:00


def type_id(ctx, actor, name: str) -> int:
    return next(t.id for t in list_appointment_types(ctx, actor) if t.name == name)


def new_patient(ctx, actor, family="Ødegård", given="Zoë", phone=""):
    details = PatientDetails(family_name=family, given_names=given, date_of_birth=date(1985, 3, 4), phone=phone)
    return register_patient(ctx, actor, details, confirmed_new=True)


def book(ctx, actor, patient_id, start, therapist=CHRIS, kind="Physiotherapy treatment"):
    request = BookingRequest(patient_id, therapist, type_id(ctx, actor, kind), start.astimezone(VANCOUVER))
    return book_appointment(ctx, actor, request)


@pytest.fixture
def patient(ctx, reception):
    return new_patient(ctx, reception)


@pytest.fixture
def booked(ctx, reception, patient):
    return book(ctx, reception, patient.id, at(TOMORROW, 9))


def events(ctx, appointment_id):
    with UnitOfWork(ctx, None) as uow:
        return [(e.kind, e.from_status, e.to_status, e.by_user, e.undo_of) for e in uow.session.scalars(
            select(AppointmentEvent).where(AppointmentEvent.appointment_id == appointment_id)
            .order_by(AppointmentEvent.id))]


def audit_actions(ctx, appointment_id):
    with UnitOfWork(ctx, None) as uow:
        return list(uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity == "appointment", AuditEvent.entity_id == appointment_id).order_by(AuditEvent.id)))


# --- Statuses --------------------------------------------------------------------------------------


def test_arrived_then_completed_records_who_and_when(ctx, reception, physio, booked, clock):
    arrived = mark_arrived(ctx, reception, booked.id, booked.version)
    assert arrived.status is AppointmentStatus.ARRIVED
    assert arrived.version == booked.version + 1
    clock.advance(hours=1)
    done = mark_completed(ctx, physio, booked.id, arrived.version)
    assert done.status is AppointmentStatus.COMPLETED
    assert events(ctx, booked.id)[1:] == [
        ("status", "booked", "arrived", reception.user_id, None),
        ("status", "arrived", "completed", physio.user_id, None),
    ]
    assert audit_actions(ctx, booked.id) == ["book", "status", "status"]
    history = appointment_detail(ctx, reception, booked.id).history
    assert [(h.text, h.by) for h in history] == [
        ("Booked", "Front Desk Reception"),
        ("Marked as arrived", "Front Desk Reception"),
        ("Marked as completed", "Chris Stokes"),
    ]
    assert history[2].at == clock.now()


@pytest.mark.parametrize(
    ("starts", "late"),
    [
        (at(TOMORROW, 10, 0), False),  # exactly 24 h ahead: on time
        (at(TOMORROW, 9, 59), True),  # a minute inside the notice
        (at(TOMORROW, 13, 0), False),
        (at(date(2026, 11, 25), 15, 0), True),  # later today
    ],
)
def test_cancellation_is_late_within_the_clinics_notice(ctx, reception, patient, starts, late):
    appointment = book(ctx, reception, patient.id, starts)
    cancelled = cancel_appointment(ctx, reception, appointment.id, appointment.version, "  Feeling   unwell ")
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.late_cancellation is late
    assert cancelled.cancel_reason == "Feeling unwell"
    expected = "Cancelled (late cancellation): Feeling unwell" if late else "Cancelled: Feeling unwell"
    assert appointment_detail(ctx, reception, appointment.id).history[-1].text == expected


def test_the_notice_period_is_the_clinics_setting(ctx, admin, reception, patient):
    from dataclasses import replace

    from frontdesk.services.clinic_settings import get_clinic_settings
    from frontdesk.services.clinic_settings_edit import update_clinic_settings

    update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx), late_cancel_hours=48))
    appointment = book(ctx, reception, patient.id, at(TOMORROW, 13))
    assert cancel_appointment(ctx, reception, appointment.id, appointment.version, "Away").late_cancellation


def test_a_cancellation_needs_a_reason(ctx, reception, booked):
    with pytest.raises(ValidationFailed) as refused:
        cancel_appointment(ctx, reception, booked.id, booked.version, "   ")
    assert "reason" in refused.value.errors
    assert get_appointment(ctx, reception, booked.id).status is AppointmentStatus.BOOKED


def test_a_no_show_only_once_the_start_time_has_passed(ctx, reception, booked, clock):
    with pytest.raises(StatusNotChanged, match="start time has passed"):
        mark_no_show(ctx, reception, booked.id, booked.version)
    clock.at = at(TOMORROW, 9, 10)
    assert mark_no_show(ctx, reception, booked.id, booked.version).status is AppointmentStatus.NO_SHOW


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        (["complete"], "complete", "arrived before completing"),
        (["arrive", "cancel"], "cancel", "already arrived"),
        (["cancel", "arrive"], "arrive", "use Undo"),
        (["arrive", "arrive"], "arrive", "already marked as arrived"),
    ],
)
def test_changes_the_rules_refuse_leave_the_appointment_alone(ctx, reception, booked, steps, refused, message):
    actions = {
        "arrive": lambda a: mark_arrived(ctx, reception, a.id, a.version),
        "complete": lambda a: mark_completed(ctx, reception, a.id, a.version),
        "cancel": lambda a: cancel_appointment(ctx, reception, a.id, a.version, "Called in"),
    }
    current = booked
    for step in steps[:-1]:
        current = actions[step](current)
    with pytest.raises(StatusNotChanged, match=message):
        actions[refused](current)
    assert get_appointment(ctx, reception, booked.id) == current


def test_a_stale_version_is_refused_with_the_current_appointment(ctx, reception, physio, booked):
    mark_arrived(ctx, physio, booked.id, booked.version)
    with pytest.raises(Conflict) as conflict:
        cancel_appointment(ctx, reception, booked.id, booked.version, "Called in")
    assert "Someone else changed" in conflict.value.message
    assert conflict.value.current.status is AppointmentStatus.ARRIVED


def test_undo_steps_back_one_change_at_a_time_and_is_recorded(ctx, reception, physio, booked):
    arrived = mark_arrived(ctx, reception, booked.id, booked.version)
    done = mark_completed(ctx, reception, booked.id, arrived.version)
    back = undo_last_status_change(ctx, physio, booked.id, done.version)
    assert back.status is AppointmentStatus.ARRIVED
    again = undo_last_status_change(ctx, physio, booked.id, back.version)
    assert again.status is AppointmentStatus.BOOKED
    with pytest.raises(StatusNotChanged, match=r"nothing|no status change"):
        undo_last_status_change(ctx, physio, booked.id, again.version)
    history = events(ctx, booked.id)
    with UnitOfWork(ctx, None) as uow:
        ids = list(uow.session.scalars(select(AppointmentEvent.id).where(
            AppointmentEvent.appointment_id == booked.id).order_by(AppointmentEvent.id)))
        arrived_id, completed_id = ids[1], ids[2]
    assert history[3:] == [
        ("undo", "completed", "arrived", physio.user_id, completed_id),
        ("undo", "arrived", "booked", physio.user_id, arrived_id),
    ]
    texts = [h.text for h in appointment_detail(ctx, reception, booked.id).history]
    assert texts[-2:] == ["Undo: completed changed back to arrived", "Undo: arrived changed back to booked"]
    assert audit_actions(ctx, booked.id).count("undo_status") == 2


def test_undoing_a_cancellation_restores_the_booking_and_clears_the_reason(ctx, reception, booked):
    cancelled = cancel_appointment(ctx, reception, booked.id, booked.version, "Wrong patient picked")
    restored = undo_last_status_change(ctx, reception, booked.id, cancelled.version)
    assert restored.status is AppointmentStatus.BOOKED
    assert (restored.cancel_reason, restored.late_cancellation) == ("", False)


@pytest.mark.parametrize("taken_by", ["same therapist", "same patient"])
def test_undoing_a_cancellation_is_refused_once_the_slot_is_taken_again(ctx, reception, patient, booked, taken_by):
    cancelled = cancel_appointment(ctx, reception, booked.id, booked.version, "Called in sick")
    if taken_by == "same therapist":
        other = new_patient(ctx, reception, "Tsai", "Mei")
        book(ctx, reception, other.id, at(TOMORROW, 9, 15))
    else:
        book(ctx, reception, patient.id, at(TOMORROW, 9, 15), therapist=TRACEY)
    with pytest.raises(Conflict, match="booked again since"):
        undo_last_status_change(ctx, reception, booked.id, cancelled.version)
    assert get_appointment(ctx, reception, booked.id).status is AppointmentStatus.CANCELLED


def test_undoing_a_no_show_rechecks_the_slot(ctx, reception, booked, clock):
    clock.at = at(TOMORROW, 9, 5)
    no_show = mark_no_show(ctx, reception, booked.id, booked.version)
    other = new_patient(ctx, reception, "Reid", "Sam")
    with UnitOfWork(ctx, reception, write=True) as uow:  # a walk-in entered straight into the slot
        row = uow.session.get(Appointment, booked.id)
        uow.session.add(Appointment(patient_id=other.id, therapist_id=CHRIS, type_id=row.type_id,
                                    starts_at=row.starts_at, ends_at=row.ends_at, status="booked",
                                    created_at=clock.now(), created_by=reception.user_id,
                                    updated_at=clock.now(), updated_by=reception.user_id))
        uow.commit()
    with pytest.raises(Conflict, match="Chris Stokes already has an appointment 9:00"):
        undo_last_status_change(ctx, reception, booked.id, no_show.version)


def test_nothing_changes_by_itself(ctx, reception, booked, clock):
    clock.advance(days=3)
    assert get_appointment(ctx, reception, booked.id).status is AppointmentStatus.BOOKED


def test_status_changes_need_the_booking_permission_and_a_refusal_is_recorded(ctx, reception, booked, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.RECEPTION, frozenset({Permission.VIEW_PATIENTS}))
    for attempt in (
        lambda: mark_arrived(ctx, reception, booked.id, booked.version),
        lambda: cancel_appointment(ctx, reception, booked.id, booked.version, "x"),
        lambda: undo_last_status_change(ctx, reception, booked.id, booked.version),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert get_appointment(ctx, reception, booked.id).status is AppointmentStatus.BOOKED
    with UnitOfWork(ctx, None) as uow:
        denied = uow.session.scalar(select(func.count()).where(AuditEvent.action == "denied"))
    assert denied == 3


def test_an_account_without_patient_access_cannot_list(ctx, reception, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.RECEPTION, frozenset())
    with pytest.raises(PermissionDenied):
        list_appointments(ctx, reception, AppointmentFilter())


def test_a_status_history_without_events_is_read_from_the_row(ctx, reception, patient, clock):
    """Appointments imported from elsewhere (or by the demo generator) carry no events."""
    with UnitOfWork(ctx, reception, write=True) as uow:
        row = Appointment(patient_id=patient.id, therapist_id=CHRIS, type_id=4, starts_at=at(TOMORROW, 11),
                          ends_at=at(TOMORROW, 11, 30), status="arrived", created_at=clock.now(),
                          created_by=reception.user_id, updated_at=clock.now(), updated_by=reception.user_id)
        uow.session.add(row)
        uow.commit()
        appointment_id, version = row.id, row.version
    done = mark_completed(ctx, reception, appointment_id, version)
    back = undo_last_status_change(ctx, reception, appointment_id, done.version)
    assert back.status is AppointmentStatus.ARRIVED
    assert next(h.text for h in appointment_detail(ctx, reception, appointment_id).history) == "Booked"


# --- Listing -------------------------------------------------------------------------------------


@pytest.fixture
def week(ctx, reception):
    """Three patients over three days with two therapists, one IMS appointment, one cancellation."""
    zoe = new_patient(ctx, reception, "Ødegård", "Zoë", "250 555 0101")
    mei = new_patient(ctx, reception, "Tsai", "Mei", "604 555 0199")
    sam = new_patient(ctx, reception, "Reid", "Sam")
    rows = {
        "zoe_thu": book(ctx, reception, zoe.id, at(TOMORROW, 9)),
        "mei_thu": book(ctx, reception, mei.id, at(TOMORROW, 9), therapist=TRACEY),
        "sam_fri": book(ctx, reception, sam.id, at(date(2026, 11, 27), 8, 30)),
        "mei_mon": book(ctx, reception, mei.id, at(date(2026, 11, 30), 14), therapist=TRACEY,
                        kind="Physiotherapy assessment"),
    }
    cancelled = cancel_appointment(ctx, reception, rows["sam_fri"].id, rows["sam_fri"].version, "Moved away")
    rows["sam_fri"] = cancelled
    with UnitOfWork(ctx, reception, write=True) as uow:  # an IMS treatment (the patient is not screened)
        uow.session.add(Appointment(patient_id=zoe.id, therapist_id=TRACEY,
                                    type_id=type_id(ctx, reception, "IMS treatment"),
                                    starts_at=at(date(2026, 11, 30), 10), ends_at=at(date(2026, 11, 30), 10, 30),
                                    status="booked", created_at=at(date(2026, 11, 25), 9),
                                    created_by=reception.user_id, updated_at=at(date(2026, 11, 25), 9),
                                    updated_by=reception.user_id))
        uow.commit()
    return rows


def names(records):
    return [(r.patient_name.split(",")[0], r.starts_at.astimezone(VANCOUVER).strftime("%d %H:%M")) for r in records]


FILTERS = [
        (AppointmentFilter(), [("Ødegård", "26 09:00"), ("Tsai", "26 09:00"), ("Reid", "27 08:30"),
                               ("Ødegård", "30 10:00"), ("Tsai", "30 14:00")]),
        (AppointmentFilter(date_from=date(2026, 11, 27), date_to=date(2026, 11, 27)), [("Reid", "27 08:30")]),
        (AppointmentFilter(date_to=date(2026, 11, 26)), [("Ødegård", "26 09:00"), ("Tsai", "26 09:00")]),
        (AppointmentFilter(therapist_id=TRACEY), [("Tsai", "26 09:00"), ("Ødegård", "30 10:00"), ("Tsai", "30 14:00")]),
        (AppointmentFilter(statuses=frozenset({AppointmentStatus.CANCELLED})), [("Reid", "27 08:30")]),
        (AppointmentFilter(statuses=frozenset({AppointmentStatus.BOOKED}), therapist_id=CHRIS),
         [("Ødegård", "26 09:00")]),
        (AppointmentFilter(ims_only=True), [("Ødegård", "30 10:00")]),
        (AppointmentFilter(text="zoe"), [("Ødegård", "26 09:00"), ("Ødegård", "30 10:00")]),
        (AppointmentFilter(text="ODEG"), [("Ødegård", "26 09:00"), ("Ødegård", "30 10:00")]),
        (AppointmentFilter(text="604 555"), [("Tsai", "26 09:00"), ("Tsai", "30 14:00")]),
        (AppointmentFilter(text="mei tsai", date_from=date(2026, 11, 28)), [("Tsai", "30 14:00")]),
        (AppointmentFilter(text="nobody"), []),
]


def test_filters_narrow_the_list(ctx, reception, week):
    """One week of bookings, every filter row against it (built once: bookings take a moment)."""
    for flt, expected in FILTERS:
        assert names(list_appointments(ctx, reception, flt)) == expected, flt
        assert count_appointments(ctx, reception, flt) == len(expected), flt


def test_cancelled_appointments_stay_listed_with_their_reason(ctx, reception, week):
    listed = {r.id: r for r in list_appointments(ctx, reception, AppointmentFilter())}
    sam = listed[week["sam_fri"].id]
    assert (sam.status, sam.cancel_reason) == (AppointmentStatus.CANCELLED, "Moved away")


def test_the_ims_flag_comes_with_each_row(ctx, reception, week):
    (ims,) = list_appointments(ctx, reception, AppointmentFilter(ims_only=True))
    assert ims.ims_flag is ImsFlag.NO_SCREENING
    assert all(r.ims_flag is ImsFlag.NONE for r in list_appointments(ctx, reception, AppointmentFilter())
               if not r.is_ims)


def test_the_end_date_before_the_start_date_is_refused(ctx, reception):
    with pytest.raises(ValidationFailed) as refused:
        list_appointments(ctx, reception, AppointmentFilter(date_from=date(2026, 12, 2), date_to=date(2026, 12, 1)))
    assert "date_to" in refused.value.errors


def test_paging_by_offset_and_by_the_last_row_agree(ctx, reception, week):
    everything = list_appointments(ctx, reception, AppointmentFilter())
    by_offset = [r.id for offset in range(0, 6, 2)
                 for r in list_appointments(ctx, reception, AppointmentFilter(), offset, 2)]
    keyset, after = [], None
    while True:
        page = list_appointments(ctx, reception, AppointmentFilter(), limit=2, after=after)
        keyset += [r.id for r in page]
        if len(page) < 2:
            break
        after = (page[-1].starts_at, page[-1].id)
    assert by_offset == keyset == [r.id for r in everything]


def test_my_day_lists_the_therapists_day_in_time_order(ctx, reception, physio, patient, clock):
    later = book(ctx, reception, patient.id, at(TOMORROW, 15))
    other = new_patient(ctx, reception, "Tsai", "Mei")
    early = book(ctx, reception, other.id, at(TOMORROW, 8))
    book(ctx, reception, other.id, at(TOMORROW, 10), therapist=TRACEY)
    book(ctx, reception, patient.id, at(date(2026, 11, 27), 8))
    assert [r.id for r in my_day(ctx, physio, CHRIS, TOMORROW)] == [early.id, later.id]
    assert my_day(ctx, physio, CHRIS, date(2026, 11, 28)) == []


def test_detail_shows_the_patients_latest_screening(ctx, reception, physio, patient, booked):
    from frontdesk.domain.areas import BodyArea, Region
    from frontdesk.domain.screening import ScreeningAnswers
    from frontdesk.services.screenings import record_screening

    assert appointment_detail(ctx, reception, booked.id).screening is None
    answers = {
        "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
        "autoimmune": "none", "osteoporosis": "unsure", "had_surgery": "no", "bleeding_risk": "no",
        "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
        "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
    }
    record_screening(ctx, reception, patient.id, ScreeningAnswers(answers, (), (BodyArea(Region.neck),)))
    detail = appointment_detail(ctx, reception, booked.id)
    assert detail.appointment.id == booked.id
    assert "review" in detail.screening.text.lower()
    assert "November 25, 2026" in detail.screening.text
    assert not detail.screening.stale
    with UnitOfWork(ctx, None) as uow:
        viewed = uow.session.scalar(select(func.count()).where(
            AuditEvent.action == "view", AuditEvent.entity == "appointment"))
    assert viewed == 2
