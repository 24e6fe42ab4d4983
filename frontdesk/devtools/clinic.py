"""`generate_clinic`: write the clinic a `ClinicPlan` describes, in one transaction.

The steps run in order, each in its own module: the staff (users, added physiotherapists and their
hours, each one's weekly slot grid and time off), the patients, their screenings, and the appointments
with their booking history. They share one `Generator`: the plan, the dice, the writer and what the
earlier steps made (ids, registration days, who may be needled where and when).
"""

from __future__ import annotations

import time as timer
from collections import Counter
from collections.abc import Callable
from datetime import UTC, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from frontdesk.db.engine import WRITE_OPTION
from frontdesk.db.models import Base
from frontdesk.db.sequences import advance_id_sequences
from frontdesk.devtools import appointments, patients, screenings, staff
from frontdesk.devtools.bulk import BulkWriter, Clock
from frontdesk.devtools.plan import ClinicPlan, GeneratedClinic
from frontdesk.devtools.screenings import Screened
from frontdesk.devtools.words import Dice
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import RuleTable
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import PermissionDenied
from frontdesk.services.screenings import screening_rules
from frontdesk.services.unit_of_work import append_audit

#: From this many rows (patients and appointments) on, SQLite's indexes are rebuilt once at the end
#: instead of row by row.
REBUILD_INDEXES_FROM = 50_000
#: Page cache of the generating SQLite connection (KiB, SQLite's negative form).
GENERATION_CACHE_KIB = 1_000_000


def generate_clinic(ctx: ServiceContext, actor: Actor, plan: ClinicPlan, *, action: str = "generate"
                    ) -> GeneratedClinic:
    """Write the clinic `plan` describes into the open database in one transaction, around
    `ctx.today()`; an administrator's job. Adds to what is there (ids continue after the highest)."""
    if not actor.may(Permission.MANAGE_SETTINGS):
        raise PermissionDenied("Only an administrator may fill the database with generated data.")
    started = timer.perf_counter()
    rules = screening_rules(ctx)
    engine = ctx.database.engine
    with engine.connect() as connection:
        restore = _fast_sqlite(connection)
        try:
            writing = connection.execution_options(**{WRITE_OPTION: True})
            with Session(bind=writing) as session:
                generator = Generator(ctx, actor, plan, session, rules)
                try:
                    generator.run()
                finally:
                    generator.writer.close()
                # Rows were written with their ids: the next ordinary insert must not reuse one.
                advance_id_sequences(session.connection())
                counts = generator.counts
                append_audit(session, ctx, actor, action, "clinic", None, None, {
                    "seed": plan.seed, "patients": counts["patients"], "screenings": counts["screenings"],
                    "appointments": counts["appointments"], "first_day": generator.first_day.isoformat(),
                    "last_day": generator.last_day.isoformat(),
                })
                session.commit()
        finally:
            restore()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            # Fold the write-ahead log into the file now rather than at the app's first start.
            # (On the driver's connection: inside SQLAlchemy's transaction it could not finish.)
            driver: Any = connection.connection.driver_connection
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return GeneratedClinic(
        first_day=generator.first_day,
        last_day=generator.last_day,
        therapists_added=counts["therapists_added"],
        therapists=len(generator.therapist_ids),
        users_added=counts["users_added"],
        patients=counts["patients"],
        screenings=counts["screenings"],
        reviews=counts["reviews"],
        appointments=counts["appointments"],
        events=counts["events"],
        time_off=counts["time_off"],
        slots=counts["slots"],
        statuses=generator.statuses,
        levels=generator.levels,
        today_appointments=counts["today"],
        seconds=timer.perf_counter() - started,
    )


def _fast_sqlite(connection: Connection) -> Callable[[], None]:
    """On SQLite, the generating connection skips the wait for the disk at each write and gets a large
    page cache, until the returned function puts both back (nothing to do on other databases).

    A power cut during generation can only lose the generated clinic itself, which is made again.
    Foreign keys stay checked (measured: about 5 % of the time of writing an appointment with its
    history; the rows are made to be consistent, and the check proves it). The pragmas are set on the
    driver's connection before SQLAlchemy begins the transaction: SQLite refuses to change the
    safety level inside one."""
    if connection.dialect.name != "sqlite":
        return lambda: None
    driver: Any = connection.connection.driver_connection
    synchronous = driver.execute("PRAGMA synchronous").fetchone()[0]
    cache = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute("PRAGMA synchronous = OFF")
    driver.execute(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}")

    def restore() -> None:
        driver.execute(f"PRAGMA synchronous = {synchronous}")
        driver.execute(f"PRAGMA cache_size = {cache}")

    return restore


class Generator:
    """What the steps share: the plan, the dice, the writer, the day grid, and what each step made
    for the next (set as attributes by the step that makes them)."""

    # Made by `staff`: the active physiotherapists (those IMS-qualified apart), their weekly hours and
    # slots (start minute, minutes) per weekday, weekend cover and weeks away, appointment type ids
    # by (minutes, IMS), and the users who book, screen and review.
    therapist_ids: list[int]
    qualified: set[int]
    hours: dict[int, list[tuple[int, time, time]]]
    grid: dict[int, list[list[tuple[int, int]]]]
    weekend: dict[tuple[int, int], list[tuple[int, int]]]
    away: set[tuple[int, int]]
    types: dict[tuple[int, bool], int]
    reception_ids: list[int]
    therapist_user: dict[int, int]
    reviewer_ids: list[int]
    # Made by `patients`: the first patient id and each patient's registration (day index, minute).
    first_patient: int
    registered: list[tuple[int, int]]
    # Made by `screenings`: by patient id, what the booking rules will see of their screenings.
    screened: dict[int, Screened]

    def __init__(self, ctx: ServiceContext, actor: Actor, plan: ClinicPlan, session: Session,
                 rules: RuleTable) -> None:
        self.ctx, self.actor, self.plan, self.session, self.rules = ctx, actor, plan, session, rules
        self.rng = Dice(plan.seed)
        self.connection = session.connection()
        self.writer = BulkWriter(self.connection)
        self.zone = ctx.zone
        self.now = ctx.now().astimezone(UTC)
        self.today = ctx.today()
        self.first_day = self.today - timedelta(days=plan.days_back)
        self.last_day = self.today + timedelta(days=plan.days_forward - 1) if plan.days_forward else self.today
        self.days = (self.last_day - self.first_day).days + 1
        self.today_index = plan.days_back
        local_now = self.now.astimezone(self.zone)
        self.now_minute = local_now.hour * 60 + local_now.minute
        settings = get_clinic_settings(ctx)
        self.late_minutes = settings.late_cancel_hours * 60
        self.rescreen_days = settings.rescreen_months * 30
        self.clock = Clock(self.first_day, self.zone)
        self.counts: Counter[str] = Counter()
        self.statuses: dict[str, int] = {}
        self.levels: dict[str, int] = {}

    def run(self) -> None:
        bulky = self.plan.patients + (self.plan.appointments or 0) >= REBUILD_INDEXES_FROM
        dropped = self.drop_indexes() if bulky else []
        staff.write_users_and_therapists(self)
        staff.write_slot_grid(self)
        patients.write_patients(self)
        screenings.write_screenings(self)
        appointments.write_appointments(self)
        self.restore_indexes(dropped)

    def next_id(self, model: type[Base]) -> int:
        """The first free id of a model's table (after what the writer has queued)."""
        self.writer.drain()
        return (self.session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1

    def drop_indexes(self) -> list[str]:
        """On SQLite, the secondary indexes of the tables filled in bulk, dropped so that each is
        rebuilt in one sorted pass at the end; their exact definitions are returned for that."""
        if self.connection.dialect.name != "sqlite":
            return []
        self.writer.drain()
        rows = self.connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('patients', 'screenings', 'appointments', 'appointment_events')").all()
        for name, _sql in rows:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def restore_indexes(self, statements: list[str]) -> None:
        self.writer.drain()
        for sql in statements:
            self.connection.exec_driver_sql(sql)
