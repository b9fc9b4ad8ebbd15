"""Fixtures live in the support package; the tiers are folders: unit, warehouse, superset, browser.

A test is marked by what its fixtures need, so ``-m "not postgres"`` (``make check``) never starts one
that would open a PostgreSQL database, and ``-m "not superset"`` none that starts Superset.
"""

import pytest

pytest_plugins = ["support.databases", "support.superset_env"]

_NEEDS = {
    "postgres": {"pg_url", "seeded_pg_url", "demo_pg_url", "demo_pg_ro", "demo_warehouse_pg"},
    "superset": {"superset", "superset_env"},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in _NEEDS.items():
            if names & fixtures and marker not in item.keywords:
                item.add_marker(getattr(pytest.mark, marker))
