"""Real databases as fixtures: empty ones per test, and seeded ones copied from a per-session template.

Seeding the demo warehouse takes seconds on SQLite and longer on PostgreSQL, and most warehouse tests
start from it, so it is seeded once per test session into a template and each test gets its own copy:
SQLite copies the file, PostgreSQL runs ``CREATE DATABASE … TEMPLATE`` (nothing stays connected to a
template, so the copy never waits). Tests that test seeding itself keep seeding an empty database.

Function scope, a fresh copy for each test:

- ``sqlite_url`` / ``pg_url`` / ``db_url``: empty;
- ``seeded_sqlite_url`` / ``seeded_pg_url`` / ``seeded_db_url``: after ``jamfor seed`` (reference,
  catalogues, published figures);
- ``demo_sqlite_url`` / ``demo_pg_url`` / ``demo_db_url``: after ``jamfor seed --demo``.

``demo_sqlite_ro`` / ``demo_pg_ro`` / ``demo_db_ro`` are one session-wide copy each, for tests that only
read. The ``*_db_*`` fixtures run a test once on SQLite and once on PostgreSQL (marked ``postgres``).
PostgreSQL tests fail, not skip, when CI=true: a missing server must not pass as green.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("JAMFOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("JAMFOR_TEST_SHARED", REPO.parent / "shared"))  # a worktree elsewhere: set it
IN_CI = os.environ.get("CI", "").lower() == "true"
BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def unavailable(reason: str) -> None:
    """Skip on a developer's machine without the service; fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def _seed(url: str, demo: bool) -> None:
    from jamfor.seed.db import engine_for
    from jamfor.seed.seeding import run_seed

    engine = engine_for(url)
    try:
        run_seed(engine, demo=demo)
    finally:
        engine.dispose()  # a PostgreSQL template must have no connections left when it is copied


# --- SQLite ------------------------------------------------------------------------------------------

@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "warehouse.db"
    yield f"sqlite:///{path}"
    path.unlink(missing_ok=True)  # tens of MB each, and the tmp folder may be in memory (make check)


def _sqlite_template(factory: pytest.TempPathFactory, demo: bool) -> Path:
    path = factory.mktemp("template") / ("demo.db" if demo else "seeded.db")
    _seed(f"sqlite:///{path}", demo)
    return path


@pytest.fixture(scope="session")
def _seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory, demo=False)


@pytest.fixture(scope="session")
def _demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory, demo=True)


def _sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / "warehouse.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@contextmanager
def _sqlite_copy_for_one_test(template: Path, folder: Path) -> Iterator[str]:
    url = _sqlite_copy(template, folder)
    yield url
    (folder / "warehouse.db").unlink(missing_ok=True)


@pytest.fixture
def seeded_sqlite_url(_seeded_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A copy of a SQLite warehouse after `jamfor seed` (no demo data)."""
    with _sqlite_copy_for_one_test(_seeded_sqlite_template, tmp_path) as url:
        yield url


@pytest.fixture
def demo_sqlite_url(_demo_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A copy of a SQLite warehouse after `jamfor seed --demo`; the test may change it."""
    with _sqlite_copy_for_one_test(_demo_sqlite_template, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def demo_sqlite_ro(_demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One session-wide copy of the SQLite demo warehouse, for tests that only read."""
    return _sqlite_copy(_demo_sqlite_template, tmp_path_factory.mktemp("demo-ro"))


# --- PostgreSQL --------------------------------------------------------------------------------------

def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def pg_database(template: str | None = None, prefix: str = "jamfor_t") -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of ``template``), dropped afterwards; any scope.
    ``prefix`` begins its name, so a leftover one says what it was for."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    copy_of = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
            # A test database needs no commit to survive a server crash: commits need not wait for the
            # disk (a client killed mid-load still loses nothing it had not committed).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # no server, no psycopg2, no rights: all mean "no PostgreSQL here"
        admin.dispose()
        unavailable(f"PostgreSQL at {PG_ADMIN_URL} unavailable: {type(exc).__name__}")
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _pg_template(demo: bool) -> Iterator[str]:
    """A seeded PostgreSQL database to copy from; yields its name (nothing stays connected to it)."""
    with pg_database() as url:
        _seed(url, demo)
        yield url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def _seeded_pg_template() -> Iterator[str]:
    with _pg_template(demo=False) as name:
        yield name


@pytest.fixture(scope="session")
def _demo_pg_template() -> Iterator[str]:
    with _pg_template(demo=True) as name:
        yield name


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    with pg_database() as url:
        yield url


@pytest.fixture
def seeded_pg_url(_seeded_pg_template: str) -> Iterator[str]:
    """A copy of a PostgreSQL warehouse after `jamfor seed` (no demo data)."""
    with pg_database(_seeded_pg_template) as url:
        yield url


@pytest.fixture
def demo_pg_url(_demo_pg_template: str) -> Iterator[str]:
    """A copy of a PostgreSQL warehouse after `jamfor seed --demo`; the test may change it."""
    with pg_database(_demo_pg_template) as url:
        yield url


@pytest.fixture(scope="session")
def demo_pg_ro(_demo_pg_template: str) -> Iterator[str]:
    """One session-wide copy of the PostgreSQL demo warehouse, for tests (and Superset) that only read."""
    with pg_database(_demo_pg_template) as url:
        yield url


# --- both --------------------------------------------------------------------------------------------

@pytest.fixture(params=BOTH)
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on an empty SQLite and once on an empty PostgreSQL database."""
    return request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_url")


@pytest.fixture(params=BOTH)
def seeded_db_url(request: pytest.FixtureRequest) -> str:
    """`jamfor seed` on SQLite and on PostgreSQL: a fresh copy for each test."""
    return request.getfixturevalue(f"seeded_{'sqlite' if request.param == 'sqlite' else 'pg'}_url")


@pytest.fixture(params=BOTH)
def demo_db_url(request: pytest.FixtureRequest) -> str:
    """`jamfor seed --demo` on SQLite and on PostgreSQL: a fresh copy for each test."""
    return request.getfixturevalue(f"demo_{'sqlite' if request.param == 'sqlite' else 'pg'}_url")


@pytest.fixture(scope="session", params=BOTH)
def demo_db_ro(request: pytest.FixtureRequest) -> str:
    """`jamfor seed --demo` on SQLite and on PostgreSQL, shared by the session: read, never write."""
    return request.getfixturevalue(f"demo_{'sqlite' if request.param == 'sqlite' else 'pg'}_ro")


@pytest.fixture
def shared() -> Path:
    """../shared: the seed documents are the test oracles."""
    if not (SHARED / "seeds").is_dir():
        unavailable(f"{SHARED} with the seed documents is missing")
    return SHARED
