"""Record IMS screenings, their history and reviews, and whether IMS may go ahead on a given day.

A screening is never edited: a new one supersedes the current one, and a physiotherapist's decision
is appended beside it. The answers are stored with the assessment the domain returned, so the verdict
that was shown at the counter is the verdict on file; `ims_allowed` asks the domain again for the
appointment's date, so blocks that end by themselves (the surgery waits) lift on the right day. The
records returned are `services.intake_records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.models import Patient, Screening, ScreeningReview
from frontdesk.db.plain import SessionReader
from frontdesk.domain.areas import BodyArea
from frontdesk.domain.ims import ImsStatus, ims_status
from frontdesk.domain.patients import clean_text
from frontdesk.domain.roles import Permission
from frontdesk.domain.screening import Assessment, Level, ReviewDecision, ScreeningAnswers, assess, validate
from frontdesk.domain.when import format_date
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.clinic_settings import ClinicSettings, clinic_settings_in, screening_rules_in
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed
from frontdesk.services.ims_statuses import ims_statuses_from
from frontdesk.services.clinic_settings import screening_rules as screening_rules  # re-exported
from frontdesk.services.intake_records import ReviewRecord, ScreeningRecord
from frontdesk.services.unit_of_work import UnitOfWork
from frontdesk.services.user_accounts import display_names_in

MAX_CONDITION = 500
MAX_NOTE = 2000


@dataclass(frozen=True)
class ImsDecision:
    """May IMS be done for one area on one day? `reasons` say why not (and what to know if so).

    `first_allowed` is the first day on or after the asked date when IMS would be allowed with the
    screening as it stands, or None when something other than time must happen first (a review, a new
    screening, the end of a condition). `level` is None when the patient has no screening.
    """

    allowed: bool
    level: Level | None
    reasons: list[str]
    first_allowed: date | None
    stale: bool
    screening_id: int | None


# --- Reading inside a caller's session ------------------------------------------------------------


def screening_records_in(session: Session, rows: list[Screening]) -> list[ScreeningRecord]:
    """The records of these screening rows, with who screened and every review (two more queries)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    reviews = list(session.scalars(
        select(ScreeningReview).where(ScreeningReview.screening_id.in_(ids))
        .order_by(ScreeningReview.decided_at, ScreeningReview.id)
    ))
    names = display_names_in(session, [row.screened_by for row in rows] + [review.decided_by for review in reviews])
    by_screening: dict[int, list[ReviewRecord]] = {}
    for review in reviews:
        by_screening.setdefault(review.screening_id, []).append(ReviewRecord(
            id=review.id,
            screening_id=review.screening_id,
            decision=ReviewDecision(review.decision),
            note=review.note,
            decided_at=review.decided_at,
            decided_by=names.get(review.decided_by, "?"),
        ))
    return [
        ScreeningRecord(
            id=row.id,
            patient_id=row.patient_id,
            screened_at=row.screened_at,
            screened_on=row.screened_on,
            screened_by=names.get(row.screened_by, "?"),
            presenting_condition=row.presenting_condition,
            answers=ScreeningAnswers.from_dict(row.answers),
            assessment=Assessment.from_dict(row.assessment),
            superseded_by=row.superseded_by,
            reviews=tuple(by_screening.get(row.id, ())),
        )
        for row in rows
    ]


def _current_row(session: Session, patient_id: int) -> Screening | None:
    return session.scalar(
        select(Screening)
        .where(Screening.patient_id == patient_id, Screening.superseded_by.is_(None))
        .order_by(Screening.screened_at.desc(), Screening.id.desc())
        .limit(1)
    )


def current_screening_in(session: Session, patient_id: int) -> ScreeningRecord | None:
    """The patient's current screening (the latest not replaced), or None when there is none."""
    row = _current_row(session, patient_id)
    return screening_records_in(session, [row])[0] if row is not None else None


def screening_in(session: Session, screening_id: int) -> ScreeningRecord | None:
    row = session.get(Screening, screening_id)
    return screening_records_in(session, [row])[0] if row is not None else None


def ims_statuses_in(session: Session, asked: Iterable[tuple[int, str, date]], *,
                    settings: ClinicSettings | None = None) -> dict[tuple[int, str, date], ImsStatus | None]:
    """`services.ims_statuses.ims_statuses_from`, inside the caller's session."""
    return ims_statuses_from(SessionReader(session), asked, settings=settings)


# --- Reading --------------------------------------------------------------------------------------


@checked_inputs
def screening_history(ctx: ServiceContext, actor: Actor, patient_id: int) -> list[ScreeningRecord]:
    """Every screening of the patient, newest first, with who screened and the review decisions."""
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see screenings")
        rows = list(uow.session.scalars(
            select(Screening).where(Screening.patient_id == patient_id)
            .order_by(Screening.screened_at.desc(), Screening.id.desc())
        ))
        return screening_records_in(uow.session, rows)


@checked_inputs
def current_screening(ctx: ServiceContext, actor: Actor, patient_id: int) -> ScreeningRecord | None:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see screenings")
        return current_screening_in(uow.session, patient_id)


@checked_inputs
def get_screening(ctx: ServiceContext, actor: Actor, screening_id: int) -> ScreeningRecord:
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "see screenings")
        record = screening_in(uow.session, screening_id)
        if record is None:
            raise NotFound("That screening no longer exists.")
        return record


# --- Writing --------------------------------------------------------------------------------------


def check_screening(ctx: ServiceContext, answers: ScreeningAnswers, presenting_condition: str = "") -> None:
    """Refuse with `ValidationFailed` (every missing question key, and each other problem) before
    anything is written, so a form can check the screening before it registers a new patient."""
    errors: dict[str, str] = {}
    for problem in validate(answers, ctx.today()).problems:
        if problem.index is not None:
            message = f"Row {problem.index + 1}: {problem.message}"
            errors[problem.field] = f"{errors[problem.field]} {message}" if problem.field in errors else message
        else:
            errors.setdefault(problem.field, problem.message)
    if len(presenting_condition) > MAX_CONDITION:
        errors["presenting_condition"] = f"Keep this under {MAX_CONDITION} characters."
    if errors:
        missing = sum(1 for key in errors if key not in ("surgeries", "planned_areas", "presenting_condition"))
        message = "The screening is not complete, so nothing was saved."
        if missing:
            message += f" {missing} question{'s' if missing != 1 else ''} still need an answer."
        raise ValidationFailed(errors, message)


@checked_inputs
def record_screening(ctx: ServiceContext, actor: Actor, patient_id: int, answers: ScreeningAnswers,
                     presenting_condition: str = "") -> ScreeningRecord:
    """Assess and store a complete screening; it becomes the patient's current one."""
    condition = clean_text(presenting_condition)
    check_screening(ctx, answers, condition)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.RECORD_SCREENING, "record IMS screenings")
        session = uow.session
        # Locked (on PostgreSQL) so two desks recording at once cannot both leave a "current" screening.
        patient = session.get(Patient, patient_id, with_for_update=True)
        if patient is None:
            raise NotFound("That patient record no longer exists.")
        if patient.archived:
            raise Conflict("This patient's record is archived. Restore it before recording a screening.")
        today = ctx.today()
        assessment = assess(answers, today, screening_rules_in(session))
        previous = list(session.scalars(
            select(Screening).where(Screening.patient_id == patient_id, Screening.superseded_by.is_(None))
        ))
        row = Screening(
            patient_id=patient_id,
            screened_at=ctx.now(),
            screened_on=today,
            screened_by=actor.user_id,
            presenting_condition=condition,
            answers=answers.to_dict(),
            assessment=assessment.to_dict(),
            level=int(assessment.level),
            not_before=assessment.not_before,
        )
        session.add(row)
        session.flush()
        for old in previous:
            old.superseded_by = row.id
        uow.audit("create", "screening", row.id, patient_id=patient_id, level=assessment.level.key,
                  rules_version=assessment.rules_version, supersedes=[old.id for old in previous])
        uow.commit()
        return screening_records_in(session, [row])[0]


@checked_inputs
def record_review(ctx: ServiceContext, actor: Actor, screening_id: int, decision: ReviewDecision | str,
                  note: str = "") -> ScreeningRecord:
    """Append a physiotherapist's decision to a current screening that has a finding to review.

    A note is required when the technique is altered or IMS is declined: the next physiotherapist needs
    to know how or why.
    """
    try:
        chosen = ReviewDecision(decision)
    except ValueError:
        raise ValidationFailed({"decision": "Choose approve, approve with an altered technique, or decline."}) from None
    text = clean_text(note, multiline=True)
    if len(text) > MAX_NOTE:
        raise ValidationFailed({"note": f"Keep the note under {MAX_NOTE:,} characters."})
    if chosen is not ReviewDecision.approve and not text:
        what = "how the technique is altered" if chosen is ReviewDecision.approve_altered else "why IMS is declined"
        raise ValidationFailed({"note": f"Add a note saying {what}."})
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.REVIEW_SCREENING, "record a physiotherapist's review")
        session = uow.session
        record = screening_in(session, screening_id)
        if record is None:
            raise NotFound("That screening no longer exists.")
        if not record.is_current:
            raise Conflict("A newer screening has replaced this one. Review the current screening instead.")
        if not record.needs_review:
            raise Conflict(f"This screening does not ask for a physiotherapist's review "
                           f"(its verdict is “{record.level.label}”).")
        review = ScreeningReview(screening_id=record.id, decision=chosen.value, note=text, decided_at=ctx.now(),
                                 decided_by=actor.user_id)
        session.add(review)
        session.flush()
        uow.audit("review", "screening", record.id, patient_id=record.patient_id, decision=chosen.value,
                  review_id=review.id)
        uow.commit()
        saved = screening_in(session, record.id)
        assert saved is not None  # read in this transaction a moment ago
        return saved


# --- The booking question -------------------------------------------------------------------------


@checked_inputs
def ims_allowed(ctx: ServiceContext, patient_id: int, area_key: str | BodyArea | None, on_date: date, *,
                session: Session | None = None) -> ImsDecision:
    """Whether IMS may be done for `area_key` ("knee:left", "neck") on `on_date`, from the patient's
    current screening assessed again for that day, with the physiotherapist's decision applied.

    No area (None or "") asks about the patient as a whole, with the screening's planned areas. A
    screening counts for the clinic's re-screen interval (`rescreen_months`) after the day it was done;
    after that it is stale and IMS waits for a new one. Pass `session` to ask inside a caller's
    transaction (the booking service does, so the check and the booking see the same data).
    """
    if session is None:
        with UnitOfWork(ctx, None) as uow:
            return _ims_decision(uow.session, patient_id, area_key, on_date)
    return _ims_decision(session, patient_id, area_key, on_date)


def _ims_decision(session: Session, patient_id: int, area_key: str | BodyArea | None, on_date: date) -> ImsDecision:
    area: BodyArea | None
    if isinstance(area_key, str):
        try:
            area = BodyArea.parse(area_key) if area_key.strip() else None
        except ValueError as error:
            raise ValidationFailed({"area": str(error)}) from None
    else:
        area = area_key
    record = current_screening_in(session, patient_id)
    if record is None:
        return ImsDecision(False, None, ["No IMS screening on file: screen the patient before booking IMS."],
                           None, False, None)
    status = ims_status(record.answers, area, on_date, screening_rules_in(session), record.decision,
                        record.screened_on, clinic_settings_in(session).rescreen_months)
    reasons = [reason.text for reason in status.verdict.reasons]
    if area is not None and area not in record.answers.planned_areas:
        reasons.append(f"The {area.label.lower()} was not among the areas planned at screening; the "
                       "physiotherapist confirms it at the visit.")
    review = record.review
    if review is not None:
        line = f"{review.label} by {review.decided_by} on {format_date(review.decided_at.date())}"
        reasons.append(f"{line}: {review.note}" if review.note else f"{line}.")
    elif status.verdict.level is Level.REVIEW:
        reasons.append("Waiting for a physiotherapist's review.")
    if status.stale:
        reasons.append(f"The screening of {format_date(record.screened_on)} is out of date (it counted until "
                       f"{format_date(status.valid_until)}): renew the screening before IMS.")
    return ImsDecision(status.allowed, status.level, reasons, status.first_allowed, status.stale, record.id)
