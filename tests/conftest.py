"""Fixtures live in the support package; the tiers are folders: unit, warehouse, superset, browser."""

pytest_plugins = ["support.databases", "support.superset_env"]
