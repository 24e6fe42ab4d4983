"""Where the mail server's password is kept: the OS keyring when there is a working one."""

from __future__ import annotations

import sys
import types

import pytest
from sqlalchemy import select

from frontdesk.db.models import Setting
from frontdesk.services.reminder_outbox import ReminderSettings
from frontdesk.services.reminders import get_reminder_settings, update_reminder_settings
from frontdesk.services.unit_of_work import UnitOfWork


@pytest.fixture
def fake_keyring(monkeypatch):
    """A working keyring (the `keyring` package's interface), kept in a dict."""
    stored: dict[tuple[str, str], str] = {}
    fail = types.ModuleType("keyring.backends.fail")

    class Keyring:  # the "no keyring here" backend
        pass

    fail.Keyring = Keyring
    backends = types.ModuleType("keyring.backends")
    backends.fail = fail
    module = types.ModuleType("keyring")
    module.backends = backends
    module.get_keyring = lambda: object()
    module.set_password = lambda service, account, password: stored.__setitem__((service, account), password)
    module.get_password = lambda service, account: stored.get((service, account))
    monkeypatch.setitem(sys.modules, "keyring", module)
    monkeypatch.setitem(sys.modules, "keyring.backends", backends)
    monkeypatch.setitem(sys.modules, "keyring.backends.fail", fail)
    return stored


def test_with_a_keyring_the_password_goes_there_and_not_into_the_database(ctx, admin, fake_keyring, data_dir):
    from frontdesk.db.plain import SessionReader
    from frontdesk.services.reminders import mail_password

    settings = ReminderSettings(enabled=True, smtp_host="smtp.example.org", username="front@example.org",
                                from_address="front@example.org")
    update_reminder_settings(ctx, admin, settings, password="kept in the keyring")
    assert get_reminder_settings(ctx, admin).password_kept == "keyring"
    assert fake_keyring == {("Front Desk mail server", "front@example.org@smtp.example.org:587"): "kept in the keyring"}
    with UnitOfWork(ctx, None) as uow:
        values = str([row.value for row in uow.session.scalars(select(Setting))])
        assert "kept in the keyring" not in values
        assert mail_password(SessionReader(uow.session), get_reminder_settings(ctx, admin)) == "kept in the keyring"
    assert not (data_dir / "mail-password.key").exists()


def test_an_unreadable_key_file_refuses_the_password_in_words_and_saves_nothing(ctx, admin, data_dir):
    from frontdesk.services.errors import ServiceError

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "mail-password.key").write_bytes(b"not a key")
    settings = ReminderSettings(enabled=True, smtp_host="smtp.example.org", username="front@example.org",
                                from_address="front@example.org")
    with pytest.raises(ServiceError, match="password was not saved") as refused:
        update_reminder_settings(ctx, admin, settings, password="s3cret")
    assert "mail-password.key" in refused.value.message and "Traceback" not in refused.value.message
    assert get_reminder_settings(ctx, admin).smtp_host != "smtp.example.org"
