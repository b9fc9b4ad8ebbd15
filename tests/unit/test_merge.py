"""merge_export: Superset's export of an asset back into the file the repository keeps."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from support.assets import FIXTURE_ASSETS
from support.databases import REPO

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


def test_a_native_filter_renamed_in_the_filter_dialog_pulls_as_the_name_alone():
    """What Superset 6.1's "Add or edit filters and controls" dialog saved for the renamed filter."""
    local = _fixture("dashboard.yaml")
    saved = copy.deepcopy(local)
    native = saved["metadata"]["native_filter_configuration"][0]
    native["name"] = "Kommun eller län"
    native["controlValues"] = {"enableEmptyFilter": False, "defaultToFirstItem": False, "creatable": True,
                               "multiSelect": False, "searchAllOptions": False, "inverseSelection": False}
    native.update({"description": "", "cascadeParentIds": [], "sortMetric": None, "defaultDataMask": {
        "extraFormData": {}, "filterState": {}, "ownState": {}}})
    expected = copy.deepcopy(local)
    expected["metadata"]["native_filter_configuration"][0]["name"] = "Kommun eller län"
    assert merge_export(saved, local) == expected
    native["controlValues"]["creatable"] = False  # "Allow creation of new values" switched off: kept
    assert merge_export(saved, local)["metadata"]["native_filter_configuration"][0]["controlValues"][
        "creatable"] is False


def test_cross_filters_switched_off_or_scoped_in_the_ui_are_kept():
    local = _fixture("dashboard.yaml")
    saved = copy.deepcopy(local)
    saved["metadata"].update({"cross_filters_enabled": False,
                              "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"],
                                                                       "excluded": [1]}}})
    pulled = merge_export(saved, local)["metadata"]
    assert pulled["cross_filters_enabled"] is False
    assert pulled["global_chart_configuration"]["scope"]["excluded"] == [1]


# What Superset 6.1's Explore saved when one shipped chart of each viz type was only renamed with Save
# (overwrite), read back from its export: besides the matrixify controls every chart gets
# (_MATRIXIFY_SAVED), each type's own controls, and the params of the file it left out.
_MATRIXIFY_SAVED = {
    "matrixify_enable": False, "matrixify_mode_columns": "disabled", "matrixify_mode_rows": "disabled",
    "matrixify_dimension_selection_mode_columns": "members",
    "matrixify_dimension_selection_mode_rows": "members",
    "matrixify_dimension_columns": {"dimension": "", "values": []},
    "matrixify_dimension_rows": {"dimension": "", "values": []},
    "matrixify_topn_value_columns": 10, "matrixify_topn_value_rows": 10,
    "matrixify_all_sort_by_columns": "a_to_z", "matrixify_all_sort_by_rows": "a_to_z",
    "matrixify_topn_order_columns": True, "matrixify_topn_order_rows": True,
    "matrixify_show_column_headers": True, "matrixify_show_row_labels": True,
    "matrixify_fit_columns_dynamically": True, "matrixify_row_height": 300, "matrixify_charts_per_row": 4,
    "matrixify_cell_title_template": "", "dashboards": [], "slice_id": 3,
}
_TIMESERIES_SAVED = {
    "group_others_when_limit_reached": False, "forecastEnabled": False, "forecastPeriods": 10,
    "forecastInterval": 0.8, "x_axis_title": "", "sort_series_type": "sum", "sort_series_ascending": False,
    "time_shift_color": True, "minorTicks": False, "x_axis_time_format": "smart_date",
    "x_axis_number_format": "~g", "logAxis": False, "minorSplitLine": False, "truncateXAxis": True,
    "force_max_interval": False, "showTooltipTotal": True, "showTooltipPercentage": False,
    "tooltipSortByMetric": False, "echart_options": "{}",
}
_SAVED_PER_VIZ_TYPE = {
    "big_number": ("oj_lss_utveckling/charts/riket_enskildas_uppfattning_utforare.yaml", {
        "aggregation": "LAST_VALUE", "subtitle_font_size": 0.15, "show_metric_name": False,
        "metric_name_font_size": 0.15, "show_x_axis": False, "show_x_axis_min_max_labels": False,
        "show_y_axis": False, "show_y_axis_min_max_labels": False, "force_timestamp_formatting": False},
        ["row_limit"]),
    "big_number_total": ("skr_nationell_oversikt/charts/slutfort_alla.yaml", {"metric_name_font_size": 0.15},
                         ["row_limit", "subheader_font_size"]),
    "country_map": ("jamfor_kommuner/charts/karta_lan.yaml", {}, ["row_limit"]),
    "echarts_timeseries_bar": ("skr_nationell_oversikt/charts/bistandsbeslut_per_omrade.yaml", {
        **_TIMESERIES_SAVED, "xAxisForceCategorical": False, "color_by_primary_axis": False,
        "xAxisLabelInterval": "auto", "tooltipTimeFormat": "smart_date"},
        ["order_desc", "x_axis_sort", "x_axis_sort_asc", "x_axis_sort_series_type"]),
    "echarts_timeseries_line": ("oj_lss_utveckling/charts/kommun_jamfort_over_tid.yaml", {
        **_TIMESERIES_SAVED, "x_axis_sort_asc": True, "percentage_threshold": 0, "area": False,
        "opacity": 0.2, "xAxisLabelRotation": 0},
        ["order_desc", "seriesType", "xAxisForceCategorical"]),
}


def _shipped(viz_type: str) -> dict:
    return yaml.safe_load((REPO / "dashboards" / _SAVED_PER_VIZ_TYPE[viz_type][0]).read_text())


def _saved_by_explore(viz_type: str, chart: dict, title: str, **edited: object) -> dict:
    """``chart`` as 6.1's Explore saved a shipped chart of ``viz_type`` renamed to ``title``."""
    _, added, left_out = _SAVED_PER_VIZ_TYPE[viz_type]
    saved = copy.deepcopy(chart)
    saved["slice_name"] = title
    params = {k: v for k, v in saved["params"].items() if k not in left_out}
    saved["params"] = {**params, **_MATRIXIFY_SAVED, **added, **edited, "datasource": "4__table"}
    if viz_type == "country_map":  # the only one with a temporal column and no time filter of its own
        saved["params"]["adhoc_filters"].append({"clause": "WHERE", "subject": "period", "comparator":
                                                 "No filter", "operator": "TEMPORAL_RANGE",
                                                 "expressionType": "SIMPLE"})
    saved["query_context"] = json.dumps({"form_data": saved["params"], "queries": [{"post_processing": []}]})
    return saved


@pytest.mark.parametrize("viz_type", sorted(_SAVED_PER_VIZ_TYPE))
def test_explores_save_of_a_renamed_chart_of_each_shipped_viz_type_pulls_as_the_title_alone(viz_type):
    local = _shipped(viz_type)
    saved = _saved_by_explore(viz_type, local, "Nytt namn")
    assert merge_export(saved, local) == {**local, "slice_name": "Nytt namn"}
    assert fingerprint(saved) == fingerprint({**local, "slice_name": "Nytt namn"})


def test_a_default_value_someone_chose_in_explore_is_kept():
    """Equal to a default of another viz type is no default: a bar's "charts per row" of 3 (a table's)."""
    local = _shipped("echarts_timeseries_bar")
    saved = _saved_by_explore("echarts_timeseries_bar", local, local["slice_name"], forecastPeriods=12,
                              matrixify_charts_per_row=3)
    pulled = merge_export(saved, local)["params"]
    assert (pulled["forecastPeriods"], pulled["matrixify_charts_per_row"]) == (12, 3)
    assert fingerprint(saved) != fingerprint(local)


def test_a_param_explore_keeps_is_not_kept_from_the_file_when_the_save_drops_it():
    """Only what Explore never keeps for the viz type stays: a line chart's own setting removed is an edit."""
    local = _shipped("echarts_timeseries_line")
    saved = _saved_by_explore("echarts_timeseries_line", local, local["slice_name"])
    del saved["params"]["xAxisLabelInterval"]
    pulled = merge_export(saved, local)["params"]
    assert "xAxisLabelInterval" not in pulled
    assert pulled["xAxisForceCategorical"] is True  # left out by every Save of such a chart: kept
    assert fingerprint(saved) != fingerprint(local)
