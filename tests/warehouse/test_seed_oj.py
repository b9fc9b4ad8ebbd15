"""`jamfor seed`: published riket figures and the flagged synthetic demo, checked against the fact sheet."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text
from support.factsheet import bortfall_lan_names, published_tables, text_figures
from support.tables import read_table

from jamfor.seed.catalog import indicator_frame
from jamfor.seed.db import engine_for
from jamfor.seed.sources.synthetic_oj import round_half_up


def _riket(url: str) -> pd.DataFrame:
    values = read_table(url, "indicator_value")
    return values[values.area_code == "00"].set_index(["indicator_id", "year"])


def test_every_tabell_1_and_2_figure_is_a_riket_value(demo_sqlite_ro, shared):
    riket = _riket(demo_sqlite_ro)
    ids = indicator_frame().set_index("title").indicator_id
    rows = published_tables(shared)
    assert len(rows) == 9
    for row in rows:
        for year, value in row.values.items():
            assert riket.loc[(ids[row.title], year), "value"] == value, (row.title, year)
            assert riket.loc[(ids[row.title], year), "status"] == "ok"


def test_ibic_alla_utredningar_is_19_36_41(demo_sqlite_ro):
    riket = _riket(demo_sqlite_ro)
    got = [riket.loc[("lss_ibic_alla_utredningar", y), "value"] for y in (2019, 2020, 2021)]
    assert got == [19, 36, 41]


def test_the_fact_sheets_text_figures_are_riket_values(demo_sqlite_ro, shared):
    figures = text_figures(shared)
    riket = _riket(demo_sqlite_ro)["value"]
    assert riket[("lss_handlaggare_socionomexamen", 2021)] == figures["socionom_2021"]
    assert riket[("lss_kompetensplan_samlad", 2016)] == figures["kompetensplan_2016"]
    assert riket[("lss_kompetensplan_samlad", 2021)] == figures["kompetensplan_2021"]
    assert riket[("lss_kompetensplan_fortbildning", 2021)] == figures["fortbildning_2021"]
    assert riket[("lss_kompetensplan_handledning", 2021)] == figures["handledning_2021"]
    assert riket[("oj_svarsfrekvens_generell", 2021)] == figures["svarsfrekvens_generell"]
    assert riket[("lss_svarsfrekvens", 2021)] == figures["svarsfrekvens_lss"]


def test_published_values_come_from_a_real_batch_naming_the_publication(demo_sqlite_ro):
    with engine_for(demo_sqlite_ro).connect() as conn:
        batch = conn.execute(text(
            "SELECT b.source, b.source_ref, b.synthetic FROM indicator_value v "
            "JOIN load_batch b ON b.batch_id = v.batch_id "
            "WHERE v.area_code = '00' AND v.indicator_id = 'lss_ibic_alla_utredningar' AND v.year = 2021"
        )).one()
    assert batch.source == "published" and not batch.synthetic
    assert "Öppna jämförelser 2021" in batch.source_ref


def _units(values: pd.DataFrame) -> pd.DataFrame:
    """The answering units ÖJ counts: kommuner except Stockholm, and Stockholm's stadsdelar."""
    code = values.area_code
    return values[((code.str.len() == 4) & (code != "0180")) | (code.str.len() == 6)]


def test_demo_units_reproduce_every_published_riket_figure(demo_sqlite_ro):
    values = read_table(demo_sqlite_ro, "indicator_value")
    units = _units(values)
    answered = units[units.status == "ok"]
    riket = _riket(demo_sqlite_ro)
    demo_ids = set(units.indicator_id)
    catalogue = indicator_frame().query("kind != 'svarsfrekvens'")
    published = set(riket.index.get_level_values("indicator_id"))
    assert demo_ids == set(catalogue.indicator_id) & published
    # The indicators the fact sheet does not give come from Kolada only: no demo values for them.
    assert catalogue[~catalogue.indicator_id.isin(published)].kolada_kpi.notna().all()
    for (indicator_id, year), rows in answered.groupby(["indicator_id", "year"]):
        share = round_half_up(int(rows.numerator.sum()), int(rows.denominator.sum()))
        assert share == riket.loc[(indicator_id, year), "value"], (indicator_id, year)
    published_years = riket.loc[sorted(demo_ids)].reset_index()[["indicator_id", "year"]]
    demo_years = units[["indicator_id", "year"]].drop_duplicates()
    assert len(published_years.merge(demo_years)) == len(published_years)


def test_demo_response_rate_rounds_to_the_published_95_percent(demo_sqlite_ro, shared):
    units = _units(read_table(demo_sqlite_ro, "indicator_value"))
    for (_, _), rows in units.groupby(["indicator_id", "year"]):
        answered = int((rows.status == "ok").sum())
        assert round_half_up(answered, len(rows)) == text_figures(shared)["svarsfrekvens_lss"]


def test_demo_socionom_share_by_lan_reproduces_figur_1(demo_sqlite_ro, shared):
    values = read_table(demo_sqlite_ro, "indicator_value")
    areas = read_table(demo_sqlite_ro, "area").set_index("area_code")
    lan = values[(values.indicator_id == "lss_handlaggare_socionomexamen") & (values.year == 2021)
                 & values.area_code.isin(areas.index[areas.level == "lan"])]
    missing = lan[lan.status == "bortfall"].area_code.map(areas["name"])
    short = {name.replace(" län", "").removesuffix("s") for name in missing}
    assert short == bortfall_lan_names(shared)
    reported = lan[lan.status == "ok"].value
    figures = text_figures(shared)
    assert (len(reported), reported.min(), reported.max()) == (18, figures["lan_min"],
                                                               figures["lan_max"])


def test_lan_values_follow_the_20_percent_bortfall_rule(demo_sqlite_ro):
    values = read_table(demo_sqlite_ro, "indicator_value")
    areas = read_table(demo_sqlite_ro, "area").set_index("area_code")
    units = _units(values).assign(lan=lambda f: f.area_code.map(areas.lan_code))
    lan_rows = values[values.area_code.isin(areas.index[areas.level == "lan"])]
    lan_rows = lan_rows.set_index(["indicator_id", "year", "area_code"])
    for (indicator_id, year, lan), rows in units.groupby(["indicator_id", "year", "lan"]):
        got = lan_rows.loc[(indicator_id, year, lan)]
        if (rows.status != "ok").mean() > 0.2:
            assert got.status == "bortfall"
        else:
            ok = rows[rows.status == "ok"]
            expected = round_half_up(int(ok.numerator.sum()), int(ok.denominator.sum()))
            assert (got.status, got.value) == ("ok", expected)


def test_demo_values_persist_from_year_to_year(demo_sqlite_ro):
    units = _units(read_table(demo_sqlite_ro, "indicator_value"))
    sip = units[(units.indicator_id == "lss_sip_rutin_barn") & (units.status == "ok")]
    wide = sip.pivot(index="area_code", columns="year", values="value").dropna()
    agreement = (wide[2020] == wide[2021]).mean()
    assert agreement > 0.85


def test_every_demo_row_is_in_a_synthetic_batch_and_no_riket_row_is(demo_sqlite_ro):
    with engine_for(demo_sqlite_ro).connect() as conn:
        rows = conn.execute(text(
            "SELECT b.synthetic, b.source, count(*) n, sum(CASE WHEN v.area_code = '00' "
            "THEN 1 ELSE 0 END) riket FROM indicator_value v JOIN load_batch b "
            "ON b.batch_id = v.batch_id GROUP BY b.synthetic, b.source"
        )).fetchall()
    by_source = {r.source: r for r in rows}
    assert bool(by_source["demo"].synthetic) and by_source["demo"].riket == 0
    assert not bool(by_source["published"].synthetic)


def test_stockholm_is_represented_by_its_stadsdelar(demo_sqlite_ro):
    values = read_table(demo_sqlite_ro, "indicator_value")
    stadsdelar_2021 = values[(values.year == 2021) & (values.area_code.str.len() == 6)]
    assert stadsdelar_2021.area_code.nunique() == 13
    stockholm = values[(values.area_code == "0180") & (values.year == 2021)]
    assert set(stockholm.raw_value.str.contains("/")) == {True}


def test_comparison_has_every_kommun_for_every_published_indicator_year(demo_sqlite_ro):
    comparison = read_table(demo_sqlite_ro, "indicator_comparison")
    kommuner = comparison[comparison.level == "kommun"]
    published = _riket(demo_sqlite_ro).reset_index()
    published = published[~published.indicator_id.str.contains("svarsfrekvens")]
    per_key = kommuner.groupby(["indicator_id", "year"]).area_code.nunique()
    assert len(per_key) == len(published)
    assert (per_key == 290).all()
    assert comparison.loc[comparison.level == "kommun", "synthetic"].astype(bool).all()
