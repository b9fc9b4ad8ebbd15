"""Every jamfor dashboard in a real browser: Debian's headless Chromium against the session's Superset.

All assets of this repository are registered (with the registry, as `jamfor register` does) on the
seeded PostgreSQL demo warehouse. The tests log in through the React form, open every dashboard, wait
until every chart has drawn, and read the published figures off the page — the seed documents are the
oracles. Each dashboard's screenshot is saved to tests/artifacts/screenshots/<slug>.png, or with
JAMFOR_UPDATE_SCREENSHOTS=1 to docs/screenshots/ for the README (`make screenshots`).
Without Chromium or Playwright they skip locally and fail when CI=true.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.browser import (
    CHROMIUM,
    RENDER_TIMEOUT_MS,
    VIEWPORT,
    apply_filters,
    big_number,
    chart,
    chart_states,
    choose_filter_value,
    goto_dashboard,
    launch,
    log_in,
    open_dashboard,
    screenshot,
    table_rows,
)
from support.databases import REPO, unavailable

from jamfor.superset.assets import AssetSet, read_assets

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

# The README's screenshots are refreshed only on request, so `make test` leaves the work tree clean.
SCREENSHOTS = (REPO / "docs" / "screenshots" if os.environ.get("JAMFOR_UPDATE_SCREENSHOTS") == "1"
               else REPO / "tests" / "artifacts" / "screenshots")
OJ_SLUG = "oj-lss-utveckling"
SKR_TITLE_START = "Socialtjänstens insatser"


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    charts: int
    filters: dict[str, str]  # native filter name -> id

    def filter_id(self, name_start: str) -> str:
        for name, filter_id in self.filters.items():
            if name.casefold().startswith(name_start.casefold()):
                return filter_id
        raise AssertionError(f"dashboard {self.slug} has no native filter named {name_start}…: "
                             f"{sorted(self.filters)}")


def _dashboard(data: dict[str, Any]) -> Dashboard:
    position = data.get("position") or {}
    charts = sum(1 for key, node in position.items() if key.startswith("CHART-") and isinstance(node, dict))
    metadata = data.get("metadata") or {}
    filters = {f["name"]: f["id"] for f in metadata.get("native_filter_configuration", [])}
    return Dashboard(str(data["slug"]), str(data["dashboard_title"]), charts, filters)


def repo_dashboards() -> list[Dashboard]:
    """The dashboards jamfor registers (read at collection time to name one test per dashboard)."""
    return [_dashboard(asset.data) for asset in read_assets().of("dashboard")]


DASHBOARDS = repo_dashboards()


@pytest.fixture(scope="module")
def registered(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[AssetSet]:
    """Every asset of the repository registered on the demo warehouse (state kept in a temp folder)."""
    from jamfor.superset.assets import load_assets
    from jamfor.superset.client import SupersetClient
    from jamfor.superset.registry import register

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("browser-state")))
        assets = load_assets()
        client = SupersetClient.login(superset.url, superset.username, superset.password)
        register(client, assets, demo_warehouse_pg, superset.url)
        yield assets


@pytest.fixture(scope="module")
def browser_context(superset, registered) -> Iterator[Any]:
    """A logged-in Chromium context (one login for the module; each test opens its own page)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        log_in(page, superset.url, superset.username, superset.password)
        page.close()
        yield context
        context.close()
        browser.close()


@pytest.fixture
def page(browser_context) -> Iterator[Any]:
    page = browser_context.new_page()
    yield page
    page.close()


def by_slug(slug: str) -> Dashboard:
    return next(d for d in DASHBOARDS if d.slug == slug)


def test_the_repository_has_dashboards_to_show():
    assert {OJ_SLUG, "jamfor-kommuner"} <= {d.slug for d in DASHBOARDS}


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_every_chart_of_the_dashboard_draws_without_an_error(page, superset, dashboard):
    states = open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
    screenshot(page, SCREENSHOTS / f"{dashboard.slug}.png")
    assert len(states) == dashboard.charts
    assert [s.title for s in states if s.error] == [], [f"{s.title}: {s.error}" for s in states if s.error]
    assert [s.title for s in states if not s.drawn] == []


def test_the_utveckling_dashboard_shows_ibic_41_and_82_percent_socionomer_for_riket_2021(page, superset):
    dashboard = by_slug(OJ_SLUG)
    open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
    assert big_number(page, "IBIC vid alla utredningar – riket") == ("41", "2021")
    number, year = big_number(page, "Socionomexamen (bakgrundsmått) – riket")
    assert (re.sub(r"[\s%]", "", number), year) == ("82", "2021")


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
    goto_dashboard(page, superset.url, dashboard.slug)
    has_trygghetslarm = """() => [...document.querySelectorAll('table tbody tr')]
        .some(tr => tr.innerText.includes('Trygghetslarm'))"""
    page.wait_for_function(has_trygghetslarm, timeout=RENDER_TIMEOUT_MS)  # drawn with the default filters
    choose_filter_value(page, dashboard.filter_id("Län"), "Skåne")
    choose_filter_value(page, dashboard.filter_id("Verksamhetsområde"), "funktionshinder")
    if page.get_by_role("button", name="Apply filters").is_enabled():
        apply_filters(page)
        page.wait_for_function(has_trygghetslarm, timeout=RENDER_TIMEOUT_MS)
    wanted = re.compile(r"(^| · )Trygghetslarm · 89 ?% · 17 · 19( · |$)")
    rows = [" · ".join(cell.replace("\u00a0", " ").replace("\u202f", " ") for cell in row)
            for state in chart_states(page) for row in table_rows(page, state.title)]
    assert any(wanted.search(row) for row in rows), [r for r in rows if "Trygghetslarm" in r]
