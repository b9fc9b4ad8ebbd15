"""One real Superset 6.1.0 for the whole test session, and a seeded PostgreSQL warehouse next to it.

Starting Superset costs ~45 s the first time (db upgrade, init, admin) and ~6 s after: an initialised
metadata database is kept as a template under .pytest_cache/ and copied into a fresh home per session,
so every session starts with an empty Superset. Tests that use these fixtures carry
``pytestmark = pytest.mark.superset``. Without Superset they skip locally and fail when CI=true.

``superset_pg_metadata`` is a second Superset, as organisations run it: its metadata database is a new
PostgreSQL database (``jamfor_meta_<random>``, dropped at the end), initialised by Superset's own
``db upgrade`` and ``init`` (~60 s more per session). The access tests (roles, RLS, the reader in
Chromium) run on it; the rest of the tier on the SQLite one.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jamfor.superset.runtime.local_superset import SupersetInstance, initialise, running, superset_version
from support.databases import pg_database, unavailable

_TEMPLATE_FILES = ("secret_key", "admin_password", "superset.db", "jamfor-initialised")


def _template(cache_dir: Path) -> Path:
    """An initialised home for the installed Superset version (built once, kept between sessions)."""
    home = cache_dir / f"template-{superset_version()}"
    initialise(home)
    return home


def _needs_superset() -> None:
    if importlib.util.find_spec("superset") is None:
        unavailable("Superset is not installed (pip install -e '.[superset]')")


@pytest.fixture(scope="session")
def superset_template(request: pytest.FixtureRequest) -> Path:
    """The initialised home every test Superset starts from (built once, kept between sessions)."""
    _needs_superset()
    return _template(Path(request.config.cache.mkdir("jamfor-superset")))


def home_from_template(template: Path, home: Path) -> Path:
    """A new Superset home holding a copy of the template's initialised metadata database."""
    home.mkdir(parents=True, exist_ok=True)
    for name in _TEMPLATE_FILES:
        if (template / name).exists():
            shutil.copy2(template / name, home / name)
    return home


@pytest.fixture(scope="session")
def superset(superset_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetInstance]:
    """A running Superset on 127.0.0.1:<free port>: ``.url``, ``.username``, ``.password`` (admin)."""
    with running(home_from_template(superset_template, tmp_path_factory.mktemp("superset-home"))) as instance:
        yield instance


@pytest.fixture(scope="session")
def superset_pg_metadata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetInstance]:
    """A running Superset whose metadata database is a fresh PostgreSQL database (dropped afterwards):
    ``superset db upgrade``, ``init`` and the admin user run on it. Without Superset or PostgreSQL it
    skips locally and fails when CI=true."""
    _needs_superset()
    with pg_database(prefix="jamfor_meta") as metadata_uri:
        home = tmp_path_factory.mktemp("superset-pg-home")
        with running(home, metadata_uri=metadata_uri) as instance:
            yield instance


def _login(patch: pytest.MonkeyPatch, superset: SupersetInstance) -> None:
    patch.setenv("SUPERSET_URL", superset.url)
    patch.setenv("SUPERSET_USERNAME", superset.username)
    patch.setenv("SUPERSET_PASSWORD", superset.password)


@contextmanager
def operator_environment(superset: SupersetInstance, state: Path,
                         database_uri: str | None = None) -> Iterator[pytest.MonkeyPatch]:
    """The environment of one operator for a module's CLI runs: Superset login, a private state folder
    (registration state is per operator), the warehouse URI Superset is given, and no asset folder
    override left over from the shell."""
    with pytest.MonkeyPatch.context() as patch:
        _login(patch, superset)
        patch.setenv("XDG_STATE_HOME", str(state))
        patch.delenv("JAMFOR_ASSETS_DIR", raising=False)
        if database_uri is None:
            patch.delenv("JAMFOR_SUPERSET_DB_URI", raising=False)
        else:
            patch.setenv("JAMFOR_SUPERSET_DB_URI", database_uri)
        yield patch


@pytest.fixture
def superset_env(superset: SupersetInstance, monkeypatch: pytest.MonkeyPatch) -> SupersetInstance:
    """SUPERSET_URL / SUPERSET_USERNAME / SUPERSET_PASSWORD set for one test (for CLI runs)."""
    _login(monkeypatch, superset)
    return superset


@pytest.fixture(scope="session")
def demo_warehouse_pg(demo_pg_ro: str) -> str:
    """The session's PostgreSQL demo warehouse (`jamfor seed --demo`, copied from the template): read-only."""
    return demo_pg_ro
