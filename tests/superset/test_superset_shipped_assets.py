"""The shipped datasets/ and dashboards/ register in a real Superset 6.1.0 and every chart answers.

This is the operator's check: `jamfor register --url … --database-uri …` with SUPERSET_USERNAME /
SUPERSET_PASSWORD set creates every dashboard, every chart's data endpoint answers with rows, the
password is nowhere in the output, and a following `jamfor plan` exits 0 — on a PostgreSQL warehouse and
on the SQLite file `jamfor seed --demo` writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.assets import area_codes, pull_into_a_copy
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.seed.db import engine_for
from jamfor.seed.seeding import run_seed
from jamfor.superset.access.people import temporary_user
from jamfor.superset.sync.assets import DATABASE_UUID, build_bundle, read_assets
from jamfor.superset.sync.client import SupersetClient

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
DB_PASSWORD = "Hemligt-l0senord-5520"
IBIC_CHART = "dashboards/oj_lss_utveckling/charts/riket_ibic_utredningar.yaml"


@pytest.fixture(scope="module")
def shipped(superset, demo_warehouse_pg, tmp_path_factory) -> Iterator[dict]:
    state = tmp_path_factory.mktemp("state")
    with operator_environment(superset, state):
        yield {"url": superset.url, "warehouse": demo_warehouse_pg, "password": superset.password,
               "database_uri": demo_warehouse_pg.replace("postgresql://postgres@",
                                                         f"postgresql://postgres:{DB_PASSWORD}@")}


@pytest.fixture(scope="module")
def client(shipped) -> SupersetClient:
    return SupersetClient.login(shipped["url"], "admin", shipped["password"])


@pytest.fixture(scope="module")
def registered(shipped) -> str:
    """The output of the first `jamfor register` of the shipped assets."""
    result = CliRunner().invoke(main, ["register", "--database-uri", shipped["database_uri"],
                                       "--db", shipped["warehouse"]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def jamfor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_register_creates_every_shipped_dashboard_and_every_chart_answers_with_rows(registered, client):
    assets = read_assets()
    dashboards = {a.uuid for a in assets.of("dashboard")}
    charts = {a.uuid for a in assets.of("chart")}
    assert len(dashboards) >= 4
    assert set(client.find("dashboard", dashboards)) == dashboards
    assert set(client.find("chart", charts)) == charts
    assert f"{len(charts)} charts answer with data" in registered


def test_register_checks_as_a_reader_and_an_analyst_and_says_which_roles_each_check_ran_as(registered):
    assets = read_assets()
    dashboards, charts = len(assets.of("dashboard")), len(assets.of("chart"))
    text = " ".join(registered.split())
    reader, analyst = "Verified as Gamma + jamfor-läsare", "Verified as Gamma + sql_lab + jamfor-analytiker"
    assert f"{reader}: opens every dashboard ({dashboards} of {dashboards})" in text
    assert f"{reader}: every chart answers with rows ({charts} of {charts})" in text
    assert f"{reader}: cannot open SQL Lab" in text
    assert f"{reader}: sees no dataset outside jamfor's" in text
    assert f"{analyst}: queries the warehouse in SQL Lab" in text
    assert f"{analyst}: cannot write to the warehouse in SQL Lab" in text
    assert "FAILED" not in text


def test_the_shipped_rls_filter_shows_a_member_of_jamfor_egen_kommun_only_malmos_answers(
        registered, client):
    survey = "51cdef14-904b-4b7d-bbde-c81dfef1db22"  # skr_insats_svar
    dataset_id = int(client.find("dataset", [survey])[survey]["id"])
    with temporary_user(client, "test", ["Gamma", "jamfor-läsare"]) as reader:
        everyone = area_codes(reader.client, dataset_id)
    with temporary_user(client, "test", ["Gamma", "jamfor-läsare", "jamfor-egen-kommun"]) as member:
        own = area_codes(member.client, dataset_id)
    assert len(everyone) > 200
    assert own == {"1280"}


def test_a_user_with_gamma_alone_sees_none_of_the_shipped_dashboards(registered, client):
    dashboards = [a.uuid for a in read_assets().of("dashboard")]
    with temporary_user(client, "test", ["Gamma"]) as person:
        assert person.client.find("dashboard", dashboards) == {}


def test_register_never_shows_the_warehouse_or_superset_password(registered, shipped):
    assert DB_PASSWORD not in registered
    assert shipped["password"] not in registered


def test_the_ibic_chart_shows_the_published_riket_values_2019_to_2021(registered, client):
    uuid = next(a.uuid for a in read_assets().of("chart") if a.source == IBIC_CHART)
    rows = client.chart_data(client.find("chart", [uuid])[uuid]["id"])["result"][0]["data"]
    values = [row[key] for row in rows for key in row if key != "period"]
    # shares (0–1), shown as "41 %": Öppna jämförelser LSS 2021, Tabell 1: 2019, 2020, 2021
    assert [round(100 * value) for value in values[-3:]] == [19, 36, 41]


def test_plan_after_register_exits_0(registered):
    code, output = jamfor("plan")
    assert code == 0, output


def test_the_same_assets_register_on_the_sqlite_warehouse_jamfor_seed_demo_writes(registered, shipped,
                                                                                     client, tmp_path: Path):
    warehouse = tmp_path / "demo.db"
    run_seed(engine_for(f"sqlite:///{warehouse}"), demo=True)
    try:
        code, output = jamfor("register", "--database-uri", f"sqlite:///{warehouse}")
        assert code == 0, output
        assert "update (new URI)" in output  # the database now points at the SQLite file
        database = client.find("database", [DATABASE_UUID])[DATABASE_UUID]["id"]
        connection = client.request("GET", f"/api/v1/database/{database}/connection", "connection").json()
        assert connection["result"]["sqlalchemy_uri"] == f"sqlite:///{warehouse}"
        assert jamfor("plan")[0] == 0
    finally:  # the session's other Superset tests expect the PostgreSQL warehouse: import it back
        bundle = build_bundle(read_assets(), shipped["database_uri"])
        client.import_assets(bundle.zip(), bundle.passwords)


def test_pull_right_after_register_leaves_every_shipped_file_untouched(registered, tmp_path):
    code, output, changed = pull_into_a_copy(jamfor, tmp_path)
    assert code == 0, output
    assert changed == []
    assert "0 files changed" in output
