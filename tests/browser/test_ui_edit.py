"""An analyst's edit with Superset's own Save (overwrite) in Chromium, and `jamfor pull` writing it.

Registered locked, Explore's "Save (Overwrite)" is disabled (Superset's managed-externally flag); the
same organisation folder registered `mode: editable` lets the analyst overwrite the chart's title with
the normal Save, and `pull` writes it into the folder (the title alone, not the defaults Explore
saves alongside). Besides the fixture's table chart the folder holds one shipped ECharts chart (a line
chart, with its dataset), whose Save brings that viz type's own control defaults.
tests/browser/test_promotion.py carries edits on to a second (production) Superset.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from support.assets import changed_lines
from support.browser import admin_page, explore_save_dialog, overwrite_chart_title
from support.databases import REPO
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.folder import init_folder

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

FIXTURE_ASSETS = Path(__file__).resolve().parent.parent / "fixtures" / "superset_assets"
CHART_UUID = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
CHART_FILE = "dashboards/test_oj/charts/ibic_riket.yaml"
EDITED = "IBIC vid alla utredningar, riket (sparad i Explore)"
LINE_UUID = "54d2d14e-ee20-46c6-9b40-4eca1b09018b"
LINE_FILE = "dashboards/oj_lss_utveckling/charts/kommun_jamfort_over_tid.yaml"
LINE_DATASET_FILE = "datasets/indicator_comparison.yaml"


@pytest.fixture(scope="module")
def org(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ui-org") / "bi-assets"
    init_folder(root, FIXTURE_ASSETS)
    for name in (LINE_FILE, LINE_DATASET_FILE):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
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


def _chart_id(superset: Any, uuid: str = CHART_UUID) -> tuple[SupersetClient, int]:
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    return client, int(client.find("chart", [uuid])[uuid]["id"])


def _title(org: Path, source: str) -> str:
    return str(yaml.safe_load((org / source).read_text())["slice_name"])


def test_registered_locked_explore_cannot_overwrite_the_chart(org, page, superset):
    code, output = jamfor("register", "--mode", "locked")
    assert code == 0, output
    _, chart_id = _chart_id(superset)
    assert explore_save_dialog(page, superset.url, chart_id).is_disabled()


def test_registered_editable_the_normal_save_overwrites_and_pull_writes_the_title(org, page, superset):
    """A table chart and an ECharts line chart, each renamed with Save (overwrite)."""
    code, output = jamfor("register", "--mode", "editable")
    assert code == 0, output
    line_title = _title(org, LINE_FILE)
    edits = {CHART_FILE: (CHART_UUID, EDITED), LINE_FILE: (LINE_UUID, f"{line_title} (sparad i Explore)")}
    before = {source: (org / source).read_text() for source in edits}
    for uuid, title in edits.values():
        client, chart_id = _chart_id(superset, uuid)
        saved = overwrite_chart_title(page, superset.url, chart_id, title)
        assert saved.ok, saved.text()
        assert client.get("chart", chart_id)["slice_name"] == title
    code, output = jamfor("pull")
    assert code == 0, output
    assert output.splitlines()[0] == f"assets: {org} (organisation folder)"
    # Explore's Save also stores its whole form data, each viz type's control defaults too, and leaves
    # out what it keeps for no chart of that type: pull writes none of that.
    assert changed_lines(before[CHART_FILE], (org / CHART_FILE).read_text()) == [
        "-slice_name: IBIC vid alla utredningar, riket", f"+slice_name: {EDITED}"]
    assert changed_lines(before[LINE_FILE], (org / LINE_FILE).read_text()) == [
        f"-slice_name: {line_title}", f"+slice_name: {edits[LINE_FILE][1]}"]
    code, output = jamfor("plan", "--mode", "editable")
    assert code == 0, output  # the folder now holds what Superset holds: no change, no drift
