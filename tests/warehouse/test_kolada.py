"""`jamfor load kolada` and `jamfor kolada search` against a Kolada-shaped server on 127.0.0.1."""

from __future__ import annotations

import math
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.kolada_server import Answer, KoladaHttpServer
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.seed.sources.kolada import read_kolada
from jamfor.seed.sources.kolada_http import KoladaError, KoladaHttp, ResponseCache

IBIC = "lss_ibic_alla_utredningar"


def _row(kpi: str, municipality: str, period: int, total: float | None, status: str = "",
         **extra: object) -> dict:
    values = [{"gender": "T", "count": 1, "status": status, "value": total}]
    if total is not None:
        values += [{"gender": "K", "count": 1, "status": "", "value": total - 1},
                   {"gender": "M", "count": 1, "status": "", "value": total + 1}]
    return {"kpi": kpi, "municipality": municipality, "period": period, "values": values, **extra}


KPIS = [
    {"id": "N00001", "title": "Använt IBIC vid alla utredningar, andel (%)", "description": "IBIC, ÖJ.",
     "publ_period": "2021", "publication_date": "2022-03-01", "operating_area": "Funktionsnedsättning"},
    {"id": "U00002", "title": "Brukarbedömning LSS boende - trivs alltid, andel (%)",
     "description": "Andel brukare som trivs.", "publ_period": "2020", "publication_date": "2021-02-01",
     "operating_area": "Funktionsnedsättning"},
    {"id": "N00003", "title": "Invånare totalt, antal", "description": "Folkmängd 31/12.",
     "publ_period": "2021", "publication_date": "2022-02-20", "operating_area": "Befolkning"},
]
ROWS = [
    _row("N00001", "0000", 2020, 36), _row("N00001", "0000", 2021, 41),
    _row("N00001", "0001", 2021, 44.5), _row("N00001", "0114", 2021, 100),
    _row("N00001", "1280", 2021, None, status="Missing"),
    _row("N00001", "0180", 2021, None, status="Sekretess"),
    _row("N00001", "2584", 2021, 0, isdeleted=True),
    _row("N00001", "1999", 2021, 50),  # a municipality jamfor does not know
    _row("N00001", "0114", 2015, 0),  # outside the years asked
    _row("U00002", "1281", 2020, 87.5), _row("U00002", "0000", 2020, 91),
]
EXPECTED_IBIC = {
    ("00", 2020): (36.0, "ok", "36"), ("00", 2021): (41.0, "ok", "41"), ("01", 2021): (44.5, "ok", "44.5"),
    ("0114", 2021): (100.0, "ok", "100"), ("1280", 2021): (None, "bortfall", "Missing"),
    ("0180", 2021): (None, "sekretess", "Sekretess"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[KoladaHttpServer]:
    running = KoladaHttpServer().start()
    yield running
    running.stop()


@pytest.fixture
def kolada(server: KoladaHttpServer, tmp_path, monkeypatch) -> KoladaHttpServer:
    """The server with fresh data and request log; the response cache in this test's own folder."""
    state = server.state
    state.kpis, state.rows, state.per_page = list(KPIS), list(ROWS), 2
    state.fail_next.clear()
    state.fail_always.clear()
    state.requests.clear()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("JAMFOR_KOLADA_URL", raising=False)
    return server


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def flat(text: str) -> str:
    return " ".join(text.split())


def values_of(url: str, indicator_id: str) -> dict[tuple[str, int], tuple[float | None, str, str]]:
    frame = read_table(url, "indicator_value")
    frame = frame[frame.indicator_id == indicator_id]
    return {(r.area_code, int(r.year)): (None if r.value is None or math.isnan(r.value) else r.value,
                                         r.status, r.raw_value if isinstance(r.raw_value, str) else None)
            for r in frame.itertuples()}


def test_a_kpi_mapped_to_a_catalogue_indicator_loads_the_totals_from_every_page(kolada, db_url):
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2020-2021",
                 "--base-url", kolada.base_url, "--db", db_url)
    assert result.exit_code == 0, result.output
    assert values_of(db_url, IBIC) == EXPECTED_IBIC
    data = kolada.data_requests()
    assert data[0] == "/v3/data/kpi/N00001/year/2020,2021"
    assert len(data) == 4  # 8 rows of N00001 in 2020-2021, two a page
    assert "Warning: unknown kommunkoder from Kolada were skipped: 1999" in flat(result.output)
    batch = read_table(db_url, "load_batch").query("source == 'kolada'").iloc[0]
    assert batch.attribution == "Källa: Kolada"
    assert batch.source_ref == f"Kolada {kolada.base_url}: kpi N00001; år 2020-2021; område alla"


def test_a_kpi_without_a_mapping_loads_as_kolada_id_with_its_title_description_and_verksamhet(kolada,
                                                                                            db_url):
    result = run("load", "kolada", "--kpi", "U00002", "--years", "2020", "--base-url", kolada.base_url,
                 "--db", db_url)
    assert result.exit_code == 0, result.output
    indicator = read_table(db_url, "indicator").set_index("indicator_id").loc["kolada_U00002"]
    assert (indicator.title, indicator.description, indicator.kolada_kpi, indicator.unit,
            indicator.verksamhet) == (KPIS[1]["title"], "Andel brukare som trivs.", "U00002", "procent",
                                      "LSS")
    assert values_of(db_url, "kolada_U00002") == {("1281", 2020): (87.5, "ok", "87.5"),
                                                  ("00", 2020): (91.0, "ok", "91")}
    comparison = read_table(db_url, "indicator_comparison")
    assert set(comparison[comparison.indicator_id == "kolada_U00002"].area_code) == {"1281", "00"}


def test_municipalities_are_asked_in_kolada_codes_and_in_chunks_of_25(kolada, sqlite_url):
    kommuner = sorted(read_kolada_areas())[:30]
    codes = ",".join(["00", "01", *kommuner])
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021",
                 "--municipalities", codes, "--base-url", kolada.base_url, "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    first_pages = [r for r in kolada.data_requests() if "page=" not in r]
    segments = [r.split("/municipality/")[1].split("/year/")[0].split(",") for r in first_pages]
    assert [len(s) for s in segments] == [25, 7]
    assert segments[0][:2] == ["0000", "0001"]
    assert values_of(sqlite_url, IBIC) == {k: v for k, v in EXPECTED_IBIC.items()
                                           if k[1] == 2021 and k[0] in {"00", "01", *kommuner}}


def read_kolada_areas() -> list[str]:
    from jamfor.seed.reference import area_frame

    areas = area_frame()
    return list(areas[areas.level == "kommun"].area_code)


def test_a_429_is_retried_after_the_wait_kolada_asks_for_and_then_loads(kolada, sqlite_url):
    kolada.state.fail_next.append(("/data/", Answer(429, {"Retry-After": "1"})))
    started = time.monotonic()
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2020-2021",
                 "--base-url", kolada.base_url, "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.0
    assert kolada.data_requests()[:2] == ["/v3/data/kpi/N00001/year/2020,2021"] * 2
    assert values_of(sqlite_url, IBIC) == EXPECTED_IBIC


def test_a_persistent_500_is_retried_a_bounded_number_of_times_then_raises(kolada, tmp_path):
    kolada.state.fail_always.append(("/data/", Answer(500)))
    http = KoladaHttp(cache=ResponseCache(tmp_path / "c"), retries=3, backoff=0.01)
    with pytest.raises(KoladaError) as caught:
        list(read_kolada(http, kpis=[f"N00001={IBIC}"], years="2021", base_url=kolada.base_url).loads)
    url = f"{kolada.base_url}/data/kpi/N00001/year/2021"
    assert str(caught.value) == f"Kolada answered HTTP 500 for {url} after 4 attempts; nothing was written"
    assert len(kolada.data_requests()) == 4
    assert not (tmp_path / "c").exists()


def test_a_persistent_500_on_a_later_page_exits_1_and_writes_nothing(kolada, seeded_db_url):
    before = dump(seeded_db_url)
    kolada.state.fail_always.append(("page=3", Answer(503, {"Retry-After": "0"})))
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2020-2021",
                 "--base-url", kolada.base_url, "--db", seeded_db_url)
    assert result.exit_code == 1
    url = f"{kolada.base_url}/data/kpi/N00001/year/2020,2021?page=3"
    assert f"Error: Kolada answered HTTP 503 for {url} after 5 attempts; nothing was written" \
        in flat(result.output)
    assert sum("page=3" in r for r in kolada.state.requests) == 5
    assert dump(seeded_db_url) == before


def test_a_rerun_is_answered_from_the_cache_and_refresh_asks_kolada_again(kolada, sqlite_url):
    args = ["load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021", "--base-url",
            kolada.base_url, "--db", sqlite_url]
    assert run(*args).exit_code == 0
    asked = len(kolada.state.requests)
    before = dump(sqlite_url)
    again = run(*args)
    assert again.exit_code == 0 and "Unchanged" in flat(again.output)
    assert len(kolada.state.requests) == asked
    assert dump(sqlite_url) == before
    kolada.state.rows[3] = _row("N00001", "0114", 2021, 0)
    refreshed = run(*args, "--refresh")
    assert refreshed.exit_code == 0
    assert len(kolada.state.requests) == 2 * asked
    assert values_of(sqlite_url, IBIC)[("0114", 2021)] == (0.0, "ok", "0")


def test_an_old_cache_entry_is_not_used(kolada, tmp_path):
    cache = ResponseCache(tmp_path / "c", max_age=0)
    list(read_kolada(KoladaHttp(cache=cache), kpis=[f"N00001={IBIC}"], years="2021",
                     base_url=kolada.base_url).loads)
    asked = len(kolada.state.requests)
    time.sleep(0.01)
    list(read_kolada(KoladaHttp(cache=cache), kpis=[f"N00001={IBIC}"], years="2021",
                     base_url=kolada.base_url).loads)
    assert len(kolada.state.requests) == 2 * asked


def test_the_base_url_comes_from_the_environment(kolada, sqlite_url):
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021", "--db", sqlite_url,
                 env={"JAMFOR_KOLADA_URL": kolada.base_url})
    assert result.exit_code == 0, result.output
    assert len(kolada.data_requests()) >= 1


@pytest.mark.parametrize(("args", "message"), [
    (["--kpi", "N00001=no_such_indicator"],
     "Error: column --kpi: no catalogue indicator has this id (value 'no_such_indicator')"),
    (["--kpi", "N99999"], "Error: column --kpi: Kolada has no KPI with this id (value 'N99999')"),
    (["--kpi", "N00001=lss_ibic_alla_utredningar", "--kpi", "U00002=lss_ibic_alla_utredningar"],
     "Error: the same indicator given twice in --kpi (value 'lss_ibic_alla_utredningar')"),
    (["--kpi", "N00001", "--years", "2021-2017"],
     "Error: --years: the range '2021-2017' ends before it starts"),
    (["--kpi", "N00001", "--municipalities", "018004"],
     "Error: --municipalities: '018004' is not a kommunkod, länskod or 00 (riket) that Kolada publishes"),
])
def test_bad_options_exit_1_with_a_message_and_write_nothing(kolada, tmp_path, args, message):
    db = tmp_path / "w.db"
    result = run("load", "kolada", *args, "--base-url", kolada.base_url, "--db", f"sqlite:///{db}")
    assert result.exit_code == 1
    assert message in flat(result.output)
    assert not db.exists()


def test_search_lists_matching_kpis_with_their_publication_period_across_pages(kolada):
    kolada.state.per_page = 1
    result = run("kolada", "search", "andel", "--base-url", kolada.base_url)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "│" in line and "00" in line]
    assert [line.split("│")[1].strip() for line in lines] == ["N00001", "U00002"]
    assert "2020" in lines[1] and "Invånare" not in result.output
    assert [r.split("?")[0] for r in kolada.state.requests] == ["/v3/kpi", "/v3/kpi"]


def test_search_without_hits_says_so(kolada):
    result = run("kolada", "search", "finns inte", "--base-url", kolada.base_url)
    assert result.exit_code == 0 and "No Kolada KPI matches 'finns inte'" in flat(result.output)


def _readme_commands() -> list[list[str]]:
    """The `jamfor` commands of the loading guide's Kolada example for other KPIs (the block with the
    search), continuations joined, comments cut."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "loading.md").read_text(encoding="utf-8")
    blocks = readme.split("### Kolada:")[1].split("## SKR")[0].split("```")[1::2]
    block = next(b for b in blocks if "jamfor kolada search" in b)
    joined = block.replace("\\\n", " ")
    return [shlex.split(line.split("#")[0])[1:] for line in joined.splitlines()
            if line.startswith("jamfor ")]


def test_the_loading_guides_kolada_examples_run_against_a_kolada_shaped_server(kolada, tmp_path):
    kolada.state.kpis += [
        {"id": "N01951", "title": "Invånare totalt, antal", "description": "Antal invånare 31/12.",
         "publ_period": "2021", "publication_date": "2022-02-20", "operating_area": "Befolkning"},
        {"id": "U35548", "title": "Handläggare inom skadligt bruk- och beroendevården som har "
         "socionomexamen, andel (%)", "publ_period": "2021", "publication_date": "2022-03-01"},
    ]
    kolada.state.rows += [_row("N01951", "0180", 2021, 984748), _row("U28544", "1280", 2021, 2),
                          _row("U28544", "0000", 2021, 1.2)]
    url = f"sqlite:///{tmp_path / 'jamfor.db'}"
    commands = _readme_commands()
    assert [c[:2] for c in commands] == [["kolada", "search"], ["load", "kolada"], ["load", "kolada"]]
    for command in commands:
        if "--db" in command:
            command[command.index("--db") + 1] = url
        result = run(*command, "--base-url", kolada.base_url)
        assert result.exit_code == 0, result.output
    assert values_of(url, "kolada_N01951") == {("0180", 2021): (984748.0, "ok", "984748")}
    # A catalogue KPI, coded: 2 is "Ja, för alla"; Kolada's riket average of codes is not loaded.
    assert values_of(url, "lss_ibic_alla_utredningar") == {("1280", 2021): (100.0, "ok", "2 (Ja, för alla)")}


def test_a_relative_next_url_is_followed_from_the_page_it_came_from(kolada, tmp_path):
    cache = ResponseCache(tmp_path / "c")
    start = f"{kolada.base_url}/start"
    cache.put(start, b'{"values": [], "next_url": "/v3/kpi?title=andel&page=2"}')  # page 1, cached
    pages = [page.url for page in KoladaHttp(cache=cache).pages(start)]
    assert pages == [start, f"{kolada.base_url}/kpi?title=andel&page=2"]
    assert kolada.state.requests == ["/v3/kpi?title=andel&page=2"]
