"""Where Front Desk keeps its files, and which database it opens."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "FrontDesk"
DATABASE_FILE = "frontdesk.sqlite3"


def data_dir() -> Path:
    """The per-user data folder (`FRONTDESK_DATA_DIR` overrides it, e.g. for a portable install)."""
    override = os.environ.get("FRONTDESK_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / DATABASE_FILE}"


def resolve_database_url(cli_value: str | None) -> str:
    """`--db` first, then `FRONTDESK_DB`, then the SQLite file in the data folder.

    A plain path is accepted as well as a URL, so `--db clinic.sqlite3` does what it looks like.
    """
    value = cli_value or os.environ.get("FRONTDESK_DB") or ""
    if not value:
        return default_database_url()
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
