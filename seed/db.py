"""Which warehouse to write to, and an engine that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from jamfor.paths import user_dir
from jamfor.seed.errors import JamforError

ENV_URL = "JAMFOR_DB_URL"


def default_db_path() -> Path:
    """The embedded SQLite file used when no URL is given: $XDG_DATA_HOME/jamfor/jamfor.db,
    that is ~/.local/share/jamfor/jamfor.db unless XDG_DATA_HOME says otherwise."""
    return user_dir("data") / "jamfor.db"


def resolve_url(url: str | None) -> str:
    """--db, else JAMFOR_DB_URL, else the per-user SQLite file (its folder is created)."""
    chosen = url or os.environ.get(ENV_URL)
    if chosen:
        return chosen
    path = default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JamforError(f"cannot make the warehouse folder {path.parent}: "
                          f"{exc.strerror or type(exc).__name__}; set XDG_DATA_HOME, JAMFOR_DB_URL "
                          "or --db") from None
    return f"sqlite:///{path}"


def safe_url(url: str) -> str:
    """The URL as it may appear in a message or a log: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL may still hold a secret: show none of it
        return "<unparseable database URL>"


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def engine_for(url: str | None = None) -> Engine:
    """An engine for the warehouse; SQLite enforces foreign keys like PostgreSQL does."""
    resolved = resolve_url(url)
    try:
        engine = create_engine(resolved)
    except Exception as exc:
        raise JamforError(f"cannot use database {safe_url(resolved)}: {type(exc).__name__}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def describe_db_error(exc: Exception, url: str | None) -> str:
    """A one-line account of a database failure with the URL's password removed from it."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    text = f"{type(orig).__name__}: {lines[0] if lines else ''}"
    password = None
    try:
        password = make_url(resolve_url(url)).password
    except Exception:  # nothing parseable, so nothing to scrub beyond the generic case
        password = None
    if password:
        text = text.replace(str(password), "***")
    return f"database {safe_url(resolve_url(url))}: {text}"
