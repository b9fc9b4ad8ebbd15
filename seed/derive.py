"""The derived tables, computed inside the warehouse after every load, in the load's transaction.

The comparison numbers (ranks, percentiles, colours, differences to riket, län and kommungrupp,
change since the previous year) are one ``INSERT … SELECT`` with window functions, run where the data
is: no value travels to Python and back, memory does not grow with the warehouse, and the same
SQLAlchemy expression compiles for SQLite, PostgreSQL and other engines (a test compiles it for
MySQL). A load says which (indicator, year) groups it touched (``Touched``); only those are computed
again, so one more indicator costs the same in a warehouse of any size.

Averages are summed in the database's order, so SQLite and PostgreSQL agree to within rounding
(1e-9), not to the last bit; everything else is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import (
    Float,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import FromClause, Insert, Select

from jamfor.seed.derive_skr import INPUTS as SKR_INPUTS
from jamfor.seed.derive_skr import rebuild_skr
from jamfor.seed.schema import (
    RIKET,
    analyze,
    area,
    batch_rows,
    counts_in_a_mean,
    derived_source,
    indicator,
    indicator_comparison_base,
    indicator_value,
    indicator_year,
    indicator_year_select,
    kolada_group,
    kolada_group_member,
    load_batch,
    metadata,
)

RANKED_LEVELS = ("lan", "kommun", "stadsdel")
# Base tables whose rows belong to a load batch.
HELD_TABLES = tuple(t for t in metadata.sorted_tables
                    if "batch_id" in t.c and t.c.batch_id.foreign_keys)


@dataclass(frozen=True)
class Touched:
    """What one load changed, as the derive step needs to know it.

    ``tables``: every base table the load inserted into, updated or deleted from.
    ``groups``: (indicator_id, year) of every indicator_value row inserted, replaced or deleted.
    ``indicators``: indicator_id of every indicator row inserted, updated or deleted (its direction
    or kind may have changed, so all its years are computed again).
    ``batches``: every batch that gained or lost rows (the load's own, those whose rows it replaced
    or removed): only their rows are counted again for batch_rows.
    """

    tables: frozenset[str] = frozenset()
    groups: frozenset[tuple[str, int]] = frozenset()
    indicators: frozenset[str] = frozenset()
    batches: frozenset[int] = frozenset()

    @classmethod
    def of_frames(cls, tables: Mapping[str, pd.DataFrame]) -> Touched:
        """What writing or removing these rows touches: per table a frame holding at least its key
        columns (a load's frames, or the keys it wrote and removed)."""
        values = tables.get("indicator_value")
        groups = frozenset() if values is None else frozenset(
            (str(i), int(y)) for i, y in values[["indicator_id", "year"]].drop_duplicates()
            .itertuples(index=False, name=None))
        defined = tables.get("indicator")
        indicators = frozenset() if defined is None else frozenset(map(str, defined["indicator_id"]))
        return cls(frozenset(tables), groups, indicators)

    @classmethod
    def of_batches(cls, conn: Connection, batch_ids: Collection[int]) -> Touched:
        """What deleting these batches' rows touches (a reload deletes its input's earlier rows)."""
        if not batch_ids:
            return cls()
        held = indicator_value.c.batch_id.in_(list(batch_ids))
        groups = conn.execute(select(indicator_value.c.indicator_id, indicator_value.c.year)
                              .where(held).distinct())
        indicators = conn.execute(select(indicator.c.indicator_id)
                                  .where(indicator.c.batch_id.in_(list(batch_ids))))
        return cls(frozenset(t.name for t in HELD_TABLES),
                   frozenset((str(i), int(y)) for i, y in groups),
                   frozenset(indicators.scalars()), frozenset(map(int, batch_ids)))

    def __or__(self, other: Touched) -> Touched:
        return Touched(self.tables | other.tables, self.groups | other.groups,
                       self.indicators | other.indicators, self.batches | other.batches)


def _from_year(touched: Touched) -> dict[str, int]:
    """Per indicator, the first year to compute again (0: every year). A changed year changes the
    next year's change_since_prev too, so everything from the earliest touched year on is redone."""
    scope: dict[str, int] = {}
    for indicator_id, year in touched.groups:
        scope[indicator_id] = min(year, scope.get(indicator_id, year))
    return {**scope, **{indicator_id: 0 for indicator_id in touched.indicators}}


def _constants(*values: object) -> list:
    """An IN list of fixed values as separate parameters (an expanding list cannot be executemany'd)."""
    return [literal(v) for v in values]


def member_means(members: FromClause, member_code, level, group, *measures) -> Select:
    """Per indicator, year and ``group`` the ``measures`` over the group's kommuner with a value, by the
    rule the Kolada groups' means in the comparison view follow too (``counts_in_a_mean``). ``members``
    is joined on ``member_code`` and says each member's ``level`` (only kommuner count)."""
    v = indicator_value.c
    return (select(v.indicator_id, v.year, group, *measures)
            .select_from(indicator_value.join(members, member_code == v.area_code))
            .where(counts_in_a_mean(level))
            .group_by(v.indicator_id, v.year, group))


def comparison_select(per_indicator: bool = False):
    """The comparison rows as one SELECT. With ``per_indicator`` it reads one indicator's values from
    a year on (bind parameters ``indicator_id`` and ``from_year``)."""
    v, a, i, b = indicator_value.c, area.c, indicator.c, load_batch.c
    is_ok = and_(v.status == "ok", v.value.isnot(None))
    ok_value = case((is_ok, v.value), else_=null())
    # A kommun that answers through its stadsdelar (Stockholm) holds a share, not a ja/nej answer.
    stadsdel = area.alias("s")
    parent = (select(indicator_value.c.indicator_id, indicator_value.c.year,
                     func.substr(stadsdel.c.area_code, 1, 4).label("kommun_code"))
              .select_from(indicator_value.join(stadsdel,
                                                stadsdel.c.area_code == indicator_value.c.area_code))
              .where(stadsdel.c.level == "stadsdel").distinct())
    if per_indicator:
        parent = parent.where(indicator_value.c.indicator_id == bindparam("indicator_id"))
    parent = parent.subquery("parent")
    # Riket's and the län's values are key lookups, the kommungrupp mean a grouped join: each would
    # otherwise be one more sort of every row (a window of its own).
    riket, lan_area, lan = indicator_value.alias("rv"), area.alias("la"), indicator_value.alias("lv")
    member = area.alias("m")
    means = member_means(member, member.c.area_code, member.c.level, member.c.kommungrupp,
                         func.avg(indicator_value.c.value).label("mean")).where(
                             member.c.kommungrupp.isnot(None))
    if per_indicator:
        means = means.where(indicator_value.c.indicator_id == bindparam("indicator_id"))
    means = means.subquery("means")

    def ok_at(values, area_code):
        return and_(values.c.indicator_id == v.indicator_id, values.c.year == v.year,
                    values.c.area_code == area_code, values.c.status == "ok")
    source = (indicator_value.join(area, a.area_code == v.area_code)
              .join(indicator, i.indicator_id == v.indicator_id)
              .join(load_batch, b.batch_id == v.batch_id)
              .outerjoin(parent, and_(parent.c.indicator_id == v.indicator_id,
                                      parent.c.year == v.year, parent.c.kommun_code == v.area_code))
              .outerjoin(riket, ok_at(riket, RIKET))
              .outerjoin(lan_area, and_(lan_area.c.area_code == a.lan_code, lan_area.c.level == "lan"))
              .outerjoin(lan, ok_at(lan, lan_area.c.area_code))
              .outerjoin(means, and_(means.c.indicator_id == v.indicator_id, means.c.year == v.year,
                                     means.c.kommungrupp == a.kommungrupp)))
    through_stadsdelar = and_(a.level == "kommun", parent.c.kommun_code.isnot(None))
    rows = select(
        v.indicator_id, v.year, v.area_code, v.value, v.status, v.batch_id, b.synthetic, a.level,
        a.lan_code, a.kommungrupp, i.higher_is_better, ok_value.label("ok_value"),
        riket.c.value.label("riket_value"), lan.c.value.label("lan_value"),
        means.c.mean.label("group_mean"),
        case((is_ok, 1), else_=0).label("is_ok"),
        case((through_stadsdelar, null()), else_=ok_value).label("answer"),
        # Rank 1 is best: ascending where lower is better, otherwise (bakgrundsmått too) descending.
        case((i.higher_is_better == False, ok_value), else_=-ok_value).label("sort_key"),  # noqa: E712
    ).select_from(source)
    if per_indicator:
        rows = rows.where(v.indicator_id == bindparam("indicator_id"))
    rows = rows.subquery("r")
    r = rows.c
    level_group = [r.indicator_id, r.year, r.level]
    ranked_group = [*level_group, r.is_ok]
    rank = func.rank().over(partition_by=ranked_group, order_by=r.sort_key)
    r_max = func.count().over(partition_by=ranked_group, order_by=r.sort_key)  # last of the ties
    n = func.count(r.ok_value).over(partition_by=level_group)
    n_answers = func.count(r.answer).over(partition_by=level_group)
    n_not_binary = func.sum(case((r.answer.notin_(_constants(0.0, 100.0)), 1), else_=0)).over(
        partition_by=level_group)
    previous = {"partition_by": [r.indicator_id, r.area_code], "order_by": r.year}
    windows = select(
        r.indicator_id, r.year, r.area_code, r.value, r.status, r.batch_id, r.synthetic, r.level,
        r.lan_code, r.kommungrupp, r.higher_is_better, r.ok_value, r.answer,
        rank.label("r_min"), r_max.label("r_max"), n.label("n"), n_answers.label("n_answers"),
        n_not_binary.label("n_not_binary"), r.riket_value, r.lan_value, r.group_mean,
        func.lag(r.year).over(**previous).label("prev_year"),
        func.lag(r.ok_value).over(**previous).label("prev_value"),
    ).subquery("w")
    w = windows.c
    ranked = w.level.in_(_constants(*RANKED_LEVELS))
    has_rank = and_(ranked, w.ok_value.isnot(None))
    worse, tied_others = cast(w.n - w.r_max, Float), cast(w.r_max - w.r_min, Float)
    percentile = case(
        (w.n > 1, (worse + literal(0.5, Float) * tied_others) / cast(w.n - 1, Float)
         * literal(100.0, Float)),
        else_=literal(50.0, Float))
    binary = and_(w.n_answers > 0, w.n_not_binary == 0, w.answer.isnot(None))
    colour = case(
        (or_(w.higher_is_better.is_(None), ~ranked), null()),
        (w.ok_value.is_(None), "gra"),
        (and_(binary, w.ok_value == 100.0), "gron"),
        (and_(binary, w.ok_value == 0.0), "rod"),
        (percentile >= literal(200 / 3, Float), "gron"),
        (percentile < literal(100 / 3, Float), "rod"),
        else_="gul")
    query = select(
        w.indicator_id, w.year, w.area_code, w.value, w.status,
        w.riket_value,
        case((w.level != "lan", w.lan_value)).label("lan_value"),
        case((and_(w.level.in_(_constants("kommun", "stadsdel")), w.kommungrupp.isnot(None)), w.group_mean))
        .label("kommungrupp_mean"),
        case((has_rank, w.r_min)).label("rank"),
        case((ranked, w.n)).label("n_ranked"),
        case((has_rank, percentile)).label("percentile"),
        colour.label("colour"),
        case((w.level != "riket", w.ok_value - w.riket_value)).label("diff_riket_pp"),
        w.prev_year,
        (w.ok_value - w.prev_value).label("change_since_prev"),
        w.synthetic, w.batch_id,
    )
    if per_indicator:
        query = query.where(w.year >= bindparam("from_year", type_=Integer))
    return query


def comparison_insert(per_indicator: bool = False) -> Insert:
    """``INSERT INTO indicator_comparison_base SELECT …``: what the derive step runs."""
    query = comparison_select(per_indicator)
    return indicator_comparison_base.insert().from_select(
        [c.name for c in query.selected_columns], query)


def _clear(conn: Connection, table: Table) -> None:
    """Empty a derived table. On PostgreSQL TRUNCATE, which leaves no dead rows behind (the one
    dialect-specific statement here); elsewhere DELETE, which SQLite also runs as a truncation."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'TRUNCATE "{table.name}"')
    else:
        conn.execute(table.delete())


ANALYZE_SHARE = 0.1  # as PostgreSQL's autovacuum_analyze_scale_factor


def _indicator_comparison(conn: Connection, touched: Touched | None) -> None:
    """One statement per touched indicator (its rows sort in memory, on any engine, and cost about
    what they cost inside one whole-table statement); everything at once when what changed is not
    known or the areas changed. Statistics are taken again when a tenth of the rows or more were
    computed again: a small load into a large warehouse leaves the plans as they are. The values'
    statistics are taken before that when the load holds a tenth of them or more: without them
    PostgreSQL plans one indicator as a hundred rows and joins its län values by nested loops, 9× the
    time of the same statement with them (a first load of 32 indicators: 16 s against 1.8 s)."""
    scope = None if touched is None or "area" in touched.tables else _from_year(touched)
    if scope is None:
        _clear(conn, indicator_comparison_base)
        conn.execute(comparison_insert())
        _clear(conn, indicator_year)
        conn.execute(indicator_year.insert().from_select(["indicator_id", "year", "n_rows"],
                                                         indicator_year_select()))
    elif scope:
        if _share_loaded(conn, touched) >= ANALYZE_SHARE:
            analyze(conn, indicator_value)
        _update_indicators(conn, scope)
    if scope is None or (scope and _share_redone(conn, scope) >= ANALYZE_SHARE):
        analyze(conn, indicator_comparison_base, indicator_year, indicator, area)


def _share_loaded(conn: Connection, touched: Touched) -> float:
    """The share of indicator_value's rows that the touched batches hold (from batch_rows, current by
    now: it is derived first), an upper bound of what this load wrote."""
    b = batch_rows.c
    total, loaded = conn.execute(select(
        func.coalesce(func.sum(b.n_rows), 0),
        func.coalesce(func.sum(case((b.batch_id.in_(sorted(touched.batches)), b.n_rows), else_=0)), 0),
    ).where(b.base_table == indicator_value.name)).one()
    return int(loaded) / int(total) if total else 1.0


def _update_indicators(conn: Connection, scope: dict[str, int]) -> None:
    params = [{"indicator_id": ind, "from_year": year} for ind, year in sorted(scope.items())]
    for table in (indicator_comparison_base, indicator_year):
        conn.execute(table.delete().where(
            table.c.indicator_id == bindparam("indicator_id"),
            table.c.year >= bindparam("from_year", type_=Integer)), params)
    conn.execute(comparison_insert(per_indicator=True), params)
    c = indicator_comparison_base.c
    conn.execute(indicator_year.insert().from_select(
        ["indicator_id", "year", "n_rows"],
        indicator_year_select().where(c.indicator_id == bindparam("indicator_id"),
                                      c.year >= bindparam("from_year", type_=Integer))), params)


def _share_redone(conn: Connection, scope: dict[str, int]) -> float:
    """The share of the comparison's rows that belong to the recomputed indicators (read from the
    small indicator_year, an upper bound when only later years were redone)."""
    y = indicator_year.c
    total, redone = conn.execute(select(
        func.coalesce(func.sum(y.n_rows), 0),
        func.coalesce(func.sum(case((y.indicator_id.in_(sorted(scope)), y.n_rows), else_=0)), 0),
    )).one()
    return int(redone) / int(total) if total else 1.0


def _batch_rows(conn: Connection, touched: Touched | None) -> None:
    """Count rows per batch in each base table the load changed, only for the batches that gained or
    lost rows (through the batch_id index: the cost of those batches, not of the warehouse)."""
    for table in HELD_TABLES:
        if touched is not None and table.name not in touched.tables:
            continue
        mine = batch_rows.c.base_table == table.name
        counted = (select(table.c.batch_id, literal(table.name), func.count())
                   .group_by(table.c.batch_id))
        if touched is not None:
            ids = sorted(touched.batches)
            mine = and_(mine, batch_rows.c.batch_id.in_(ids))
            counted = counted.where(table.c.batch_id.in_(ids))
        conn.execute(batch_rows.delete().where(mine))
        conn.execute(batch_rows.insert().from_select(["batch_id", "base_table", "n_rows"], counted))


@dataclass(frozen=True)
class Builder:
    """A derived table's computation and the base tables it reads. ``build`` gets what the load
    touched, or None when that is unknown (then it recomputes everything it holds)."""

    name: str
    inputs: tuple[Table, ...]
    build: Callable[[Connection, Touched | None], None]
    incremental: bool = field(default=False)


# batch_rows comes first: it reads every table the others read, and once it is current the others
# take their inputs' state from it instead of counting the base tables.
DERIVED = (
    Builder("batch_rows", HELD_TABLES, _batch_rows, incremental=True),
    Builder("indicator_comparison", (indicator_value, indicator, area), _indicator_comparison,
            incremental=True),
    Builder("skr", SKR_INPUTS, lambda conn, _touched: rebuild_skr(conn)),
    # The groups' means are computed in the comparison view, member by member: without fresh statistics
    # SQLite reads each mean from all of the indicator's values instead of its members' (4.7 s against
    # 0.08 s for 3,480 groups beside every kommun, one indicator and year).
    Builder("kolada_group_statistics", (kolada_group, kolada_group_member),
            lambda conn, _touched: analyze(conn, kolada_group, kolada_group_member)),
)


def _input_state(conn: Connection, inputs: Iterable[Table]) -> set[tuple[str, int, int]]:
    """Per base table: rows and the newest batch id. A load that writes, replaces or deletes rows of a
    table changes one of them: what it writes carries its batch id, larger than every earlier one."""
    return {
        (t.name, *map(int, conn.execute(
            select(func.count(), func.coalesce(func.max(t.c.batch_id), 0))).one()))
        for t in inputs
    }


def _counted_state(conn: Connection, inputs: Iterable[Table]) -> set[tuple[str, int, int]]:
    """``_input_state`` as batch_rows has it (once batch_rows is current): the same numbers from a
    table of one row per batch, where counting the base tables grows with the warehouse."""
    names = [t.name for t in inputs]
    b = batch_rows.c
    found = {name: (int(n), int(newest)) for name, n, newest in conn.execute(
        select(b.base_table, func.sum(b.n_rows), func.max(b.batch_id))
        .where(b.base_table.in_(names)).group_by(b.base_table))}
    return {(name, *found.get(name, (0, 0))) for name in names}


def rebuild_derived(conn: Connection, touched: Touched | None = None) -> None:
    """Bring every derived table up to date inside the caller's transaction.

    With ``touched`` (what the load changed) a builder whose inputs the load did not change is
    skipped, and the others compute again only what was touched: the comparison for the touched
    indicators and years, batch_rows for the touched batches. Without it, or for a builder that has
    never run, each builder compares its inputs' row counts and newest batch with those it was last
    computed from, and recomputes whole when they differ.
    """
    for builder in DERIVED:
        last = {tuple(row) for row in conn.execute(
            select(derived_source.c.base_table, derived_source.c.n_rows, derived_source.c.max_batch_id)
            .where(derived_source.c.builder == builder.name))}
        names = {t.name for t in builder.inputs}
        if touched is not None and last:
            if not names & touched.tables:
                continue
            builder.build(conn, touched if builder.incremental else None)
            state = _counted_state(conn, builder.inputs)
        else:
            state = _input_state(conn, builder.inputs)
            if state == last:
                continue
            builder.build(conn, None)
        conn.execute(derived_source.delete().where(derived_source.c.builder == builder.name))
        conn.execute(derived_source.insert(), [
            {"builder": builder.name, "base_table": name, "n_rows": n, "max_batch_id": newest}
            for name, n, newest in sorted(state)])
