"""Patient search finds and orders the same patients on SQLite and on a PostgreSQL server set up for
English (a linguistic collation, as `initdb --locale=en_US.UTF-8` or ICU gives), where comparing text
ignores some characters unless the search columns compare bytes (migration 0002)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.domain.patients import PatientDetails
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.context import FixedClock
from frontdesk.services.patients import register_patient, search_patients
from frontdesk.services.account_lookup import workstation_actor

BORN = date(1980, 1, 1)
PATIENTS = [
    ("MacDonald", "Ann", "604 555 0101"),
    ("Mac Donald", "Bo", "604 555 0102"),
    ("de la Cruz", "Eve", "250 555 0103"),
    ("Dean", "Al", ""),
    ("O'Brien", "Liam", "250-555-0177"),
    ("Ødegård", "Zoë", ""),
    ("Œuvray", "Luc", ""),
    ("Zola", "Émile", ""),
    ("蔡", "英文", ""),
]
EVERYONE_IN_CODE_POINT_ORDER = ["de la Cruz, Eve", "Dean, Al", "Mac Donald, Bo", "MacDonald, Ann",
                                "O'Brien, Liam", "Ødegård, Zoë", "Zola, Émile", "Œuvray, Luc", "蔡, 英文"]


def _english_server_database(server) -> str:
    import psycopg
    from pg_server import SUPERUSER

    with psycopg.connect(f"host=127.0.0.1 port={server.port} user={SUPERUSER} dbname=postgres",
                         autocommit=True) as connection:
        try:
            connection.execute("CREATE DATABASE english TEMPLATE template0 LOCALE_PROVIDER icu "
                               "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
        except psycopg.Error as error:
            pytest.skip(f"this PostgreSQL cannot make an English (ICU) database: {error}")
    return server.url("english")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql-en-US", marks=pytest.mark.postgres)])
def desk(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'clinic.sqlite3'}"
    else:
        url = _english_server_database(request.getfixturevalue("postgres_server"))
    ctx = open_clinic(url, clock=FixedClock(datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("America/Vancouver"))))
    actor = workstation_actor(ctx, "desk")
    for family, given, phone in PATIENTS:
        register_patient(ctx, actor, PatientDetails(family, given, BORN, phone=phone), confirmed_new=True)
    yield ctx, actor
    ctx.database.dispose()


@pytest.mark.parametrize(("query", "expected"), [
    ("604", ["Mac Donald, Bo", "MacDonald, Ann"]),
    ("250 555", ["de la Cruz, Eve", "O'Brien, Liam"]),
    ("6045550102", ["Mac Donald, Bo"]),
    ("mac", ["Mac Donald, Bo", "MacDonald, Ann"]),
    ("de", ["de la Cruz, Eve", "Dean, Al"]),
    ("o'b", ["O'Brien, Liam"]),
    ("odeg", ["Ødegård, Zoë"]),
    ("œuv", ["Œuvray, Luc"]),
    ("蔡", ["蔡, 英文"]),
    ("1980-01-01", EVERYONE_IN_CODE_POINT_ORDER),
])
def test_the_same_patients_are_found_in_the_same_order(desk, query, expected):
    ctx, actor = desk
    assert [p.name for p in search_patients(ctx, actor, query)] == expected
