"""What a wheel installs: one import name, `jamfor`, carrying its datasets and dashboards."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {"jamfor": "jamfor", "seed": "jamfor.seed", "superset_plugin": "jamfor.superset"}


def _setuptools_config() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_python_package_of_the_repository_is_listed_under_its_jamfor_name():
    listed = set(_setuptools_config()["packages"])
    found = {".".join([FOLDERS[top], *p.parent.relative_to(REPO / top).parts])
             for top in FOLDERS for p in (REPO / top).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert all(name == "jamfor" or name.startswith("jamfor.") for name in listed)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(target)],
                   check=True, capture_output=True)
    return next(target.glob("jamfor-*.whl"))


@pytest.mark.process
def test_the_wheel_carries_every_dataset_and_dashboard_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"jamfor/superset/bundled/{p.relative_to(REPO).as_posix()}"
               for top in ("datasets", "dashboards", "reports", "roles")
               for p in (REPO / top).rglob("*.yaml")}
    assert shipped, "the repository has no asset YAML"
    assert shipped <= names, sorted(shipped - names)[:5]
    recorded = (REPO / "superset_plugin" / "superset_keys").glob("*.json")
    schemas = {f"jamfor/superset/superset_keys/{p.name}" for p in recorded}
    assert len(schemas) == 4 and schemas <= names  # validate --superset-version needs them installed


@pytest.mark.process
def test_the_wheel_carries_the_swedish_source_and_what_superset_reads_of_it(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    folder = "jamfor/superset/inside/translations/sv/LC_MESSAGES"
    assert {f"{folder}/messages.po", f"{folder}/messages.mo", f"{folder}/messages.json"} <= names


@pytest.mark.process
def test_a_clean_venv_gains_only_jamfor_entries_in_site_packages(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(python), "-c", purelib],
                               check=True, capture_output=True, text=True).stdout.strip())
    before = {p.name for p in site.iterdir()}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    gained = {p.name for p in site.iterdir()} - before
    assert gained == {"jamfor", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    code = ("from jamfor.superset.sync.assets import read_assets, assets_root; a = read_assets(); "
            "print(assets_root(), len(a.assets), len(a.problems))")
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(_deps_site()), "PATH": "/usr/bin:/bin"}, check=True)
    root, count, problems = done.stdout.split()
    assert root == str(site / "jamfor" / "superset" / "bundled")
    assert int(count) == sum(1 for top in ("datasets", "dashboards") for _ in (REPO / top).rglob("*.yaml"))
    assert problems == "0"


@pytest.mark.process
def test_an_installed_jamfor_uses_the_organisation_folder_so_register_never_reverts_a_pull(wheel, tmp_path):
    """The bug of issue 24: installed non-editable, `pull --assets CHECKOUT` wrote an edit and a plain
    `register` then registered the bundled copy. Now the folder comes from the jamfor.yaml found from
    the current directory (and says so), and without one register refuses the bundled copy."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    environ = {"PYTHONPATH": str(_deps_site()), "PATH": "/usr/bin:/bin", "COLUMNS": "300",
               "XDG_STATE_HOME": str(tmp_path / "st"), "HOME": str(tmp_path)}

    def jamfor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        code = "import sys; from jamfor.cli.main import main; sys.argv[0] = 'jamfor'; main()"
        return subprocess.run([str(python), "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                              env=environ)

    org = tmp_path / "org"
    made = jamfor("assets", "init", str(org), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    chart = next((org / "dashboards").rglob("charts/*.yaml"))
    edited = yaml.safe_load(chart.read_text())
    edited["slice_name"] = "Redigerad i Superset"
    chart.write_text(yaml.safe_dump(edited, allow_unicode=True))  # what pull writes into the folder
    inside = jamfor("validate", "--no-superset-schemas", cwd=org / "dashboards")
    assert inside.stderr.splitlines()[0] == f"assets: {org} (organisation folder)", inside.stderr
    assert inside.returncode == 0, inside.stderr
    assert f"files in {org} are valid" in " ".join(inside.stderr.split())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bundled = jamfor("validate", "--no-superset-schemas", cwd=elsewhere)
    assert "(bundled with jamfor" in bundled.stderr.splitlines()[0]
    refused = jamfor("register", "--url", "http://127.0.0.1:9", "--database-uri", "sqlite:///w.db",
                     cwd=elsewhere)
    assert refused.returncode == 1
    message = " ".join(refused.stderr.split())
    assert f"the organisation's assets folder is {org}" in message and "Run inside" in message
    assert "cannot reach" not in message  # refused before logging in


def _deps_site() -> str:
    """The test venv's site-packages: jamfor's dependencies (yaml, pandas …), not jamfor itself."""
    return str(Path(yaml.__file__).resolve().parent.parent)


def test_contributing_maps_each_folder_to_the_import_name_pyproject_installs_it_as():
    rows = re.findall(r"^\| `([^`]+)/` \| `([^`]+)` \|", (REPO / "CONTRIBUTING.md").read_text(), re.MULTILINE)
    package_dir = _setuptools_config()["package-dir"]
    assert dict(rows) == {folder: name for name, folder in package_dir.items()}
    assert {name for _, name in rows} <= set(_setuptools_config()["packages"])
