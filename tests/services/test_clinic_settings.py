from dataclasses import replace

import pytest

from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.clinic_settings_edit import update_clinic_settings
from frontdesk.services.errors import PermissionDenied, ValidationFailed


def test_admin_changes_settings_and_they_are_kept(ctx, admin):
    current = get_clinic_settings(ctx)
    saved = update_clinic_settings(ctx, admin, replace(current, name="Okanagan Physio & IMS",
                                                       phone="250-493-1152", time_zone="America/Edmonton"))
    assert saved.phone == "+12504931152"
    again = get_clinic_settings(ctx)
    assert again.name == "Okanagan Physio & IMS"
    assert str(ctx.zone) == "America/Edmonton"


def test_bad_settings_name_every_field(ctx, admin):
    current = get_clinic_settings(ctx)
    with pytest.raises(ValidationFailed) as raised:
        update_clinic_settings(ctx, admin, replace(current, name="  ", phone="12", time_zone="Mars/Base",
                                                   rescreen_months=0))
    assert set(raised.value.errors) == {"name", "phone", "time_zone", "rescreen_months"}
    assert get_clinic_settings(ctx).name == current.name


def test_reception_may_not_change_settings(ctx, reception):
    with pytest.raises(PermissionDenied):
        update_clinic_settings(ctx, reception, replace(get_clinic_settings(ctx), name="Mine now"))
    assert get_clinic_settings(ctx).name != "Mine now"


def test_a_refusal_is_recorded_in_the_audit_trail(ctx, reception):
    from sqlalchemy import select

    from frontdesk.db.models import AuditEvent

    with pytest.raises(PermissionDenied):
        update_clinic_settings(ctx, reception, get_clinic_settings(ctx))
    with ctx.database.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.username, last.detail["permission"]) == ("denied", "desk", "manage_settings")
