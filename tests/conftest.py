"""Fixtures live in the support package; the tiers are folders: unit, warehouse, superset, browser.

tests/compat (each supported Superset version in its own venv) runs only under `make test-compat`, which
sets JAMFOR_COMPAT_VERSION; a plain `pytest` leaves it out.

A test is marked by what its fixtures need, so ``-m "not postgres"`` (``make check``) never starts one
that would open a PostgreSQL database, and ``-m "not superset"`` none that starts Superset.
"""

import os

import pytest

collect_ignore = [] if os.environ.get("JAMFOR_COMPAT_VERSION") else ["compat"]

pytest_plugins = ["support.databases", "support.kolada_server", "support.superset_env"]

_NEEDS = {
    "postgres": {"pg_url", "seeded_pg_url", "demo_pg_url", "demo_pg_ro", "demo_warehouse_pg",
                 "superset_pg_metadata"},
    "superset": {"superset", "superset_env", "superset_template", "superset_pg_metadata"},
}


@pytest.fixture(autouse=True, scope="session")
def _cli_output_of_a_wide_terminal() -> None:
    """What a test reads from the CLI must not depend on where it runs: an xdist worker has no terminal
    (rich then assumes 80 columns and shortens table cells), a developer's shell has its own width."""
    from jamfor.cli.output import err, out

    err.width = out.width = 200


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in _NEEDS.items():
            if names & fixtures and marker not in item.keywords:
                item.add_marker(getattr(pytest.mark, marker))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No test selected is a broken selection (a wrong path or marker), not a pass: fail and say so."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.config.get_terminal_writer().line(
            "no test was selected: check the paths and the -m/-k expression", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
