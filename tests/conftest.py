"""Shared fixtures: a real SQLite file per test, a fixed clock, and the app built by its factory."""

import os
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

# Tests are headless wherever they run: set before Qt is imported by any test module.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

VANCOUVER = ZoneInfo("America/Vancouver")


@pytest.fixture(autouse=True, scope="session")
def _pyside_classes_made():
    """As the app has done once its first screen is up: PySide6 6.11 can crash making a class in the
    middle of a conversion (see frontdesk.compat). Tests build widgets without that first screen."""
    from PySide6 import QtGui, QtWidgets  # noqa: F401  (their classes join the hierarchy)

    from frontdesk.compat import make_pyside_classes_a_conversion_meets

    make_pyside_classes_a_conversion_meets()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test gets its own data folder, so no test touches the person's real one."""
    path = tmp_path / "data"
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(path))
    monkeypatch.delenv("FRONTDESK_DB", raising=False)
    return path


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    """A database migrated and seeded once per run; each test works on its own copy of the file."""
    from frontdesk.services.bootstrap import open_clinic
    from frontdesk.services.context import FixedClock

    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    context = open_clinic(f"sqlite:///{path}", clock=FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=VANCOUVER)))
    context.database.dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def db_url(tmp_path, seeded_database):
    """A real SQLite file, already migrated and holding the clinic's defaults (as after a first start)."""
    target = tmp_path / "clinic.sqlite3"
    shutil.copyfile(seeded_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock():
    from frontdesk.services.context import FixedClock

    return FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=VANCOUVER))


@pytest.fixture
def ctx(db_url, clock):
    from frontdesk.services.bootstrap import open_clinic

    context = open_clinic(db_url, clock=clock)
    yield context
    context.database.dispose()


@pytest.fixture
def admin(ctx):
    from frontdesk.services.account_lookup import workstation_actor

    return workstation_actor(ctx, "owner")


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Argon2id with the library's cheapest parameters: the same code path, milliseconds per hash."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from frontdesk.services import signing_in

    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def owner(ctx, cheap_hashing):
    """The clinic's first administrator, signed in with `accounts.PASSWORD`."""
    from accounts import PASSWORD

    from frontdesk.services.user_accounts import create_first_admin

    return create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)


@pytest.fixture
def reception(ctx, admin):
    from frontdesk.domain.roles import Role
    from frontdesk.services.user_accounts import create_user

    return create_user(ctx, admin, "desk", "Front Desk Reception", Role.RECEPTION)


@pytest.fixture
def physio(ctx, admin):
    from frontdesk.domain.roles import Role
    from frontdesk.services.user_accounts import create_user

    return create_user(ctx, admin, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, therapist_id=1)


class RecordingPrompts:
    """Stands in for message boxes: records what would have been shown and answers confirmations."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.confirm_answer = True

    def error(self, parent, title, message):
        self.errors.append((title, message))

    def info(self, parent, title, message):
        self.infos.append((title, message))

    def confirm(self, parent, title, message):
        self.infos.append((title, message))
        return self.confirm_answer


@pytest.fixture
def prompts():
    return RecordingPrompts()


@pytest.fixture
def window(qtbot, db_url, clock, prompts):
    from frontdesk.app import create_main_window

    main = create_main_window(db_url, clock=clock, prompts=prompts)
    qtbot.addWidget(main)
    yield main
    main.ctx.database.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole run; skipped (with the reason) where none can be started."""
    import pg_server

    try:
        server = pg_server.PostgresServer()
    except Exception as error:  # noqa: BLE001 - the reason is shown in the skip message
        pytest.skip(f"PostgreSQL tests skipped: cannot start a server here ({error})")
    yield server
    server.close()


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty database on the test server."""
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request, tmp_path):
    """The same test on a SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.sqlite3'}"
    return request.getfixturevalue("pg_url")
