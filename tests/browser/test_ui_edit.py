"""An analyst's edit with Superset's own Save (overwrite) in Chromium, and `jamfor pull` writing it.

Registered locked, Explore's "Save (Overwrite)" is disabled (Superset's managed-externally flag); the
same organisation folder registered `mode: editable` lets the analyst overwrite the chart's title with
the normal Save, and `pull` writes it into the folder (the title alone, not the defaults Explore
saves alongside).
tests/browser/test_promotion.py carries edits on to a second (production) Superset.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import changed_lines
from support.browser import admin_page, explore_save_dialog, overwrite_chart_title
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
    with admin_page(superset) as tab:
        yield tab


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _chart_id(superset: Any) -> tuple[SupersetClient, int]:
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    return client, int(client.find("chart", [CHART_UUID])[CHART_UUID]["id"])


def test_registered_locked_explore_cannot_overwrite_the_chart(org, page, superset):
    code, output = jamfor("register", "--mode", "locked")
    assert code == 0, output
    _, chart_id = _chart_id(superset)
    assert explore_save_dialog(page, superset.url, chart_id).is_disabled()


def test_registered_editable_the_normal_save_overwrites_and_pull_writes_the_title(org, page, superset):
    code, output = jamfor("register", "--mode", "editable")
    assert code == 0, output
    client, chart_id = _chart_id(superset)
    saved = overwrite_chart_title(page, superset.url, chart_id, EDITED)
    assert saved.ok, saved.text()
    assert client.get("chart", chart_id)["slice_name"] == EDITED
    before = (org / CHART_FILE).read_text()
    code, output = jamfor("pull")
    assert code == 0, output
    assert output.splitlines()[0] == f"assets: {org} (organisation folder)"
    changed = changed_lines(before, (org / CHART_FILE).read_text())
    # Explore's Save also stores its whole form data, defaults too: pull writes none of those.
    assert changed == ["-slice_name: IBIC vid alla utredningar, riket", f"+slice_name: {EDITED}"]
    code, output = jamfor("plan", "--mode", "editable")
    assert code == 0, output  # the folder now holds what Superset holds: no change, no drift
