"""Inserting many rows: portable executemany, and the one PostgreSQL fast path (COPY).

COPY is the only dialect-specific code in the seeding side. It sends the same values as the
portable path: NULL as ``\\N`` so that an empty string stays an empty string, floats in their
shortest round-trip representation (pandas' default) so both paths store identical numbers.
Rows go in chunks, so memory stays flat however many a load holds; drivers with positional
parameters (SQLite) get plain tuples, which executemany takes about three times faster than dicts.
COPY bypasses SQLAlchemy, so its driver errors are wrapped as SQLAlchemy's (``IntegrityError`` for
a foreign key …), exactly what the portable path raises for the same row.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from sqlalchemy import Date, DateTime, Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from jamfor.seed.frames import records


def _copy_available(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver in ("psycopg2", "psycopg")


CHUNK_ROWS = 50_000


def _chunks(frame: pd.DataFrame):
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start:start + CHUNK_ROWS]


def _executemany(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    # Dates need SQLAlchemy's conversion (its own text format on SQLite): only rows without them
    # go to the driver directly.
    dated = any(isinstance(table.c[c].type, (Date, DateTime)) for c in frame.columns)
    if conn.dialect.paramstyle != "qmark" or dated:
        for chunk in _chunks(frame):
            conn.execute(table.insert(), records(chunk))
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(frame.columns))})'
    for chunk in _chunks(frame):
        cleaned = chunk.astype(object).where(chunk.notna(), None)
        conn.exec_driver_sql(sql, list(cleaned.itertuples(index=False, name=None)))


def copy_csv(cursor: Any, driver: str, sql: str, frame: pd.DataFrame) -> None:
    """Send ``frame`` through a PostgreSQL ``COPY … FROM STDIN`` statement on a raw driver cursor, with
    psycopg2 or psycopg (3), whose COPY interfaces differ."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    if driver == "psycopg2":
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
    else:
        with cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())


def insert_rows(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert every row of ``frame`` into ``table`` inside the caller's transaction."""
    if frame.empty:
        return
    if not _copy_available(conn):
        _executemany(conn, table, frame)
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')'
    cursor = conn.connection.cursor()
    try:
        for chunk in _chunks(frame):
            copy_csv(cursor, conn.dialect.driver, sql, chunk)
    except conn.dialect.dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, conn.dialect.dbapi.Error) from exc
    finally:
        cursor.close()
