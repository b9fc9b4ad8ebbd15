"""Kolada's smaller rules of issue 22, against Kolada-shaped servers on 127.0.0.1: an error is never
cached (and one from the cache names --refresh), one origin rule for redirects and next pages, only
the years asked, one Retry-After rule, a cache the disk does not take, a municipality sent as a number."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.hostile import child_env, kolada_row, padded_page, run_jamfor
from support.kolada_server import Answer, KoladaHttpServer, send_raw
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.seed.sources.kolada import read_kolada
from jamfor.seed.sources.kolada_http import KoladaHttp, ResponseCache

IBIC = "lss_ibic_alla_utredningar"
JAMFOR = str(Path(sys.executable).parent / "jamfor")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a message can be compared whole."""
    return " ".join(text.split())


def load_args(server: KoladaHttpServer, years: str = "2021") -> list[str]:
    return ["load", "kolada", "--kpi", f"N00001={IBIC}", "--years", years, "--base-url", server.base_url]


def page(rows: list) -> bytes:
    return json.dumps({"values": rows, "next_url": None}).encode()


def ibic(url: str) -> dict[str, float]:
    values = read_table(url, "indicator_value")
    ours = values[values.indicator_id == IBIC]
    return dict(zip(ours.area_code, ours.value))


def cache_entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "jamfor" / "kolada").glob("*.json"))


def test_a_page_with_a_bad_row_is_not_cached_so_the_next_run_asks_kolada_again(fresh_kolada, seeded_db_url,
                                                                               tmp_path):
    fresh_kolada.state.rows = [kolada_row(), kolada_row(municipality=1280)]
    before = dump(seeded_db_url)
    failed = run(*load_args(fresh_kolada), "--db", seeded_db_url)
    assert failed.exit_code == 1
    assert dump(seeded_db_url) == before
    assert cache_entries(tmp_path) == []
    fresh_kolada.state.rows = [kolada_row()]
    loaded = run(*load_args(fresh_kolada), "--db", seeded_db_url)
    assert loaded.exit_code == 0, loaded.output
    assert len(fresh_kolada.data_requests()) == 2
    assert ibic(seeded_db_url)["0114"] == 44.5
    assert len(cache_entries(tmp_path)) == 1


def test_a_bad_row_on_a_page_from_the_cache_says_that_refresh_asks_kolada_again(fresh_kolada, tmp_path):
    url = f"{fresh_kolada.base_url}/data/kpi/N00001/year/2021"
    ResponseCache(tmp_path / "cache" / "jamfor" / "kolada").put(  # as an older jamfor might have left it
        url, json.dumps({"values": [kolada_row(municipality=114)], "next_url": None}).encode())
    fresh_kolada.state.rows = [kolada_row()]
    result = run(*load_args(fresh_kolada), "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert result.exit_code == 1
    assert flat(result.output).endswith(
        f'Error: {url}: row 0, column municipality: municipality is a number, not a text (Kolada writes a '
        'municipality as a text code, e.g. "0114") (page read from the response cache; --refresh asks '
        "Kolada again) (value '114')")
    assert fresh_kolada.data_requests() == []
    refreshed = run(*load_args(fresh_kolada), "--refresh", "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert refreshed.exit_code == 0, refreshed.output


def redirect_once(location: Callable[[], str]) -> Callable:
    """Answers the first data request with a 302 to ``location()``, a request that was moved with the page."""
    def answer(handler) -> None:
        if "moved=1" in handler.path:
            send_raw(handler, page([kolada_row()]))
        else:
            send_raw(handler, b"", 302, {"Location": location()})
    return answer


def test_a_redirect_within_the_origin_is_followed(fresh_kolada, seeded_db_url):
    moved = "/v3/data/kpi/N00001/year/2021?moved=1"
    fresh_kolada.state.custom.append(("/data/", redirect_once(lambda: moved)))
    result = run(*load_args(fresh_kolada), "--refresh", "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert ibic(seeded_db_url)["0114"] == 44.5


def test_a_redirect_to_another_origin_is_refused_like_a_next_page_there(fresh_kolada, seeded_db_url):
    elsewhere = KoladaHttpServer().start()
    try:
        elsewhere.state.rows = [kolada_row(value=99)]
        target = f"{elsewhere.base_url}/data/kpi/N00001/year/2021?moved=1"
        fresh_kolada.state.custom.append(("/data/", redirect_once(lambda: target)))
        before = dump(seeded_db_url)
        result = run(*load_args(fresh_kolada), "--refresh", "--db", seeded_db_url)
        assert result.exit_code == 1
        assert flat(result.output).endswith(
            f"Error: Kolada's answer to {fresh_kolada.base_url}/data/kpi/N00001/year/2021 redirects to "
            f"{target}, outside the address asked; jamfor follows pages and redirects only there; nothing "
            "was written")
        assert elsewhere.state.requests == []
        assert dump(seeded_db_url) == before
    finally:
        elsewhere.stop()


def test_years_no_source_can_hold_are_refused_before_kolada_is_asked(fresh_kolada, tmp_path):
    result = run(*load_args(fresh_kolada, "2029-2031"), "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert result.exit_code == 1
    assert flat(result.output).endswith(f"Error: --years: '2029-2031' reaches outside the years a source "
                                        f"can hold, 1990 to {date.today().year + 1}")
    assert fresh_kolada.state.requests == []


def test_a_row_of_a_year_that_was_not_asked_is_refused(fresh_kolada, seeded_db_url):
    fresh_kolada.state.custom.append(("/data/", lambda handler: send_raw(handler, page([kolada_row()]))))
    before = dump(seeded_db_url)
    result = run(*load_args(fresh_kolada, "2020"), "--refresh", "--db", seeded_db_url)
    assert result.exit_code == 1
    assert flat(result.output).endswith(
        f"Error: {fresh_kolada.base_url}/data/kpi/N00001/year/2020: row 0, column period: a row of the year "
        "2021, which was not asked (--years) (value '2021')")
    assert dump(seeded_db_url) == before


@pytest.mark.parametrize("retry_after", ["inf", "nan", "soon", "-1", "1.5"])
def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_no_retry_after(fresh_kolada, retry_after):
    fresh_kolada.state.rows = [kolada_row()]
    fresh_kolada.state.fail_next.append(("/data/", Answer(503, {"Retry-After": retry_after})))
    http = KoladaHttp(backoff=0.01)
    [part] = read_kolada(http, kpis=[f"N00001={IBIC}"], years="2021", base_url=fresh_kolada.base_url).loads
    assert len(fresh_kolada.data_requests()) == 2
    assert part.tables["indicator_value"].value.tolist() == [44.5]


def test_a_cache_the_disk_does_not_take_loads_without_it_with_a_warning(fresh_kolada, seeded_db_url,
                                                                       tmp_path):
    fresh_kolada.state.custom.append(("/data/", padded_page))
    url = f"{fresh_kolada.base_url}/data/kpi/N00001/year/2021"
    entry = tmp_path / "cache" / "jamfor" / "kolada" / f"{hashlib.sha256(url.encode()).hexdigest()}.json"
    outcome = run_jamfor(JAMFOR, [*load_args(fresh_kolada), "--db", seeded_db_url], child_env(tmp_path, {}),
                         240, tmp_path, file_size_limit=1024 * 1024)
    assert outcome.code == 0, outcome.output
    assert (f"Warning: cannot use the Kolada response cache ({entry}: File too large); loaded without it, "
            "so the next run asks Kolada again; set XDG_CACHE_HOME to a folder you can write") \
        in flat(outcome.stderr)
    assert ibic(seeded_db_url)["0114"] == 44.5
    assert cache_entries(tmp_path) == []


def test_rows_marked_isdeleted_are_left_out_with_a_count(fresh_kolada, seeded_db_url):
    fresh_kolada.state.rows = [kolada_row(), kolada_row("1280", isdeleted=True),
                               kolada_row("1281", isdeleted=True)]
    result = run(*load_args(fresh_kolada), "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert "Warning: 2 rows Kolada marks isdeleted were left out" in flat(result.output)
    assert set(ibic(seeded_db_url)) >= {"0114"} and not {"1280", "1281"} & set(ibic(seeded_db_url))
