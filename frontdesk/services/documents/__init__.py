"""Printed documents from the records: consent, eligibility summary, intake form, day sheet; and the
consents the clinic keeps.

The records are turned into the reports' plain dataclasses here, in the domain's own words (level
labels, reasons, "not before" dates, payer and referral text), so the printout says what the screen
says. Printing is recorded in the audit trail. A consent is stored as the exact PDF bytes that were
shown and signed, with their SHA-256, so a copy can later be checked against the record.

Each call reads in one transaction and builds the PDF after it ends, so the database is never locked
while a document is being laid out.

One module per document (`consent` also keeps the consents on file); what they share is in `common`.
"""

from frontdesk.services.consents import (
    ConsentAppointment,
    ConsentRefused,
    RegistrationMissing,
    consent_appointment,
    next_consent_appointment,
)
from frontdesk.services.documents.common import DocumentKind, clinic_details
from frontdesk.services.documents.consent import (
    ConsentMethod,
    ConsentRecord,
    consent_copy,
    consent_document,
    consent_documents,
    consents_for_patient,
    mark_signed_on_paper,
    record_unsigned_consent,
    store_signed_consent,
    verify_consent_copy,
)
from frontdesk.services.documents.day_sheet import day_sheet
from frontdesk.services.documents.eligibility import eligibility_summary
from frontdesk.services.documents.intake import intake_form

__all__ = [
    "ConsentAppointment",
    "ConsentMethod",
    "ConsentRecord",
    "ConsentRefused",
    "DocumentKind",
    "RegistrationMissing",
    "clinic_details",
    "consent_appointment",
    "consent_copy",
    "consent_document",
    "consent_documents",
    "consents_for_patient",
    "day_sheet",
    "eligibility_summary",
    "intake_form",
    "mark_signed_on_paper",
    "next_consent_appointment",
    "record_unsigned_consent",
    "store_signed_consent",
    "verify_consent_copy",
]
