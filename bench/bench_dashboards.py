"""Benchmark: how long each dashboard takes to render in Chromium, against a one-chart baseline.

A throw-away Superset (``jamfor.superset.runtime.local_superset``, the demo's configuration: Redis cache
when it
answers) gets every shipped asset registered on a PostgreSQL warehouse seeded with the demo, plus a
baseline dashboard holding a single big-number chart. Each dashboard is then opened in Debian's
headless Chromium as a person would (logged in, a fresh page, ``navigator.webdriver`` hidden: Superset
draws every chart at once for an automated browser, and defers rows below the fold for a person) and
timed from navigation until every chart has drawn (``tests/support/browser.py``'s definition, which
scrolls down a screen at a time so charts below the fold load too):

- cold: the first opening after the data cache was emptied, in a fresh browser context (no cached
  JavaScript either); for the länsrapport also until the charts of its first screen have drawn;
- warm: the median of ``--repeat`` later openings (data cache and browser cache filled).

Both count the charts a dashboard shows when opened; the charts of a tab not shown yet load only when
it is opened (the länsrapport's lower parts), so a dashboard with tabs is also timed warm until a
reader who opens every tab in turn has seen every chart ("every tab").

Ratios are against the baseline measured the same way in the same run, so a busy machine shows up
in both. Run: ``make bench-dashboards`` (or ``.venv/bin/python bench/bench_dashboards.py [--repeat N]
[--pg URL]``); needs Superset, Playwright and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.browser import (  # noqa: E402 - the tests' browser helpers, one definition of "rendered"
    VIEWPORT,
    goto_dashboard,
    launch,
    log_in,
    open_dashboard,
    wait_for_first_screen,
)

from jamfor.seed.db import engine_for  # noqa: E402
from jamfor.seed.seeding import run_seed  # noqa: E402
from jamfor.superset.runtime.local_superset import cache_prefix, running, superset_version  # noqa: E402
from jamfor.superset.sync.assets import load_assets  # noqa: E402
from jamfor.superset.sync.client import SupersetClient  # noqa: E402
from jamfor.superset.sync.register import register  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# The initialised Superset home the test suite keeps (tests/support/superset_env.py), re-used when present.
TEST_TEMPLATE = REPO / ".pytest_cache" / "d" / "jamfor-superset"
BASELINE_SLUG = "jamfor-bench-baseline"
BASELINE_CHART = "IBIC vid alla utredningar – riket"
FIRST_SCREEN_SLUGS = ("skr-insatser-lan",)


@contextmanager
def warehouse(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database seeded with the demo, dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"jamfor_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = engine_for(url)
        run_seed(engine, demo=True)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reuse_initialised_home(home: Path) -> None:
    """Start from the test suite's initialised home if there is one: skips ``db upgrade`` and ``init``,
    which take minutes on a busy machine and are not what is measured."""
    template = TEST_TEMPLATE / f"template-{superset_version()}"
    if not (template / "superset.db").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    for name in ("secret_key", "admin_password", "superset.db", "jamfor-initialised"):
        if (template / name).exists():
            shutil.copy2(template / name, home / name)


def add_baseline(client: SupersetClient) -> None:
    """A dashboard with one chart (the IBIC big number), made through the REST API like a person would."""
    found = client.search("chart", "slice_name", BASELINE_CHART, columns=("id", "slice_name"))
    chart_id = found[0]["id"]
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"id": "ROOT_ID", "type": "ROOT", "children": ["GRID_ID"]},
        "GRID_ID": {"id": "GRID_ID", "type": "GRID", "children": ["ROW-1"], "parents": ["ROOT_ID"]},
        "ROW-1": {"id": "ROW-1", "type": "ROW", "children": ["CHART-1"], "parents": ["ROOT_ID", "GRID_ID"],
                  "meta": {"background": "BACKGROUND_TRANSPARENT"}},
        "CHART-1": {"id": "CHART-1", "type": "CHART", "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", "ROW-1"],
                    "meta": {"chartId": chart_id, "width": 4, "height": 50}},
    }
    dashboard = client.post("dashboard", {"dashboard_title": "Benchmark: ett diagram", "slug": BASELINE_SLUG,
                                          "position_json": json.dumps(position), "published": True})
    # PUT replaces the chart's dashboard list: keep ÖJ LSS utveckling, or that dashboard loses the chart
    # (its layout then holds a placeholder that never draws, and its opening never settles)
    others = [d["id"] for d in client.get("chart", chart_id).get("dashboards") or []]
    client.put("chart", chart_id, {"dashboards": [*others, dashboard["id"]]})


def empty_data_cache(home: Path) -> int:
    """Delete this instance's keys from the shared Redis (other instances' keys stay); returns the count."""
    import redis

    store = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        keys = list(store.scan_iter(match=f"{cache_prefix(home)}*"))
    except redis.RedisError:
        return 0
    return store.delete(*keys) if keys else 0


class Opener:
    """Opens dashboards in one browser, each measurement in a page of a context it chooses."""

    def __init__(self, browser: Any, instance: Any) -> None:
        self.browser, self.instance = browser, instance

    def context(self) -> Any:
        """A fresh, logged-in browser context (empty browser cache)."""
        context = self.browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        log_in(page, self.instance.url, self.instance.username, self.instance.password)
        page.close()
        return context

    def seconds(self, context: Any, slug: str, charts: int | None) -> float:
        """From navigation until every chart (``charts``) or the first screen's charts (None) drew."""
        page = context.new_page()
        try:
            start = time.perf_counter()
            if charts is None:
                goto_dashboard(page, self.instance.url, slug)
                wait_for_first_screen(page)
            else:
                open_dashboard(page, self.instance.url, slug, charts)
            return time.perf_counter() - start
        finally:
            page.close()


def charts_as_opened(position: dict[str, Any]) -> tuple[int, int]:
    """(charts shown when the dashboard opens, all charts): a chart in a tab other than the first of its
    tab bar is shown only once that tab is opened."""
    hidden = {key for node in position.values() if isinstance(node, dict) and node.get("type") == "TABS"
              for key in (node.get("children") or [])[1:]}
    charts = [node for key, node in position.items() if key.startswith("CHART-") and isinstance(node, dict)]
    return sum(1 for node in charts if not hidden & set(node.get("parents") or [])), len(charts)


def measure(opener: Opener, slug: str, charts: tuple[int, int], repeat: int) -> dict[str, float]:
    """Cold (and, for the länsrapport, cold first screen) and median warm seconds of one dashboard as
    opened, and with tabs the median warm seconds until every tab was opened and drawn."""
    home = opener.instance.home
    result: dict[str, float] = {}
    if slug in FIRST_SCREEN_SLUGS:
        empty_data_cache(home)
        context = opener.context()
        result["cold_first_screen"] = opener.seconds(context, slug, None)
        context.close()
    empty_data_cache(home)
    context = opener.context()
    shown, every = charts
    result["cold"] = opener.seconds(context, slug, shown)
    result["warm"] = statistics.median(opener.seconds(context, slug, shown) for _ in range(repeat))
    if every > shown:
        result["every_tab_warm"] = statistics.median(opener.seconds(context, slug, every)
                                                     for _ in range(repeat))
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm openings per dashboard (median)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL admin URL; a throw-away database is created next to it")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    assets = load_assets()
    dashboards = {BASELINE_SLUG: (1, 1)}
    for asset in assets.of("dashboard"):
        dashboards[str(asset.data["slug"])] = charts_as_opened(asset.data.get("position") or {})
    folder = tempfile.mkdtemp(prefix="jamfor-bench-")
    reuse_initialised_home(Path(folder) / "superset")
    with warehouse(args.pg) as db_url, running(Path(folder) / "superset") as instance:
        os.environ["XDG_STATE_HOME"] = folder  # the registry's state file stays in the throw-away folder
        client = SupersetClient.login(instance.url, instance.username, instance.password)
        register(client, assets, db_url, instance.url)
        add_baseline(client)
        with sync_playwright() as playwright:
            browser = launch(playwright, as_a_person=True)
            opener = Opener(browser, instance)
            results: dict[str, dict[str, float]] = {}
            failed: dict[str, str] = {}
            for slug, charts in dashboards.items():
                try:
                    results[slug] = measure(opener, slug, charts, args.repeat)
                except Exception as error:  # noqa: BLE001 - one dashboard that never settles must not
                    # cost the others' figures; the table says which one and why
                    failed[slug] = str(error).splitlines()[0]
                    print(f"did not settle {slug}: {failed[slug]}", flush=True)
                    continue
                print(f"measured {slug}: " + ", ".join(f"{k} {v:.1f} s" for k, v in results[slug].items()),
                      flush=True)
            browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    base = results[BASELINE_SLUG]
    print(f"{'dashboard':<28}{'charts':>9}{'cold s':>9}{'× base':>8}{'warm s':>9}{'× base':>8}"
          f"{'1st screen cold s':>19}{'every tab warm s':>18}")
    counts = {slug: "/".join(map(str, charts)) for slug, charts in dashboards.items()}
    for slug, reason in failed.items():
        print(f"{slug:<28}{counts[slug]:>9}  did not settle: {reason}")
    for slug, result in results.items():
        first = f"{result['cold_first_screen']:.1f}" if "cold_first_screen" in result else ""
        every = f"{result['every_tab_warm']:.1f}" if "every_tab_warm" in result else ""
        print(f"{slug:<28}{counts[slug]:>9}{result['cold']:>9.1f}{result['cold'] / base['cold']:>8.1f}"
              f"{result['warm']:>9.1f}{result['warm'] / base['warm']:>8.1f}{first:>19}{every:>18}")
    print("charts: shown when opened / all (the rest in tabs not shown yet)")


if __name__ == "__main__":
    main()
