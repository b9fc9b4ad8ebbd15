"""plan / register / status / prune: keep a Superset in step with datasets/ and dashboards/.

(``jamfor.superset.sync.pull`` goes the other way: Superset's version back into the files.)

How "changed" is decided: every asset has a fingerprint of its meaning (``merge.fingerprint``), the same
for our file and for Superset's export of it. Equal fingerprints (and, for charts and
dashboards, the current version stamp) mean *unchanged*; a missing UUID means *create*; anything else
*update*. Drift — an edit made in Superset since our last registration — needs memory: after every
registration the fingerprints Superset then exported are kept in a state file,
``$XDG_STATE_HOME/jamfor/superset/<host>-<digest of the URL>.json`` (~/.local/state unless
XDG_STATE_HOME says otherwise). The state file also lists the UUIDs we registered, which is what
``--prune`` may delete: nothing else in Superset is ever modified or deleted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from sqlalchemy.engine import Engine

from jamfor import __version__
from jamfor.errors import BadInput, Findings, JamforError, Problem
from jamfor.paths import user_dir
from jamfor.superset.access.sync import AccessPlan, plan_roles, prune_access, register_roles
from jamfor.superset.access.verify import AccessCheck, verify_people
from jamfor.superset.schedules.definitions import ScheduleSettings, recipients_variable
from jamfor.superset.schedules.sync import (
    SchedulesDisabled,
    apply_schedules,
    fetch_schedules,
    plan_schedules,
    resolver,
)
from jamfor.superset.sync.assets import (
    DATABASE_NAME,
    DATABASE_PATH,
    DATABASE_UUID,
    Asset,
    AssetSet,
    Bundle,
    build_bundle,
    parse,
    render_database,
)
from jamfor.superset.sync.change import Change
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.normalize import fingerprint
from jamfor.superset.sync.stamp import Stamp
from jamfor.superset.sync.validate import validate
from jamfor.superset.sync.versions import SOURCE, read_export

_EXPORT_ORDER = ("dashboard", "chart", "dataset", "database")
_DELETE_ORDER = ("report", "dashboard", "chart", "dataset")


# --- state -------------------------------------------------------------------------------------

def state_path(url: str) -> Path:
    where = urlparse(url)  # the host and port name the file; the userinfo (a password) never does
    port = f"_{where.port}" if where.port else ""
    host = re.sub(r"[^A-Za-z0-9.-]", "_", f"{where.hostname or 'superset'}{port}")
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:12]
    return user_dir("state") / "superset" / f"{host}-{digest}.json"


def load_state(url: str) -> dict[str, Any]:
    path = state_path(url)
    if not path.exists():
        return {"assets": {}}
    try:
        return json.loads(path.read_text())
    except ValueError:
        raise JamforError(f"the registration state {path} is not JSON; delete it to start afresh") from None


def save_state(url: str, state: dict[str, Any]) -> Path:
    path = state_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False))
    tmp.replace(path)
    return path


# --- what Superset holds -----------------------------------------------------------------------

@dataclass
class Remote:
    """Our objects as Superset holds them: ids by UUID, and the exported YAML by UUID."""

    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> uuid -> id
    exported: dict[str, dict[str, Any]] = field(default_factory=dict)  # uuid -> parsed YAML

    def id_of(self, kind: str, uuid: str) -> int | None:
        return self.ids.get(kind, {}).get(uuid)


def fetch_remote(client: SupersetClient, uuids_by_kind: dict[str, set[str]]) -> Remote:
    """Look up our UUIDs and export those present (three export calls, whatever the number), read back
    into the files' format from the version the client talks to."""
    target = client.version or SOURCE
    remote = Remote()
    for kind in _EXPORT_ORDER:
        found = client.find(kind, uuids_by_kind.get(kind, set()))
        remote.ids[kind] = {uuid: int(item["id"]) for uuid, item in found.items()}
    for kind in _EXPORT_ORDER:
        for path, text in client.export(kind, remote.ids[kind].values()).items():
            if path.endswith((".yaml", ".yml")) and not path.startswith("metadata"):
                data = read_export(parse(text), target)
                if isinstance(data, dict) and data.get("uuid"):
                    remote.exported[str(data["uuid"])] = data
    _read_dataset_marks(client, remote)
    return remote


def _read_dataset_marks(client: SupersetClient, remote: Remote) -> None:
    """Add each exported dataset's managed-externally flag: Superset's export leaves it out (its charts
    and dashboards show their mark in the certification they export), so without it a plan could not see
    a dataset switched between locked and editable. One GET per dataset; a Superset that does not show
    the flag leaves the export as it was."""
    for uuid, dataset_id in remote.ids.get("dataset", {}).items():
        if uuid not in remote.exported:
            continue
        flag = client.get("dataset", dataset_id).get("is_managed_externally")
        if flag is not None:
            remote.exported[uuid]["is_managed_externally"] = bool(flag)


# --- plan --------------------------------------------------------------------------------------

@dataclass
class Plan:
    changes: list[Change]
    remote: Remote
    bundle: Bundle | None  # None when planned without a database URI (status)
    schedules_unavailable: str | None = None  # why report schedules were left out (SchedulesDisabled)
    access: AccessPlan = field(default_factory=AccessPlan)  # roles and RLS filters (roles/)

    @property
    def roles_unavailable(self) -> str | None:
        """Why roles and RLS filters were left out (Superset has no role API), else None."""
        return self.access.unavailable

    @property
    def has_changes(self) -> bool:
        return any(c.action in ("create", "update", "conflict") for c in self.changes)

    @property
    def imports(self) -> bool:
        """Whether the import bundle must be sent (report schedules are not part of it)."""
        return any(c.action in ("create", "update") and c.kind != "report" for c in self.changes)

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def drifted(self) -> list[Change]:
        return [c for c in self.changes if c.drift]


def uuids_by_kind(assets: AssetSet, state: dict[str, Any]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {"database": {DATABASE_UUID}}
    for asset in assets:
        wanted.setdefault(asset.kind, set()).add(asset.uuid)
    for uuid, entry in state.get("assets", {}).items():
        wanted.setdefault(entry["kind"], set()).add(uuid)
    return wanted


def _asset_change(asset: Asset, remote: Remote, state: dict[str, Any], version: str, stamp: Stamp) -> Change:
    known = state.get("assets", {}).get(asset.uuid, {})
    if remote.id_of(asset.kind, asset.uuid) is None or asset.uuid not in remote.exported:
        return Change(asset.kind, asset.uuid, asset.title, asset.source, "create")
    exported = remote.exported[asset.uuid]
    theirs, ours = fingerprint(exported), fingerprint(asset.data)
    # Drift is an edit in Superset the folder does not have yet: once `pull` wrote it, it is not drift.
    drift = bool(known.get("remote")) and known["remote"] != theirs and theirs != ours
    if theirs != ours:
        ours_unchanged = known.get("local") == ours
        reason = "changed in Superset" if drift and ours_unchanged else "changed"
        return Change(asset.kind, asset.uuid, asset.title, asset.source, "update", drift, reason)
    if not stamp.current(asset, exported, version):
        return Change(asset.kind, asset.uuid, asset.title, asset.source, "update", drift,
                      f"new version or {stamp.mode}")
    return Change(asset.kind, asset.uuid, asset.title, asset.source, "unchanged", drift)


def _database_change(remote: Remote, bundle: Bundle | None) -> Change:
    """The warehouse database: created when missing, updated when Superset points elsewhere."""
    if remote.id_of("database", DATABASE_UUID) is None:
        return Change("database", DATABASE_UUID, DATABASE_NAME, DATABASE_PATH, "create")
    theirs = (remote.exported.get(DATABASE_UUID) or {}).get("sqlalchemy_uri")
    ours = yaml.safe_load(bundle.files[DATABASE_PATH])["sqlalchemy_uri"] if bundle else theirs
    if theirs != ours:
        return Change("database", DATABASE_UUID, DATABASE_NAME, DATABASE_PATH, "update", reason="new URI")
    return Change("database", DATABASE_UUID, DATABASE_NAME, DATABASE_PATH, "unchanged")


def _conflict(client: SupersetClient, change: Change, assets: dict[str, Asset], remote: Remote) -> Change:
    """A create that Superset would turn into a takeover: the importer matches a database by name and a
    dataset by (database, table_name) too, so an object someone else made would silently become ours."""
    if change.kind == "database":
        others = [d for d in client.search("database", "database_name", DATABASE_NAME)
                  if d["uuid"] != change.uuid]
    elif change.kind == "dataset" and remote.id_of("database", DATABASE_UUID) is not None:
        table = str(assets[change.uuid].data.get("table_name", ""))
        found = client.search("dataset", "table_name", table, columns=("id", "uuid", "database.id"))
        database_id = remote.id_of("database", DATABASE_UUID)
        others = [d for d in found
                  if d["uuid"] != change.uuid and (d.get("database") or {}).get("id") == database_id]
    else:
        return change
    if not others:
        return change
    return Change(change.kind, change.uuid, change.title, change.source, "conflict",
                  reason=f"Superset already has an object of that name (id {others[0]['id']}) that "
                  "jamfor did not create")


def _schedule_plan(client: SupersetClient, assets: AssetSet, remote: Remote, state: dict[str, Any],
                 settings: ScheduleSettings) -> tuple[list[Change], str | None]:
    """The schedules' changes, or none and the reason when Superset has no report API."""
    if not assets.reports and not any(e["kind"] == "report" for e in state.get("assets", {}).values()):
        return [], None
    try:
        found = fetch_schedules(client)
    except SchedulesDisabled as exc:
        return [], str(exc)
    remote.ids["report"] = found.ids
    id_of = resolver(client, assets.reports, remote.id_of)
    pending = {DATABASE_UUID, *(a.uuid for a in assets)}
    return plan_schedules(assets.reports, found, settings, id_of, pending, state), None


def make_plan(client: SupersetClient, assets: AssetSet, database_uri: str | None, url: str,
              version: str = __version__, settings: ScheduleSettings | None = None,
              stamp: Stamp | None = None) -> Plan:
    """Compare the repository's assets and report schedules with what Superset holds now (read-only).

    ``settings`` fill in the schedules' recipients and variables (default: the environment); ``stamp``
    says how assets are marked there (default: locked)."""
    state = load_state(url)
    target = client.version or SOURCE
    stamp = stamp or Stamp()
    bundle = build_bundle(assets, database_uri, version, target=target, stamp=stamp) if database_uri else None
    remote = fetch_remote(client, uuids_by_kind(assets, state))
    changes = [_database_change(remote, bundle)]
    changes += [_asset_change(asset, remote, state, version, stamp) for asset in assets]
    by_uuid = assets.by_uuid()
    changes = [_conflict(client, c, by_uuid, remote) if c.action == "create" else c for c in changes]
    reports, unavailable = _schedule_plan(client, assets, remote, state, settings or ScheduleSettings())
    changes += reports
    access = plan_roles(client, assets.roles, assets.of("dataset"), remote.ids, remote.exported, state)
    changes += access.changes
    local = {a.uuid for a in [*assets, *assets.reports]}
    for uuid, entry in sorted(state.get("assets", {}).items()):
        if uuid not in local and remote.id_of(entry["kind"], uuid) is not None:
            changes.append(Change(entry["kind"], uuid, entry.get("title", uuid), entry.get("source", ""),
                                  "removed"))
    return Plan(changes, remote, bundle, unavailable, access)


# --- register ----------------------------------------------------------------------------------

@dataclass
class RegisterResult:
    plan: Plan
    imported: bool
    pruned: list[Change]
    chart_data: dict[str, list[dict[str, Any]]]  # chart uuid -> the rows its data endpoint returned
    state_file: Path
    inactive: dict[str, str] = field(default_factory=dict)  # schedule name -> its recipients variable
    access_checks: list[AccessCheck] = field(default_factory=list)  # as a reader and an analyst

    @property
    def chart_rows(self) -> dict[str, int]:
        """Rows per chart uuid, as `register` reports them."""
        return {uuid: len(rows) for uuid, rows in self.chart_data.items()}


class RegistrationFailed(BadInput):
    """Superset holds the assets but some are missing or a chart answered with no data."""


def _check(client: SupersetClient, assets: AssetSet, engine: Engine | None, superset_schemas: bool) -> None:
    """The first step of every registration: the offline validation of ``jamfor validate``, for the
    version ``client`` talks to."""
    findings = validate(assets, engine, superset_schemas=superset_schemas, target=client.version or SOURCE)
    if not findings.valid:
        raise InvalidAssets(findings)


class InvalidAssets(BadInput):
    """The asset files did not validate; nothing was sent to Superset. ``findings`` holds every problem."""

    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        super().__init__(findings.problems)


def verify(client: SupersetClient, assets: AssetSet) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """Every asset present by UUID and every chart's data endpoint answering with rows.

    Returns the rows each chart answered with (so callers need not ask again) and the problems found.
    """
    problems = []
    uuids = uuids_by_kind(assets, {})
    found = {kind: client.find(kind, wanted) for kind, wanted in uuids.items()}
    for asset in assets:
        if asset.uuid not in found.get(asset.kind, {}):
            problems.append(Problem("not-registered", f"{asset.kind} {asset.uuid} is missing in Superset "
                                    "after the import", file=asset.source))
    data = {}
    for chart in assets.of("chart"):
        item = found.get("chart", {}).get(chart.uuid)
        if item is None:
            continue
        try:
            answer = client.chart_data(int(item["id"]))
        except JamforError as exc:
            problems.append(Problem("chart-data-failed", str(exc), file=chart.source))
            continue
        rows = [row for result in answer.get("result", []) for row in result.get("data") or []]
        data[chart.uuid] = rows
        if not rows:
            problems.append(Problem("chart-data-empty", "the chart's data endpoint answered with no rows",
                                    file=chart.source))
    return data, problems


def _record(url: str, assets: AssetSet, remote: Remote, previous: dict[str, Any], version: str,
            pruned: set[str], others: dict[str, dict[str, Any]]) -> Path:
    """Keep what Superset now holds of ours; ``others``: the state entries of schedules, roles and
    RLS filters, by UUID (``role:<name>`` for a role)."""
    entries = {uuid: entry for uuid, entry in previous.get("assets", {}).items() if uuid not in pruned}
    entries.update(others)
    for asset in assets:
        exported = remote.exported.get(asset.uuid)
        entries[asset.uuid] = {"kind": asset.kind, "title": asset.title, "source": asset.source,
                               "local": fingerprint(asset.data),
                               "remote": fingerprint(exported) if exported else None}
    state = {"url": url, "version": version, "registered_at": datetime.now(timezone.utc).isoformat(),
             "assets": entries}
    return save_state(url, state)


def prune(client: SupersetClient, plan: Plan) -> list[Change]:
    """Delete what the repository no longer has — only UUIDs the state file says we registered, and
    roles and RLS filters it says we registered (never a role without jamfor's prefix)."""
    removed = plan.of("removed")
    if plan.access.remote is not None:
        prune_access(client, removed, plan.access.remote)
    for kind in _DELETE_ORDER:
        for change in removed:
            object_id = plan.remote.id_of(kind, change.uuid) if change.kind == kind else None
            if object_id is not None:
                client.delete(kind, object_id)
    return removed


def register(client: SupersetClient, assets: AssetSet, database_uri: str, url: str, *,
             engine: Engine | None = None, superset_schemas: bool = True, prune_removed: bool = False,
             version: str = __version__, on_step: Callable[[str], None] = lambda _step: None,
             settings: ScheduleSettings | None = None, stamp: Stamp | None = None) -> RegisterResult:
    """The one registration rule, for `jamfor register`, `jamfor demo` and `superset jamfor register`:
    validate -> import what changed (nothing if nothing did) -> verify -> record state.

    Validation is ``jamfor validate``'s (with the warehouse SQL checks when ``engine`` is given) and
    raises ``InvalidAssets`` before Superset is asked anything. The callers differ only in ``client``:
    REST (``SupersetClient``) or the Superset app this process runs in
    (``jamfor.superset.inside.in_process``).
    The state is recorded once the import ran, even when verification then fails (``RegistrationFailed``),
    so drift and --prune know what Superset now holds. ``on_step`` hears each phase's name.
    Report schedules (reports/) are created or updated once their dashboards and charts exist;
    ``settings`` fill in their recipients and variables; ``stamp`` marks every asset locked (the default)
    or editable. Without Superset's report API they are left
    out and ``plan.schedules_unavailable`` says why. Roles and RLS filters (roles/) come last, resolved
    against the datasets as Superset now holds them; then temporary members of the reader and the
    analyst role check what those people see (``jamfor.superset.access.verify``): a failed check is
    a ``RegistrationFailed`` like an empty chart.
    """
    settings = settings or ScheduleSettings()
    on_step("Validating the assets")
    _check(client, assets, engine, superset_schemas)
    _, passwords = render_database(database_uri)
    for secret in passwords.values():
        client.add_secret(secret)
    previous = load_state(url)
    on_step("Comparing with Superset")
    plan = make_plan(client, assets, database_uri, url, version, settings, stamp)
    if plan.of("conflict"):
        raise BadInput([Problem("takeover", f"{c.kind} {c.title}: {c.reason}; rename or remove it first",
                                file=c.source) for c in plan.of("conflict")])
    if plan.imports and plan.bundle is not None:
        on_step("Importing")
        client.import_assets(plan.bundle.zip(), plan.bundle.passwords)
    pruned = prune(client, plan) if prune_removed else []
    on_step("Verifying every chart's data")
    data, problems = verify(client, assets)
    remote = fetch_remote(client, uuids_by_kind(assets, {}))
    schedules: dict[str, dict[str, Any]] = {}
    if assets.reports and plan.schedules_unavailable is None:
        on_step("Registering alerts and reports")
        id_of = resolver(client, assets.reports, remote.id_of)
        schedules = apply_schedules(client, assets.reports, plan.changes, plan.remote.ids.get("report", {}),
                                  settings, id_of)
    roles: dict[str, dict[str, Any]] = {}
    if assets.roles and plan.roles_unavailable is None:
        on_step("Registering roles and row-level security")
        roles = register_roles(client, assets.roles, assets.of("dataset"), remote.ids, remote.exported,
                               previous)
    path = _record(url, assets, remote, previous, version, {c.uuid for c in pruned}, {**schedules, **roles})
    checks: list[AccessCheck] = []
    if roles:
        on_step("Checking as a reader and an analyst")
        checks = verify_people(client, assets)
        problems += [Problem("access-check-failed", f"as {c.as_whom}: {c.what}: {c.detail}")
                     for c in checks if c.ok is False]
    if problems:
        raise RegistrationFailed(problems)
    inactive = {str(a.data["name"]): str(recipients_variable(a)) for a in assets.reports
                if schedules and not settings.recipients(a)}
    return RegisterResult(plan, plan.imports, pruned, data, path, inactive, checks)


# --- status ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SupersetStatus:
    url: str
    registered_version: str | None
    registered_at: str | None
    counts: dict[str, int]  # action -> number of assets
    drifted: list[Change]
    removed: list[Change]
    schedules_unavailable: str | None = None
    roles_unavailable: str | None = None


def superset_status(client: SupersetClient, assets: AssetSet, url: str,
                    settings: ScheduleSettings | None = None, stamp: Stamp | None = None) -> SupersetStatus:
    """The Superset side of `jamfor status`: what we registered last, and what differs now."""
    state = load_state(url)
    plan = make_plan(client, assets, None, url, settings=settings, stamp=stamp)
    counts: dict[str, int] = {}
    for change in plan.changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    return SupersetStatus(url, state.get("version"), state.get("registered_at"), counts, plan.drifted,
                          plan.of("removed"), plan.schedules_unavailable, plan.roles_unavailable)
