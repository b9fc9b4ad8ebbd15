"""Registering a chosen part of the shipped assets in the test Superset and reading every chart's data."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jamfor.superset.sync.assets import Asset, AssetSet, read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.register import register
from support.databases import REPO

# The minimal fixture assets (tests/fixtures/superset_assets): one dataset, one chart, one dashboard.
FIXTURE_ASSETS = REPO / "tests" / "fixtures" / "superset_assets"
FIXTURE_UUIDS = {"dataset": "1c0ba165-6e44-41f1-a62a-f7f024bde1cb",
                 "chart": "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4",
                 "dashboard": "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4"}


def shipped_assets(keep: Callable[[Asset], bool]) -> AssetSet:
    """The repository's assets that ``keep`` accepts; the whole set must read without problems."""
    everything = read_assets(REPO)
    assert not everything.problems, everything.problems
    return AssetSet(everything.root, [a for a in everything.assets if keep(a)])


def register_and_fetch(superset, warehouse_url: str, assets: AssetSet, state_dir: Path) -> dict[str, Any]:
    """Register ``assets`` (with their own registration state); every chart's rows come from the
    registration's own verification, which already ran each chart's saved query once."""
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(state_dir))
        result = register(client, assets, warehouse_url, superset.url)
    found = client.find("chart", [a.uuid for a in assets.of("chart")])
    ids = {uuid: int(chart["id"]) for uuid, chart in found.items()}
    data = {chart.source: result.chart_data[chart.uuid] for chart in assets.of("chart")}
    return {"assets": assets, "result": result, "data": data, "client": client, "ids": ids}


def rows_of(registered: dict[str, Any], slug: str, chart: str) -> list[dict[str, Any]]:
    return registered["data"][f"dashboards/{slug}/charts/{chart}.yaml"]


def superset_jamfor_register(superset, *args: str, state: Path) -> subprocess.CompletedProcess[str]:
    """``superset jamfor register ARGS`` inside the test Superset's configuration (its metadata DB),
    with the registration state kept under ``state`` and no warehouse but the one ARGS name (--db):
    no $JAMFOR_DB_URL, no default file."""
    return superset_jamfor(superset, "register", *args, state=state)


def superset_jamfor(superset, *args: str, state: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``superset jamfor ARGS`` on the test Superset's host: its configuration and metadata database,
    the registration state under ``state``, no Superset URL or password in the environment, no
    warehouse but the one ARGS name."""
    # Superset 4.1 and 5.0's CLI finds its app only through FLASK_APP (6.x knows it by itself).
    environment = dict(os.environ, SUPERSET_CONFIG_PATH=str(superset.home / "superset_config.py"),
                       XDG_STATE_HOME=str(state), XDG_DATA_HOME=str(state / "data"),
                       FLASK_APP="superset.app:create_app()", **env)
    for name in ("SUPERSET_URL", "SUPERSET_PASSWORD", "SUPERSET_TOKEN", "JAMFOR_DB_URL"):
        environment.pop(name, None)
    return subprocess.run([str(Path(sys.executable).with_name("superset")), "jamfor", *args],
                          env=environment, capture_output=True, text=True, check=False)


def pull_into_a_copy(run: Callable[..., tuple[int, str]], folder: Path) -> tuple[int, str, list[str]]:
    """`jamfor pull` (through ``run``) into a copy of the shipped datasets/ and dashboards/ under
    ``folder``: its exit code, its output and the names of the files it changed."""
    root = folder / "assets"
    for top in ("datasets", "dashboards"):
        shutil.copytree(REPO / top, root / top)
    before = {path: path.read_bytes() for path in root.rglob("*.yaml")}
    code, output = run("pull", "--assets", str(root))
    return code, output, [path.name for path, content in before.items() if path.read_bytes() != content]


def area_codes(client: SupersetClient, dataset_id: int) -> set[str]:
    """The area codes a dataset's rows hold, as the user ``client`` acts as may see them (row-level
    security applies): a query on the dataset through /api/v1/chart/data, as Explore sends it."""
    body = {"datasource": {"id": dataset_id, "type": "table"}, "result_format": "json", "result_type": "full",
            "queries": [{"columns": ["area_code"], "metrics": [], "row_limit": 100000}]}
    answer = client.request("POST", "/api/v1/chart/data", "chart data", json=body).json()
    return {str(row["area_code"]) for row in answer["result"][0]["data"]}


def access_check_lines(reader: str, analyst: str, dashboards: int, charts: int) -> list[str]:
    """What `register` prints when every check as a reader (Gamma + ``reader``) and an analyst (Gamma +
    sql_lab + ``analyst``) passed, for ``dashboards`` dashboards holding ``charts`` charts."""
    as_reader, as_analyst = f"Verified as Gamma + {reader}", f"Verified as Gamma + sql_lab + {analyst}"
    return [f"{as_reader}: opens every dashboard ({dashboards} of {dashboards})",
            f"{as_reader}: every chart answers with rows ({charts} of {charts})",
            f"{as_reader}: cannot open SQL Lab", f"{as_reader}: sees no dataset outside jamfor's",
            f"{as_analyst}: queries the warehouse in SQL Lab",
            f"{as_analyst}: cannot write to the warehouse in SQL Lab"]


def changed_lines(before: str, after: str) -> list[str]:
    """The removed (``-``) and added (``+``) lines of a file's diff, as a reviewer reads them."""
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
