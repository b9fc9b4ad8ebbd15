"""`jamfor kolada search` by words, verksamhet and kön, and loading a whole verksamhet in one command.

Against the synthetic issue-26 fixture (tests/support/kolada_any_kpi.py) on a Kolada-shaped server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from support import kolada_any_kpi as fx
from support.kolada_server import KoladaHttpServer
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.sources.kolada_http import KoladaHttp
from jamfor.seed.sources.kolada_search import search_kpis


@pytest.fixture
def server(tmp_path, monkeypatch) -> Iterator[KoladaHttpServer]:
    running = KoladaHttpServer().start()
    running.state.reset([*fx.KPIS, {"id": "N99998", "title": "Elever i grundskolan, antal",
                                    "operating_area": "Grundskola", "municipality_type": "K"},
                         {"id": "L99997", "title": "Väntetid i regionens äldrevård, andel (%)",
                          "operating_area": "Äldreomsorg", "municipality_type": "L"}],
                        fx.rows(), per_page=3)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("JAMFOR_KOLADA_URL", raising=False)
    yield running
    running.stop()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _ids(output: str) -> list[str]:
    """The table's first column: KPI ids (a wrapped row's further lines leave it empty)."""
    cells = [line.split("│")[1].strip() for line in output.splitlines() if line.count("│") > 2]
    return [cell for cell in cells if cell and cell != "id"]


def test_search_by_verksamhet_lists_the_kpis_of_that_verksamhet_and_what_a_load_creates(server):
    result = run("kolada", "search", "--verksamhet", "Äldreomsorg", "--base-url", server.base_url)
    assert result.exit_code == 0, result.output
    assert _ids(result.output) == ["L99997", fx.YES_NO, fx.BY_KON, fx.SHARE]
    assert "4 KPIs." in " ".join(result.output.split())
    hits = {h.id: h for h in search_kpis(KoladaHttp(), "", server.base_url, verksamhet="Äldreomsorg")}
    assert hits[fx.YES_NO].creates() == f"kolada_{fx.YES_NO} (yes/no, coded Ja=1, Nej=0; Äldreomsorg)"


def test_search_by_kon_lists_only_kpis_kolada_divides_by_kon_with_their_three_series(server):
    result = run("kolada", "search", "hemtjänst", "--by-kon", "--base-url", server.base_url)
    assert result.exit_code == 0, result.output
    assert _ids(result.output) == [fx.BY_KON]
    [hit] = search_kpis(KoladaHttp(), "hemtjänst", server.base_url, by_kon=True)
    assert hit.creates() == (f"kolada_{fx.BY_KON}, kolada_{fx.BY_KON}_kvinnor, kolada_{fx.BY_KON}_man "
                             "(procent; Äldreomsorg)")


def test_search_for_a_verksamhet_jamfor_does_not_have_exits_1_naming_the_choices(server):
    result = run("kolada", "search", "--verksamhet", "Skola", "--base-url", server.base_url)
    assert result.exit_code == 1
    assert "--verksamhet: 'Skola' is not one of jamfor's verksamheter" in " ".join(result.output.split())


def test_a_whole_verksamhet_loads_in_one_command_leaving_region_kpis_out(server, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    result = run("load", "kolada", "--verksamhet", "Äldreomsorg", "--years", "2018-2019",
                 "--base-url", server.base_url, "--db", url)
    assert result.exit_code == 0, result.output
    indicators = read_table(url, "indicator")
    loaded = {i for i in indicators.indicator_id if i.startswith("kolada_")}
    assert loaded == {f"kolada_{fx.YES_NO}", f"kolada_{fx.SHARE}", f"kolada_{fx.BY_KON}",
                      f"kolada_{fx.BY_KON}_kvinnor", f"kolada_{fx.BY_KON}_man"}
    batch = read_table(url, "load_batch").query("source == 'kolada'").iloc[0]
    assert "verksamhet Äldreomsorg" in batch.source_ref
    assert not [r for r in server.state.requests if r.startswith("/v3/kpi/")]  # the search's records serve


def test_a_verksamhet_without_kommun_kpis_is_refused_and_writes_nothing(server, tmp_path):
    db = tmp_path / "w.db"
    result = run("load", "kolada", "--verksamhet", "Socialpsykiatri", "--base-url", server.base_url,
                 "--db", f"sqlite:///{db}")
    assert result.exit_code == 1
    assert "Kolada has no kommun KPI in verksamhet 'Socialpsykiatri'" in " ".join(result.output.split())
    assert not db.exists()
