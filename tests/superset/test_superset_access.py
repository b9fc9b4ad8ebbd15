"""Roles and row-level security as code, and access as the people who use it, on a real Superset 6.1.0
whose metadata database is PostgreSQL, as an organisation's is (``superset_pg_metadata``).

The tests run in file order and share one registration state, one operator's story: register the
minimal fixture assets with three roles (a reader, an analyst, an own-kommun role with an RLS filter),
check what each kind of user sees, plan shows nothing to do, someone edits a role in Superset, pull
writes it back, a role removed from the repository is pruned and Superset's own roles are untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support.assets import (
    FIXTURE_ASSETS,
    FIXTURE_UUIDS,
    access_check_lines,
    area_codes,
    superset_jamfor_register,
)
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.demo import create_people
from jamfor.superset.access.people import TemporaryUser, temporary_user
from jamfor.superset.access.sync import ROLES_PATH, fetch_access, pvm_ids
from jamfor.superset.runtime.local_superset import metadata_uri_of
from jamfor.superset.sync.assets import DATABASE_UUID, read_assets
from jamfor.superset.sync.client import SupersetClient, SupersetError

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

DATASET_UUID, CHART_UUID, DASHBOARD_UUID = (FIXTURE_UUIDS[k] for k in ("dataset", "chart", "dashboard"))
RLS_UUID = "0f6b0c2e-5a1d-4c1e-9a7e-3d2b1c0a9e88"
READER, ANALYST, OWN_KOMMUN = "jamfor-test-läsare", "jamfor-test-analytiker", "jamfor-test-kommun"
ROLES = {
    "lasare.yaml": {"name": READER, "verify": "reader", "use_with": ["Gamma"], "datasets": "all"},
    "analytiker.yaml": {"name": ANALYST, "verify": "analyst", "use_with": ["Gamma", "sql_lab"],
                        "datasets": "all",
                        "databases": [DATABASE_UUID]},
    "kommun.yaml": {"name": OWN_KOMMUN, "use_with": ["Gamma", READER], "datasets": [],
                    "row_level_security": [{
                        "uuid": RLS_UUID, "name": "jamfor test – egen kommun", "filter_type": "Regular",
                        "datasets": [DATASET_UUID], "clause": "area_code = '0180'", "group_key": "kommun"}]},
}


@pytest.fixture(scope="module")
def assets(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("access") / "assets"
    shutil.copytree(FIXTURE_ASSETS, root)
    dashboard = root / "dashboards" / "test_oj" / "dashboard.yaml"  # Gamma users see published ones only
    dashboard.write_text(dashboard.read_text(encoding="utf-8") + "published: true\n", encoding="utf-8")
    (root / "roles").mkdir()
    for name, data in ROLES.items():
        (root / "roles" / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def operator(superset_pg_metadata, demo_warehouse_pg, tmp_path_factory, assets) -> Iterator[dict]:
    state = tmp_path_factory.mktemp("state")
    with operator_environment(superset_pg_metadata, state, demo_warehouse_pg) as patch:
        patch.setenv("JAMFOR_ASSETS_DIR", str(assets))
        yield {"url": superset_pg_metadata.url, "password": superset_pg_metadata.password,
               "warehouse": demo_warehouse_pg}


@pytest.fixture(scope="module")
def client(operator) -> SupersetClient:
    return SupersetClient.login(operator["url"], "admin", operator["password"])


@pytest.fixture(scope="module")
def registered(operator) -> str:
    code, output = jamfor("register")
    assert code == 0, output
    return output


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def role_id(client: SupersetClient, name: str) -> int:
    return fetch_access(client, {name}).roles[name]


def dataset_perm(client: SupersetClient) -> str:
    dataset_id = int(client.find("dataset", [DATASET_UUID])[DATASET_UUID]["id"])
    return f"[jamfor].[jamfor_test_indicator_comparison](id:{dataset_id})"


def test_register_creates_each_role_with_exactly_the_permissions_its_file_names(registered, client):
    held = fetch_access(client, {READER, ANALYST, OWN_KOMMUN})
    database_id = int(client.find("database", [DATABASE_UUID])[DATABASE_UUID]["id"])
    assert held.pairs[READER] == {("datasource_access", dataset_perm(client))}
    assert held.pairs[ANALYST] == {("datasource_access", dataset_perm(client)),
                                   ("database_access", f"[jamfor].(id:{database_id})")}
    assert held.pairs[OWN_KOMMUN] == set()
    rls = held.rls[RLS_UUID]
    assert (rls["clause"], rls["group_key"], rls["filter_type"]) == ("area_code = '0180'", "kommun",
                                                                     "Regular")
    assert [r["name"] for r in rls["roles"]] == [OWN_KOMMUN]
    assert [t["table_name"] for t in rls["tables"]] == ["jamfor_test_indicator_comparison"]


def test_the_roles_live_in_the_postgresql_metadata_database(registered, superset_pg_metadata):
    uri = metadata_uri_of(superset_pg_metadata.home)
    assert make_url(uri).get_backend_name() == "postgresql"
    engine = create_engine(uri)
    try:
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT name FROM ab_role")).scalars())
    finally:
        engine.dispose()
    assert {READER, ANALYST, OWN_KOMMUN, "Gamma"} <= names


def test_register_says_which_roles_each_access_check_ran_as(registered):
    text = " ".join(registered.split())
    assert "Verified as admin: 3 assets present" in text
    for line in access_check_lines(READER, ANALYST, dashboards=1, charts=1):
        assert line in text


def test_superset_jamfor_register_in_process_runs_the_same_checks_with_a_token(
        registered, superset_pg_metadata, operator, assets, tmp_path):
    done = superset_jamfor_register(superset_pg_metadata, "--assets", str(assets), "--database-uri",
                                    operator["warehouse"], state=tmp_path)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert f"Verified as Gamma + {READER}: every chart answers with rows (1 of 1)" in text
    assert f"Verified as Gamma + sql_lab + {ANALYST}: queries the warehouse in SQL Lab" in text


def test_the_demo_creates_a_reader_and_an_analyst_who_log_in_with_passwords_kept_only_in_its_home(
        registered, client, operator, assets, tmp_path):
    create_people(client, tmp_path, read_assets(assets))
    for username, roles in (("lasare", ["Gamma", READER]), ("analytiker", ["Gamma", "sql_lab", ANALYST])):
        stored = tmp_path / f"{username}_password"
        assert stored.stat().st_mode & 0o077 == 0
        person = SupersetClient.login(operator["url"], username, stored.read_text().strip())
        me = person.request("GET", "/api/v1/me/roles/", "my roles").json()["result"]
        assert sorted(me["roles"]) == sorted(roles)


def test_plan_after_register_shows_no_change_for_assets_and_roles(registered):
    code, output = jamfor("plan")
    assert code == 0, output
    assert "0 to create, 0 to update" in output
    assert "0 with drift" in output


def _person(client: SupersetClient, *roles: str) -> TemporaryUser:
    return temporary_user(client, "test", list(roles))


def test_a_user_with_gamma_alone_sees_none_of_our_dashboards_nor_chart_data(registered, client):
    with _person(client, "Gamma") as person:
        assert person.client.find("dashboard", [DASHBOARD_UUID]) == {}
        chart_id = int(client.find("chart", [CHART_UUID])[CHART_UUID]["id"])
        with pytest.raises(Exception) as refused:
            person.client.chart_data(chart_id)
        assert getattr(refused.value, "status", None) in (403, 404)


def test_a_reader_sees_the_dashboard_and_the_chart_answers_with_rows(registered, client):
    with _person(client, "Gamma", READER) as person:
        assert set(person.client.find("dashboard", [DASHBOARD_UUID])) == {DASHBOARD_UUID}
        chart_id = int(person.client.find("chart", [CHART_UUID])[CHART_UUID]["id"])
        rows = person.client.chart_data(chart_id)["result"][0]["data"]
        assert rows


def test_the_rls_filter_limits_a_member_of_its_role_to_their_own_kommun(registered, client):
    dataset_id = int(client.find("dataset", [DATASET_UUID])[DATASET_UUID]["id"])
    with _person(client, "Gamma", READER) as reader:
        everyone = area_codes(reader.client, dataset_id)
    with _person(client, "Gamma", READER, OWN_KOMMUN) as member:
        own = area_codes(member.client, dataset_id)
    assert own == {"0180"}
    assert len(everyone) > 1


def test_check_users_cannot_sign_in_once_the_checks_are_done(registered, client, operator):
    with _person(client, "Gamma") as person:
        name = person.username
    found = client.request("GET", "/api/v1/security/users/", "users",
                           params={"q": f"(filters:!((col:username,opr:eq,value:'{name}')))"}).json()
    assert [u["active"] for u in found["result"]] == [False]
    with pytest.raises(SupersetError) as refused:
        SupersetClient.login(operator["url"], name, "any password")
    assert refused.value.status == 401


def test_a_role_edited_in_superset_shows_as_drift_and_pull_writes_it_back(registered, client, assets):
    reader = role_id(client, READER)
    wanted = {("datasource_access", dataset_perm(client)), ("can_read", "Annotation")}
    ids = sorted(pvm_ids(client, wanted)[pair] for pair in wanted)
    client.request("POST", f"{ROLES_PATH}{reader}/permissions", "edit role",
                   json={"permission_view_menu_ids": ids})
    code, output = jamfor("plan")
    assert code == 3, output  # drift
    assert "1 with drift" in output and "update (changed in Superset)" in output
    code, output = jamfor("pull")
    assert code == 0, output
    pulled = yaml.safe_load((assets / "roles" / "lasare.yaml").read_text(encoding="utf-8"))
    assert pulled["permissions"] == [["can_read", "Annotation"]]
    assert pulled["datasets"] == "all"
    code, output = jamfor("plan")
    assert code == 0, output


def test_prune_deletes_a_role_the_repository_no_longer_has_and_never_a_built_in_one(registered, client,
                                                                                      assets):
    (assets / "roles" / "analytiker.yaml").unlink()
    code, output = jamfor("register", "--prune")
    assert code == 0, output
    held = fetch_access(client, {ANALYST, READER})
    assert ANALYST not in held.role_ids
    assert READER in held.roles
    assert {"Admin", "Alpha", "Gamma", "sql_lab", "Public"} <= set(held.role_ids)

