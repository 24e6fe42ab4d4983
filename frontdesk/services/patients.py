"""Register, find, open and change patients (the records they return are `services.intake_records`).
Never deletes: a patient is archived."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, CompoundSelect, Row, Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from frontdesk.db.models import Patient, Screening
from frontdesk.domain.contact import format_phone, phone_search_digits
from frontdesk.domain.patients import (
    CleanPatient,
    PatientDetails,
    display_name,
    family_given,
    search_key,
    search_words,
    validate_patient,
)
from frontdesk.domain.payer import Payer, validate_referral
from frontdesk.domain.roles import Permission
from frontdesk.services.boundary import checked_inputs
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, NotFound, ValidationFailed
from frontdesk.services.intake_records import PatientRecord, PatientSummary, PossibleDuplicate
from frontdesk.services.reminder_outbox import sync_patient_reminders_in
from frontdesk.services.unit_of_work import UnitOfWork

SEARCH_LIMIT = 50
_KEY_END = "\U0010ffff"


def _details(row: Patient) -> PatientDetails:
    return PatientDetails(**{f.name: getattr(row, f.name) for f in fields(PatientDetails)})


def _record(row: Patient) -> PatientRecord:
    return PatientRecord(id=row.id, version=row.version, details=_details(row), archived=row.archived,
                         created_at=row.created_at, updated_at=row.updated_at)


_SUMMARY_COLUMNS = (Patient.id, Patient.family_name, Patient.given_names, Patient.preferred_name,
                    Patient.date_of_birth, Patient.phone, Patient.phone_display, Patient.archived)


def _summary(row: Patient | Row[*tuple[Any, ...]]) -> PatientSummary:
    """From a Patient or a row of `_SUMMARY_COLUMNS`. The phone's display form was stored when the
    patient was saved: formatting numbers through the phone-number library was most of a search."""
    return PatientSummary(
        id=row.id,
        name=display_name(row.family_name, row.given_names, row.preferred_name),
        date_of_birth=row.date_of_birth,
        phone=row.phone_display or format_phone(row.phone),  # a row written by other means formats here
        archived=row.archived,
    )


def _validated(ctx: ServiceContext, details: PatientDetails) -> CleanPatient:
    clean, report = validate_patient(details, ctx.today())
    errors = dict(report.errors)
    try:
        payer = Payer(details.payer)
    except ValueError:
        errors["payer"] = "Choose who pays: private plan, WorkSafeBC, ICBC or self-pay."
    else:
        for problem in validate_referral(payer, details.referral_doctor, details.referral_date,
                                         details.claim_number, ctx.today()):
            field = "referral_doctor" if problem.field == "doctor" else problem.field
            errors.setdefault(field, problem.message)
    if errors or clean is None:
        raise ValidationFailed(errors)
    return clean


def check_patient_details(ctx: ServiceContext, details: PatientDetails) -> None:
    """Refuse with `ValidationFailed` (every field at once) without writing anything, so a form can
    check the patient and the screening together before it saves either."""
    _validated(ctx, details)


def _apply(row: Patient, clean: CleanPatient) -> None:
    for f in fields(PatientDetails):
        setattr(row, f.name, getattr(clean.details, f.name))
    row.phone_digits = clean.phone_digits
    row.phone_display = clean.phone_display
    row.family_key = search_key(clean.details.family_name)
    row.given_key = search_key(clean.details.given_names)
    row.preferred_key = search_key(clean.details.preferred_name)


def _duplicates(session: Session, clean: CleanPatient, exclude_id: int | None = None) -> list[Patient]:
    conditions = [
        and_(
            Patient.family_key == search_key(clean.details.family_name),
            Patient.given_key == search_key(clean.details.given_names),
            Patient.date_of_birth == clean.details.date_of_birth,
        )
    ]
    if clean.phone_digits:
        conditions.append(Patient.phone_digits == clean.phone_digits)
    query = select(Patient).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return list(session.scalars(query.limit(10)))


@checked_inputs
def find_possible_duplicates(ctx: ServiceContext, actor: Actor, details: PatientDetails) -> list[PatientSummary]:
    clean = _validated(ctx, details)
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "look up patients")
        return [_summary(row) for row in _duplicates(uow.session, clean)]


@checked_inputs
def register_patient(ctx: ServiceContext, actor: Actor, details: PatientDetails, *,
                     confirmed_new: bool = False) -> PatientRecord:
    """Create the record. Refuses with `PossibleDuplicate` unless the person confirmed it is new."""
    clean = _validated(ctx, details)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.EDIT_PATIENTS, "register patients")
        if not confirmed_new:
            matches = _duplicates(uow.session, clean)
            if matches:
                raise PossibleDuplicate([_summary(m) for m in matches])
        now = ctx.now()
        row = Patient(created_at=now, created_by=actor.user_id, updated_at=now, updated_by=actor.user_id,
                      version=1, archived=False)
        _apply(row, clean)
        uow.session.add(row)
        uow.session.flush()
        uow.audit("create", "patient", row.id, patient_id=row.id, confirmed_new=confirmed_new)
        uow.commit()
        return _record(row)


@checked_inputs
def update_patient(ctx: ServiceContext, actor: Actor, patient_id: int, expected_version: int,
                   details: PatientDetails) -> PatientRecord:
    """Save changes made to the version the person opened; if someone saved in between, refuse
    with `Conflict` carrying the record as it is now (their typing stays in the form)."""
    clean = _validated(ctx, details)
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.EDIT_PATIENTS, "change patient records")
        # FOR UPDATE: on PostgreSQL a colleague's save waits here, then sees the new version.
        row = uow.session.get(Patient, patient_id, with_for_update=True)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        if row.version != expected_version:
            current = _record(row)
            changed = [f.name for f in fields(PatientDetails)
                       if getattr(current.details, f.name) != getattr(clean.details, f.name)]
            raise Conflict(
                "Someone else saved changes to this patient while you were editing. Your typing is "
                "still in the form; compare it with the saved record and save again.",
                current=(current, changed),
            )
        before = _details(row)
        _apply(row, clean)
        row.version += 1
        row.updated_at = ctx.now()
        row.updated_by = actor.user_id
        changed = sorted(f.name for f in fields(PatientDetails)
                         if getattr(before, f.name) != getattr(clean.details, f.name))
        uow.audit("update", "patient", row.id, patient_id=row.id, fields=changed)
        if {"email", "email_reminders"} & set(changed):
            sync_patient_reminders_in(uow.session, ctx.now(), row.id)
        uow.commit()
        return _record(row)


@checked_inputs
def set_patient_archived(ctx: ServiceContext, actor: Actor, patient_id: int, archived: bool) -> PatientRecord:
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.EDIT_PATIENTS, "archive patient records")
        row = uow.session.get(Patient, patient_id, with_for_update=True)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        row.archived = archived
        row.version += 1
        row.updated_at = ctx.now()
        row.updated_by = actor.user_id
        uow.audit("archive" if archived else "unarchive", "patient", row.id, patient_id=row.id)
        uow.commit()
        return _record(row)


def restore_patient(ctx: ServiceContext, actor: Actor, patient_id: int) -> PatientRecord:
    """Bring an archived record back into use (booking, screening), recorded in the audit trail.
    Refused to roles that may not change patient records."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.EDIT_PATIENTS, "restore archived patient records")
        row = uow.session.get(Patient, patient_id, with_for_update=True)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        if row.archived:
            row.archived = False
            row.version += 1
            row.updated_at = ctx.now()
            row.updated_by = actor.user_id
            uow.audit("unarchive", "patient", row.id, patient_id=row.id)
            uow.commit()
        return _record(row)


@checked_inputs
def open_patient(ctx: ServiceContext, actor: Actor, patient_id: int) -> PatientRecord:
    """The full record; opening it is recorded in the audit trail (who looked at whose file)."""
    with UnitOfWork(ctx, actor, write=True) as uow:
        uow.require(Permission.VIEW_PATIENTS, "open patient records")
        row = uow.session.get(Patient, patient_id)
        if row is None:
            raise NotFound("That patient record no longer exists.")
        uow.audit("view", "patient", row.id, patient_id=row.id)
        uow.commit()
        return _record(row)


_TYPED_DATE = re.compile(r"(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})|(\d{4})(\d{2})(\d{2})")


def _parse_date(text: str) -> date | None:
    """A birth date typed year first: 1985-03-04, 1985/3/4, 1985.03.04 or 19850304."""
    match = _TYPED_DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def name_or_phone_match(text: str) -> list[ColumnElement[bool]]:
    """Conditions on Patient for typed text, as index-friendly ranges: digits only (three or more)
    start the phone number; otherwise each word (four at most) starts one of the names. Empty when
    nothing in the text can be searched."""
    text = text.strip()[:200]
    digits = phone_search_digits(text)
    if digits and len(digits) >= 3 and not any(ch.isalpha() for ch in text):
        return [and_(Patient.phone_digits >= digits, Patient.phone_digits < digits + "\x7f")]
    conditions: list[ColumnElement[bool]] = []
    for word in search_words(text)[:4]:
        end = word + _KEY_END
        conditions.append(or_(
            and_(Patient.family_key >= word, Patient.family_key < end),
            and_(Patient.given_key >= word, Patient.given_key < end),
            and_(Patient.preferred_key >= word, Patient.preferred_key < end),
        ))
    return conditions


#: A phone prefix shared by at least this many patients (an area code) is searched in name order.
_DENSE_PHONE_PREFIX = 2000


_Columns = TypeVarTuple("_Columns")


def _word_match(word: str) -> ColumnElement[bool]:
    end = word + _KEY_END
    return or_(and_(Patient.family_key >= word, Patient.family_key < end),
               and_(Patient.given_key >= word, Patient.given_key < end),
               and_(Patient.preferred_key >= word, Patient.preferred_key < end))


def _search_order(statement: Select[*_Columns]) -> Select[*_Columns]:
    return statement.order_by(Patient.family_key, Patient.given_key, Patient.id)


def _name_candidates(words: list[str], filters: list[ColumnElement[bool]], limit: int) -> CompoundSelect[int]:
    """The first `limit` ids in search order among the patients whose family, given or preferred name
    starts with the longest word, one ordered query per name: each reads only its covering index, and
    the first `limit` of the three together are the first `limit` of all matches."""
    lead_at = max(range(len(words)), key=lambda at: len(words[at]))
    lead = words[lead_at]
    others = [_word_match(word) for at, word in enumerate(words) if at != lead_at]
    end = lead + _KEY_END
    branches = []
    for key in (Patient.family_key, Patient.given_key, Patient.preferred_key):
        ordered = _search_order(select(Patient.id).where(key >= lead, key < end, *others, *filters)).limit(limit)
        branches.append(select(ordered.subquery().c.id))
    return union_all(*branches)


def _family_given_candidates(family: str, given: str, filters: list[ColumnElement[bool]],
                             limit: int) -> Select[int]:
    """"Family, Given": the family name starts with the family part and the given (or preferred) name
    with the given part; read in order from the family-name index."""
    conditions = [Patient.family_key >= family, Patient.family_key < family + _KEY_END]
    if given:
        end = given + _KEY_END
        conditions.append(or_(and_(Patient.given_key >= given, Patient.given_key < end),
                              and_(Patient.preferred_key >= given, Patient.preferred_key < end)))
    return _search_order(select(Patient.id).where(*conditions, *filters)).limit(limit)


def _phone_candidates(uow: UnitOfWork, digits: str, filters: list[ColumnElement[bool]], limit: int) -> Select[int]:
    """An area code matches most patients: walk them in name order and stop at `limit`. A longer prefix
    matches few: find them by number, then sort."""
    in_range = and_(Patient.phone_digits >= digits, Patient.phone_digits < digits + "\x7f")
    sharing = uow.session.scalar(select(func.count()).select_from(
        select(Patient.id).where(in_range).limit(_DENSE_PHONE_PREFIX).subquery()))
    if (sharing or 0) >= _DENSE_PHONE_PREFIX:
        # Not a range: the database then reads the name-ordered index instead of sorting every match.
        in_range = func.substr(Patient.phone_digits, 1, len(digits)) == digits
    return _search_order(select(Patient.id).where(in_range, *filters)).limit(limit)


@checked_inputs
def search_patients(ctx: ServiceContext, actor: Actor, query: str, *, limit: int = SEARCH_LIMIT,
                    include_archived: bool = True) -> list[PatientSummary]:
    """Patients whose name starts with each typed word (any of family, given, preferred name, in any
    order: "D Kelly", "kel da"), or, typed the way the app prints names ("Kelly, D"), whose family name
    starts with the part before the comma and given or preferred name with the part after it (when that
    finds no one, the words in any order); whose phone starts with the typed digits; or who were born on
    the typed date (YYYY-MM-DD). Sorted by family name, given name and id. Archived records are found
    too (an archived patient may still be on the schedule) and say so in `archived`."""
    text = query.strip()[:200]
    if not text:
        return []
    filters: list[ColumnElement[bool]] = [] if include_archived else [Patient.archived.is_(False)]
    born = _parse_date(text)
    digits = phone_search_digits(text)
    words = search_words(text)[:4]
    phone = born is None and len(digits) >= 3 and not any(ch.isalpha() for ch in text)
    if born is None and not phone and not words:
        return []
    with UnitOfWork(ctx, actor) as uow:
        uow.require(Permission.VIEW_PATIENTS, "look up patients")
        if born is not None:
            matching: ColumnElement[bool] = Patient.date_of_birth == born
        elif phone:
            matching = Patient.id.in_(_phone_candidates(uow, digits, filters, limit))
        else:
            parts = family_given(text)
            if parts is not None:
                statement = select(*_SUMMARY_COLUMNS).where(
                    Patient.id.in_(_family_given_candidates(*parts, filters, limit)), *filters)
                found = [_summary(row) for row in uow.session.execute(_search_order(statement).limit(limit))]
                if found:
                    return found
            matching = Patient.id.in_(_name_candidates(words, filters, limit))
        statement = select(*_SUMMARY_COLUMNS).where(matching, *filters)
        return [_summary(row) for row in uow.session.execute(_search_order(statement).limit(limit))]


def latest_screening_ids(ctx: ServiceContext, patient_ids: list[int]) -> dict[int, int]:
    """The current (not superseded) screening of each patient, for flags in lists."""
    if not patient_ids:
        return {}
    with UnitOfWork(ctx, None) as uow:
        rows = uow.session.execute(
            select(Screening.patient_id, Screening.id)
            .where(Screening.patient_id.in_(patient_ids), Screening.superseded_by.is_(None))
        )
        return {patient_id: screening_id for patient_id, screening_id in rows}
