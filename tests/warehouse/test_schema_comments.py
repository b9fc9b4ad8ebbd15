"""Each table's and column's meaning is its SQL comment: PostgreSQL's catalogue carries it, and a warehouse
made before the comments existed is still current (no DDL in the load path)."""

from __future__ import annotations

from sqlalchemy import event, text

from jamfor.seed.db import engine_for
from jamfor.seed.schema import COMMON, area, create_all, metadata

DESCRIPTIONS = text("""
    SELECT c.relname, a.attname, col_description(c.oid, a.attnum)
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
      AND NOT a.attisdropped
""")


def test_postgresql_carries_every_meaning_in_its_catalogue(pg_url):
    engine = engine_for(pg_url)
    create_all(engine)
    with engine.connect() as conn:
        held = {(table, column): meaning for table, column, meaning in conn.execute(DESCRIPTIONS)}
        table_meaning = conn.execute(text("SELECT obj_description('area'::regclass, 'pg_class')")).scalar()
    engine.dispose()
    assert held[("area", "area_code")] == COMMON["area_code"]
    assert held[("area", "area_code")].startswith("'00' riket, 2-digit länskod")
    assert table_meaning == area.comment
    assert held == {(t.name, c.name): c.comment for t in metadata.tables.values() for c in t.columns}


def test_a_warehouse_made_without_comments_is_current_and_gets_no_ddl(pg_url):
    engine = engine_for(pg_url)
    create_all(engine)
    with engine.begin() as conn:  # as an older jamfor left it: the same tables, no comments
        for table in metadata.tables.values():
            conn.exec_driver_sql(f'COMMENT ON TABLE "{table.name}" IS NULL')
            for column in table.columns:
                conn.exec_driver_sql(f'COMMENT ON COLUMN "{table.name}"."{column.name}" IS NULL')
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    create_all(engine)
    engine.dispose()
    changing = [s for s in statements if s.lstrip().split(None, 1)[0].upper() not in ("SELECT", "WITH")]
    assert statements and changing == []
