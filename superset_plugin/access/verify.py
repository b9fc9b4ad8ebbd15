"""After an import, check what jamfor's people see, as those people: a reader and an analyst.

Checking as Admin proves only that the assets exist; a manager with Gamma sees nothing unless a role
grants the datasets. So register signs in as a temporary member of each role (``people``), holding the
role and the built-in roles its file's ``use_with`` names and nothing else, and checks:

- a role whose file says ``verify: reader`` (``jamfor-läsare``): every dashboard of ours is listed and
  opens, every chart answers with rows, SQL Lab is refused, no dataset outside ours is visible;
- ``verify: analyst`` (``jamfor-analytiker``): SQL Lab answers a query on the warehouse, and refuses to
  write to it.

Each check names the roles it ran as. Roles without ``verify`` are not checked this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from jamfor.errors import JamforError
from jamfor.superset.access.definitions import role_name
from jamfor.superset.access.people import temporary_user
from jamfor.superset.sync.assets import DATABASE_UUID, Asset, AssetSet
from jamfor.superset.sync.client import SupersetClient, SupersetError

# A write that leaves nothing behind even where it is allowed (a temporary table ends with the session).
_WRITE_PROBE = "CREATE TEMPORARY TABLE jamfor_kontroll_skrivning (x INTEGER)"


@dataclass(frozen=True)
class AccessCheck:
    """One thing checked as one kind of user: ``ok`` None when it could not run (and ``detail`` why)."""

    roles: tuple[str, ...]
    what: str
    ok: bool | None
    detail: str = ""

    @property
    def as_whom(self) -> str:
        return " + ".join(self.roles)

    def describe(self) -> str:
        """One line for the register output: the outcome, the roles it ran as, what, and why."""
        mark = {True: "Verified", None: "Not checked"}.get(self.ok, "FAILED")
        detail = f" ({self.detail})" if self.detail else ""
        return f"{mark} as {self.as_whom}: {self.what}{detail}"


def verify_people(client: SupersetClient, assets: AssetSet) -> list[AccessCheck]:
    """The reader's and the analyst's checks (see the module docstring); ``client`` is an Admin's."""
    checks: list[AccessCheck] = []
    for role in assets.roles:
        if role.data.get("verify") == "reader":
            checks += _as_member(client, role, "lasare", lambda person, roles:
                                 _reader_checks(person, client, assets, roles))
        elif role.data.get("verify") == "analyst":
            checks += _as_member(client, role, "analytiker", lambda person, roles:
                                 _analyst_checks(person, client, assets, roles))
    return checks


def _roles(role: Asset) -> tuple[str, ...]:
    return (*[str(r) for r in role.data.get("use_with") or []], role_name(role))


Checks = Callable[[SupersetClient, tuple[str, ...]], Iterator[AccessCheck]]


def _as_member(client: SupersetClient, role: Asset, purpose: str, checks: Checks) -> list[AccessCheck]:
    roles = _roles(role)
    try:
        with temporary_user(client, purpose, roles) as person:
            return list(checks(person.client, roles))
    except SupersetError as exc:
        if exc.action == "login":
            return [AccessCheck(roles, "sign in", None, "this Superset refuses a password sign-in "
                                f"({exc.superset_message}); run `superset jamfor register` on the Superset "
                                "host to check as its people")]
        raise


def _reader_checks(person: SupersetClient, admin: SupersetClient, assets: AssetSet,
                   roles: tuple[str, ...]) -> Iterator[AccessCheck]:
    dashboards = assets.of("dashboard")
    seen = person.find("dashboard", [d.uuid for d in dashboards])
    hidden = [d for d in dashboards if d.uuid not in seen]
    for dashboard in dashboards:
        if dashboard.uuid in seen and not _opens(person, int(seen[dashboard.uuid]["id"])):
            hidden.append(dashboard)
    opened = len(dashboards) - len(hidden)
    yield AccessCheck(roles, f"opens every dashboard ({opened} of {len(dashboards)})", not hidden,
                      "" if not hidden else f"cannot open {hidden[0].title!r} ({hidden[0].source}); Superset "
                      "lists a dashboard to Gamma users only when it is published and they may read one of "
                      "its datasets")
    empty, failed = [], []
    charts = assets.of("chart")
    visible = person.find("chart", [c.uuid for c in charts])
    for chart in charts:
        item = visible.get(chart.uuid)
        if item is None:
            failed.append(chart)
            continue
        try:
            answer = person.chart_data(int(item["id"]))
        except JamforError:
            failed.append(chart)
            continue
        if not any(result.get("data") for result in answer.get("result", [])):
            empty.append(chart)
    bad = failed + empty
    yield AccessCheck(roles, f"every chart answers with rows ({len(charts) - len(bad)} of {len(charts)})",
                      not bad, "" if not bad else f"{bad[0].title!r} ({bad[0].source}) "
                      + ("answered with no rows" if bad[0] in empty else "is refused or missing"))
    yield _sql_lab_refused(person, admin, roles)
    yield _no_other_datasets(person, assets, roles)


def _opens(person: SupersetClient, dashboard_id: int) -> bool:
    try:
        person.get("dashboard", dashboard_id)
    except SupersetError:
        return False
    return True


def _warehouse_id(admin: SupersetClient) -> int:
    return int(admin.find("database", [DATABASE_UUID])[DATABASE_UUID]["id"])


def _execute(person: SupersetClient, database_id: int, sql: str) -> dict:
    return person.request("POST", "/api/v1/sqllab/execute/", "SQL Lab", json={
        "database_id": database_id, "sql": sql, "runAsync": False, "client_id": None}).json()


def _sql_lab_refused(person: SupersetClient, admin: SupersetClient, roles: tuple[str, ...]) -> AccessCheck:
    try:
        _execute(person, _warehouse_id(admin), "SELECT 1")
    except SupersetError as exc:
        if exc.status in (401, 403):
            return AccessCheck(roles, "cannot open SQL Lab", True)
        raise
    return AccessCheck(roles, "cannot open SQL Lab", False, "SQL Lab answered a query")


def _no_other_datasets(person: SupersetClient, assets: AssetSet, roles: tuple[str, ...]) -> AccessCheck:
    ours = {a.uuid for a in assets.of("dataset")}
    others: list[str] = []
    page = 0
    while True:
        body = person.request("GET", "/api/v1/dataset/", "list datasets", params={
            "q": f"(columns:!(id,uuid,table_name),page:{page},page_size:100)"}).json()
        others += [str(d["table_name"]) for d in body["result"] if str(d.get("uuid")) not in ours]
        page += 1
        if page * 100 >= int(body.get("count", 0)) or not body["result"]:
            break
    return AccessCheck(roles, "sees no dataset outside jamfor's", not others,
                       "" if not others else f"also sees {len(others)}, e.g. {others[0]!r}")


def _analyst_checks(person: SupersetClient, admin: SupersetClient, assets: AssetSet,
                    roles: tuple[str, ...]) -> Iterator[AccessCheck]:
    database_id = _warehouse_id(admin)
    dataset = assets.of("dataset")[0]
    sql = str(dataset.data.get("sql") or "").strip().rstrip(";")
    source = f"({sql}) AS t" if sql else str(dataset.data["table_name"])
    what = f"queries the warehouse in SQL Lab ({dataset.title})"
    try:
        rows = _execute(person, database_id, f"SELECT COUNT(*) AS antal FROM {source}").get("data") or []
        yield AccessCheck(roles, what, bool(rows), "" if rows else "the query answered with no rows")
    except SupersetError as exc:
        yield AccessCheck(roles, what, False, exc.superset_message)
    try:
        _execute(person, database_id, _WRITE_PROBE)
    except SupersetError:
        yield AccessCheck(roles, "cannot write to the warehouse in SQL Lab", True)
        return
    yield AccessCheck(roles, "cannot write to the warehouse in SQL Lab", False,
                      "SQL Lab ran CREATE TEMPORARY TABLE: set allow_dml to false on the warehouse database")
