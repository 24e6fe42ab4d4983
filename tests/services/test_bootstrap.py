from sqlalchemy import func, select

from frontdesk.db.models import AppointmentType, Therapist, WorkingHours
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.clinic_settings import get_clinic_settings


def _counts(ctx):
    with ctx.database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Therapist)),
            session.scalar(select(func.count()).select_from(AppointmentType)),
            session.scalar(select(func.count()).select_from(WorkingHours)),
        )


def test_first_start_creates_migrates_and_seeds_from_resources(tmp_path, clock):
    path = tmp_path / "new.sqlite3"
    ctx = open_clinic(f"sqlite:///{path}", clock=clock)
    assert path.exists()
    with ctx.database.session() as session:
        names = session.scalars(select(Therapist.full_name).order_by(Therapist.sort_order)).all()
        qualified = session.scalars(select(Therapist.ims_qualified)).all()
        types = {t.name: (t.duration_minutes, t.is_ims) for t in session.scalars(select(AppointmentType))}
    assert names == ["Chris Stokes", "Tracey McQuair", "Chelsea Rieu", "Catherine Fussell",
                     "Trevor Reid", "Sofy Tsai", "Alex Schell"]
    assert all(qualified)
    assert types == {
        "IMS initial assessment": (45, True),
        "IMS treatment": (30, True),
        "Physiotherapy assessment": (45, False),
        "Physiotherapy treatment": (30, False),
    }
    settings = get_clinic_settings(ctx)
    assert settings.phone == "+1 250 493 1152"
    assert settings.time_zone == "America/Vancouver"
    assert settings.rescreen_months == 12
    ctx.database.dispose()


def test_second_start_does_not_duplicate_the_defaults(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'twice.sqlite3'}"
    first = open_clinic(url, clock=clock)
    before = _counts(first)
    first.database.dispose()
    second = open_clinic(url, clock=clock)
    assert _counts(second) == before == (7, 4, 7 * 10)
    second.database.dispose()
