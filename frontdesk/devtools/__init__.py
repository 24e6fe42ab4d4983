"""Tools for developers and trials, not for the clinic's daily work: a realistic clinic, generated.

`generate_clinic` writes the clinic a `ClinicPlan` describes: patients, screenings, physiotherapists
and years of appointments, deterministic from the seed and "today". `frontdesk demo` (a few hundred
patients around today, `demo.fill_demo_clinic`) and the benchmarks (`LARGE_CLINIC`: ten years, a million
appointments) use it. Nothing of the app imports this package but the command line's `demo` command.

Speed comes from writing in bulk inside one transaction, through SQLAlchemy Core's executemany
(`bulk.BulkWriter`), on a second thread; on SQLite the load also runs with `synchronous=OFF` and a large
page cache on its own connection (restored before the connection is returned), and rebuilds the indexes
of the big tables once at the end instead of updating them row by row. Foreign keys stay checked.

The rules stay where they live: screenings are assessed by `domain.screening.assess` (once per answer
template and planned areas, again for every screening with a dated operation), patients' search keys
come from `domain.patients.search_key` and phone numbers from `domain.contact.parse_phone`, as the
patient service stores them. Appointments fill each therapist's weekly slot grid, so no therapist is
ever booked twice at once, and a patient follows one course of care at a time.
"""

from frontdesk.devtools.clinic import generate_clinic
from frontdesk.devtools.plan import LARGE_CLINIC, TINY_CLINIC, ClinicPlan, GeneratedClinic

__all__ = ["LARGE_CLINIC", "TINY_CLINIC", "ClinicPlan", "GeneratedClinic", "generate_clinic"]
