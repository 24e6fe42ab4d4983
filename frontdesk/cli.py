"""`frontdesk`: the window by default; admin commands `demo`, `check`, `backup`, `restore`, `encrypt`,
`move-to`, `send-reminders`."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import cast

from frontdesk.config import resolve_database_url

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_OPEN = 2

#: The start-of-day backup begins this long after the window opens, not during its first paint.
START_BACKUP_DELAY_MS = 3000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frontdesk",
        description="Front Desk: IMS intake screening, therapist schedules and printed forms.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database to open: a SQLAlchemy URL (sqlite:///path, postgresql+psycopg://...) or a "
        "file path; default: FRONTDESK_DB, else frontdesk.sqlite3 in your data folder",
    )
    parser.add_argument("--smoke-test", action="store_true",
                        help="build the window on the database, then quit (for packaging checks)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="fill the database with a realistic demo clinic")
    demo.add_argument("--patients", type=int, default=300, help="how many demo patients (default 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed, for a repeatable demo")
    commands.add_parser("check", help="report the schema version and check the database's integrity")
    backup = commands.add_parser("backup", help="write a consistent copy of the database")
    backup.add_argument("path", type=Path, nargs="?",
                        help="backup file (or folder) to write; default: the clinic's backup folder, rotated")
    restore = commands.add_parser(
        "restore", help="check a backup, then put it in place of the database (the replaced file is kept); "
        "close Front Desk on every computer first")
    restore.add_argument("path", type=Path, help="the backup file to restore")
    encrypt = commands.add_parser(
        "encrypt", help="encrypt the SQLite database with a passphrase (FRONTDESK_PASSPHRASE or a prompt)")
    encrypt.add_argument("--remember", action="store_true",
                         help="also store the passphrase in this computer's keyring, where there is one")
    move = commands.add_parser(
        "move-to", help="copy this SQLite clinic into an empty PostgreSQL database, check it there, and mark "
        "the SQLite file as moved; close Front Desk on every computer first")
    move.add_argument("target", metavar="URL",
                      help="the empty server database, e.g. postgresql+psycopg://frontdesk@SERVER/frontdesk "
                      "(keep the password in the PostgreSQL password file, see README)")
    commands.add_parser(
        "send-reminders", help="send the email reminders that are due, once (for a server's cron job; every open "
        "Front Desk also sends them in the background)")
    return parser


def main(argv: list[str] | None = None) -> int:
    if os.name == "posix":
        # Everything Front Desk writes (database, backups, logs, temporary PDFs) is for this account only.
        os.umask(0o077)
    args = build_parser().parse_args(argv)
    url = resolve_database_url(args.db)
    from frontdesk.db.urls import BadDatabaseUrl, supported_url

    try:
        supported_url(url)
    except BadDatabaseUrl as error:
        # Before anything reads the address: one paragraph, never a traceback.
        print(str(error), file=sys.stderr)
        return EXIT_CANNOT_OPEN
    if args.command is None:
        return run_gui(url, smoke_test=args.smoke_test)
    return run_admin(args, url)


def _prompt(question: str) -> str | None:
    """Ask for a passphrase on the terminal; None when there is no one at a terminal to ask."""
    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass(question)
    except (EOFError, KeyboardInterrupt):
        return None


def _unlocked(url: str) -> str:
    """For an encrypted SQLite file, the URL carrying the passphrase (environment, keyring or prompt)."""
    from frontdesk.db.encryption import encrypted_url, find_passphrase, is_encrypted_url, looks_encrypted
    from frontdesk.db.engine import sqlite_path

    path = sqlite_path(url)
    if path is None or is_encrypted_url(url) or not path.is_file() or not looks_encrypted(path):
        return url
    passphrase = find_passphrase(path, _prompt)
    return encrypted_url(path, passphrase) if passphrase else url


def _open(url: str):
    from frontdesk.services.bootstrap import DatabaseOpenError, open_clinic

    try:
        return open_clinic(url)
    except DatabaseOpenError as error:
        print(str(error), file=sys.stderr)
        return None


def run_admin(args: argparse.Namespace, url: str) -> int:
    from frontdesk.app import configure_logging
    from frontdesk.services.errors import ServiceError

    configure_logging()
    url = _unlocked(url)
    if args.command == "restore":
        return run_restore(url, args.path)
    if args.command == "encrypt":
        return run_encrypt(url, remember=args.remember)
    if args.command == "move-to":
        return run_move(url, args.target)
    ctx = _open(url)
    if ctx is None:
        return EXIT_CANNOT_OPEN
    try:
        if args.command == "check":
            from frontdesk.services.database_check import check_database

            report = check_database(ctx)
            print("\n".join(report.lines()))
            return EXIT_OK if report.ok else EXIT_PROBLEMS
        if args.command == "backup":
            if args.path is None:
                from frontdesk.services.backups import BackupReason, automatic_backup

                done = automatic_backup(ctx, BackupReason.EXIT)
                if done.written is None:
                    print(done.note)
                    return EXIT_PROBLEMS
                print(f"Backup written to {done.written}")
                for old in done.removed:
                    print(f"Older backup removed by rotation: {old.name}")
                return EXIT_OK
            from frontdesk.services.backups import backup_database

            written = backup_database(ctx, None, args.path)
            print(f"Backup written to {written}")
            return EXIT_OK
        if args.command == "send-reminders":
            from frontdesk.services.reminder_sender import send_due_reminders

            sent = send_due_reminders(ctx)
            print(sent.summary())
            return EXIT_PROBLEMS if sent.failed or (sent.skipped and "turned off" not in sent.skipped) \
                else EXIT_OK
        if args.command == "demo":
            from frontdesk.devtools.demo import fill_demo_clinic
            from frontdesk.services.user_accounts import command_line_actor

            summary = fill_demo_clinic(ctx, command_line_actor(ctx), patients=args.patients, seed=args.seed)
            print(summary)
            return EXIT_OK
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as error:  # noqa: BLE001 - the last catch of a command: logged, one sentence printed
        from frontdesk.private_log import private_traceback

        logging.getLogger("frontdesk").error("admin command %s failed\n%s", args.command, private_traceback(error))
        print(f"The {args.command} command failed unexpectedly; the details are in the log file.",
              file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        ctx.database.dispose()
    return EXIT_OK


def run_restore(url: str, backup: Path) -> int:
    """`frontdesk restore PATH`: verify the backup, keep the current file, put the backup in place."""
    from frontdesk.db.encryption import SQLITE_HEADER, encrypted_url, find_passphrase, url_passphrase
    from frontdesk.db.engine import sqlite_path
    from frontdesk.services.backups import record_restore, restore_backup
    from frontdesk.services.errors import ServiceError

    target = sqlite_path(url)
    if target is None:
        print("Restore replaces a SQLite database file. A database server is restored on the server "
              "(pg_restore); see README, 'Several front-desk computers'.", file=sys.stderr)
        return EXIT_PROBLEMS
    passphrase = url_passphrase(url)
    backup = backup.expanduser()
    if passphrase is None and backup.is_file():
        with backup.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                passphrase = find_passphrase(backup, _prompt)
    try:
        result = restore_backup(target, backup, passphrase)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"Restored {result.database} from {result.restored_from}.")
    if result.kept_as is not None:
        print(f"The file it replaced is kept as {result.kept_as}.")
    ctx = _open(encrypted_url(target, passphrase) if passphrase else url)
    if ctx is None:
        return EXIT_CANNOT_OPEN
    try:
        record_restore(ctx, None, result)
    finally:
        ctx.database.dispose()
    return EXIT_OK


class _MoveProgressPrinter:
    """Per table, rows done of the total: rewritten in place at a terminal, one line per table otherwise."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.current = ""

    def __call__(self, progress) -> None:
        if progress.table:
            line = f"  {progress.table:<22} {progress.done:>12,} / {progress.total:,} rows"
            finished = progress.done >= progress.total
            if self.live:
                self.stream.write("\r" + line + ("\n" if finished else ""))
            elif finished:
                self.stream.write(line + "\n")
            self.current = "" if finished else progress.table
        elif progress.step != self.current:
            self.stream.write(progress.step + " ...\n")
            self.current = progress.step
        self.stream.flush()


def run_move(url: str, target: str) -> int:
    """`frontdesk move-to URL`: copy the SQLite clinic onto an empty PostgreSQL database."""
    from frontdesk.db.engine import sqlite_path
    from frontdesk.db.moved import read_marker
    from frontdesk.db.urls import url_passphrase
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.move_to_server import MoveRefused, check_source, move_to_server

    path = sqlite_path(url)
    try:
        # Before the clinic is opened: a moved clinic, or one an older version left, is not touched.
        check_source(path, url_passphrase(url))
    except MoveRefused as refused:
        print(refused.message, file=sys.stderr)
        return EXIT_CANNOT_OPEN if path is None or read_marker(path) is not None else EXIT_PROBLEMS
    ctx = _open(url)
    if ctx is None:
        return EXIT_CANNOT_OPEN
    print(f"Moving the clinic {ctx.database.display_name} to the server. Ctrl+C stops it: the server is then "
          "left as it was.")
    try:
        result = move_to_server(ctx, None, target, progress=_MoveProgressPrinter(sys.stdout))
    except KeyboardInterrupt:
        print("\nStopped. Nothing was kept on the server and the SQLite clinic is unchanged; run the same "
              "command again to move it.", file=sys.stderr)
        return EXIT_PROBLEMS
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception:
        logging.getLogger("frontdesk").exception("move-to failed")
        print("The move failed unexpectedly; nothing was kept on the server and the SQLite clinic is "
              "unchanged. The details are in the log file.", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        ctx.database.dispose()
    print("\n".join(result.lines()))
    return EXIT_OK


def run_encrypt(url: str, *, remember: bool = False) -> int:
    """`frontdesk encrypt`: convert the plain SQLite database into an encrypted one, safely."""
    from frontdesk.db.encryption import (
        PASSPHRASE_ENV,
        EncryptionError,
        encrypt_database,
        is_encrypted_url,
        store_passphrase_in_keyring,
    )
    from frontdesk.db.engine import sqlite_path

    path = sqlite_path(url)
    if path is None:
        print("Encryption applies to a SQLite database file. A database server is protected on the "
              "server (disk encryption and TLS); see README.", file=sys.stderr)
        return EXIT_PROBLEMS
    if is_encrypted_url(url):
        print(f"The database {path} is already encrypted.", file=sys.stderr)
        return EXIT_PROBLEMS
    ctx = _open(url)
    if ctx is None:
        return EXIT_CANNOT_OPEN
    ctx.database.dispose()
    passphrase = os.environ.get(PASSPHRASE_ENV) or _new_passphrase()
    if not passphrase:
        print(f"No passphrase given. Set {PASSPHRASE_ENV} or run this command at a terminal.", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        result = encrypt_database(path, passphrase)
    except EncryptionError as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEMS
    total = sum(result.row_counts.values())
    print(f"The database {result.database} is now encrypted ({total} rows checked).")
    print(f"The unencrypted original is kept as {result.plain_copy}: copy it somewhere safe or delete "
          "it once Front Desk has opened the encrypted database.")
    if remember:
        stored = store_passphrase_in_keyring(path, passphrase)
        print("The passphrase is stored in this computer's keyring." if stored
              else "This computer has no keyring; enter the passphrase at start or set " + PASSPHRASE_ENV + ".")
    return EXIT_OK


def _new_passphrase() -> str | None:
    first = _prompt("New passphrase for the database: ")
    if not first:
        return None
    if _prompt("The same passphrase again: ") != first:
        print("The two passphrases differ; nothing was changed.", file=sys.stderr)
        return None
    return first


def _gui_open_url(url: str) -> str | None:
    """The URL to open, asking for the passphrase of an encrypted file in a dialog; None if cancelled."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from frontdesk.db.encryption import encrypted_url, find_passphrase, is_encrypted_url, looks_encrypted
    from frontdesk.db.engine import sqlite_path

    path = sqlite_path(url)
    if path is None or is_encrypted_url(url) or not path.is_file() or not looks_encrypted(path):
        return url

    def ask(question: str) -> str | None:
        text, ok = QInputDialog.getText(None, "Front Desk: database passphrase", question, QLineEdit.EchoMode.Password)
        return text if ok and text else None

    passphrase = find_passphrase(path, ask)
    return encrypted_url(path, passphrase) if passphrase else None


def _offer_restore(error) -> bool:
    """A damaged database: explain, and offer the newest good backup. True if it was restored."""
    from PySide6.QtWidgets import QMessageBox

    from frontdesk.services.backups import restore_backup
    from frontdesk.services.errors import ServiceError

    if error.latest_backup is None:
        QMessageBox.critical(None, "Front Desk cannot open its database",
                             f"{error}\n\nNo good backup was found in the backup folder.")
        return False
    answer = QMessageBox.question(
        None, "Front Desk: the database is damaged",
        f"{error}\n\nRestore the latest good backup, {error.latest_backup.name}? The damaged file "
        "is kept beside it, renamed, so nothing is thrown away.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        restore_backup(error.path, error.latest_backup)
    except ServiceError as failure:
        QMessageBox.critical(None, "Front Desk could not restore the backup", failure.message)
        return False
    return True


def _offer_server(moved) -> bool:
    """A clinic that moved to a server: say where, and offer to open the server instead of the file."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information, "Front Desk: this clinic moved to a server", str(moved))
    open_server = box.addButton("Open the server", QMessageBox.ButtonRole.AcceptRole) if moved.marker.address else None
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return open_server is not None and box.clickedButton() is open_server


def run_gui(url: str, *, smoke_test: bool = False) -> int:
    """The window, after sign-in (or the first-run dialog). `--smoke-test` builds the window for the
    computer's account without sign-in and quits at once: a packaging check with no one at the screen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from frontdesk.app import configure_logging, create_main_window, start_session
    from frontdesk.compat import EVENTS, make_pyside_classes_a_conversion_meets
    from frontdesk.db.migrate import ClinicMoved, DatabaseDamaged
    from frontdesk.services.bootstrap import DatabaseOpenError
    from frontdesk.services.errors import ServiceError
    from frontdesk.ui.common.errors import install_excepthook, report_unexpected

    configure_logging()
    # "frontdesk" as the program and application name: X11 window managers (and xdotool) see the window
    # class "frontdesk" however it was started (`python -m frontdesk` would say "__main__.py"); people
    # still read "Front Desk".
    app = cast(QApplication, QApplication.instance() or QApplication(["frontdesk"]))
    app.setApplicationName("frontdesk")
    app.setApplicationDisplayName("Front Desk")
    app.setOrganizationName("FrontDesk")
    install_excepthook()
    # Before any window (the sign-in dialog included) hands an event to Python (see frontdesk.compat).
    make_pyside_classes_a_conversion_meets(EVENTS)
    try:
        if smoke_test:
            window = create_main_window(url)
        else:
            app.setQuitOnLastWindowClosed(False)
            opened = _gui_open_url(url)
            if opened is None:
                return EXIT_CANNOT_OPEN
            try:
                session = start_session(opened)
            except DatabaseDamaged as damaged:
                if not _offer_restore(damaged):
                    return EXIT_CANNOT_OPEN
                session = start_session(opened)
            except ClinicMoved as moved:
                if not _offer_server(moved):
                    return EXIT_CANNOT_OPEN
                session = start_session(moved.marker.address)
            if session is None:
                return EXIT_OK
            # The day's first backup copies the whole file: it waits until the first screen is drawn.
            QTimer.singleShot(START_BACKUP_DELAY_MS, session, session.start_daily_backup)
    except DatabaseOpenError as error:
        if smoke_test:
            print(str(error), file=sys.stderr)
        else:
            QMessageBox.critical(None, "Front Desk cannot open its database", str(error))
        return EXIT_CANNOT_OPEN
    except Exception as error:  # noqa: BLE001 - never a traceback on screen
        report_unexpected(None, error)
        return EXIT_PROBLEMS
    if smoke_test:
        window.show()
        QTimer.singleShot(0, window.close)
        app.exec()
        print(f"Smoke test passed: window built on {window.ctx.database.display_name}")
        window.ctx.database.dispose()
        return EXIT_OK
    code = app.exec()
    assert session is not None  # set above, or the function returned
    from frontdesk.services.backups import BackupReason, automatic_backup

    try:
        automatic_backup(session.ctx, BackupReason.EXIT)
    except ServiceError as error:
        logging.getLogger("frontdesk").warning("backup on exit not made: %s", error.message)
    session.ctx.database.dispose()
    return code
