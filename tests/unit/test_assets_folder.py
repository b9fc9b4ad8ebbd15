"""The organisation's assets folder: init, finding it, its environments, the marks, the upgrade."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from jamfor import __version__
from jamfor.cli.main import main
from jamfor.cli.superset import EXIT_CHANGES, EXIT_DRIFT, plan_exit
from jamfor.superset.sync.assets import Asset, read_assets
from jamfor.superset.sync.change import Change
from jamfor.superset.sync.environments import ConfigError, read_config
from jamfor.superset.sync.folder import (
    AssetsFolder,
    BundledRefused,
    bundled_root,
    init_folder,
    locate,
    refuse_bundled,
)
from jamfor.superset.sync.register import Plan, Remote
from jamfor.superset.sync.stamp import Stamp
from jamfor.superset.sync.upgrade import apply_upgrade, plan_upgrade

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_state(tmp_path, monkeypatch):
    """Each test its own remembered folder, and no asset folder from the shell."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("JAMFOR_ASSETS_DIR", raising=False)


def _source(tmp_path: Path) -> Path:
    """A small stand-in for jamfor's own assets: one dataset, one dashboard with a chart."""
    source = tmp_path / "shipped"
    (source / "datasets").mkdir(parents=True)
    (source / "dashboards/d/charts").mkdir(parents=True)
    (source / "datasets/a.yaml").write_text("table_name: a\nuuid: 1\n")
    (source / "dashboards/d/dashboard.yaml").write_text("dashboard_title: D\nuuid: 2\n")
    (source / "dashboards/d/charts/c.yaml").write_text("slice_name: C\nuuid: 3\n")
    return source


def test_init_copies_the_assets_writes_a_config_without_secrets_and_makes_a_git_repository(tmp_path):
    org = tmp_path / "org"
    result = CliRunner().invoke(main, ["assets", "init", str(org)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"assets: {org.resolve()} (organisation folder, new)")
    for name in ("datasets", "dashboards", "reports", "roles", ".git", ".jamfor/shipped.json"):
        assert (org / name).exists(), name
    assert not list(org.rglob("__init__.py"))
    assert len(read_assets(org).assets) == len(read_assets(REPO).assets)
    config = read_config(org / "jamfor.yaml")
    assert config.version == __version__
    assert config.environments["test"].mode == "editable" and config.environments["prod"].locked
    assert config.environments["prod"].database_uri == "${JAMFOR_PROD_DB_URI}"
    again = CliRunner().invoke(main, ["assets", "init", str(org)])
    assert again.exit_code == 1 and "already has" in again.output


def test_every_command_names_the_folder_it_found_from_the_current_directory_upward(tmp_path, monkeypatch):
    org = tmp_path / "org"
    init_folder(org, _source(tmp_path))
    monkeypatch.chdir(org / "dashboards" / "d")
    assert locate().root == org and locate().kind == "organisation"
    result = CliRunner().invoke(main, ["validate", "--no-superset-schemas"])
    assert result.output.splitlines()[0] == f"assets: {org} (organisation folder)"
    monkeypatch.setenv("JAMFOR_ASSETS_DIR", str(REPO))
    assert locate().kind == "folder"  # the environment variable wins over the folder found from here


def test_register_refuses_the_bundled_copy_once_an_organisation_folder_is_known(tmp_path):
    bundled = AssetsFolder(bundled_root(), "bundled")
    refuse_bundled(bundled)  # nothing known yet: the bundled copy is jamfor's default
    org = tmp_path / "org"
    init_folder(org, _source(tmp_path))
    with pytest.raises(BundledRefused, match=f"organisation's assets folder is {org.resolve()}"):
        refuse_bundled(bundled)
    refuse_bundled(locate(org))


def test_environments_expand_variables_at_run_time_and_refuse_a_written_uri(tmp_path):
    config = tmp_path / "jamfor.yaml"
    config.write_text(yaml.safe_dump({"kind": "jamfor-assets", "jamfor_version": "0.1.0", "environments": {
        "prod": {"url": "https://bi.example.org/", "database_uri": "${PROD_URI}", "mode": "locked",
                 "recipients": {"JAMFOR_REPORT_RECIPIENTS": "${PROD_MAIL}"}}}}))
    prod = read_config(config).environment("prod")
    assert prod.url == "https://bi.example.org"
    with pytest.raises(ConfigError, match=r"needs \$PROD_URI") as failure:
        prod.warehouse_uri({})
    assert "postgresql" not in str(failure.value)
    assert prod.warehouse_uri({"PROD_URI": "postgresql://u:hemligt@db/w"}) == "postgresql://u:hemligt@db/w"
    assert prod.schedule_environ({"PROD_MAIL": "a@b.se"})["JAMFOR_REPORT_RECIPIENTS"] == "a@b.se"
    config.write_text(config.read_text().replace("${PROD_URI}", "postgresql://u:hemligt@db/w"))
    with pytest.raises(ConfigError, match="never the URI itself") as failure:
        read_config(config)
    assert "hemligt" not in str(failure.value)


def test_locked_assets_link_to_their_file_and_editable_ones_are_not_managed_externally():
    chart = Asset("chart", "dashboards/d/charts/c.yaml", {"slice_name": "C", "uuid": "3"})
    locked = Stamp(True, "https://git.example.org/org/assets/blob/main/{path}").apply(chart)
    assert locked["is_managed_externally"] is True
    assert locked["external_url"] == "https://git.example.org/org/assets/blob/main/dashboards/d/charts/c.yaml"
    editable = Stamp(False).apply(chart)
    assert editable["is_managed_externally"] is False and editable["external_url"] is None
    assert editable["certification_details"] != locked["certification_details"]  # plan sees a mode change
    assert Stamp(False).current(Asset("chart", "x", {}), editable)


def test_a_datasets_mode_is_current_only_when_superset_holds_the_same_flag():
    dataset = Asset("dataset", "datasets/a.yaml", {"table_name": "a", "uuid": "1"})
    assert Stamp(True).current(dataset, Stamp(True).apply(dataset))
    assert not Stamp(False).current(dataset, Stamp(True).apply(dataset))  # locked in Superset: an update
    assert Stamp(False).current(dataset, {"table_name": "a"})  # a Superset that does not show the flag


def test_plan_exit_codes_tell_no_change_changes_and_drift_apart():
    def plan(*changes: Change) -> Plan:
        return Plan(list(changes), Remote(), None)

    same = Change("chart", "3", "C", "c.yaml", "unchanged")
    assert plan_exit(plan(same)) == 0
    assert plan_exit(plan(same, Change("chart", "4", "D", "d.yaml", "update"))) == EXIT_CHANGES
    assert plan_exit(plan(Change("chart", "4", "D", "d.yaml", "update", True))) == EXIT_DRIFT


def test_upgrade_adds_new_assets_updates_unedited_files_and_keeps_the_organisations_edits(tmp_path):
    source = _source(tmp_path)
    org = tmp_path / "org"
    init_folder(org, source)
    (org / "dashboards/d/charts/c.yaml").write_text("slice_name: C, our title\nuuid: 3\n")
    (source / "dashboards/d/charts/c.yaml").write_text("slice_name: C, fixed\nuuid: 3\n")
    (source / "datasets/a.yaml").write_text("table_name: a\nuuid: 1\ndescription: new\n")
    (source / "datasets/b.yaml").write_text("table_name: b\nuuid: 4\n")
    plan = {item.path: item for item in plan_upgrade(org, source)}
    assert {p: i.action for p, i in plan.items()} == {
        "datasets/a.yaml": "updated", "datasets/b.yaml": "added",
        "dashboards/d/charts/c.yaml": "kept", "dashboards/d/dashboard.yaml": "unchanged"}
    assert "+description: new" in plan["datasets/a.yaml"].diff
    assert (org / "datasets/a.yaml").read_text() == "table_name: a\nuuid: 1\n"  # nothing written yet
    (org / "jamfor.yaml").write_text((org / "jamfor.yaml").read_text().replace(
        f"jamfor_version: {__version__}", "jamfor_version: 0.0.9"))
    assert locate(org).behind
    apply_upgrade(org, source, list(plan.values()))
    assert (org / "datasets/b.yaml").exists() and "description" in (org / "datasets/a.yaml").read_text()
    assert (org / "dashboards/d/charts/c.yaml").read_text() == "slice_name: C, our title\nuuid: 3\n"
    assert not locate(org).behind
    shipped = json.loads((org / ".jamfor/shipped.json").read_text())["files"]
    assert set(shipped) == {"datasets/a.yaml", "datasets/b.yaml", "dashboards/d/dashboard.yaml",
                            "dashboards/d/charts/c.yaml"}


def test_upgrade_without_write_only_shows_the_diff(tmp_path, monkeypatch):
    org = tmp_path / "org"
    assert CliRunner().invoke(main, ["assets", "init", str(org)]).exit_code == 0
    subprocess.run(["git", "-C", str(org), "status"], check=True, capture_output=True)
    monkeypatch.chdir(org)
    result = CliRunner().invoke(main, ["assets", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"assets: {org} (organisation folder)"
    assert "0 to add, 0 to update, 0 edited here and kept." in result.output
    assert "Nothing written" in result.output
