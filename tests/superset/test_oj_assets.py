"""The ÖJ dashboards in a real Superset 6.1.0 reproduce what Socialstyrelsen published.

The two ÖJ dashboards ("Öppna jämförelser LSS – utveckling", "Jämför kommuner") and the datasets
are registered with the library's own `register` into the session's Superset, against the
PostgreSQL warehouse seeded with `jamfor seed --demo`. Every chart's saved query context is then run
through `GET /api/v1/chart/{id}/data/`, and the figures of the 2021 LSS fact sheet — read from the
document text, not retyped — must come out: the riket big numbers, Tabell 1 and 2, and Figur 1
(the socionom share per län with three län missing through bortfall).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from support.assets import register_and_fetch, rows_of, shipped_assets
from support.factsheet import bortfall_lan_names, published_tables, text_figures

from jamfor.seed.catalog import indicator_frame

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

OJ_DASHBOARDS = ("oj_lss_utveckling", "jamfor_kommuner")
OJ_DATASETS = ("indicator_comparison", "indicator_values", "area", "indicator", "data_sources",
               "kommun_ranking")
# big-number chart -> the indicator it shows, and (for figures from the running text) the oracle's key
BIG_NUMBERS = {
    "riket_ibic_utredningar": ("lss_ibic_alla_utredningar", None),
    "riket_ibic_uppfoljningar": ("lss_ibic_alla_uppfoljningar", None),
    "riket_enskildas_uppfattning_utforare": ("lss_enskildas_uppfattning_utforare", None),
    "riket_systematisk_uppfoljning": ("lss_systematisk_uppfoljning_verksamhetsutveckling", None),
    "riket_kompetensplan": ("lss_kompetensplan_samlad", "kompetensplan_2021"),
    "riket_socionomexamen": ("lss_handlaggare_socionomexamen", "socionom_2021"),
}
LAN_IN_SWEDEN = 21


@pytest.fixture(scope="module")
def registered(superset, demo_warehouse_pg, tmp_path_factory) -> dict[str, Any]:
    """Register the ÖJ datasets and dashboards once and fetch every chart's data once."""
    assets = shipped_assets(lambda a: (a.kind == "dataset" and Path(a.source).stem in OJ_DATASETS)
                            or a.slug in OJ_DASHBOARDS)
    return register_and_fetch(superset, demo_warehouse_pg, assets, tmp_path_factory.mktemp("oj-state"))


def test_both_oj_dashboards_register_with_every_chart_and_dataset(registered):
    assets = registered["assets"]
    assert {Path(a.source).parts[1] for a in assets.of("dashboard")} == set(OJ_DASHBOARDS)
    assert {Path(a.source).stem for a in assets.of("dataset")} == set(OJ_DATASETS)
    assert len(assets.of("chart")) == 19
    assert set(registered["result"].chart_rows) == {a.uuid for a in assets.of("chart")}


def test_every_oj_chart_answers_its_data_endpoint_with_rows(registered):
    empty = [source for source, rows in registered["data"].items() if not rows]
    assert not empty, f"charts whose data endpoint answered without rows: {empty}"


def test_riket_big_numbers_end_with_the_published_2021_figures(registered, shared):
    tabell = {row.title: row.values for row in published_tables(shared)}
    titles = dict(zip(indicator_frame().indicator_id, indicator_frame().title))
    text = text_figures(shared)
    for chart, (indicator_id, text_key) in BIG_NUMBERS.items():
        expected = text[text_key] if text_key else tabell[titles[indicator_id]][2021]
        series = rows_of(registered, "oj_lss_utveckling", chart)
        latest = max(series, key=lambda row: row["period"])
        assert latest["varde"] == expected, chart


def test_ibic_at_all_investigations_2021_is_41_for_riket(registered):
    series = rows_of(registered, "oj_lss_utveckling", "riket_ibic_utredningar")
    assert [row["varde"] for row in sorted(series, key=lambda row: row["period"])][-1] == 41


@pytest.mark.parametrize("table", ["Tabell 1", "Tabell 2"])
def test_pivot_tables_reproduce_the_published_table_cell_by_cell(registered, shared, table):
    published = {(row.title, year): value for row in published_tables(shared) if row.table == table
                 for year, value in row.values.items()}
    chart = f"riket_{table.lower().replace(' ', '_')}_pivot"
    shown = {(row["indicator_title"], row["year"]): row["varde"]
             for row in rows_of(registered, "oj_lss_utveckling", chart)}
    assert shown == published


@pytest.mark.parametrize("table", ["Tabell 1", "Tabell 2"])
def test_trend_lines_carry_each_years_published_values(registered, shared, table):
    by_year: dict[int, Counter] = {}
    for row in published_tables(shared):
        if row.table == table:
            for year, value in row.values.items():
                by_year.setdefault(year, Counter())[value] += 1
    chart = f"riket_{table.lower().replace(' ', '_')}_trend"
    lines = rows_of(registered, "oj_lss_utveckling", chart)
    assert len(lines) == len(by_year)
    for point in lines:
        year = datetime.fromtimestamp(point["period"] / 1000, tz=timezone.utc).year
        assert Counter(v for k, v in point.items() if k != "period") == by_year[year], year


def test_sweden_map_has_18_lan_with_values_and_the_bortfall_lan_missing_as_in_figur_1(registered, shared):
    figures = text_figures(shared)
    missing = bortfall_lan_names(shared)
    lan = rows_of(registered, "jamfor_kommuner", "karta_lan")
    assert len(lan) == LAN_IN_SWEDEN - len(missing) == 18
    assert all(row["iso_3166_2"].startswith("SE-") for row in lan)
    assert len({row["iso_3166_2"] for row in lan}) == 18
    assert not [row["lan_name"] for row in lan if any(row["lan_name"].startswith(m) for m in missing)]
    values = [row["varde"] for row in lan]
    assert (min(values), max(values)) == (figures["lan_min"], figures["lan_max"])


def test_lan_table_lists_all_21_lan_with_riket_and_bortfall_without_value(registered, shared):
    figures = text_figures(shared)
    missing = bortfall_lan_names(shared)
    rows = rows_of(registered, "jamfor_kommuner", "lan_tabell")
    assert len(rows) == LAN_IN_SWEDEN
    assert {row["riksvarde"] for row in rows} == {figures["socionom_2021"]}
    bortfall = [row for row in rows if row["status_label"] == "Bortfall"]
    assert len(bortfall) == len(missing) == 3
    assert all(any(row["area_name"].startswith(m) for m in missing) for row in bortfall)
    assert all(row["varde"] is None for row in bortfall)


def test_ranking_marks_min_kommun_once_among_every_kommun_of_its_lan_in_rank_order(registered):
    bars = rows_of(registered, "jamfor_kommuner", "rangordning_stapel")
    marked = [row for row in bars if row["varde_min_kommun"] is not None]
    assert [row["peer_label"].split(". ", 1)[1] for row in marked] == ["Malmö ◀ min kommun"]
    assert all(row["varde_ovriga"] is None for row in marked)
    ranks = [int(row["peer_label"].split(".", 1)[0]) for row in bars]
    # horizontal bars draw the first category at the bottom: descending labels put rank 1 on top
    assert ranks == sorted(ranks, reverse=True) and ranks[-1] == 1
    table = rows_of(registered, "jamfor_kommuner", "rangordning_tabell")
    assert len(table) == len(bars) > 10
    assert [row["peer_name"] for row in table if row["marking"] == "Min kommun"] == ["Malmö"]


def test_min_kommun_over_time_sits_next_to_the_published_riket_series(registered, shared):
    title = indicator_frame().set_index("indicator_id").title["lss_ibic_alla_utredningar"]
    ibic = {row.title: row.values for row in published_tables(shared)}[title]
    points = sorted(rows_of(registered, "oj_lss_utveckling", "kommun_jamfort_over_tid"),
                    key=lambda row: row["period"])
    assert [row["riksvarde"] for row in points] == [ibic[year] for year in sorted(ibic)]
    assert all(row["Min kommun (procent)"] in (0, 100) for row in points)  # ja/nej at kommun level


def test_data_source_note_names_the_published_and_the_synthetic_batch(registered):
    for slug in OJ_DASHBOARDS:
        rows = rows_of(registered, slug, "data_sources")
        kinds = {row["data_kind"]: row["attribution"] for row in rows}
        assert set(kinds) == {"Publicerade uppgifter", "Syntetiska demovärden"}
        assert "Socialstyrelsen" in kinds["Publicerade uppgifter"]
        assert "jamfor demo" in kinds["Syntetiska demovärden"]
