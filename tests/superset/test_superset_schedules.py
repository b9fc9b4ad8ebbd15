"""Alerts and report schedules as code against a real Superset 6.1.0 (ALERT_REPORTS on, no Celery).

One operator's story, in file order, sharing one registration state: register the fixture assets with
a report (dashboard as PDF) and an alert (SQL on indicator_comparison, "operator > 0") → inactive
without recipients, ids resolved from UUIDs; recipients from the environment activate them; an edit in
the UI is drift and pull writes it back (never recipients); --prune deletes a removed schedule; a
schedule whose dashboard exists nowhere is refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.superset.schedules.sync import fetch_schedules
from jamfor.superset.sync.client import SupersetClient

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

FIXTURE_ASSETS = Path(__file__).resolve().parent.parent / "fixtures" / "superset_assets"
CHART_UUID = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
DASHBOARD_UUID = "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4"
REPORT_UUID = "5d0c7a4e-2f1b-4e8a-9c3d-6b7e8f9a0b1c"
ALERT_UUID = "8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b"
RECIPIENTS = "JAMFOR_TEST_RECIPIENTS"

REPORT = {
    "uuid": REPORT_UUID, "type": "Report", "name": "Testrapport ÖJ som PDF",
    "description": "Testtavlan som PDF varje månad.", "dashboard_uuid": DASHBOARD_UUID,
    "report_format": "PDF", "crontab": "0 7 1 * *", "timezone": "Europe/Stockholm",
    "recipients": f"${{{RECIPIENTS}}}",
}
ALERT = {
    "uuid": ALERT_UUID, "type": "Alert", "name": "Testlarm – bevakad kommun blev röd",
    "description": "En bevakad kommun är röd.", "chart_uuid": CHART_UUID,
    "database_uuid": "50d120d6-74b4-4333-93ab-fdbbba8868b0", "report_format": "PNG",
    "crontab": "0 8 * * *", "timezone": "Europe/Stockholm",
    "sql": "SELECT COUNT(*) FROM indicator_comparison WHERE area_code IN (${watch_list}) AND colour = 'rod'",
    "validator_type": "operator", "validator_config_json": {"op": ">", "threshold": 0},
    "grace_period": 3600,
    "variables": {"watch_list": {"type": "kommun_codes", "env": "JAMFOR_TEST_WATCH", "default": "0180"}},
    "recipients": f"${{{RECIPIENTS}}}",
}


def write_assets(root: Path, *schedules: dict) -> Path:
    shutil.copytree(FIXTURE_ASSETS, root)
    (root / "reports").mkdir()
    for index, schedule in enumerate(schedules):
        (root / "reports" / f"schema_{index}.yaml").write_text(yaml.safe_dump(schedule, allow_unicode=True))
    return root


@pytest.fixture(scope="module")
def operator(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[dict]:
    state = tmp_path_factory.mktemp("report-state")
    with operator_environment(superset, state, demo_warehouse_pg) as patch:
        patch.delenv(RECIPIENTS, raising=False)
        root = write_assets(tmp_path_factory.mktemp("report-assets") / "assets", REPORT, ALERT)
        client = SupersetClient.login(superset.url, superset.username, superset.password)
        yield {"root": root, "client": client}


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def on(operator: dict, command: str) -> tuple[str, ...]:
    """One command line for plan and register: the operator's assets and watch list."""
    return (command, "--assets", str(operator["root"]), "--report-var", "watch_list=1280,0180")


def held(client: SupersetClient) -> dict[str, dict]:
    return fetch_schedules(client).ours


def test_register_creates_both_schedules_inactive_with_ids_resolved_from_uuids(operator):
    client = operator["client"]
    code, output = jamfor(*on(operator, "register"))
    assert code == 0, output
    assert f"no recipients configured: Testrapport ÖJ som PDF (${RECIPIENTS})" in output
    reports = held(client)
    report, alert = reports[REPORT_UUID], reports[ALERT_UUID]
    assert report["dashboard"]["id"] == client.find("dashboard", [DASHBOARD_UUID])[DASHBOARD_UUID]["id"]
    assert alert["chart"]["id"] == client.find("chart", [CHART_UUID])[CHART_UUID]["id"]
    assert alert["database"]["database_name"] == "jamfor"
    assert "area_code IN ('1280', '0180')" in alert["sql"]
    assert (report["active"], alert["active"]) == (False, False)
    assert report["recipients"] == [] and report["report_format"] == "PDF"
    assert f"jamfor-id: {REPORT_UUID}" in report["description"]


def test_plan_with_the_same_command_line_changes_nothing(operator):
    code, output = jamfor(*on(operator, "plan"))
    assert code == 0, output
    assert "0 to create, 0 to update" in output


def test_recipients_from_the_environment_activate_both_schedules(operator, monkeypatch):
    monkeypatch.setenv(RECIPIENTS, "chef@kommun.example.se, analys@kommun.example.se")
    code, output = jamfor(*on(operator, "register"))
    assert code == 0, output
    assert "no recipients configured" not in output
    reports = held(operator["client"])  # the session's Superset may hold other tests' schedules too
    for item in (reports[REPORT_UUID], reports[ALERT_UUID]):
        assert item["active"] is True
        assert [r["type"] for r in item["recipients"]] == ["Email"]
        target = item["recipients"][0]["recipient_config_json"]
        assert "chef@kommun.example.se,analys@kommun.example.se" in target


def test_a_schedule_edited_in_superset_is_drift_and_pull_writes_the_edit_back_without_recipients(
        operator, monkeypatch):
    monkeypatch.setenv(RECIPIENTS, "chef@kommun.example.se, analys@kommun.example.se")
    client = operator["client"]
    alert_id = held(client)[ALERT_UUID]["id"]
    client.put("report", alert_id, {"crontab": "30 6 * * 1-5",
                                    "recipients": [{"type": "Email",
                                                    "recipient_config_json": {"target": "ny@example.se"}}]})
    code, output = jamfor(*on(operator, "plan"))
    assert code == 3, output  # drift
    assert "1 to update" in output and "1 with drift" in output
    path = operator["root"] / "reports" / "schema_1.yaml"
    before = yaml.safe_load(path.read_text())
    code, output = jamfor("pull", "--assets", str(operator["root"]))
    assert code == 0, output
    after = yaml.safe_load(path.read_text())
    assert {k for k in before if before[k] != after.get(k)} == {"crontab"}
    assert after["crontab"] == "30 6 * * 1-5"
    assert "ny@example.se" not in path.read_text() and "chef@" not in path.read_text()
    untouched = operator["root"] / "reports" / "schema_0.yaml"
    assert untouched.read_text() == yaml.safe_dump(REPORT, allow_unicode=True)
    code, output = jamfor(*on(operator, "register"))
    assert code == 0, output
    assert held(client)[ALERT_UUID]["recipients"][0]["recipient_config_json"].count("@") == 2


def test_prune_deletes_a_schedule_removed_from_the_repository_and_only_when_asked(operator):
    (operator["root"] / "reports" / "schema_0.yaml").unlink()
    args = on(operator, "register")
    code, output = jamfor(*args)
    assert code == 0, output
    assert REPORT_UUID in held(operator["client"])
    code, output = jamfor(*args, "--prune")
    assert code == 0, output
    assert "Deleted: report Testrapport ÖJ som PDF" in output
    assert set(held(operator["client"])) >= {ALERT_UUID} and REPORT_UUID not in held(operator["client"])


def test_a_schedule_whose_dashboard_is_nowhere_is_refused_before_anything_is_sent(operator, tmp_path):
    lost = {**REPORT, "uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "name": "Rapport utan tavla",
            "dashboard_uuid": "00000000-0000-4000-8000-000000000000"}
    root = write_assets(tmp_path / "assets", lost)
    code, output = jamfor("register", "--assets", str(root))
    assert code != 0
    assert ("dashboard 00000000-0000-4000-8000-000000000000 is neither in Superset nor in the repository"
            in output)
    assert lost["uuid"] not in held(operator["client"])
