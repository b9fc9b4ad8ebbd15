"""Validate the asset files before anything reaches Superset (whose importer only says "500").

``validate`` returns a ``Findings`` of ``Problem``s with stable codes, each naming the file and the key:

- ``yaml-syntax``, ``not-a-mapping``: the file cannot be read;
- ``superset-schema``: the target version's ImportV1*Schema rejects the file as rendered for that
  version (``jamfor.superset.sync.versions``): Superset's own schema code when that version is installed here,
  else the keys recorded for it (unknown and missing keys);
- ``unsupported-key``: the target version has no such key and the value would be lost;
- ``missing-uuid``, ``duplicate-uuid``, ``wrong-version``;
- ``unknown-database``, ``unknown-dataset``, ``unknown-chart``: a reference by UUID that resolves to
  nothing (dataset.database_uuid, chart.dataset_uuid, dashboard position meta.uuid, native filter
  targets[].datasetUuid);
- ``unknown-column``, ``unknown-metric``: a chart uses something its dataset does not define, or a
  native filter a column its target dataset lacks;
- ``bad-query-context``, ``missing-query-context``: the chart cannot answer /api/v1/chart/{id}/data/;
- ``sql-failed``, ``missing-column``: with a warehouse, a dataset's SQL fails or lacks a column;
- ``report-*``: a file in reports/ (``jamfor.superset.schedules.definitions.check_schedules``);
- ``role-*``, ``rls-*``: a file in roles/ (``jamfor.superset.access.definitions.check_roles``), including
  an RLS clause naming a column its dataset lacks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from jamfor.errors import Findings
from jamfor.superset.access.definitions import check_columns, check_roles
from jamfor.superset.schedules.definitions import check_schedules
from jamfor.superset.sync.assets import DATABASE_UUID, IMPORT_VERSION, Asset, AssetSet
from jamfor.superset.sync.schemas import check_with_superset, installed_version
from jamfor.superset.sync.versions import SOURCE, SupersetVersion, check_keys, render_with_problems

# Form-data keys whose values name dataset columns, and those naming metrics.
_COLUMN_KEYS = ("groupby", "columns", "all_columns", "x_axis", "series", "entity", "granularity_sqla",
                "all_columns_x", "all_columns_y")
_METRIC_KEYS = ("metrics", "metric", "metric_2", "percent_metrics", "timeseries_limit_metric",
                "secondary_metric", "size", "x", "y", "sort_by_metric")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _metric_refs(value: Any) -> Iterator[tuple[str, str]]:
    """('metric', name) for a saved metric, ('column', name) for a SIMPLE adhoc metric's column."""
    for item in _as_list(value):
        if isinstance(item, str):
            yield "metric", item
        elif isinstance(item, dict) and item.get("expressionType") == "SIMPLE":
            column = item.get("column") or {}
            if isinstance(column, dict) and column.get("column_name"):
                yield "column", column["column_name"]


def _column_refs(value: Any) -> Iterator[str]:
    """Column names used; an adhoc column counts when its SQL is a bare identifier (a column)."""
    for item in _as_list(value):
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and isinstance(item.get("sqlExpression"), str):
            expression = item["sqlExpression"].strip()
            if expression.isidentifier():
                yield expression


def _filter_refs(filters: Any) -> Iterator[str]:
    for item in _as_list(filters):
        if isinstance(item, dict):
            subject = item.get("subject") or item.get("col")
            if isinstance(subject, str):
                yield subject


def chart_references(chart: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(where, 'column' | 'metric', name) for everything a chart's params and query_context use."""
    params = chart.get("params") or {}
    for key in _COLUMN_KEYS:
        for name in _column_refs(params.get(key)):
            yield f"params.{key}", "column", name
    for key in _METRIC_KEYS:
        for kind, name in _metric_refs(params.get(key)):
            yield f"params.{key}", kind, name
    for name in _filter_refs(params.get("adhoc_filters")):
        yield "params.adhoc_filters", "column", name
    try:
        context = json.loads(chart.get("query_context") or "null")
    except ValueError:
        return
    for index, query in enumerate((context or {}).get("queries") or []):
        where = f"query_context.queries[{index}]"
        for name in _column_refs(query.get("columns")):
            yield f"{where}.columns", "column", name
        for kind, name in _metric_refs(query.get("metrics")):
            yield f"{where}.metrics", kind, name
        for name in _filter_refs(query.get("filters")):
            yield f"{where}.filters", "column", name
        for pair in _as_list(query.get("orderby")):
            if isinstance(pair, list) and pair:
                for kind, name in _metric_refs(pair[0]):
                    yield f"{where}.orderby", kind, name


def _check_uuids(assets: AssetSet, findings: Findings) -> None:
    seen: dict[str, str] = {DATABASE_UUID: "databases/jamfor.yaml (rendered)"}
    for asset in [*assets, *assets.reports]:
        if not asset.data.get("uuid"):
            findings.add("missing-uuid", "uuid: every asset needs a fixed uuid", file=asset.source)
            continue
        if asset.uuid in seen:
            findings.add("duplicate-uuid", f"uuid: {asset.uuid} is also used by {seen[asset.uuid]}",
                       file=asset.source)
        seen.setdefault(asset.uuid, asset.source)
        if asset.kind != "report" and str(asset.data.get("version")) != IMPORT_VERSION:
            findings.add("wrong-version", f"version: must be {IMPORT_VERSION}", file=asset.source,
                       value=asset.data.get("version"))


def _dataset_names(dataset: Asset) -> tuple[set[str], set[str]]:
    columns = {c.get("column_name") for c in dataset.data.get("columns") or [] if isinstance(c, dict)}
    metrics = {m.get("metric_name") for m in dataset.data.get("metrics") or [] if isinstance(m, dict)}
    return {c for c in columns if c}, {m for m in metrics if m}


def _check_charts(assets: AssetSet, findings: Findings) -> None:
    datasets = {a.uuid: a for a in assets.of("dataset")}
    for chart in assets.of("chart"):
        dataset = datasets.get(str(chart.data.get("dataset_uuid")))
        if dataset is None:
            findings.add("unknown-dataset", "dataset_uuid: no dataset in datasets/ has this uuid",
                       file=chart.source, value=chart.data.get("dataset_uuid"))
            continue
        context = chart.data.get("query_context")
        if not context:
            findings.add("missing-query-context", "query_context: must be a saved query context (JSON "
                       "string), or the chart data endpoint answers 400", file=chart.source)
        else:
            try:
                parsed = json.loads(context)
                if not isinstance(parsed, dict) or not parsed.get("queries"):
                    raise ValueError("no queries")
            except (TypeError, ValueError) as exc:
                findings.add("bad-query-context", f"query_context: not a query context: {exc}",
                           file=chart.source)
        columns, metrics = _dataset_names(dataset)
        reported = set()
        for where, kind, name in chart_references(chart.data):
            known = columns if kind == "column" else metrics
            if name not in known and (where, name) not in reported:
                reported.add((where, name))
                findings.add(f"unknown-{kind}", f"{where}: {kind} {name!r} is not in {dataset.source}",
                           file=chart.source, value=name)


def _check_dashboards(assets: AssetSet, findings: Findings) -> None:
    charts = {a.uuid for a in assets.of("chart")}
    datasets = {a.uuid: a for a in assets.of("dataset")}
    for dashboard in assets.of("dashboard"):
        position = dashboard.data.get("position") or {}
        for node_id, node in position.items() if isinstance(position, dict) else []:
            if not isinstance(node, dict) or node.get("type") != "CHART":
                continue
            meta = node.get("meta") or {}
            if str(meta.get("uuid")) not in charts:
                findings.add("unknown-chart", f"position.{node_id}.meta.uuid: no chart has this uuid",
                           file=dashboard.source, value=meta.get("uuid"))
            if not isinstance(meta.get("chartId"), int):
                findings.add("superset-schema", f"position.{node_id}.meta.chartId: needs an integer "
                           "placeholder", file=dashboard.source)
        filters = (dashboard.data.get("metadata") or {}).get("native_filter_configuration") or []
        for index, native in enumerate(filters):
            for t_index, target in enumerate(native.get("targets") or []):
                uuid = target.get("datasetUuid")
                if uuid is not None and str(uuid) not in datasets:
                    findings.add("unknown-dataset", f"metadata.native_filter_configuration[{index}]."
                               f"targets[{t_index}].datasetUuid: no dataset has this uuid",
                               file=dashboard.source, value=uuid)
                    continue
                if uuid is not None:
                    _check_filter_columns(native, target, datasets[str(uuid)], findings,
                                          f"metadata.native_filter_configuration[{index}]", dashboard)


def _check_filter_columns(native: dict[str, Any], target: dict[str, Any], dataset: Asset, findings: Findings,
                          where: str, dashboard: Asset) -> None:
    """A filter lists its options from its target dataset's column, narrowed by its own filters: each
    must be a column of that dataset (Superset answers an unknown one with an error in the filter bar)."""
    columns, _ = _dataset_names(dataset)
    used = [("targets.column.name", (target.get("column") or {}).get("name"))]
    used += [(f"adhoc_filters[{i}].subject", f.get("subject"))
             for i, f in enumerate(native.get("adhoc_filters") or [])
             if isinstance(f, dict) and f.get("expressionType") == "SIMPLE"]
    for key, name in used:
        if name is not None and name not in columns:
            findings.add("unknown-column", f"{where}.{key}: column {name!r} is not in {dataset.source}",
                       file=dashboard.source, value=name)


def _check_datasets(assets: AssetSet, findings: Findings, engine: Engine | None) -> None:
    for dataset in assets.of("dataset"):
        if str(dataset.data.get("database_uuid")) != DATABASE_UUID:
            findings.add("unknown-database", f"database_uuid: must be the jamfor database {DATABASE_UUID}",
                       file=dataset.source, value=dataset.data.get("database_uuid"))
        if engine is not None:
            _check_sql(dataset, findings, engine)


def _source_sql(dataset: Asset, engine: Engine) -> str | None:
    sql = dataset.data.get("sql")
    if sql:
        if "{{" in sql or "{%" in sql:
            return None  # Jinja: only Superset can render it
        return f"({sql.strip().rstrip(';')}) AS jamfor_check"
    table = dataset.data.get("table_name", "")
    schema = dataset.data.get("schema")
    prep = engine.dialect.identifier_preparer
    return (f"{prep.quote(schema)}." if schema else "") + prep.quote(table)


def _check_sql(dataset: Asset, findings: Findings, engine: Engine) -> None:
    """Run the dataset's SQL (no rows) and every column and metric expression against the warehouse."""
    source = _source_sql(dataset, engine)
    if source is None:
        return
    try:
        with engine.connect() as conn:
            returned = set(conn.execute(text(f"SELECT * FROM {source} WHERE 1=0")).keys())
    except Exception as exc:  # the warehouse's own words help most; they name no credentials
        findings.add("sql-failed", f"sql: the dataset's query fails on the warehouse: {_first_line(exc)}",
                   file=dataset.source)
        return
    for column in dataset.data.get("columns") or []:
        name, expression = column.get("column_name"), column.get("expression")
        if expression:
            _try(engine, f"SELECT {expression} FROM {source} WHERE 1=0", findings, dataset,
                 f"columns[{name}].expression")
        elif name not in returned:
            findings.add("missing-column", f"columns: {name!r} is not returned by the dataset's table or SQL",
                       file=dataset.source, value=name)
    for metric in dataset.data.get("metrics") or []:
        _try(engine, f"SELECT {metric.get('expression')} FROM {source} WHERE 1=0", findings, dataset,
             f"metrics[{metric.get('metric_name')}].expression")


def _try(engine: Engine, sql: str, findings: Findings, dataset: Asset, where: str) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    except Exception as exc:
        findings.add("sql-failed", f"{where}: fails on the warehouse: {_first_line(exc)}",
                     file=dataset.source)


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0][:300] if message.strip() else type(exc).__name__


def schema_target(target: SupersetVersion | None = None) -> SupersetVersion:
    """The version files are checked for: ``target``, else the Superset installed here, else 6.1."""
    return target or installed_version() or SOURCE


def _check_schemas(assets: AssetSet, findings: Findings, target: SupersetVersion,
                   superset_code: bool) -> None:
    """Render every file for ``target`` and check it with that version's import schemas: Superset's own
    code when ``superset_code`` and that version is installed here, else the keys recorded for it."""
    rendered = []
    for asset in assets:
        data, lost = render_with_problems(asset.kind, asset.data, target, asset.source)
        findings.problems.extend(lost)
        rendered.append((asset.source, asset.kind, data))
    installed = installed_version()
    if superset_code and installed is not None and installed.tested == target.tested:
        findings.problems.extend(check_with_superset(rendered) or [])
        return
    for source, kind, data in rendered:
        findings.problems.extend(check_keys(kind, data, target, source))


def validate(assets: AssetSet, engine: Engine | None = None, superset_schemas: bool = True,
             target: SupersetVersion | None = None) -> Findings:
    """Every problem in the asset files, as ``target``'s importer would see them (see ``schema_target``);
    the warehouse checks run only when ``engine`` is given. ``superset_schemas=False`` skips running
    Superset's own schema code (seconds) and checks the recorded keys only."""
    findings = Findings(list(assets.problems))
    _check_schemas(assets, findings, schema_target(target), superset_schemas)
    _check_uuids(assets, findings)
    _check_datasets(assets, findings, engine)
    _check_charts(assets, findings)
    _check_dashboards(assets, findings)
    kinds = {DATABASE_UUID: "database", **{a.uuid: a.kind for a in assets}}
    check_schedules(assets.reports, kinds, findings)
    check_roles(assets.roles, kinds, findings)
    check_columns(assets.roles, {a.uuid: _dataset_names(a)[0] for a in assets.of("dataset")}, findings)
    return findings
