"""Small helpers the tests share: reading tables back through SQLAlchemy, comparing dumps."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import inspect

from jamfor.seed.db import engine_for


def read_table(url: str, name: str) -> pd.DataFrame:
    engine = engine_for(url)
    with engine.connect() as conn:
        result = conn.exec_driver_sql(f'SELECT * FROM "{name}"')
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    engine.dispose()
    return frame


def dump(url: str, exclude: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, as plain tuples: equal dumps mean identical tables."""
    engine = engine_for(url)
    names = sorted(set(inspect(engine).get_table_names()) - set(exclude))
    engine.dispose()
    out = {}
    for name in names:
        frame = read_table(url, name)
        out[name] = sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return out
