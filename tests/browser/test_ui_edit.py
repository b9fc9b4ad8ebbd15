"""An analyst's edit with Superset's own Save (overwrite) in Chromium, and `jamfor pull` writing it.

Registered locked, Explore's "Save (Overwrite)" is disabled (Superset's managed-externally flag); the
same organisation folder registered `mode: editable` lets the analyst overwrite the chart's title with
the normal Save, and `pull` writes it into the folder (with the form data Explore saves alongside).
tests/superset/test_promotion.py carries edits on to a second (production) Superset.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.browser import RENDER_TIMEOUT_MS, VIEWPORT, chromium, log_in
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.folder import init_folder

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

FIXTURE_ASSETS = Path(__file__).resolve().parent.parent / "fixtures" / "superset_assets"
CHART_UUID = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
CHART_FILE = "dashboards/test_oj/charts/ibic_riket.yaml"
EDITED = "IBIC vid alla utredningar, riket (sparad i Explore)"


@pytest.fixture(scope="module")
def org(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ui-org") / "bi-assets"
    init_folder(root, FIXTURE_ASSETS)
    with operator_environment(superset, tmp_path_factory.mktemp("ui-state"), demo_warehouse_pg) as patch:
        patch.chdir(root)
        yield root


@pytest.fixture(scope="module")
def page(org, superset) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        log_in(tab, superset.url, superset.username, superset.password)
        yield tab
        context.close()


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _open_save_dialog(page: Any, url: str, chart_id: int) -> Any:
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


def _chart_id(superset: Any) -> tuple[SupersetClient, int]:
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    return client, int(client.find("chart", [CHART_UUID])[CHART_UUID]["id"])


def test_registered_locked_explore_cannot_overwrite_the_chart(org, page, superset):
    code, output = jamfor("register", "--mode", "locked")
    assert code == 0, output
    _, chart_id = _chart_id(superset)
    assert _open_save_dialog(page, superset.url, chart_id).is_disabled()


def test_registered_editable_the_normal_save_overwrites_and_pull_writes_the_title(org, page, superset):
    code, output = jamfor("register", "--mode", "editable")
    assert code == 0, output
    client, chart_id = _chart_id(superset)
    overwrite = _open_save_dialog(page, superset.url, chart_id)
    assert overwrite.is_enabled()
    overwrite.check()
    page.fill('[data-test="new-chart-name"]', EDITED)
    with page.expect_response(lambda r: f"/api/v1/chart/{chart_id}" in r.url and r.request.method == "PUT",
                              timeout=RENDER_TIMEOUT_MS) as saved:
        page.click('[data-test="btn-modal-save"]')
    assert saved.value.ok, saved.value.text()
    assert client.get("chart", chart_id)["slice_name"] == EDITED
    before = (org / CHART_FILE).read_text()
    code, output = jamfor("pull")
    assert code == 0, output
    assert output.splitlines()[0] == f"assets: {org} (organisation folder)"
    changed = [line for line in difflib.unified_diff(before.splitlines(), (org / CHART_FILE).read_text()
                                                     .splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    # Explore's Save also stores Explore's whole form data (its defaults too): pull writes those params.
    assert {"-slice_name: IBIC vid alla utredningar, riket", f"+slice_name: {EDITED}"} <= set(changed)
    code, output = jamfor("plan", "--mode", "editable")
    assert code == 0, output  # the folder now holds what Superset holds: no change, no drift
