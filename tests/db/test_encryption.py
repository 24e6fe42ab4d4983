"""Encryption at rest: conversion, opening with and without the passphrase, encrypted backups."""

from datetime import date

import pytest

from frontdesk.db.encryption import (
    PASSPHRASE_ENV,
    SQLITE_HEADER,
    EncryptionError,
    encrypt_database,
    encrypted_url,
    sqlcipher_module,
)
from frontdesk.db.migrate import PassphraseNeeded, WrongPassphrase
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.backups import BackupReason, BackupRejected, automatic_backup, restore_backup
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.database_check import check_database
from frontdesk.services.patients import register_patient, search_patients

pytestmark = pytest.mark.skipif(sqlcipher_module() is None, reason="the sqlcipher3 wheel is not installed")

PASSPHRASE = 'Penticton "clinic" passphrase Zoë'


@pytest.fixture
def plain_clinic(db_url, clock, tmp_path):
    """A plain database holding one patient whose name must never appear in the encrypted file."""
    from frontdesk.services.account_lookup import workstation_actor

    ctx = open_clinic(db_url, clock=clock)
    admin = workstation_actor(ctx, "owner")
    register_patient(ctx, admin, PatientDetails("Quillfeather", "Ödön", date(1970, 2, 3)))
    ctx.database.dispose()
    return tmp_path / "clinic.sqlite3", admin


def test_encrypting_keeps_every_row_and_no_patient_name_stays_readable(plain_clinic, clock):
    path, admin = plain_clinic
    result = encrypt_database(path, PASSPHRASE)
    raw = path.read_bytes()
    assert raw[:16] != SQLITE_HEADER
    assert b"Quillfeather" not in raw
    assert result.plain_copy.read_bytes()[:16] == SQLITE_HEADER
    assert result.row_counts["patients"] == 1

    ctx = open_clinic(encrypted_url(path, PASSPHRASE), clock=clock)
    assert [p.name for p in search_patients(ctx, admin, "quill")] == ["Quillfeather, Ödön"]
    assert check_database(ctx).ok
    ctx.database.dispose()


def test_encrypting_twice_or_with_a_short_passphrase_is_refused(plain_clinic):
    path, _ = plain_clinic
    with pytest.raises(EncryptionError, match="at least 10 characters"):
        encrypt_database(path, "short")
    encrypt_database(path, PASSPHRASE)
    with pytest.raises(EncryptionError, match="already encrypted"):
        encrypt_database(path, PASSPHRASE)


def test_without_the_passphrase_the_database_asks_for_it_untouched(plain_clinic, db_url, clock):
    path, _ = plain_clinic
    encrypt_database(path, PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(PassphraseNeeded) as needed:
        open_clinic(db_url, clock=clock)
    assert "encrypted" in str(needed.value) and PASSPHRASE_ENV in str(needed.value)
    assert path.read_bytes() == before


def test_a_wrong_passphrase_gets_a_clear_message(plain_clinic, clock):
    path, _ = plain_clinic
    encrypt_database(path, PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(WrongPassphrase) as wrong:
        open_clinic(encrypted_url(path, "not the passphrase"), clock=clock)
    assert "passphrase does not open" in str(wrong.value)
    assert path.read_bytes() == before


def test_the_passphrase_can_come_from_the_environment(plain_clinic, db_url, clock, monkeypatch):
    path, admin = plain_clinic
    encrypt_database(path, PASSPHRASE)
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    ctx = open_clinic(db_url, clock=clock)
    assert ctx.database.is_encrypted
    assert len(search_patients(ctx, admin, "quill")) == 1
    ctx.database.dispose()


def test_backups_of_an_encrypted_database_are_encrypted_and_restore_with_the_passphrase(plain_clinic, clock):
    path, admin = plain_clinic
    encrypt_database(path, PASSPHRASE)
    ctx = open_clinic(encrypted_url(path, PASSPHRASE), clock=clock)
    backup = automatic_backup(ctx, BackupReason.START).written
    ctx.database.dispose()
    raw = backup.read_bytes()
    assert raw[:16] != SQLITE_HEADER and b"Quillfeather" not in raw

    with pytest.raises(BackupRejected, match="encrypted"):
        restore_backup(path, backup)
    with pytest.raises(BackupRejected, match="passphrase does not open"):
        restore_backup(path, backup, "a wrong passphrase")
    restore_backup(path, backup, PASSPHRASE)
    ctx = open_clinic(encrypted_url(path, PASSPHRASE), clock=clock)
    assert len(search_patients(ctx, admin, "quill")) == 1
    ctx.database.dispose()


def test_a_plain_backup_never_replaces_an_encrypted_database(plain_clinic, clock, tmp_path):
    path, _ = plain_clinic
    plain_backup = tmp_path / "plain-copy.sqlite3"
    plain_backup.write_bytes(path.read_bytes())
    encrypt_database(path, PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(BackupRejected, match="not encrypted but the database is"):
        restore_backup(path, plain_backup, PASSPHRASE)
    assert path.read_bytes() == before
