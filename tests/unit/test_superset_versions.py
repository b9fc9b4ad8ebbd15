"""Rendering the one asset format for each supported Superset, and reading its exports back (no Superset)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
from click.testing import CliRunner
from support.http_server import serving

from jamfor.cli.main import main
from jamfor.superset.sync.assets import build_bundle, parse, read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.validate import validate
from jamfor.superset.sync.versions import (
    SOURCE,
    TESTED,
    NotRenderable,
    UnsupportedVersion,
    check_keys,
    import_schemas,
    parse_version_info,
    read_export,
    render,
    render_with_problems,
    supported,
)

OLDER = [supported(v) for v in ("4.1.4", "5.0.0", "6.0.0")]
METRIC = {"metric_name": "andel", "expression": "AVG(v)",
          "currency": {"symbol": "SEK", "symbolPosition": "suffix"}}
DATASET = {"table_name": "t", "uuid": "1c0ba165-6e44-41f1-a62a-f7f024bde1cb", "version": "1.0.0",
           "database_uuid": "50d120d6-74b4-4333-93ab-fdbbba8868b0", "metrics": [METRIC],
           "columns": [{"column_name": "year", "datetime_format": None}], "folders": [
               {"uuid": "8d5e0bd5-5f6f-4f38-a1d6-8a1b8c1f3b9e", "type": "folder", "name": "Mått",
                "children": []}]}


def test_every_tested_release_has_its_import_schemas_recorded():
    for release in TESTED.values():
        schemas = import_schemas(release)
        assert set(schemas) == {"dataset", "chart", "dashboard"}
        assert schemas["dataset"]["uuid"]["required"] is True


@pytest.mark.parametrize(("release", "line"), [("4.1.4", "4.1.4"), ("4.1.2", "4.1.4"), ("6.0.1", "6.0.0"),
                                                ("6.1.0", "6.1.0"), ("5.0.0rc2", "5.0.0")])
def test_a_release_of_a_supported_line_is_supported_through_its_tested_release(release, line):
    assert supported(release).tested == line
    assert str(supported(release)) == release


@pytest.mark.parametrize("release", ["3.1.3", "4.0.2", "6.2.0", "7.0.0", "", None, "latest"])
def test_other_versions_are_refused_naming_the_supported_ones(release):
    with pytest.raises(UnsupportedVersion) as caught:
        supported(release)
    message = str(caught.value)
    assert all(line in message for line in ("4.1", "5.0", "6.0", "6.1", "4.1.4", "6.1.0"))


def test_only_6_0_and_later_filter_lists_by_uuid():
    assert [v.filters_by_uuid for v in OLDER] == [False, False, True]
    assert SOURCE.filters_by_uuid


def test_the_version_comes_from_version_info_json():
    assert parse_version_info('{"GIT_SHA": "", "version": "5.0.0"}') == "5.0.0"
    assert parse_version_info("<html>not found</html>") is None
    assert parse_version_info("{}") is None


def test_for_6_1_the_files_are_sent_as_they_are():
    assert render("dataset", DATASET, SOURCE) == DATASET
    assert check_keys("dataset", DATASET, SOURCE) == []


def test_before_6_0_folders_go_and_a_metrics_currency_becomes_json_text():
    for target in OLDER[:2]:
        rendered = render("dataset", DATASET, target)
        assert "folders" not in rendered
        assert json.loads(rendered["metrics"][0]["currency"]) == METRIC["currency"]
        assert "datetime_format" not in rendered["columns"][0]  # 6.1 only, and empty here
        assert check_keys("dataset", rendered, target) == []


def test_6_0_keeps_folders_and_the_currency_object():
    rendered = render("dataset", DATASET, OLDER[2])
    assert rendered["folders"] == DATASET["folders"]
    assert rendered["metrics"][0]["currency"] == METRIC["currency"]
    assert check_keys("dataset", rendered, OLDER[2]) == []


def test_a_value_an_older_version_cannot_hold_is_a_problem_not_a_silent_loss():
    data = {**DATASET, "currency_code_column": "valuta"}  # 6.1 only
    for target in OLDER:
        _, problems = render_with_problems("dataset", data, target, "datasets/t.yaml")
        assert [(p.code, p.file) for p in problems] == [("unsupported-key", "datasets/t.yaml")]
        assert "currency_code_column" in problems[0].message
        with pytest.raises(NotRenderable):
            render("dataset", data, target)


def test_dashboard_theme_and_tags_are_dropped_before_6_0():
    dashboard = {"dashboard_title": "D", "uuid": "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4", "version": "1.0.0",
                 "theme_uuid": "5a7e5c8e-1f4b-4b0a-9f8e-0d5f1c2b3a4d", "tags": ["jamfor"]}
    for target in OLDER[:2]:
        assert set(render("dashboard", dashboard, target)) == {"dashboard_title", "uuid", "version"}
    assert render("dashboard", dashboard, OLDER[2]) == dashboard


def test_unknown_and_missing_keys_are_found_with_the_recorded_schemas():
    chart = {"slice_name": "x", "colour": "grön", "version": "1.0.0"}
    problems = check_keys("chart", chart, OLDER[0], "c.yaml")
    messages = sorted(p.message for p in problems)
    assert "colour: Unknown field." in messages
    assert {"uuid: Missing data for required field.", "dataset_uuid: Missing data for required field.",
            "viz_type: Missing data for required field."} <= set(messages)


def test_an_older_export_reads_back_into_the_files_format():
    exported = {**DATASET, "metrics": [{**METRIC, "currency": json.dumps(METRIC["currency"])},
                                       {"metric_name": "n", "expression": "COUNT(*)", "currency": ""}]}
    exported.pop("folders")
    back = read_export(exported, OLDER[0])
    assert back["metrics"][0]["currency"] == METRIC["currency"]
    assert back["metrics"][1]["currency"] is None
    assert read_export(exported, SOURCE) == exported


RANKING_PARAMS = {"viz_type": "echarts_timeseries_bar", "orientation": "horizontal", "metrics": ["a", "b"],
                  "groupby": [], "x_axis": "label", "x_axis_sort": "label", "x_axis_sort_asc": False,
                  "show_value": True, "y_axis_bounds": [0, 100]}
RANKING = {"slice_name": "Rangordning", "uuid": "0b7f7f0e-3a37-4d51-9c55-2f0c1b8a6e11", "version": "1.0.0",
           "viz_type": "echarts_timeseries_bar", "dataset_uuid": DATASET["uuid"], "params": RANKING_PARAMS}
ONE_METRIC = {**RANKING, "params": {**RANKING_PARAMS, "metrics": ["a"]}}
SHARES = {**RANKING, "params": {**RANKING_PARAMS, "y_axis_bounds": [0, 1], "groupby": ["kind"]}}


def test_before_6_0_a_chart_with_two_metrics_or_a_group_by_is_ordered_by_its_x_axis_sort_in_both_pairs():
    for target in OLDER[:2]:
        for chart in (RANKING, SHARES):
            params = render("chart", chart, target)["params"]
            assert (params["x_axis_sort_series"], params["x_axis_sort_series_ascending"]) == ("label", False)
            assert (params["x_axis_sort"], params["x_axis_sort_asc"]) == ("label", False)  # the query's order
    assert "x_axis_sort_series" not in render("chart", RANKING, OLDER[2])["params"]
    assert "x_axis_sort_series" not in render("chart", ONE_METRIC, OLDER[0])["params"]  # x_axis_sort rules


def test_before_6_1_a_fixed_maximum_of_labelled_horizontal_bars_is_a_tenth_larger():
    bounds = [render("chart", RANKING, target)["params"]["y_axis_bounds"] for target in [*OLDER, SOURCE]]
    assert bounds == [[0, 110], [0, 110], [0, 110], [0, 100]]
    assert render("chart", SHARES, OLDER[0])["params"]["y_axis_bounds"] == [0, 1.1]
    for unchanged in ({"show_value": False}, {"orientation": "vertical"}, {"y_axis_bounds": [0, None]}):
        chart = {**RANKING, "params": {**RANKING_PARAMS, **unchanged}}
        assert render("chart", chart, OLDER[0])["params"]["y_axis_bounds"] == chart["params"]["y_axis_bounds"]


def test_an_older_export_of_a_chart_reads_back_into_the_files_format():
    for target in OLDER:
        for chart in (RANKING, ONE_METRIC, SHARES):
            assert read_export(render("chart", chart, target), target) == chart
    for chart in read_assets().of("chart"):
        for target in OLDER:
            assert read_export(render("chart", chart.data, target), target) == chart.data, chart.source
    # an order chosen in 4.1's Explore moves into x_axis_sort, as 6.0's migration 378cecfdba9f moves it
    exported = render("chart", RANKING, OLDER[0])
    exported["params"].update(x_axis_sort_series="sum", x_axis_sort_series_ascending=True)
    back = read_export(exported, OLDER[0])["params"]
    assert (back["x_axis_sort"], back["x_axis_sort_asc"]) == ("sum", True)
    assert "x_axis_sort_series" not in back and "x_axis_sort_series_ascending" not in back


def test_the_shipped_assets_render_and_check_clean_for_every_supported_version():
    assets = read_assets()
    for release in TESTED.values():
        report = validate(assets, superset_schemas=False, target=supported(release))
        assert report.problems == [], (release, report.problems[:3])
    bundle = build_bundle(assets, "postgresql://u:pw@h/db", target=OLDER[0])
    datasets = [parse(text) for path, text in bundle.files.items() if path.startswith("datasets/")]
    assert datasets and all(check_keys("dataset", d, OLDER[0]) == [] for d in datasets)


def test_validate_superset_version_names_the_version_and_refuses_an_unsupported_one(tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["validate", "--superset-version", "4.1.4", "--no-superset-schemas"])
    assert done.exit_code == 0, done.output
    assert "valid for Superset 4.1.4" in done.output
    refused = runner.invoke(main, ["validate", "--superset-version", "3.1.0", "--no-superset-schemas"])
    assert refused.exit_code != 0
    assert "Superset 3.1.0 is not supported" in refused.output


class _OldSuperset(BaseHTTPRequestHandler):
    """Just enough of a Superset 3.1 to log in to: it reports its version like 4.1 to 6.1 do."""

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._json({"access_token": "t"})

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/api/v1/security/csrf_token/"):
            self._json({"result": "c"})
        elif self.path == "/static/version_info.json":
            self._json({"GIT_SHA": "", "version": "3.1.3"})
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_login_refuses_a_superset_of_an_unsupported_line_by_name():
    refused = r"Superset 3\.1\.3 is not supported.*4\.1, 5\.0, 6\.0, 6\.1"
    with serving(_OldSuperset) as url, pytest.raises(UnsupportedVersion, match=refused):
        SupersetClient.login(url, "admin", "pw")
