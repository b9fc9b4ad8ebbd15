"""Driving Superset 6.1's React front end in Debian's headless Chromium (Playwright, no downloaded browser).

What "rendered" means here: no loading indicator is left on the page, every chart on the dashboard
has its container, and each container holds what a finished chart draws — an svg (d3 maps), a canvas
(ECharts) or a table (table and pivot charts; big numbers count by their number) — or shows an error,
which ``chart_states`` then reports.
"""

from __future__ import annotations

import importlib.util
import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jamfor.superset.pdf.render import CHART_STATES_JS, CHROMIUM, ERROR_TEXTS, LAUNCH_ARGS, OPEN_NEXT_TAB_JS
from jamfor.superset.sync.assets import read_assets
from support.databases import unavailable

VIEWPORT = {"width": 1600, "height": 1200}
RENDER_TIMEOUT_MS = 120_000
# CHART_STATES_JS: the chart states `jamfor pdf` reads before it prints a dashboard.


@dataclass(frozen=True)
class ChartState:
    """One chart as the browser shows it."""

    title: str
    loading: bool
    drawn: bool
    error: str
    text: str


def launch(playwright: Any, as_a_person: bool = False) -> Any:
    """Debian's Chromium, headless, with the flags this offline machine needs.

    Superset draws every chart of a dashboard at once for an automated browser (``navigator.webdriver``,
    what its reports and ours want); ``as_a_person`` hides that flag, so the dashboard behaves as in a
    person's browser: rows draw, and with DASHBOARD_VIRTUALIZATION_DEFER_DATA ask for their data, when
    scrolled into view (the benchmark measures that).
    """
    args = [*LAUNCH_ARGS, "--disable-blink-features=AutomationControlled"] if as_a_person else LAUNCH_ARGS
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)


@contextmanager
def chromium(as_a_person: bool = False) -> Iterator[Any]:
    """A launched Chromium until the block ends; without Chromium or Playwright the test skips locally
    and fails when CI=true."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, as_a_person)
        yield browser
        browser.close()


def log_in(page: Any, url: str, username: str, password: str) -> None:
    """Through the React login form (#username, #password, Enter), as a person would."""
    page.goto(f"{url}/login/", timeout=RENDER_TIMEOUT_MS)  # a busy machine serves the first page slowly
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    # Arriving at the welcome page is the proof. Loaded, not just committed: the caller closes this tab,
    # and a close that races a navigation commit may never complete (pdf_render.close_page).
    page.wait_for_url("**/superset/welcome/**", wait_until="load", timeout=RENDER_TIMEOUT_MS)


def explore_save_dialog(page: Any, url: str, chart_id: int) -> Any:
    """Open the chart in Explore and its Save dialog; returns the "Save (overwrite)" radio button, which
    Superset disables for a chart managed externally."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{url}/explore/?slice_id={chart_id}", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
    for _ in range(3):  # on a busy machine a click while Explore is still loading opens nothing
        page.click('[data-test="query-save-button"]', timeout=RENDER_TIMEOUT_MS)
        try:
            page.wait_for_selector('[data-test="save-modal-body"]', timeout=40_000)
            break
        except PlaywrightTimeout:
            continue
    return page.locator('[data-test="save-overwrite-radio"] input, input#overwrite-radio').first


def overwrite_chart_title(page: Any, url: str, chart_id: int, title: str) -> Any:
    """An analyst's rename in Explore with the normal Save (overwrite); returns Superset's answer to the
    PUT that Save sends (Explore's whole form data goes with it)."""
    overwrite = explore_save_dialog(page, url, chart_id)
    assert overwrite.is_enabled(), "Save (overwrite) is disabled: the chart is managed externally"
    overwrite.check()
    page.fill('[data-test="new-chart-name"]', title)
    with page.expect_response(lambda r: f"/api/v1/chart/{chart_id}" in r.url and r.request.method == "PUT",
                              timeout=RENDER_TIMEOUT_MS) as saved:
        page.click('[data-test="btn-modal-save"]')
    return saved.value


def widen_dashboard_chart(page: Any, url: str, slug: str, title: str, columns: int) -> Any:
    """With "Edit dashboard", drag the right edge of chart ``title`` ``columns`` grid columns wider, then
    Save; returns Superset's answer to the dashboard PUT that Save sends."""
    goto_dashboard(page, url, slug)
    page.click('[data-test="edit-dashboard-button"]', timeout=RENDER_TIMEOUT_MS)
    holder = chart(page, title)
    holder.wait_for(timeout=RENDER_TIMEOUT_MS)
    box = holder.locator("xpath=ancestor::div[contains(@class, 'resizable-container')][1]")
    holder.hover()
    handle = box.locator(".resizable-container-handle--right").first.bounding_box()
    column = _grid_column_width(page)
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + columns * column, y, steps=20)  # re-resizable snaps to whole columns
    page.mouse.up()
    with page.expect_response(lambda r: "/api/v1/dashboard/" in r.url and r.request.method == "PUT",
                              timeout=RENDER_TIMEOUT_MS) as saved:
        page.click('[data-test="header-save-button"]')
    return saved.value


def rename_native_filter(page: Any, url: str, slug: str, name: str) -> Any:
    """Rename the dashboard's first native filter as a person does: the filter bar's settings (gear) →
    "Add or edit filters and controls" → the selected filter's name → Save; returns Superset's answer to
    the dashboard PUT that Save sends."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    goto_dashboard(page, url, slug)
    field = page.locator('[data-test="filter-modal"] [data-test="filters-config-modal__name-input"]')
    for attempt in range(3):
        # A click on the gear while the filter bar still lays out can leave the menu item dead (seen
        # once in a clean-clone run under load: the dialog never opened); a person clicks again.
        page.click('[data-test="filterbar-orientation-icon"]', timeout=RENDER_TIMEOUT_MS)
        page.click('[data-menu-id$="add-edit-filters-menu-key"]', timeout=RENDER_TIMEOUT_MS)
        try:
            field.wait_for(timeout=RENDER_TIMEOUT_MS // 4)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    field.fill(name)
    with page.expect_response(lambda r: "/api/v1/dashboard/" in r.url and r.request.method == "PUT",
                              timeout=RENDER_TIMEOUT_MS) as saved:
        page.click('[data-test="native-filter-modal-save-button"]')
    return saved.value


def _grid_column_width(page: Any) -> float:
    """One of the dashboard grid's 12 columns, in pixels (the grid's width over 12)."""
    return float(page.locator(".grid-content").first.bounding_box()["width"]) / 12


@contextmanager
def admin_page(instance: Any, viewport: dict[str, int] = VIEWPORT) -> Iterator[Any]:
    """A page in a fresh Chromium logged in to ``instance`` as its admin (who may edit what is not
    locked), until the block ends."""
    with chromium() as browser:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        log_in(page, instance.url, instance.username, instance.password)
        yield page
        context.close()


def goto_dashboard(page: Any, url: str, slug: str) -> None:
    """Open a dashboard and wait for its layout (not for its charts)."""
    page.goto(f"{url}/superset/dashboard/{slug}/", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector('[data-test="dashboard-component-chart-holder"]', timeout=RENDER_TIMEOUT_MS)


def open_dashboard(page: Any, url: str, slug: str, charts: int) -> list[ChartState]:
    """Open a dashboard and wait until all ``charts`` have drawn or failed; returns their states."""
    goto_dashboard(page, url, slug)
    return wait_for_charts(page, charts)


def wait_for_charts(page: Any, charts: int) -> list[ChartState]:
    """Wait as a reader would: a screen at a time, scrolling on once the charts in view have drawn, at
    the bottom opening the next tab while charts are missing, back to the first tabs and the top at the
    end.

    Charts below the fold draw, and with DASHBOARD_VIRTUALIZATION_DEFER_DATA ask for their data, only
    when scrolled into view; the page grows while its rows lay out, so one jump to the bottom right after
    the layout appeared could come before the lower rows existed (seen on a cold cache). A tab's charts
    draw only once the tab is opened (the länsrapport's lower parts); an opened tab's charts stay on the
    page, hidden, when another tab is shown, so every chart can be read once all tabs were opened.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + RENDER_TIMEOUT_MS / 1000
    scrolled = 0
    page.evaluate("window.__jamforDrawn = new Set()")
    while True:
        done = False
        try:
            done = page.wait_for_function(_ALL_OR_VIEW_SETTLED_JS,
                                          arg=[charts, list(ERROR_TEXTS), VIEWPORT["height"]],
                                          timeout=1500, polling=100).json_value()
            if done == "all":
                break
        except PlaywrightTimeout:
            pass
        if time.monotonic() > deadline:
            waiting = [s.title for s in chart_states(page) if s.loading or not (s.drawn or s.error)]
            raise AssertionError(f"{len(chart_states(page))} of {charts} charts on the page; "
                                 f"not drawn after {RENDER_TIMEOUT_MS // 1000} s: {waiting}")
        height = int(page.evaluate("document.documentElement.scrollHeight"))
        at_bottom = scrolled + VIEWPORT["height"] >= height
        if at_bottom and done == "view" and page.evaluate(OPEN_NEXT_TAB_JS):
            scrolled = int(page.evaluate("window.scrollY"))  # the opened tab's bar, scrolled into view
        else:
            scrolled = 0 if at_bottom else scrolled + VIEWPORT["height"]
            page.evaluate(f"window.scrollTo(0, {scrolled})")
        page.wait_for_timeout(100)  # the rows that came into view start to load
    page.evaluate(_FIRST_TABS_JS)
    page.evaluate("window.scrollTo(0, 0)")
    return chart_states(page)


def open_tab(page: Any, name: str) -> None:
    """Open the dashboard tab called ``name`` (a reader's click on its header)."""
    page.locator('.dashboard-component-tabs [role="tab"]', has_text=name).first.click()


def chart_states(page: Any) -> list[ChartState]:
    return [ChartState(**state) for state in page.evaluate(CHART_STATES_JS, list(ERROR_TEXTS))]


def chart(page: Any, title: str) -> Any:
    """The locator of the chart holder whose header title is exactly ``title``."""
    header = page.locator('[data-test="slice-header"] .header-title', has_text=re.compile(
        rf"^\s*{re.escape(title)}\s*$"))
    return page.locator('[data-test="dashboard-component-chart-holder"]', has=header)


def big_number(page: Any, title: str) -> tuple[str, str]:
    """The (number, kicker) a big-number chart shows, e.g. ("41", "2021")."""
    holder = chart(page, title)
    return holder.locator(".header-line").inner_text().strip(), holder.locator(".kicker").inner_text().strip()


def table_rows(page: Any, title: str) -> list[list[str]]:
    """The body rows of a table chart, each as its cell texts."""
    return chart(page, title).evaluate("""holder => [...holder.querySelectorAll('table tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))""")


def choose_filter_value(page: Any, filter_id: str, text: str) -> str:
    """Pick the first option of native filter ``filter_id`` whose label contains ``text`` (any case).

    Leaves the filter alone when that value is already the selection; returns the chosen label.
    """
    select = page.locator(f'.ant-select[data-test="{filter_id}"]')
    select.wait_for(timeout=RENDER_TIMEOUT_MS)
    current = select.locator(".ant-select-selection-item").all_inner_texts()
    if len(current) == 1 and text.casefold() in current[0].casefold():
        return current[0]
    select.locator(".ant-select-selector").click()
    page.keyboard.type(text)
    options = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option")
    option = options.filter(has_text=re.compile(re.escape(text), re.IGNORECASE)).first
    option.wait_for(timeout=30_000)
    label = option.get_attribute("title") or option.inner_text()
    option.click()
    page.keyboard.press("Escape")
    return label


def apply_filters(page: Any) -> None:
    page.get_by_role("button", name="Apply filters").click()


def screenshot(page: Any, path: Path) -> None:
    """The whole dashboard page, after ECharts' entry animations have finished.

    Saved as a 256-colour PNG (a dashboard has few colours; half the bytes of a full-colour one),
    since the screenshots are committed for the README.
    """
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    # The window as tall as the page, then a plain screenshot: a full-page capture of a tall dashboard
    # came out blank (the rows outside the window had been taken down); the charts redraw at the new size.
    page.set_viewport_size({"width": VIEWPORT["width"],
                            "height": int(page.evaluate("document.documentElement.scrollHeight"))})
    page.wait_for_timeout(4000)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    page.set_viewport_size(VIEWPORT)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)


# The charts whose holders are (partly) in the viewport: all drawn or failed. "In view" is measured from
# the viewport, so at the top of the page it is the first screen.
_VIEW_SETTLED = """
(errorTexts, height) => {
  const holders = [...document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')]
    .filter(h => h.querySelector('[data-test="slice-header"]'))
    .filter(h => { const r = h.getBoundingClientRect(); return r.top < height && r.bottom > 0; });
  if (!holders.length) return false;
  return holders.every(h => {
    const container = h.querySelector('[data-test="chart-container"]');
    const drawn = !!(container && container.querySelector('svg, canvas, table, .header-line'));
    const failed = !!h.querySelector('.ant-alert-error, .ant-alert-warning, [role="alert"]')
      || errorTexts.some(t => (container ? container.innerText : '').includes(t));
    return !h.querySelector('[data-test="loading-indicator"]') && (drawn || failed);
  });
}
"""
_FIRST_SCREEN_SETTLED_JS = f"([errorTexts, height]) => ({_VIEW_SETTLED.strip()})(errorTexts, height)"
# "all": every chart has drawn (or failed) since the wait began — in a person's browser a chart far above
# the viewport is taken down again (virtualisation), so they need not all be drawn at one moment.
_ALL_OR_VIEW_SETTLED_JS = f"""
([expected, errorTexts, height]) => {{
  const drawn = window.__jamforDrawn;
  ({CHART_STATES_JS.strip()})(errorTexts).filter(s => !s.loading && (s.drawn || s.error))
    .forEach(s => drawn.add(s.title));
  if (drawn.size >= expected && !document.querySelector('[data-test="loading-indicator"]')) return 'all';
  return ({_VIEW_SETTLED.strip()})(errorTexts, height) ? 'view' : false;
}}
"""


# Each tab bar back on its first tab: the dashboard as first shown (for screenshots and the tests' reading).
_FIRST_TABS_JS = """
() => document.querySelectorAll('.dashboard-component-tabs').forEach(bar => {
  const first = bar.querySelector('[role="tab"]');
  if (first && first.getAttribute('aria-selected') !== 'true') first.click();
})
"""


def wait_for_first_screen(page: Any) -> None:
    """Wait until every chart that starts within the first screen (the viewport) has drawn or failed."""
    page.wait_for_function(_FIRST_SCREEN_SETTLED_JS, arg=[list(ERROR_TEXTS), VIEWPORT["height"]],
                           timeout=RENDER_TIMEOUT_MS, polling=100)


# Charts drawn on a canvas (ECharts) keep their words and shapes out of the DOM: this init script records,
# per canvas, every text the page draws (``__jamforTexts``, all frames) and, for the last full frame, each
# text's box and each filled rectangle (``__jamforFrame``: ECharts draws a bar as one rect), so a test can
# read legends and axis labels as drawn and measure bars against their axis.
_RECORD_CANVAS_JS = """
(() => {
  const proto = CanvasRenderingContext2D.prototype;
  const { beginPath, rect, fill, fillText, clearRect } = proto;
  const frame = canvas => (canvas.__jamforFrame = canvas.__jamforFrame || { bars: [], texts: [] });
  const toPage = (ctx, x, y) => { const t = ctx.getTransform(); return [x * t.a + t.e, y * t.d + t.f]; };
  proto.clearRect = function (x, y, w, h) {
    const c = this.canvas;  // a full clear starts a new frame (ECharts repaints the whole canvas)
    if (c && x <= 0 && y <= 0 && w >= c.width / 2 && h >= c.height / 2) {
      c.__jamforFrame = { bars: [], texts: [] };
    }
    return clearRect.call(this, x, y, w, h);
  };
  proto.beginPath = function (...args) { this.__jamforRects = []; return beginPath.apply(this, args); };
  proto.rect = function (x, y, w, h) {
    const [left, top] = toPage(this, x, y); const t = this.getTransform();
    (this.__jamforRects = this.__jamforRects || []).push({ x: left, y: top, w: w * t.a, h: h * t.d });
    return rect.call(this, x, y, w, h);
  };
  proto.fill = function (...args) {
    if (this.canvas && this.__jamforRects && this.__jamforRects.length) {
      const fillStyle = String(this.fillStyle);
      frame(this.canvas).bars.push(...this.__jamforRects.map(r => ({ ...r, fill: fillStyle })));
    }
    return fill.apply(this, args);
  };
  proto.fillText = function (text, x, y, ...rest) {
    const c = this.canvas;
    if (c) {
      (c.__jamforTexts = c.__jamforTexts || new Set()).add(String(text));
      const [left, top] = toPage(this, x, y);
      const width = this.measureText(String(text)).width * this.getTransform().a;
      frame(c).texts.push({ text: String(text), x: left, y: top, w: width, align: this.textAlign });
    }
    return fillText.call(this, text, x, y, ...rest);
  };
})();
"""


def record_canvas_text(context: Any) -> None:
    """Make every page of ``context`` remember what it draws on its canvases (``chart_texts``,
    ``chart_drawings``)."""
    context.add_init_script(_RECORD_CANVAS_JS)


def chart_texts(page: Any) -> dict[str, list[str]]:
    """Per chart title: its visible text (DOM) and every text drawn on its canvases, spaces normalised;
    on a dashboard with tabs, of every tab's charts (each tab shown in turn: a hidden chart's text has
    no line breaks)."""
    return _per_tab(page, _shown_chart_texts)


def chart_drawings(page: Any) -> dict[str, dict[str, Any]]:
    """Per chart title, as its tab shows it: ``bars`` (filled rectangles: x, y, w, h, fill, in CSS pixels
    of the canvas) and ``texts`` (text, x, y, w, align) of the last frame drawn on its first canvas, the
    canvas' ``width`` and ``height`` (CSS pixels; 0 without a canvas), and
    ``tables``: for each table its body rows (text, top, bottom) and the bottom of the chart's visible
    area (in viewport pixels: what lies below it is cut off or needs scrolling inside the chart)."""
    def settled(page: Any) -> dict[str, dict[str, Any]]:
        # a table first draws whole to measure its columns, then as a sticky header over a scrolling
        # body, and ECharts animates: read until two readings a second apart agree
        reading = page.evaluate(_SHOWN_DRAWINGS_JS)
        for _ in range(20):
            page.wait_for_timeout(1000)
            previous, reading = reading, page.evaluate(_SHOWN_DRAWINGS_JS)
            if reading == previous:
                break
        return reading
    return _per_tab(page, settled)


def cut_notes(page: Any) -> dict[str, int]:
    """Per markdown note a reader would have to scroll inside (its first words), the pixels hidden below
    its box, in every tab."""
    return _per_tab(page, lambda page: page.evaluate(_CUT_NOTES_JS))


_CUT_NOTES_JS = """() => Object.fromEntries(
  [...document.querySelectorAll('.dashboard-markdown .dashboard-component-chart-holder')]
    .filter(h => h.offsetParent !== null && h.scrollHeight > h.clientHeight + 1)
    .map(h => [h.innerText.trim().slice(0, 60), h.scrollHeight - h.clientHeight]))"""


def text_span(text: dict[str, Any]) -> tuple[float, float]:
    """(left, right) of a text of ``chart_drawings``, by its alignment at ``x``."""
    left = {"center": text["x"] - text["w"] / 2, "right": text["x"] - text["w"], "end": text["x"] - text["w"]
            }.get(text["align"], text["x"])
    return left, left + text["w"]


def _per_tab(page: Any, read: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    tabs = page.locator('.dashboard-component-tabs [role="tab"]')
    for index in range(tabs.count()):
        tabs.nth(index).click()
        page.wait_for_timeout(1500)  # the shown tab's charts draw again, ECharts' labels last
        found.update(read(page))
    if tabs.count():
        page.evaluate(_FIRST_TABS_JS)
    return found or read(page)


# Class names, not data-test attributes: Superset before 6.0 strips those from its build, and the
# compatibility tier reads drawings on 4.1 to 6.1.
_SHOWN_DRAWINGS_JS = """() => Object.fromEntries(
  [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .filter(h => h.querySelector('.header-title') && h.offsetParent !== null)
    .map(h => {
      const canvas = h.querySelector('canvas');
      const frame = (canvas && canvas.__jamforFrame) || { bars: [], texts: [] };
      const box = canvas ? canvas.getBoundingClientRect() : { width: 0, height: 0 };
      const scale = canvas ? canvas.width / box.width : 1;
      const css = o => Object.fromEntries(Object.entries(o).map(([k, v]) =>
        [k, typeof v === 'number' ? v / scale : v]));
      const tables = [...h.querySelectorAll('table')].filter(t => t.querySelector('tbody tr')).map(t => {
        const rows = t.querySelectorAll('tbody tr');
        let visible = h.getBoundingClientRect().bottom;  // the lowest edge nothing in between clips
        for (let e = t.parentElement; e && e !== h.parentElement; e = e.parentElement) {
          if (getComputedStyle(e).overflowY !== 'visible') {
            visible = Math.min(visible, e.getBoundingClientRect().bottom);
          }
        }
        return { rows: [...rows].map(r => ({ text: r.innerText, top: r.getBoundingClientRect().top,
                                             bottom: r.getBoundingClientRect().bottom })),
                 visibleBottom: visible, holderBottom: h.getBoundingClientRect().bottom };
      });
      return [(h.querySelector('.header-title') || {}).innerText.trim(),
              { bars: frame.bars.map(css), texts: frame.texts.map(css), tables,
                width: box.width, height: box.height }];
    }))"""


def _shown_chart_texts(page: Any) -> dict[str, list[str]]:
    texts = page.evaluate("""() => Object.fromEntries(
      [...document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')]
        .filter(h => h.querySelector('[data-test="slice-header"]') && h.offsetParent !== null)
        .map(h => [(h.querySelector('.header-title') || {}).innerText || '',
                   [h.querySelector('[data-test="chart-container"]')?.innerText || '',
                    ...[...h.querySelectorAll('canvas')].flatMap(c => [...(c.__jamforTexts || [])])]]))""")
    return {title.strip(): [normalise_spaces(text) for text in parts] for title, parts in texts.items()}


def normalise_spaces(text: str) -> str:
    """No-break and narrow no-break spaces (Swedish thousands, "41 %") as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


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
