"""Rendering one Superset dashboard state to PDF (or PNG) in Debian's headless Chromium through Playwright.

The dashboard is opened through a permalink in Superset's own report mode (``?standalone=3``: no
navigation, title or filter bar), in a viewport exactly as wide as the printed A4 page divided by the
print scale, so the charts are drawn once at the width they are printed in. The viewport is made as tall
as the dashboard, so that every chart is in view and none waits for scrolling (dashboard virtualisation).
A Swedish title page is put in front of Superset's page (outside its React tree, so it survives
re-renders) and print CSS keeps rows and charts whole across page breaks.

A dashboard with tabs shows one tab at a time, and Superset draws a tab's charts only once it is opened.
Each tab is opened in turn (nested tabs too) and waited for; then every tab's content is shown one after
the other, each under its tab's name, and printed together. Report mode hides the dashboard's top-level
tab bar, so a dashboard whose layout starts with tabs is opened with ``standalone=2`` instead (no
navigation, no title; the tab bar is hidden when printing).

"Rendered" means: no loading indicator is left, every chart with a header has a container, and each
container holds what a finished chart draws — svg, canvas, table or a big number — or shows an error;
any error fails the rendering (``RenderFailed``), since a report must not hide a broken figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jamfor.errors import JamforError

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling hosts an offline machine cannot reach.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 300_000  # a loaded 2-core machine needs minutes for a 34-chart dashboard
# A4 landscape (297 mm) less 2 × 8 mm margins, in CSS px (96 per inch), divided by the print scale.
PRINT_SCALE = 0.7
MARGIN_MM = 8
PAGE_WIDTH_PX = (297 - 2 * MARGIN_MM) / 25.4 * 96
VIEWPORT_WIDTH = round(PAGE_WIDTH_PX / PRINT_SCALE)
ANIMATION_MS = 800  # ECharts' entry animation
TAB_SWITCH_MS = 500  # for the opened tab's charts to be mounted before waiting for them
CLOSE_TIMEOUT_S = 60
PAGE_CLOSE_TIMEOUT_S = 10  # a tab closes in under a second; 10 s is the loaded machine's margin

# Superset's own texts when a chart fails or has nothing to show (English UI).
EMPTY_TEXT = "No results were returned"
ERROR_TEXTS = (EMPTY_TEXT, "Unexpected error", "Error:", "DB engine Error",
               "Data error", "Chart has no query context", "There was an error")
# In a report a chart with nothing to show is not an error: Gotland's one kommun, say, did not answer
# every enkät. The report prints it as empty, in Swedish (SWEDISH_TEXTS), and counts it.
REPORT_ERROR_TEXTS = tuple(text for text in ERROR_TEXTS if text != EMPTY_TEXT)
SWEDISH_TEXTS = {"No results were returned for this query": "Inga uppgifter för det här urvalet",
                 "There is currently no information to display.": "",
                 "No data": "Inga uppgifter"}

CHART_STATES_JS = """
(errorTexts) => [...document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')]
  .filter(holder => holder.querySelector('[data-test="slice-header"]'))
  .map(holder => {
    const container = holder.querySelector('[data-test="chart-container"]');
    const text = container ? container.textContent : '';  // textContent: no layout on every poll
    const alert = holder.querySelector('.ant-alert-error, .ant-alert-warning, [role="alert"]');
    return {
      title: ((holder.querySelector('.header-title') || {}).textContent || '').trim(),
      loading: !!holder.querySelector('[data-test="loading-indicator"]'),
      drawn: !!(container && container.querySelector('svg, canvas, table, .header-line')),
      error: alert ? alert.textContent : (errorTexts.find(t => text.includes(t)) || ''),
      text: holder.textContent,
    };
  })
"""

# Opens the next dashboard tab a reader has not seen, and says whether there was one: the one script for
# every caller that must see each tab's charts (this renderer, the browser and compatibility tests, the
# dashboard benchmark). A tab shown now counts as seen without a click. The last unseen header a reader
# can see is opened: nested tabs come after their parent's bar, so a tab's own tabs are opened before a
# sibling hides them (the first in page order would open the sibling and never reach them). The opened
# tab's bar is scrolled into view, where a reader's eyes are.
OPEN_NEXT_TAB_JS = """
() => {
  const tabs = [...document.querySelectorAll('.dashboard-component-tabs [role="tab"]')]
    .filter(tab => tab.offsetParent !== null);
  tabs.filter(tab => tab.getAttribute('aria-selected') === 'true')
    .forEach(tab => tab.dataset.jamforSeen = '1');
  const unseen = tabs.filter(tab => !tab.dataset.jamforSeen);
  const tab = unseen[unseen.length - 1];
  if (!tab) return false;
  tab.dataset.jamforSeen = '1';
  tab.click();
  tab.scrollIntoView();
  return true;
}
"""

# Every tab's content shown, each under its tab's name. A tab's pane is the one its aria-controls names;
# the top-level tabs' bar (its own panes empty) names in order the panes of the bar-less tabs that hold
# the dashboard's content.
SHOW_ALL_TABS_JS = """
() => {
  const name = (pane, text) => {
    if (pane && pane.childElementCount && !pane.querySelector(':scope > .jamfor-tab')) {
      const heading = document.createElement('h2');
      heading.className = 'jamfor-tab';
      heading.textContent = text.trim();
      pane.prepend(heading);
    }
  };
  const panes = tabs => [...tabs.querySelectorAll(
    ':scope > .ant-tabs-content-holder > .ant-tabs-content > .ant-tabs-tabpane')];
  for (const bar of document.querySelectorAll('.dashboard-component-tabs')) {
    const tabs = [...bar.querySelectorAll('[role="tab"]')];
    const own = tabs.map(tab => document.getElementById(tab.getAttribute('aria-controls') || ''));
    if (own.some(pane => pane && pane.childElementCount)) {
      tabs.forEach((tab, i) => name(own[i], tab.textContent));
    } else {
      const content = [...document.querySelectorAll('.ant-tabs')]
        .find(t => !t.querySelector(':scope > .ant-tabs-nav [role="tab"]') && panes(t).length);
      if (content) panes(content).forEach((pane, i) => tabs[i] && name(pane, tabs[i].textContent));
    }
  }
  document.body.classList.add('jamfor-all-tabs');
}
"""

# Superset's English texts inside charts, put in Swedish for print (whole text nodes only).
TRANSLATE_JS = """
(texts) => {
  for (const container of document.querySelectorAll('[data-test="chart-container"]')) {
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const swedish = texts[node.nodeValue.trim()];
      if (swedish !== undefined) node.nodeValue = swedish;
    }
  }
}
"""

SETTLED_JS = """
([expected, errorTexts]) => {
  if (document.querySelector('[data-test="loading-indicator"]')) return false;
  const states = (CHART_STATES)(errorTexts);
  return states.length >= expected && states.every(s => !s.loading && (s.drawn || s.error));
}
""".replace("CHART_STATES", CHART_STATES_JS.strip())

PRINT_CSS = """
html, body { height: auto !important; overflow: visible !important; }
.grid-row, [data-test="dashboard-component-chart-holder"], .dashboard-markdown,
[data-test="chart-container"] { break-inside: avoid; page-break-inside: avoid; }
.dashboard-component-header { break-after: avoid; page-break-after: avoid; }
/* the filter badges and menus of each chart mean nothing on paper */
[data-test="slice-header"] .header-controls { display: none !important; }
.jamfor-all-tabs .ant-tabs-content { display: block !important; height: auto !important; }
.jamfor-all-tabs .ant-tabs-tabpane { display: block !important; height: auto !important; }
.jamfor-all-tabs .ant-tabs-nav, .jamfor-all-tabs [data-test="dashboard-header-wrapper"] {
  display: none !important; }
/* the filter bar (shown outside report mode, for dashboards starting with tabs): the PDF names its values */
[data-test="dashboard-filters-panel"] { display: none !important; }
.jamfor-tab { font: 600 26px Inter, Helvetica, Arial, sans-serif; margin: 24px 0 8px; break-after: avoid;
  page-break-after: avoid; }
#jamfor-title { break-after: page; page-break-after: always; padding: 60px 80px; background: #fff;
  font-family: Inter, Helvetica, Arial, sans-serif; color: #1f1f1f; }
#jamfor-title h1 { font-size: 44px; margin: 0 0 12px; }
#jamfor-title .kind { font-size: 22px; color: #555; margin-bottom: 40px; }
#jamfor-title dl { font-size: 28px; display: grid; grid-template-columns: max-content auto;
  gap: 8px 28px; margin: 0 0 40px; }
#jamfor-title dt { font-weight: 600; }
#jamfor-title dd { margin: 0; }
#jamfor-title h2 { font-size: 26px; margin: 30px 0 12px; }
#jamfor-title table { border-collapse: collapse; font-size: 20px; width: 100%; }
#jamfor-title th, #jamfor-title td { text-align: left; border-bottom: 1px solid #ccc; padding: 8px 12px;
  vertical-align: top; }
#jamfor-title .synthetic { background: #FDE380; border: 2px solid #b38f00; padding: 18px 24px;
  font-size: 24px; margin: 30px 0; }
#jamfor-title .made { font-size: 18px; color: #555; margin-top: 50px; }
"""

_FOOTER = ('<div style="font-size:8px;width:100%;padding:0 8mm;color:#555;font-family:sans-serif;'
           'display:flex;justify-content:space-between"><span>{title}</span>'
           '<span>Sida <span class="pageNumber"></span> av <span class="totalPages"></span></span></div>')


class RenderFailed(JamforError):
    """A dashboard state did not render: a chart in error, a timeout, or the browser failed.

    ``reason`` is what went wrong, in English, with the failing charts' titles where known.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class BrowserMissing(JamforError):
    """Chromium or Playwright for Python is not installed."""


@dataclass(frozen=True)
class DataSourceLine:
    """One line of the title page's source table, as the dashboard's data-source chart gives it."""

    kind: str  # e.g. "Syntetiska demovärden", "Publicerade uppgifter"
    source: str
    loaded_at: str  # "2026-12-02 01:14" (UTC), or "" when unknown
    synthetic: bool = False  # the load holds synthetic demo values


@dataclass(frozen=True)
class TitlePage:
    """What the report's first page says (Swedish; every string is escaped when it is put in HTML)."""

    dashboard_title: str
    filters: tuple[tuple[str, str], ...]
    sources: tuple[DataSourceLine, ...]
    synthetic: bool  # some value this report shows (its filters applied) is synthetic
    made: str  # "2026-12-02 01:30 UTC"
    jamfor_version: str


def title_page_html(page: TitlePage) -> str:
    e = html.escape
    rows = "".join(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in page.filters)
    parts = [f"<h1>{e(page.dashboard_title)}</h1>", '<div class="kind">Rapport från Superset</div>',
             f"<dl>{rows}</dl>"]
    if page.synthetic:
        parts.append('<div class="synthetic"><b>Syntetiska demovärden.</b> Rapporten bygger helt eller '
                     "delvis på syntetiska värden (jamfor demo), inte på publicerade uppgifter. "
                     "Siffrorna får inte citeras som verkliga.</div>")
    if page.sources:
        lines = "".join(f"<tr><td>{e(s.kind)}</td><td>{e(s.source)}</td><td>{e(s.loaded_at)}</td></tr>"
                        for s in page.sources)
        parts.append("<h2>Datakällor</h2><table><thead><tr><th>Typ av uppgifter</th><th>Källa</th>"
                     f"<th>Laddad (UTC)</th></tr></thead><tbody>{lines}</tbody></table>")
    parts.append(f'<div class="made">Skapad {e(page.made)} med jamfor {e(page.jamfor_version)}.</div>')
    return "".join(parts)


@dataclass(frozen=True)
class Rendered:
    pages: int
    empty_charts: int  # charts with nothing to show for this filter state


def count_pdf_pages(data: bytes) -> int:
    """The number of pages in a PDF Chromium wrote (its page objects are never compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


class FormSignIn:
    """Signs the browser in through Superset's React login form (#username, #password, Enter): for
    database and LDAP users, whose login form Superset shows."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password

    def __repr__(self) -> str:
        return f"FormSignIn(username={self._username!r})"

    async def __call__(self, context: Any, url: str) -> None:
        page = await context.new_page()
        try:
            await page.goto(f"{url}/login/", timeout=TIMEOUT_MS)
            await page.fill("#username", self._username)
            await page.fill("#password", self._password)
            await page.press("#password", "Enter")
            # the same login already worked through the REST API (a wrong password stops there), so
            # this waits as long as a page may take on a loaded machine (60 s was too short at load 30);
            # until the welcome page has loaded, not just committed: a tab closed while its navigation
            # commits may never close (see close_page)
            try:
                await page.wait_for_url("**/superset/welcome/**", wait_until="load", timeout=TIMEOUT_MS)
            except Exception:
                raise RenderFailed(f"could not log in to {url} in the browser within "
                                   f"{TIMEOUT_MS // 1000} s") from None
        finally:
            await close_page(page)


class CookieSignIn:
    """Signs the browser in with session cookies Superset made for a user in its own process, as its
    Alerts & Reports do (``jamfor.superset.inside.machine_login``): no login form, so it works under
    single sign-on too."""

    def __init__(self, cookies: dict[str, str]) -> None:
        self._cookies = dict(cookies)

    def __repr__(self) -> str:
        return f"CookieSignIn({sorted(self._cookies)!r})"

    async def __call__(self, context: Any, url: str) -> None:
        await context.add_cookies([{"name": name, "value": value, "url": f"{url}/", "httpOnly": True,
                                    "sameSite": "Lax"} for name, value in self._cookies.items()])


class Browser:
    """One headless Chromium with one signed-in context; pages are rendered concurrently in it.

    Use as ``async with Browser(url, FormSignIn(username, password)) as browser: await browser.render(...)``.
    """

    def __init__(self, url: str, sign_in: FormSignIn | CookieSignIn, chromium: Path = CHROMIUM) -> None:
        self.url = url.rstrip("/")
        self._sign_in = sign_in
        self._chromium = chromium
        self._playwright: Any = None
        self._browser: Any = None
        self.context: Any = None

    def __repr__(self) -> str:
        return f"Browser(url={self.url!r})"

    async def __aenter__(self) -> Browser:
        if not self._chromium.exists():
            raise BrowserMissing(f"{self._chromium} is missing (apt-get install chromium)")
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            raise BrowserMissing("Playwright for Python is missing (pip install playwright; "
                                 "no browser download is needed)") from None
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(executable_path=str(self._chromium),
                                                                   args=LAUNCH_ARGS)
            self.context = await self._browser.new_context(
                viewport={"width": VIEWPORT_WIDTH, "height": 1000}, locale="sv-SE")
            # Playwright's new page and close have no timeout of their own: a browser that stops
            # answering must end the run with an error, not hold it for ever
            await asyncio.wait_for(self._sign_in(self.context, self.url), TIMEOUT_MS / 1000 + 60)
        except asyncio.TimeoutError:
            await self.__aexit__(None, None, None)
            raise RenderFailed(f"the browser did not log in to {self.url} within "
                               f"{TIMEOUT_MS // 1000 + 60} s") from None
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._browser is not None:
            with contextlib.suppress(asyncio.TimeoutError):  # stopping Playwright below ends it too
                await asyncio.wait_for(self._browser.close(), CLOSE_TIMEOUT_S)
        if self._playwright is not None:
            await self._playwright.stop()

    async def render(self, permalink: str, charts: int, title: TitlePage, path: Path, fmt: str = "pdf",
                     top_tabs: bool = False) -> Rendered:
        """Open ``permalink`` (a path below the Superset's URL), wait for all ``charts``, write ``path``;
        returns its pages and empty charts.

        ``top_tabs``: the dashboard's layout starts with tabs (their bar is hidden in report mode).
        """
        page = await self.context.new_page()
        try:
            separator = "&" if "?" in permalink else "?"
            link = f"{self.url}{permalink}{separator}standalone={2 if top_tabs else 3}"
            await page.goto(link, timeout=TIMEOUT_MS)
            await page.wait_for_selector('[data-test="dashboard-component-chart-holder"]', timeout=TIMEOUT_MS)
            await page.add_style_tag(content=PRINT_CSS)
            await page.evaluate("""(inner) => { const el = document.createElement('section');
                el.id = 'jamfor-title'; el.innerHTML = inner; document.body.prepend(el); }""",
                                title_page_html(title))
            try:
                empty = await self._wait_for_charts(page, charts, REPORT_ERROR_TEXTS)
            except RenderFailed as exc:
                shot = await _snapshot(page, path)
                raise RenderFailed(f"{exc.reason} (the page as it was: {shot})") from None
            await page.evaluate(TRANSLATE_JS, SWEDISH_TEXTS)
            await page.wait_for_timeout(ANIMATION_MS)
            tmp = path.with_name(path.name + ".part")
            if fmt == "png":
                await page.screenshot(path=str(tmp), full_page=True)
                pages = 1
            else:
                footer = _FOOTER.format(title=html.escape(" · ".join(v for _, v in title.filters)))
                data = await page.pdf(format="A4", landscape=True, print_background=True, scale=PRINT_SCALE,
                                      display_header_footer=True, header_template="<span></span>",
                                      footer_template=footer,
                                      margin={"top": f"{MARGIN_MM}mm", "bottom": "12mm",
                                              "left": f"{MARGIN_MM}mm", "right": f"{MARGIN_MM}mm"})
                tmp.write_bytes(data)
                pages = count_pdf_pages(data)
            tmp.replace(path)
            path.with_name(f"{path.stem}.failed.png").unlink(missing_ok=True)
            return Rendered(pages, empty)
        finally:
            await close_page(page)

    async def _wait_for_charts(self, page: Any, charts: int, errors: tuple[str, ...] = ERROR_TEXTS) -> int:
        """Wait until every chart has drawn or failed, each tab opened in turn and then all shown; a
        chart showing one of ``errors`` fails the rendering. Returns the number of empty charts."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        if await page.evaluate("document.querySelector('.dashboard-component-tabs') !== null"):
            while True:
                await self._settle(page, 1, deadline, errors)  # the charts of the tabs open now
                if not await page.evaluate(OPEN_NEXT_TAB_JS):
                    break
                await page.wait_for_timeout(TAB_SWITCH_MS)
            await page.evaluate(SHOW_ALL_TABS_JS)
        await self._settle(page, charts, deadline, errors)
        states = await page.evaluate(CHART_STATES_JS, list(errors))
        failed = [f"{s['title']}: {s['error'].strip().splitlines()[0] if s['error'].strip() else 'error'}"
                  for s in states if s["error"]]
        if failed:
            raise RenderFailed("charts in error: " + "; ".join(failed))
        return sum(EMPTY_TEXT in s["text"] for s in states)

    async def _settle(self, page: Any, charts: int, deadline: float, errors: tuple[str, ...]) -> None:
        """Wait until at least ``charts`` charts are on the page and each has drawn or failed, keeping the
        viewport as tall as the page.

        The dashboard grows while its rows lay out; a chart below the viewport would wait for a scroll
        that never comes, so the height is checked again every few seconds.
        """
        while True:
            height = int(await page.evaluate("document.documentElement.scrollHeight"))
            if height + 100 > (page.viewport_size or {}).get("height", 0):
                await page.set_viewport_size({"width": VIEWPORT_WIDTH, "height": height + 400})
            try:
                await page.wait_for_function(SETTLED_JS, arg=[charts, list(errors)], timeout=5_000,
                                             polling=1000)
                break
            except Exception as exc:
                if type(exc).__name__ != "TimeoutError":
                    raise
            if time.monotonic() > deadline:
                states = await page.evaluate(CHART_STATES_JS, list(errors))
                waiting = [s["title"] for s in states if s["loading"] or not (s["drawn"] or s["error"])]
                raise RenderFailed(f"timed out after {TIMEOUT_MS // 1000} s: {len(states)} of {charts} "
                                   f"charts on the page, still waiting for: {', '.join(waiting) or '–'}")


async def close_page(page: Any) -> None:
    """Close a tab, and never wait for ever.

    Chromium acknowledges a close that races a navigation commit and then drops it
    (crbug.com/536385539): Playwright's ``page.close()`` waits for a close that never comes (seen as a
    `jamfor pdf` stuck for minutes after its login). Such a tab still answers the DevTools
    protocol's own ``Page.close``; a tab that does not is left for the browser's close to end.
    """
    try:
        await asyncio.wait_for(page.close(), PAGE_CLOSE_TIMEOUT_S)
        return
    except asyncio.TimeoutError:
        pass
    with contextlib.suppress(Exception):  # the tab may close by itself meanwhile; nothing to report
        if not page.is_closed():
            session = await page.context.new_cdp_session(page)
            async with page.expect_event("close", timeout=PAGE_CLOSE_TIMEOUT_S * 1000):
                await asyncio.wait_for(session.send("Page.close"), PAGE_CLOSE_TIMEOUT_S)


async def _snapshot(page: Any, path: Path) -> Path:
    """A screenshot of a page that did not render, beside where the report would have been."""
    shot = path.with_name(f"{path.stem}.failed.png")
    await page.screenshot(path=str(shot), full_page=True)
    return shot


async def gather_limited(limit: int, tasks: list[Any]) -> list[Any]:
    """Run coroutine factories with at most ``limit`` at a time; results in order."""
    semaphore = asyncio.Semaphore(max(1, limit))

    async def one(factory: Any) -> Any:
        async with semaphore:
            return await factory()

    return await asyncio.gather(*(one(task) for task in tasks))
