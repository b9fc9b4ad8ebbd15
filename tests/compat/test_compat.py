"""The compatibility tier: the shipped assets against the Superset installed in this venv (4.1 to 6.1).

`make test-compat` runs this module once per supported version, each in its own venv built from
constraints/superset-<version>.txt (.venv-ss-<version>; 6.1.0 in .venv), with JAMFOR_COMPAT_VERSION set
to the version wanted. The story is one operator's on a fresh Superset: `jamfor register` (which names the
version it detected), every chart's data endpoint answering with rows, the roles and the row-level
security filter of roles/ registered and register's checks as a reader and an analyst passed, a reader
(Gamma + jamfor-läsare) who opens every dashboard and gets rows, a member of jamfor-egen-kommun limited
to Malmö's rows, a second `plan` with no changes (roles included),
`pull` leaving every file byte-identical, `superset jamfor register` in-process, the recorded import
schemas matching this version's own, the Swedish msgids this version's messages.pot lacks being those the
docs name, every dashboard opened in Chromium without an error (one
screenshot per version and dashboard under tests/artifacts/compat/<version>/), and what a reader sees
drawn: rank 1 at the top of the ranking, SKR's områden in one order on every chart, no text cut at a
chart's edge. `make test` runs it for
the older lines; without the venv, Superset, PostgreSQL or Chromium it skips locally and fails when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import access_check_lines, area_codes, pull_into_a_copy, superset_jamfor_register
from support.browser import RENDER_TIMEOUT_MS, admin_page, chart_drawings, record_canvas_text, text_span
from support.databases import REPO, unavailable

from jamfor.cli.main import main
from jamfor.seed.reference import OMRADEN
from jamfor.superset.access.definitions import role_name
from jamfor.superset.access.people import temporary_user
from jamfor.superset.access.sync import fetch_access
from jamfor.superset.pdf.render import ERROR_TEXTS, OPEN_NEXT_TAB_JS, TAB_SWITCH_MS
from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.schemas import installed_version
from jamfor.superset.sync.versions import import_schemas

pytestmark = [pytest.mark.superset, pytest.mark.postgres, pytest.mark.browser]

WANTED = os.environ.get("JAMFOR_COMPAT_VERSION", "")
ARTIFACTS = REPO / "tests" / "artifacts" / "compat"
DASHBOARDS = read_assets().of("dashboard")
READER, ANALYST, OWN_KOMMUN = "jamfor-läsare", "jamfor-analytiker", "jamfor-egen-kommun"  # roles/
SURVEY_DATASET = "51cdef14-904b-4b7d-bbde-c81dfef1db22"  # skr_insats_svar: roles/egen_kommun.yaml limits it


@pytest.fixture(scope="module")
def version() -> str:
    """The Superset of this venv, which must be the one the tier was asked to test."""
    installed = installed_version()
    if installed is None or installed.release != WANTED:
        unavailable(f"this venv runs Superset {installed or 'none'}, not {WANTED or '(unset)'}: "
                    f"make .venv-ss-{WANTED or 'X.Y.Z'}/.installed and run make test-compat")
    return installed.release


@pytest.fixture(scope="module")
def operator(version, superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPERSET_URL", superset.url)
        patch.setenv("SUPERSET_USERNAME", superset.username)
        patch.setenv("SUPERSET_PASSWORD", superset.password)
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        patch.setenv("COLUMNS", "250")
        patch.delenv("JAMFOR_ASSETS_DIR", raising=False)
        patch.setenv("JAMFOR_SUPERSET_DB_URI", demo_warehouse_pg)
        yield {"version": version, "url": superset.url, "warehouse": demo_warehouse_pg, "superset": superset}


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def registered(operator) -> str:
    code, output = jamfor("register", "--db", operator["warehouse"])
    assert code == 0, output
    return output


@pytest.fixture(scope="module")
def client(operator, registered) -> SupersetClient:
    superset = operator["superset"]
    return SupersetClient.login(superset.url, superset.username, superset.password)


def test_register_names_the_version_it_detected(registered, operator):
    assert f"Superset {operator['version']} at {operator['url']}" in registered


def test_every_dashboard_and_chart_is_there_and_every_chart_answers_with_rows(registered, client):
    assets = read_assets()
    for kind in ("dataset", "chart", "dashboard"):
        wanted = {a.uuid for a in assets.of(kind)}
        assert set(client.find(kind, wanted)) == wanted, kind
    assert len(assets.of("dashboard")) == 4
    empty = []
    for uuid, item in client.find("chart", {a.uuid for a in assets.of("chart")}).items():
        rows = [row for result in client.chart_data(item["id"])["result"] for row in result["data"] or []]
        if not rows:
            empty.append(uuid)
    assert empty == []
    assert f"{len(assets.of('chart'))} charts answer with data" in registered


def test_register_registers_the_roles_and_checks_as_a_reader_and_an_analyst(registered):
    assets = read_assets()
    text = " ".join(registered.split())
    assert "roles and row-level security were not registered" not in text
    for line in access_check_lines(READER, ANALYST, len(assets.of("dashboard")), len(assets.of("chart"))):
        assert line in text
    assert "FAILED" not in text


def test_the_roles_and_the_rls_filter_hold_what_their_files_say(client):
    roles = read_assets().roles
    held = fetch_access(client, {role_name(r) for r in roles})
    assert set(held.roles) == {READER, ANALYST, OWN_KOMMUN}
    datasets = len(read_assets().of("dataset"))
    assert len([p for p in held.pairs[READER] if p[0] == "datasource_access"]) == datasets
    assert held.pairs[OWN_KOMMUN] == set()
    [rls] = held.rls.values()
    assert [r["name"] for r in rls["roles"]] == [OWN_KOMMUN]
    assert [t["table_name"] for t in rls["tables"]] == ["skr_insats_svar"]


def test_a_reader_opens_every_dashboard_and_a_chart_answers_with_rows(client):
    assets = read_assets()
    wanted = {a.uuid for a in assets.of("dashboard")}
    with temporary_user(client, "compat", ["Gamma", READER]) as reader:
        found = reader.client.find("dashboard", wanted)
        assert set(found) == wanted
        for item in found.values():
            reader.client.request("GET", f"/api/v1/dashboard/{item['id']}", "open dashboard")
        chart = next(iter(reader.client.find("chart", {a.uuid for a in assets.of("chart")}).values()))
        assert reader.client.chart_data(int(chart["id"]))["result"][0]["data"]


def test_a_user_with_gamma_alone_sees_none_of_the_dashboards(client):
    with temporary_user(client, "compat", ["Gamma"]) as person:
        assert person.client.find("dashboard", {a.uuid for a in DASHBOARDS}) == {}


def test_the_rls_filter_limits_a_member_of_jamfor_egen_kommun_to_malmo(client):
    dataset_id = int(client.find("dataset", [SURVEY_DATASET])[SURVEY_DATASET]["id"])
    with temporary_user(client, "compat", ["Gamma", READER, OWN_KOMMUN]) as member:
        assert area_codes(member.client, dataset_id) == {"1280"}


def test_a_second_plan_reports_no_changes(registered, operator):
    code, output = jamfor("plan")
    assert code == 0, output
    assert "0 to create, 0 to update" in output
    assert "0 with drift" in output
    assert READER in output and "not registered" not in output  # the roles were compared too
    assert f"Superset {operator['version']}" in output


def test_pull_leaves_every_shipped_file_byte_identical(registered, tmp_path):
    code, output, changed = pull_into_a_copy(jamfor, tmp_path)
    assert code == 0, output
    assert changed == []
    assert "0 files changed" in output


def test_superset_jamfor_register_runs_in_process_and_changes_nothing(registered, operator, tmp_path):
    done = superset_jamfor_register(operator["superset"], "--database-uri", operator["warehouse"],
                                    state=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    charts = len(read_assets().of("chart"))
    assert f"in Superset {operator['version']} against" in done.stdout
    assert f"{charts} charts answer with data" in done.stdout
    assert jamfor("plan")[0] == 0


def test_the_recorded_import_schemas_are_this_versions_own(version, tmp_path):
    config = tmp_path / "superset_config.py"
    config.write_text('SECRET_KEY = "compat-tier-only-not-a-secret-0123456789"\n'
                      'SQLALCHEMY_DATABASE_URI = "sqlite://"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSET_")}
    done = subprocess.run([sys.executable, "-m", "jamfor.superset.sync.schemas", "--describe"], cwd=tmp_path,
                          env={**env, "SUPERSET_CONFIG_PATH": str(config)}, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    described = json.loads(done.stdout.strip().splitlines()[-1])
    assert described == import_schemas(installed_version().tested)


# The msgids of jamfor's Swedish (all from 6.1's messages.pot) that an older line's messages.pot lacks:
# there Superset keeps its own English for that place. docs/operating.md ("Svenska i Superset") names them.
_LACKING_SINCE_6_0 = {
    "%s record", "10 seconds", "Choose...", "Clear all filters", "Don't refresh",
    "Enter your login and password below:", "Export YAML", "Export as Example", "Filters and controls",
    "Forbidden", "Invalid username or password", "Password:", "Retry", "Select all", "Set auto-refresh",
    "Sign in", "Theme", "User info", "Username:"}
_LACKING_BEFORE_6_0 = _LACKING_SINCE_6_0 | {
    "List Roles", "List Users", "Nothing here yet", "There is currently no information to display."}
SWEDISH_LACKING = {"4.1.4": _LACKING_BEFORE_6_0, "5.0.0": _LACKING_BEFORE_6_0, "6.0.0": _LACKING_SINCE_6_0,
                   "6.1.0": set()}


def test_the_swedish_strings_this_version_lacks_are_those_the_docs_name(version):
    from babel.messages.pofile import read_po
    from superset import __file__ as superset_init

    from jamfor.superset.inside import language_build

    with (Path(superset_init).parent / "translations" / "messages.pot").open("rb") as handle:
        pot = {m.id[0] if m.pluralizable else m.id for m in read_po(handle)}
    ours = [m for m in language_build.read_po(language_build.po_path()) if m.id]
    from_6_1_pot = [m.id[0] if m.pluralizable else m.id for m in ours
                    if language_build.NOT_IN_POT not in m.auto_comments]
    lacking = {msgid for msgid in from_6_1_pot if msgid not in pot}
    print(f"Superset {version} lacks {len(lacking)} of the {len(from_6_1_pot)} Swedish msgids: "
          f"{sorted(lacking)}")
    assert lacking == SWEDISH_LACKING[version]


# Superset before 6.0 strips data-test attributes from its production build: these states use the class
# names all four versions share. A viewport taller than any dashboard puts every chart in view at once.
VIEWPORT = {"width": 1600, "height": 9000}
_STATES_JS = """
(errorTexts) => [...document.querySelectorAll('.dashboard-component-chart-holder')]
  .filter(holder => holder.querySelector('.chart-slice'))
  .map(holder => {
    const container = holder.querySelector('.chart-container');
    const alert = holder.querySelector('.ant-alert-error, .ant-alert-warning, [role="alert"]');
    const text = container ? container.textContent : '';
    return {title: ((holder.querySelector('.header-title') || {}).textContent || '').trim(),
            loading: !!holder.querySelector('.loading, [data-test="loading-indicator"]'),
            drawn: !!(container && container.querySelector('svg, canvas, table, .header-line')),
            error: alert ? alert.textContent : (errorTexts.find(t => text.includes(t)) || '')};
  })
"""
_SETTLED_JS = """([expected, errorTexts]) => {
  const states = (STATES)(errorTexts);
  return states.length >= expected && states.every(s => !s.loading && (s.drawn || s.error));
}""".replace("STATES", _STATES_JS.strip())


@pytest.fixture(scope="module")
def browser(operator, registered) -> Iterator[Any]:
    superset = operator["superset"]
    with admin_page(superset, VIEWPORT) as page:
        record_canvas_text(page.context)  # from the next page on: what the charts draw (chart_drawings)
        yield page


def _open_every_tab(browser: Any, url: str, dashboard: Any) -> int:
    """Open the dashboard and each of its tabs in turn until every chart has drawn or failed; returns the
    number of charts it has."""
    position = dashboard.data.get("position") or {}
    charts = sum(1 for node in position.values() if isinstance(node, dict) and node.get("type") == "CHART")
    browser.goto(f"{url}/superset/dashboard/{dashboard.data['slug']}/", timeout=RENDER_TIMEOUT_MS)
    while True:  # the charts shown, then each tab's in turn
        browser.wait_for_function(_SETTLED_JS, arg=[1, list(ERROR_TEXTS)], timeout=RENDER_TIMEOUT_MS,
                                  polling=500)
        if not browser.evaluate(OPEN_NEXT_TAB_JS):
            break
        browser.wait_for_timeout(TAB_SWITCH_MS)
    browser.wait_for_function(_SETTLED_JS, arg=[charts, list(ERROR_TEXTS)], timeout=RENDER_TIMEOUT_MS,
                              polling=500)
    return charts


# Per dashboard slug, its charts as drawn (chart_drawings), read once a test has opened the dashboard.
_DRAWN: dict[str, dict[str, dict[str, Any]]] = {}


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug or d.uuid for d in DASHBOARDS])
def test_every_dashboard_draws_every_chart_without_an_error(browser, operator, dashboard):
    charts = _open_every_tab(browser, operator["url"], dashboard)
    shot = ARTIFACTS / operator["version"] / f"{dashboard.data['slug']}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    browser.wait_for_timeout(1500)  # ECharts' entry animations
    # The viewport holds the whole dashboard: a full-page shot would resize it and redraw every chart.
    # (Pillow, which support.browser.screenshot uses, is not among 4.1's packages.)
    browser.screenshot(path=str(shot))
    states = browser.evaluate(_STATES_JS, list(ERROR_TEXTS))  # what the screenshot shows
    assert [(s["title"], s["error"]) for s in states if s["error"] or not s["drawn"]] == []
    assert len(states) == charts
    page_text = browser.inner_text("body")
    assert [text for text in ERROR_TEXTS if text in page_text] == []
    _DRAWN[dashboard.data["slug"]] = chart_drawings(browser)


@pytest.fixture(scope="module")
def drawn(browser, operator) -> Any:
    """slug -> per chart title, its bars and texts as drawn (the dashboard opened once, here or above)."""
    def of(slug: str) -> dict[str, dict[str, Any]]:
        if slug not in _DRAWN:
            _open_every_tab(browser, operator["url"], next(d for d in DASHBOARDS if d.data["slug"] == slug))
            _DRAWN[slug] = chart_drawings(browser)
        return _DRAWN[slug]
    return of


def _title(uuid: str) -> str:
    return str(next(c for c in read_assets().of("chart") if c.uuid == uuid).data["slice_name"])


RANKING = _title("c8a93fa3-ee82-4f33-94a7-aa53a170a2df")  # jamfor_kommuner/charts/rangordning_stapel
RANKED_LABEL = re.compile(r"^\s*(\d+)\. ")  # "  1. Höör", "256. Ystad" (kommun_ranking.peer_label)


def test_rank_1_is_drawn_at_the_top_of_the_ranking(drawn):
    """The bars read from the top as the ranking table beside them: rank 1 first. (Before 6.0 Superset
    orders the bars of a chart with two metrics by x_axis_sort_series, by name ascending unless told: rank 1
    was drawn at the bottom.)"""
    texts = drawn("jamfor-kommuner")[RANKING]["texts"]
    labels = sorted((t["y"], int(m.group(1))) for t in texts if (m := RANKED_LABEL.match(t["text"])))
    top_down = [rank for _, rank in labels]
    assert len(top_down) >= 10, texts
    assert top_down[0] == 1 and top_down == sorted(top_down), top_down


def test_the_bar_charts_of_the_skr_overview_list_the_omraden_alphabetically_from_the_top(drawn):
    """As 6.1 draws them; the charts with two metrics were drawn the other way round before 6.0. (The
    stacked shares, with a group-by, keep the query's order on every line: bottom-up.)"""
    charts = read_assets().of("chart")
    grouped = {str(c.data["slice_name"]) for c in charts if c.data["params"].get("groupby")}
    orders = {}
    for title, drawing in drawn("skr-nationell-oversikt").items():
        found = sorted((t["y"], t["text"]) for t in drawing["texts"] if t["text"] in OMRADEN.values())
        if len(found) == len(OMRADEN) and title not in grouped:
            orders[title] = [name for _, name in found]
    assert len(orders) >= 4, sorted(orders)
    assert {title: order for title, order in orders.items() if order != sorted(OMRADEN.values())} == {}


NUMBER = re.compile(r"^-?[\d\s\u00a0\u202f.,]*\d\s*%?$")  # "100", "1 234", "41 %", "2,5"


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug or d.uuid for d in DASHBOARDS])
def test_no_number_a_chart_draws_extends_beyond_its_canvas(drawn, dashboard):
    """Every bar's value label and every axis label lies within the chart's canvas: a bar label "100" at
    the end of the axis was cut to "10" before 6.1, which keeps more room right of the bars."""
    cut = {}
    for title, drawing in drawn(dashboard.data["slug"]).items():
        outside = [(t["text"], round(text_span(t)[0]), round(text_span(t)[1])) for t in drawing["texts"]
                   if NUMBER.match(t["text"])
                   and (text_span(t)[0] < -0.5 or text_span(t)[1] > drawing["width"] + 0.5)]
        if drawing["width"] and outside:
            cut[title] = (round(drawing["width"]), outside)
    assert cut == {}
