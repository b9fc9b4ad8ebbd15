"""An installed jamfor (a wheel, no source checkout) carries datasets/ and dashboards/ and finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_every_python_package_of_the_repository_is_listed_in_pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts)
             for top in ("seed", "superset_plugin") for p in (REPO / top).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(target)],
                   check=True, capture_output=True)
    return next(target.glob("jamfor-*.whl"))


def test_the_wheel_carries_every_dataset_and_dashboard_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"superset_plugin/bundled/{p.relative_to(REPO).as_posix()}"
               for top in ("datasets", "dashboards") for p in (REPO / top).rglob("*.yaml")}
    assert shipped, "the repository has no asset YAML"
    assert shipped <= names, sorted(shipped - names)[:5]


def test_an_installed_package_reads_the_assets_it_carries(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("from superset_plugin.assets import read_assets, assets_root; a = read_assets(); "
            "print(assets_root(), len(a.assets), len(a.problems))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, check=True)
    root, count, problems = done.stdout.split()
    assert root == str(site / "superset_plugin" / "bundled")
    assert int(count) == sum(1 for top in ("datasets", "dashboards") for _ in (REPO / top).rglob("*.yaml"))
    assert problems == "0"
