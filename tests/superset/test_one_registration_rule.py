"""`jamfor register`, `jamfor demo` and `superset jamfor register` register by one rule
(``jamfor.superset.sync.register.register``: validate -> import -> verify -> record state).

Each caller is driven as a person would reach it: the CLI command, the demo's register step against the
session Superset, and Superset's own CLI in-process. An invalid asset is refused by all three before
anything reaches Superset; a valid set is registered, its charts answer with rows, and the state file
that `plan` reads for drift is written by all three.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support.assets import superset_jamfor_register

from jamfor.cli.main import main
from jamfor.demo import register_assets
from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.register import InvalidAssets, load_state, state_path

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

FIXTURE_ASSETS = Path(__file__).resolve().parent.parent / "fixtures" / "superset_assets"
UUIDS = {"chart": "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4", "dashboard": "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4",
         "dataset": "1c0ba165-6e44-41f1-a62a-f7f024bde1cb"}
CHART = "dashboards/test_oj/charts/ibic_riket.yaml"


@pytest.fixture
def client(superset) -> Iterator[SupersetClient]:
    """A logged-in client; afterwards the fixture assets are gone again, as the other modules expect."""
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    yield client
    for kind in ("dashboard", "chart", "dataset"):
        for found in client.find(kind, [UUIDS[kind]]).values():
            client.delete(kind, found["id"])


@pytest.fixture
def broken_assets(tmp_path) -> Path:
    """The fixture assets with a chart asking for a metric its dataset does not define."""
    root = tmp_path / "assets"
    shutil.copytree(FIXTURE_ASSETS, root)
    chart = root / CHART
    data = yaml.safe_load(chart.read_text())
    data["params"]["metrics"] = ["no_such_metric"]
    chart.write_text(yaml.safe_dump(data, allow_unicode=True))
    return root


def cli_register(superset, assets: Path, database_uri: str, state: Path) -> tuple[int, str]:
    env = {"SUPERSET_URL": superset.url, "SUPERSET_USERNAME": superset.username,
           "SUPERSET_PASSWORD": superset.password, "XDG_STATE_HOME": str(state), "COLUMNS": "250",
           "JAMFOR_DB_URL": ""}
    result = CliRunner().invoke(main, ["register", "--assets", str(assets), "--database-uri", database_uri],
                                env=env, catch_exceptions=False)
    return result.exit_code, result.output


def demo_register(superset, assets: Path, database_uri: str, state: Path) -> list[str]:
    steps: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(state))
        register_assets(superset, read_assets(assets), database_uri, steps.append)
    return steps


def state_file(state: Path, url: str) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(state))
        return state_path(url)


def test_an_invalid_asset_is_refused_by_all_three_callers_before_superset_is_changed(
        superset, demo_warehouse_pg, client, broken_assets, tmp_path):
    # The session's Superset may hold the fixture's chart from an earlier module: unchanged is the rule.
    columns = ("slice_name", "changed_on_utc")
    before = client.find("chart", [UUIDS["chart"]], columns)
    code, output = cli_register(superset, broken_assets, demo_warehouse_pg, tmp_path / "cli")
    assert code == 1
    assert "unknown-metric" in output and CHART in output and "no_such_metric" in output

    with pytest.raises(InvalidAssets) as caught:
        demo_register(superset, broken_assets, demo_warehouse_pg, tmp_path / "demo")
    assert [(p.code, p.file, p.value) for p in caught.value.problems] == [
        ("unknown-metric", CHART, "no_such_metric")]

    done = superset_jamfor_register(superset, "--assets", str(broken_assets), "--database-uri",
                                    demo_warehouse_pg, state=tmp_path / "in-app")
    assert done.returncode == 1
    assert f"Error: {CHART}: params.metrics: metric 'no_such_metric'" in done.stderr
    assert "Traceback" not in done.stderr

    assert client.find("chart", [UUIDS["chart"]], columns) == before
    assert not any((tmp_path / name).exists() for name in ("cli", "demo", "in-app"))


def test_register_and_the_demo_verify_every_chart_and_record_the_state_plan_reads(
        superset, demo_warehouse_pg, client, tmp_path):
    code, output = cli_register(superset, FIXTURE_ASSETS, demo_warehouse_pg, tmp_path / "cli")
    assert code == 0, output
    assert "1 charts answer with data (3 rows)" in " ".join(output.split())
    steps = demo_register(superset, FIXTURE_ASSETS, demo_warehouse_pg, tmp_path / "demo")
    assert steps[0] == "Validating the assets" and "Verifying every chart's data" in steps
    assert steps[-1] == "Creating the reader and the analyst"  # the demo's own people, once registered
    for state in ("cli", "demo"):
        path = state_file(tmp_path / state, superset.url)
        assert path.is_file(), state
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_STATE_HOME", str(tmp_path / state))
            recorded = load_state(superset.url)
        assert set(recorded["assets"]) == set(UUIDS.values())
        assert recorded["url"] == superset.url
