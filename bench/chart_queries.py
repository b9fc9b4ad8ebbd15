"""The SQL the shipped ÖJ charts and native filters send, rebuilt from their YAML without Superset.

Each chart's saved ``query_context`` gives columns, metrics, filters and row limit; the dataset YAML
gives the metric and calculated-column expressions and the table or virtual SQL. The statement is
shaped as Superset shapes it (``SELECT … FROM (dataset SQL) AS virtual_table WHERE … GROUP BY …
ORDER BY … LIMIT``), without the time-grain function on a temporal x-axis. Native filter option
lists are ``SELECT column … WHERE <the filter's own filters> GROUP BY column ORDER BY column LIMIT
1000`` on their target dataset, as Superset asks for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
OJ_DATASETS = ("indicator_comparison", "kommun_ranking", "data_sources", "indicator_values",
               "indicator_years", "areas_with_values")


def _datasets() -> dict[str, dict]:
    out = {}
    for path in sorted((ROOT / "datasets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        out[data["uuid"]] = data
    return out


def _quote(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _column(dataset: dict, name: str) -> str:
    for column in dataset.get("columns") or []:
        if column["column_name"] == name and column.get("expression"):
            return f"({column['expression']})"
    return name


def _metric(dataset: dict, metric: object) -> str:
    if isinstance(metric, dict):
        if metric.get("expressionType") == "SQL":
            return metric["sqlExpression"]
        return f"{metric['aggregate']}({metric['column']['column_name']})"
    for m in dataset.get("metrics") or []:
        if m["metric_name"] == metric:
            return m["expression"]
    raise KeyError(metric)


def _filter(dataset: dict, f: dict) -> str | None:
    column, op, value = _column(dataset, f["col"]), f["op"], f.get("val")
    if op == "TEMPORAL_RANGE":
        return None
    if op in ("IN", "NOT IN"):
        return f"{column} {op} ({', '.join(_quote(v) for v in value)})"
    if op in ("IS NOT NULL", "IS NULL"):
        return f"{column} {op}"
    return f"{column} {'=' if op == '==' else op} {_quote(value)}"


def _source(dataset: dict) -> str:
    if dataset.get("sql"):
        return f"({dataset['sql'].rstrip().rstrip(';')}) AS virtual_table"
    return dataset["table_name"]


def _chart_sql(dataset: dict, query: dict) -> str:
    # An adhoc column's SQL may be a calculated column's name, which Superset expands as a saved one.
    columns = [_column(dataset, c.get("sqlExpression") or c.get("label") if isinstance(c, dict) else c)
               for c in query.get("columns") or []]
    metrics = [_metric(dataset, m) for m in query.get("metrics") or []]
    where = [w for w in (_filter(dataset, f) for f in query.get("filters") or []) if w]
    if (query.get("extras") or {}).get("where"):
        where.append(f"({query['extras']['where']})")
    sql = f"SELECT {', '.join(columns + metrics) or '1'} FROM {_source(dataset)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if columns and metrics:
        sql += " GROUP BY " + ", ".join(columns)
    if metrics:
        sql += f" ORDER BY {metrics[0]} DESC"
    return sql + f" LIMIT {int(query.get('row_limit') or 10000)}"


def chart_queries() -> list[tuple[str, str]]:
    """(name, SQL) for every chart and native filter on the ÖJ datasets, in a stable order."""
    datasets = _datasets()
    out = []
    for path in sorted((ROOT / "dashboards").glob("*/charts/*.yaml")):
        chart = yaml.safe_load(path.read_text())
        dataset = datasets[chart["dataset_uuid"]]
        if dataset["table_name"] not in OJ_DATASETS:
            continue
        query = json.loads(chart["query_context"])["queries"][0]
        out.append((f"{path.parent.parent.name}/{path.stem}", _chart_sql(dataset, query)))
    for path in sorted((ROOT / "dashboards").glob("*/dashboard.yaml")):
        config = (yaml.safe_load(path.read_text()).get("metadata") or {}).get(
            "native_filter_configuration") or []
        for native in config:
            for target in native.get("targets") or []:
                dataset = datasets.get(target.get("datasetUuid"))
                if dataset is None or dataset["table_name"] not in OJ_DATASETS:
                    continue
                column = _column(dataset, target["column"]["name"])
                where = [_filter(dataset, {"col": f["subject"], "op": f["operator"],
                                           "val": f["comparator"]})
                         for f in native.get("adhoc_filters") or [] if f.get("expressionType") == "SIMPLE"]
                condition = f" WHERE {' AND '.join(where)}" if where else ""
                out.append((f"{path.parent.name}/filter {native['name']}",
                            f"SELECT {column} FROM {_source(dataset)}{condition} GROUP BY {column} "
                            f"ORDER BY {column} LIMIT 1000"))
    return out


def uses_index(conn: Connection, sql: str) -> bool:
    """Whether the plan reads a table through an index (EXPLAIN; SQLite's QUERY PLAN)."""
    if conn.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        return "INDEX" in plan or "PRIMARY KEY" in plan
    plan = " ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    return "Index" in plan
