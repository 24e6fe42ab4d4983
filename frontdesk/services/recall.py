"""Recall lists: the queries behind the three lists of `domain.recall`, and their CSV and PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.models import Appointment, AppointmentType, Patient, Screening
from frontdesk.domain.appointments import AppointmentStatus
from frontdesk.domain.contact import format_phone
from frontdesk.domain.patients import display_name
from frontdesk.domain.recall import (
    DEFAULT_STOPPED_WEEKS,
    LOOK_BACK_WEEKS,
    MAX_STOPPED_WEEKS,
    MIN_STOPPED_WEEKS,
    NotYetScreening,
    RecallEntry,
    RecallList,
    RecallPatient,
    UpcomingVisit,
    VisitHistory,
    course_stopped,
    not_yet_ended,
    stale_before_visit,
)
from frontdesk.domain.roles import Permission
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.when import plural
from frontdesk.reports.recall import RecallRow, RecallSheetData, recall_pdf
from frontdesk.services.clinic_settings import clinic_settings_in
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.csv_export import csv_writer
from frontdesk.services.documents import clinic_details
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.screenings import screening_records_in
from frontdesk.services.unit_of_work import UnitOfWork

CSV_COLUMNS = ("Patient", "Phone", "Reason", "Date")
_LIVE = tuple(s.value for s in AppointmentStatus if s.is_live)


def _weeks(weeks: int) -> int:
    if not MIN_STOPPED_WEEKS <= weeks <= MAX_STOPPED_WEEKS:
        raise ValidationFailed({"weeks": f"Choose between {MIN_STOPPED_WEEKS} and {MAX_STOPPED_WEEKS} weeks."})
    return weeks


def _patients(session: Session, ids: set[int]) -> dict[int, RecallPatient]:
    if not ids:
        return {}
    rows = session.execute(select(Patient.id, Patient.family_name, Patient.given_names, Patient.preferred_name,
                                  Patient.phone).where(Patient.id.in_(sorted(ids)), Patient.archived.is_(False)))
    return {row.id: RecallPatient(row.id, display_name(row.family_name, row.given_names, row.preferred_name),
                                  format_phone(row.phone)) for row in rows}


def _booked_ahead(session: Session, ctx: ServiceContext, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    start = local_instant(ctx.today(), time(0), ctx.zone)
    return set(session.scalars(select(Appointment.patient_id).distinct().where(
        Appointment.patient_id.in_(sorted(ids)), Appointment.status.in_(_LIVE), Appointment.starts_at >= start)))


def _stale(session: Session, ctx: ServiceContext) -> list[RecallEntry]:
    start = local_instant(ctx.today(), time(0), ctx.zone)
    booked = session.execute(
        select(Appointment.patient_id, Appointment.starts_at, AppointmentType.is_ims)
        .join(AppointmentType, AppointmentType.id == Appointment.type_id)
        .where(Appointment.status == AppointmentStatus.BOOKED.value, Appointment.starts_at >= start)
    ).all()
    ids = {row.patient_id for row in booked}
    patients = _patients(session, ids)
    screened: dict[int, date] = {}
    if ids:
        for patient_id, screened_on in session.execute(
                select(Screening.patient_id, func.max(Screening.screened_on))
                .where(Screening.patient_id.in_(sorted(ids)), Screening.superseded_by.is_(None))
                .group_by(Screening.patient_id)):
            screened[patient_id] = screened_on
    visits = [UpcomingVisit(patients[row.patient_id], ctx.local(row.starts_at).date(), bool(row.is_ims),
                            screened.get(row.patient_id))
              for row in booked if row.patient_id in patients]
    return stale_before_visit(visits, ctx.today(), clinic_settings_in(session).rescreen_months)


def _stopped(session: Session, ctx: ServiceContext, weeks: int) -> list[RecallEntry]:
    today = ctx.today()
    since = local_instant(today - timedelta(weeks=max(LOOK_BACK_WEEKS, weeks)), time(0), ctx.zone)
    until = local_instant(today + timedelta(days=1), time(0), ctx.zone)
    last = dict(session.execute(
        select(Appointment.patient_id, func.max(Appointment.starts_at))
        .where(Appointment.status == AppointmentStatus.COMPLETED.value, Appointment.starts_at >= since,
               Appointment.starts_at < until)
        .group_by(Appointment.patient_id)
    ).all())
    patients = _patients(session, set(last))
    ahead = _booked_ahead(session, ctx, set(patients))
    histories = [VisitHistory(patients[pid], ctx.local(_aware(at)).date(), pid in ahead)
                 for pid, at in last.items() if pid in patients]
    return course_stopped(histories, today, weeks)


def _aware(moment: datetime) -> datetime:
    """An instant from MAX() over a UTC column, whichever way the backend hands it back."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _not_yet(session: Session, ctx: ServiceContext) -> list[RecallEntry]:
    today = ctx.today()
    rows = list(session.scalars(select(Screening).where(
        Screening.superseded_by.is_(None), Screening.not_before.is_not(None), Screening.not_before <= today)))
    records = screening_records_in(session, rows)
    patients = _patients(session, {r.patient_id for r in records})
    ahead = _booked_ahead(session, ctx, set(patients))
    items = [NotYetScreening(patients[r.patient_id], r.effective_level, row.not_before, r.screened_on,
                             r.patient_id in ahead)
             for row, r in zip(rows, records, strict=True) if r.patient_id in patients]
    return not_yet_ended(items, today)


def _entries(session: Session, ctx: ServiceContext, kind: RecallList, weeks: int) -> list[RecallEntry]:
    if kind is RecallList.STALE_SCREENING:
        return _stale(session, ctx)
    if kind is RecallList.COURSE_STOPPED:
        return _stopped(session, ctx, weeks)
    return _not_yet(session, ctx)


@checked_inputs
def recall_list(ctx: ServiceContext, actor: Actor, kind: RecallList | str,
                weeks: int = DEFAULT_STOPPED_WEEKS) -> list[RecallEntry]:
    """The patients on the list today (`weeks`: how long without a visit, for the stopped-course list)."""
    kind, weeks = RecallList(kind), _weeks(weeks)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see recall lists")
        entries = _entries(uow.session, ctx, kind, weeks)
        uow.audit("view", "recall_list", None, list=kind.value, weeks=weeks, patients=len(entries))
        uow.commit()
    return entries


@checked_inputs
def recall_csv(ctx: ServiceContext, actor: Actor, kind: RecallList | str, weeks: int = DEFAULT_STOPPED_WEEKS) -> str:
    """The list as CSV (patient, phone, reason, date); no cell can run as a spreadsheet formula."""
    kind, weeks = RecallList(kind), _weeks(weeks)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.VIEW_PATIENTS, "export recall lists")
        entries = _entries(uow.session, ctx, kind, weeks)
        uow.audit("export", "recall_list", None, list=kind.value, weeks=weeks, format="csv", patients=len(entries))
        uow.commit()
    out = io.StringIO()
    writer = csv_writer(out)  # no cell a spreadsheet would run as a formula
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([entry.patient.name, entry.patient.phone, entry.reason, entry.on.isoformat()])
    return out.getvalue()


@checked_inputs
def recall_sheet(ctx: ServiceContext, actor: Actor, kind: RecallList | str,
                 weeks: int = DEFAULT_STOPPED_WEEKS) -> bytes:
    """The list as a printable PDF."""
    kind, weeks = RecallList(kind), _weeks(weeks)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print recall lists")
        entries = _entries(uow.session, ctx, kind, weeks)
        uow.audit("print", "recall_list", None, list=kind.value, weeks=weeks, patients=len(entries))
        uow.commit()
    title = kind.heading if kind is not RecallList.COURSE_STOPPED else \
        f"{kind.heading} ({plural(weeks, 'week')} or more)"
    data = RecallSheetData(clinic=clinic_details(ctx), title=title, explanation=kind.explanation,
                           generated_at=ctx.now().astimezone(ctx.zone),
                           rows=tuple(RecallRow(e.patient.name, e.patient.phone, e.reason) for e in entries))
    return recall_pdf(data)
