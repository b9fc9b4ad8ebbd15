"""A password login refused because the Superset signs people in with OAuth: the error names the provider
and the ways jamfor works there, for the login pages of every supported Superset line.

The refusal is Flask-AppBuilder's own answer (its login schema, the same in 4.8 and 5.3); the pages are
what 4.1/5.0 (Flask-AppBuilder's login_oauth.html) and 6.x (the React page's bootstrap data) serve.
The tests/browser/test_signin_oidc.py tests see the same against a real Superset 6.1 and OIDC provider.
"""

from __future__ import annotations

import html
import json
from http.server import BaseHTTPRequestHandler

import pytest
from support.http_server import serving

from jamfor.superset.sync.signin import SignInElsewhere, sign_in

REFUSAL = {"message": {"provider": ["Alternative authentication provider is not allowed"]}}
FAB_OAUTH_PAGE = """<div class="panel-body"><div>
<a id="btn-signin-azure" class="btn btn-primary btn-block" type="submit">Sign In with azure
<i id="azure" class="provider-select fa fa-windows fa-1x"></i></a></div></div>"""
BOOTSTRAP = {"common": {"conf": {"AUTH_TYPE": 4, "AUTH_PROVIDERS": [{"name": "keycloak", "icon": "fa-key"}]}}}
REACT_PAGE = f'<div id="app" data-bootstrap="{html.escape(json.dumps(BOOTSTRAP))}"></div>'


def _superset(login_page: str, providers_tried: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            providers_tried.append(body["provider"])
            self._send(400, "application/json", json.dumps(REFUSAL))

        def do_GET(self) -> None:  # noqa: N802
            self._send(200, "text/html", login_page)

        def _send(self, status: int, kind: str, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.mark.parametrize(("page", "named"), [
    (FAB_OAUTH_PAGE, "OAuth/OpenID Connect (AUTH_OAUTH), provider azure"),
    (REACT_PAGE, "OAuth/OpenID Connect (AUTH_OAUTH), provider keycloak"),
    ("<html><body>Logga in</body></html>", "another provider than a password"),
], ids=["superset-4.1-and-5.0", "superset-6", "unknown-page"])
def test_a_refused_password_login_names_the_provider_and_the_jamfor_paths_after_trying_db_and_ldap(
        page, named):
    tried: list[str] = []
    with serving(_superset(page, tried)) as url, pytest.raises(SignInElsewhere) as refused:
        sign_in(url, "admin", "hemligt-lösen")
    message = str(refused.value)
    assert tried == ["db", "ldap"]
    assert message.startswith(f"Superset at {url} signs people in with {named}; its API takes no password")
    assert "`superset jamfor token --username SERVICE_USER`" in message
    assert "AUTH_API_LOGIN_ALLOW_MULTIPLE_PROVIDERS = True" in message
    assert "`superset jamfor plan|register|status|pull|pdf` on the Superset host" in message
    assert "hemligt-lösen" not in message
