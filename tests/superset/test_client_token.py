"""The REST client outlives Superset's access token.

Superset's access tokens last 15 minutes by default; `jamfor pdf` over 126 PDFs runs longer, and its
first run against the demo failed every report after minute 15 (HTTP 401 "Token has expired"). The
client keeps the refresh token it logs in with and gets a new access token when one has expired. Here a
Superset whose tokens last 2 seconds shows it.
"""

from __future__ import annotations

import time

import pytest
from support.superset_env import home_from_template

from jamfor.superset.runtime.local_superset import running
from jamfor.superset.sync.client import SupersetClient

pytestmark = pytest.mark.superset


def test_an_expired_access_token_is_renewed_with_the_refresh_token(superset_template, tmp_path):
    home = home_from_template(superset_template, tmp_path / "home")
    with running(home, extra_config="\nJWT_ACCESS_TOKEN_EXPIRES = 2\n") as instance:
        client = SupersetClient.login(instance.url, instance.username, instance.password)
        first = client.session.headers["Authorization"]
        time.sleep(3)
        answer = client.request("GET", "/api/v1/dashboard/", "list dashboards")
        assert answer.json()["count"] >= 0
        assert client.session.headers["Authorization"] != first
