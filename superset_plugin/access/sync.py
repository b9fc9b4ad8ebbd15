"""jamfor's roles and RLS filters in a Superset: find them, plan them, create/update/delete them.

Roles go through Flask-AppBuilder's security API (``/api/v1/security/roles/``, ``…/permissions``,
``/api/v1/security/permissions-resources/``: FAB_ADD_SECURITY_API, on by default from Superset 6.0;
4.1.4 and 5.0.0 (Flask-AppBuilder 4.8.1) have the same endpoints once it is set in superset_config.py)
and RLS filters through ``/api/v1/rowlevelsecurity/``. Both need an Admin (Superset keeps the Role,
PermissionViewMenu and Row Level Security resources out of every other built-in role).

A role is ours when its file names it and the name begins with ``jamfor-``; an RLS filter is ours when
its description carries ``jamfor-id: <uuid>``. Nothing else in Superset is ever read for writing.
Setting a role's permissions replaces the whole set (FAB's POST ``…/roles/{id}/permissions``), so what
a role holds afterwards is exactly what its file says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jamfor.errors import JamforError
from jamfor.superset.access.definitions import (
    PREFIX,
    Pair,
    RoleFacts,
    pulled_role,
    rls_description,
    rls_entries,
    rls_marker_uuid,
    role_name,
    wanted_pairs,
)
from jamfor.superset.sync.assets import DATABASE_NAME, Asset
from jamfor.superset.sync.change import Change
from jamfor.superset.sync.client import SupersetClient, SupersetError, rison_str

_PAGE = 100
ROLES_PATH = "/api/v1/security/roles/"
PVM_PATH = "/api/v1/security/permissions-resources/"
RLS_PATH = "/api/v1/rowlevelsecurity/"


class RolesUnavailable(JamforError):
    """This Superset has no role API (FAB_ADD_SECURITY_API is off), or the user jamfor signed in as may
    not manage roles (only Admin may: Superset keeps Role and Row Level Security from other roles)."""

    def __init__(self, version: str | None, what: str, status: int = 404) -> None:
        running = f"Superset {version}" if version else "This Superset"
        if status == 403:
            super().__init__(f"{running} answers 403 on {what}: the user jamfor signed in as may not manage "
                             "roles, so jamfor's roles and row-level security were not registered. Only "
                             "Admin may (Superset keeps the Role and Row Level Security resources out of "
                             "every other built-in role); register as an Admin.")
            return
        super().__init__(f"{running} answers 404 on {what}: jamfor's roles and row-level security were "
                         "not registered. Superset 4.1 and 5.0 serve the role API only with "
                         "FAB_ADD_SECURITY_API = True in superset_config.py (6.0 and 6.1 by default): set "
                         "it, restart Superset and register again (docs/operating.md, \"Who sees what\").")


@dataclass
class RemoteAccess:
    """Our roles and RLS filters as Superset holds them."""

    roles: dict[str, int] = field(default_factory=dict)  # role name -> id
    pairs: dict[str, set[Pair]] = field(default_factory=dict)  # role name -> its permissions
    rls: dict[str, dict[str, Any]] = field(default_factory=dict)  # rls uuid -> Superset's filter
    rls_names: dict[str, int] = field(default_factory=dict)  # every filter's name -> id
    role_ids: dict[str, int] = field(default_factory=dict)  # every role's name -> id


def _get(client: SupersetClient, path: str, action: str, query: str | None = None) -> dict[str, Any]:
    try:
        return client.request("GET", path, action, params={"q": query} if query else None).json()
    except SupersetError as exc:
        if exc.status in (403, 404) and path in (ROLES_PATH, RLS_PATH):
            raise RolesUnavailable(str(client.version) if client.version else None, path,
                                   exc.status) from None
        raise


def _pages(client: SupersetClient, path: str, action: str, query: str) -> list[dict[str, Any]]:
    items, page = [], 0
    while True:
        body = _get(client, path, action, f"({query}page:{page},page_size:{_PAGE})")
        items += body["result"]
        page += 1
        if page * _PAGE >= int(body.get("count", 0)) or not body["result"]:
            return items


def fetch_access(client: SupersetClient, names: set[str]) -> RemoteAccess:
    """Every role's id by name (to refuse a takeover and resolve RLS roles), the permissions of ours
    (``names``), and our RLS filters in full."""
    found = RemoteAccess()
    for role in _pages(client, ROLES_PATH, "list roles", ""):
        found.role_ids[str(role["name"])] = int(role["id"])
    for name in sorted(names):
        if name in found.role_ids and name.startswith(PREFIX):
            found.roles[name] = found.role_ids[name]
            answer = _get(client, f"{ROLES_PATH}{found.roles[name]}/permissions/", f"role {name}")
            found.pairs[name] = {(str(p["permission_name"]), str(p["view_menu_name"]))
                                 for p in answer["result"]}
    query = "columns:!(id,name),filters:!((col:description,opr:ct,value:'jamfor-id: ')),"
    for item in _pages(client, RLS_PATH, "list RLS filters", query):
        found.rls_names[str(item["name"])] = int(item["id"])
        detail = client.get("rowlevelsecurity", int(item["id"]))
        uuid = rls_marker_uuid(detail.get("description"))
        if uuid:
            found.rls[uuid] = {**detail, "id": int(item["id"])}
    return found


@dataclass(frozen=True)
class AccessContext:
    """What resolving roles needs of the assets' side: Superset's names for our datasets and database,
    every dataset UUID of the repository, and each dataset's table by UUID and by name."""

    facts: RoleFacts
    all_datasets: list[str]
    table_ids: dict[str, int]  # dataset uuid -> Superset id
    tables: dict[str, str]  # dataset uuid -> table name as Superset holds it (else as the file says)

    def table_of(self, uuid: str) -> str | None:
        return self.tables.get(uuid)

    @property
    def uuid_of_table(self) -> dict[str, str]:
        return {table: uuid for uuid, table in self.tables.items()}


def access_context(datasets: list[Asset], ids: Mapping[str, Mapping[str, int]],
                   exported: Mapping[str, Mapping[str, Any]]) -> AccessContext:
    """Build the resource names the way Superset does (``security_manager.get_dataset_perm`` /
    ``get_database_perm``) from the ids it gave our objects and the table names it holds now."""
    tables = {a.uuid: str((exported.get(a.uuid) or a.data).get("table_name")) for a in datasets}
    dataset_ids = dict(ids.get("dataset", {}))
    perms = {uuid: f"[{DATABASE_NAME}].[{tables[uuid]}](id:{i})" for uuid, i in dataset_ids.items()
             if uuid in tables}
    databases = {uuid: f"[{DATABASE_NAME}].(id:{i})" for uuid, i in ids.get("database", {}).items()}
    return AccessContext(RoleFacts(perms, databases), sorted(tables), dataset_ids, tables)


# --- plan --------------------------------------------------------------------------------------

def access_digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=sorted)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def comparable_rls(entry: Mapping[str, Any], role: str, table_of: Callable[[str], str | None]
                   ) -> dict[str, Any]:
    """What register manages of an RLS filter, from the file (``table_of``: dataset uuid -> table)."""
    return {"name": str(entry["name"]), "filter_type": str(entry.get("filter_type", "Regular")),
            "clause": str(entry["clause"]).strip(), "group_key": str(entry.get("group_key") or ""),
            "description": rls_description(entry), "roles": [role],
            "tables": sorted(t for t in (table_of(str(u)) for u in entry.get("datasets") or []) if t)}


def held_rls(item: Mapping[str, Any]) -> dict[str, Any]:
    """The same, from Superset's answer."""
    return {"name": str(item.get("name")), "filter_type": str(item.get("filter_type")),
            "clause": str(item.get("clause") or "").strip(), "group_key": str(item.get("group_key") or ""),
            "description": str(item.get("description") or ""),
            "roles": sorted(str(r["name"]) for r in item.get("roles") or []),
            "tables": sorted(str(t["table_name"]) for t in item.get("tables") or [])}


def _state_of(state: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return state.get("assets", {}).get(key, {})


def plan_access(roles: list[Asset], remote: RemoteAccess, ctx: AccessContext, state: Mapping[str, Any]
                ) -> list[Change]:
    """One Change per role and per RLS filter. A role of that name that jamfor's state does not know
    and that does not begin with ``jamfor-`` cannot occur (validation refuses the name)."""
    changes = []
    for asset in roles:
        name = role_name(asset)
        ours = sorted(wanted_pairs(asset, ctx.facts, ctx.all_datasets))
        changes.append(_change("role", f"role:{name}", name, asset.source,
                               None if name not in remote.roles else sorted(remote.pairs.get(name, set())),
                               ours, state))
        for entry in rls_entries(asset):
            uuid, title = str(entry["uuid"]), str(entry["name"])
            want = comparable_rls(entry, name, ctx.table_of)
            theirs = remote.rls.get(uuid)
            if theirs is None and title in remote.rls_names:
                changes.append(Change("rls", uuid, title, asset.source, "conflict",
                                      reason=f"Superset already has an RLS filter of that name (id "
                                      f"{remote.rls_names[title]}) that jamfor did not create"))
                continue
            changes.append(_change("rls", uuid, title, asset.source,
                                   None if theirs is None else held_rls(theirs), want, state))
    return changes


def _change(kind: str, key: str, title: str, source: str, theirs: Any, ours: Any,
            state: Mapping[str, Any]) -> Change:
    if theirs is None:
        return Change(kind, key, title, source, "create")
    known = _state_of(state, key)
    # As for assets: an edit in Superset that `pull` already wrote to the folder is no longer drift.
    drift = bool(known.get("remote")) and known["remote"] != access_digest(theirs) and theirs != ours
    if theirs == ours:
        return Change(kind, key, title, source, "unchanged", drift)
    reason = "changed in Superset" if drift and known.get("local") == access_digest(ours) else "changed"
    return Change(kind, key, title, source, "update", drift, reason)


# --- apply -------------------------------------------------------------------------------------

def pvm_ids(client: SupersetClient, pairs: set[Pair]) -> dict[Pair, int]:
    """Superset's permission-view ids of ``pairs``: one listing per permission name."""
    ids: dict[Pair, int] = {}
    for permission in sorted({p for p, _ in pairs}):
        query = f"filters:!((col:permission,opr:rel_o_m,value:{_permission_id(client, permission)})),"
        for item in _pages(client, PVM_PATH, f"list {permission} permissions", query):
            pair = (str(item["permission"]["name"]), str(item["view_menu"]["name"]))
            ids[pair] = int(item["id"])
    return ids


def _permission_id(client: SupersetClient, name: str) -> int:
    query = f"(filters:!((col:name,opr:eq,value:{rison_str(name)})))"
    result = _get(client, "/api/v1/security/permissions/", f"permission {name}", query)["result"]
    if not result:
        raise JamforError(f"Superset has no permission named {name!r}")
    return int(result[0]["id"])


def apply_access(client: SupersetClient, roles: list[Asset], changes: list[Change], remote: RemoteAccess,
                 ctx: AccessContext) -> None:
    """Create or update the roles and RLS filters ``changes`` say (roles first: filters name them)."""
    by_key = {c.uuid: c for c in changes}
    for asset in roles:
        name = role_name(asset)
        change = by_key.get(f"role:{name}")
        if change is None or change.action not in ("create", "update"):
            continue
        if change.action == "create":
            remote.roles[name] = int(client.request("POST", ROLES_PATH, f"create role {name}",
                                                    json={"name": name}).json()["id"])
            remote.role_ids[name] = remote.roles[name]
        wanted = wanted_pairs(asset, ctx.facts, ctx.all_datasets)
        ids = pvm_ids(client, wanted)
        missing = sorted(p for p in wanted if p not in ids)
        if missing:
            raise JamforError(f"{asset.source}: Superset has no permission {missing[0][0]} on "
                              f"{missing[0][1]}")
        client.request("POST", f"{ROLES_PATH}{remote.roles[name]}/permissions", f"set role {name}",
                       json={"permission_view_menu_ids": sorted(ids[p] for p in wanted)})
    for asset in roles:
        for entry in rls_entries(asset):
            change = by_key.get(str(entry["uuid"]))
            if change is None or change.action not in ("create", "update"):
                continue
            body = {"name": str(entry["name"]), "description": rls_description(entry),
                    "filter_type": str(entry.get("filter_type", "Regular")), "clause": str(entry["clause"]),
                    "group_key": str(entry.get("group_key") or ""),
                    "roles": [remote.role_ids[role_name(asset)]],
                    "tables": sorted(ctx.table_ids[str(u)] for u in entry["datasets"]
                                     if str(u) in ctx.table_ids)}
            if change.action == "create":
                client.post("rowlevelsecurity", body)
            else:
                client.put("rowlevelsecurity", int(remote.rls[str(entry["uuid"])]["id"]), body)


def state_entries(roles: list[Asset], remote: RemoteAccess, ctx: AccessContext) -> dict[str, dict[str, Any]]:
    """What the state file keeps of our roles and filters after a registration (for drift and prune)."""
    entries: dict[str, dict[str, Any]] = {}
    for asset in roles:
        name = role_name(asset)
        entries[f"role:{name}"] = {
            "kind": "role", "title": name, "source": asset.source,
            "local": access_digest(sorted(wanted_pairs(asset, ctx.facts, ctx.all_datasets))),
            "remote": access_digest(sorted(remote.pairs.get(name, set()))) if name in remote.pairs else None}
        for entry in rls_entries(asset):
            held = remote.rls.get(str(entry["uuid"]))
            entries[str(entry["uuid"])] = {
                "kind": "rls", "title": str(entry["name"]), "source": asset.source,
                "local": access_digest(comparable_rls(entry, name, ctx.table_of)),
                "remote": access_digest(held_rls(held)) if held else None}
    return entries


def removed_access(state: Mapping[str, Any], roles: list[Asset], remote: RemoteAccess) -> list[Change]:
    """Roles and filters jamfor registered that the repository no longer has and Superset still holds."""
    local = {f"role:{role_name(a)}" for a in roles} | {str(e["uuid"]) for a in roles for e in rls_entries(a)}
    changes = []
    for key, entry in sorted(state.get("assets", {}).items()):
        if entry.get("kind") not in ("role", "rls") or key in local:
            continue
        title = str(entry.get("title", key))
        held = (entry["kind"] == "role" and title.startswith(PREFIX) and title in remote.role_ids) or \
               (entry["kind"] == "rls" and key in remote.rls)
        if held:
            changes.append(Change(entry["kind"], key, title, str(entry.get("source", "")), "removed"))
    return changes


def prune_access(client: SupersetClient, removed: list[Change], remote: RemoteAccess) -> None:
    """Delete removed RLS filters, then removed roles (never a role without jamfor's prefix)."""
    for change in removed:
        if change.kind == "rls" and change.uuid in remote.rls:
            client.delete("rowlevelsecurity", int(remote.rls[change.uuid]["id"]))
    for change in removed:
        if change.kind == "role" and change.title.startswith(PREFIX) and change.title in remote.role_ids:
            client.request("DELETE", f"{ROLES_PATH}{remote.role_ids[change.title]}",
                           f"delete role {change.title}")


def pulled_access(asset: Asset, remote: RemoteAccess, ctx: AccessContext) -> dict[str, Any] | None:
    """The role file as Superset holds the role and its filters now (None when the role is missing)."""
    name = role_name(asset)
    if name not in remote.roles:
        return None
    rls = []
    for entry in rls_entries(asset):
        held = remote.rls.get(str(entry["uuid"]))
        if held is None:
            rls.append(entry)
            continue
        marker = rls_description({"uuid": entry["uuid"]})
        text = str(held.get("description") or "").replace(marker, "").strip()
        pulled = {"uuid": entry["uuid"], "name": held["name"], "filter_type": held["filter_type"],
                  "clause": str(held.get("clause") or "").strip(),
                  "datasets": sorted(ctx.uuid_of_table.get(str(t["table_name"]), str(t["table_name"]))
                                     for t in held.get("tables") or [])}
        if text:
            pulled["description"] = text
        if held.get("group_key"):
            pulled["group_key"] = held["group_key"]
        rls.append(pulled)
    return pulled_role(asset, remote.pairs.get(name, set()), ctx.facts, ctx.all_datasets, rls)



# --- the cycle, as plan and register call it -----------------------------------------------------

@dataclass
class AccessPlan:
    """The roles' and filters' part of a plan: their changes, what Superset held, or why none."""

    changes: list[Change] = field(default_factory=list)
    remote: RemoteAccess | None = None
    unavailable: str | None = None  # RolesUnavailable's message


def plan_roles(client: SupersetClient, roles: list[Asset], datasets: list[Asset],
               ids: Mapping[str, Mapping[str, int]], exported: Mapping[str, Mapping[str, Any]],
               state: Mapping[str, Any]) -> AccessPlan:
    """Compare roles/ with Superset (read-only); ``ids`` and ``exported`` are the assets' side as
    ``register.fetch_remote`` found it. Without a role API the plan says why instead of failing."""
    known = [e for e in state.get("assets", {}).values() if e.get("kind") in ("role", "rls")]
    if not roles and not known:
        return AccessPlan()
    names = {role_name(a) for a in roles} | {str(e.get("title")) for e in known if e.get("kind") == "role"}
    try:
        remote = fetch_access(client, names)
    except RolesUnavailable as exc:
        return AccessPlan(unavailable=str(exc))
    ctx = access_context(datasets, ids, exported)
    changes = plan_access(roles, remote, ctx, state) + removed_access(state, roles, remote)
    return AccessPlan(changes, remote)


def register_roles(client: SupersetClient, roles: list[Asset], datasets: list[Asset],
                   ids: Mapping[str, Mapping[str, int]], exported: Mapping[str, Mapping[str, Any]],
                   state: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Create or update our roles and filters against the assets as Superset holds them after the
    import (so a new or renamed dataset is granted under its new name); returns their state entries."""
    names = {role_name(a) for a in roles}
    remote = fetch_access(client, names)
    ctx = access_context(datasets, ids, exported)
    apply_access(client, roles, plan_access(roles, remote, ctx, state), remote, ctx)
    return state_entries(roles, fetch_access(client, names), ctx)
