"""A manager on Superset as organisations run it: Superset 6.1.0 whose metadata database is PostgreSQL
(``superset_pg_metadata``), with every asset and role of the repository registered by `jamfor register`.

register's own checks as the people must pass there: as a reader (Gamma + jamfor-läsare) every
dashboard opens and every chart answers with rows over the API and SQL Lab is refused; as an analyst
(Gamma + sql_lab + jamfor-analytiker) SQL Lab queries the warehouse and refuses to write to it. Then the
reader logs in through the React form in Chromium and every chart of every dashboard draws. (Gamma alone
and the RLS filter on this Superset: tests/superset/test_superset_access.py.)
Without PostgreSQL, Chromium or Playwright they skip locally and fail when CI=true.
"""

from __future__ import annotations

import importlib.util
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import access_check_lines
from support.browser import CHROMIUM, VIEWPORT, launch, log_in, open_dashboard, repo_dashboards
from support.databases import unavailable
from support.superset_env import operator_environment

from jamfor.cli.main import main
from jamfor.superset.access.people import ensure_user
from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.client import SupersetClient

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres]

DASHBOARDS = repo_dashboards()
READER = "lasare-pa-postgresql"


@pytest.fixture(scope="module")
def registered(superset_pg_metadata, demo_warehouse_pg, tmp_path_factory) -> str:
    """The output of `jamfor register` of the repository's assets (state in a temp folder)."""
    with operator_environment(superset_pg_metadata, tmp_path_factory.mktemp("state"), demo_warehouse_pg):
        result = CliRunner().invoke(main, ["register", "--db", demo_warehouse_pg], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def reader_context(registered, superset_pg_metadata) -> Iterator[Any]:
    """Chromium logged in as a manager: a user with Gamma and jamfor-läsare, nothing else."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    superset = superset_pg_metadata
    password = secrets.token_urlsafe(18)
    admin = SupersetClient.login(superset.url, superset.username, superset.password)
    ensure_user(admin, READER, password, ["Gamma", "jamfor-läsare"])
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        log_in(page, superset.url, READER, password)
        page.close()
        yield context
        context.close()
        browser.close()


def test_register_checks_as_a_reader_and_an_analyst_on_the_postgresql_metadata_database(registered):
    assets = read_assets()
    text = " ".join(registered.split())
    for line in access_check_lines("jamfor-läsare", "jamfor-analytiker", len(assets.of("dashboard")),
                                   len(assets.of("chart"))):
        assert line in text
    assert "FAILED" not in text


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_a_reader_with_gamma_and_the_reader_role_sees_every_chart_of_the_dashboard_draw(
        reader_context, superset_pg_metadata, dashboard):
    page = reader_context.new_page()
    try:
        states = open_dashboard(page, superset_pg_metadata.url, dashboard.slug, dashboard.charts)
    finally:
        page.close()
    assert len(states) == dashboard.charts
    assert [s.title for s in states if s.error] == [], [f"{s.title}: {s.error}" for s in states if s.error]
    assert [s.title for s in states if not s.drawn] == []
