"""Small helpers the tests share: reading tables back through SQLAlchemy, comparing dumps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import inspect, text

from jamfor.seed.db import engine_for


def read_table(url: str, name: str, where: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A table's or view's rows; ``where`` (column -> value) filters in SQL, so a test reads a few rows
    of a large view (indicator_group_comparison: every kommun beside every group) instead of all."""
    conditions = " AND ".join(f'"{column}" = :{column}' for column in where or {}) or "1 = 1"
    engine = engine_for(url)
    with engine.connect() as conn:
        result = conn.execute(text(f'SELECT * FROM "{name}" WHERE {conditions}'), dict(where or {}))
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
