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
    create_role,
    host_token,
    ldap_config,
    signin_superset,
)

from jamfor.cli.main import main
from jamfor.superset.runtime.local_superset import free_port
from jamfor.superset.sync.client import SupersetClient, SupersetError
from jamfor.superset.sync.signin import sign_in

pytestmark = [pytest.mark.superset]

FIXTURE_ASSETS = "tests/fixtures/superset_assets"
PEOPLE = [LdapPerson("lena", "lena-lösen-1", "Lena", "Läsare", (READER_GROUP,)),
          LdapPerson("olle", "olle-lösen-2", "Olle", "Utanför", ()),
          LdapPerson("drift", "drift-lösen-3", "Dag", "Drift", (OPERATOR_GROUP,))]
MAPPING = {group_dn(READER_GROUP): [READER_ROLE], group_dn(OPERATOR_GROUP): ["Admin"]}


@pytest.fixture(scope="module")
def ldap_superset(superset_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ldap")
    with ldap_server(folder / "slapd", PEOPLE) as server, signin_superset(
            superset_template, folder / "superset", free_port(), ldap_config(server, MAPPING),
            {"ldap_bind_password": server.bind_password}) as instance:
        # the reader role must exist for the mapping to give it (i23-roles registers its permissions)
        create_role(instance, host_token(instance, "admin", folder), READER_ROLE)
        yield instance


def _roles(client: SupersetClient) -> set[str]:
    return set(client.request("GET", "/api/v1/me/roles/", "my roles").json()["result"]["roles"])


def test_an_ldap_user_in_the_readers_group_signs_in_and_lands_in_the_reader_role_with_gamma(ldap_superset):
    client = sign_in(ldap_superset.url, "lena", "lena-lösen-1")
    assert _roles(client) == {"Gamma", READER_ROLE}
    me = client.request("GET", "/api/v1/me/", "me").json()["result"]
    assert (me["first_name"], me["last_name"], me["email"]) == ("Lena", "Läsare", "lena@kommun.example.se")


def test_an_ldap_user_outside_the_groups_gets_gamma_alone(ldap_superset):
    assert _roles(sign_in(ldap_superset.url, "olle", "olle-lösen-2")) == {"Gamma"}


def test_a_wrong_ldap_password_is_refused_with_superset_s_401(ldap_superset):
    with pytest.raises(SupersetError) as refused:
        sign_in(ldap_superset.url, "lena", "fel-lösen")
    assert refused.value.status == 401
    assert "fel-lösen" not in str(refused.value)


def test_jamfor_plan_runs_as_an_ldap_operator_with_the_directory_password(ldap_superset, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("SUPERSET_PASSWORD", "drift-lösen-3")
    monkeypatch.delenv("SUPERSET_TOKEN", raising=False)
    done = CliRunner().invoke(main, ["plan", "--url", ldap_superset.url, "--username", "drift",
                                     "--assets", FIXTURE_ASSETS])
    assert done.exit_code == 2, done.output  # 2: the fixture assets are not registered yet
    assert f"Superset 6.1.0 at {ldap_superset.url}" in done.output
    assert "4 to create" in done.output  # the warehouse database, the dataset, chart, dashboard
    assert "drift-lösen-3" not in done.output
