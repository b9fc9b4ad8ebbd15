"""Which warehouse to write to, and an engine that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Literal, overload

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from jamfor.errors import JamforError, printable
from jamfor.paths import user_dir
from jamfor.redact import redact_text, redact_url

ENV_URL = "JAMFOR_DB_URL"
LOAD_WAIT_SECONDS = 3600
# Any fixed 64-bit number names the lock; this one is b"jamfor!!" so it can be found in pg_locks.
_PG_LOAD_LOCK = int.from_bytes(b"jamfor!!", "big")
_SQLITE_BUSY_MS = 5000  # Python's sqlite3 default, restored once the load holds the write lock


class WarehouseBusy(JamforError):
    """Another load held the warehouse for longer than a load waits (``seconds``); nothing was written."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(f"another load held the warehouse for more than {seconds} s; nothing was written")


def default_db_path() -> Path:
    """The embedded SQLite file used when no URL is given: $XDG_DATA_HOME/jamfor/jamfor.db,
    that is ~/.local/share/jamfor/jamfor.db unless XDG_DATA_HOME says otherwise."""
    return user_dir("data") / "jamfor.db"


class BadDatabaseUrl(JamforError):
    """A warehouse URL that would not reach the warehouse it reads as; nothing was written."""


_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _hidden_character(url: str) -> str | None:
    """Why ``url`` holds a character a reader cannot see (a newline, an escape, a bidi control,
    a space at either end), or None."""
    for position, character in enumerate(url, 1):
        if printable(character) != character:
            return (f"holds the character {printable(character)} at position {position}, which would "
                    "become part of the file or database name")
    if url != url.strip():
        return "begins or ends with a space, which would become part of the file or database name"
    return None


def _sqlite_problem(url: str) -> str | None:
    """Why a SQLite URL does not name exactly one file, or None. A bare path is the likeliest slip
    (sqlite-utils takes one), so it gets the URL it should have been. SQLAlchemy reads what follows '?'
    as driver options (``sqlite:////tmp/a?b.db`` opens /tmp/a), and decodes '%3F' in the path in 2.x
    but not in 1.4; an empty path is a database that vanishes when jamfor exits. A '#' is kept as
    part of the path by both, so it needs no rule."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        if "://" not in url:
            return (f"is not a database URL; for a SQLite file give sqlite:///{os.path.abspath(url)}, "
                    "for PostgreSQL postgresql://host:5432/database")
        return None  # create_engine says so
    if parsed.get_backend_name() != "sqlite":
        return None
    path, question, options = url.partition("://")[2].partition("?")
    if question:
        return (f"SQLite would open {parsed.database or 'a database in memory'} and read {options!r} as "
                "driver options; jamfor takes a SQLite warehouse as one file named by its path alone "
                "(rename a file whose name holds '?')")
    if _PERCENT_ESCAPE.search(path):
        return (f"the escape {_PERCENT_ESCAPE.search(path)[0]!r} in a SQLite path names one file to "
                "SQLAlchemy 1.4 and another to 2.x; give the path as it is, without '%' escapes")
    if not parsed.database or parsed.database == ":memory:":
        return ("names no file: a SQLite database in memory vanishes when jamfor exits; give a path, "
                "e.g. sqlite:///jamfor.db")
    return None


def check_url(url: str, origin: str = "--db") -> None:
    """Refuse a warehouse URL that does not mean what it looks like, naming ``origin`` (--db or
    JAMFOR_DB_URL): a control character or an edge space (a file named "x.db\\n" would be made), and
    a SQLite URL that names anything but one file."""
    problem = _hidden_character(url) or _sqlite_problem(url)
    if problem:
        raise BadDatabaseUrl(f"{origin} {printable(redact_url(url))}: {problem}; nothing was written")


@overload
def resolve_url(url: str | None, *, default: Path | None = None,
                only_existing: Literal[False] = False) -> str: ...
@overload
def resolve_url(url: str | None, *, default: Path | None = None, only_existing: bool) -> str | None: ...


def resolve_url(url: str | None, *, default: Path | None = None, only_existing: bool = False) -> str | None:
    """The one rule for ``--db`` in every command: --db, else $JAMFOR_DB_URL, else a SQLite file.

    The file is the per-user warehouse (``default_db_path``) unless a command keeps its own ``default``
    (the demo's demo.db, so synthetic values never mix into a real warehouse: such a command does not
    read $JAMFOR_DB_URL either, which names the real one). A command for which the warehouse is optional
    (the SQL checks of validate and register) passes ``only_existing`` and gets None when neither --db
    nor $JAMFOR_DB_URL is set and the file does not exist; otherwise the file's folder is created.
    A given URL is checked to name exactly one warehouse (``check_url``).
    """
    chosen = url or (None if default else os.environ.get(ENV_URL))
    if chosen:
        check_url(chosen, "--db" if url else ENV_URL)
        return chosen
    path = default or default_db_path()
    if only_existing:
        return f"sqlite:///{path}" if path.exists() else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JamforError(f"cannot make the warehouse folder {path.parent}: "
                          f"{exc.strerror or type(exc).__name__}; set XDG_DATA_HOME, JAMFOR_DB_URL "
                          "or --db") from None
    return f"sqlite:///{path}"


def warehouse_name(url: str | None) -> str:
    """The warehouse a command wrote to, as a person can give it back to --db: a SQLite path made
    absolute, any other URL without its password."""
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return f"sqlite:///{os.path.abspath(parsed.database)}"
    return redact_url(resolved)


# SQLite's page cache per connection, in KiB (PRAGMA cache_size takes a negative number as KiB). The
# default 2 MB cannot hold the index pages one load of 100 indicators touches: SQLite writes them
# out, reads and dirties them again, and writes them twice. 128 MB is an upper bound (pages are
# allocated as used).
_SQLITE_CACHE_KIB = 128 * 1024


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
    cursor.close()


def engine_for(url: str | None = None) -> Engine:
    """An engine for the warehouse; SQLite enforces foreign keys like PostgreSQL does, with a page
    cache sized for loads of national scale."""
    resolved = resolve_url(url)
    try:
        engine = create_engine(resolved)
    except Exception as exc:
        raise JamforError(f"cannot use database {redact_url(resolved)}: {type(exc).__name__}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def serialize_loads(conn: Connection, on_wait: Callable[[], None] | None = None,
                    wait_seconds: int = LOAD_WAIT_SECONDS) -> None:
    """Make the caller's transaction the only load into this warehouse until it ends.

    Two loads at once would both read the same keys and then collide on insert (PostgreSQL) or one
    would fail at once with "database is locked" (SQLite); taking turns makes both succeed. PostgreSQL:
    a transaction-scoped advisory lock. SQLite: ``BEGIN IMMEDIATE`` takes the write lock before the
    first read, waiting with a busy timeout. Must be the first statement of the transaction; calls
    ``on_wait`` once when another load holds the warehouse and this one starts waiting.
    """
    if conn.dialect.name == "postgresql":
        if conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _PG_LOAD_LOCK}).scalar():
            return
        if on_wait:
            on_wait()
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(wait_seconds)}s'"))
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOAD_LOCK})
        except OperationalError:  # lock_timeout
            raise WarehouseBusy(wait_seconds) from None
    elif conn.dialect.name == "sqlite":
        cursor = conn.connection.cursor()  # the driver's own BEGIN, so the lock is taken now
        try:
            cursor.execute("PRAGMA busy_timeout = 0")
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                if on_wait:
                    on_wait()
                cursor.execute(f"PRAGMA busy_timeout = {int(wait_seconds) * 1000}")
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError:
                    raise WarehouseBusy(wait_seconds) from None
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
            cursor.close()


def describe_db_error(exc: Exception, url: str | None) -> str:
    """A one-line account of a database failure, without any secret the URL holds (its password,
    also one given as a query parameter)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    resolved = resolve_url(url)
    text = redact_text(f"{type(orig).__name__}: {lines[0] if lines else ''}", [resolved])
    return f"database {redact_url(resolved)}: {text}"
