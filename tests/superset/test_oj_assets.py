"""The ÖJ dashboards in a real Superset 6.1.0 reproduce what Socialstyrelsen published.

The two ÖJ dashboards ("Öppna jämförelser LSS – utveckling", "Jämför kommuner") and the datasets
are registered with the library's own `register` into the session's Superset, against the
PostgreSQL warehouse seeded with `jamfor seed --demo`. Every chart's saved query context is then run
through `GET /api/v1/chart/{id}/data/`, and the figures of the 2021 LSS fact sheet — read from the
document text, not retyped — must come out: the riket big numbers, Tabell 1 and 2, and Figur 1
(the socionom share per län with three län missing through bortfall).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from support.assets import register_and_fetch, rows_of, shipped_assets
from support.factsheet import bortfall_lan_names, published_tables, text_figures
from support.tables import read_table

from jamfor.seed.catalog import indicator_frame

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

OJ_DASHBOARDS = ("oj_lss_utveckling", "jamfor_kommuner")
OJ_DATASETS = ("indicator_comparison", "indicator_values", "area", "indicator", "data_sources",
               "kommun_ranking", "indicator_years", "areas_with_values", "indicator_group_comparison",
               "kolada_groups")
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
    assert len(assets.of("chart")) == 22
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
        assert round(latest["andel"] * 100, 6) == expected, chart  # a share, shown with its unit: 41 %


def test_ibic_at_all_investigations_2021_is_41_for_riket(registered):
    series = rows_of(registered, "oj_lss_utveckling", "riket_ibic_utredningar")
    assert [row["andel"] for row in sorted(series, key=lambda row: row["period"])][-1] == 0.41


def test_kompetensplan_trendline_leaves_the_years_without_data_empty(registered, shared):
    """2016 → 2021 with no survey between: the trendline has empty years, not a line through them."""
    text = text_figures(shared)
    points = {datetime.fromtimestamp(row["period"] / 1000, tz=timezone.utc).year: row["andel"]
              for row in rows_of(registered, "oj_lss_utveckling", "riket_kompetensplan")}
    assert sorted(points) == list(range(2016, 2022))
    assert [points[year] for year in range(2017, 2021)] == [None] * 4
    assert (round(points[2016] * 100), round(points[2021] * 100)) == (text["kompetensplan_2016"],
                                                                      text["kompetensplan_2021"])


@pytest.mark.parametrize("chart", BIG_NUMBERS)
def test_beneath_each_riket_big_number_a_note_gives_every_years_value_in_words(registered, chart):
    """No trendline without an axis: the change is written out, year by year, from the chart's own data."""
    dashboard = next(a for a in registered["assets"].of("dashboard") if a.data["slug"] == "oj-lss-utveckling")
    position = dashboard.data["position"]
    chart_key = f"CHART-oj_lss_utveckling-{chart}"
    note_key = f"MARKDOWN-oj_lss_utveckling-utveckling_{chart.removeprefix('riket_')}"
    assert not next(a for a in registered["assets"].of("chart")
                    if a.uuid == position[chart_key]["meta"]["uuid"]).data["params"]["show_trend_line"]
    note = position[note_key]["meta"]["code"].replace("\u00a0", " ")
    assert position[note_key]["parents"][-1] != position[chart_key]["parents"][-1]  # the row beneath
    years = {datetime.fromtimestamp(row["period"] / 1000, tz=timezone.utc).year: row["andel"]
             for row in rows_of(registered, "oj_lss_utveckling", chart) if row["andel"] is not None}
    assert years and all(f"{year}: {round(share * 100)} %" in note for year, share in years.items()), note
    written = [int(year) for year in re.findall(r"\b(20\d\d): \d+ %", note)]
    assert sorted(written) == sorted(years), note


@pytest.mark.parametrize("table", ["Tabell 1", "Tabell 2"])
def test_pivot_tables_reproduce_the_published_table_cell_by_cell(registered, shared, table):
    published = {(row.title, year): value for row in published_tables(shared) if row.table == table
                 for year, value in row.values.items()}
    chart = f"riket_{table.lower().replace(' ', '_')}_pivot"
    rows = rows_of(registered, "oj_lss_utveckling", chart)
    shown = {(row["indicator_title"], int(year)): value for row in rows
             for year, value in row.items() if year.isdigit()}
    assert shown == published
    # one column per year, rows in the fact sheet's order
    assert [row["indicator_title"] for row in rows] == [row.title for row in published_tables(shared)
                                                        if row.table == table]


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
    assert [point["year_label"] for point in lines] == [str(year) for year in sorted(by_year)]  # every year
    for point in lines:
        year = int(point["year_label"])
        assert Counter(v for k, v in point.items() if k != "year_label") == by_year[year], year


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
    assert all(row["varde_text"] == "bortfall" for row in bortfall)  # the reason, not "N/A"
    assert all(row["varde_text"].isdigit() for row in rows if row not in bortfall)


def test_spread_per_lan_marks_the_bortfall_lan_whose_kommuner_are_shown(registered, shared):
    missing = bortfall_lan_names(shared)
    rows = rows_of(registered, "jamfor_kommuner", "spridning_per_lan")
    assert len(rows) == LAN_IN_SWEDEN  # one row per län, each with its kommuner's lowest to highest value
    assert all(row["Lägst"] <= row["Medel"] <= row["Högst"] for row in rows)
    marked = {row["lan_label"] for row in rows if row["lan_label"].endswith("– länet: bortfall")}
    assert len(marked) == len(missing) == 3
    assert all(any(label.startswith(m) for m in missing) for label in marked)


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
    points = rows_of(registered, "oj_lss_utveckling", "kommun_jamfort_over_tid")
    assert [row["year_label"] for row in points] == [str(year) for year in sorted(ibic)]
    assert [row["riksvarde"] for row in points] == [ibic[year] for year in sorted(ibic)]
    assert all(row["Min kommun (procent)"] in (0, 100) for row in points)  # ja/nej at kommun level


def test_data_source_note_names_the_published_and_the_synthetic_batch(registered):
    for slug in OJ_DASHBOARDS:
        rows = rows_of(registered, slug, "data_sources")
        kinds = {row["data_kind"]: row["attribution"] for row in rows}
        assert set(kinds) == {"Publicerade uppgifter", "Syntetiska demovärden"}
        assert "Socialstyrelsen" in kinds["Publicerade uppgifter"]
        assert "jamfor demo" in kinds["Syntetiska demovärden"]


def test_response_rates_94_and_95_percent_are_on_the_utveckling_dashboard(registered, shared):
    text = text_figures(shared)
    rows = rows_of(registered, "oj_lss_utveckling", "riket_svarsfrekvens")
    assert sorted(round(row["andel"] * 100) for row in rows) == sorted(
        [text["svarsfrekvens_generell"], text["svarsfrekvens_lss"]]) == [94, 95]


# --- every figure of the fact sheet ----------------------------------------------------------------

def _numbers(rows: list[dict[str, Any]]) -> set[float]:
    """Every number a chart's rows carry, with shares (0–1, from "andel") also as whole percent."""
    found: set[float] = set()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "period":
                found.add(round(value, 6))
                if key == "andel":
                    found.add(round(value * 100, 6))
    return found


def test_every_figure_of_the_fact_sheet_is_on_a_chart_of_the_oj_dashboards(registered, shared):
    """The figure list is parsed from the fact sheet: both tables cell by cell and the running text."""
    text = text_figures(shared)
    tables = {"Tabell 1": "riket_tabell_1_pivot", "Tabell 2": "riket_tabell_2_pivot"}
    wanted: list[tuple[str, int, str, str]] = [  # (what, figure, dashboard, chart)
        (f"{row.table} {row.title} {year}", value, "oj_lss_utveckling", tables[row.table])
        for row in published_tables(shared) for year, value in row.values.items()]
    where = {"socionom_2021": ("oj_lss_utveckling", "riket_socionomexamen"),
             "lan_min": ("jamfor_kommuner", "karta_lan"), "lan_max": ("jamfor_kommuner", "karta_lan"),
             "kompetensplan_2016": ("oj_lss_utveckling", "riket_kompetensplan"),
             "kompetensplan_2021": ("oj_lss_utveckling", "riket_kompetensplan"),
             "fortbildning_2021": ("oj_lss_utveckling", "kommun_alla_indikatorer"),
             "handledning_2021": ("oj_lss_utveckling", "kommun_alla_indikatorer"),
             "svarsfrekvens_generell": ("oj_lss_utveckling", "riket_svarsfrekvens"),
             "svarsfrekvens_lss": ("oj_lss_utveckling", "riket_svarsfrekvens")}
    assert set(where) == set(text)  # a new figure in the parser needs a place here
    wanted += [(key, text[key], *where[key]) for key in text]
    missing = [(what, figure, chart) for what, figure, slug, chart in wanted
               if figure not in _numbers(rows_of(registered, slug, chart))]
    assert not missing
    assert len(wanted) == 15 + 20 + 9


def test_a_charts_data_asked_for_again_comes_from_the_cache(registered):
    """The demo's Superset caches chart data (Redis when it answers, else in memory): warm dashboards."""
    client, ids = registered["client"], registered["ids"]
    chart = next(a for a in registered["assets"].of("chart") if a.source.endswith("riket_svarsfrekvens.yaml"))
    client.chart_data(ids[chart.uuid])
    again = client.chart_data(ids[chart.uuid])
    assert [result["is_cached"] for result in again["result"]] == [True]


def test_min_kommun_stands_beside_its_kolada_group_and_its_kommungrupp_as_the_warehouse_has_them(
        registered, demo_warehouse_pg):
    """The demo's SYNTHETIC group of Malmö, on "Jämför kommuner" as Superset answers the chart: Malmö
    meets the group made for it and none of the 289 made for other kommuner."""
    title = "Liknande kommuner, Malmö (syntetisk demogrupp)"
    [row] = rows_of(registered, "jamfor_kommuner", "kolada_grupp_tabell")
    assert row["kolada_group_title"] == title
    [expected] = read_table(demo_warehouse_pg, "indicator_group_comparison", {
        "area_name": "Malmö", "kolada_group_title": title, "year": 2021,
        "indicator_short_title": "Handläggare med socionomexamen"}).to_dict("records")
    assert row["area_name"] == "Malmö"
    for metric, column in (("varde", "value"), ("kolada_gruppmedel", "kolada_group_mean"),
                           ("avvikelse_kolada_grupp_pp", "diff_kolada_group_pp"),
                           ("kommungruppsmedel", "kommungrupp_mean"),
                           ("avvikelse_kommungrupp_pp", "diff_kommungrupp_pp")):
        assert row[metric] == pytest.approx(expected[column]), metric
