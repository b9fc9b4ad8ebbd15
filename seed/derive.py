"""The comparison tables computed after every load, inside the load's transaction.

Computed in pandas from the base tables rather than in SQL, so SQLite and PostgreSQL give the same
numbers to the last bit (a test compares them). Each builder replaces its whole table: derived tables
hold nothing that cannot be computed again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from jamfor.seed.bulk import insert_rows
from jamfor.seed.derive_skr import INPUTS as SKR_INPUTS
from jamfor.seed.derive_skr import rebuild_skr
from jamfor.seed.schema import (
    RIKET,
    area,
    derived_source,
    indicator,
    indicator_comparison,
    indicator_value,
    load_batch,
)

RANKED_LEVELS = ("lan", "kommun", "stadsdel")


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _values(conn: Connection) -> pd.DataFrame:
    query = select(
        indicator_value.c.indicator_id, indicator_value.c.area_code, indicator_value.c.year,
        indicator_value.c.value, indicator_value.c.status, indicator_value.c.batch_id,
        load_batch.c.synthetic,
    ).select_from(indicator_value.join(load_batch,
                                       indicator_value.c.batch_id == load_batch.c.batch_id))
    frame = _frame(conn, query)
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    frame["synthetic"] = frame["synthetic"].astype(bool)
    ok = frame["status"].eq("ok") & frame["value"].notna()
    frame["ok_value"] = frame["value"].where(ok)
    return frame


def _rank_group(group: pd.DataFrame, higher_is_better: object) -> pd.DataFrame:
    """Rank 1 is best; ties share the best rank. Bakgrundsmått (no direction) rank highest first."""
    values = group["ok_value"]
    ascending = not pd.isna(higher_is_better) and not bool(higher_is_better)
    n = int(values.notna().sum())
    r_min = values.rank(method="min", ascending=ascending)
    r_max = values.rank(method="max", ascending=ascending)
    worse = n - r_max
    tied_others = r_max - r_min
    percentile = (worse + 0.5 * tied_others) / (n - 1) * 100 if n > 1 else r_min * 0 + 50.0
    return pd.DataFrame({"rank": r_min, "n_ranked": n, "percentile": percentile}, index=group.index)


def _answers_through_stadsdelar(frame: pd.DataFrame) -> pd.Series:
    """Kommun rows whose stadsdelar have rows the same indicator and year (their value is a share)."""
    parents = frame.loc[frame.level == "stadsdel", ["indicator_id", "year", "area_code"]].assign(
        area_code=lambda f: f.area_code.str[:4]).drop_duplicates()
    marked = frame[["indicator_id", "year", "area_code"]].merge(
        parents.assign(aggregate=True), how="left", on=["indicator_id", "year", "area_code"])
    return pd.Series(marked["aggregate"].eq(True).to_numpy() & (frame.level == "kommun").to_numpy(),
                     index=frame.index)


def _colour(frame: pd.DataFrame) -> pd.Series:
    """ÖJ's relative comparison: grön / gul / röd by thirds, grå where the value is missing.

    A group holding only 0 and 100 is a yes/no indicator at kommun level: ja is grön, nej röd, as in
    Socialstyrelsen's own tables (thirds of a two-valued list would colour most ja answers gul). A
    kommun that answers through its stadsdelar (Stockholm) holds a share, not a ja/nej, and does not
    make the group two-valued or not; it is coloured by thirds.
    """
    colour = pd.Series(np.select(
        [frame["percentile"] >= 200 / 3, frame["percentile"] < 100 / 3], ["gron", "rod"], "gul"
    ), index=frame.index, dtype=object)
    keys = ["indicator_id", "year", "level"]
    answers = frame["ok_value"].where(~_answers_through_stadsdelar(frame))
    binary = answers.groupby([frame[k] for k in keys]).transform(
        lambda v: bool(v.notna().any()) and set(v.dropna().unique()) <= {0.0, 100.0}
    ).astype(bool) & answers.notna()
    colour[binary & frame["ok_value"].eq(100.0)] = "gron"
    colour[binary & frame["ok_value"].eq(0.0)] = "rod"
    colour[frame["ok_value"].isna()] = "gra"
    directionless = frame["higher_is_better"].isna() | ~frame["level"].isin(RANKED_LEVELS)
    colour[directionless] = None
    return colour


def comparison_frame(values: pd.DataFrame, areas: pd.DataFrame,
                     indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator × area × year with everything a comparison chart needs."""
    lan_names = areas.loc[areas.level == "lan", ["area_code", "name"]].rename(
        columns={"area_code": "lan_code", "name": "lan_name"})
    frame = (values.merge(areas[["area_code", "name", "level", "lan_code", "kommungrupp"]],
                          on="area_code")
             .merge(lan_names, on="lan_code", how="left")
             .merge(indicators, on="indicator_id"))
    iso = areas.loc[areas.level == "lan", ["area_code", "iso_3166_2"]].rename(
        columns={"area_code": "lan_code"})
    frame = frame.merge(iso, on="lan_code", how="left")
    ref = frame[["indicator_id", "year", "area_code", "ok_value"]]
    riket = ref[ref.area_code == RIKET].rename(columns={"ok_value": "riket_value"}).drop(
        columns="area_code")
    lan = ref.rename(columns={"area_code": "lan_code", "ok_value": "lan_value"})
    group_mean = (frame[frame.level == "kommun"].groupby(["indicator_id", "year", "kommungrupp"])
                  ["ok_value"].mean().rename("kommungrupp_mean").reset_index())
    frame = (frame.merge(riket, on=["indicator_id", "year"], how="left")
             .merge(lan, on=["indicator_id", "year", "lan_code"], how="left")
             .merge(group_mean, on=["indicator_id", "year", "kommungrupp"], how="left"))
    frame.loc[frame.level.isin(["riket", "lan"]), "kommungrupp_mean"] = np.nan
    frame.loc[frame.level == "lan", "lan_value"] = np.nan
    ranked = frame[frame.level.isin(RANKED_LEVELS)]
    ranks = [
        _rank_group(group, group["higher_is_better"].iloc[0])
        for _, group in ranked.groupby(["indicator_id", "year", "level"])
    ]
    frame = frame.join(pd.concat(ranks) if ranks else pd.DataFrame(
        columns=["rank", "n_ranked", "percentile"]))
    frame.loc[frame.ok_value.isna(), ["rank", "percentile"]] = np.nan
    frame["colour"] = _colour(frame)
    frame["diff_riket_pp"] = (frame.ok_value - frame.riket_value).where(frame.level != "riket")
    frame = frame.sort_values(["indicator_id", "area_code", "year"])
    previous = frame.groupby(["indicator_id", "area_code"])
    frame["prev_year"] = previous["year"].shift(1)
    frame["change_since_prev"] = frame.ok_value - previous["ok_value"].shift(1)
    frame["period"] = [date(int(y), 1, 1) for y in frame.year]
    frame = frame.rename(columns={"name": "area_name", "title": "indicator_title",
                                  "short_title": "indicator_short_title"})
    frame = frame.reindex(columns=[c.name for c in indicator_comparison.columns])
    frame["value"] = frame["value"].astype(float)
    return frame.reset_index(drop=True)


def _indicator_comparison(conn: Connection) -> None:
    values = _values(conn)
    areas = _frame(conn, select(area))
    indicators = _frame(conn, select(indicator.c.indicator_id, indicator.c.title,
                                     indicator.c.short_title, indicator.c.kind, indicator.c.unit,
                                     indicator.c.higher_is_better))
    indicators["higher_is_better"] = indicators["higher_is_better"].map(
        lambda v: None if v is None or pd.isna(v) else bool(v)).astype(object)
    conn.execute(indicator_comparison.delete())
    if values.empty:
        return
    frame = comparison_frame(values, areas, indicators)
    for key in ("rank", "n_ranked", "prev_year"):
        frame[key] = frame[key].astype("Int64")
    insert_rows(conn, indicator_comparison, frame)


@dataclass(frozen=True)
class Builder:
    """A derived table's computation and the base tables it reads."""

    name: str
    inputs: tuple[Table, ...]
    build: Callable[[Connection], None]


DERIVED = (
    Builder("indicator_comparison", (indicator_value, indicator, area), _indicator_comparison),
    Builder("skr", SKR_INPUTS, rebuild_skr),
)


def _input_state(conn: Connection, inputs: tuple[Table, ...]) -> set[tuple[str, int, int]]:
    """Per base table: rows and the newest batch id. A load that writes, replaces or deletes rows of a
    table changes one of them: what it writes carries its batch id, larger than every earlier one."""
    return {
        (t.name, *map(int, conn.execute(
            select(func.count(), func.coalesce(func.max(t.c.batch_id), 0))).one()))
        for t in inputs
    }


def rebuild_derived(conn: Connection) -> None:
    """Recompute, inside the caller's transaction, every derived table whose inputs changed since it
    was last computed; an ÖJ load then costs the SKR analyses nothing, and the reverse."""
    for builder in DERIVED:
        state = _input_state(conn, builder.inputs)
        last = conn.execute(
            select(derived_source.c.base_table, derived_source.c.n_rows, derived_source.c.max_batch_id)
            .where(derived_source.c.builder == builder.name)).fetchall()
        if {tuple(row) for row in last} == state:
            continue
        conn.execute(derived_source.delete().where(derived_source.c.builder == builder.name))
        conn.execute(derived_source.insert(), [
            {"builder": builder.name, "base_table": name, "n_rows": n, "max_batch_id": newest}
            for name, n, newest in sorted(state)])
        builder.build(conn)
