"""Kolada's municipality groups: loaded with their kommuner, and a kommun compared with a group as with
its kommungrupp (issue 26, section 3), on SQLite and PostgreSQL, against a Kolada-shaped server.

The groups are SYNTHETIC (tests/support/kolada_groups.py says why).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import bindparam, create_engine, inspect, text
from support import kolada_groups as fx
from support.databases import REPO
from support.kolada_server import KoladaHttpServer
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.schema import create_all


@pytest.fixture
def kolada(tmp_path, monkeypatch) -> Iterator[KoladaHttpServer]:
    server = KoladaHttpServer().start()
    server.state.reset([], fx.rows(), per_page=2)
    server.state.groups = list(fx.GROUPS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("JAMFOR_KOLADA_URL", raising=False)
    yield server
    server.stop()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def load_values(kolada: KoladaHttpServer, url: str) -> None:
    result = run("load", "kolada", "--kpi", f"{fx.KPI}={fx.INDICATOR}", "--years", str(fx.YEAR),
                 "--base-url", kolada.base_url, "--db", url, "--refresh")
    assert result.exit_code == 0, result.output


def load_groups(kolada: KoladaHttpServer, url: str, *extra: str):
    return run("load", "kolada-groups", "--base-url", kolada.base_url, "--db", url, *extra)


def compared(url: str, kommun: str = fx.MIN_KOMMUN) -> dict[str, dict]:
    """A kommun's rows of indicator_group_comparison by group id."""
    view = read_table(url, "indicator_group_comparison")
    mine = view[(view.area_code == kommun) & (view.indicator_id == fx.INDICATOR)]
    return {row["kolada_group_id"]: row for row in mine.to_dict("records")}


def test_groups_load_with_their_kommuner_and_the_members_jamfor_lacks_are_named(kolada, db_url):
    result = load_groups(kolada, db_url)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "G900002: 0001, 1999" in output
    groups = read_table(db_url, "kolada_group").set_index("group_id")
    assert groups.loc["G900001", "title"] == fx.GROUPS[0]["title"]
    assert (groups.loc["G900001", "year"], groups.loc["G900001", "area_code"]) == (2024, fx.MIN_KOMMUN)
    assert groups.loc["G900002", ["year", "area_code"]].isna().all()  # "Norra Storstockholm (syntetisk)"
    members = read_table(db_url, "kolada_group_member")
    assert sorted(members[members.group_id == "G900002"].area_code) == ["0114", "0123"]
    assert load_groups(kolada, db_url).output.count("Unchanged") == 1


def test_min_kommun_meets_each_group_beside_its_kommungrupp_with_value_difference_and_colour(kolada, db_url):
    load_values(kolada, db_url)
    assert load_groups(kolada, db_url).exit_code == 0
    rows = compared(db_url)
    assert set(rows) == set(fx.GROUP_MEANS)
    for group_id, (mean, n) in fx.GROUP_MEANS.items():
        row = rows[group_id]
        assert (row["kolada_group_mean"], row["kolada_group_n"]) == pytest.approx((mean, n))
        assert row["diff_kolada_group_pp"] == pytest.approx(fx.VALUES[fx.MIN_KOMMUN] - mean)
        assert row["kommungrupp_mean"] == pytest.approx(fx.KOMMUNGRUPP_MEAN)
        assert row["diff_kommungrupp_pp"] == pytest.approx(fx.VALUES[fx.MIN_KOMMUN] - fx.KOMMUNGRUPP_MEAN)
        assert row["kon"] == "Totalt" and row["level"] == "kommun"
    assert rows["G900001"]["kolada_group_colour"] == "rod"  # 60 against 80, higher is better
    assert rows["G900002"]["kolada_group_colour"] == "gron"  # 60 against 55
    assert not rows["G900001"]["kolada_group_synthetic"]


def test_a_group_made_for_a_kommun_meets_that_kommun_alone_and_any_other_group_every_kommun(kolada, db_url):
    """Vallentuna is in Upplands Väsby's "liknande kommuner" group, but the group is not Vallentuna's to
    compare with; the group made for no one kommun is."""
    load_values(kolada, db_url)
    assert load_groups(kolada, db_url).exit_code == 0
    assert set(compared(db_url, "0115")) == {"G900002"}
    assert set(compared(db_url, fx.MIN_KOMMUN)) == {"G900001", "G900002"}


def test_kolada_s_real_group_loads_with_its_kommuner_its_year_and_the_kommun_it_was_made_for(kolada, db_url):
    kolada.state.groups = [fx.REAL_GROUP]
    assert load_groups(kolada, db_url).exit_code == 0
    [group] = read_table(db_url, "kolada_group").to_dict("records")
    assert (group["group_id"], group["year"], group["area_code"]) == ("G35951", 2024, "1267")  # Höör
    members = read_table(db_url, "kolada_group_member")
    assert sorted(members.area_code) == sorted(m["member_id"] for m in fx.REAL_GROUP["members"])


def test_groups_loaded_before_the_year_and_kommun_columns_get_them_empty_and_meet_every_kommun(tmp_path):
    """A warehouse an older jamfor made: its groups stay, as made for no one kommun, until reloaded."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW indicator_group_comparison"))
        conn.execute(text("DROP TABLE kolada_group"))
        conn.execute(text("CREATE TABLE kolada_group (group_id VARCHAR(16) PRIMARY KEY, title TEXT NOT NULL, "
                          "batch_id INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO kolada_group VALUES ('G1', 'Liknande kommuner IFO, Arboga, 2024', 1)"))
        conn.execute(text("CREATE TABLE kolada_group_value (group_id VARCHAR(16))"))  # now in the view
    create_all(engine)
    assert "kolada_group_value" not in inspect(engine).get_table_names()
    [group] = read_table(url, "kolada_group").to_dict("records")
    assert group["group_id"] == "G1" and pd.isna(group["year"]) and pd.isna(group["area_code"])
    assert "kolada_group_year" in read_table(url, "indicator_group_comparison").columns


def test_before_any_group_is_loaded_min_kommun_stands_beside_its_kommungrupp_alone(kolada, sqlite_url):
    load_values(kolada, sqlite_url)
    [row] = compared(sqlite_url).values()
    assert row["kommungrupp_mean"] == pytest.approx(fx.KOMMUNGRUPP_MEAN)
    assert row["kolada_group_title"] is None and row["kolada_group_colour"] is None


def test_a_later_value_load_recomputes_the_means_of_the_groups_it_touches(kolada, db_url):
    assert load_groups(kolada, db_url).exit_code == 0
    load_values(kolada, db_url)
    kolada.state.rows = fx.rows({**fx.VALUES, "0115": 100.0})
    load_values(kolada, db_url)
    assert compared(db_url)["G900001"]["kolada_group_mean"] == pytest.approx(90.0)


def test_a_reload_with_replace_drops_the_members_kolada_no_longer_lists_and_the_mean_follows(kolada, db_url):
    load_values(kolada, db_url)
    assert load_groups(kolada, db_url).exit_code == 0
    smaller = {**fx.GROUPS[0], "members": fx.GROUPS[0]["members"][:2]}  # Värmdö (90) leaves
    kolada.state.groups = [smaller, fx.GROUPS[1]]
    assert load_groups(kolada, db_url, "--refresh", "--replace").exit_code == 0
    members = read_table(db_url, "kolada_group_member")
    assert sorted(members[members.group_id == "G900001"].area_code) == ["0115", "0117"]
    row = compared(db_url)["G900001"]
    assert (row["kolada_group_mean"], row["kolada_group_n"]) == pytest.approx((75.0, 2))


@pytest.mark.parametrize(("group", "named"), [
    ({"id": "G1", "title": "Utan medlemmar"}, "row 0, column members: a group whose members are not a list"),
    ({"id": "G1", "title": "X", "members": [{"member_title": "Ale"}]},
     "row 0, column members: a member without a text member_id"),
    ({"id": "G1", "title": "X", "members": [{"id": "1440", "title": "Ale"}]},
     "row 0, column members: a member without a text member_id"),
    ({"id": 7, "title": "X", "members": []}, "row 0, column id: a group whose id is not a text"),
    ("G1", "row 0: a group that is not a JSON object"),
])
def test_a_group_that_cannot_be_read_is_named_and_nothing_is_written(kolada, sqlite_url, group, named):
    assert load_groups(kolada, sqlite_url).exit_code == 0
    kolada.state.groups = [group, *fx.GROUPS]
    result = load_groups(kolada, sqlite_url, "--refresh", "--replace")
    assert result.exit_code == 1
    assert named in " ".join(result.output.split())
    assert sorted(read_table(sqlite_url, "kolada_group").group_id) == ["G900001", "G900002"]
    assert len(read_table(sqlite_url, "kolada_group_member")) == 5


def test_an_empty_listing_is_refused(kolada, sqlite_url):
    result = load_groups(kolada, sqlite_url, "--title", "finns inte")
    assert result.exit_code == 1
    assert "Kolada lists no municipality group whose title contains 'finns inte'" in " ".join(
        result.output.split())


def chart_rows(url: str, chart: str, filters: dict[str, list]) -> list[dict]:
    """What a shipped chart's saved query answers on the warehouse, compiled as Superset compiles it
    (its dataset's column expressions and metrics, grouped by its columns), with ``filters`` for the
    dashboard's native filters."""
    chart_data = yaml.safe_load((REPO / chart).read_text())
    dataset = next(d for d in (yaml.safe_load(p.read_text()) for p in (REPO / "datasets").glob("*.yaml"))
                   if d["uuid"] == chart_data["dataset_uuid"])
    columns = {c["column_name"]: c["expression"] or c["column_name"] for c in dataset["columns"]}
    metrics = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}
    query = json.loads(chart_data["query_context"])["queries"][0]
    where = " AND ".join(f"{columns[name]} IN :{name}" for name in filters) or "1 = 1"
    statement = text(
        f"SELECT {', '.join(f'{columns[c]} AS {c}' for c in query['columns'])}, "
        f"{', '.join(f'{metrics[m]} AS {m}' for m in query['metrics'])} FROM {dataset['table_name']} "
        f"WHERE {where} GROUP BY {', '.join(columns[c] for c in query['columns'])}"
    ).bindparams(*(bindparam(name, expanding=True) for name in filters))
    with create_engine(url).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(statement, filters)]


def test_the_dashboard_sets_min_kommun_beside_a_kolada_group_and_its_kommungrupp(demo_db_url):
    """The demo's (SYNTHETIC) group of Malmö on "Jämför kommuner": the chart's own query gives Malmö's
    value, the group's mean and the kommungrupp's, each as computed here from the base tables."""
    title = "Liknande kommuner, Malmö (syntetisk demogrupp)"
    filters = {"indicator_short_title": ["Handläggare med socionomexamen"], "year": [2021],
               "area_name": ["Malmö"], "kolada_group_title": [title]}
    [row] = chart_rows(demo_db_url, "dashboards/jamfor_kommuner/charts/kolada_grupp_tabell.yaml", filters)
    values = read_table(demo_db_url, "indicator_value")
    values = values[(values.indicator_id == "lss_handlaggare_socionomexamen") & (values.year == 2021)
                    & (values.status == "ok")].set_index("area_code").value
    members = read_table(demo_db_url, "kolada_group_member")
    areas = read_table(demo_db_url, "area").set_index("area_code")
    group = values.reindex(members[members.group_id == "DEMO1280"].area_code).dropna()
    kommungrupp = values.reindex(areas.index[(areas.level == "kommun")
                                             & (areas.kommungrupp == areas.kommungrupp["1280"])]).dropna()
    assert (row["area_name"], row["kolada_group_title"]) == ("Malmö", title)
    assert row["varde"] == pytest.approx(values["1280"])
    assert row["kolada_gruppmedel"] == pytest.approx(group.mean())
    assert row["avvikelse_kolada_grupp_pp"] == pytest.approx(values["1280"] - group.mean())
    assert row["kommungruppsmedel"] == pytest.approx(kommungrupp.mean())
    assert row["avvikelse_kommungrupp_pp"] == pytest.approx(values["1280"] - kommungrupp.mean())
    assert row["kolada_group_colour_label"] == "Ingen riktning"  # a bakgrundsmått has no better side
