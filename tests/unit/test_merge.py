"""merge_export: Superset's export of an asset back into the file the repository keeps."""

from __future__ import annotations

import copy
import json

import yaml
from support.assets import FIXTURE_ASSETS

from jamfor.superset.sync.normalize import fingerprint, merge_export


def _adhoc(label: str, sql: str) -> dict:
    return {"expressionType": "SQL", "hasCustomLabel": True, "label": label, "optionName": f"m_{label}",
            "sqlExpression": sql}


def test_a_charts_ad_hoc_metrics_are_all_kept_in_their_order():
    metrics = [_adhoc("2019", "AVG(a)"), _adhoc("2020", "AVG(b)"), _adhoc("2021", "AVG(c)")]
    local = {"slice_name": "Tabell 1", "params": {"metrics": metrics}}
    exported = copy.deepcopy(local)
    exported["params"]["datasource"] = "7__table"
    assert merge_export(exported, local) == local


def test_dataset_metrics_are_matched_by_name_whatever_the_exports_order():
    local = {"metrics": [{"metric_name": "b", "expression": "SUM(b)"},
                         {"metric_name": "a", "expression": "SUM(a)"}]}
    exported = {"metrics": list(reversed(local["metrics"]))}
    assert merge_export(exported, local) == local


def test_a_metric_added_in_the_ui_comes_after_the_repositorys_own():
    local = {"metrics": [{"metric_name": "b", "expression": "SUM(b)"}]}
    exported = {"metrics": [{"metric_name": "a", "expression": "SUM(a)"}, *local["metrics"]]}
    assert [m["metric_name"] for m in merge_export(exported, local)["metrics"]] == ["b", "a"]


def test_a_dashboard_compares_equal_across_supersets_whatever_ids_its_cross_filters_name():
    """Adopted in one Superset and promoted to another: chart_configuration and the global cross-filter
    scope name charts by each instance's ids, and the adopted file, normalised again, is unchanged."""
    def board(first: int, second: int) -> dict:
        position = {f"CHART-{n}": {"type": "CHART", "id": f"CHART-{n}",
                                   "meta": {"chartId": i, "uuid": f"u{n}"}}
                    for n, i in ((1, first), (2, second))}
        crossed = {str(i): {"id": i, "crossFilters": {"scope": {"excluded": [i]}, "chartsInScope": [o]}}
                   for i, o in ((first, second), (second, first))}
        return {"uuid": "d", "position": position, "metadata": {
            "chart_configuration": crossed,
            "global_chart_configuration": {"chartsInScope": [first, second], "scope": {"excluded": []}}}}

    test, prod = board(11, 12), board(57, 58)
    adopted = merge_export(test, {"position": test["position"]})
    assert adopted["metadata"]["chart_configuration"]["11"]["crossFilters"]["chartsInScope"] == [12]
    assert fingerprint(test) == fingerprint(prod) == fingerprint(adopted)


def _fixture(name: str) -> dict:
    return yaml.safe_load((FIXTURE_ASSETS / "dashboards" / "test_oj" / name).read_text())


# What Superset 6.1's Explore added to the table chart's params when an analyst only renamed it and
# pressed Save (overwrite), read back from its export; it also dropped order_desc (its default, true).
_EXPLORE_SAVED = {
    "allow_render_html": True, "color_pn": True, "comparison_color_scheme": "Green",
    "comparison_type": "values", "percent_metric_calculation": "row_limit", "server_page_length": 10,
    "show_cell_bars": True, "table_timestamp_format": "smart_date",
    "temporal_columns_lookup": {"period": True},
    "matrixify_charts_per_row": 3, "matrixify_mode_rows": "disabled", "matrixify_row_height": 300,
    "matrixify_dimension_rows": {"dimension": "", "values": []}, "all_columns": [], "extra_form_data": {},
}


def _saved_in_explore(chart: dict, title: str, **edited: object) -> dict:
    saved = copy.deepcopy(chart)
    saved["slice_name"] = title
    saved["params"].update(_EXPLORE_SAVED, **edited)
    del saved["params"]["order_desc"]
    saved["params"]["adhoc_filters"].append({"clause": "WHERE", "comparator": "No filter",
                                             "expressionType": "SIMPLE", "operator": "TEMPORAL_RANGE",
                                             "subject": "period"})
    saved["query_context"] = json.dumps({"form_data": saved["params"], "queries": [{"post_processing": []}]})
    return saved


def test_explores_save_of_a_renamed_chart_pulls_as_the_title_alone():
    local = _fixture("charts/ibic_riket.yaml")
    saved = _saved_in_explore(local, "Nytt namn")
    assert merge_export(saved, local) == {**local, "slice_name": "Nytt namn"}
    assert fingerprint(saved) == fingerprint({**local, "slice_name": "Nytt namn"})


def test_a_chart_whose_params_changed_gets_supersets_query_context():
    local = _fixture("charts/ibic_riket.yaml")
    saved = _saved_in_explore(local, local["slice_name"], row_limit=50)
    pulled = merge_export(saved, local)
    assert pulled["params"]["row_limit"] == 50
    assert json.loads(pulled["query_context"])["form_data"]["row_limit"] == 50
    assert fingerprint(saved) != fingerprint(local)


def test_a_file_without_a_query_context_is_not_given_an_empty_one():
    local = {k: v for k, v in _fixture("charts/ibic_riket.yaml").items() if k != "query_context"}
    saved = _saved_in_explore({**local, "query_context": None}, local["slice_name"])
    assert json.loads(merge_export(saved, local)["query_context"])["queries"] == [{"post_processing": []}]


def test_a_time_range_someone_chose_in_explore_is_kept():
    local = _fixture("charts/ibic_riket.yaml")
    saved = _saved_in_explore(local, local["slice_name"])
    saved["params"]["adhoc_filters"][-1]["comparator"] = "Last year"
    assert merge_export(saved, local)["params"]["adhoc_filters"][-1]["comparator"] == "Last year"


def test_a_dashboard_saved_after_a_resize_pulls_as_the_width_alone():
    """What Superset 6.1's dashboard Save wrote besides the layout: the default cross-filter settings
    and each native filter's charts in scope."""
    local = _fixture("dashboard.yaml")
    saved = copy.deepcopy(local)
    saved["position"]["CHART-ibic"]["meta"].update({"width": 8, "chartId": 41})
    saved["metadata"].update({"cross_filters_enabled": True,
                              "chart_configuration": {"41": {"id": 41, "crossFilters": {"scope": "global"}}},
                              "global_chart_configuration": {"chartsInScope": [41], "scope": {
                                  "rootPath": ["ROOT_ID"], "excluded": []}}})
    saved["metadata"]["native_filter_configuration"][0]["chartsInScope"] = [41]
    expected = copy.deepcopy(local)
    expected["position"]["CHART-ibic"]["meta"]["width"] = 8
    assert merge_export(saved, local) == expected
    assert fingerprint(saved) == fingerprint(expected)


def test_cross_filters_switched_off_or_scoped_in_the_ui_are_kept():
    local = _fixture("dashboard.yaml")
    saved = copy.deepcopy(local)
    saved["metadata"].update({"cross_filters_enabled": False,
                              "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"],
                                                                       "excluded": [1]}}})
    pulled = merge_export(saved, local)["metadata"]
    assert pulled["cross_filters_enabled"] is False
    assert pulled["global_chart_configuration"]["scope"]["excluded"] == [1]
