"""Benchmark: `jamfor pdf` for every län × funktionshinder, against baselines measured in the same run.

Needs a running Superset with the jamfor assets (``make demo``) and its login in SUPERSET_USERNAME /
SUPERSET_PASSWORD; Debian's /usr/bin/chromium.

Baselines, each on the same Superset and Chromium:
- **chart data**: the länsrapport's charts' saved queries through ``GET /api/v1/chart/{id}/data/`` one after
  another — what Superset's server alone needs for one filter combination;
- **plain print**: the dashboard opened at its plain URL (its default filters) in one page, waited for
  until every chart has drawn, then ``page.pdf()`` — what drawing and printing it costs, without
  jamfor's permalink, title page, data-source query and print layout.

Measured: the whole run (``make_pdfs`` with ``--jobs``; wall time and per PDF), each PDF's own render
time (median, max), and the re-run that finds every PDF unchanged.

Run: ``.venv/bin/python bench/bench_pdf.py --url http://127.0.0.1:8088 [--jobs 2] [--lan all]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from jamfor.superset.pdf.batch import (
    choose_values,
    dashboard_info,
    make_pdfs,
    plan_jobs,
)
from jamfor.superset.pdf.render import PRINT_SCALE, Browser, FormSignIn, close_page
from jamfor.superset.sync.client import SupersetClient

SLUG = "skr-insatser-lan"


def chart_data_seconds(client: SupersetClient, dashboard_id: int) -> float:
    charts = client.request("GET", f"/api/v1/dashboard/{dashboard_id}/charts", "charts").json()["result"]
    start = time.perf_counter()
    for chart in charts:
        client.chart_data(int(chart["id"]))
    return time.perf_counter() - start


def plain_print_seconds(url: str, username: str, password: str, charts: int, out: Path) -> float:
    """The dashboard at its own URL, drawn and printed, in a browser that is already logged in."""

    class PlainBrowser(Browser):
        async def plain(self) -> float:
            page = await self.context.new_page()
            try:
                start = time.perf_counter()
                await page.goto(f"{self.url}/superset/dashboard/{SLUG}/")
                await page.wait_for_selector('[data-test="dashboard-component-chart-holder"]')
                height = await page.evaluate("document.documentElement.scrollHeight")
                await page.set_viewport_size({"width": 1600, "height": int(height) + 200})
                await self._wait_for_charts(page, charts)
                await page.pdf(path=str(out), format="A4", landscape=True, scale=PRINT_SCALE)
                return time.perf_counter() - start
            finally:
                await close_page(page)

    async def run() -> float:
        async with PlainBrowser(url, FormSignIn(username, password)) as browser:
            await browser.plain()  # warm: Superset's JS bundles in the browser cache
            return await browser.plain()

    return asyncio.run(run())


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{a:.1f}" for a in averages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SUPERSET_URL", "http://127.0.0.1:8088"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lan", default="all", help="länskoder, comma-separated, or all")
    args = parser.parse_args()
    username, password = os.environ["SUPERSET_USERNAME"], os.environ["SUPERSET_PASSWORD"]
    client = SupersetClient.login(args.url, username, password)
    info = dashboard_info(client, SLUG)
    wanted = {"Län": args.lan, "Verksamhetsområde": "funktionshinder"}
    jobs = plan_jobs(info, choose_values(client, info, wanted), "pdf")

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        data = chart_data_seconds(client, info.id)
        plain = plain_print_seconds(client.url, username, password, info.charts, out / "plain.pdf")
        start = time.perf_counter()
        run = make_pdfs(client, FormSignIn(username, password), info, jobs, out / "reports",
                        parallel=args.jobs, force=True)
        total = time.perf_counter() - start
        start = time.perf_counter()
        again = make_pdfs(client, FormSignIn(username, password), info, jobs, out / "reports",
                          parallel=args.jobs)
        rerun = time.perf_counter() - start
    seconds = [r.seconds for r in run.results]
    per_pdf = total / len(jobs)
    print(f"{len(jobs)} PDFs ({len(info.filters)} filters, {info.charts} charts each), --jobs {args.jobs}, "
          f"{os.cpu_count()} cores; load average (1, 5, 15 min) before {_load(load_before)}, "
          f"after {_load(os.getloadavg())}")
    print(f"baseline chart data (all {info.charts} charts, sequential): {data:6.1f} s")
    print(f"baseline plain print (default filters, warm):   {plain:6.1f} s")
    print(f"whole run: {total:6.1f} s = {per_pdf:.1f} s per PDF = {per_pdf / plain:.2f} x plain print, "
          f"{per_pdf / data:.2f} x chart data")
    print(f"one PDF's render: median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s "
          f"({statistics.median(seconds) / plain:.2f} x plain print)")
    print(f"re-run, all unchanged: {rerun:.1f} s ({len(again.of('unchanged'))} skipped)")


if __name__ == "__main__":
    main()
