"""What the superset_config.py line installs: the Jinja addon for analysts' SQL and `superset jamfor`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.assets import superset_jamfor_register

from jamfor.superset.config import FLASK_APP_MUTATOR, JINJA_CONTEXT_ADDONS, jamfor_area

FIXTURE_ASSETS = Path(__file__).resolve().parent.parent / "fixtures" / "superset_assets"
FIXTURE_CHART = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
FIXTURE_DASHBOARD = "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4"
FIXTURE_DATASET = "1c0ba165-6e44-41f1-a62a-f7f024bde1cb"


def test_jamfor_area_gives_a_kommun_with_its_lan_and_kommungrupp():
    malmo = jamfor_area("1280")
    assert (malmo.name, malmo.level, malmo.lan_code, malmo.lan_name) == ("Malmö", "kommun", "12", "Skåne län")
    assert malmo.kommungrupp and len(malmo.kommungrupp) == 2
    assert malmo.comparison_codes == ("1280", "12", "00")
    assert malmo.sql_in == "'1280', '12', '00'"


def test_jamfor_area_of_a_lan_and_of_riket_compare_with_fewer_levels():
    assert jamfor_area("12").comparison_codes == ("12", "00")
    assert jamfor_area("00").comparison_codes == ("00",)


@pytest.mark.parametrize("hostile", ["1280' OR '1'='1", "1280 ", " 1280", "12800", "", "0000", 1280, None,
                                     ["1280"], "1280; DROP TABLE area"])
def test_jamfor_area_refuses_anything_but_an_exact_known_code(hostile):
    with pytest.raises(ValueError, match="jamfor_area"):
        jamfor_area(hostile)


def test_the_config_line_exports_only_the_mutator_the_jinja_addon_and_the_translation_folders():
    namespace: dict = {}
    exec("from jamfor.superset.config import *", namespace)  # noqa: S102 - the documented line itself
    assert {k for k in namespace if not k.startswith("__")} == {
        "BABEL_TRANSLATION_DIRECTORIES", "FLASK_APP_MUTATOR", "JINJA_ADDONS", "JINJA_CONTEXT_ADDONS",
        "make_app_mutator"}
    superset_folder, swedish_folder = namespace["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert superset_folder == "translations"  # relative to Superset's package: its own languages stay
    assert (Path(swedish_folder) / "sv" / "LC_MESSAGES" / "messages.mo").is_file()
    assert JINJA_CONTEXT_ADDONS["jamfor_area"] is jamfor_area
    assert callable(FLASK_APP_MUTATOR)


def test_importing_the_config_module_does_no_work():
    code = ("import sys, jamfor.superset.config as c; "
            "assert c._areas.cache_info().currsize == 0; assert 'pandas' not in sys.modules; "
            "assert 'superset' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.superset
def test_superset_jamfor_register_imports_in_process_and_the_jinja_addon_works_in_sql_lab(
        superset, demo_warehouse_pg, tmp_path):
    from jamfor.superset.sync.assets import DATABASE_UUID
    from jamfor.superset.sync.client import SupersetClient

    done = superset_jamfor_register(superset, "--assets", str(FIXTURE_ASSETS), "--database-uri",
                                    demo_warehouse_pg, state=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Registered 3 assets" in done.stdout and "1 charts answer with data (3 rows)" in done.stdout
    state = next((tmp_path / "jamfor" / "superset").glob("*.json"))  # the same state file as `register`
    assert f"State: {state}" in done.stdout
    assert FIXTURE_CHART in state.read_text()
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    database_id = client.find("database", [DATABASE_UUID])[DATABASE_UUID]["id"]
    try:
        assert client.find("chart", [FIXTURE_CHART])
        _jinja_in_sql_lab(superset.url, client, database_id)
    finally:  # leave the shared Superset as the other modules expect it: without the fixture assets
        for kind, uuid in (("dashboard", FIXTURE_DASHBOARD), ("chart", FIXTURE_CHART),
                           ("dataset", FIXTURE_DATASET)):
            for found in client.find(kind, [uuid]).values():
                client.delete(kind, found["id"])


def _jinja_in_sql_lab(url: str, client, database_id: int) -> None:

    def sql_lab(sql: str):
        return client.session.post(f"{url}/api/v1/sqllab/execute/", timeout=120, json={
            "database_id": database_id, "sql": sql, "runAsync": False, "select_as_cta": False,
            "templateParams": "{}"})

    answer = sql_lab("SELECT area_code FROM area WHERE area_code IN ({{ jamfor_area('1280').sql_in }}) "
                     "ORDER BY area_code")
    assert answer.status_code == 200, answer.text[:500]
    assert [row["area_code"] for row in answer.json()["data"]] == ["00", "12", "1280"]
    refused = sql_lab("SELECT 1 WHERE 'x' IN ({{ jamfor_area(\"1280' OR '1'='1\").sql_in }})")
    assert refused.status_code >= 400
    assert "unknown area code" in refused.text
