"""Alerts and scheduled reports as code: reports/*.yaml, checked offline and rendered for Superset.

Superset keeps report schedules outside its export bundle and refers to dashboards, charts and
databases by integer id, so a file here names its targets by UUID (``dashboard_uuid``, ``chart_uuid``,
``database_uuid``) and ``schedule_body`` turns it into the body of ``POST /api/v1/report/`` once the ids are
known. Superset stores no UUID for a findings: the description carries ``jamfor-id: <uuid>``.

Two things are configuration, filled in at register time and never kept in the repository:

- recipients: the file holds a placeholder ``${ENV_NAME}``; that variable lists e-mail addresses
  (comma-separated). Without them a schedule is created inactive.
- variables of an alert's SQL (``${watch_list}``): each declares a type, an environment variable and
  a default; ``--report-var name=value`` wins over the environment. Every value is checked against its
  type (known kommun codes, a positive integer) before it is written into SQL, so configuration can
  never smuggle text into a query.

Nothing here talks to Superset (``jamfor.superset.schedules.sync`` does).
"""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jamfor.errors import BadInput, Findings, Problem
from jamfor.superset.sync.assets import Asset

ENV_NAME = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")
MARKER = "jamfor-id: {uuid}"
_MARKER = re.compile(r"jamfor-id: ([0-9a-fA-F-]{36})")
_TYPES = ("Report", "Alert")
_FORMATS = ("PDF", "PNG", "CSV", "TEXT")
_OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
_REQUIRED = ("uuid", "type", "name", "crontab", "timezone", "report_format", "recipients")
_OPTIONAL = ("description", "dashboard_uuid", "chart_uuid", "database_uuid", "sql", "validator_type",
             "validator_config_json", "grace_period", "working_timeout", "log_retention", "variables")
_INTEGERS = ("grace_period", "working_timeout", "log_retention")
# Superset's own defaults (ReportSchedule's columns): sent when a file leaves a value out, so that
# what Superset holds compares equal to what the file means.
_DEFAULTS = {"grace_period": 4 * 3600, "working_timeout": 3600, "log_retention": 90}
_VARIABLE_TYPES = ("kommun_codes", "positive_integer")
# What pull writes back from Superset: never recipients, never the SQL (it holds filled-in variables).
PULLED = ("name", "description", "crontab", "timezone", "report_format", "validator_config_json",
          *_INTEGERS)


class ScheduleConfigError(BadInput):
    """A variable or recipient list from the environment or the command line is not acceptable."""


@dataclass(frozen=True)
class ScheduleSettings:
    """What register fills in: variable values given on the command line, and the environment."""

    variables: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def recipients(self, asset: Asset) -> tuple[str, ...]:
        """The addresses the file's placeholder names (none when the variable is unset or empty)."""
        name = recipients_variable(asset)
        raw = self.environ.get(name, "") if name else ""
        addresses = tuple(a.strip() for a in raw.split(",") if a.strip())
        bad = [a for a in addresses if not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", a)]
        if bad:
            raise ScheduleConfigError([Problem("bad-recipient", f"${name}: not an e-mail address",
                                             file=asset.source, value=bad[0])])
        return addresses

    def value(self, asset: Asset, name: str) -> str:
        """The SQL text of variable ``name``: command line, else its environment variable, else default."""
        spec = (asset.data.get("variables") or {})[name]
        raw = self.variables.get(name)
        if raw is None:
            raw = self.environ.get(str(spec.get("env") or ""))
        if raw is None:
            raw = spec.get("default")
        if raw is None:
            raise ScheduleConfigError([Problem("missing-variable", f"variable {name}: give --report-var "
                                             f"{name}=… or ${spec.get('env')}", file=asset.source)])
        return sql_value(str(spec.get("type")), str(raw), asset.source, name)


def recipients_variable(asset: Asset) -> str | None:
    found = ENV_NAME.match(str(asset.data.get("recipients", "")))
    return found.group(1) if found else None


@lru_cache(maxsize=1)
def _kommun_codes() -> frozenset[str]:
    from jamfor.seed.reference import area_frame

    frame = area_frame()
    return frozenset(frame.loc[frame.level == "kommun", "area_code"])


def sql_value(kind: str, raw: str, source: str, name: str) -> str:
    """``raw`` as SQL text of type ``kind``, or ScheduleConfigError: only known codes and integers pass."""
    if kind == "kommun_codes":
        codes = [c.strip() for c in raw.split(",") if c.strip()]
        unknown = [c for c in codes if c not in _kommun_codes()]
        if not codes or unknown:
            raise ScheduleConfigError([Problem("bad-variable", f"variable {name}: expected kommun codes "
                                             "such as 0180,1280", file=source,
                                             value=unknown[0] if unknown else raw)])
        return ", ".join(f"'{code}'" for code in codes)
    if kind == "positive_integer" and raw.strip().isdigit() and int(raw) > 0:
        return str(int(raw))
    raise ScheduleConfigError([Problem("bad-variable", f"variable {name}: expected a positive integer",
                                     file=source, value=raw)])


def placeholders(sql: str) -> set[str]:
    return {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(sql)
            if m.group("named") or m.group("braced")}


def targets(asset: Asset) -> list[tuple[str, str]]:
    """(kind, uuid) of the dashboard, chart and database a schedule refers to."""
    return [(kind, str(asset.data[f"{kind}_uuid"])) for kind in ("dashboard", "chart", "database")
            if asset.data.get(f"{kind}_uuid")]


# --- offline checks ----------------------------------------------------------------------------

def check_schedules(reports: list[Asset], known: Mapping[str, str], findings: Findings) -> None:
    """Problems in reports/*.yaml; ``known`` maps every other asset's UUID to its kind.

    A target UUID not in the repository is left to plan/register, which look for it in Superset."""
    for asset in reports:
        data, where = asset.data, asset.source
        for key in _REQUIRED:
            if data.get(key) in (None, ""):
                findings.add("report-missing-key", f"{key}: required", file=where)
        for key in sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL)):
            findings.add("report-unknown-key", f"{key}: not a key of a report file", file=where)
        _check_values(asset, known, findings)
        if data.get("type") == "Alert":
            _check_alert(asset, findings)
        elif data.get("sql") or data.get("validator_type"):
            findings.add("report-sql-on-report", "sql/validator_type: only an Alert runs SQL", file=where)


def _check_values(asset: Asset, known: Mapping[str, str], findings: Findings) -> None:
    data, where = asset.data, asset.source
    if data.get("type") not in _TYPES:
        findings.add("report-type", f"type: one of {', '.join(_TYPES)}", file=where, value=data.get("type"))
    if data.get("report_format") not in _FORMATS:
        findings.add("report-format", f"report_format: one of {', '.join(_FORMATS)}", file=where,
                   value=data.get("report_format"))
    if len(str(data.get("crontab", "")).split()) != 5:
        findings.add("report-crontab", "crontab: five fields (minute hour day month weekday)", file=where,
                   value=data.get("crontab"))
    if recipients_variable(asset) is None:
        findings.add("report-recipients", "recipients: must be a placeholder such as ${JAMFOR_REPORT_"
                   "RECIPIENTS}; addresses are configuration, never part of the repository", file=where)
    for key in _INTEGERS:
        if key in data and not (isinstance(data[key], int) and data[key] > 0):
            findings.add("report-integer", f"{key}: a positive number of seconds/days", file=where,
                       value=data[key])
    chosen = [kind for kind in ("dashboard", "chart") if data.get(f"{kind}_uuid")]
    if len(chosen) != 1:
        findings.add("report-target", "give exactly one of dashboard_uuid and chart_uuid", file=where)
    for kind, uuid in targets(asset):
        if uuid in known and known[uuid] != kind:
            findings.add(f"unknown-{kind}", f"{kind}_uuid: that uuid is a {known[uuid]}", file=where,
                       value=uuid)


def _check_alert(asset: Asset, findings: Findings) -> None:
    data, where = asset.data, asset.source
    if not data.get("database_uuid") or not data.get("sql"):
        findings.add("report-alert", "an Alert needs database_uuid and sql", file=where)
    config = data.get("validator_config_json") or {}
    if data.get("validator_type") != "operator" or not isinstance(config, dict) \
            or config.get("op") not in _OPERATORS or not isinstance(config.get("threshold"), (int, float)):
        findings.add("report-validator", "validator_type: operator, with validator_config_json {op: '>', "
                   "threshold: 0}", file=where)
    variables = data.get("variables") or {}
    used = placeholders(str(data.get("sql", "")))
    for name in sorted(used - set(variables)):
        findings.add("report-variable", f"sql: ${{{name}}} is not declared under variables", file=where)
    for name, spec in sorted(variables.items()):
        if name not in used:
            findings.add("report-variable", f"variables.{name}: not used in sql", file=where)
        if not isinstance(spec, dict) or spec.get("type") not in _VARIABLE_TYPES or not spec.get("env"):
            findings.add("report-variable", f"variables.{name}: needs type ({', '.join(_VARIABLE_TYPES)}) "
                       "and env", file=where)
        elif spec.get("default") is not None:
            try:
                sql_value(str(spec["type"]), str(spec["default"]), where, name)
            except ScheduleConfigError as exc:
                findings.problems.extend(exc.problems)


# --- rendering ---------------------------------------------------------------------------------

def schedule_body(asset: Asset, settings: ScheduleSettings,
                  id_of: Callable[[str, str], int | None]) -> dict[str, Any]:
    """The body of ``POST /api/v1/report/`` for ``asset``; ``id_of(kind, uuid)`` resolves targets.

    Active only when recipients are configured. Raises ScheduleConfigError for a bad variable value."""
    data = asset.data
    recipients = settings.recipients(asset)
    body: dict[str, Any] = {
        "type": data["type"], "name": data["name"], "description": described(asset),
        "crontab": data["crontab"], "timezone": data["timezone"], "report_format": data["report_format"],
        "active": bool(recipients), "creation_method": "alerts_reports",
        "recipients": [{"type": "Email", "recipient_config_json": {"target": ",".join(recipients)}}]
        if recipients else [],
    }
    body.update({key: data.get(key, _DEFAULTS[key]) for key in _INTEGERS})
    for kind, uuid in targets(asset):
        body[kind] = id_of(kind, uuid)
    if data["type"] == "Alert":
        values = {name: settings.value(asset, name) for name in data.get("variables") or {}}
        body["sql"] = string.Template(str(data["sql"])).substitute(values)
        body["validator_type"] = data["validator_type"]
        body["validator_config_json"] = dict(data["validator_config_json"])
    return body


def described(asset: Asset) -> str:
    text = str(asset.data.get("description") or "").strip()
    return f"{text}\n\n{MARKER.format(uuid=asset.uuid)}" if text else MARKER.format(uuid=asset.uuid)


def marker_uuid(description: str | None) -> str | None:
    found = _MARKER.search(description or "")
    return found.group(1).lower() if found else None


def comparable(body: Mapping[str, Any]) -> dict[str, Any]:
    """What register manages of a schedule, from our rendered body or Superset's GET: equal when alike."""
    def target(key: str) -> int | None:
        value = body.get(key)
        return value.get("id") if isinstance(value, dict) else value

    config = body.get("validator_config_json")
    if isinstance(config, str):
        config = json.loads(config) if config else None
    if isinstance(config, dict):
        config = {"op": config.get("op"), "threshold": float(config.get("threshold", 0))}
    recipients = sorted(
        address.strip()
        for item in body.get("recipients") or []
        for address in str(_config(item).get("target", "")).split(",") if address.strip())
    managed = {key: body.get(key) for key in ("type", "name", "description", "crontab", "timezone",
                                              "report_format", "active", "sql", "validator_type",
                                              *_INTEGERS)}
    managed.update(dashboard=target("dashboard"), chart=target("chart"), database=target("database"),
                   validator_config_json=config or None, recipients=recipients)
    if managed["type"] != "Alert":
        managed.update(sql=None, validator_type=None, validator_config_json=None, database=None)
    return managed


def _config(item: Mapping[str, Any]) -> dict[str, Any]:
    config = item.get("recipient_config_json") or {}
    return json.loads(config) if isinstance(config, str) else dict(config)


def pulled(asset: Asset, remote: Mapping[str, Any]) -> dict[str, Any]:
    """The file's data with Superset's values of the fields pull writes back (PULLED)."""
    data = dict(asset.data)
    theirs = comparable(remote)
    for key in PULLED:
        value = theirs.get(key)
        if key == "description":
            value = _MARKER.sub("", str(value or "")).strip() or None
        if value is None or (key in _DEFAULTS and key not in data and value == _DEFAULTS[key]):
            if key not in _REQUIRED and value is None:
                data.pop(key, None)
            continue
        if key == "validator_config_json":
            value = {"op": value["op"], "threshold": _number(value["threshold"])}
        data[key] = value
    return data


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
