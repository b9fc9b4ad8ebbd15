"""Turn what Superset exports back into what the repository keeps, so a UI edit is a clean git diff.

An export differs from our files in ways that mean nothing: export defaults (``extra: null``,
``offset: 0`` …), instance ids (``chartId``, ``params.datasource`` "7__table", the query context's
datasource id), the marks ``stamp.Stamp`` adds (managed externally, certification), key and list
order. ``merge_export`` removes all of that. Given the repository's version of the file (``local``) it
keeps the local value wherever the meaning is the same, so unchanged parts stay byte-identical.
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
# Export defaults that are not falsy (falsy ones are dropped anyway when the repository omits them).
_TRUE_DEFAULTS = {"is_active", "filterable", "groupby", "filter_select_enabled", "expose_in_sqllab"}
_MISSING = object()


def _is_default(name: str, value: Any) -> bool:
    if name in _TRUE_DEFAULTS:
        return value is True
    return value is None or value is False or value == 0 or value in ("", "{}", [], {})


def _merge(remote: Any, local: Any, key: str | None = None) -> Any:
    """``remote`` with defaults and instance ids dropped, and ``local``'s value kept where equal."""
    if isinstance(remote, dict):
        base = local if isinstance(local, dict) else {}
        merged = {}
        for name, value in remote.items():
            mine = base.get(name, _MISSING)
            if name in _INSTANCE_KEYS:
                if mine is not _MISSING:
                    merged[name] = copy.deepcopy(mine)
                continue
            if mine is _MISSING and _is_default(name, value):
                continue
            if name == "query_context" and isinstance(value, str):
                merged[name] = _merge_query_context(value, mine if isinstance(mine, str) else None)
                continue
            value = _merge(value, None if mine is _MISSING else mine, name)
            if mine is _MISSING and _is_default(name, value):  # emptied by the merge: the same default
                continue
            merged[name] = value
        for name, value in base.items():  # defaults the repository spells out and the export omits
            if name not in remote and name not in _INSTANCE_KEYS and _is_default(name, value):
                merged[name] = copy.deepcopy(value)
        return merged
    # A chart's params also have "metrics": ad-hoc metrics without a metric_name; they stay in order.
    if isinstance(remote, list) and key in _IDENTITY and all(
            isinstance(i, dict) and _IDENTITY[key] in i for i in remote):
        return _merge_by_identity(remote, local if isinstance(local, list) else [], _IDENTITY[key])
    if isinstance(remote, list):
        mine = local if isinstance(local, list) and len(local) == len(remote) else [None] * len(remote)
        return [_merge(r, m) for r, m in zip(remote, mine)]
    if isinstance(remote, str) and isinstance(local, (dict, list)):
        try:  # Superset exports some mappings (a column's ``extra``) as JSON text
            return _merge(json.loads(remote), local, key)
        except ValueError:
            return remote
    if local is not None and remote == local:
        return local
    return remote


def _merge_by_identity(remote: list[dict[str, Any]], local: list[Any], identity: str) -> list[Any]:
    """Items matched by name; local order first, items new in Superset after them, sorted by name."""
    mine = {i.get(identity): i for i in local if isinstance(i, dict)}
    theirs = {i.get(identity): i for i in remote}
    order = [name for name in mine if name in theirs]
    order += sorted((name for name in theirs if name not in mine), key=str)
    return [_merge(theirs[name], mine.get(name)) for name in order]


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
        clean["metadata"] = _filter_scopes(clean, local)
        clean["position"] = _position(clean["position"], (local or {}).get("position"))
    return _merge(clean, local)


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


def fingerprint(data: dict[str, Any]) -> str:
    """A short digest of an asset's meaning: equal for an import and its unchanged re-export."""
    text = json.dumps(merge_export(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
