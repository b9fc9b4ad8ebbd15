"""Registering a chosen part of the shipped assets in the test Superset and reading every chart's data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jamfor.superset.assets import Asset, AssetSet, read_assets
from jamfor.superset.client import SupersetClient
from jamfor.superset.registry import register
from support.databases import REPO


def shipped_assets(keep: Callable[[Asset], bool]) -> AssetSet:
    """The repository's assets that ``keep`` accepts; the whole set must read without problems."""
    everything = read_assets(REPO)
    assert not everything.problems, everything.problems
    return AssetSet(everything.root, [a for a in everything.assets if keep(a)])


def register_and_fetch(superset, warehouse_url: str, assets: AssetSet, state_dir: Path) -> dict[str, Any]:
    """Register ``assets`` (with their own registration state) and run every chart's saved query once."""
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(state_dir))
        result = register(client, assets, warehouse_url, superset.url)
    found = client.find("chart", [a.uuid for a in assets.of("chart")])
    ids = {uuid: int(chart["id"]) for uuid, chart in found.items()}
    data = {}
    for chart in assets.of("chart"):
        answer = client.chart_data(ids[chart.uuid])
        data[chart.source] = [row for result_ in answer["result"] for row in result_["data"]]
    return {"assets": assets, "result": result, "data": data, "client": client, "ids": ids}


def rows_of(registered: dict[str, Any], slug: str, chart: str) -> list[dict[str, Any]]:
    return registered["data"][f"dashboards/{slug}/charts/{chart}.yaml"]
