"""A reader who chooses Swedish in Superset 6.1: the login page, the dashboard list and every dashboard
and tab (a filter changed, a chart menu opened, a table searched) show none of Superset's English.

"Superset's English" is every msgid of the installed Superset's messages.pot (placeholders match any
text) that jamfor's Swedish does not keep as it is ("OK", "SQL"). What Superset draws without its
translation function (dayjs' relative times, ECharts' legend buttons, Ant Design's pagination) is not
in messages.pot; docs/operating.md lists it.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import (
    RENDER_TIMEOUT_MS,
    VIEWPORT,
    chart_states,
    choose_filter_value,
    open_dashboard,
)
from test_browser import DASHBOARDS, Dashboard, browser, registered  # noqa: F401 - module fixtures, shared

from jamfor.superset.inside import language_build

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\{\s*\w*\s*\}")
# The visible texts of the page (text nodes of shown elements, and input placeholders); canvases hold
# the charts' own drawing, ECharts', not Superset's words.
VISIBLE_TEXTS_JS = """() => {
  const texts = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !element || element.closest('script, style, noscript')) continue;
    const box = element.getBoundingClientRect();
    if (box.width && box.height && getComputedStyle(element).visibility !== 'hidden') texts.add(text);
  }
  document.querySelectorAll('input[placeholder]').forEach(input => {
    if (input.offsetParent !== null) texts.add(input.getAttribute('placeholder'));
  });
  return [...texts];
}"""


def _english_patterns() -> list[tuple[re.Pattern[str], str]]:
    """One full-match pattern per English msgid of Superset that Swedish changes."""
    from babel.messages.pofile import read_po

    superset = importlib.util.find_spec("superset")
    assert superset and superset.origin
    with (Path(superset.origin).parent / "translations" / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    kept = {m.id if not m.pluralizable else m.id[0] for m in language_build.read_po(language_build.po_path())
            if (m.string if not m.pluralizable else m.string[0]) == (m.id if not m.pluralizable else m.id[0])}
    patterns = []
    for message in pot:
        ids = message.id if message.pluralizable else (message.id,)
        if not ids[0] or ids[0] in kept:
            continue
        for english in ids:
            words = PLACEHOLDER.sub("", english)
            if not re.search(r"[A-Za-z]{2}", words):
                continue  # "%s", "%s: %s": nothing English of their own
            pattern = "".join(".+?" if PLACEHOLDER.fullmatch(part) else re.escape(part)
                              for part in re.split(f"({PLACEHOLDER.pattern})", english) if part)
            patterns.append((re.compile(pattern, re.S), ids[0]))
    return patterns


class Walk:
    """What a reader saw, page by page: every visible text that is one of Superset's English msgids."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.patterns = _english_patterns()
        self.english: dict[str, str] = {}
        self.places = 0
        # Each text's msgid (None: not English), matched once: most texts show at many places, and a
        # text against every pattern costs ~0.7 ms (~4,600 patterns).
        self.known: dict[str, str | None] = {}

    def msgid(self, text: str) -> str | None:
        """The msgid of Superset's English that ``text`` is, or None."""
        if text not in self.known:
            self.known[text] = next((msgid for pattern, msgid in self.patterns if pattern.fullmatch(text)),
                                    None)
        return self.known[text]

    def look(self, where: str) -> None:
        self.page.wait_for_timeout(500)  # a tooltip or menu finishes opening
        self.places += 1
        for text in self.page.evaluate(VISIBLE_TEXTS_JS):
            msgid = self.msgid(text)
            if msgid is not None:
                self.english.setdefault(f"{text!r} (msgid {msgid!r})", where)


@pytest.fixture(scope="module")
def swedish_page(superset, browser) -> Iterator[Any]:  # noqa: F811 - pytest's fixture by name
    """A Chromium page whose reader chose Swedish (the language menu's link), not yet logged in."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{superset.url}/lang/sv", timeout=RENDER_TIMEOUT_MS)
    yield page
    context.close()


def _open_chart_menu(walk: Walk, dashboard: Dashboard) -> None:
    page = walk.page
    page.evaluate("window.scrollTo(0, 0)")
    trigger = page.locator('[data-test="slice-header"] [data-test="slice-header-controls-trigger"], '
                           '[data-test="slice-header"] .ant-dropdown-trigger').first
    trigger.click()
    walk.look(f"{dashboard.slug}: chart menu")
    submenus = page.locator(".ant-dropdown:not(.ant-dropdown-hidden) .ant-dropdown-menu-submenu-title")
    for index in range(submenus.count()):
        submenus.nth(index).hover()
        walk.look(f"{dashboard.slug}: chart submenu {index}")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.locator(".ant-dropdown:not(.ant-dropdown-hidden)").first.wait_for(state="hidden", timeout=10_000)


def _search_a_table(walk: Walk, dashboard: Dashboard) -> bool:
    search = walk.page.locator('[data-test="dashboard-component-chart-holder"] input[placeholder]')
    for index in range(search.count()):
        if search.nth(index).is_visible():
            search.nth(index).fill("zzz")
            walk.look(f"{dashboard.slug}: table searched, nothing found")
            search.nth(index).fill("")
            return True
    return False


def _offered_labels(page: Any, filter_id: str) -> list[str]:
    """Open a select filter, search for what matches nothing, clear the search, and read the first
    options it offers ([] when none shows). A filter that allows new values keeps what was typed
    among its options, and one with a single option may show only that: neither is chosen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(f'.ant-select[data-test="{filter_id}"] .ant-select-selector').click()
    page.keyboard.type("zzz")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    options = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option")
    try:
        options.filter(has_not_text="zzz").first.wait_for(timeout=10_000)
    except PlaywrightTimeout:
        return []
    shown = [options.nth(i).get_attribute("title") or options.nth(i).inner_text()
                      for i in range(min(options.count(), 4))]
    return [label for label in shown if label != "zzz"]


def _change_a_filter(walk: Walk, dashboard: Dashboard) -> None:
    page = walk.page
    page.evaluate("window.scrollTo(0, 0)")
    selects = [filter_id for filter_id in dashboard.filters.values()
               if page.locator(f'.ant-select[data-test="{filter_id}"]').is_visible()]
    assert selects, f"{dashboard.slug}: no select filter in the filter bar"
    page.locator(f'.ant-select[data-test="{selects[0]}"] .ant-select-selector').click()
    walk.look(f"{dashboard.slug}: filter opened")
    page.keyboard.type("zzz")
    walk.look(f"{dashboard.slug}: filter without a match")
    page.keyboard.press("Escape")
    for filter_id in selects:  # the first filter that offers another value
        labels = _offered_labels(page, filter_id)
        page.keyboard.press("Escape")
        select = page.locator(f'.ant-select[data-test="{filter_id}"]')
        chosen = select.locator(".ant-select-selection-item").all_inner_texts()
        other = [label for label in labels if label not in chosen]
        if other:
            choose_filter_value(page, filter_id, other[0])
            break
    else:
        raise AssertionError(f"{dashboard.slug}: no select filter offers a second value")
    walk.look(f"{dashboard.slug}: filter changed")
    apply = page.get_by_role("button", name="Tillämpa filter")
    if apply.is_enabled():
        apply.click()
    walk.look(f"{dashboard.slug}: filters applied")


@pytest.mark.timeout(1800)  # four dashboards, every tab, each drawn in full
def test_a_reader_who_chooses_swedish_meets_no_english_string_of_superset(superset, swedish_page):
    page = swedish_page
    walk = Walk(page)
    page.goto(f"{superset.url}/login/", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector("#username", timeout=RENDER_TIMEOUT_MS)
    walk.look("login page")
    page.fill("#username", superset.username)
    page.fill("#password", "not the password")
    page.press("#password", "Enter")
    page.wait_for_timeout(1500)
    walk.look("login page, wrong password")
    page.fill("#username", superset.username)
    page.fill("#password", superset.password)
    page.press("#password", "Enter")
    page.wait_for_url("**/superset/welcome/**", wait_until="load", timeout=RENDER_TIMEOUT_MS)
    page.goto(f"{superset.url}/dashboard/list/", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector('[data-test="listview-table"], [data-test="styled-card"]',
                           timeout=RENDER_TIMEOUT_MS)
    walk.look("dashboard list")
    tables_searched = 0
    for dashboard in DASHBOARDS:
        states = open_dashboard(page, superset.url, dashboard.slug, dashboard.charts)
        assert [s.title for s in states if s.error] == []
        walk.look(f"{dashboard.slug}: first tab")
        tabs = page.locator('.dashboard-component-tabs [role="tab"]')
        for index in range(tabs.count()):
            page.evaluate("window.scrollTo(0, 0)")
            tabs.nth(index).click(force=True)
            walk.look(f"{dashboard.slug}: tab {index}")
            tables_searched += _search_a_table(walk, dashboard)
        tables_searched += _search_a_table(walk, dashboard)
        _open_chart_menu(walk, dashboard)
        _change_a_filter(walk, dashboard)
        assert [s.title for s in chart_states(page) if s.error] == []
    assert tables_searched, "no dashboard has a searchable table: the walk searched nothing"
    assert walk.places > 4 * len(DASHBOARDS)
    assert walk.english == {}
