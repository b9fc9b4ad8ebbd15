"""Native filters are checked offline against their target dataset: the options Superset lists come
from that dataset's column, narrowed by the filter's own filters, so each must be one of its columns."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.validate import validate

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = "dashboards/jamfor_kommuner/dashboard.yaml"


def test_a_filter_on_a_column_its_dataset_lacks_is_a_problem_naming_filter_and_column(tmp_path):
    for folder in ("datasets", "dashboards"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    assert validate(read_assets(tmp_path), superset_schemas=False).problems == []
    data = yaml.safe_load((tmp_path / DASHBOARD).read_text())
    filters = data["metadata"]["native_filter_configuration"]
    kommungrupp = next(f for f in filters if f["name"] == "Kommungrupp")
    kommungrupp["adhoc_filters"][0]["subject"] = "peer_code"  # a kommun_ranking column
    mine = next(f for f in filters if f["name"] == "Min kommun")
    mine["targets"][0]["column"]["name"] = "kommun_namn"
    (tmp_path / DASHBOARD).write_text(yaml.safe_dump(data, allow_unicode=True))
    problems = validate(read_assets(tmp_path), superset_schemas=False).problems
    found = {(p.code, p.value) for p in problems}
    assert found == {("unknown-column", "peer_code"), ("unknown-column", "kommun_namn")}
    assert all(p.file == DASHBOARD and "native_filter_configuration[" in p.message for p in problems)
