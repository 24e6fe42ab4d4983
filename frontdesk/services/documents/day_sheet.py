"""The day sheet: one physiotherapist's day in time order, with each patient's IMS state by area."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Screening, Therapist
from frontdesk.domain.appointments import AppointmentStatus, ImsFlag
from frontdesk.domain.consent import ConsentScope, HeldArea, consent_scope
from frontdesk.domain.level_looks import outcome
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Level
from frontdesk.domain.when import format_month_day
from frontdesk.reports import DaySheetAppointment, DaySheetData, Tone, day_sheet_pdf
from frontdesk.services.appointments import my_day
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import clinic_settings_in, screening_rules_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.documents.common import LEVEL_TONES, DocumentKind, clinic_details, printed_at
from frontdesk.services.errors import NotFound
from frontdesk.services.records import AppointmentRecord
from frontdesk.services.intake_records import ScreeningRecord
from frontdesk.services.screenings import screening_records_in
from frontdesk.services.unit_of_work import UnitOfWork

#: Ids per IN (...) list when reading a batch, well under every database's limit on parameters.
BATCH_CHUNK = 500


_FLAG_TONES = {
    ImsFlag.ELIGIBLE: Tone.GO,
    ImsFlag.REVIEW_PENDING: Tone.CAUTION,
    ImsFlag.STALE_SCREENING: Tone.CAUTION,
    ImsFlag.NOT_YET: Tone.WAIT,
    ImsFlag.NOT_ELIGIBLE: Tone.STOP,
    ImsFlag.NO_SCREENING: Tone.STOP,
}


_FLAG_WORDS = {
    ImsFlag.ELIGIBLE: outcome(Level.ELIGIBLE),
    ImsFlag.REVIEW_PENDING: "review first",
    ImsFlag.STALE_SCREENING: "screen again",
    ImsFlag.NOT_YET: outcome(Level.NOT_YET),
    ImsFlag.NOT_ELIGIBLE: outcome(Level.NOT_ELIGIBLE),
    ImsFlag.NO_SCREENING: "not screened",
}


def _held_short(item: HeldArea) -> tuple[Tone, str]:
    """(tone, "Left knee: from Feb 1") for the day sheet's narrow column: the level's words, a short date."""
    if item.level is Level.ELIGIBLE:  # held only because the screening is out of date
        return Tone.CAUTION, f"{item.area.label}: screen again"
    if item.first_allowed:
        words = f"from {format_month_day(item.first_allowed)}"
    else:
        words = "review first" if item.level is Level.REVIEW else outcome(item.level)
    return LEVEL_TONES[item.level], f"{item.area.label}: {words}"


def _day_sheet_row(record: AppointmentRecord, scope: ConsentScope | None) -> DaySheetAppointment:
    """One appointment: the booked area and its IMS state on an IMS visit, and on any visit the
    patient's areas held up by a block that day (so a physio-only visit shows the knee is not to be
    needled yet)."""
    status = record.status.label
    if record.status is AppointmentStatus.CANCELLED and record.late_cancellation:
        status = "Cancelled late"
    flag = record.ims_flag
    parts: list[tuple[Tone, str]] = []
    named: set[str] = set()
    if flag is not ImsFlag.NONE:
        words = _FLAG_WORDS.get(flag, flag.short)
        if flag is ImsFlag.NOT_YET and scope is not None:
            when = next((item.first_allowed for item in scope.held
                         if item.area.label == record.area_label and item.first_allowed), None)
            words = f"from {format_month_day(when)}" if when else words
        parts.append((_FLAG_TONES.get(flag, Tone.NEUTRAL), f"{record.area_label or 'IMS'}: {words}"))
        named.add(record.area_label)
    parts += [_held_short(item) for item in (scope.held if scope is not None else ())
              if item.area.label not in named]
    return DaySheetAppointment(
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        patient_name=record.patient_name,
        appointment_type=record.type_name,
        status=status,
        phone=record.patient_phone or None,
        ims_flag="; ".join(text for _tone, text in parts) or None,
        ims_tone=parts[0][0] if parts else Tone.NEUTRAL,
        cancelled=not record.status.is_live,
        needs_attention=flag.needs_attention and record.status.is_live,
        areas=tuple(parts),
    )


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start:start + BATCH_CHUNK] for start in range(0, len(ids), BATCH_CHUNK)]


def _current_screenings_in(session: Session, patient_ids: Sequence[int]) -> dict[int, ScreeningRecord]:
    """Each patient's current screening (the latest not replaced), read in a few queries for all."""
    latest: dict[int, Screening] = {}
    for chunk in _chunks(patient_ids):
        rows = session.scalars(select(Screening).where(Screening.patient_id.in_(chunk),
                                                       Screening.superseded_by.is_(None)))
        for row in rows:
            known = latest.get(row.patient_id)
            if known is None or (row.screened_at, row.id) > (known.screened_at, known.id):
                latest[row.patient_id] = row
    return {record.patient_id: record for record in screening_records_in(session, list(latest.values()))}


def _day_scopes(ctx: ServiceContext, session: Session, records: Sequence[AppointmentRecord],
                day: date) -> dict[int, ConsentScope]:
    """Each patient's areas judged for the day, from their current screening (none: no entry)."""
    screenings = _current_screenings_in(session, sorted({record.patient_id for record in records}))
    if not screenings:
        return {}
    rules = screening_rules_in(session)
    months = clinic_settings_in(session).rescreen_months
    scopes: dict[int, ConsentScope] = {}
    for patient_id, screening in screenings.items():
        try:
            scopes[patient_id] = consent_scope(screening.answers, None, day, rules, screening.decision,
                                               screening.screened_on, months)
        except ValueError:
            continue
    return scopes


@checked_inputs
def day_sheet(ctx: ServiceContext, actor: Actor, therapist_id: int, day: date) -> bytes:
    """One physiotherapist's day in time order, cancelled visits greyed out, each area's IMS state shown."""
    records = my_day(ctx, actor, therapist_id, day)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.PRINT, "print day sheets")
        therapist = uow.session.get(Therapist, therapist_id)
        if therapist is None:
            raise NotFound("That physiotherapist is not on the clinic's list.")
        therapist_name = therapist.full_name
        scopes = _day_scopes(ctx, uow.session, records, day)
        uow.audit("print", "document", therapist_id, kind=DocumentKind.day_sheet.value, day=day.isoformat())
        uow.commit()
    data = DaySheetData(clinic=clinic_details(ctx), therapist_name=therapist_name, day=day,
                        appointments=tuple(_day_sheet_row(record, scopes.get(record.patient_id))
                                           for record in records),
                        generated_at=printed_at(ctx))
    return day_sheet_pdf(data)
