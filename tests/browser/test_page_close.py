"""Closing a Chromium tab never hangs `jamfor pdf`.

Chromium acknowledges a close that races a navigation commit and then drops it (crbug.com/536385539), and
Playwright's ``page.close()`` waits for it for ever. That stalled CI: `jamfor pdf` closed its login tab
right after the welcome page committed, and the run sat until its 360 s login deadline. A page that
refreshes itself at once (``<meta http-equiv="refresh" content="0">``) makes the race likely: on this
machine 6 to 8 of 20 plain closes never completed. ``close_page`` must close every such tab, and
quickly. Without Chromium or Playwright the test skips locally and fails when CI=true.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from support.databases import unavailable
from support.http_server import serving

from jamfor.superset.pdf.render import CHROMIUM, LAUNCH_ARGS, PAGE_CLOSE_TIMEOUT_S, close_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PAGES = {"/refresh": b"<html><head><meta http-equiv='refresh' content='0; URL=/target'></head>"
                     b"<body>refresh</body></html>",
         "/target": b"<html><body>target</body></html>"}
TABS = 16


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = PAGES.get(self.path, PAGES["/target"])
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the tab closed as it loaded
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serving(_Pages) as url:
        yield url


async def _open_and_close(url: str) -> tuple[list[float], int, int]:
    """Each tab's close time, the tabs left open, and the pages the context still lists."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = await browser.new_context()
        durations, left_open = [], 0
        for _ in range(TABS):
            page = await context.new_page()
            await page.goto(f"{url}/refresh")
            start = time.monotonic()
            await close_page(page)
            durations.append(time.monotonic() - start)
            left_open += not page.is_closed()
        listed = len(context.pages)
        await asyncio.wait_for(browser.close(), 60)
    return durations, left_open, listed


def test_tabs_closed_while_they_navigate_all_close_in_bounded_time(site):
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    durations, left_open, listed = asyncio.run(_open_and_close(site))
    assert left_open == 0 and listed == 0
    # a dropped close costs the first wait and the DevTools close; nothing waits longer
    assert max(durations) < 3 * PAGE_CLOSE_TIMEOUT_S, durations
