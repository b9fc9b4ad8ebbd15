"""What is loaded: one row per batch that still holds rows, newest first; and where a published
figure and jamfor's computed share of the same thing disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, inspect, select, union_all
from sqlalchemy.engine import Engine

from jamfor.seed.schema import area, indicator_value, load_batch, metadata
from jamfor.seed.sources.kolada import SOURCE as KOLADA
from jamfor.seed.sources.kolada_coding import coded_shares, kolada_mappings
from jamfor.seed.sources.published import SOURCE as PUBLISHED


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


@dataclass(frozen=True)
class PublishedDifference:
    """A published figure and jamfor's share computed from the kommun answers Kolada gave, where
    they differ by more than rounding (the published figure is the one the warehouse keeps)."""

    indicator_id: str
    area_code: str
    year: int
    published: float
    computed: float
    ja: int
    answered: int


ROUNDING = 0.5  # published shares are whole percent


def published_differences(engine: Engine) -> list[PublishedDifference]:
    """Published figures that jamfor's computed share of answering kommuner with ja (from the coded
    Kolada KPIs' kommun values) misses by more than rounding, so an operator sees where Kolada's
    kommun answers and Socialstyrelsen's publication disagree."""
    coded = sorted(m.indicator_id for m in kolada_mappings().values() if m.coded)
    if not coded or "indicator_value" not in set(inspect(engine).get_table_names()):
        return []
    v, b, a = indicator_value.c, load_batch.c, area.c
    joined = indicator_value.join(load_batch, b.batch_id == v.batch_id).join(area, a.area_code == v.area_code)
    with engine.connect() as conn:
        answers = pd.DataFrame(conn.execute(
            select(v.indicator_id, v.area_code, v.year, v.value, v.status).select_from(joined)
            .where(b.source == KOLADA, a.level == "kommun", v.indicator_id.in_(coded))).fetchall(),
            columns=["indicator_id", "area_code", "year", "value", "status"])
        published = pd.DataFrame(conn.execute(
            select(v.indicator_id, v.area_code, v.year, v.value.label("published")).select_from(joined)
            .where(b.source == PUBLISHED, v.status == "ok", v.indicator_id.in_(coded))).fetchall(),
            columns=["indicator_id", "area_code", "year", "published"])
        areas = pd.DataFrame(conn.execute(select(a.area_code, a.level, a.lan_code)).fetchall(),
                             columns=["area_code", "level", "lan_code"])
    if answers.empty or published.empty:
        return []
    computed = coded_shares(answers.astype({"value": float}), areas)
    both = computed[computed.status == "ok"].merge(published, on=["indicator_id", "area_code", "year"])
    differ = both[(both.value - both.published).abs() > ROUNDING]
    return [PublishedDifference(r.indicator_id, r.area_code, int(r.year), float(r.published), float(r.value),
                                int(r.numerator), int(r.denominator))
            for r in differ.sort_values(["indicator_id", "area_code", "year"]).itertuples()]
