"""Any Kolada KPI understood from its metadata, and kön (issue 26), against a Kolada-shaped server.

The fixture is synthetic (tests/support/kolada_any_kpi.py says what comes from the issue); the real
saved values the issue names are loaded in test_kolada_saved.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support import kolada_any_kpi as fx
from support.databases import REPO
from support.kolada_server import KoladaHttpServer
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.reference import area_frame
from jamfor.seed.schema import create_all


@pytest.fixture(scope="module")
def server() -> Iterator[KoladaHttpServer]:
    running = KoladaHttpServer().start()
    running.state.reset(fx.KPIS, fx.rows(), per_page=5000)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def loaded(server, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """One warehouse with the four KPIs loaded, every kommun, 2018–2019; and the command's output."""
    folder = tmp_path_factory.mktemp("any_kpi")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    kpis = [arg for kpi in (fx.YES_NO, fx.SHARE, fx.BY_KON, fx.BARE) for arg in ("--kpi", kpi)]
    result = CliRunner().invoke(main, ["load", "kolada", *kpis, "--years", "2018-2019", "--base-url",
                                       server.base_url, "--db", url],
                                env={"XDG_CACHE_HOME": str(folder / "cache")}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    yield url, " ".join(result.output.split())


def _indicator(url: str, indicator_id: str):
    return read_table(url, "indicator").set_index("indicator_id").loc[indicator_id]


def _values(url: str, indicator_id: str) -> dict[tuple[str, int], tuple[float | None, str, str | None]]:
    frame = read_table(url, "indicator_value")
    frame = frame[frame.indicator_id == indicator_id]
    return {(r.area_code, int(r.year)): (None if r.value is None or math.isnan(r.value) else r.value,
                                         r.status, r.raw_value) for r in frame.itertuples()}


def test_a_yes_no_kpi_read_from_its_title_loads_100_or_0_per_kommun_with_the_code_kept(loaded):
    url, _ = loaded
    indicator = _indicator(url, f"kolada_{fx.YES_NO}")
    assert (indicator.unit, indicator.verksamhet, indicator.kon) == ("procent", "Äldreomsorg", "T")
    values = _values(url, f"kolada_{fx.YES_NO}")
    for index, kommun in enumerate(fx.kommuner()):
        code = fx.yes_no_code(index, 2019)
        expected = (None, "bortfall", "Missing") if code is None else \
            (100.0 if code == 1 else 0.0, "ok", f"{code} ({'Ja' if code == 1 else 'Nej'})")
        assert values[(kommun, 2019)] == expected


def test_a_yes_no_kpis_lan_and_riket_are_jamfors_shares_not_koladas_averages_of_codes(loaded):
    url, _ = loaded
    values = _values(url, f"kolada_{fx.YES_NO}")
    areas = area_frame().set_index("area_code")
    for year in fx.YEARS:
        codes = {k: fx.yes_no_code(i, year) for i, k in enumerate(fx.kommuner())}
        answered = [c for c in codes.values() if c is not None]
        riket, status, raw = values[("00", year)]
        assert (riket, status) == (100.0 * sum(answered) / len(answered), "ok")
        assert raw.startswith("beräknad av jamfor")
        for lan in areas[areas.level == "lan"].index:
            members = [c for k, c in codes.items() if areas.loc[k, "lan_code"] == lan]
            given = [c for c in members if c is not None]
            if len(members) - len(given) > 0.2 * len(members):
                assert values[(lan, year)][:2] == (None, "bortfall")
            else:
                assert values[(lan, year)][:2] == (100.0 * sum(given) / len(given), "ok")


def test_a_share_whose_title_lacks_andel_gets_its_unit_from_the_definition(loaded):
    url, _ = loaded
    indicator = _indicator(url, f"kolada_{fx.SHARE}")
    assert (indicator.unit, indicator.verksamhet) == ("procent", "Äldreomsorg")
    assert _values(url, f"kolada_{fx.SHARE}")[("00", 2019)] == (47.5, "ok", "47.5")


def test_a_kpi_divided_by_kon_loads_k_and_m_apart_from_t_exactly(loaded):
    url, _ = loaded
    total = f"kolada_{fx.BY_KON}"
    for kon, indicator_id in (("T", total), ("K", f"{total}_kvinnor"), ("M", f"{total}_man")):
        indicator = _indicator(url, indicator_id)
        assert indicator.kon == kon
        if kon == "T":  # NULL reads as None or NaN, as the SQLAlchemy line and pandas have it
            assert pd.isna(indicator.total_indicator_id)
        else:
            assert indicator.total_indicator_id == total
        assert _values(url, indicator_id)[("00", 2019)][:2] == (fx.RIKET_2019[kon], "ok")
    assert _indicator(url, f"{total}_kvinnor").title.endswith(" – kvinnor")
    assert _values(url, f"{total}_man")[(fx.kommuner()[2], 2019)][0] == 83.0


def test_the_comparison_ranks_and_compares_each_kon_against_riket_of_the_same_kon(loaded):
    url, _ = loaded
    view = read_table(url, "indicator_comparison")
    view = view[(view.total_indicator_id == f"kolada_{fx.BY_KON}") & (view.level == "kommun")]
    assert set(view.kon) == {"Totalt", "Kvinnor", "Män"}
    for kon, riket in (("Totalt", 90.0), ("Kvinnor", 89.0), ("Män", 91.0)):
        rows = view[view.kon == kon]
        assert set(rows.riket_value) == {riket}
        assert sorted(rows.n_ranked) == [5] * 5


def test_the_kon_filter_lists_each_kon_by_the_name_the_comparison_gives_it(loaded):
    """The dashboards' Kön filter (default Totalt) and the Indikator filter it narrows read the dataset
    indicator_years: its SQL, run here, names each kön as the comparison view does, and under Totalt
    lists the total alone."""
    url, _ = loaded
    dataset = yaml.safe_load((REPO / "datasets" / "indicator_years.yaml").read_text(encoding="utf-8"))
    with create_engine(url).connect() as conn:
        years = pd.DataFrame(conn.execute(text(dataset["sql"])).mappings().all())
    view = read_table(url, "indicator_comparison")
    named = dict(view[["indicator_id", "kon"]].drop_duplicates().itertuples(index=False, name=None))
    assert dict(years[["indicator_id", "kon"]].drop_duplicates().itertuples(index=False, name=None)) == named
    total = f"kolada_{fx.BY_KON}"
    by_kon = years[years.indicator_id.str.startswith(total)]
    assert {k: set(g.indicator_id) for k, g in by_kon.groupby("kon")} == {
        "Totalt": {total}, "Kvinnor": {f"{total}_kvinnor"}, "Män": {f"{total}_man"}}


@pytest.mark.parametrize("dashboard", ["jamfor_kommuner", "oj_lss_utveckling"])
def test_the_indikator_filter_narrows_to_the_kon_chosen_which_defaults_to_totalt(dashboard):
    meta = yaml.safe_load((REPO / "dashboards" / dashboard / "dashboard.yaml").read_text(encoding="utf-8"))
    filters = {f["name"]: f for f in meta["metadata"]["native_filter_configuration"]}
    kon = filters["Kön"]
    assert kon["targets"][0]["column"]["name"] == "kon"
    assert kon["defaultDataMask"]["filterState"]["value"] == ["Totalt"]
    assert kon["id"] in filters["Indikator"]["cascadeParentIds"]
    assert kon["targets"][0]["datasetUuid"] == filters["Indikator"]["targets"][0]["datasetUuid"]


def test_what_the_metadata_does_not_say_is_stored_as_unknown_and_warned_about(loaded):
    url, output = loaded
    bare = _indicator(url, f"kolada_{fx.BARE}")
    assert (bare.unit, bare.verksamhet) == ("okänd", "Okänd")
    assert pd.isna(bare.higher_is_better)
    assert "enhet okänd" in bare.metadata_note and "riktning okänd" in bare.metadata_note
    assert f"Kolada's KPI metadata: unit unknown: neither the definition nor the title says it " \
           f"(stored as okänd): {fx.BARE}" in output
    assert f"no operating area (verksamhet Okänd): {fx.BARE}" in output
    assert _indicator(url, f"kolada_{fx.YES_NO}").kolada_operating_area == fx.KPIS[0]["operating_area"]


def test_a_warehouse_from_before_the_kon_columns_gets_them_in_the_next_load(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW indicator_comparison"))
        conn.execute(text("ALTER TABLE indicator DROP COLUMN metadata_note"))
    create_all(engine)
    assert "metadata_note" in read_table(url, "indicator").columns
    assert "kon" in read_table(url, "indicator_comparison").columns
