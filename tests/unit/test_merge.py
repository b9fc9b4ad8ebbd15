"""merge_export: Superset's export of an asset back into the file the repository keeps."""

from __future__ import annotations

import copy

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
