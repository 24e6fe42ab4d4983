"""Encryption at rest for the SQLite database (SQLCipher through the `sqlcipher3` wheel).

An encrypted database is opened with the URL `sqlite+pysqlcipher://:PASSPHRASE@/path`. SQLCipher
derives the page key from the passphrase itself (PBKDF2-HMAC-SHA512 with a random salt stored in the
file), so the passphrase is handed over as it is. The passphrase comes from `FRONTDESK_PASSPHRASE`,
the operating system's keyring (when the optional `keyring` package finds a working one), or a prompt.

`encrypt_database` converts a plain file in place safely: it writes an encrypted copy beside it,
verifies the copy (integrity and the row count of every table), and only then swaps the files; the
plain original is kept under a new name until the person deletes it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

# Callers import these from here too: re-exported explicitly.
from frontdesk.db.urls import is_encrypted_url as is_encrypted_url
from frontdesk.db.urls import url_passphrase as url_passphrase
from frontdesk.domain.when import format_file_stamp

SQLITE_HEADER = b"SQLite format 3\x00"
PASSPHRASE_ENV = "FRONTDESK_PASSPHRASE"
KEYRING_SERVICE = "Front Desk database"
MIN_PASSPHRASE = 10


class EncryptionError(Exception):
    """Encryption cannot be used or a conversion failed; `str(error)` is a plain paragraph."""


def sqlcipher_module() -> ModuleType | None:
    """The SQLCipher DB-API module, or None where the `sqlcipher3` wheel is not installed."""
    try:
        import sqlcipher3
    except ImportError:
        return None
    module: ModuleType = sqlcipher3
    return module


def require_sqlcipher() -> ModuleType:
    module = sqlcipher_module()
    if module is None:
        raise EncryptionError(
            "This installation of Front Desk cannot read or write encrypted databases (the SQLCipher "
            "component, Python package sqlcipher3, is missing). Reinstall Front Desk or ask the "
            "clinic's administrator."
        )
    return module


def encrypted_url(path: Path, passphrase: str) -> str:
    """The SQLAlchemy URL that opens the SQLCipher file at `path` with `passphrase`."""
    return f"sqlite+pysqlcipher://:{quote(passphrase, safe='')}@/{Path(path).resolve()}"


def plain_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def looks_encrypted(path: Path) -> bool:
    """True for a file that could be a SQLCipher database: not plain SQLite, whole pages of bytes that
    do not read as text. (Without the passphrase an encrypted file cannot be told from noise.)"""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:
        return False
    if size == 0 or size % 512 or head == SQLITE_HEADER:
        return False
    return not all(32 <= byte < 127 or byte in (9, 10, 13) for byte in head)


def _quoted(passphrase: str) -> str:
    """The passphrase as a SQL string for PRAGMA key, quoted as SQLAlchemy's dialect quotes it."""
    return '"' + passphrase.replace('"', '""') + '"'


def connect_file(path: Path, passphrase: str | None = None, *, read_only: bool = False,
                 immutable: bool = False, timeout: float = 30.0, any_thread: bool = False) -> sqlite3.Connection:
    """A DB-API connection to a SQLite file, plain or (with a passphrase) SQLCipher-encrypted.

    `read_only` opens with `mode=ro`; `immutable` also promises SQLite that nothing changes the file
    (for a folder where even the lock files cannot be written). The key is applied before anything
    reads the file, so a wrong one fails at the first query with "file is not a database".
    `any_thread` lets a connection kept in a pool serve one thread after another.
    """
    path = Path(path)
    module = sqlite3 if passphrase is None else require_sqlcipher()
    options = {"timeout": timeout, "check_same_thread": not any_thread}
    if immutable:
        connection: sqlite3.Connection = module.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True, **options)
    elif read_only:
        connection = module.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, **options)
    else:
        connection = module.connect(str(path), **options)
    if passphrase is not None:
        connection.execute(f"PRAGMA key = {_quoted(passphrase)}")
        try:
            _check_key_quietly(connection)
        except BaseException:
            connection.close()
            raise
    return connection


def _check_key_quietly(connection: sqlite3.Connection) -> None:
    """Read the first page once, with SQLCipher's own log switched off for that read.

    SQLCipher writes every page it cannot decrypt to the process's stderr ("ERROR CORE
    sqlcipher_page_cipher: hmac check failed for pgno=1", six lines per wrong passphrase), before
    Front Desk can say in plain words that the passphrase does not open the file. A wrong passphrase
    is an expected answer, not a library fault, so this one read runs at log level NONE (the
    library's own setting, `PRAGMA cipher_log_level`, which is process-wide), and the level is put
    back at once. A wrong passphrase then fails here, with the library's own "file is not a
    database" error, exactly as the first query would have.
    """
    previous = connection.execute("PRAGMA cipher_log_level").fetchone()
    connection.execute("PRAGMA cipher_log_level = NONE")
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        level = previous[0] if previous and str(previous[0]).isalpha() else "WARN"
        connection.execute(f"PRAGMA cipher_log_level = {level}")


def usable_keyring() -> ModuleType | None:
    """The `keyring` module where the optional package is installed and finds a working keyring, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        if isinstance(keyring.get_keyring(), fail.Keyring):
            return None
    except Exception:  # noqa: BLE001 - a broken keyring means "no keyring", never a crash
        return None
    module: ModuleType = keyring
    return module


def passphrase_from_keyring(path: Path) -> str | None:
    """The passphrase stored for this database file in the OS keyring, if a working keyring exists."""
    ring = usable_keyring()
    if ring is None:
        return None
    try:
        stored: str | None = ring.get_password(KEYRING_SERVICE, str(Path(path).resolve()))
    except Exception:  # noqa: BLE001 - a broken keyring means "no stored passphrase", never a crash
        return None
    return stored


def store_passphrase_in_keyring(path: Path, passphrase: str) -> bool:
    """Remember the passphrase for this file in the OS keyring; False where there is none."""
    ring = usable_keyring()
    if ring is None:
        return False
    try:
        ring.set_password(KEYRING_SERVICE, str(Path(path).resolve()), passphrase)
        return True
    except Exception:  # noqa: BLE001 - no keyring: the person types the passphrase instead
        return False


def find_passphrase(path: Path, prompt: Callable[[str], str | None] | None = None) -> str | None:
    """`FRONTDESK_PASSPHRASE`, else the keyring, else `prompt(question)` (None when nothing gives one)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    value = passphrase_from_keyring(path)
    if value:
        return value
    if prompt is not None:
        return prompt(f"Passphrase for the encrypted database {path}: ") or None
    return None


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise EncryptionError(
            f"Choose a passphrase of at least {MIN_PASSPHRASE} characters; a short sentence that "
            "only the clinic's staff know works well."
        )


@dataclass(frozen=True)
class EncryptResult:
    database: Path
    plain_copy: Path
    row_counts: dict[str, int]


def table_row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _integrity(connection: sqlite3.Connection) -> str:
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def encrypt_database(path: Path, passphrase: str, *, now: datetime | None = None) -> EncryptResult:
    """Replace the plain SQLite file at `path` by an encrypted one holding the same data.

    Steps: export into `<name>.encrypting` with `sqlcipher_export`, check the copy's integrity and
    that every table has as many rows as the original, rename the original to
    `<name>.plain-<timestamp>`, move the copy into place, and open it once more with the passphrase.
    If any step fails, the original stays (or is put back) where it was.
    """
    module = require_sqlcipher()
    check_new_passphrase(passphrase)
    path = Path(path)
    if not path.is_file():
        raise EncryptionError(f"There is no database file at {path}.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise EncryptionError(f"The database {path} is already encrypted (or is not a SQLite file).")
    stamp = format_file_stamp(now or datetime.now())
    target = path.with_name(path.name + ".encrypting")
    kept = path.with_name(f"{path.name}.plain-{stamp}")
    target.unlink(missing_ok=True)
    # The write lock, held while the copy is made and checked: no other copy of Front Desk may
    # change the data meanwhile (readers may carry on).
    lock = sqlite3.connect(path, timeout=5)
    lock.isolation_level = None
    try:
        try:
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise EncryptionError(
                "The database is in use by Front Desk on this or another computer. Close Front Desk "
                "everywhere, then encrypt again. Nothing was changed."
            ) from error
        expected = table_row_counts(lock)
        integrity = _integrity(lock)
        if integrity != "ok":
            raise EncryptionError(
                f"The database {path} fails its integrity check ({integrity}); it was not converted. "
                "Restore a good backup first."
            )
        version = lock.execute("PRAGMA user_version").fetchone()[0]
        _export(module, path, target, passphrase, int(version))
        _verify_copy(target, passphrase, expected)
        os.chmod(target, 0o600)
        lock.execute("ROLLBACK")
    except (sqlite3.Error, module.Error) as error:
        target.unlink(missing_ok=True)
        raise EncryptionError(f"The database could not be encrypted ({error}); it was left as it was.") from error
    except EncryptionError:
        target.unlink(missing_ok=True)
        raise
    finally:
        lock.close()
    if Path(str(path) + "-wal").exists():
        # The last connection to close removes the log; it is still there, so someone else is connected.
        target.unlink(missing_ok=True)
        raise EncryptionError(
            "The database is in use by Front Desk on this or another computer. Close Front Desk "
            "everywhere, then encrypt again. Nothing was changed."
        )
    Path(str(path) + "-shm").unlink(missing_ok=True)
    os.replace(path, kept)
    try:
        os.replace(target, path)
        _verify_copy(path, passphrase, expected)
    except (OSError, EncryptionError):
        path.unlink(missing_ok=True)
        os.replace(kept, path)
        raise
    return EncryptResult(database=path, plain_copy=kept, row_counts=expected)


def _export(module: ModuleType, path: Path, target: Path, passphrase: str, user_version: int) -> None:
    """Write every table, index and row of the plain file into a new encrypted file."""
    export = module.connect(str(path), timeout=5)
    try:
        export.isolation_level = None
        export.execute(f"ATTACH DATABASE ? AS encrypted KEY {_quoted(passphrase)}", (str(target),))
        export.execute("SELECT sqlcipher_export('encrypted')")
        export.execute(f"PRAGMA encrypted.user_version = {user_version}")
        export.execute("DETACH DATABASE encrypted")
    finally:
        export.close()


def _verify_copy(path: Path, passphrase: str, expected: dict[str, int]) -> None:
    connection = connect_file(path, passphrase)
    try:
        integrity = _integrity(connection)
        counts = table_row_counts(connection)
    finally:
        connection.close()
    if integrity != "ok":
        raise EncryptionError(f"The encrypted copy failed its integrity check ({integrity}); nothing was replaced.")
    if counts != expected:
        different = sorted(name for name in set(counts) | set(expected) if counts.get(name) != expected.get(name))
        raise EncryptionError(
            "The encrypted copy does not hold the same rows as the original (tables: "
            f"{', '.join(different)}); nothing was replaced."
        )
