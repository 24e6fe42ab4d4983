"""`frontdesk demo`: a living clinic for a newcomer to look around in, built by the generator."""

from __future__ import annotations

from sqlalchemy import func, select

from frontdesk.db.models import Patient
from frontdesk.devtools.clinic import generate_clinic
from frontdesk.devtools.plan import ClinicPlan, GeneratedClinic
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_day
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ValidationFailed, ServiceError
from frontdesk.services.unit_of_work import UnitOfWork

MAX_DEMO_PATIENTS = 5_000


def demo_plan(patients: int = 300, seed: int = 7) -> ClinicPlan:
    """Six weeks around today (three back, three ahead) with the clinic's own physiotherapists,
    two of them also on weekend mornings so that today always has a day book to show."""
    return ClinicPlan(
        days_back=21,
        days_forward=21,
        therapists=0,
        patients=patients,
        screenings=round(patients * 0.85),
        appointments=None,
        fill=0.65,
        seed=seed,
        reception_users=3,
        weekend_cover=2,
        guaranteed_levels=True,
    )


def fill_demo_clinic(ctx: ServiceContext, actor: Actor, patients: int = 300, seed: int = 7, *,
                     force: bool = False) -> str:
    """Fill the database with a demo clinic and say what was added.

    Meant for an empty database: it refuses (`ServiceError`) when patients are already registered,
    unless `force` is given, so a real clinic's records are never mixed with invented ones by accident.
    """
    if not 1 <= patients <= MAX_DEMO_PATIENTS:
        raise ValidationFailed({"patients": f"Choose between 1 and {MAX_DEMO_PATIENTS:,} demo patients."},
                               f"A demo clinic has between 1 and {MAX_DEMO_PATIENTS:,} patients.")
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.MANAGE_SETTINGS, "fill the database with a demo clinic")
        registered = uow.session.scalar(select(func.count()).select_from(Patient)) or 0
    if registered and not force:
        raise ServiceError(
            f"This database already holds {registered:,} patient record{'s' if registered != 1 else ''}, so "
            "no demo data was added: the demo is meant for an empty database. To try the demo, give "
            "Front Desk a new file, for example: frontdesk --db demo.sqlite3 demo"
        )
    text = summary(generate_clinic(ctx, actor, demo_plan(patients, seed), action="demo"))
    waiting = _demo_waitlist(ctx, actor, seed)
    return text + (f"\nWaitlist: {waiting} patients waiting for an earlier slot." if waiting else "")


def _demo_waitlist(ctx: ServiceContext, actor: Actor, seed: int, count: int = 12) -> int:
    """A few patients waiting for an earlier slot, added as the desk would (the rules check each)."""
    import random
    from datetime import timedelta

    from frontdesk.services.schedule import list_appointment_types
    from frontdesk.services.schedule_view import list_therapists
    from frontdesk.services.waitlist import WaitlistRequest, add_to_waitlist

    pick = random.Random(seed)
    kinds = [k for k in list_appointment_types(ctx, actor) if not k.is_ims]
    therapists = [t.id for t in list_therapists(ctx, actor) if t.active]
    with UnitOfWork(ctx, actor) as uow:
        patients = list(uow.session.scalars(select(Patient.id).where(Patient.archived.is_(False)).limit(200)))
    added = 0
    for patient_id in pick.sample(patients, min(count, len(patients))):
        request = WaitlistRequest(
            patient_id, pick.choice(kinds).id, ctx.today() + timedelta(days=pick.choice([0, 0, 2, 7])),
            therapist_ids=tuple(pick.sample(therapists, pick.randint(1, 2))) if pick.random() < 0.5 else (),
            weekdays=tuple(sorted(pick.sample(range(5), 3))) if pick.random() < 0.4 else (),
            part_of_day=pick.choice(["any", "any", "morning", "afternoon"]), priority=pick.choice([2, 2, 2, 3, 1]),
            note=pick.choice(["", "", "Can come at an hour's notice", "Call the mobile first", "Prefers Chris"]))
        try:
            add_to_waitlist(ctx, actor, request)
            added += 1
        except ServiceError:
            continue
    return added


def summary(result: GeneratedClinic) -> str:
    """A few plain lines about the demo clinic, for the person who asked for it."""
    levels = result.levels
    statuses = result.statuses
    return "\n".join([
        f"Demo clinic added: {result.patients:,} patients and {result.appointments:,} appointments "
        f"from {format_day(result.first_day)} to {format_day(result.last_day)} "
        f"({result.today_appointments:,} today) with {result.therapists} physiotherapists.",
        f"IMS screenings: {result.screenings:,} ({levels[Level.ELIGIBLE.key]:,} eligible, "
        f"{levels[Level.REVIEW.key]:,} for a physiotherapist's review, {levels[Level.NOT_YET.key]:,} not yet, "
        f"{levels[Level.NOT_ELIGIBLE.key]:,} not eligible now).",
        f"Appointments so far: {statuses['completed']:,} completed, {statuses['cancelled']:,} cancelled, "
        f"{statuses['no_show']:,} no-shows; {statuses['booked']:,} booked.",
        "Start Front Desk on this database to look around.",
    ])
