"""The SKR dashboards in a real Superset 6.1.0 show the figures of SKR's insats report.

"Socialtjänstens insatser – länsrapport" and "Nationell översikt" with the SKR datasets are registered
with the library's own `register` into the session's Superset, against the PostgreSQL warehouse seeded
with `jamfor seed --demo`. Every chart's saved query context (the dashboards' default filters: Skåne län
× Funktionshinder, and Riket) is run through `GET /api/v1/chart/{id}/data/`, and the figures of the
report for Skåne × funktionshinder and riket — parsed from the report's text, not retyped — must come out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.assets import register_and_fetch, rows_of, shipped_assets
from support.skr_publication import (
    LISTS,
    Row,
    insatsutbud_figures,
    instance_totals,
    number,
    offer_table,
    report_text,
    skane_fh_section,
    vanligast,
)

from jamfor.seed.sources.synthetic_oj import round_half_up
from jamfor.superset.sync.client import SupersetClient

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

LAN = "skr_insatser_lan"
NATIONELL = "skr_nationell_oversikt"
SKR_DASHBOARDS = (LAN, NATIONELL)
# the top lists' chart keys, by the report's table title
LIST_CHARTS = {title: f"{question}_vanligast_{category}" for title, (question, category) in LISTS.items()}


@pytest.fixture(scope="module")
def registered(superset, demo_warehouse_pg, tmp_path_factory) -> dict[str, Any]:
    """Register the SKR datasets (and the data-source dataset) and dashboards once; fetch every chart's
    data once."""
    assets = shipped_assets(lambda a: (a.kind == "dataset" and (Path(a.source).stem.startswith("skr_")
                                                                or Path(a.source).stem == "data_sources"))
                            or a.slug in SKR_DASHBOARDS)
    return register_and_fetch(superset, demo_warehouse_pg, assets, tmp_path_factory.mktemp("skr-state"))


def one_row(registered: dict[str, Any], slug: str, chart: str) -> dict[str, Any]:
    rows = rows_of(registered, slug, chart)
    assert len(rows) == 1, rows
    return rows[0]


def as_rows(rows: list[dict[str, Any]], label: str, count: str, answering: str) -> list[Row]:
    """Chart rows as the report prints them: label, whole percent (rounded half up), count, answering."""
    return [Row(row[label], round_half_up(row[count], row[answering]), row[count], row[answering])
            for row in rows]


def data_with_filter(registered: dict[str, Any], slug: str, chart: str, column: str, value: str
                     ) -> list[dict[str, Any]]:
    """The chart's saved query with another value of a dashboard filter (as the native filter sends it)."""
    client: SupersetClient = registered["client"]
    source = f"dashboards/{slug}/charts/{chart}.yaml"
    asset = next(a for a in registered["assets"].of("chart") if a.source == source)
    context = json.loads(client.get("chart", registered["ids"][asset.uuid])["query_context"])
    for query in context["queries"]:
        for flt in query["filters"]:
            if flt["col"] == column:
                flt["val"] = [value]
    answer = client.request("POST", "/api/v1/chart/data", f"chart {chart} data", json=context).json()
    return [row for result_ in answer["result"] for row in result_["data"]]


# --- every chart ----------------------------------------------------------------------------------

def test_both_skr_dashboards_register_with_every_chart(registered):
    assets = registered["assets"]
    assert {Path(a.source).parts[1] for a in assets.of("dashboard")} == set(SKR_DASHBOARDS)
    assert set(registered["result"].chart_rows) == {a.uuid for a in assets.of("chart")}


def test_every_skr_chart_answers_its_data_endpoint_with_rows(registered):
    empty = [source for source, rows in registered["data"].items() if not rows]
    assert not empty, f"charts whose data endpoint answered without rows: {empty}"


def test_every_skr_chart_names_its_source_in_its_description(registered):
    for chart in registered["assets"].of("chart"):
        description = chart.data["description"]
        assert "Källa: SKR, Inventering av socialtjänstens insatser" in description or \
            "Källa: jamfor, tabellen load_batch" in description, chart.source


def test_data_source_note_marks_the_synthetic_demo_answers(registered):
    for slug in SKR_DASHBOARDS:
        kinds = {row["data_kind"] for row in rows_of(registered, slug, "data_sources")}
        assert "Syntetiska demovärden" in kinds, slug
        assert "jamfor:s indelning" in kinds, slug  # the catalogue's split per område is ours, not SKR's


# --- länsrapport: Skåne × funktionshinder ---------------------------------------------------------------

def test_response_counts_are_21_answered_and_19_completed(registered):
    text = skane_fh_section()
    answered = number(r"(\d+)\s+Kommuner besvarade enkäten", text)
    completed = number(r"(\d+)\s+Kommuner fullföljde hela enkäten", text)
    assert one_row(registered, LAN, "svar_besvarade")["antal_besvarade"] == answered == 21
    assert one_row(registered, LAN, "svar_fullfoljde")["antal_fullfoljda"] == completed == 19
    table = one_row(registered, LAN, "svar_fordelning")
    assert (table["antal_besvarade"], table["antal_fullfoljda"]) == (answered, completed)


def test_insatsutbud_big_numbers_give_mean_21_min_2_max_34_and_50_percent_further(registered):
    mean, least, most, further = insatsutbud_figures()
    assert round(one_row(registered, LAN, "utbud_medel")["medelantal_insatser"]) == mean == 21
    assert one_row(registered, LAN, "utbud_min")["min_antal_insatser"] == least == 2
    assert one_row(registered, LAN, "utbud_max")["max_antal_insatser"] == most == 34
    share = one_row(registered, LAN, "utbud_ytterligare")["andel_ger_ytterligare"]
    assert round(100 * share) == further == 50


def test_bar_per_kommun_shows_every_answering_kommun_with_the_reports_min_max_and_mean(registered):
    bars = [row["antal_erbjudna"] for row in rows_of(registered, LAN, "utbud_per_kommun")]
    assert len(bars) == 21
    assert max(bars) == 34 and sum(bars) / len(bars) == 21
    assert len(rows_of(registered, LAN, "utbud_per_huvudgrupp")) == 6


@pytest.mark.parametrize("chart, title", [
    ("vanligaste_10", "De tio vanligaste av de kartlagda insatserna"),
    ("minst_vanliga_10", "De tio minst vanliga av de kartlagda insatserna"),
])
def test_top_and_bottom_10_tables_show_the_reports_rows(registered, chart, title):
    oracle = offer_table(title)
    assert len(oracle) == 10
    shown = as_rows(rows_of(registered, LAN, chart), "insats_label", "antal_erbjuder", "antal_svarande")
    assert shown == oracle  # row for row, ties in the report's order (the top-10 starts with Trygghetslarm)


def test_trygghetslarm_row_reads_89_percent_17_of_19(registered):
    rows = rows_of(registered, LAN, "vanligaste_10")
    shown = as_rows(rows, "insats_label", "antal_erbjuder", "antal_svarande")
    assert Row("Trygghetslarm", 89, 17, 19) in shown


@pytest.mark.parametrize("title", list(LIST_CHARTS))
def test_vanligast_lists_show_the_reports_insatser_shares_and_counts(registered, title):
    oracle = vanligast(title)
    shown = []
    for row in rows_of(registered, LAN, LIST_CHARTS[title]):
        label, answering = row["insats_label_n"].rsplit(" (", 1)
        answering = int(answering.rstrip(")"))
        assert row["andel"] == pytest.approx(row["antal"] / answering)
        shown.append(Row(label, round_half_up(row["antal"], answering), row["antal"], answering))
    assert shown == oracle  # in the report's order, also where counts tie ("Vanligast digital form")


@pytest.mark.parametrize("question", ["form", "regi", "bistandsbeslut"])
def test_distribution_tables_give_the_reports_instance_totals(registered, question):
    labels = {"fysisk": "Endast fysisk form", "digital": "Endast digital form",
              "kommunal": "Endast kommunal regi", "enskild": "Endast enskild regi",
              "med": "Endast med biståndsbeslut", "utan": "Endast utan biståndsbeslut"}
    both = {"form": "Både fysisk och digital form", "regi": "Både kommunal och enskild regi",
            "bistandsbeslut": "Både med och utan biståndsbeslut"}
    expected = {(labels.get(category) if category != "bada" else both[question]): n
                for (q, category), n in instance_totals().items() if q == question}
    rows = rows_of(registered, LAN, f"{question}_fordelning")
    assert {row["category_label"]: row["antal_insatser"] for row in rows} == expected
    assert sum(row["andel"] for row in rows) == pytest.approx(1)


def test_form_regi_and_beslut_totals_are_258_110_3_294_74_21_268_27_98(registered):
    totals = [row["antal_insatser"] for question in ("form", "regi", "bistandsbeslut")
              for row in rows_of(registered, LAN, f"{question}_fordelning")]
    assert sorted(totals) == sorted([258, 110, 3, 294, 74, 21, 268, 27, 98])


@pytest.mark.parametrize("question", ["form", "regi", "bistandsbeslut"])
def test_distribution_per_kommun_and_per_huvudgrupp_add_up_to_whole_kommuner_and_groups(registered, question):
    for chart, key in ((f"{question}_per_kommun", "area_name"), (f"{question}_per_huvudgrupp", "huvudgrupp")):
        rows = rows_of(registered, LAN, chart)
        assert rows, chart
        for row in rows:
            shares = [value for name, value in row.items() if name != key and value is not None]
            assert sum(shares) == pytest.approx(1), (chart, row[key])


def test_wish_question_was_answered_by_19_kommuner(registered):
    answered = number(r"100 % = (\d+)\s+kommuner i länet som besvarat frågan", skane_fh_section())
    table = one_row(registered, LAN, "onskan_svar")
    assert table["antal_besvarat"] == answered == 19
    assert table["antal_ja"] + table["antal_nej"] + table["antal_vet_ej"] == answered
    share = one_row(registered, LAN, "onskan_andel")["andel_vill"]
    assert share == pytest.approx(table["antal_ja"] / answered)
    assert len(rows_of(registered, LAN, "onskan_per_kategori")) == 7


def test_lan_filter_column_exists_in_every_lansrapport_dataset(registered):
    """The native filter sends lan_name to every chart: each dataset answers for Stockholms län too."""
    counts = data_with_filter(registered, LAN, "svar_besvarade", "lan_name", "Stockholms län")
    assert counts and counts[0]["antal_besvarade"] != 21
    one_chart_per_dataset = {}
    for chart in registered["assets"].of("chart"):
        if Path(chart.source).parts[1] == LAN and Path(chart.source).stem != "data_sources":
            one_chart_per_dataset.setdefault(chart.data["dataset_uuid"], Path(chart.source).stem)
    assert len(one_chart_per_dataset) == 11
    for chart in one_chart_per_dataset.values():
        assert data_with_filter(registered, LAN, chart, "lan_name", "Stockholms län"), chart


# --- nationell översikt: riket ---------------------------------------------------------------------

def test_nationell_oversikt_gives_the_reports_riket_figures(registered):
    text = report_text()
    table = {row["omrade_name"]: row for row in rows_of(registered, NATIONELL, "omraden_tabell")}
    assert len(table) == 6
    assert table["Funktionshinder"]["antal_fullfoljda"] == number(
        r"verksamhetsområde funktionshinder med (\d+) slutförda enkäter", text) == 200
    assert table["Äldre"]["antal_fullfoljda"] == number(
        r"har besvarats av flest kommuner där (\d+), eller", text) == 232
    assert table["Funktionshinder"]["antal_besvarade"] == number(
        r"Antal svarande kommuner i riket är (\d+)", text) == 214
    assert round(100 * table["Barn och unga"]["andel_ger_ytterligare"]) == number(
        r"ytterligare insatser är störst inom barn och unga \((\d+) %\)", text) == 40
    assert round(100 * table["Barn och unga"]["andel_vill_utan_beslut"]) == number(
        r"högst inom området barn och unga \((\d+) %\)", text) == 81
    assert round(100 * table["Funktionshinder"]["andel_vill_utan_beslut"]) == number(
        r"lägst inom området funktionshinder \((\d+) %\)", text) == 45
    assert one_row(registered, NATIONELL, "slutfort_alla")["antal_slutfort_alla"] == number(
        r"totalt har (\d+) kommuner slutfört samtliga sex enkäter", text) == 128


def test_nationell_bars_show_six_omraden_side_by_side(registered):
    for chart in ("svar_per_omrade", "medel_per_omrade", "ytterligare_per_omrade", "vill_per_omrade",
                  "form_per_omrade", "regi_per_omrade", "bistandsbeslut_per_omrade"):
        assert len(rows_of(registered, NATIONELL, chart)) == 6, chart


# --- every figure of the report -------------------------------------------------------------------------

def notes(registered: dict[str, Any], slug: str) -> list[str]:
    """The dashboard's visible notes (its markdown boxes), no-break spaces as plain ones."""
    dashboard = next(a for a in registered["assets"].of("dashboard") if Path(a.source).parent.name == slug)
    return [node["meta"]["code"].replace("\u00a0", " ") for key, node in dashboard.data["position"].items()
            if key.startswith("MARKDOWN-")]


def explained(registered: dict[str, Any], slug: str, printed: str) -> bool:
    """A note on the dashboard, visible without opening a menu, quotes the report's figure as printed and
    says what the dashboard shows instead."""
    return any(printed in note and "rapport" in note.casefold() for note in notes(registered, slug))


def test_every_figure_of_the_report_is_on_a_chart_or_explained_in_a_note_beside_it(registered):
    """The figure list is parsed from the report (tables, lists, totals, big numbers, national text)."""
    text = report_text()
    section = skane_fh_section()
    missing: list[str] = []
    counted = 0

    def shown_rows(chart: str, rows: list[Row]) -> None:
        nonlocal counted
        data = rows_of(registered, LAN, chart)
        if chart.startswith(("vanligaste", "minst")):
            shown = set(as_rows(data, "insats_label", "antal_erbjuder", "antal_svarande"))
        else:
            shown = set()
            for row in data:
                label, answering = row["insats_label_n"].rsplit(" (", 1)
                answering = int(answering.rstrip(")"))
                shown.add(Row(label, round_half_up(row["antal"], answering), row["antal"], answering))
        counted += 3 * len(rows)
        missing.extend(f"{chart}: {row}" for row in rows if row not in shown)

    def shown(figure: int, slug: str, chart: str, column: str, percent: bool = False) -> None:
        nonlocal counted
        counted += 1
        values = [row[column] for row in rows_of(registered, slug, chart)]
        if figure not in [round(100 * v) if percent else round(v) for v in values if v is not None]:
            missing.append(f"{chart}.{column}: {figure} not in {values}")

    def noted(printed: str, slug: str) -> None:
        nonlocal counted
        counted += 1
        if not explained(registered, slug, printed):
            missing.append(f"{slug}: no visible note on the report's {printed!r}")

    shown_rows("vanligaste_10", offer_table("De tio vanligaste av de kartlagda insatserna"))
    shown_rows("minst_vanliga_10", offer_table("De tio minst vanliga av de kartlagda insatserna"))
    for title, chart in LIST_CHARTS.items():
        shown_rows(chart, vanligast(title))
    for (question, _category), total in instance_totals().items():
        shown(total, LAN, f"{question}_fordelning", "antal_insatser")
    noted("100 % = 413", LAN)
    mean, least, most, further = insatsutbud_figures()
    shown(mean, LAN, "utbud_medel", "medelantal_insatser")
    shown(least, LAN, "utbud_min", "min_antal_insatser")
    shown(most, LAN, "utbud_max", "max_antal_insatser")
    shown(further, LAN, "utbud_ytterligare", "andel_ger_ytterligare", percent=True)
    mapped = number(r"utifrån den lista av de (\d+) insatser som ingick", section)
    shown(mapped, LAN, "utbud_tabell", "antal_kartlagda")
    printed_mapped = number(r"(?:\d+)\s+av de (\d+) kartlagda insatserna har i genomsnitt", section)
    noted(f"av de {printed_mapped} kartlagda insatserna", LAN)
    shown(number(r"(\d+)\s+Kommuner besvarade enkäten", section), LAN, "svar_besvarade", "antal_besvarade")
    shown(number(r"(\d+)\s+Kommuner fullföljde hela enkäten", section), LAN, "svar_fullfoljde",
          "antal_fullfoljda")
    shown(number(r"100 % = (\d+)\s+kommuner i länet som besvarat frågan", section), LAN, "onskan_svar",
          "antal_besvarat")
    table = {row["omrade_name"]: row for row in rows_of(registered, NATIONELL, "omraden_tabell")}
    fh = table["Funktionshinder"]
    counted += 4
    for figure, value in (
            (number(r"Antal svarande kommuner i riket är (\d+)", section), fh["antal_besvarade"]),
            (number(r"(\d+) procent av kommunerna uppger att de erbjuder insatser utöver", section),
             round(100 * fh["andel_ger_ytterligare"])),
            (number(r"med (\d+) slutförda enkäter", text), fh["antal_fullfoljda"]),
            (number(r"där (\d+), eller \d+ procent", text), table["Äldre"]["antal_fullfoljda"])):
        if figure != value:
            missing.append(f"omraden_tabell: {figure} != {value}")
    shown(number(r"där \d+, eller (\d+) procent", text), NATIONELL, "omraden_tabell", "andel_fullfoljda",
          percent=True)
    share_printed = number(r"slutförda enkäter, eller (\d+) procent", text)
    noted(f"{share_printed} procent", NATIONELL)
    shown(number(r"totalt har (\d+) kommuner slutfört samtliga", text), NATIONELL, "slutfort_alla",
          "antal_slutfort_alla")
    shown(number(r"störst inom barn och unga \((\d+) %\)", text), NATIONELL, "omraden_tabell",
          "andel_ger_ytterligare", percent=True)
    shown(number(r"högst inom området barn och unga \((\d+) %\)", text), NATIONELL, "omraden_tabell",
          "andel_vill_utan_beslut", percent=True)
    shown(number(r"lägst inom området funktionshinder \((\d+) %\)", text), NATIONELL, "omraden_tabell",
          "andel_vill_utan_beslut", percent=True)
    total = number(r"100% = (\d+) insatser", text)
    counted += 1
    if sum(row["antal_kartlagda"] for row in table.values()) != total:
        missing.append(f"the kartlagda insatser per område do not add up to {total}")
    noted(f"{total} kartlagda insatser", NATIONELL)
    kommuner = number(r"Sveriges (\d+) kommuner", text)
    noted(f"{kommuner} kommuner", NATIONELL)
    assert not missing
    assert counted > 200
