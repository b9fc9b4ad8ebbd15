"""The organisation's folder between two real Superset 6.1 instances: test (editable) and prod (locked).

One story, in file order: the folder is made and registered in both; in test (editable, so Superset's
own Save works) an analyst, in Chromium, renames a chart with Explore's Save (overwrite), widens it on
its dashboard with "Edit dashboard" and Save, and renames a native filter in the filter bar's "Add or
edit filters and controls" dialog; `pull --env test` writes exactly those lines; a plain `register` from the
folder keeps them; `plan --env prod` lists them apart from drift; `register --env prod` applies them,
locked, linking to the file; a chart and a dashboard built by hand in test are adopted and promoted with
their identity, and a second promotion is a no-op.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from support.assets import FIXTURE_ASSETS, FIXTURE_UUIDS, changed_lines, superset_jamfor
from support.browser import admin_page, overwrite_chart_title, rename_native_filter, widen_dashboard_chart
from support.superset_env import home_from_template, operator_environment

from jamfor.cli.main import main
from jamfor.superset.runtime.local_superset import SupersetInstance, running
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.folder import init_folder

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

CHART_UUID, DATASET_UUID = FIXTURE_UUIDS["chart"], FIXTURE_UUIDS["dataset"]
DATABASE_UUID = "50d120d6-74b4-4333-93ab-fdbbba8868b0"
CHART_FILE = "dashboards/test_oj/charts/ibic_riket.yaml"
DASHBOARD_FILE = "dashboards/test_oj/dashboard.yaml"
DASHBOARD_UUID = FIXTURE_UUIDS["dashboard"]
DASHBOARD_SLUG = "jamfor-test-oj"
REPO_URL = "https://git.example.org/kommunen/bi-assets/blob/main/{path}"
EDITED = "IBIC vid alla utredningar (riket), ändrad i test"


@pytest.fixture(scope="module")
def prod(superset_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetInstance]:
    """A second Superset: production."""
    home = home_from_template(superset_template, tmp_path_factory.mktemp("prod-home"))
    with running(home) as instance:
        yield instance


@pytest.fixture(scope="module")
def org(superset, prod, demo_warehouse_pg, tmp_path_factory) -> Iterator[Path]:
    """The organisation's folder with a test and a prod environment; commands run inside it."""
    root = tmp_path_factory.mktemp("org") / "bi-assets"
    init_folder(root, FIXTURE_ASSETS)
    config = yaml.safe_load((root / "jamfor.yaml").read_text())
    config["repo_url"] = REPO_URL
    config["environments"] = {
        "test": {"url": superset.url, "database_uri": "${JAMFOR_TEST_DB_URI}", "mode": "editable"},
        "prod": {"url": prod.url, "database_uri": "${JAMFOR_PROD_DB_URI}", "mode": "locked"}}
    (root / "jamfor.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    with operator_environment(superset, tmp_path_factory.mktemp("state")) as patch:
        patch.delenv("SUPERSET_URL")
        patch.setenv("JAMFOR_TEST_DB_URI", demo_warehouse_pg)
        patch.setenv("JAMFOR_PROD_DB_URI", demo_warehouse_pg)
        patch.chdir(root)
        yield root


@pytest.fixture(scope="module")
def test_client(superset, org) -> SupersetClient:
    return SupersetClient.login(superset.url, superset.username, superset.password)


@pytest.fixture(scope="module")
def prod_client(prod, org) -> SupersetClient:
    return SupersetClient.login(prod.url, prod.username, prod.password)


@pytest.fixture(scope="module")
def page(superset, org) -> Iterator[Any]:
    """The analyst's browser, logged in to the test Superset."""
    with admin_page(superset) as tab:
        yield tab


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def chart(client: SupersetClient, uuid: str = CHART_UUID) -> dict:
    return client.get("chart", client.find("chart", [uuid])[uuid]["id"])


def external_url(instance: SupersetInstance, chart_id: int) -> str | None:
    """The chart's managed-externally link: Superset's REST API does not show it, its metadata does."""
    with sqlite3.connect(instance.home / "superset.db") as metadata:
        return metadata.execute("SELECT external_url FROM slices WHERE id = ?", (chart_id,)).fetchone()[0]


def test_register_in_test_is_editable_and_in_prod_locked_with_a_link_to_the_file(org, superset, prod,
                                                                                  test_client, prod_client):
    code, output = jamfor("register", "--env", "test")
    assert code == 0, output
    assert output.splitlines()[0] == f"assets: {org} (organisation folder)"
    assert "assets editable" in output
    editable = chart(test_client)
    assert editable["is_managed_externally"] is False
    assert external_url(superset, editable["id"]) is None
    code, output = jamfor("register", "--env", "prod")
    assert code == 0, output
    locked = chart(prod_client)
    assert locked["is_managed_externally"] is True
    assert external_url(prod, locked["id"]) == REPO_URL.replace("{path}", CHART_FILE)
    for env in ("test", "prod"):  # the two marks differ, and neither is drift or a change
        assert jamfor("plan", "--env", env)[0] == 0


def test_pull_from_test_writes_exactly_the_title_layout_and_filter_edits(org, superset, page, test_client):
    saved = overwrite_chart_title(page, superset.url, chart(test_client)["id"], EDITED)
    assert saved.ok, saved.text()
    saved = widen_dashboard_chart(page, superset.url, DASHBOARD_SLUG, EDITED, columns=2)
    assert saved.ok, saved.text()
    saved = rename_native_filter(page, superset.url, DASHBOARD_SLUG, "Kommun eller län")
    assert saved.ok, saved.text()
    before = {p: p.read_text() for p in org.rglob("*.yaml")}
    code, output = jamfor("plan", "--env", "test")
    assert code == 3, output  # drift: edits in Superset the folder does not have
    code, output = jamfor("pull", "--env", "test")
    assert code == 0, output
    changed = {p.relative_to(org).as_posix() for p, text in before.items() if p.read_text() != text}
    assert changed == {CHART_FILE, DASHBOARD_FILE}
    assert changed_lines(before[org / CHART_FILE], (org / CHART_FILE).read_text()) == [
        "-slice_name: IBIC vid alla utredningar, riket", f"+slice_name: {EDITED}"]
    dashboard_lines = changed_lines(before[org / DASHBOARD_FILE], (org / DASHBOARD_FILE).read_text())
    # The layout names each chart as well: the new title reaches it with the dashboard's Save.
    assert set(dashboard_lines) == {"-    name: Område", "+    name: Kommun eller län", "-      width: 6",
                                    "+      width: 8", "-      sliceName: IBIC vid alla utredningar, riket",
                                    f"+      sliceName: {EDITED}"}, dashboard_lines
    assert jamfor("plan", "--env", "test")[0] == 0  # pulled: no longer drift


def test_a_plain_register_after_pull_keeps_the_edit(org, test_client):
    code, output = jamfor("register", "--env", "test")
    assert code == 0, output
    assert chart(test_client)["slice_name"] == EDITED


def test_plan_for_prod_lists_the_edit_as_a_change_and_register_applies_it_locked(org, prod, prod_client):
    code, output = jamfor("plan", "--env", "prod", "--json")
    assert code == 2, output
    plan = json.loads(output[output.index("{"):])
    updates = {(c["file"], c["action"], c["drift"]) for c in plan["changes"] if c["action"] != "unchanged"}
    assert updates == {(CHART_FILE, "update", False), (DASHBOARD_FILE, "update", False)}
    assert plan["mode"] == "locked" and plan["exit_code"] == 2
    code, output = jamfor("register", "--env", "prod")
    assert code == 0, output
    promoted = chart(prod_client)
    assert promoted["slice_name"] == EDITED and promoted["is_managed_externally"] is True
    assert external_url(prod, promoted["id"]) == REPO_URL.replace("{path}", CHART_FILE)
    assert jamfor("plan", "--env", "prod")[0] == 0


def _analysts_chart(client: SupersetClient, dataset_id: int, title: str) -> dict:
    ours = yaml.safe_load((FIXTURE_ASSETS / CHART_FILE).read_text())
    made = client.post("chart", {"slice_name": title, "viz_type": ours["viz_type"],
                                 "datasource_id": dataset_id, "datasource_type": "table",
                                 "params": json.dumps(ours["params"]),
                                 "query_context": ours["query_context"]})
    return client.get("chart", made["id"])


def test_a_dashboard_built_by_hand_in_test_is_adopted_and_promoted_with_its_identity(org, test_client,
                                                                                    prod_client):
    dataset_id = test_client.find("dataset", [DATASET_UUID])[DATASET_UUID]["id"]
    made = _analysts_chart(test_client, dataset_id, "Analytikerns diagram")
    node = {"type": "CHART", "id": "CHART-a1", "children": [], "parents": ["ROOT_ID", "GRID_ID", "ROW-a1"],
            "meta": {"width": 6, "height": 50, "chartId": made["id"], "uuid": made["uuid"],
                     "sliceName": "Analytikerns diagram"}}
    position = {"DASHBOARD_VERSION_KEY": "v2",
                "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
                "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-a1"], "parents": ["ROOT_ID"]},
                "ROW-a1": {"type": "ROW", "id": "ROW-a1", "children": ["CHART-a1"],
                           "parents": ["ROOT_ID", "GRID_ID"],
                           "meta": {"background": "BACKGROUND_TRANSPARENT"}},
                "CHART-a1": node}
    board = test_client.post("dashboard", {"dashboard_title": "Analytikerns tavla",
                                           "position_json": json.dumps(position)})
    test_client.put("chart", made["id"], {"dashboards": [board["id"]]})
    uuid = test_client.get("dashboard", board["id"])["uuid"]
    code, output = jamfor("assets", "adopt", "dashboard", uuid, "--env", "test")
    assert code == 0, output
    assert "dashboards/analytikerns_tavla/dashboard.yaml" in output
    charts = org / "dashboards/analytikerns_tavla/charts"
    assert (charts / f"analytikerns_diagram_{made['uuid'][:8]}.yaml").exists()
    assert jamfor("validate")[0] == 0
    code, output = jamfor("plan", "--env", "prod")
    assert code == 2 and "2 to create" in output, output
    code, output = jamfor("register", "--env", "prod")
    assert code == 0, output
    promoted = prod_client.find("dashboard", [uuid])
    assert uuid in promoted and made["uuid"] in prod_client.find("chart", [made["uuid"]])
    code, output = jamfor("plan", "--env", "prod", "--json")
    assert code == 0, output  # the second promotion is a no-op
    assert jamfor("register", "--env", "prod")[1].count("Nothing to import") == 1


def test_adopt_refuses_a_chart_on_a_dataset_that_is_not_jamfors(org, test_client):
    database_id = test_client.find("database", [DATABASE_UUID])[DATABASE_UUID]["id"]
    theirs = test_client.post("dataset", {"database": database_id, "table_name": "kommungrupp"})
    try:
        made = _analysts_chart(test_client, theirs["id"], "Annat dataset")
        code, output = jamfor("assets", "adopt", "chart", made["uuid"], "--env", "test")
        assert code == 1
        assert "not built on jamfor's datasets" in " ".join(output.split())
        assert not (org / "dashboards/adopted").exists()
        test_client.delete("chart", made["id"])
    finally:
        test_client.delete("dataset", theirs["id"])


def test_the_folder_can_be_copied_elsewhere_and_still_names_itself(org, tmp_path):
    copy = tmp_path / "clone"
    shutil.copytree(org, copy)
    code, output = jamfor("validate", "--assets", str(copy), "--no-superset-schemas")
    assert code == 0 and output.splitlines()[0] == f"assets: {copy} (organisation folder)", output


def test_status_compares_with_the_environments_mode_or_the_one_given(org, demo_warehouse_pg):
    code, output = jamfor("status", "--db", demo_warehouse_pg, "--env", "prod")
    assert code == 0, output
    assert "environment: prod (locked)" in output and "No drift." in output
    assert " update" not in output, output  # promoted above: prod holds the folder, locked
    code, output = jamfor("status", "--db", demo_warehouse_pg, "--env", "prod", "--mode", "editable")
    assert code == 0, output
    assert "environment: prod (locked)" in output and " update" in output, output  # the marks would change


def test_superset_jamfor_register_and_status_in_process_take_env_and_mode(org, superset, test_client):
    state = Path(os.environ["XDG_STATE_HOME"])
    done = superset_jamfor(superset, "register", "--env", "test", "--mode", "locked", state=state)
    assert done.returncode == 0, done.stderr
    assert "environment: test (editable)" in done.stderr and "(locked)" in done.stdout, done.stdout
    locked = chart(test_client)
    assert locked["is_managed_externally"] is True
    assert external_url(superset, locked["id"]) == REPO_URL.replace("{path}", CHART_FILE)
    status = superset_jamfor(superset, "status", "--env", "test", state=state)
    assert status.returncode == 0, status.stderr
    assert "No drift." in status.stdout and " update" in status.stdout, status.stdout  # test is editable
    code, output = jamfor("plan", "--env", "test", "--json")
    plan = json.loads(output[output.index("{"):])
    dataset = next(c for c in plan["changes"] if c["uuid"] == DATASET_UUID)
    assert (code, dataset["action"], dataset["reason"]) == (2, "update", "new version or editable"), output
    code, output = jamfor("register", "--env", "test")
    assert code == 0, output
    assert chart(test_client)["is_managed_externally"] is False
    dataset_id = test_client.find("dataset", [DATASET_UUID])[DATASET_UUID]["id"]
    assert test_client.get("dataset", dataset_id)["is_managed_externally"] is False
