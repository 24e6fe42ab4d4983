"""Database URLs are read without SQLAlchemy at start; they must mean what SQLAlchemy reads them as."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from frontdesk.db.encryption import encrypted_url
from frontdesk.db.migrate import DatabaseOpenError, open_database
from frontdesk.db.urls import BadDatabaseUrl, describe_url, is_encrypted_url, parse_url, sqlite_path, url_passphrase

URLS = [
    "sqlite:///clinic.sqlite3",
    "sqlite:////var/lib/frontdesk/clinic.sqlite3",
    "sqlite:///C:/Users/Front Desk/AppData/Local/FrontDesk/frontdesk.sqlite3",
    "sqlite:///%2Ftmp%2Fwith%20space.sqlite3",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite+pysqlite:///clinic.sqlite3?timeout=5",
    "sqlite+pysqlcipher://:p%40ss%3Aw%2Ford%20%C3%B8@//srv/clinic.sqlite3",
    "postgresql+psycopg://frontdesk@server/frontdesk",
    "postgresql+psycopg://frontdesk:s3cr%40t@192.168.1.20:5433/frontdesk?sslmode=require",
    "postgresql+psycopg://frontdesk@[fe80::1]:5432/frontdesk",
    "postgresql://localhost/frontdesk",
]


@pytest.mark.parametrize("url", URLS)
def test_every_part_reads_as_sqlalchemy_reads_it(url):
    ours, theirs = parse_url(url), make_url(url)
    assert (ours.drivername, ours.username, ours.password, ours.host, ours.port, ours.database) == (
        theirs.drivername, theirs.username, theirs.password, theirs.host, theirs.port, theirs.database)
    assert ours.backend == theirs.get_backend_name()


def test_the_file_the_passphrase_and_the_name_shown():
    path = Path("/srv/clinic data/clinic.sqlite3")
    url = encrypted_url(path, "maple: syrup / pancakes @ 8")
    assert is_encrypted_url(url) and url_passphrase(url) == "maple: syrup / pancakes @ 8"
    assert sqlite_path(url) == path.resolve()
    assert describe_url(url) == str(path.resolve())
    assert not is_encrypted_url("sqlite:///clinic.sqlite3") and url_passphrase("sqlite:///x.sqlite3") is None
    assert sqlite_path("sqlite://") is None and describe_url("sqlite://") == "in-memory database"
    assert describe_url("postgresql+psycopg://fd:secret@server:5433/frontdesk") == "postgresql frontdesk on server:5433"


@pytest.mark.parametrize("text", ["not a url at all", "://nothing", "postgresql://server:port/frontdesk"])
def test_something_that_is_no_address_is_refused_in_words(text):
    with pytest.raises(BadDatabaseUrl):
        parse_url(text)
    with pytest.raises(DatabaseOpenError) as refused:
        open_database(text)
    assert "database address" in str(refused.value)
