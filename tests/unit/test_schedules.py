"""reports/*.yaml offline: the shipped schedules validate; bad files, bad configuration and a Superset
without the report API are refused with a message naming what to change."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from support.http_server import serving

from jamfor.superset.schedules.definitions import (
    ScheduleConfigError,
    ScheduleSettings,
    comparable,
    schedule_body,
)
from jamfor.superset.schedules.sync import SchedulesDisabled, fetch_schedules
from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.validate import validate

REPO = Path(__file__).resolve().parents[2]
ALERT = "reports/larm_kommun_blev_rod.yaml"


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped assets to break one file at a time."""
    for folder in ("datasets", "dashboards", "reports"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


def edit(root: Path, source: str, **changes: object) -> None:
    path = root / source
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def codes(root: Path) -> set[tuple[str, str]]:
    report = validate(read_assets(root), superset_schemas=False)
    return {(p.code, p.file or "") for p in report.problems}


def test_the_shipped_schedules_validate_and_each_has_its_uuid_in_no_other_file():
    assets = read_assets(REPO)
    assert {a.source for a in assets.reports} == {
        "reports/oj_lss_manadsrapport.yaml", ALERT, "reports/larm_tappade_placeringar.yaml"}
    assert validate(assets, superset_schemas=False).valid


def test_an_address_in_the_repository_a_stray_key_and_an_undeclared_variable_are_problems(shipped):
    edit(shipped, ALERT, recipients="chef@kommun.example.se", owner="x",
         sql="SELECT COUNT(*) FROM indicator_comparison WHERE area_code IN (${watch_list}) AND rank > ${n}")
    assert codes(shipped) == {("report-recipients", ALERT), ("report-unknown-key", ALERT),
                              ("report-variable", ALERT)}


def test_a_schedule_pointing_at_a_chart_uuid_as_its_dashboard_is_a_problem(shipped):
    edit(shipped, "reports/oj_lss_manadsrapport.yaml", dashboard_uuid="033d5467-35b0-4547-864d-c7b4324af580")
    assert codes(shipped) == {("unknown-dashboard", "reports/oj_lss_manadsrapport.yaml")}


def alert():
    return next(a for a in read_assets(REPO).reports if a.source == ALERT)


def test_the_watch_list_fills_the_sql_only_with_known_kommun_codes():
    settings = ScheduleSettings({"watch_list": "1280, 0180"}, environ={})
    body = schedule_body(alert(), settings, lambda kind, uuid: 3)
    assert "area_code IN ('1280', '0180')" in body["sql"]
    assert body["active"] is False and body["recipients"] == [] and body["chart"] == 3
    with pytest.raises(ScheduleConfigError) as refused:
        settings = ScheduleSettings({"watch_list": "0180') OR ('1'='1"}, environ={})
        schedule_body(alert(), settings, lambda k, u: 3)
    assert refused.value.problems[0].code == "bad-variable"


def test_recipients_come_from_the_variable_the_file_names_and_make_the_schedule_active():
    settings = ScheduleSettings(environ={"JAMFOR_ALERT_RECIPIENTS": "a@kommun.example.se,b@kommun.example.se",
                                       "JAMFOR_WATCH_KOMMUNER": "1280"})
    body = schedule_body(alert(), settings, lambda kind, uuid: 3)
    assert body["active"] is True and "('1280')" in body["sql"]
    assert comparable(body)["recipients"] == ["a@kommun.example.se", "b@kommun.example.se"]
    with pytest.raises(ScheduleConfigError):
        schedule_body(alert(), ScheduleSettings(environ={"JAMFOR_ALERT_RECIPIENTS": "inte en adress"}),
               lambda k, u: 3)


class _NoReportApi(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"message": "Not found"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def superset_without_reports() -> Iterator[str]:
    """A server answering as Superset does with ALERT_REPORTS off: 404 on /api/v1/report/."""
    with serving(_NoReportApi) as url:
        yield url


def test_a_superset_without_alert_reports_gets_the_config_lines_and_services_it_needs(
        superset_without_reports):
    with pytest.raises(SchedulesDisabled) as refused:
        fetch_schedules(SupersetClient(superset_without_reports))
    message = str(refused.value)
    for needed in ('"ALERT_REPORTS": True', "beat_schedule", "reports.scheduler", "broker_url", "worker",
                   "beat", "SMTP_HOST", "PLAYWRIGHT_REPORTS_AND_THUMBNAILS"):
        assert needed in message
