"""Another front desk, as a process of its own: books, cancels and edits patients through the services.

Started by the live-update tests with the clinic's database URL. It answers one JSON line per command
read from stdin ({"do": "book" | "cancel" | "edit" | "therapist", ...}) with a JSON line of what it
did, or {"error": message}. "therapist" changes a physiotherapist's details as the computer's own
account (the clinic's administrator, as at the desk's window); the rest as the reception account
counter2.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.appointments import cancel_appointment
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.context import FixedClock
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import open_patient, update_patient
from frontdesk.services.booking import book_appointment
from frontdesk.services.records import BookingRequest
from frontdesk.services.schedule import list_appointment_types
from frontdesk.services.account_lookup import workstation_actor

VANCOUVER = ZoneInfo("America/Vancouver")


def main(url: str) -> None:
    ctx = open_clinic(url, clock=FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=VANCOUVER)))
    actor = workstation_actor(ctx, "counter2")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["do"] == "therapist":
                print(json.dumps(change_therapist(ctx, workstation_actor(ctx), command)), flush=True)
                continue
            print(json.dumps(run(ctx, actor, command)), flush=True)
        except ServiceError as error:
            print(json.dumps({"error": error.message}), flush=True)
    ctx.database.dispose()


def run(ctx, actor, command: dict) -> dict:
    if command["do"] == "book":
        type_id = next(t.id for t in list_appointment_types(ctx, actor) if t.name == "Physiotherapy treatment")
        start = datetime.combine(date.fromisoformat(command["day"]), time(command["hour"]), tzinfo=VANCOUVER)
        record = book_appointment(ctx, actor, BookingRequest(command["patient"], command["therapist"], type_id, start))
        return {"id": record.id, "version": record.version}
    if command["do"] == "cancel":
        record = cancel_appointment(ctx, actor, command["id"], command["version"], "Patient called to cancel")
        return {"id": record.id, "status": record.status.value}
    if command["do"] == "edit":
        opened = open_patient(ctx, actor, command["patient"])
        values = {**{k: getattr(opened.details, k) for k in PatientDetails.__dataclass_fields__}, **command["set"]}
        record = update_patient(ctx, actor, opened.id, opened.version, PatientDetails(**values))
        return {"id": record.id, "version": record.version}
    return {"error": f"unknown command {command['do']}"}


def change_therapist(ctx, actor, command: dict) -> dict:
    from frontdesk.services.staff import TherapistDetails, list_all_therapists, update_therapist

    shown = next(t for t in list_all_therapists(ctx, actor) if t.id == command["therapist"])
    values = dict(full_name=shown.name, designation=shown.designation, registration_number=shown.registration_number,
                  ims_qualified=shown.ims_qualified, ims_qualified_on=shown.ims_qualified_on, active=shown.active,
                  colour=shown.colour)
    record = update_therapist(ctx, actor, shown.id, TherapistDetails(**{**values, **command["set"]}),
                              expected_version=shown.version)
    return {"id": record.id, "version": record.version}


if __name__ == "__main__":
    main(sys.argv[1])
