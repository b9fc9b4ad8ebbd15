"""Issue 26's real-value test: Kolada's own values for U07525, U28122 and U21477 (T, K and M), as a
public repository saved them (tests/fixtures/kolada_saved), served by a local Kolada-shaped server and
loaded by `jamfor load kolada` on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import nullcontext

import pytest
from click.testing import CliRunner
from support import kolada_saved as saved
from support.databases import BOTH, pg_database
from support.kolada_server import KoladaHttpServer
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.reference import area_frame
from jamfor.seed.sources.kolada_meta import OTHER_VERKSAMHET, UNKNOWN_VERKSAMHET, VERKSAMHETER

SERIES = {"T": "", "K": "_kvinnor", "M": "_man"}


@pytest.fixture(scope="module", params=BOTH)
def loaded(request, tmp_path_factory) -> Iterator[str]:
    """One warehouse per database with the three KPIs loaded for every year the save holds."""
    folder = tmp_path_factory.mktemp("kolada_saved")
    server = KoladaHttpServer().start()
    server.state.reset(saved.kpi_records(), saved.data_rows(), per_page=5000)
    years = saved.years()
    kpis = [arg for kpi in saved.KPIS for arg in ("--kpi", kpi)]
    try:
        sqlite = nullcontext(f"sqlite:///{folder / 'warehouse.db'}")
        with pg_database() if request.param == "postgres" else sqlite as url:
            result = CliRunner().invoke(main, ["load", "kolada", *kpis, "--years", f"{years[0]}-{years[-1]}",
                                               "--base-url", server.base_url, "--db", url],
                                        env={"XDG_CACHE_HOME": str(folder / "cache")}, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            yield url
    finally:
        server.stop()


def _our_area(municipality: str) -> str:
    return "00" if municipality == saved.RIKET else municipality


Loaded = dict[tuple[str, int], tuple[float | None, str, str | None]]


def _loaded_values(url: str, indicator_id: str) -> Loaded:
    frame = read_table(url, "indicator_value", {"indicator_id": indicator_id})
    return {(r.area_code, int(r.year)): (None if r.value is None or math.isnan(r.value) else r.value,
                                         r.status, r.raw_value) for r in frame.itertuples()}


def _expected(kpi: str, gender: str) -> dict[tuple[str, int], float]:
    return {(_our_area(m), y): v for (k, g, m, y), v in saved.saved_values().items()
            if (k, g) == (kpi, gender)}


@pytest.mark.parametrize(("kpi", "gender"), [(saved.SHARE, "T"), (saved.BY_KON, "T"), (saved.BY_KON, "K"),
                                             (saved.BY_KON, "M")])
def test_every_saved_value_of_a_kpi_that_is_not_coded_loads_exactly_and_nothing_else(loaded, kpi, gender):
    expected = _expected(kpi, gender)
    loaded_values = _loaded_values(loaded, f"kolada_{kpi}{SERIES[gender]}")
    assert {key: value for key, (value, _, _) in loaded_values.items()} == expected
    assert {status for _, status, _ in loaded_values.values()} == {"ok"}


def test_u21477_riket_2019_is_the_issues_t_90_k_89_m_91(loaded):
    for gender, figure in (("T", 90.0), ("K", 89.0), ("M", 91.0)):
        riket = _loaded_values(loaded, f"kolada_{saved.BY_KON}{SERIES[gender]}")[("00", 2019)]
        assert riket[:2] == (figure, "ok")


def test_u07525s_kommun_codes_load_as_100_or_0_with_the_code_kept(loaded):
    codes = {key: code for key, code in _expected(saved.YES_NO, "T").items() if key[0] != "00"}
    loaded_values = _loaded_values(loaded, f"kolada_{saved.YES_NO}")
    assert codes and {code for code in codes.values()} == {0.0, 1.0}
    for key, code in codes.items():
        assert loaded_values[key] == (100.0 * code, "ok", "1 (Ja)" if code == 1.0 else "0 (Nej)")
    kommuner = set(area_frame().query("level == 'kommun'").area_code)
    assert {key for key in loaded_values if key[0] in kommuner} == set(codes)


def test_u07525s_lan_and_riket_are_jamfors_shares_of_the_kommuner_that_answered_ja(loaded):
    """Riket: the share of answering kommuner with ja; a län: the same over its kommuner, bortfall when
    more than 20 % of them gave no answer (Socialstyrelsen's rule)."""
    codes = {key: code for key, code in _expected(saved.YES_NO, "T").items() if key[0] != "00"}
    areas = area_frame()
    kommuner = areas[areas.level == "kommun"].set_index("area_code").lan_code
    loaded_values = _loaded_values(loaded, f"kolada_{saved.YES_NO}")
    for year in sorted({y for _, y in codes}):
        answers = {k: c for (k, y), c in codes.items() if y == year}
        value, status, raw = loaded_values[("00", year)]
        assert (value, status) == (100.0 * sum(answers.values()) / len(answers), "ok")
        ja = int(sum(answers.values()))
        assert raw == f"beräknad av jamfor: {ja} av {len(answers)} svarande kommuner ja"
        for lan, members in kommuner.groupby(kommuner).groups.items():
            given = [answers[k] for k in members if k in answers]
            expected = (None, "bortfall") if len(members) - len(given) > 0.2 * len(members) else \
                (100.0 * sum(given) / len(given), "ok")
            assert loaded_values[(lan, year)][:2] == expected


def test_each_kpi_gets_its_unit_and_a_verksamhet_from_the_small_set(loaded):
    indicators = read_table(loaded, "indicator").set_index("indicator_id")
    read = {kpi: indicators.loc[f"kolada_{kpi}"] for kpi in saved.KPIS}
    assert {kpi: (row.unit, row.verksamhet) for kpi, row in read.items()} == {
        saved.YES_NO: ("procent", OTHER_VERKSAMHET),  # coded yes/no; Boverket's miljömålsenkät
        saved.SHARE: ("procent", "LSS"),  # "andel (%)" in its definition, not its title
        saved.BY_KON: ("procent", "Äldreomsorg")}
    kolada = indicators[indicators.index.str.startswith("kolada_")]
    assert set(kolada.verksamhet) <= {*VERKSAMHETER, OTHER_VERKSAMHET, UNKNOWN_VERKSAMHET}
    assert set(kolada.index) == {f"kolada_{kpi}" for kpi in saved.KPIS} | {
        f"kolada_{saved.BY_KON}_kvinnor", f"kolada_{saved.BY_KON}_man"}
