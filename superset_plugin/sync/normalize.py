"""Turn what Superset exports back into what the repository keeps, so a UI edit is a clean git diff.

An export differs from our files in ways that mean nothing: export defaults (``extra: null``,
``offset: 0`` …), instance ids (``chartId``, ``params.datasource`` "7__table", the query context's
datasource id), the marks ``stamp.Stamp`` adds (managed externally, certification), key and list
order. ``merge_export`` removes all of that. Given the repository's version of the file (``local``) it
keeps the local value wherever the meaning is the same, so unchanged parts stay byte-identical.

A save in Superset's UI adds more that means nothing: Explore's Save stores every control's default in
a chart's params (each viz type has its own controls and defaults; and a new query context derived from
them), a dashboard's Save writes the default cross-filter settings, and the native filter dialog's Save
each filter's default controls. Those are dropped where the file
has no such key. Explore's Save also leaves out params of the file that it keeps for no chart of that
type; the file keeps those. So a UI edit is exactly its own lines.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

STAMP_KEYS = ("is_managed_externally", "external_url", "certified_by", "certification_details")
# Instance-specific keys: the local value wins; without a local file they are dropped.
_INSTANCE_KEYS = {"datasource", "dashboards", "slice_id", "datasetId", "tabsInScope", "type_generic"}
_IDENTITY = {"columns": "column_name", "metrics": "metric_name",
             "native_filter_configuration": "id"}
# What Superset derives and stores alongside: a chart's temporal columns (from its dataset), a filter's or
# cross-filter's charts in scope (from its scope and the layout). Dropped where the file's own version
# of the same mapping has none (an adopted asset, without a file yet, keeps them).
_DERIVED_KEYS = {"temporal_columns_lookup", "chartsInScope"}
# Export defaults that are not falsy (falsy ones are dropped anyway when the repository omits them).
_TRUE_DEFAULTS = {"is_active", "filterable", "groupby", "filter_select_enabled", "expose_in_sqllab"}
# Values Superset 6.1 saves for an untouched control or setting: the matrixify controls every chart has,
# a dashboard's cross filters (on unless off) and a select filter's "Allow creation of new values" (the
# filter merges its controlValues over defaults with it on), which the "Add or edit filters" dialog's Save
# writes.
_UI_DEFAULTS: dict[str, Any] = {
    "matrixify_all_sort_by_columns": "a_to_z", "matrixify_all_sort_by_rows": "a_to_z",
    "matrixify_dimension_selection_mode_columns": "members",
    "matrixify_dimension_selection_mode_rows": "members", "matrixify_fit_columns_dynamically": True,
    "matrixify_mode_columns": "disabled", "matrixify_mode_rows": "disabled", "matrixify_row_height": 300,
    "matrixify_show_column_headers": True, "matrixify_show_row_labels": True,
    "matrixify_topn_order_columns": True, "matrixify_topn_order_rows": True,
    "matrixify_topn_value_columns": 10, "matrixify_topn_value_rows": 10,
    "cross_filters_enabled": True, "creatable": True,
}
# Per viz type, the non-falsy control defaults 6.1's Explore saves besides those, recorded by renaming one
# shipped chart of each type with Save (overwrite) (tests/unit/test_merge.py replays the saves). They
# differ between types: "Charts per row" is 3 on a table and 4 elsewhere.
_ECHARTS_TIMESERIES = {"forecastInterval": 0.8, "forecastPeriods": 10, "showTooltipTotal": True,
                       "sort_series_type": "sum", "time_shift_color": True, "truncateXAxis": True,
                       "x_axis_number_format": "~g", "x_axis_time_format": "smart_date"}
_VIZ_DEFAULTS: dict[str, dict[str, Any]] = {
    "table": {"allow_render_html": True, "color_pn": True, "comparison_color_scheme": "Green",
              "comparison_type": "values", "order_desc": True, "percent_metric_calculation": "row_limit",
              "server_page_length": 10, "show_cell_bars": True, "table_timestamp_format": "smart_date",
              "matrixify_charts_per_row": 3},
    "big_number": {"aggregation": "LAST_VALUE", "metric_name_font_size": 0.15, "subtitle_font_size": 0.15,
                   "matrixify_charts_per_row": 4},
    "big_number_total": {"metric_name_font_size": 0.15, "matrixify_charts_per_row": 4},
    "country_map": {"matrixify_charts_per_row": 4},
    "echarts_timeseries_bar": {**_ECHARTS_TIMESERIES, "tooltipTimeFormat": "smart_date",
                               "xAxisLabelInterval": "auto", "matrixify_charts_per_row": 4},
    "echarts_timeseries_line": {**_ECHARTS_TIMESERIES, "opacity": 0.2, "x_axis_sort_asc": True,
                                "matrixify_charts_per_row": 4},
}
# Per viz type, params our files set that 6.1's Explore does not keep for such a chart (no control of
# that type, or a control it hides for the chart's settings: the sort order and a sort by x axis beside
# a series, a categorical switch on a text axis). Every Save leaves them out, so their absence is no
# edit: the file's value stays, and they do not count in a fingerprint. The cost: on a chart whose
# settings show such a control (a line chart on a numeric axis) pull writes a change of it, but plan
# does not count that change alone.
_NOT_KEPT_BY_EXPLORE: dict[str, frozenset[str]] = {
    "big_number": frozenset({"row_limit"}),
    "big_number_total": frozenset({"row_limit", "subheader_font_size"}),
    "country_map": frozenset({"row_limit"}),
    "echarts_timeseries_bar": frozenset({"order_desc", "x_axis_sort", "x_axis_sort_asc",
                                         "x_axis_sort_series_type"}),
    "echarts_timeseries_line": frozenset({"order_desc", "seriesType", "xAxisForceCategorical"}),
}
# Explore's time filter on a dataset's main temporal column when nobody chose a range: no filter at all.
_NO_TIME_FILTER = {"operator": "TEMPORAL_RANGE", "comparator": "No filter"}
_MISSING = object()


def _viz_type(data: dict[str, Any]) -> str | None:
    """A chart's viz type (its params repeat it); None for other assets."""
    params = data.get("params")
    viz = data.get("viz_type") or (params.get("viz_type") if isinstance(params, dict) else None)
    return viz if isinstance(viz, str) else None


def _is_default(name: str, value: Any, viz: str | None = None) -> bool:
    if name in _TRUE_DEFAULTS:
        return value is True
    defaults = _VIZ_DEFAULTS.get(viz or "", {})
    if name in defaults:
        return bool(value == defaults[name])
    if name in _UI_DEFAULTS:  # false is no default there: cross_filters_enabled false switches them off
        return bool(value == _UI_DEFAULTS[name])
    return value is None or value is False or value == 0 or value in ("", "{}", [], {})


def _merge(remote: Any, local: Any, key: str | None = None, viz: str | None = None) -> Any:
    """``remote`` with defaults and instance ids dropped, and ``local``'s value kept where equal;
    ``viz`` is the chart's viz type (its Explore's defaults, what its Explore does not keep)."""
    if isinstance(remote, dict):
        base = local if isinstance(local, dict) else {}
        file_has_it = isinstance(local, dict)  # the file's own version of this mapping: no derived keys
        merged = {}
        for name, value in remote.items():
            mine = base.get(name, _MISSING)
            if name in _INSTANCE_KEYS:
                if mine is not _MISSING:
                    merged[name] = copy.deepcopy(mine)
                continue
            if mine is _MISSING and (_is_default(name, value, viz)
                                     or (name in _DERIVED_KEYS and file_has_it)):
                continue
            if name == "query_context" and isinstance(value, str):
                merged[name] = _merge_query_context(value, mine if isinstance(mine, str) else None)
                continue
            value = _merge(value, None if mine is _MISSING else mine, name, viz)
            if mine is _MISSING and _is_default(name, value, viz):  # emptied by the merge: the same default
                continue
            merged[name] = value
        not_kept = _NOT_KEPT_BY_EXPLORE.get(viz or "", frozenset())
        for name, value in base.items():  # defaults the repository spells out and the export omits
            if name not in remote and name not in _INSTANCE_KEYS and (
                    _is_default(name, value, viz) or name in not_kept):
                merged[name] = copy.deepcopy(value)
        return merged
    # A chart's params also have "metrics": ad-hoc metrics without a metric_name; they stay in order.
    if isinstance(remote, list) and key in _IDENTITY and all(
            isinstance(i, dict) and _IDENTITY[key] in i for i in remote):
        return _merge_by_identity(remote, local if isinstance(local, list) else [], _IDENTITY[key], viz)
    if isinstance(remote, list) and key == "adhoc_filters" and not any(map(_no_time_filter, local or [])):
        remote = [f for f in remote if not _no_time_filter(f)]
    if isinstance(remote, list):
        mine = local if isinstance(local, list) and len(local) == len(remote) else [None] * len(remote)
        return [_merge(r, m, viz=viz) for r, m in zip(remote, mine)]
    if isinstance(remote, str) and isinstance(local, (dict, list)):
        try:  # Superset exports some mappings (a column's ``extra``) as JSON text
            return _merge(json.loads(remote), local, key, viz)
        except ValueError:
            return remote
    if local is not None and remote == local:
        return local
    return remote


def _no_time_filter(adhoc: Any) -> bool:
    return isinstance(adhoc, dict) and all(adhoc.get(k) == v for k, v in _NO_TIME_FILTER.items())


def _merge_by_identity(remote: list[dict[str, Any]], local: list[Any], identity: str,
                       viz: str | None) -> list[Any]:
    """Items matched by name; local order first, items new in Superset after them, sorted by name."""
    mine = {i.get(identity): i for i in local if isinstance(i, dict)}
    theirs = {i.get(identity): i for i in remote}
    order = [name for name in mine if name in theirs]
    order += sorted((name for name in theirs if name not in mine), key=str)
    return [_merge(theirs[name], mine.get(name), viz=viz) for name in order]


def _merge_query_context(remote: str, local: str | None) -> str:
    try:
        theirs = json.loads(remote)
    except ValueError:
        return remote
    try:
        mine = json.loads(local) if local else None
    except ValueError:
        mine = None
    merged = _strip_context(theirs, mine)
    if mine is not None and merged == _strip_context(mine, mine):
        return local  # type: ignore[return-value]
    return json.dumps(merged, ensure_ascii=False, sort_keys=True)


def _strip_context(context: Any, local: Any) -> Any:
    """The query context without instance ids (local ones kept), defaults left as Superset wrote them."""
    if isinstance(context, dict):
        base = local if isinstance(local, dict) else {}
        out = {}
        for name, value in context.items():
            if name in _INSTANCE_KEYS:
                if name in base:
                    out[name] = base[name]
                continue
            out[name] = _strip_context(value, base.get(name))
        return out
    if isinstance(context, list):
        mine = local if isinstance(local, list) and len(local) == len(context) else [None] * len(context)
        return [_strip_context(c, m) for c, m in zip(context, mine)]
    return context


def merge_export(data: dict[str, Any], local: dict[str, Any] | None = None) -> dict[str, Any]:
    """An exported (or stamped) asset as the repository keeps it; see the module docstring."""
    clean = {k: v for k, v in data.items() if k not in STAMP_KEYS}
    for key in STAMP_KEYS:  # the repository's own (unstamped) value, if its file has the key at all
        if local is not None and key in local:
            clean[key] = local[key]
    if isinstance(clean.get("position"), dict):
        clean["metadata"] = _without_default_cross_filters(_filter_scopes(clean, local),
                                                           (local or {}).get("metadata"))
        clean["position"] = _position(clean["position"], (local or {}).get("position"))
    merged = _merge(clean, local, viz=_viz_type(data))
    mine = local or {}
    if "query_context" in mine and "query_context" in merged and merged.get("params") == mine.get("params"):
        merged["query_context"] = mine["query_context"]  # derived from params, which mean the same
    return merged


def _without_default_cross_filters(metadata: Any, local: Any) -> Any:
    """A dashboard's metadata without the cross-filter settings a UI save writes when nobody set them
    (a chart cross-filtering the whole dashboard, the global scope being the whole dashboard), unless
    the file has them."""
    if not isinstance(metadata, dict):
        return metadata
    mine = local if isinstance(local, dict) else {}
    out = dict(metadata)
    if "global_chart_configuration" not in mine and _whole_dashboard(out.get("global_chart_configuration")):
        del out["global_chart_configuration"]
    configurations = out.get("chart_configuration")
    if isinstance(configurations, dict):
        kept = mine.get("chart_configuration") or {}
        out["chart_configuration"] = {key: entry for key, entry in configurations.items()
                                      if key in kept or not _global_cross_filter(entry)}
    return out


def _whole_dashboard(settings: Any) -> bool:
    """Whether a cross-filter scope is the whole dashboard: Superset's default, which a save spells out."""
    scope = settings.get("scope") if isinstance(settings, dict) else None
    if not isinstance(scope, dict):
        return False
    return not scope.get("excluded") and scope.get("rootPath", ["ROOT_ID"]) == ["ROOT_ID"]


def _global_cross_filter(entry: Any) -> bool:
    return isinstance(entry, dict) and (entry.get("crossFilters") or {}).get("scope") == "global"


def _chart_ids(position: Any) -> dict[Any, str]:
    """chartId -> chart UUID for the chart nodes of a dashboard position."""
    found = {}
    for node in (position or {}).values() if isinstance(position, dict) else []:
        meta = node.get("meta") if isinstance(node, dict) and node.get("type") == "CHART" else None
        if isinstance(meta, dict) and "chartId" in meta and meta.get("uuid"):
            found[meta["chartId"]] = str(meta["uuid"])
    return found


def _filter_scopes(dashboard: dict[str, Any], local: dict[str, Any] | None) -> Any:
    """Native filters and cross-filter settings name charts by instance id (scope.excluded,
    chartsInScope, chart_configuration's keys and ids): translate them through the position to UUIDs,
    and with a local file on to its placeholder chartIds (order as local). Superset's importer maps
    only some of them to the new instance's ids, so without this a dashboard built in one Superset and
    promoted to another would never compare equal."""
    metadata = copy.deepcopy(dashboard.get("metadata"))
    if not isinstance(metadata, dict):
        return metadata
    to_uuid = _chart_ids(dashboard.get("position"))
    mine = _chart_ids((local or {}).get("position"))
    to_local = {uuid: chart_id for chart_id, uuid in mine.items()}
    local_filters = {f.get("id"): f for f in ((local or {}).get("metadata") or {}).get(
        "native_filter_configuration") or [] if isinstance(f, dict)}

    def translate(ids: Any, previous: Any) -> Any:
        if not isinstance(ids, list):
            return ids
        uuids = [to_uuid.get(i, str(i)) for i in ids]
        if local is None:
            return sorted(uuids)
        out = [to_local.get(u, u) for u in uuids]
        if isinstance(previous, list) and sorted(map(str, previous)) == sorted(map(str, out)):
            return previous
        return out

    def one(chart_id: Any) -> Any:
        uuid = to_uuid.get(int(chart_id)) if str(chart_id).isdigit() else None
        if uuid is None:
            return chart_id
        return uuid if local is None else to_local.get(uuid, uuid)

    def scoped(settings: Any, previous: Any) -> None:
        """chartsInScope and scope.excluded of one cross-filter setting, in place."""
        if not isinstance(settings, dict):
            return
        before = previous if isinstance(previous, dict) else {}
        if "chartsInScope" in settings:
            settings["chartsInScope"] = translate(settings["chartsInScope"], before.get("chartsInScope"))
        if isinstance(settings.get("scope"), dict) and "excluded" in settings["scope"]:
            settings["scope"]["excluded"] = translate(settings["scope"]["excluded"],
                                                      (before.get("scope") or {}).get("excluded"))

    local_metadata = (local or {}).get("metadata") or {}
    scoped(metadata.get("global_chart_configuration"), local_metadata.get("global_chart_configuration"))
    configurations = metadata.get("chart_configuration")
    if isinstance(configurations, dict):
        before_configurations = local_metadata.get("chart_configuration") or {}
        renamed = {}
        for key, entry in configurations.items():
            new_key = str(one(key))
            if isinstance(entry, dict):
                if "id" in entry:
                    entry["id"] = one(entry["id"])
                previous = before_configurations.get(new_key) or {}
                scoped(entry.get("crossFilters"), previous.get("crossFilters"))
            renamed[new_key] = entry
        metadata["chart_configuration"] = renamed

    for native in metadata.get("native_filter_configuration") or []:
        if not isinstance(native, dict):
            continue
        before = local_filters.get(native.get("id")) or {}
        if isinstance(native.get("scope"), dict) and "excluded" in native["scope"]:
            native["scope"]["excluded"] = translate(native["scope"]["excluded"],
                                                    (before.get("scope") or {}).get("excluded"))
        if "chartsInScope" in native:
            native["chartsInScope"] = translate(native["chartsInScope"], before.get("chartsInScope"))
    return metadata


def _position(position: dict[str, Any], local: Any) -> dict[str, Any]:
    """Chart nodes keep the local placeholder chartId; a chart new to the repository gets the next free
    placeholder (without a local file every chartId becomes 0, which the comparison then ignores)."""
    mine = local if isinstance(local, dict) else {}
    out = copy.deepcopy(position)
    nodes = [(node_id, node) for node_id, node in sorted(out.items())
             if isinstance(node, dict) and node.get("type") == "CHART" and isinstance(node.get("meta"), dict)]
    kept = {node_id: ((mine.get(node_id) or {}).get("meta") or {}).get("chartId") for node_id, _ in nodes}
    next_free = max([i for i in kept.values() if isinstance(i, int)], default=0) + 1
    for node_id, node in nodes:
        if isinstance(kept[node_id], int):
            node["meta"]["chartId"] = kept[node_id]
        elif local is None:
            node["meta"]["chartId"] = 0
        else:
            node["meta"]["chartId"] = next_free
            next_free += 1
    return out


def _without_derived(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_derived(v) for k, v in value.items() if k not in _DERIVED_KEYS}
    if isinstance(value, list):
        return [_without_derived(v) for v in value]
    return value


def fingerprint(data: dict[str, Any]) -> str:
    """A short digest of an asset's meaning: equal for an import and its unchanged re-export.

    A chart's query context counts only as present or not: Superset derives it from the params (which
    count), and Explore's Save rewrites it with every default spelled out. What Superset derives by
    itself (``_DERIVED_KEYS``) does not count either, nor do params Explore never keeps for the chart's
    viz type (``_NOT_KEPT_BY_EXPLORE``): a Save leaves them out, and the file keeps them."""
    meaning = _without_derived(merge_export(data))
    not_kept = _NOT_KEPT_BY_EXPLORE.get(_viz_type(data) or "", frozenset())
    if isinstance(meaning.get("params"), dict):
        meaning["params"] = {k: v for k, v in meaning["params"].items() if k not in not_kept}
    if "query_context" in meaning:
        meaning["query_context"] = bool(meaning["query_context"])
    text = json.dumps(meaning, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
