"""Local Superset instances that sign people in with LDAP or OpenID Connect, as an organisation's does.

Each starts from the session's initialised template (its admin is a database user) with the sign-in
settings of docs/operating.md appended to jamfor's config: AUTH_TYPE, the provider, AUTH_ROLES_MAPPING
from the directory's groups to Superset roles, AUTH_ROLES_SYNC_AT_LOGIN and AUTH_USER_REGISTRATION with
Gamma. Secrets (the LDAP bind password, the OIDC client secret) are read from files readable only by
the owner, never written into the config.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jamfor.superset.runtime.local_superset import SupersetInstance, running
from support.assets import superset_jamfor
from support.databases import REPO
from support.ldap_server import BIND_DN, PEOPLE, LdapServer
from support.oidc_server import OidcProvider
from support.superset_env import home_from_template

FIXTURE_ASSETS = REPO / "tests" / "fixtures" / "superset_assets"
READER_ROLE = "jamfor-läsare"  # roles/lasare.yaml
READER_GROUP = "jamfor-lasare"  # the group's name in the directory (ASCII, as IdPs' group names often are)
OPERATOR_GROUP = "jamfor-drift"

_COMMON = '''
AUTH_USER_REGISTRATION = True
AUTH_USER_REGISTRATION_ROLE = "Gamma"
AUTH_ROLES_SYNC_AT_LOGIN = True
WEBDRIVER_BASEURL = "{url}/"
'''


def _secret(home: Path, name: str, value: str) -> None:
    path = home / name
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)


def ldap_config(server: LdapServer, mapping: dict[str, list[str]]) -> str:
    """AUTH_LDAP against ``server``; ``mapping`` from group DNs (memberOf) to Superset roles."""
    return f'''
from flask_appbuilder.security.manager import AUTH_LDAP
AUTH_TYPE = AUTH_LDAP
AUTH_LDAP_SERVER = "{server.url}"
AUTH_LDAP_SEARCH = "{PEOPLE}"
AUTH_LDAP_UID_FIELD = "uid"
AUTH_LDAP_BIND_USER = "{BIND_DN}"
AUTH_LDAP_BIND_PASSWORD = (_HOME / "ldap_bind_password").read_text()
AUTH_LDAP_FIRSTNAME_FIELD = "givenName"
AUTH_LDAP_LASTNAME_FIELD = "sn"
AUTH_LDAP_EMAIL_FIELD = "mail"
AUTH_LDAP_GROUP_FIELD = "memberOf"
AUTH_ROLES_MAPPING = {mapping!r}
''' + _COMMON


def oauth_config(provider: OidcProvider, mapping: dict[str, list[str]]) -> str:
    """AUTH_OAUTH with Flask-AppBuilder's ``azure`` provider pointed at ``provider`` (the Azure AD
    example of docs/operating.md, with the test provider's metadata URL); ``mapping`` from the ID
    token's ``roles`` to Superset roles."""
    return f'''
from flask_appbuilder.security.manager import AUTH_OAUTH
AUTH_TYPE = AUTH_OAUTH
OAUTH_PROVIDERS = [{{
    "name": "azure", "icon": "fa-windows", "token_key": "access_token",
    "remote_app": {{
        "client_id": "{provider.client_id}",
        "client_secret": (_HOME / "oidc_client_secret").read_text(),
        "server_metadata_url": "{provider.metadata_url}",
        "client_kwargs": {{"scope": "openid profile email"}},
    }},
}}]
AUTH_ROLES_MAPPING = {mapping!r}
''' + _COMMON


@contextmanager
def signin_superset(template: Path, home: Path, port: int, config: str, secrets: dict[str, str]
                    ) -> Iterator[SupersetInstance]:
    """A Superset from ``template`` on 127.0.0.1:``port`` with ``config`` appended (``{url}`` filled in)."""
    home_from_template(template, home)
    for name, value in secrets.items():
        _secret(home, name, value)
    extra = config.replace("{url}", f"http://127.0.0.1:{port}")
    with running(home, port=port, extra_config=extra) as instance:
        yield instance


def host_token(superset: SupersetInstance, username: str, state: Path) -> str:
    """A token for ``username`` from `superset jamfor token` on the Superset host."""
    done = superset_jamfor(superset, "token", "--username", username, "--days", "1", state=state)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]  # Superset may log to stdout before it


def register_on_host(superset: SupersetInstance, warehouse: str, state: Path, *args: str) -> str:
    """`superset jamfor register` (the roles of roles/ with the assets, so the mapped roles exist with
    their permissions) on the Superset host, as its operator does under LDAP or SSO; its output."""
    done = superset_jamfor(superset, "register", "--database-uri", warehouse, *args, state=state)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def fixture_assets_with_the_reader_role(root: Path) -> Path:
    """The minimal test assets (their dashboard published: Gamma users see only published ones) with the
    repository's reader role, roles/lasare.yaml, under ``root``."""
    for top in ("datasets", "dashboards"):
        shutil.copytree(FIXTURE_ASSETS / top, root / top)
    dashboard = root / "dashboards" / "test_oj" / "dashboard.yaml"
    dashboard.write_text(dashboard.read_text(encoding="utf-8") + "published: true\n", encoding="utf-8")
    (root / "roles").mkdir()
    shutil.copy2(REPO / "roles" / "lasare.yaml", root / "roles" / "lasare.yaml")
    return root
