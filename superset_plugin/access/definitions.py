"""Roles and row-level security as code: roles/*.yaml, checked offline and turned into what Superset holds.

A role file names one Superset role and what it grants, by what the grant is about rather than by
Superset's ids, which differ in every Superset and change when a dataset is recreated:

- ``datasets``: ``all`` (every dataset in datasets/, so a dataset added later is granted too) or a list
  of dataset UUIDs; each becomes ``datasource_access`` on ``[jamfor].[<table>](id:<id>)``, resolved at
  register time, so a renamed table is followed;
- ``databases``: database UUIDs (the warehouse's); ``database_access`` on ``[jamfor].(id:<id>)``, which
  is what SQL Lab needs to query every table of it;
- ``permissions``: any other Superset permission as a pair ``[permission, resource]``, as Superset's
  role editor lists them (``[can_read, Dashboard]``); what ``pull`` writes when someone added one in
  the UI.
- ``row_level_security``: Superset's RLS filters that apply to this role, each with a fixed ``uuid``
  (Superset keeps none: the filter's description carries ``jamfor-id: <uuid>``), ``name``,
  ``filter_type`` (Regular: applies to the role's members; Base: applies to everyone else),
  ``datasets`` (UUIDs), ``clause`` (SQL the warehouse appends to WHERE) and optional ``group_key``
  and ``description``.

Identity is the role's name. Only names beginning with ``jamfor-`` are jamfor's, so Superset's own roles
(Admin, Alpha, Gamma, sql_lab, Public) and an organisation's roles can never be named in a file, and
register, prune and pull never touch them. ``use_with`` documents which of Superset's built-in roles a
member also needs (the role grants data; Gamma grants the menus and views); register does not assign it.
``verify: reader`` or ``verify: analyst`` makes register check, as a temporary member of the role and
its ``use_with`` roles, what such a person sees (``jamfor.superset.access.verify``).

Nothing here talks to Superset (``jamfor.superset.access.sync`` does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jamfor.errors import Findings
from jamfor.superset.sync.assets import Asset

PREFIX = "jamfor-"
BUILT_IN = ("Admin", "Alpha", "Gamma", "sql_lab", "Public")
RLS_MARKER = "jamfor-id: {uuid}"
_RLS_MARKER = re.compile(r"jamfor-id: ([0-9a-fA-F-]{36})")
_ROLE_KEYS = ("name", "description", "use_with", "verify", "datasets", "databases", "permissions",
              "row_level_security")
VERIFY = ("reader", "analyst")
_RLS_KEYS = ("uuid", "name", "description", "filter_type", "datasets", "clause", "group_key")
_FILTER_TYPES = ("Regular", "Base")
DATASOURCE_ACCESS = "datasource_access"
DATABASE_ACCESS = "database_access"

Pair = tuple[str, str]  # (permission name, resource name) as Superset's role editor shows them


def role_name(asset: Asset) -> str:
    return str(asset.data.get("name", ""))


def rls_entries(asset: Asset) -> list[dict[str, Any]]:
    entries = asset.data.get("row_level_security") or []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def marker_uuid(description: str | None) -> str | None:
    """The UUID in an RLS filter's ``jamfor-id: <uuid>`` (None for a filter jamfor did not make)."""
    found = _RLS_MARKER.search(description or "")
    return found.group(1) if found else None


def described(entry: Mapping[str, Any]) -> str:
    """The description Superset keeps for an RLS filter: the file's text, then the marker line."""
    text = str(entry.get("description") or "").strip()
    marker = RLS_MARKER.format(uuid=entry["uuid"])
    return f"{text}\n{marker}" if text else marker


def dataset_uuids(asset: Asset, all_datasets: Iterable[str]) -> list[str]:
    """The datasets a role grants: its list, or every dataset of the repository for ``all``."""
    chosen = asset.data.get("datasets") or []
    return sorted(all_datasets) if chosen == "all" else sorted(str(u) for u in chosen)


# --- checks ------------------------------------------------------------------------------------

def check_roles(roles: list[Asset], kinds: Mapping[str, str], findings: Findings) -> None:
    """Add a ``role-*`` problem for everything in roles/ that register could not do or would do wrong.

    ``kinds`` maps every UUID of the repository (datasets, the warehouse database …) to its kind."""
    names: dict[str, str] = {}
    rls_seen: dict[str, str] = {}
    for asset in roles:
        _check_role(asset, kinds, findings, names)
        for index, entry in enumerate(rls_entries(asset)):
            _check_rls(asset, index, entry, kinds, findings, rls_seen)


def _check_role(asset: Asset, kinds: Mapping[str, str], findings: Findings, names: dict[str, str]) -> None:
    source, data = asset.source, asset.data
    for key in sorted(set(data) - set(_ROLE_KEYS)):
        findings.add("role-unknown-key", f"{key}: not a role key (one of {', '.join(_ROLE_KEYS)})",
                     file=source)
    name = role_name(asset)
    if not name.startswith(PREFIX) or name in BUILT_IN:
        findings.add("role-not-ours", f"name: a jamfor role's name begins with {PREFIX!r}; Superset's "
                     "own roles and the organisation's are never changed by jamfor", file=source, value=name)
    elif name in names:
        findings.add("role-duplicate", f"name: {name} is also defined in {names[name]}", file=source)
    names.setdefault(name, source)
    if data.get("verify") not in (None, *VERIFY):
        findings.add("role-bad-verify", f"verify: one of {', '.join(VERIFY)} (register then checks as a "
                     "member what such a person sees)", file=source, value=data.get("verify"))
    use_with = data.get("use_with") or []
    if not isinstance(use_with, list) or not all(isinstance(r, str) for r in use_with):
        findings.add("role-bad-use-with", "use_with: a list of role names", file=source)
    chosen = data.get("datasets") or []
    if chosen != "all":
        _check_refs(chosen, "datasets", "dataset", kinds, findings, source)
    _check_refs(data.get("databases") or [], "databases", "database", kinds, findings, source)
    permissions = data.get("permissions") or []
    if not isinstance(permissions, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) and s for s in p)
            for p in permissions):
        findings.add("role-bad-permission", "permissions: a list of [permission, resource] pairs, e.g. "
                     "[can_read, Dashboard]", file=source)
    if not isinstance(data.get("row_level_security") or [], list):
        findings.add("rls-not-a-list", "row_level_security: a list of filters", file=source)


def _check_refs(value: Any, key: str, kind: str, kinds: Mapping[str, str], findings: Findings,
                source: str) -> None:
    if not isinstance(value, list):
        findings.add(f"role-bad-{key}", f"{key}: a list of {kind} UUIDs" +
                     (" or all" if kind == "dataset" else ""), file=source, value=value)
        return
    for uuid in value:
        if kinds.get(str(uuid)) != kind:
            findings.add(f"role-unknown-{kind}", f"{key}: no {kind} with this uuid in the repository",
                         file=source, value=uuid)


def _check_rls(asset: Asset, index: int, entry: dict[str, Any], kinds: Mapping[str, str],
               findings: Findings, seen: dict[str, str]) -> None:
    where = f"row_level_security[{index}]"
    source = asset.source
    for key in sorted(set(entry) - set(_RLS_KEYS)):
        findings.add("rls-unknown-key", f"{where}.{key}: not an RLS key (one of {', '.join(_RLS_KEYS)})",
                     file=source)
    uuid = str(entry.get("uuid") or "")
    if not re.fullmatch(r"[0-9a-fA-F-]{36}", uuid):
        findings.add("rls-missing-uuid", f"{where}.uuid: every filter needs a fixed uuid", file=source)
    elif uuid in seen:
        findings.add("rls-duplicate-uuid", f"{where}.uuid: also used in {seen[uuid]}", file=source)
    seen.setdefault(uuid, source)
    for key in ("name", "clause"):
        if not str(entry.get(key) or "").strip():
            findings.add(f"rls-missing-{key}", f"{where}.{key}: required", file=source)
    if entry.get("filter_type", "Regular") not in _FILTER_TYPES:
        findings.add("rls-bad-filter-type", f"{where}.filter_type: Regular or Base", file=source,
                     value=entry.get("filter_type"))
    tables = entry.get("datasets")
    if not isinstance(tables, list) or not tables:
        findings.add("rls-no-datasets", f"{where}.datasets: the dataset UUIDs the filter applies to",
                     file=source)
        return
    for table in tables:
        if kinds.get(str(table)) != "dataset":
            findings.add("rls-unknown-dataset", f"{where}.datasets: no dataset with this uuid in the "
                         "repository", file=source, value=table)


def check_columns(roles: list[Asset], columns: Mapping[str, set[str]], findings: Findings) -> None:
    """An RLS clause naming a column its datasets lack fails only when a member opens a chart: say so
    now. ``columns``: dataset UUID -> its column names. Only bare identifiers are checked."""
    for asset in roles:
        for index, entry in enumerate(rls_entries(asset)):
            words = set(re.findall(r"(?<!['\w.])([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<>|!=|<|>|\bIN\b|\bin\b)",
                                   str(entry.get("clause") or "")))
            for table in entry.get("datasets") or []:
                known = columns.get(str(table))
                missing = sorted(w for w in words if known is not None and w not in known)
                if missing:
                    findings.add("rls-unknown-column", f"row_level_security[{index}].clause: the dataset "
                                 f"{table} has no column {missing[0]}", file=asset.source)


@dataclass(frozen=True)
class RoleFacts:
    """What Superset calls our objects, by what they are: ``perm`` strings by UUID (datasets and the
    warehouse database), and the resource names of every other permission."""

    dataset_perms: Mapping[str, str]  # dataset uuid -> "[jamfor].[table](id:N)"
    database_perms: Mapping[str, str]  # database uuid -> "[jamfor].(id:N)"


def wanted_pairs(asset: Asset, facts: RoleFacts, all_datasets: Iterable[str]) -> set[Pair]:
    """The permission pairs a role file grants, in Superset's names; UUIDs Superset does not hold yet
    are left out (register resolves after the import, when they exist)."""
    pairs: set[Pair] = set()
    for uuid in dataset_uuids(asset, all_datasets):
        if uuid in facts.dataset_perms:
            pairs.add((DATASOURCE_ACCESS, facts.dataset_perms[uuid]))
    for uuid in asset.data.get("databases") or []:
        if str(uuid) in facts.database_perms:
            pairs.add((DATABASE_ACCESS, facts.database_perms[str(uuid)]))
    pairs.update((str(p), str(r)) for p, r in asset.data.get("permissions") or [])
    return pairs


def pulled_role(asset: Asset, pairs: set[Pair], facts: RoleFacts, all_datasets: Iterable[str],
                rls: list[dict[str, Any]]) -> dict[str, Any]:
    """The role file as Superset holds the role now: grants read back into UUIDs where they are ours,
    the rest as permission pairs; the file's description and use_with kept."""
    by_perm = {perm: uuid for uuid, perm in facts.dataset_perms.items()}
    by_db = {perm: uuid for uuid, perm in facts.database_perms.items()}
    datasets = sorted(by_perm[r] for p, r in pairs if p == DATASOURCE_ACCESS and r in by_perm)
    databases = sorted(by_db[r] for p, r in pairs if p == DATABASE_ACCESS and r in by_db)
    rest = sorted([p, r] for p, r in pairs if not ((p == DATASOURCE_ACCESS and r in by_perm)
                                                   or (p == DATABASE_ACCESS and r in by_db)))
    data = {k: v for k, v in asset.data.items() if k in ("name", "description", "use_with", "verify")}
    everything = sorted(all_datasets)
    keeps_all = asset.data.get("datasets") == "all" and datasets == everything
    data["datasets"] = "all" if keeps_all else datasets
    for key, value in (("databases", databases), ("permissions", rest), ("row_level_security", rls)):
        if value:
            data[key] = value
    return data
