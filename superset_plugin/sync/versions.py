"""Which Superset we talk to, and the asset files as that version's importer takes them.

datasets/ and dashboards/ are kept in one format: what Superset 6.1 imports and exports. Older lines
reject keys added since (their import schemas refuse unknown keys) and spell a few values differently,
so every file is *rendered* for the target version on the way in (``render``) and every export is *read*
back into the one format on the way out (``read_export``): a ``pull`` from 4.1 writes the same files a
6.1 pull would. What each version's importer accepts is recorded, per tested release, in
``superset_keys/<release>.json`` — the fields of its ImportV1*Schema classes, written by
``python -m jamfor.superset.sync.schemas --describe`` inside that Superset — so
``validate --superset-version``
needs no Superset installed.

The differences, as read in each release's own code (see README, "Superset versions"):

* 6.0 added dataset ``folders``, dashboard ``theme_uuid``/``theme_id`` and ``tags`` on charts and
  dashboards (presentation only: dropped for older versions), and made a metric's ``currency`` an object
  ``{symbol, symbolPosition}`` where 4.1 and 5.0 keep JSON text.
* 6.1 added ``currency_code_column``, ``source_db_engine``, ``data_file`` on datasets and
  ``datetime_format`` on columns (dropped when empty; a value older versions cannot hold is a problem).
* Before 6.0 the chart, dataset and dashboard list endpoints return ``uuid`` but cannot filter on it:
  objects are found by listing (``filters_by_uuid``).
* Before 6.0 an ECharts timeseries chart with several metrics or a group-by orders its bars in the
  browser by ``x_axis_sort_series`` / ``x_axis_sort_series_ascending`` (the dashboard fills in the
  control's default, by name ascending: a horizontal ranking drawn bottom-up), not by ``x_axis_sort`` /
  ``x_axis_sort_asc``; 6.0's migration 378cecfdba9f merged the pair into these. Rendered for 4.1 and 5.0,
  such a chart carries both pairs, equal (``x_axis_sort`` still orders the query); read back, the series
  pair goes into ``x_axis_sort`` as that migration does.
* Before 6.1 a horizontal bar chart leaves 20 px right of its value axis, where a bar's value label at
  the axis' end does not fit ("100" drawn as "10"); 6.1 leaves 70 px. Rendered for 4.1 to 6.0, a fixed
  axis maximum of such a chart with value labels is a tenth larger (``LABEL_ROOM``); read back, it is
  divided again.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib.resources import files
from typing import Any

from jamfor.errors import JamforError, Problem

# The release tested for each supported line (major.minor); the last is the format the files are in.
TESTED = {"4.1": "4.1.4", "5.0": "5.0.0", "6.0": "6.0.0", "6.1": "6.1.0"}
SOURCE_VERSION = TESTED["6.1"]
# Keys that only change how Superset presents an asset: an older version simply goes without them.
_PRESENTATION = {("dataset", "folders"), ("dashboard", "theme_uuid"), ("dashboard", "theme_id"),
                 ("dashboard", "tags"), ("chart", "tags")}
_EMPTY: tuple[Any, ...] = (None, "", [], {})


class UnsupportedVersion(JamforError):
    """The Superset answering is of a line jamfor does not support (or did not say its version)."""

    def __init__(self, version: str | None) -> None:
        self.version = version
        seen = f"Superset {version}" if version else "a Superset that does not report its version"
        super().__init__(f"{seen} is not supported: jamfor works with Superset "
                         f"{', '.join(TESTED)} (tested on {', '.join(TESTED.values())})")


@dataclass(frozen=True)
class SupersetVersion:
    """One supported Superset: the release it reports and the tested release of its line."""

    release: str
    tested: str

    @property
    def line(self) -> tuple[int, int]:
        major, minor = self.tested.split(".")[:2]
        return int(major), int(minor)

    @property
    def filters_by_uuid(self) -> bool:
        """The list endpoints of charts, datasets and dashboards accept a filter on ``uuid`` (6.0+)."""
        return self.line >= (6, 0)

    @property
    def schemas(self) -> dict[str, Any]:
        return import_schemas(self.tested)

    def __str__(self) -> str:
        return self.release


def supported(release: str | None) -> SupersetVersion:
    """The supported version for ``release`` ("5.0.0", "6.0.1" …), else ``UnsupportedVersion``."""
    parts = (release or "").strip().split(".")
    line = ".".join(parts[:2])
    if len(parts) < 2 or line not in TESTED:
        raise UnsupportedVersion(release)
    return SupersetVersion(release.strip(), TESTED[line])  # type: ignore[union-attr]


SOURCE = supported(SOURCE_VERSION)


@cache
def import_schemas(tested: str) -> dict[str, Any]:
    """{kind: {field: description}} of the import schemas of one tested release."""
    text = (files("jamfor.superset") / "superset_keys" / f"{tested}.json").read_text(encoding="utf-8")
    return json.loads(text)


# --- rendering for a version, reading back from it ------------------------------------------------

def _nested(description: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of a nested schema, or of the nested items of a list."""
    inner = description.get("items", description)
    return inner.get("fields")


def _render(value: dict[str, Any], fields: dict[str, Any], kind: str, where: str,
            problems: list[Problem], source: str) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        described = fields.get(key)
        if described is None:
            if item not in _EMPTY and (kind, key) not in _PRESENTATION:
                problems.append(Problem("unsupported-key", f"{where}{key}: this Superset version has no "
                                        "such key; the value would be lost", file=source))
            continue
        nested = _nested(described)
        if key == "currency" and isinstance(item, dict) and described["type"] == "String":
            out[key] = json.dumps(item, sort_keys=True)  # before 6.0: JSON text
        elif nested is not None and isinstance(item, dict):
            out[key] = _render(item, nested, kind, f"{where}{key}.", problems, source)
        elif nested is not None and isinstance(item, list) and "items" in described:
            out[key] = [_render(i, nested, kind, f"{where}{key}[{n}].", problems, source)
                        if isinstance(i, dict) else i for n, i in enumerate(item)]
        else:
            out[key] = item
    return out


def render_with_problems(kind: str, data: dict[str, Any], target: SupersetVersion, source: str = ""
                         ) -> tuple[dict[str, Any], list[Problem]]:
    """``data`` (one asset in the files' format) as ``target``'s importer takes it, and what cannot be
    expressed there. Keys the target lacks are dropped when empty or presentational."""
    if target.tested == SOURCE_VERSION:
        return copy.deepcopy(data), []
    problems: list[Problem] = []
    rendered = _render(data, target.schemas[kind], kind, "", problems, source)
    if kind == "chart" and isinstance(rendered.get("params"), dict):
        rendered["params"] = _chart_params_for(rendered["params"], target)
    return rendered, problems


# --- chart params drawn alike on every line --------------------------------------------------------

# The viz types of Superset's ECharts timeseries charts (as 6.0's migration 378cecfdba9f lists them).
_TIMESERIES = {"echarts_timeseries_bar", "echarts_area", "echarts_timeseries_line",
               "echarts_timeseries_scatter", "echarts_timeseries_smooth", "echarts_timeseries_step",
               "echarts_timeseries"}
_SERIES_SORT = {"x_axis_sort": "x_axis_sort_series", "x_axis_sort_asc": "x_axis_sort_series_ascending"}
# How much larger a fixed value-axis maximum is before 6.1, where a horizontal bar chart keeps no room
# right of its axis for the value label of a bar that reaches the maximum.
LABEL_ROOM = Fraction(11, 10)


def _sorted_by_series(params: dict[str, Any]) -> bool:
    """Superset before 6.0 orders this chart's bars by the ``x_axis_sort_series`` pair (several metrics
    or a group-by: the test of 6.0's migration 378cecfdba9f)."""
    return params.get("viz_type") in _TIMESERIES and (
        len(params.get("metrics") or []) > 1 or len(params.get("groupby") or []) > 0)


def _labels_at_axis_end(params: dict[str, Any]) -> bool:
    """A horizontal bar chart with value labels and a fixed value-axis maximum."""
    bounds = params.get("y_axis_bounds")
    return (params.get("viz_type") == "echarts_timeseries_bar" and params.get("orientation") == "horizontal"
            and bool(params.get("show_value")) and isinstance(bounds, list) and len(bounds) == 2
            and isinstance(bounds[1], (int, float)) and not isinstance(bounds[1], bool))


def _scaled(value: int | float, factor: Fraction) -> int | float:
    """``value`` times ``factor``, exactly (so that scaling back gives the same number and type)."""
    exact = Fraction(str(value)) * factor
    return int(exact) if exact.denominator == 1 else float(exact)


def _chart_params_for(params: dict[str, Any], target: SupersetVersion) -> dict[str, Any]:
    out = dict(params)
    if target.line < (6, 0) and _sorted_by_series(out):
        for key, series_key in _SERIES_SORT.items():
            if key in out:
                out[series_key] = out[key]
    if target.line < (6, 1) and _labels_at_axis_end(out):
        out["y_axis_bounds"] = [out["y_axis_bounds"][0], _scaled(out["y_axis_bounds"][1], LABEL_ROOM)]
    return out


def _chart_params_from(params: dict[str, Any], target: SupersetVersion) -> dict[str, Any]:
    """``_chart_params_for`` undone: the params of an export of ``target`` in the files' format."""
    out = dict(params)
    if target.line < (6, 0) and _sorted_by_series(out):
        for key, series_key in _SERIES_SORT.items():
            if series_key in out:
                out[key] = out.pop(series_key)
    if target.line < (6, 1) and _labels_at_axis_end(out):
        out["y_axis_bounds"] = [out["y_axis_bounds"][0], _scaled(out["y_axis_bounds"][1], 1 / LABEL_ROOM)]
    return out


class NotRenderable(JamforError):
    """An asset uses something the target Superset version cannot hold."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def render(kind: str, data: dict[str, Any], target: SupersetVersion, source: str = "") -> dict[str, Any]:
    """``render_with_problems`` that raises ``NotRenderable`` instead of losing a value."""
    rendered, problems = render_with_problems(kind, data, target, source)
    if problems:
        raise NotRenderable(problems)
    return rendered


def read_export(data: Any, target: SupersetVersion) -> Any:
    """An asset exported by ``target`` in the files' format: a metric's currency text becomes the object
    6.x writes, a chart's params lose what ``render`` added for that line (keys the older version lacks
    are simply absent, as in a 6.1 export of the same asset)."""
    if target.tested == SOURCE_VERSION or not isinstance(data, dict):
        return data
    out = copy.deepcopy(data)
    if isinstance(out.get("params"), dict) and "viz_type" in out:
        out["params"] = _chart_params_from(out["params"], target)
    for metric in out.get("metrics") or []:
        currency = metric.get("currency") if isinstance(metric, dict) else None
        if isinstance(currency, str):
            try:
                parsed = json.loads(currency) if currency.strip() else None
            except ValueError:
                continue
            metric["currency"] = parsed if isinstance(parsed, dict) and parsed else None
    return out


# --- checking against a version's schemas, offline ---------------------------------------------------

def _check(value: Any, fields: dict[str, Any], where: str, source: str) -> list[Problem]:
    if not isinstance(value, dict):
        return []
    found = [Problem("superset-schema", f"{where}{key}: Missing data for required field.", file=source)
             for key, described in fields.items() if described.get("required") and key not in value]
    for key, item in value.items():
        described = fields.get(key)
        if described is None:
            found.append(Problem("superset-schema", f"{where}{key}: Unknown field.", file=source))
            continue
        nested = _nested(described)
        if nested is None or item is None:
            continue
        if "items" in described and isinstance(item, list):
            for n, element in enumerate(item):
                found += _check(element, nested, f"{where}{key}.{n}.", source)
        else:
            found += _check(item, nested, f"{where}{key}.", source)
    return found


def check_keys(kind: str, data: dict[str, Any], target: SupersetVersion, source: str = ""
               ) -> list[Problem]:
    """Unknown and missing keys of ``data`` (already rendered) by ``target``'s import schema."""
    return _check(data, target.schemas[kind], "", source)


def check_for_version(assets: list[tuple[str, str, dict[str, Any]]], target: SupersetVersion
                      ) -> list[Problem]:
    """Every (source, kind, data) rendered for ``target`` and checked against its schemas, offline."""
    problems = []
    for source, kind, data in assets:
        rendered, lost = render_with_problems(kind, data, target, source)
        problems += lost + check_keys(kind, rendered, target, source)
    return problems


# --- asking a Superset its version ----------------------------------------------------------------

VERSION_PATH = "/static/version_info.json"


def parse_version_info(text: str) -> str | None:
    """The release in Superset's ``static/version_info.json`` (present in 4.1 through 6.1)."""
    try:
        info = json.loads(text)
    except ValueError:
        return None
    release = info.get("version") if isinstance(info, dict) else None
    return str(release) if release else None
