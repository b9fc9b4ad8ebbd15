"""Issue 26: a long KPI list (a verksamhet: about 1,000 KPIs) loads in parts, one transaction for all.

The saved real values of three KPIs (tests/fixtures/kolada_saved) loaded with JAMFOR_KOLADA_PER_LOAD=1
are three parts: the same rows as one part, a failure in the last part writes nothing, a part Kolada
has no value for is left out with a warning, and a second run finds each part's batch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext

import pytest
from click.testing import CliRunner
from support import kolada_saved as saved
from support.databases import pg_database
from support.kolada_server import KoladaHttpServer
from support.tables import dump, read_table

from jamfor.cli.main import main

# U07525 (yes/no), U21477 (by kön), U28122 (a share): parts in KPI id order
FIRST, MIDDLE, LAST = sorted(saved.KPIS)
YEARS = f"{saved.years()[0]}-{saved.years()[-1]}"
DERIVED = ("indicator_value", "indicator", "indicator_comparison_base")


@pytest.fixture
def server(tmp_path, monkeypatch) -> Iterator[KoladaHttpServer]:
    kolada = KoladaHttpServer().start()
    kolada.state.reset(saved.kpi_records(), saved.data_rows(), per_page=5000)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield kolada
    kolada.stop()


def load(server: KoladaHttpServer, url: str, *options: str, per_load: int = 1):
    kpis = [arg for kpi in saved.KPIS for arg in ("--kpi", kpi)]
    return CliRunner().invoke(main, ["load", "kolada", *kpis, "--years", YEARS, "--base-url", server.base_url,
                                     "--db", url, *options],
                              env={"JAMFOR_KOLADA_PER_LOAD": str(per_load)}, catch_exceptions=False)


def flat(text: str) -> str:
    return " ".join(text.split())


def kolada_batches(url: str) -> list[str]:
    batches = read_table(url, "load_batch", {"source": "kolada"})
    return sorted(batches.source_ref)


def without_batches(url: str) -> dict[str, list[tuple]]:
    """The tables a load writes and derives, row by row, without the batch a row came in."""
    out = {}
    for name in DERIVED:
        frame = read_table(url, name).drop(columns="batch_id", errors="ignore")
        out[name] = sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return out


def test_three_parts_load_the_same_rows_and_comparisons_as_one_load(server, db_url, tmp_path):
    sqlite = nullcontext(f"sqlite:///{tmp_path / 'one.db'}")
    same_kind = pg_database() if db_url.startswith("postgresql") else sqlite
    with same_kind as one:
        assert load(server, one, per_load=100).exit_code == 0
        parts = load(server, db_url)
        assert parts.exit_code == 0, parts.output
        assert f"rows from Kolada {server.base_url}: 3 KPIs in loads of 1 into" in flat(parts.output)
        assert "in 3 loads (batches" in flat(parts.output)
        assert without_batches(db_url) == without_batches(one)
    refs = kolada_batches(db_url)
    assert [ref.split("; ")[0].rsplit(" ", 1)[1] for ref in refs] == [FIRST, MIDDLE, LAST]
    assert len(without_batches(db_url)["indicator_value"]) > 3000


def test_a_bad_row_in_the_last_part_writes_nothing_of_the_parts_before(server, seeded_db_url):
    before = dump(seeded_db_url)
    server.state.rows.append({"kpi": LAST, "municipality": "0114", "period": 2019, "values": "nope"})
    result = load(server, seeded_db_url)
    assert result.exit_code == 1
    assert f"/data/kpi/{LAST}/year/" in flat(result.output) and "row " in result.output
    asked = server.data_requests()
    assert [kpi for kpi in (FIRST, MIDDLE, LAST) if any(f"/kpi/{kpi}/" in r for r in asked)] == [
        FIRST, MIDDLE, LAST]
    assert dump(seeded_db_url) == before


def test_a_part_without_a_value_is_left_out_with_a_warning_and_the_others_load(server, sqlite_url):
    server.state.rows = [r for r in server.state.rows if r["kpi"] != MIDDLE]
    result = load(server, sqlite_url)
    assert result.exit_code == 0, result.output
    assert f"Warning: Kolada has no value for {MIDDLE} (in loads of 1 KPIs without a value): not loaded" \
        in flat(result.output)
    loaded = set(read_table(sqlite_url, "indicator_value").indicator_id)
    assert loaded == {f"kolada_{FIRST}", f"kolada_{LAST}"}
    assert "in 2 loads" in flat(result.output)


def test_no_value_in_any_part_is_an_error_and_writes_nothing(server, seeded_db_url):
    before = dump(seeded_db_url)
    server.state.rows = []
    result = load(server, seeded_db_url)
    assert result.exit_code == 1
    assert "Kolada has no value for the KPIs, years and municipalities asked; nothing was written" \
        in flat(result.output)
    assert dump(seeded_db_url) == before


def test_a_second_run_finds_each_parts_batch_and_replace_removes_only_what_that_part_lost(server, sqlite_url):
    assert load(server, sqlite_url).exit_code == 0
    batches = kolada_batches(sqlite_url)
    again = load(server, sqlite_url)
    assert again.exit_code == 0 and "Unchanged: Kolada" in flat(again.output)
    assert kolada_batches(sqlite_url) == batches
    lost = next(r for r in server.state.rows if r["kpi"] == MIDDLE and r["municipality"] != saved.RIKET)
    server.state.rows.remove(lost)
    replaced = load(server, sqlite_url, "--replace", "--refresh")
    assert replaced.exit_code == 0, replaced.output
    assert "; 2 unchanged)" in flat(replaced.output)
    values = read_table(sqlite_url, "indicator_value")
    kept = values[values.indicator_id.str.startswith(f"kolada_{MIDDLE}")]
    assert (lost["municipality"], lost["period"]) not in set(zip(kept.area_code, kept.year))
    assert {f"kolada_{FIRST}", f"kolada_{LAST}", f"kolada_{MIDDLE}"} <= set(values.indicator_id)
