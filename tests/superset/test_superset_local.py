"""The local Superset the suite (and `jamfor demo`) runs, started once per session (tests/superset_env.py)."""

from __future__ import annotations

import stat

import pytest
import requests

pytestmark = pytest.mark.superset


def test_the_local_superset_answers_health_and_lets_the_admin_log_in(superset):
    assert requests.get(f"{superset.url}/health", timeout=10).text == "OK"
    answer = requests.post(f"{superset.url}/api/v1/security/login", timeout=30, json={
        "username": superset.username, "password": superset.password, "provider": "db"})
    assert answer.status_code == 200
    assert answer.json()["access_token"]


def test_the_secret_key_and_admin_password_are_readable_only_by_their_owner(superset):
    for name in ("secret_key", "admin_password"):
        mode = stat.S_IMODE((superset.home / name).stat().st_mode)
        assert mode == 0o600, name


def test_the_admin_password_appears_in_no_config_or_log_file(superset):
    for name in ("superset_config.py", "superset.log", "setup.log"):
        path = superset.home / name
        if path.exists():
            assert superset.password not in path.read_text(errors="replace"), name
    assert superset.password not in repr(superset)


def test_the_config_line_installs_jamfor_into_superset(superset):
    config = (superset.home / "superset_config.py").read_text()
    assert "from jamfor.superset.config import *" in config
    assert '"ENABLE_TEMPLATE_PROCESSING": True' in config
    assert "PREVENT_UNSAFE_DB_CONNECTIONS = False" in config
