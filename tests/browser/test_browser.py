"""Every jamfor dashboard in a real browser: Debian's headless Chromium against the session's Superset.

All assets of this repository are registered (with the registry, as `jamfor register` does) on the
seeded PostgreSQL demo warehouse. The tests log in through the React form, open every dashboard as the
admin (as a reader with Gamma and jamfor-läsare only: test_reader_on_postgres_metadata.py, on a Superset
with a PostgreSQL metadata database), wait until every chart has drawn, and read the published figures
off the page — the seed documents are the oracles. Each dashboard's
screenshot is saved to tests/artifacts/screenshots/<slug>.png, or with JAMFOR_UPDATE_SCREENSHOTS=1 to
docs/screenshots/ for the README (`make screenshots`).
Without Chromium or Playwright they skip locally and fail when CI=true.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from support.browser import (
    RENDER_TIMEOUT_MS,
    VIEWPORT,
    ChartState,
    Dashboard,
    apply_filters,
    big_number,
    chart,
    chart_drawings,
    chart_states,
    chart_texts,
    choose_filter_value,
    chromium,
    cut_notes,
    log_in,
    normalise_spaces,
    open_dashboard,
    open_tab,
    record_canvas_text,
    repo_dashboards,
    screenshot,
    table_rows,
    text_span,
    wait_for_charts,
)
from support.databases import REPO, unavailable
from support.factsheet import bortfall_lan_names

from jamfor.seed.reference import area_frame
from jamfor.superset.sync.assets import AssetSet, read_assets

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

# The README's screenshots are refreshed only on request, so `make test` leaves the work tree clean.
SCREENSHOTS = (REPO / "docs" / "screenshots" if os.environ.get("JAMFOR_UPDATE_SCREENSHOTS") == "1"
               else REPO / "tests" / "artifacts" / "screenshots")
OJ_SLUG = "oj-lss-utveckling"
SKR_TITLE_START = "Socialtjänstens insatser"


DASHBOARDS = repo_dashboards()


@pytest.fixture(scope="module")
def registered(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[AssetSet]:
    """Every asset of the repository registered on the demo warehouse (state kept in a temp folder)."""
    from jamfor.superset.sync.assets import load_assets
    from jamfor.superset.sync.client import SupersetClient
    from jamfor.superset.sync.register import register

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("browser-state")))
        assets = load_assets()
        client = SupersetClient.login(superset.url, superset.username, superset.password)
        register(client, assets, demo_warehouse_pg, superset.url)
        yield assets


@pytest.fixture(scope="module")
def browser(registered) -> Iterator[Any]:
    """One headless Chromium for the module (Playwright's sync API allows one at a time)."""
    with chromium() as browser:
        yield browser


@contextmanager
def _logged_in(browser: Any, url: str, username: str, password: str) -> Iterator[Any]:
    """A context of its own logged in through the form (one login; each test opens its own page)."""
    context = browser.new_context(viewport=VIEWPORT)
    record_canvas_text(context)
    page = context.new_page()
    log_in(page, url, username, password)
    page.close()
    yield context
    context.close()


@pytest.fixture(scope="module")
def browser_context(browser, superset) -> Iterator[Any]:
    """Logged in as the admin."""
    with _logged_in(browser, superset.url, superset.username, superset.password) as context:
        yield context


@pytest.fixture
def page(browser_context) -> Iterator[Any]:
    page = browser_context.new_page()
    yield page
    page.close()


def by_slug(slug: str) -> Dashboard:
    return next(d for d in DASHBOARDS if d.slug == slug)


def test_the_repository_has_dashboards_to_show():
    assert {OJ_SLUG, "jamfor-kommuner"} <= {d.slug for d in DASHBOARDS}


@dataclass(frozen=True)
class Reading:
    """What one opening of a dashboard showed: each chart's state once all had drawn or failed; per chart
    title, its visible text and the texts drawn on its canvases (``texts``), and the bars, texts and table
    rows as drawn (``drawings``); the markdown notes whose text runs below their box (``notes``)."""

    states: list[ChartState]
    texts: dict[str, list[str]]
    drawings: dict[str, dict[str, Any]]
    notes: dict[str, int]


@pytest.fixture(scope="module")
def read_once(browser_context, superset) -> Callable[[str], Reading]:
    """A function of a dashboard's slug that opens the dashboard once for every test that reads it, and
    saves its screenshot after the readings. (One opening, not three: measured, the module's tests took
    144 s instead of 209 s.)"""
    seen: dict[str, Reading] = {}

    def reading(slug: str) -> Reading:
        if slug not in seen:
            page = browser_context.new_page()
            states = open_dashboard(page, superset.url, slug, by_slug(slug).charts)
            page.wait_for_timeout(1500)  # ECharts' entry animation draws the labels last
            seen[slug] = Reading(states, chart_texts(page), chart_drawings(page), cut_notes(page))
            screenshot(page, SCREENSHOTS / f"{slug}.png")
            page.close()
        return seen[slug]

    return reading


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_every_chart_of_the_dashboard_draws_without_an_error(read_once, dashboard):
    states = read_once(dashboard.slug).states
    assert len(states) == dashboard.charts
    assert [s.title for s in states if s.error] == [], [f"{s.title}: {s.error}" for s in states if s.error]
    assert [s.title for s in states if not s.drawn] == []


def test_the_utveckling_dashboard_shows_ibic_41_and_82_percent_socionomer_for_riket_2021(page, superset):
    dashboard = by_slug(OJ_SLUG)
    open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
    number, year = big_number(page, "IBIC vid alla utredningar – riket")
    assert (normalise_spaces(number), year) == ("41 %", "2021")
    number, year = big_number(page, "Socionomexamen (bakgrundsmått) – riket")
    assert (normalise_spaces(number), year) == ("82 %", "2021")


def test_choosing_a_kommun_in_the_native_filter_makes_the_charts_follow(page, superset):
    from playwright.sync_api import expect

    dashboard = by_slug(OJ_SLUG)
    open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
    table = "Alla indikatorer för min kommun, färgade mot riket"
    before = table_rows(page, table)
    assert before and all("Malmö" in row for row in before)

    chosen = choose_filter_value(page, dashboard.filter_id("Min kommun"), "Kiruna")
    apply_filters(page)

    assert chosen == "Kiruna"
    chart(page, table).scroll_into_view_if_needed()  # a chart asks for its data when it is in view
    expect(chart(page, table).locator("tbody tr").first).to_contain_text("Kiruna", timeout=60_000)
    after = table_rows(page, table)
    assert after and all("Kiruna" in row and "Malmö" not in row for row in after)
    assert [row[-5:] for row in after] != [row[-5:] for row in before]  # values, not only the name
    assert [s.title for s in chart_states(page) if s.error] == []


def _skr_dashboard() -> Dashboard:
    found = [d for d in DASHBOARDS if d.title.startswith(SKR_TITLE_START)]
    if not found:
        unavailable(f"no dashboard titled {SKR_TITLE_START}… in dashboards/ yet")
    return found[0]


def test_the_skr_lansrapport_lists_trygghetslarm_89_percent_17_of_19_for_skane_funktionshinder(
        page, superset):
    dashboard = _skr_dashboard()
    open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)  # scrolled through: all asked
    has_trygghetslarm = """() => [...document.querySelectorAll('table tbody tr')]
        .some(tr => tr.innerText.includes('Trygghetslarm'))"""
    page.wait_for_function(has_trygghetslarm, timeout=RENDER_TIMEOUT_MS)  # drawn with the default filters
    choose_filter_value(page, dashboard.filter_id("Län"), "Skåne")
    choose_filter_value(page, dashboard.filter_id("Verksamhetsområde"), "funktionshinder")
    if page.get_by_role("button", name="Apply filters").is_enabled():
        apply_filters(page)
        open_tab(page, "Vanligaste och minst vanliga")  # the top-10 table's tab
        chart(page, "De tio vanligaste av de kartlagda insatserna").scroll_into_view_if_needed()
        wait_for_charts(page, dashboard.charts)
        page.wait_for_function(has_trygghetslarm, timeout=RENDER_TIMEOUT_MS)
    wanted = re.compile(r"(^| · )Trygghetslarm · 89 ?% · 17 · 19( · |$)")
    rows = [" · ".join(cell.replace("\u00a0", " ").replace("\u202f", " ") for cell in row)
            for state in chart_states(page) for row in table_rows(page, state.title)]
    assert any(wanted.search(row) for row in rows), [r for r in rows if "Trygghetslarm" in r]


# --- what a manager reads: Swedish formats, units, axes, no English words ----------------------------

ENGLISH_WORDS = re.compile(r"\b(N/A|Metric|boxplot|outlier)\b")
US_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")
DECIMAL_POINT = re.compile(r"\d\.\d")
SWEDISH_THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")


@pytest.fixture(scope="module")
def shown(read_once) -> Any:
    return lambda slug: read_once(slug).texts


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_numbers_on_the_dashboard_are_in_swedish_format(shown, dashboard):
    texts = shown(dashboard.slug)
    sources = next(text for title, text in texts.items() if title.startswith("Datakällor"))
    assert SWEDISH_THOUSANDS.search(sources[0]), sources[0]  # rows loaded, e.g. "12 978"
    for title, parts in texts.items():
        for text in parts:
            assert not US_THOUSANDS.search(text), (title, text)
            assert not DECIMAL_POINT.search(text), (title, text)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_no_english_words_in_the_charts(shown, dashboard):
    found = {title: ENGLISH_WORDS.findall(" ".join(parts)) for title, parts in shown(dashboard.slug).items()}
    assert {title: words for title, words in found.items() if words} == {}


def test_shares_on_big_numbers_carry_their_unit(shown):
    texts = shown(OJ_SLUG)
    big = [title for title in texts if title.endswith("– riket") and "Svarsfrekvens" not in title]
    assert len(big) == 6
    for title in big:
        assert re.search(r"(^|\n)\d+ %(\n|$)", texts[title][0]), (title, texts[title][0])
    lan = shown(_skr_dashboard().slug)
    for title in ("Kommuner som ger ytterligare insatser",
                  "Kommuner som vill ge insatser utan biståndsbeslut"):
        assert re.search(r"(^|\n)\d+ %(\n|$)", lan[title][0]), (title, lan[title][0])


@pytest.mark.parametrize("title_start, years", [("Riket 2019–2021", range(2019, 2022)),
                                                ("Riket 2017–2021", range(2017, 2022)),
                                                ("Min kommun jämfört", range(2019, 2022))])
def test_line_charts_show_every_year_on_the_axis_including_the_first(shown, title_start, years):
    texts = shown(OJ_SLUG)
    title = next(t for t in texts if t.startswith(title_start))
    drawn = set(texts[title][1:])
    assert {str(year) for year in years} <= drawn, (title, sorted(drawn))


def test_the_response_rates_94_and_95_percent_are_shown(shown):
    text = shown(OJ_SLUG)["Svarsfrekvens 2021 – riket"][0]
    assert "94 %" in text and "95 %" in text, text


def test_the_sweden_map_has_a_colour_legend_that_sets_bortfall_apart(page, superset, shared):
    dashboard = by_slug("jamfor-kommuner")
    open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
    legend = page.locator(".dashboard-markdown", has_text="Kartans färger")
    assert legend.count() == 1
    words = normalise_spaces(legend.inner_text())
    assert "Ljusblå" in words and "mörkblå" in words and "bortfall" in words
    rows = table_rows(page, "Länen: värde och status (procent)")
    assert sorted(row[2] for row in rows if row[1] == "Bortfall") == ["bortfall"] * 3
    # on the map the bortfall län (Figur 1's footnote) share one fill that no län with a value has
    areas = area_frame()
    missing = bortfall_lan_names(shared)
    bortfall_iso = {row.iso_3166_2 for row in areas[areas.level == "lan"].itertuples()
                    if any(row.name.startswith(m) for m in missing)}
    fills = dict(chart(page, "Sverigekarta per län (procent)").evaluate(
        """h => [...h.querySelectorAll('svg path')].filter(p => p.__data__ && p.__data__.properties)
             .map(p => [p.__data__.properties.ISO, getComputedStyle(p).fill])"""))
    assert len(bortfall_iso) == 3 and bortfall_iso <= set(fills), sorted(fills)
    blank = {fills[iso] for iso in bortfall_iso}
    assert len(blank) == 1 and not blank & {fill for iso, fill in fills.items() if iso not in bortfall_iso}


# --- order, stacked bars, axes and legends -------------------------------------------------------------

PER_KOMMUN = tuple(f"Fördelning per kommun: {question}" for question in (
    "fysisk eller digital form", "kommunal eller enskild regi", "med eller utan biståndsbeslut"))
LEGEND_PAGE = re.compile(r"^\d+/\d+$")  # a scrolling legend's page counter, "1/4"


@pytest.mark.parametrize("title", PER_KOMMUN)
def test_the_lansrapport_lists_kommuner_alphabetically_from_the_top(shown, title):
    areas = area_frame()
    kommuner = set(areas.name[areas.level == "kommun"])
    # ECharts draws a horizontal bar chart's category labels from the bottom up
    top_down = [text for text in shown(_skr_dashboard().slug)[title][1:] if text in kommuner][::-1]
    assert len(top_down) == 19, top_down
    # A–Y in order; Superset sorts names by code point, so Ängelholm comes before Åstorp at the end
    # (Swedish order is Å, Ä: area.sort_order holds it, the stacked bar chart cannot sort by it)
    assert top_down[:-2] == sorted(top_down[:-2]) and set(top_down[-2:]) == {"Åstorp", "Ängelholm"}, top_down


@pytest.mark.parametrize("title", PER_KOMMUN)
def test_stacked_shares_print_no_100_percent_per_bar_and_the_axis_has_even_ticks(shown, title):
    drawn = shown(_skr_dashboard().slug)[title][1:]
    ticks = sorted(int(text.removesuffix(" %")) for text in drawn if re.fullmatch(r"\d+ %", text))
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert ticks[0] == 0 and ticks[-1] == 100 and len(steps) == 1 and 100 % steps.pop() == 0, ticks


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_legends_show_every_series_without_paging(shown, dashboard):
    texts = shown(dashboard.slug)
    paged = {title: [t for t in parts[1:] if LEGEND_PAGE.match(t)] for title, parts in texts.items()}
    assert {title: pages for title, pages in paged.items() if pages} == {}


# --- what is drawn: bars against their axis, whole legends, labels apart, rows within their chart ------

@pytest.fixture(scope="module")
def drawn(read_once) -> Any:
    return lambda slug: read_once(slug).drawings


def _charts_where(test: Any) -> list[tuple[str, str]]:
    """(dashboard slug, chart title) of every shipped chart whose params pass ``test``."""
    assets = read_assets()
    titles = {asset.uuid: asset.data["slice_name"] for asset in assets.of("chart")
              if test(asset.data["params"])}
    return [(str(d.data["slug"]), titles[node["meta"]["uuid"]]) for d in assets.of("dashboard")
            for key, node in d.data["position"].items()
            if key.startswith("CHART-") and node["meta"]["uuid"] in titles]


STACKED_SHARES = _charts_where(lambda p: p.get("stack") == "Stack" and p.get("y_axis_format") == ".0%")
PERCENT_AXES = _charts_where(lambda p: p.get("y_axis_format") == ".0%" and str(p.get("viz_type")).startswith(
    "echarts_") and p.get("orientation") == "horizontal")


def _tick_x(texts: list[dict[str, Any]], label: str) -> float:
    """Where the axis label ``label`` stands (its centre: ECharts centres a horizontal axis's labels)."""
    found = [t["x"] for t in texts if normalise_spaces(t["text"]) == label]
    assert found, (label, sorted({normalise_spaces(t["text"]) for t in texts}))
    return found[0]


@pytest.mark.parametrize("slug, title", STACKED_SHARES, ids=[t for _, t in STACKED_SHARES])
def test_every_stacked_share_bar_is_drawn_whole_from_0_to_100_percent(drawn, slug, title):
    """Each bar's parts are shares of one whole, so the drawn stack runs from the 0 % tick to the 100 % one
    (the Äldre bar once stopped at 95 %: its share 5 % was left out because 0.81 + 0.14 + 0.05 came to
    1.0000000000000002, above the axis' end)."""
    chart = drawn(slug)[title]
    start, end = _tick_x(chart["texts"], "0 %"), _tick_x(chart["texts"], "100 %")
    rows: dict[int, list[dict[str, Any]]] = {}
    for bar in chart["bars"]:
        if bar["w"] > 0 and bar["h"] > 0 and not bar["fill"].startswith("rgba(0, 0, 0, 0)"):
            rows.setdefault(round(bar["y"] + bar["h"] / 2), []).append(bar)
    assert len(rows) >= 3, chart["bars"]
    for middle, parts in rows.items():
        left = min(p["x"] for p in parts)
        right = max(p["x"] + p["w"] for p in parts)
        assert abs(left - start) < 1.5 and abs(right - end) < 1.5, (title, middle, left, right, start, end)


@pytest.mark.parametrize("slug, title", PERCENT_AXES, ids=[t for _, t in PERCENT_AXES])
def test_percent_axes_step_evenly_from_0_to_100_percent(drawn, slug, title):
    texts = drawn(slug)[title]["texts"]
    ticks = sorted((t["x"], int(normalise_spaces(t["text"]).removesuffix(" %"))) for t in texts
                   if re.fullmatch(r"\d+ %", normalise_spaces(t["text"])) and t["align"] == "center")
    values = [value for _, value in ticks]
    steps = {b - a for a, b in zip(values, values[1:])}
    assert values[0] == 0 and values[-1] == 100 and len(steps) == 1, (title, values)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_no_two_labels_of_a_chart_overlap_or_touch(drawn, dashboard):
    """Labels on one line (an axis, a legend) keep at least 3 px apart: "0 %10 %" or 90 % against 100 %
    reads as one number."""
    crowded = []
    for title, drawing in drawn(dashboard.slug).items():
        lines: dict[int, list[tuple[float, float, str]]] = {}
        for text in drawing["texts"]:
            lines.setdefault(round(text["y"]), []).append((*text_span(text), text["text"]))
        for line in lines.values():
            line.sort()
            crowded += [(title, a[2], b[2]) for a, b in zip(line, line[1:])
                        if b[0] - a[1] < 3 and a[2] != b[2]]
    assert crowded == []


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_no_legend_entry_is_cut_to_a_duplicate_and_counts_show_no_needless_decimals(drawn, dashboard):
    cut, decimals = {}, {}
    for title, drawing in drawn(dashboard.slug).items():
        shortened = [t["text"] for t in drawing["texts"] if t["text"].endswith(("…", "..."))]
        if len(set(shortened)) < len(shortened):
            cut[title] = shortened
        needless = sorted({t["text"] for t in drawing["texts"] if re.fullmatch(r"\d+,0", t["text"])})
        if needless:
            decimals[title] = needless  # 0,0 … 8,0 on an axis of counts
    assert (cut, decimals) == ({}, {})


def test_tabell_1_legend_names_every_series_whole(drawn):
    texts = {t["text"] for t in drawn(OJ_SLUG)["Riket 2019–2021: Tabell 1 i faktabladet (procent)"]["texts"]}
    assert {"Enskildas uppfattning – myndighetsutövning", "Enskildas uppfattning – utförare",
            "Systematisk uppföljning i verksamhetsutveckling"} <= texts, sorted(texts)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_no_table_cuts_its_last_row(drawn, dashboard):
    """Every row of a table a reader sees lies within its chart. (A table whose first row already lies
    below the chart's visible area is the hidden copy Superset lays out to measure its columns.)"""
    shown = [(title, table) for title, drawing in drawn(dashboard.slug).items() for table in drawing["tables"]
             if table["rows"][0]["top"] < table["visibleBottom"]]
    assert shown or not any(drawing["tables"] for drawing in drawn(dashboard.slug).values())
    cut = {title: (table["rows"][-1]["text"], table["rows"][-1]["bottom"], table["visibleBottom"])
           for title, table in shown if table["rows"][-1]["bottom"] > table["visibleBottom"] + 1}
    assert cut == {}


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_no_note_runs_below_its_box(read_once, dashboard):
    """A markdown note whose text is longer than its box shows a scroll bar few readers notice, and
    its last lines are lost to them."""
    assert read_once(dashboard.slug).notes == {}


def test_the_marked_kommun_stands_in_the_ranking_table_without_scrolling_inside_it(drawn):
    (table,) = drawn("jamfor-kommuner")["Rangordning med placering och färg"]["tables"]
    marked = [row for row in table["rows"] if "Min kommun" in row["text"]]
    assert len(marked) == 1 and marked[0]["text"].startswith("Malmö"), [r["text"] for r in table["rows"]]
    assert marked[0]["bottom"] <= table["visibleBottom"] + 1, (marked, table["visibleBottom"])


def test_the_ranking_table_holds_every_kommun_of_the_largest_lan_without_scrolling(drawn):
    """Min kommun may rank last in its län: the table shows as many rows as the largest län has
    kommuner (Västra Götaland, 49), so the marked row is in view whichever län is chosen."""
    areas = area_frame()
    largest = int(areas[areas.level == "kommun"].groupby("lan_code").size().max())
    (table,) = drawn("jamfor-kommuner")["Rangordning med placering och färg"]["tables"]
    rows = table["rows"]
    row_height = (rows[-1]["bottom"] - rows[0]["top"]) / len(rows)
    fits = (table["holderBottom"] - rows[0]["top"]) / row_height  # the chart's room, not Skåne's rows
    assert fits >= largest, (round(fits, 1), largest)
