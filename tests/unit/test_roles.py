"""roles/: the shipped role files validate, bad ones are problems naming file and key, grants resolve by
what they are about, and a Superset without the role API or with a failing import gets a message a
person can act on."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from support.databases import REPO
from support.http_server import serving

from jamfor.superset.access.definitions import RoleFacts, pulled_role, wanted_pairs
from jamfor.superset.access.sync import RolesUnavailable, fetch_access
from jamfor.superset.sync.assets import Asset, read_assets
from jamfor.superset.sync.client import ImportFailed, SupersetClient
from jamfor.superset.sync.validate import validate

RLS_DATASET = "51cdef14-904b-4b7d-bbde-c81dfef1db22"


def test_the_shipped_roles_validate_and_name_the_reader_the_analyst_and_an_rls_filter():
    assets = read_assets(REPO)
    findings = validate(assets, superset_schemas=False)
    assert findings.valid, findings.problems
    by_name = {r.data["name"]: r.data for r in assets.roles}
    assert by_name["jamfor-läsare"]["verify"] == "reader"
    assert by_name["jamfor-analytiker"]["verify"] == "analyst"
    assert by_name["jamfor-analytiker"]["use_with"] == ["Gamma", "sql_lab"]
    [rls] = by_name["jamfor-egen-kommun"]["row_level_security"]
    assert rls["datasets"] == [RLS_DATASET] and "area_code" in rls["clause"]


@pytest.fixture
def assets_with(tmp_path: Path):
    def write(role: dict) -> list[str]:
        root = tmp_path / "assets"
        if not root.exists():
            shutil.copytree(REPO / "datasets", root / "datasets")
            (root / "dashboards").mkdir()
            (root / "roles").mkdir()
        (root / "roles" / "x.yaml").write_text(yaml.safe_dump(role, allow_unicode=True), encoding="utf-8")
        return [p.code for p in validate(read_assets(root), superset_schemas=False).problems]
    return write


@pytest.mark.parametrize("name", ["Gamma", "Admin", "sql_lab", "Public", "Alpha", "socialchefer"])
def test_a_role_file_naming_a_built_in_or_the_organisations_role_is_refused(assets_with, name):
    assert assets_with({"name": name, "datasets": "all"}) == ["role-not-ours"]


def test_unknown_datasets_keys_and_rls_columns_are_problems(assets_with):
    codes = assets_with({
        "name": "jamfor-x", "datasets": ["00000000-0000-0000-0000-000000000000"], "verify": "chef",
        "grants": [], "row_level_security": [
            {"uuid": "11111111-1111-1111-1111-111111111111", "name": "f", "clause": "kommunkod = '0180'",
             "datasets": [RLS_DATASET], "filter_type": "Sometimes"},
            {"name": "g", "clause": "1 = 1", "datasets": ["22222222-2222-2222-2222-222222222222"]}]})
    assert sorted(codes) == sorted(["role-unknown-key", "role-unknown-dataset", "role-bad-verify",
                                    "rls-bad-filter-type", "rls-unknown-column", "rls-missing-uuid",
                                    "rls-unknown-dataset"])


def test_grants_resolve_to_superset_names_and_follow_a_renamed_table_and_an_added_dataset():
    role = Asset("role", "roles/x.yaml", {"name": "jamfor-x", "datasets": "all",
                                          "databases": ["db-uuid"], "permissions": [["can_read", "Chart"]]})
    facts = RoleFacts({"a": "[jamfor].[ny_tabell](id:7)", "b": "[jamfor].[b](id:8)"},
                      {"db-uuid": "[jamfor].(id:1)"})
    assert wanted_pairs(role, facts, ["a", "b"]) == {
        ("datasource_access", "[jamfor].[ny_tabell](id:7)"), ("datasource_access", "[jamfor].[b](id:8)"),
        ("database_access", "[jamfor].(id:1)"), ("can_read", "Chart")}


def test_pull_reads_grants_back_into_uuids_and_keeps_all_when_superset_grants_every_dataset():
    role = Asset("role", "roles/x.yaml", {"name": "jamfor-x", "description": "d", "datasets": "all"})
    facts = RoleFacts({"a": "[jamfor].[a](id:7)", "b": "[jamfor].[b](id:8)"}, {})
    every = {("datasource_access", "[jamfor].[a](id:7)"), ("datasource_access", "[jamfor].[b](id:8)")}
    assert pulled_role(role, every | {("can_read", "Chart")}, facts, ["a", "b"], []) == {
        "name": "jamfor-x", "description": "d", "datasets": "all", "permissions": [["can_read", "Chart"]]}
    one = {("datasource_access", "[jamfor].[a](id:7)")}
    assert pulled_role(role, one, facts, ["a", "b"], [])["datasets"] == ["a"]


class _Answers(BaseHTTPRequestHandler):
    """Superset 4.1/5.0 without FAB_ADD_SECURITY_API (404 on the role API), and a failing import."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._answer(404, b'{"message": "Not found"}')

    def do_POST(self) -> None:  # noqa: N802
        self._answer(500, b'{"message": "Import failed for an unknown reason"}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def old_superset() -> Iterator[str]:
    with serving(_Answers) as url:
        yield url


def test_a_superset_without_the_role_api_is_told_which_setting_and_versions(old_superset):
    with pytest.raises(RolesUnavailable) as refused:
        fetch_access(SupersetClient(old_superset), {"jamfor-läsare"})
    message = str(refused.value)
    assert "FAB_ADD_SECURITY_API = True" in message and "4.1 and 5.0" in message


def test_an_import_failing_inside_superset_names_the_likeliest_cause_and_where_the_log_is(old_superset):
    with pytest.raises(ImportFailed) as failed:
        SupersetClient(old_superset).import_assets(b"zip")
    message = str(failed.value)
    assert message.startswith("Superset import: HTTP 500: Import failed for an unknown reason")
    assert "cachetools" in message and "marshmallow 3" in message
    assert "docker logs" in message and "superset.log" in message
