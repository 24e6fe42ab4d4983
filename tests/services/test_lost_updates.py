"""Two administrators with stale copies of the same record: the second save is refused with a plain
"changed by someone else meanwhile" instead of silently undoing the first (SQLite and PostgreSQL)."""

from dataclasses import replace
from datetime import time

import pytest

from frontdesk.services.backups import choose_backup_folder
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.errors import Conflict
from frontdesk.services.therapist_time import set_working_hours, working_hours
from frontdesk.services.staff import (
    AppointmentTypeDetails,
    TherapistDetails,
    blocks_from_rows,
    list_all_appointment_types,
    list_all_therapists,
    update_appointment_type,
    update_therapist,
)

CHANGED = "changed by someone else meanwhile"


def _details(therapist, **changes) -> TherapistDetails:
    base = TherapistDetails(therapist.name, therapist.designation, therapist.registration_number,
                            therapist.ims_qualified, therapist.ims_qualified_on, therapist.active, therapist.colour)
    return replace(base, **changes)


def test_clinic_settings_a_stale_copy_cannot_undo_a_newer_save(ctx, admin):
    first, second = get_clinic_settings(ctx), get_clinic_settings(ctx)
    saved = update_clinic_settings(ctx, admin, replace(first, late_cancel_hours=48))
    with pytest.raises(Conflict) as stale:
        update_clinic_settings(ctx, admin, replace(second, name="Penticton Physio"))
    assert CHANGED in stale.value.message and "reload" in stale.value.message
    assert stale.value.current.late_cancel_hours == 48
    now = get_clinic_settings(ctx)
    assert (now.late_cancel_hours, now.name) == (48, first.name)
    # Reloaded, the change goes through, and keeps the first one.
    update_clinic_settings(ctx, admin, replace(now, name="Penticton Physio"))
    assert (get_clinic_settings(ctx).late_cancel_hours, get_clinic_settings(ctx).name) == (48, "Penticton Physio")
    assert saved.version + 1 == get_clinic_settings(ctx).version


def test_choosing_the_backup_folder_with_a_stale_copy_is_refused_too(ctx, admin, tmp_path):
    stale = get_clinic_settings(ctx)
    update_clinic_settings(ctx, admin, replace(get_clinic_settings(ctx), late_cancel_hours=36))
    with pytest.raises(Conflict):
        choose_backup_folder(ctx, admin, tmp_path, replace(stale, idle_lock_minutes=3))
    assert get_clinic_settings(ctx).late_cancel_hours == 36


def test_a_physiotherapist_a_stale_copy_cannot_empty_the_registration_number(ctx, admin):
    first = second = next(t for t in list_all_therapists(ctx, admin) if t.id == 1)
    update_therapist(ctx, admin, 1, _details(first, registration_number="PT-12345"), expected_version=first.version)
    with pytest.raises(Conflict) as stale:
        update_therapist(ctx, admin, 1, _details(second, colour="#2e7d32"), expected_version=second.version)
    assert CHANGED in stale.value.message and "Chris Stokes" in stale.value.message
    now = next(t for t in list_all_therapists(ctx, admin) if t.id == 1)
    assert now.registration_number == "PT-12345" and now.colour == first.colour
    assert stale.value.current == now
    update_therapist(ctx, admin, 1, _details(now, colour="#2e7d32"), expected_version=now.version)


def test_an_appointment_type_a_stale_copy_cannot_undo_a_new_length(ctx, admin):
    kind = next(t for t in list_all_appointment_types(ctx, admin) if not t.is_ims)
    shown = AppointmentTypeDetails(kind.name, kind.duration_minutes, kind.is_ims, kind.active)
    update_appointment_type(ctx, admin, kind.id, replace(shown, duration_minutes=60), expected=shown)
    with pytest.raises(Conflict) as stale:
        update_appointment_type(ctx, admin, kind.id, replace(shown, name="Treatment"), expected=shown)
    assert CHANGED in stale.value.message
    assert {t.id: t for t in list_all_appointment_types(ctx, admin)}[kind.id].duration_minutes == 60


def test_weekly_hours_a_stale_week_cannot_undo_a_newer_one(ctx, admin):
    loaded = working_hours(ctx, admin, 1)
    saturday = blocks_from_rows([(b.weekday, b.start, b.end) for b in loaded] + [(5, time(9), time(12))])
    set_working_hours(ctx, admin, 1, saturday, expected=loaded)
    with pytest.raises(Conflict) as stale:
        set_working_hours(ctx, admin, 1, loaded[:-1], expected=loaded)
    assert CHANGED in stale.value.message and "weekly hours" in stale.value.message
    week = sorted((b.weekday, b.start, b.end) for b in saturday)
    assert sorted((b.weekday, b.start, b.end) for b in working_hours(ctx, admin, 1)) == week
    assert sorted((b.weekday, b.start, b.end) for b in stale.value.current) == week


def test_hours_and_details_of_one_physiotherapist_do_not_conflict_with_each_other(ctx, admin):
    chris = next(t for t in list_all_therapists(ctx, admin) if t.id == 1)
    loaded = working_hours(ctx, admin, 1)
    set_working_hours(ctx, admin, 1, loaded[:-1], expected=loaded)
    update_therapist(ctx, admin, 1, _details(chris, registration_number="PT-1"), expected_version=chris.version)


def test_a_user_account_a_stale_form_cannot_undo_a_role_change(ctx, admin):
    from frontdesk.domain.roles import Role
    from frontdesk.services.user_accounts import create_user, list_users, update_user

    create_user(ctx, admin, "desk2", "Second Desk", Role.RECEPTION, password="long enough pass 1")
    shown = next(u for u in list_users(ctx, admin) if u.username == "desk2")
    update_user(ctx, admin, shown.id, Role.PHYSIOTHERAPIST, 3, expected=shown)  # linked at one desk
    with pytest.raises(Conflict) as stale:  # ... while another still shows a reception account
        update_user(ctx, admin, shown.id, Role.ADMIN, None, expected=shown)
    assert CHANGED in stale.value.message and "desk2" in stale.value.message
    now = next(u for u in list_users(ctx, admin) if u.username == "desk2")
    assert (now.role, now.therapist_id) == (Role.PHYSIOTHERAPIST, 3)
