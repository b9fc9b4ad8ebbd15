"""Inserting many rows: portable executemany, and the one PostgreSQL fast path (COPY).

COPY is the only dialect-specific code in the seeding side. It sends the same values as the
portable path: NULL as ``\\N`` so that an empty string stays an empty string, floats in their
shortest round-trip representation (pandas' default) so both paths store identical numbers.
"""

from __future__ import annotations

import io

import pandas as pd
from sqlalchemy import Table
from sqlalchemy.engine import Connection

from jamfor.seed.frames import records


def _copy_available(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver in ("psycopg2", "psycopg")


def insert_rows(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert every row of ``frame`` into ``table`` inside the caller's transaction."""
    if frame.empty:
        return
    if not _copy_available(conn):
        conn.execute(table.insert(), records(frame))
        return
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')'
    cursor = conn.connection.cursor()
    try:
        if conn.dialect.driver == "psycopg2":
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
        else:
            with cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
    finally:
        cursor.close()
