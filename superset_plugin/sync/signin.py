"""Signing in to a Superset from another machine, whichever way its people sign in.

Superset's REST login (``/api/v1/security/login``) takes a password for two providers only: ``db``
(its own user database) and ``ldap``, and by default only the one its ``AUTH_TYPE`` names. So:

- database login: ``db``; LDAP: ``db`` is refused with "Alternative authentication provider is not
  allowed", and the same user and password go to ``ldap``;
- single sign-on (``AUTH_OAUTH``) has no password for the API at all. Then jamfor uses a token
  (``SUPERSET_TOKEN``: a JWT ``superset jamfor token`` issued on the Superset host, or an API key), a
  database service user where the config allows one beside SSO (``AUTH_API_LOGIN_ALLOW_MULTIPLE_PROVIDERS``),
  or runs on the Superset host (``superset jamfor …``). ``SignInElsewhere`` says which provider the
  instance uses and those three ways.
"""

from __future__ import annotations

import html
import json
import re

from jamfor.errors import JamforError
from jamfor.redact import redact_url
from jamfor.superset.sync.client import SupersetClient, SupersetError

REFUSED_PROVIDER = "Alternative authentication provider is not allowed"
# Flask-AppBuilder's AUTH_TYPE values, as the login page's bootstrap data gives them.
AUTH_TYPES = {0: "OpenID 2.0", 1: "its user database (AUTH_DB)", 2: "LDAP (AUTH_LDAP)",
              3: "the web server's REMOTE_USER (AUTH_REMOTE_USER)", 4: "OAuth/OpenID Connect (AUTH_OAUTH)"}
_DOCS = 'docs/operating.md, "Sign-in: database, LDAP and single sign-on".'
_BOOTSTRAP = re.compile(r'data-bootstrap="([^"]*)"')
_OAUTH_BUTTON = re.compile(r'id="btn-signin-([^"]+)"')  # Flask-AppBuilder's own login_oauth.html


class SignInElsewhere(JamforError):
    """The Superset takes no password login over its API: it signs its people in another way."""

    def __init__(self, url: str, how: str, for_browser: bool = False) -> None:
        self.how = how
        head = (f"Superset at {redact_url(url)} signs people in with {how}; its API takes no password "
                "login for that.")
        if for_browser:  # a token or an API-only service user cannot open dashboards in a browser
            super().__init__(f"{head} Run `superset jamfor pdf` on the Superset host: it signs the "
                             "browser in as a service user, as Superset's own reports do. " + _DOCS)
            return
        super().__init__(
            f"{head} Use one of: (1) SUPERSET_TOKEN: a token issued on the Superset host by "
            "`superset jamfor token --username SERVICE_USER` (or a Flask-AppBuilder API key); (2) a "
            "database service user, if superset_config.py sets AUTH_API_LOGIN_ALLOW_MULTIPLE_PROVIDERS = "
            "True; (3) `superset jamfor plan|register|status|pull|pdf` on the Superset host, which needs "
            "no password. " + _DOCS)


def _refused_provider(exc: SupersetError) -> bool:
    return exc.status == 400 and REFUSED_PROVIDER in exc.superset_message


def sign_in(url: str, username: str, password: str) -> SupersetClient:
    """A logged-in client: database login, else LDAP when the instance refuses ``db``; raises
    ``SignInElsewhere`` when it refuses both (single sign-on)."""
    for provider in ("db", "ldap"):
        try:
            return SupersetClient.login(url, username, password, provider=provider)
        except SupersetError as exc:
            if not _refused_provider(exc):
                raise
    raise SignInElsewhere(url, describe_sign_in(url))


def describe_sign_in(url: str) -> str:
    """How the instance signs people in, read from its login page: 6.x's bootstrap data (AUTH_TYPE and
    the OAuth providers' names), else the provider buttons of Flask-AppBuilder's OAuth login page
    (4.1, 5.0); "another provider" when the page says neither."""
    try:
        page = SupersetClient(url, timeout=30).request("GET", "/login/", "login page").text
        match = _BOOTSTRAP.search(page)
        conf = json.loads(html.unescape(match.group(1)))["common"]["conf"] if match else {}
    except (SupersetError, ValueError, KeyError, TypeError):
        page, conf = "", {}
    providers = [str(p.get("name")) for p in conf.get("AUTH_PROVIDERS") or [] if isinstance(p, dict)]
    if not conf and (buttons := _OAUTH_BUTTON.findall(page)):
        conf, providers = {"AUTH_TYPE": 4}, [html.unescape(name) for name in buttons]
    how = AUTH_TYPES.get(conf.get("AUTH_TYPE"), "another provider than a password")
    return f"{how}, provider {', '.join(providers)}" if providers else how
