"""Sign-in by LDAP: a real slapd, a Superset with AUTH_LDAP, group → role mapping, and jamfor run by an
LDAP user with the same user name and password the organisation's people use."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.ldap_server import LdapPerson, group_dn, ldap_server
from support.signin import (
    OPERATOR_GROUP,
    READER_GROUP,
    READER_ROLE,
    fixture_assets_with_the_reader_role,
    ldap_config,
    register_on_host,
    signin_superset,
)

from jamfor.cli.main import main
from jamfor.superset.runtime.local_superset import free_port
from jamfor.superset.sync.client import SupersetClient, SupersetError
from jamfor.superset.sync.signin import sign_in

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

PEOPLE = [LdapPerson("lena", "lena-lösen-1", "Lena", "Läsare", (READER_GROUP,)),
          LdapPerson("olle", "olle-lösen-2", "Olle", "Utanför", ()),
          LdapPerson("drift", "drift-lösen-3", "Dag", "Drift", (OPERATOR_GROUP,))]
DASHBOARD_UUID = "d6dd9e2f-e30d-48d7-9e44-2de9e36207c4"
CHART_UUID = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
MAPPING = {group_dn(READER_GROUP): [READER_ROLE], group_dn(OPERATOR_GROUP): ["Admin"]}


@pytest.fixture(scope="module")
def ldap(superset_template, demo_warehouse_pg, tmp_path_factory):
    """The Superset (AUTH_LDAP against a real slapd), with the fixture assets and the reader role
    registered on its host; the assets' folder and the registration state's folder."""
    folder = tmp_path_factory.mktemp("ldap")
    assets = fixture_assets_with_the_reader_role(folder / "assets")
    with ldap_server(folder / "slapd", PEOPLE) as server, signin_superset(
            superset_template, folder / "superset", free_port(), ldap_config(server, MAPPING),
            {"ldap_bind_password": server.bind_password}) as instance:
        # the mapped role must exist: the operator registers it on the Superset host
        register_on_host(instance, demo_warehouse_pg, folder / "state", "--assets", str(assets),
                         "--url", instance.url)
        yield {"superset": instance, "assets": assets, "state": folder / "state"}


def _roles(client: SupersetClient) -> set[str]:
    return set(client.request("GET", "/api/v1/me/roles/", "my roles").json()["result"]["roles"])


def test_an_ldap_user_in_the_readers_group_lands_in_the_reader_role_and_sees_our_chart_with_rows(ldap):
    reader = sign_in(ldap["superset"].url, "lena", "lena-lösen-1")
    assert _roles(reader) == {"Gamma", READER_ROLE}
    me = reader.request("GET", "/api/v1/me/", "me").json()["result"]
    assert (me["first_name"], me["last_name"], me["email"]) == ("Lena", "Läsare", "lena@kommun.example.se")
    assert set(reader.find("dashboard", [DASHBOARD_UUID])) == {DASHBOARD_UUID}
    chart = reader.find("chart", [CHART_UUID])[CHART_UUID]
    assert reader.chart_data(int(chart["id"]))["result"][0]["data"]


def test_an_ldap_user_outside_the_groups_gets_gamma_alone_and_sees_none_of_our_data(ldap):
    outsider = sign_in(ldap["superset"].url, "olle", "olle-lösen-2")
    assert _roles(outsider) == {"Gamma"}
    assert outsider.find("dashboard", [DASHBOARD_UUID]) == {}
    assert outsider.find("chart", [CHART_UUID]) == {}


def test_a_wrong_ldap_password_is_refused_with_superset_s_401(ldap):
    with pytest.raises(SupersetError) as refused:
        sign_in(ldap["superset"].url, "lena", "fel-lösen")
    assert refused.value.status == 401
    assert "fel-lösen" not in str(refused.value)


def test_jamfor_plan_as_an_ldap_operator_finds_nothing_to_do_after_register_on_the_host(ldap, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(ldap["state"]))
    monkeypatch.setenv("SUPERSET_PASSWORD", "drift-lösen-3")
    monkeypatch.delenv("SUPERSET_TOKEN", raising=False)
    url = ldap["superset"].url
    done = CliRunner().invoke(main, ["plan", "--url", url, "--username", "drift",
                                     "--assets", str(ldap["assets"])])
    assert done.exit_code == 0, done.output
    assert f"Superset 6.1.0 at {url}" in done.output
    assert "0 to create, 0 to update" in " ".join(done.output.split())
    assert "drift-lösen-3" not in done.output
