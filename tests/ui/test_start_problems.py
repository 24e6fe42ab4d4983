"""What the person at the counter sees when the database needs a passphrase or is damaged."""

from datetime import date

import pytest
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from frontdesk.cli import _gui_open_url, _offer_restore
from frontdesk.db.encryption import encrypt_database
from frontdesk.db.migrate import DatabaseDamaged
from frontdesk.domain.patients import PatientDetails
from frontdesk.services.backups import BackupReason, automatic_backup
from frontdesk.services.bootstrap import open_clinic
from frontdesk.services.patients import register_patient, search_patients
from frontdesk.services.account_lookup import workstation_actor


def _clinic_with_a_patient(url, clock):
    ctx = open_clinic(url, clock=clock)
    admin = workstation_actor(ctx, "owner")
    register_patient(ctx, admin, PatientDetails("Ødegård", "Zoë", date(1984, 5, 6)))
    return ctx, admin


def test_an_encrypted_database_asks_for_the_passphrase_in_a_dialog(qtbot, tmp_path, clock, monkeypatch):
    path = tmp_path / "clinic.sqlite3"
    ctx, _ = _clinic_with_a_patient(f"sqlite:///{path}", clock)
    ctx.database.dispose()
    encrypt_database(path, "correct horse battery staple")
    monkeypatch.delenv("FRONTDESK_PASSPHRASE", raising=False)
    asked = []

    def typed(parent, title, label, echo):
        asked.append((label, echo))
        return "correct horse battery staple", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(typed))
    url = _gui_open_url(f"sqlite:///{path}")
    assert asked and asked[0][1] == QLineEdit.Password, "asked in a dialog that hides what is typed"
    opened = open_clinic(url, clock=clock)
    assert [p.name for p in search_patients(opened, workstation_actor(opened, "owner"), "odeg")] == ["Ødegård, Zoë"]
    opened.database.dispose()


def test_cancelling_the_passphrase_dialog_opens_nothing(qtbot, tmp_path, clock, monkeypatch):
    path = tmp_path / "clinic.sqlite3"
    ctx, _ = _clinic_with_a_patient(f"sqlite:///{path}", clock)
    ctx.database.dispose()
    encrypt_database(path, "correct horse battery staple")
    monkeypatch.delenv("FRONTDESK_PASSPHRASE", raising=False)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args: ("", False)))
    assert _gui_open_url(f"sqlite:///{path}") is None


def _damage(path):
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size - 3 * 4096)
        handle.write(bytes((i * 37 + 11) % 251 for i in range(3 * 4096)))


def test_a_damaged_database_offers_the_latest_backup_and_restores_it(qtbot, tmp_path, clock, monkeypatch):
    path = tmp_path / "clinic.sqlite3"
    url = f"sqlite:///{path}"
    ctx, admin = _clinic_with_a_patient(url, clock)
    for n in range(40):
        register_patient(ctx, admin, PatientDetails(f"Patient{n:02d}", "Ana", date(1980, 1, 2),
                                                    notes="Sore shoulder. " * 40), confirmed_new=True)
    automatic_backup(ctx, BackupReason.START)
    ctx.database.dispose()
    _damage(path)
    with pytest.raises(DatabaseDamaged) as damaged:
        open_clinic(url, clock=clock)
    shown = []

    def answer(parent, title, text, buttons, default):
        shown.append(text)
        return QMessageBox.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    assert _offer_restore(damaged.value) is True
    assert "Restore the latest good backup" in shown[0]
    restored = open_clinic(url, clock=clock)
    assert [p.name for p in search_patients(restored, workstation_actor(restored, "owner"), "odeg")] == ["Ødegård, Zoë"]
    restored.database.dispose()
    assert list(tmp_path.glob("clinic.sqlite3.replaced-*")), "the damaged file is kept beside it"
