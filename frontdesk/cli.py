"""`frontdesk`: the window by default; `demo`, `check` and `backup` for the administrator."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from frontdesk.config import resolve_database_url

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_OPEN = 2


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
    backup.add_argument("path", type=Path, help="backup file (or folder) to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = resolve_database_url(args.db)
    if args.command is None:
        return run_gui(url, smoke_test=args.smoke_test)
    return run_admin(args, url)


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
    ctx = _open(url)
    if ctx is None:
        return EXIT_CANNOT_OPEN
    try:
        if args.command == "check":
            from frontdesk.services.maintenance import check_database

            report = check_database(ctx)
            print("\n".join(report.lines()))
            return EXIT_OK if report.ok else EXIT_PROBLEMS
        if args.command == "backup":
            from frontdesk.services.maintenance import backup_database

            written = backup_database(ctx, None, args.path)
            print(f"Backup written to {written}")
            return EXIT_OK
        if args.command == "demo":
            from frontdesk.services.demo import fill_demo_clinic
            from frontdesk.services.users import workstation_actor

            summary = fill_demo_clinic(ctx, workstation_actor(ctx), patients=args.patients, seed=args.seed)
            print(summary)
            return EXIT_OK
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception:
        logging.getLogger("frontdesk").exception("admin command %s failed", args.command)
        print(f"The {args.command} command failed unexpectedly; the details are in the log file.",
              file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        ctx.database.dispose()
    return EXIT_OK


def run_gui(url: str, *, smoke_test: bool = False) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from frontdesk.app import configure_logging, create_main_window
    from frontdesk.services.bootstrap import DatabaseOpenError
    from frontdesk.ui.errors import install_excepthook, report_unexpected

    configure_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Front Desk")
    app.setOrganizationName("FrontDesk")
    install_excepthook()
    try:
        window = create_main_window(url)
    except DatabaseOpenError as error:
        if smoke_test:
            print(str(error), file=sys.stderr)
        else:
            QMessageBox.critical(None, "Front Desk cannot open its database", str(error))
        return EXIT_CANNOT_OPEN
    except Exception as error:  # noqa: BLE001 - never a traceback on screen
        report_unexpected(None, error)
        return EXIT_PROBLEMS
    window.show()
    if smoke_test:
        QTimer.singleShot(0, window.close)
        app.exec()
        print(f"Smoke test passed: window built on {window.ctx.database.display_name}")
        window.ctx.database.dispose()
        return EXIT_OK
    code = app.exec()
    window.ctx.database.dispose()
    return code
