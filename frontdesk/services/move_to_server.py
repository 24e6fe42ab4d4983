"""Move the open SQLite clinic onto an empty PostgreSQL database (`frontdesk move-to URL`,
Settings ▸ Move to a server…).

What it promises:

- The SQLite database is never changed. It is read through one read transaction that also holds
  SQLite's write lock (`BEGIN IMMEDIATE`, rolled back at the end, nothing written), so every table
  is copied from the same moment and no desk can save into it meanwhile: a desk that tries waits,
  then is told the database is busy.
- The server gets everything or nothing. The whole move runs in ONE transaction on the server: the
  Alembic migrations that create the schema (so it is Alembic's own, at the same revision), the rows,
  the sequences, the checks. Stopping it (Ctrl+C, the Stop button, a dropped network, a refused
  check) rolls all of it back, so the target is empty again and the same command can simply be run
  again.
- Same rows, same ids: each table is streamed with COPY in batches (memory stays flat whatever the
  size). As pg_restore does, the foreign keys and the ordinary indexes are taken off for the load and
  put back afterwards from their own definitions (`pg_get_constraintdef`, `pg_get_indexdef`): putting
  a foreign key back checks every row at once, and a table may point forward to its own later rows
  (a screening to the one that replaced it). Every id sequence is then set past the largest id.
- Checked on the server before the commit: the row count of every table against the source, each
  consent PDF's bytes (a running SHA-256 of id and PDF, computed by the server, against the one
  computed while copying), and the audit trail's hash chain (the same check as `frontdesk check`),
  after one more entry that records the move itself.
- Afterwards the SQLite clinic gets its mark (`frontdesk.db.moved`: a file beside it, so the
  database file itself stays byte for byte what was copied), and Front Desk refuses to open it for
  writing, saying where the clinic went.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontdesk.db.encryption import connect_file
from frontdesk.db.faults import fault_text
from frontdesk.db.migrate import explain_connection_error, head_revision
from frontdesk.db.models import Base
from frontdesk.db.moved import MoveMarker, address_without_password, marker_path, read_marker, server_name, \
    write_marker
from frontdesk.db.urls import BadDatabaseUrl, parse_url
from frontdesk.domain.roles import Permission
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import ServiceError
from frontdesk.services.unit_of_work import UnitOfWork, append_audit, verify_audit_chain

if TYPE_CHECKING:
    from psycopg import Cursor
    from sqlalchemy import Connection

#: Rows read from SQLite and sent to the server at a time.
BATCH = 5_000
#: Consent rows carry a PDF each (tens of kilobytes): fewer at a time keeps memory flat.
BLOB_BATCH = 50
#: Serialises moves into the same server database (two people trying at once).
_MOVE_LOCK = 7_312_017


class MoveRefused(ServiceError):
    """The move cannot start or did not pass its checks; nothing was kept on the server and the SQLite
    clinic is unchanged."""


class MoveStopped(ServiceError):
    """The person stopped the move; the server was left as it was before, the SQLite clinic unchanged."""


@dataclass(frozen=True)
class MoveProgress:
    """Where the move is: `table` and its rows `done` of `total` while copying, else a step's words."""

    step: str
    table: str = ""
    done: int = 0
    total: int = 0
    tables_done: int = 0
    tables_total: int = 0

    @property
    def text(self) -> str:
        if self.table:
            return f"{self.table}: {self.done:,} of {self.total:,} rows"
        return self.step


@dataclass(frozen=True)
class MoveResult:
    server: str
    address: str
    counts: dict[str, int]
    consents: int
    audit_entries: int
    seconds: float
    marker: Path
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"The clinic was moved to {self.server} in {self.seconds:,.1f} s: {self.rows:,} rows in "
               f"{len(self.counts)} tables, every table's row count equal on both sides."]
        out.append(f"Consent forms: {self.consents:,}, each PDF identical byte for byte.")
        out.append(f"Audit trail: {self.audit_entries:,} entries (the last one records this move), "
                   "hash chain verified on the server.")
        out.append(f"The SQLite file is unchanged; the mark beside it ({self.marker.name}) makes Front Desk "
                   "send people to the server from now on.")
        out.append(f"Start Front Desk on every computer with: --db {self.address} (or set FRONTDESK_DB).")
        return out + self.notes


Progress = Callable[[MoveProgress], None]


def _tables() -> list[str]:
    """Every table of the schema in dependency order (parents first), `alembic_version` aside."""
    return [table.name for table in Base.metadata.sorted_tables]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_source(path: Path | None, passphrase: str | None = None) -> str:
    """Refuse a source that cannot be moved; its schema revision otherwise (read without writing)."""
    if path is None:
        raise MoveRefused("Only a clinic kept in a SQLite file can be moved to a server; this one is "
                          "already on a database server.")
    marker = read_marker(path)
    if marker is not None:
        raise MoveRefused(f"This clinic was already moved to {marker.server}; the file {path} is kept for "
                          f"reference. To move it again, remove the mark {marker_path(path)} first.")
    if not path.is_file():
        raise MoveRefused(f"There is no clinic database at {path}.")
    try:
        connection = connect_file(path, passphrase, read_only=True, timeout=5)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except Exception as error:  # sqlite3 and sqlcipher3 errors alike
        raise MoveRefused(f"The clinic database {path} cannot be read ({error}).") from error
    revision: str | None = row[0] if row else None
    if revision is None or revision != head_revision():
        raise MoveRefused(
            f"The clinic database is at schema version {revision}, and this Front Desk is at "
            f"{head_revision()}. Open it once with this version of Front Desk (which brings it up to "
            "date), then move it.")
    return revision


def _check_target_url(url: str) -> None:
    try:
        parsed = parse_url(url)
    except BadDatabaseUrl as error:
        raise MoveRefused(str(error)) from error
    if parsed.backend != "postgresql":
        raise MoveRefused("Give the address of a PostgreSQL database, for example "
                          "postgresql+psycopg://frontdesk@SERVER/frontdesk.")
    if not parsed.database:
        raise MoveRefused("The server address names no database: add it after the server, for example "
                          "postgresql+psycopg://frontdesk@SERVER/frontdesk.")


def _check_mark_can_be_written(path: Path) -> None:
    probe = path.with_name(f".{path.name}.move-probe")
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise MoveRefused(
            f"Front Desk cannot write in the folder {path.parent} ({error.strerror}), so it could not "
            "mark the clinic as moved afterwards. Nothing was moved.") from error


class _Mover:
    def __init__(self, ctx: ServiceContext, actor: Actor | None, target_url: str, progress: Progress | None,
                 should_stop: Callable[[], bool] | None, batch: int) -> None:
        self.ctx = ctx
        self.actor = actor
        self.target_url = target_url
        self.progress = progress or (lambda _p: None)
        self.should_stop = should_stop or (lambda: False)
        self.batch = batch
        self.tables = _tables()
        self.source_counts: dict[str, int] = {}
        self.consent_digest = hashlib.sha256()
        self.notes: list[str] = []

    def tell(self, step: str, **more: Any) -> None:
        self.progress(MoveProgress(step, tables_total=len(self.tables), **more))
        if self.should_stop():
            raise MoveStopped("The move was stopped. Nothing was kept on the server, and the SQLite clinic "
                              "is unchanged: move it again whenever you are ready.")

    # --- source ----------------------------------------------------------------------------------

    def open_source(self) -> sqlite3.Connection:
        path = self.ctx.database.path
        assert path is not None
        connection = connect_file(path, self.ctx.database.passphrase, timeout=self.ctx.database.busy_timeout_ms / 1000)
        connection.isolation_level = None
        try:
            # The write lock, so nobody saves into the clinic while it moves; nothing is written.
            connection.execute("BEGIN IMMEDIATE")
        except Exception as error:
            connection.close()
            raise MoveRefused(
                "The clinic is busy: another desk is saving right now or holds the database. Close Front "
                "Desk on the other computers and move again.") from error
        return connection

    def source_columns(self, source: sqlite3.Connection, table: str) -> list[str]:
        return [row[1] for row in source.execute(f"PRAGMA table_info({_quoted(table)})")]

    # --- target ----------------------------------------------------------------------------------

    def prepare_target(self, connection: Connection) -> None:
        """Empty database: create the schema by the migrations. Anything else is refused."""
        from sqlalchemy import inspect, text

        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MOVE_LOCK})
        present = set(inspect(connection).get_table_names())
        where = server_name(self.target_url)
        if present:
            if "alembic_version" not in present:
                raise MoveRefused(
                    f"The database {where} already holds tables that are not Front Desk's. Give an empty "
                    "database (createdb, see README); nothing was changed on either side.")
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if revision != head_revision():
                raise MoveRefused(
                    f"The database {where} holds a Front Desk schema of another version ({revision}; this "
                    f"Front Desk is at {head_revision()}). Give an empty database; nothing was changed on "
                    "either side.")
            filled = {table: connection.execute(text(f"SELECT count(*) FROM {_quoted(table)}")).scalar()
                      for table in self.tables if table in present}
            holding = {table: count for table, count in filled.items() if count}
            if holding:
                patients = holding.get("patients", 0)
                what = f"{patients:,} patients and other records" if patients else "records already"
                raise MoveRefused(
                    f"The database {where} is not empty: it holds {what} ({sum(holding.values()):,} rows). "
                    "A move only goes into an empty database, so nothing is mixed or overwritten. Create a "
                    "new empty database on the server (see README) and move into that; nothing was changed "
                    "on either side.")
            return
        from alembic import command

        from frontdesk.db.migrate import _alembic_config

        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    def loosen(self, connection: Connection) -> tuple[list[str], list[str]]:
        """Take off foreign keys and ordinary indexes for the load; the statements that put them back."""
        from sqlalchemy import text

        foreign = connection.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname"
        )).all()
        indexes = connection.execute(text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace "
            "AND NOT i.indisprimary AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY 1")).all()
        for table, name, _definition in foreign:
            connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {_quoted(name)}"))
        for name, _definition in indexes:
            connection.execute(text(f"DROP INDEX {name}"))
        return ([definition for _name, definition in indexes],
                [f"ALTER TABLE {table} ADD CONSTRAINT {_quoted(name)} {definition}"
                 for table, name, definition in foreign])

    # --- the move --------------------------------------------------------------------------------

    def copy_table(self, source: sqlite3.Connection, cursor: Cursor[Any], table: str, index: int) -> None:
        columns = self.source_columns(source, table)
        names = ", ".join(_quoted(column) for column in columns)
        total = self.source_counts[table]
        order = " ORDER BY id" if "id" in columns else ""
        rows = source.execute(f"SELECT {names} FROM {_quoted(table)}{order}")
        blob = table == "consents"
        pdf = columns.index("pdf") if blob else -1
        ident = columns.index("id") if blob else -1
        size = BLOB_BATCH if blob else self.batch
        done = 0
        self.tell("copy", table=table, done=0, total=total, tables_done=index)
        with cursor.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy:
            while True:
                chunk = rows.fetchmany(size)
                if not chunk:
                    break
                for row in chunk:
                    if blob:
                        self.consent_digest.update(f"{row[ident]}:".encode())
                        self.consent_digest.update(hashlib.sha256(row[pdf] or b"").digest())
                    copy.write_row(row)
                done += len(chunk)
                self.tell("copy", table=table, done=done, total=total, tables_done=index)

    def check_counts(self, connection: Connection) -> dict[str, int]:
        from sqlalchemy import text

        counts = {table: connection.execute(text(f"SELECT count(*) FROM {_quoted(table)}")).scalar() or 0
                  for table in self.tables}
        differing = [f"{table}: {self.source_counts[table]:,} in the clinic, {counts[table]:,} on the server"
                     for table in self.tables if counts[table] != self.source_counts[table]]
        if differing:
            raise MoveRefused("The copy does not match the clinic (" + "; ".join(differing) + "). Nothing was "
                              "kept on the server; the SQLite clinic is unchanged.")
        return counts

    def check_consents(self, connection: Connection) -> None:
        from sqlalchemy import text

        digest = hashlib.sha256()
        result = connection.execute(text("SELECT id, sha256(pdf) FROM consents ORDER BY id"),
                                    execution_options={"stream_results": True, "max_row_buffer": 1000})
        for consent_id, pdf_hash in result:
            digest.update(f"{consent_id}:".encode())
            digest.update(bytes(pdf_hash if pdf_hash is not None else hashlib.sha256(b"").digest()))
        if digest.digest() != self.consent_digest.digest():
            raise MoveRefused("The consent forms on the server are not byte for byte those of the clinic. Nothing "
                              "was kept on the server; the SQLite clinic is unchanged.")

    def set_sequences(self, connection: Connection) -> None:
        from sqlalchemy import text

        for table in self.tables:
            if "id" not in Base.metadata.tables[table].c:
                continue
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                          {"table": table}).scalar()
            if sequence is None:
                continue
            connection.execute(text(
                f"SELECT setval(:sequence, COALESCE(max(id), 1), max(id) IS NOT NULL) FROM {_quoted(table)}"),
                {"sequence": sequence})

    def run(self) -> MoveResult:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        started = time.monotonic()
        path = self.ctx.database.path
        assert path is not None
        self.tell("Checking the clinic and the server")
        source = self.open_source()
        try:
            for table in self.tables:
                self.source_counts[table] = source.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]
            engine = create_engine(self.target_url, poolclass=NullPool)
            try:
                try:
                    connection = engine.connect()
                except Exception as error:  # explained in the person's words
                    if fault_text(error) is None:
                        raise
                    raise MoveRefused(explain_connection_error(self.target_url, error)) from error
                with connection:
                    transaction = connection.begin()
                    try:
                        result = self.move(connection, source)
                        self.tell("Saving on the server")
                        transaction.commit()
                    except BaseException:
                        transaction.rollback()
                        raise
            finally:
                engine.dispose()
        finally:
            try:
                source.execute("ROLLBACK")
            finally:
                source.close()
        revision = head_revision()
        marker = MoveMarker(server=server_name(self.target_url), address=address_without_password(self.target_url),
                            moved_at=self.ctx.local(self.ctx.now()).isoformat(timespec="seconds"), schema=revision)
        try:
            written = write_marker(path, marker)
        except OSError as error:
            raise ServiceError(
                f"The clinic is now on {marker.server}, but the mark beside {path} could not be written "
                f"({error.strerror}). Do not use the SQLite file any more: start Front Desk with --db "
                f"{marker.address}.") from error
        counts, consents, entries = result
        return MoveResult(server=marker.server, address=marker.address, counts=counts, consents=consents,
                          audit_entries=entries, seconds=time.monotonic() - started, marker=written,
                          notes=self.notes)

    def move(self, connection: Connection, source: sqlite3.Connection) -> tuple[dict[str, int], int, int]:
        from sqlalchemy import text
        from sqlalchemy.orm import Session

        self.tell("Creating the tables on the server")
        self.prepare_target(connection)
        indexes, foreign_keys = self.loosen(connection)
        present = set(connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        missing = [table for table in self.tables if table not in present]
        if missing:
            raise MoveRefused(f"The server's schema lacks the tables {', '.join(missing)}; nothing was moved.")
        driver = connection.connection.driver_connection  # psycopg's own connection, for COPY
        assert driver is not None  # None only once the connection is closed
        cursor = driver.cursor()
        try:
            for index, table in enumerate(self.tables):
                try:
                    self.copy_table(source, cursor, table, index)
                except MoveStopped:
                    raise
                except Exception as error:
                    refused = _refused_value(table, error)
                    if refused is None:
                        raise
                    raise refused from error
        finally:
            cursor.close()
        self.tell("Comparing the row counts of every table")
        counts = self.check_counts(connection)
        self.tell("Comparing the consent forms byte for byte")
        self.check_consents(connection)
        self.tell("Setting the id sequences")
        self.set_sequences(connection)
        self.tell("Rebuilding the indexes")
        for statement in indexes:
            connection.execute(text(statement))
        self.tell("Checking the links between records")
        for statement in foreign_keys:
            try:
                connection.execute(text(statement))
            except Exception as error:  # a broken link in the clinic's own data
                if "violates foreign key" not in str(error):
                    raise
                raise MoveRefused(
                    "Some records of the clinic point to records that do not exist (run frontdesk check "
                    f"on the clinic): {str(getattr(error, 'orig', error)).splitlines()[0]}. Nothing was kept "
                    "on the server; the SQLite clinic is unchanged.") from error
        self.tell("Checking the audit trail on the server")
        session = Session(bind=connection)
        try:
            detail: dict[str, object] = {"from": str(self.ctx.database.path), "to": server_name(self.target_url),
                                         "rows": sum(counts.values())}
            if self.actor is None:
                from frontdesk.services.account_lookup import login_name

                detail.update(via="command line", login=login_name())
            append_audit(session, self.ctx, self.actor, "move_to_server", "database", None, None, detail)
            problems = verify_audit_chain(session)
            entries = session.execute(text("SELECT count(*) FROM audit_events")).scalar() or 0
        finally:
            session.close()
        if problems:
            raise MoveRefused("The audit trail did not verify on the server (" + "; ".join(problems[:3]) + "). "
                              "Run frontdesk check on the clinic. Nothing was kept on the server; the SQLite "
                              "clinic is unchanged.")
        self.tell("Updating the server's statistics")
        connection.execute(text("ANALYZE"))
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != head_revision():
            raise MoveRefused(f"The server's schema ended at {revision}, not {head_revision()}; nothing was kept.")
        return counts, self.source_counts["consents"], entries


def _refused_value(table: str, error: Exception) -> MoveRefused | None:
    """A value the server will not store (a NUL character in a text, a text longer than its column
    allows, a date out of range): SQLite keeps such values, PostgreSQL refuses them. None for any other
    error (a connection lost, a bug), which is raised as it is."""
    import psycopg

    if not isinstance(error, psycopg.errors.DataError):
        return None
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return MoveRefused(
        f"A value in the table {table} cannot be stored on the server ({detail}). Correct that record in "
        "Front Desk on this computer, then move again. Nothing was kept on the server; the SQLite clinic "
        "is unchanged.")


def move_to_server(ctx: ServiceContext, actor: Actor | None, target_url: str, *,
                   progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                   batch: int = BATCH) -> MoveResult:
    """Copy the open SQLite clinic into the empty PostgreSQL database at `target_url` (see the module).

    `actor` is the signed-in administrator (None: the command line, run by whoever holds the file).
    `progress` is called from this thread as the move goes; `should_stop` is asked at every batch and
    a True stops the move (`MoveStopped`), leaving the server as it was. Refusals are `MoveRefused`.
    """
    if actor is not None:
        with UnitOfWork(ctx, actor) as uow:
            uow.require(Permission.MANAGE_SETTINGS, "move the clinic to a server")
    path = ctx.database.path
    check_source(path, ctx.database.passphrase)
    _check_target_url(target_url)
    assert path is not None
    _check_mark_can_be_written(path)
    return _Mover(ctx, actor, target_url, progress, should_stop, batch).run()
