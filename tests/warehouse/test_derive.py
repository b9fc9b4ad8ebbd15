"""indicator_comparison: ranks, ties, colours, differences — and the same numbers on both databases."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import mysql
from support.tables import read_table

from jamfor.seed.db import engine_for
from jamfor.seed.derive import DERIVED, HELD_TABLES, _input_state, comparison_insert, rebuild_derived
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load
from jamfor.seed.schema import comparison_view, derived_source

AREAS = pd.DataFrame([
    {"area_code": "00", "name": "Riket", "level": "riket", "lan_code": None, "kommungrupp": None,
     "iso_3166_2": None},
    {"area_code": "12", "name": "Skåne län", "level": "lan", "lan_code": "12", "kommungrupp": None,
     "iso_3166_2": "SE-M"},
    {"area_code": "1280", "name": "Malmö", "level": "kommun", "lan_code": "12", "kommungrupp": "A1",
     "iso_3166_2": None},
    {"area_code": "1281", "name": "Lund", "level": "kommun", "lan_code": "12", "kommungrupp": "B3",
     "iso_3166_2": None},
    {"area_code": "1282", "name": "Landskrona", "level": "kommun", "lan_code": "12",
     "kommungrupp": "B3", "iso_3166_2": None},
    {"area_code": "1283", "name": "Helsingborg", "level": "kommun", "lan_code": "12",
     "kommungrupp": "B3", "iso_3166_2": None},
])


def _indicators(higher_is_better: object, kind: str = "indikator") -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": "x", "title": "X", "short_title": "X", "kind": kind,
                          "unit": "procent", "higher_is_better": higher_is_better, "verksamhet": "LSS",
                          "source": "test", "description": "test"}])


def _values(by_area: dict[str, float | None], year: int = 2021) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": "x", "area_code": a, "year": year, "value": v,
                          "status": "ok" if v is not None else "ej_besvarad"}
                         for a, v in by_area.items()])


def comparison(url: str, values: pd.DataFrame, areas: pd.DataFrame = AREAS,
               indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load these rows into a fresh warehouse (its derive step runs the SQL) and read the view."""
    groups = pd.DataFrame({"code": sorted(set(areas.kommungrupp.dropna())), "name": "grupp",
                           "huvudgrupp": "grupp"})
    frames = SourceFrames("test", "test", "0" * 64, False, {
        "kommungrupp": groups, "area": areas,
        "indicator": _indicators(True) if indicators is None else indicators,
        "indicator_value": values})
    load(engine_for(url), frames)
    return read_table(url, "indicator_comparison")


@pytest.fixture
def compare(sqlite_url):
    def run(by_area, higher_is_better=True, kind="indikator", extra=None) -> pd.DataFrame:
        values = _values(by_area)
        if extra is not None:
            values = pd.concat([values, extra], ignore_index=True)
        frame = comparison(sqlite_url, values, indicators=_indicators(higher_is_better, kind))
        return frame.set_index(["area_code", "year"])
    return run


def test_ranks_put_the_best_first_and_ties_share_the_best_rank(compare):
    out = compare({"00": 50, "12": 60, "1280": 80, "1281": 40, "1282": 80, "1283": 20})
    kommun = out.xs(2021, level="year").loc[["1280", "1281", "1282", "1283"]]
    assert list(kommun["rank"]) == [1, 3, 1, 4]
    assert set(kommun.n_ranked) == {4}


def test_lower_is_better_reverses_the_ranking(compare):
    out = compare({"1280": 80, "1281": 40, "1282": 60, "1283": 20}, higher_is_better=False)
    assert out.loc[("1283", 2021), "rank"] == 1 and out.loc[("1280", 2021), "rank"] == 4


def test_colours_are_thirds_and_missing_values_are_grey(compare):
    out = compare({"00": 50, "1280": 90, "1281": 50, "1282": 10, "1283": None})
    colours = out.xs(2021, level="year").colour
    assert list(colours[colours.isna()].index) == ["00"]  # riket is not coloured
    assert colours.dropna().to_dict() == {"1280": "gron", "1281": "gul", "1282": "rod", "1283": "gra"}


def test_yes_no_answers_colour_ja_green_and_nej_red(compare):
    out = compare({"1280": 100, "1281": 100, "1282": 100, "1283": 0})
    assert out.xs(2021, level="year").colour.to_dict() == {
        "1280": "gron", "1281": "gron", "1282": "gron", "1283": "rod"}


def test_a_bakgrundsmatt_is_ranked_but_never_coloured(compare):
    out = compare({"1280": 90, "1281": 50, "1282": 10}, higher_is_better=None, kind="bakgrundsmatt")
    assert out.colour.isna().all()
    assert out.loc[("1280", 2021), "rank"] == 1


def test_differences_to_riket_lan_and_kommungrupp_and_change_since_last_year(compare):
    last_year = _values({"1281": 30.0}, year=2020)
    out = compare({"00": 50, "12": 45, "1280": 80, "1281": 40, "1282": 60, "1283": 20},
                   extra=last_year)
    lund = out.loc[("1281", 2021)]
    assert lund.diff_riket_pp == pytest.approx(-10)
    assert lund.riket_value == 50 and lund.lan_value == 45
    assert lund.kommungrupp_mean == pytest.approx(40)  # B3: Lund 40, Landskrona 60, Helsingborg 20
    assert lund.prev_year == 2020 and lund.change_since_prev == pytest.approx(10)
    assert pd.isna(out.loc[("1280", 2021), "prev_year"])


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_comparisons_means_within_1e_9(demo_sqlite_ro, demo_pg_ro):
    frames = []
    for url in (demo_sqlite_ro, demo_pg_ro):
        frame = read_table(url, "indicator_comparison").drop(columns="batch_id")
        frame["synthetic"] = frame["synthetic"].astype(bool)
        frame["higher_is_better"] = frame["higher_is_better"].map(
            lambda v: None if pd.isna(v) else bool(v))
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
        key = ["indicator_id", "area_code", "year"]
        frames.append(frame.sort_values(key).reset_index(drop=True))
    assert len(frames[0]) > 10_000
    # Exact, except that each database sums a kommungrupp's values in its own order: averages agree
    # to within 1e-9 (in practice a few units in the last place), every other number to the bit.
    means = ["kommungrupp_mean"]
    pd.testing.assert_frame_equal(frames[0].drop(columns=means), frames[1].drop(columns=means),
                                  check_dtype=False, check_exact=True)
    pd.testing.assert_frame_equal(frames[0][means], frames[1][means], check_dtype=False,
                                  check_exact=False, rtol=0, atol=1e-9)


def test_stockholms_share_from_its_stadsdelar_does_not_hide_ja_nej_colours(sqlite_url):
    areas = pd.concat([AREAS, pd.DataFrame([
        {"area_code": "0180", "name": "Stockholm", "level": "kommun", "lan_code": "01",
         "kommungrupp": "A1", "iso_3166_2": None},
        {"area_code": "018001", "name": "Rinkeby-Kista", "level": "stadsdel", "lan_code": "01",
         "kommungrupp": "A1", "iso_3166_2": None}])], ignore_index=True)
    values = _values({"1280": 0, "1281": 100, "1282": 100, "1283": 100, "0180": 8, "018001": 0})
    out = comparison(sqlite_url, values, areas).set_index("area_code")
    assert out.loc["1280", "colour"] == "rod" and out.loc["1281", "colour"] == "gron"
    assert out.loc["0180", "colour"] == "rod"  # 8 % is in the bottom third of the kommuner


# MySQL has no CAST AS FLOAT before 8.0.17; SQLAlchemy drops the cast there, and MySQL's "/" is
# decimal division anyway.
@pytest.mark.filterwarnings("ignore:Datatype FLOAT does not support CAST")
def test_the_derive_sql_compiles_for_a_third_dialect_unchanged():
    """Portability: the same expressions compile for MySQL (compile only; no server here)."""
    for per_indicator in (False, True):
        sql = str(comparison_insert(per_indicator).compile(dialect=mysql.dialect()))
        assert "rank() OVER (PARTITION BY" in sql and "lag(" in sql
    view = str(comparison_view().compile(dialect=mysql.dialect()))
    assert "MAKEDATE(" in view


def _comparison_rows(url: str, table: str = "indicator_comparison_base") -> list[tuple]:
    frame = read_table(url, table).drop(columns="batch_id", errors="ignore")
    return sorted(tuple(None if pd.isna(v) else round(v, 9) if isinstance(v, float) else v
                        for v in row) for row in frame.itertuples(index=False))


def test_a_load_recomputes_only_what_it_touched_and_ends_where_a_full_rebuild_does(demo_db_url):
    engine = engine_for(demo_db_url)
    load(engine, _one_value("lss_ibic_alla_utredningar", "1280", 2019, 0.0))
    load(engine, _one_value("lss_ibic_alla_utredningar", "1280", 2014, 50.0))  # a year of its own
    after_load = {t: _comparison_rows(demo_db_url, t) for t in ("indicator_comparison_base",
                                                              "indicator_year")}
    with engine.begin() as conn:
        rebuild_derived(conn)  # nothing changed since: nothing to do
        conn.execute(derived_source.delete())
        rebuild_derived(conn)  # unknown history: everything from scratch
    assert {t: _comparison_rows(demo_db_url, t) for t in after_load} == after_load
    assert ("lss_ibic_alla_utredningar", 2014, 1) in after_load["indicator_year"]
    row = read_table(demo_db_url, "indicator_comparison").set_index(
        ["indicator_id", "area_code", "year"]).loc[("lss_ibic_alla_utredningar", "1280", 2020)]
    assert row.prev_year == 2019  # the next year's change follows the touched year


def _one_value(indicator_id: str, area_code: str, year: int, value: float) -> SourceFrames:
    rows = pd.DataFrame([{"indicator_id": indicator_id, "area_code": area_code, "year": year,
                          "value": value, "status": "ok", "raw_value": str(value)}])
    return SourceFrames("oj_excel", f"{indicator_id} {area_code} {year}", "0" * 64, False,
                        {"indicator_value": rows})


def test_batch_rows_count_each_batchs_rows_per_table_as_a_full_count_does(demo_db_url):
    """A load recounts only the batches it changed (its own, the one whose value it replaced), and
    records its builders' inputs from batch_rows: both must be what counting everything gives."""
    engine = engine_for(demo_db_url)
    load(engine, _one_value("lss_ibic_alla_utredningar", "1280", 2021, 100.0))
    counted = read_table(demo_db_url, "batch_rows")
    stored = {(int(r.batch_id), r.base_table): int(r.n_rows) for r in counted.itertuples()}
    expected = {}
    for table in HELD_TABLES:
        for batch_id, n in read_table(demo_db_url, table.name).batch_id.value_counts().items():
            expected[(int(batch_id), table.name)] = int(n)
    assert stored == expected and len(expected) > 5
    recorded = read_table(demo_db_url, "derived_source")
    with engine.connect() as conn:
        for builder in DERIVED:
            mine = recorded[recorded.builder == builder.name]
            assert set(zip(mine.base_table, mine.n_rows.astype(int), mine.max_batch_id.astype(int))) \
                == _input_state(conn, builder.inputs), builder.name


def test_a_warehouse_from_before_indicator_year_gets_it_counted(demo_db_url):
    from jamfor.seed.schema import create_all

    engine = engine_for(demo_db_url)
    before = _comparison_rows(demo_db_url, "indicator_year")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE indicator_year")
    create_all(engine)
    assert _comparison_rows(demo_db_url, "indicator_year") == before and len(before) > 30


def test_an_index_from_an_older_jamfor_on_other_columns_is_made_again_in_the_next_load(demo_db_url):
    from sqlalchemy import inspect

    engine = engine_for(demo_db_url)
    before = _comparison_rows(demo_db_url, "indicator_comparison_base")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_indicator_comparison_base_area")
        conn.exec_driver_sql("CREATE INDEX ix_indicator_comparison_base_area "
                             "ON indicator_comparison_base (area_code, year)")
        conn.exec_driver_sql("DROP INDEX ix_indicator_value_batch_id")

    def held() -> dict[str, list[str]]:
        return {ix["name"]: ix["column_names"]
                for table in ("indicator_comparison_base", "indicator_value")
                for ix in inspect(engine).get_indexes(table)}
    assert held()["ix_indicator_comparison_base_area"] == ["area_code", "year"]
    load(engine, _one_value("lss_ibic_alla_utredningar", "1280", 2021, 100.0))
    indexes = held()
    assert indexes["ix_indicator_comparison_base_area"] == ["area_code", "indicator_id", "year"]
    assert indexes["ix_indicator_value_batch_id"] == ["batch_id"]
    assert len(_comparison_rows(demo_db_url, "indicator_comparison_base")) == len(before)


def test_a_view_from_an_older_jamfor_without_verksamhet_is_replaced_and_keeps_every_row(demo_db_url):
    from jamfor.seed.schema import COMPARISON_VIEW, create_all

    engine = engine_for(demo_db_url)
    rows = len(read_table(demo_db_url, COMPARISON_VIEW))
    current = comparison_view().subquery()
    older = select(*[c for c in current.c if c.key != "verksamhet"])
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP VIEW {COMPARISON_VIEW}")
        body = older.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        conn.exec_driver_sql(f"CREATE VIEW {COMPARISON_VIEW} AS {body}")
    assert "verksamhet" not in read_table(demo_db_url, COMPARISON_VIEW).columns
    create_all(engine)
    table = read_table(demo_db_url, COMPARISON_VIEW)
    assert len(table) == rows
    assert set(table.verksamhet) >= {"LSS"} and table.verksamhet.notna().all()
