"""plan previews register's command line; pull never writes into an installed package."""

from __future__ import annotations

import socket
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.databases import REPO

from jamfor.cli.main import main
from jamfor.superset.sync.folder import ENV_ASSETS
from jamfor.superset.sync.pull import InstalledAssetsFolder, check_writable_root


def options(name: str) -> set[str]:
    return {p.name for p in main.commands[name].params}


def test_plan_takes_the_options_that_decide_what_register_does_and_pull_only_where_to_read_and_write():
    shared = {"url", "username", "assets_dir", "env_name", "mode", "database_uri", "report_vars"}
    assert options("plan") == shared | {"as_json"}
    assert options("register") == shared | {"db_url", "prune"}
    assert options("pull") == {"url", "username", "assets_dir", "env_name"}
    for name in ("plan", "register", "pull"):
        envvars = {p.name: p.envvar for p in main.commands[name].params}
        assert envvars["url"] == "SUPERSET_URL"
        assert envvars.get("database_uri", "JAMFOR_SUPERSET_DB_URI") == "JAMFOR_SUPERSET_DB_URI"


def _site_packages_copy(tmp_path: Path) -> Path:
    """The assets as a wheel installs them: inside site-packages."""
    root = tmp_path / "venv/lib/python3.11/site-packages/jamfor/superset/bundled"
    (root / "datasets").mkdir(parents=True)
    (root / "dashboards").mkdir()
    return root


def test_pull_refuses_the_assets_installed_in_site_packages_before_asking_superset(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    installed = _site_packages_copy(tmp_path)
    monkeypatch.setenv("SUPERSET_USERNAME", "admin")
    monkeypatch.setenv("SUPERSET_PASSWORD", "x")
    for args, env in ((["--assets", str(installed)], {}), ([], {ENV_ASSETS: str(installed)})):
        result = CliRunner().invoke(main, ["pull", "--url", f"http://127.0.0.1:{closed}", *args],
                                    env={"COLUMNS": "300", **env})
        assert result.exit_code == 1, result.output
        message = " ".join(result.output.split())
        assert f"Error: {installed} is the copy of the assets installed with jamfor" in message
        assert "--assets DIR or set $JAMFOR_ASSETS_DIR to the checkout" in message
        assert "cannot reach" not in message  # refused before logging in


def test_the_folder_inside_the_package_is_refused_and_the_checkout_is_accepted():
    with pytest.raises(InstalledAssetsFolder):
        check_writable_root(Path(str(files("jamfor.superset"))) / "bundled")
    check_writable_root(REPO)
