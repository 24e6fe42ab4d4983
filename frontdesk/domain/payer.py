"""Who pays for the treatment, and when a doctor's referral is needed.

IMS itself needs no referral. A WorkSafeBC or ICBC claim does; a private plan may, for coverage.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import NamedTuple

from frontdesk.domain.screening import Problem


class Payer(StrEnum):
    private_plan = "private_plan"
    worksafebc = "worksafebc"
    icbc = "icbc"
    self_pay = "self_pay"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_claim(self) -> bool:
        return self in (Payer.worksafebc, Payer.icbc)


_LABELS = {
    Payer.private_plan: "Private plan (extended health)",
    Payer.worksafebc: "WorkSafeBC claim",
    Payer.icbc: "ICBC claim",
    Payer.self_pay: "Self-pay",
}


class ReferralRequirement(NamedTuple):
    required: bool
    text: str


def referral_requirement(payer: Payer) -> ReferralRequirement:
    """Whether a doctor's referral must be on file, with a sentence for the summary."""
    match Payer(payer):
        case Payer.worksafebc | Payer.icbc:
            return ReferralRequirement(
                True,
                f"{Payer(payer).label}: a doctor's referral is required. Record the doctor's name, the"
                " date of the referral and the claim number.",
            )
        case Payer.private_plan:
            return ReferralRequirement(
                False,
                "Private plan: IMS needs no referral, but some plans ask for a doctor's referral before"
                " they pay. A plan that covers physiotherapy covers IMS.",
            )
        case _:
            return ReferralRequirement(False, "Self-pay: no referral is needed.")


def validate_referral(
    payer: Payer,
    doctor: str | None,
    referral_date: date | None,
    claim_number: str | None,
    today: date | None = None,
) -> list[Problem]:
    """Problems with the referral details; fields are "doctor", "referral_date" and "claim_number".

    Only a claim requires them. Whatever the payer, a referral date cannot be after `today`.
    """
    problems: list[Problem] = []
    if Payer(payer).is_claim:
        if not (doctor or "").strip():
            problems.append(Problem("doctor", "Enter the name of the referring doctor."))
        if referral_date is None:
            problems.append(Problem("referral_date", "Enter the date of the doctor's referral."))
        if not (claim_number or "").strip():
            problems.append(Problem("claim_number", f"Enter the {Payer(payer).label} number."))
    if referral_date is not None and today is not None and referral_date > today:
        problems.append(Problem("referral_date", "The referral date is in the future."))
    return problems
