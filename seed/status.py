"""What is loaded: one row per batch that still holds rows, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, inspect, select, union_all
from sqlalchemy.engine import Engine

from jamfor.seed.schema import load_batch, metadata


@dataclass(frozen=True)
class BatchStatus:
    batch_id: int
    source: str
    source_ref: str
    finished_at: datetime | None
    rows_held: int
    synthetic: bool
    jamfor_version: str
    attribution: str | None


def batch_status(engine: Engine) -> list[BatchStatus]:
    """Batches with the number of rows each still holds (a replaced batch holds none and is left out)."""
    existing = set(inspect(engine).get_table_names())
    if "load_batch" not in existing:
        return []
    held_tables = [t for t in metadata.sorted_tables
                   if t.name in existing and "batch_id" in t.c and t.name != "load_batch"
                   and t.c.batch_id.foreign_keys]
    held = union_all(*[select(t.c.batch_id) for t in held_tables]).subquery()
    counts = select(held.c.batch_id, func.count().label("n")).group_by(held.c.batch_id).subquery()
    query = (select(load_batch, counts.c.n)
             .join(counts, counts.c.batch_id == load_batch.c.batch_id)
             .order_by(load_batch.c.batch_id.desc()))
    with engine.connect() as conn:
        return [
            BatchStatus(r.batch_id, r.source, r.source_ref, r.finished_at, int(r.n),
                        bool(r.synthetic), r.jamfor_version, r.attribution)
            for r in conn.execute(query)
        ]
