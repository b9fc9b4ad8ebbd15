"""Single sign-on with OpenID Connect: a real provider (panva's oidc-provider), a Superset with AUTH_OAUTH
(Flask-AppBuilder's Azure AD provider, as docs/operating.md configures it) and jamfor without a Superset
password — in-process on the Superset host, with a token from another machine, and `superset jamfor pdf`
signing its browser in the way Superset's own reports do.

A reader signs in through the real redirect flow in Chromium and lands in the reader role through the
group mapping (AUTH_ROLES_MAPPING on the ID token's ``roles``).
"""

from __future__ import annotations

import importlib.util
import json
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import superset_jamfor
from support.browser import RENDER_TIMEOUT_MS, VIEWPORT, goto_dashboard, launch, repo_dashboards
from support.databases import REPO, unavailable
from support.oidc_server import OidcUser, oidc_provider
from support.signin import (
    READER_GROUP,
    READER_ROLE,
    host_token,
    oauth_config,
    register_on_host,
    signin_superset,
)

from jamfor.cli.main import main
from jamfor.superset.pdf.render import CHROMIUM, TIMEOUT_MS, count_pdf_pages
from jamfor.superset.runtime.local_superset import free_port
from jamfor.superset.sync.assets import read_assets
from jamfor.superset.sync.client import SupersetClient, SupersetError

pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres, pytest.mark.timeout(1800)]

FIXTURE_ASSETS = str(REPO / "tests" / "fixtures" / "superset_assets")
FIXTURE_SLUG = "jamfor-test-oj"
FIXTURE_CHART = "bf5ea7e5-8aa1-4353-839e-caf3dd59aba4"
READER = OidcUser("lena", "lena-lösen-1", "Lena", "Läsare", (READER_GROUP,))
OUTSIDER = OidcUser("olle", "olle-lösen-2", "Olle", "Utanför", ())


@pytest.fixture(scope="module")
def sso(superset_template, demo_warehouse_pg, tmp_path_factory):
    """(Superset with OIDC sign-in and every shipped asset and role registered on its host, an admin
    token from the host, a folder)."""
    if not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None:
        unavailable("Chromium or Playwright for Python is missing")
    folder = tmp_path_factory.mktemp("oidc")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/oauth-authorized/azure"
    with oidc_provider(folder / "oidc.log", [READER, OUTSIDER], [redirect]) as provider:
        config = oauth_config(provider, {READER_GROUP: [READER_ROLE]})
        with signin_superset(superset_template, folder / "superset", port, config,
                             {"oidc_client_secret": provider.client_secret}) as instance:
            # the operator registers the assets and jamfor's roles on the Superset host, no password
            output = register_on_host(instance, demo_warehouse_pg, folder / "state", "--url", instance.url)
            assert f"Verified as Gamma + {READER_ROLE}: opens every dashboard (4 of 4)" in output
            yield instance, host_token(instance, "admin", folder), folder


@contextmanager
def signed_in(url: str, user: OidcUser) -> Iterator[Any]:
    """A Chromium page signed in as ``user``: Superset's login page → the provider's login form →
    back in Superset (the redirect flow a person goes through)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.goto(f"{url}/login/", timeout=RENDER_TIMEOUT_MS)
            page.click('a[href*="/login/azure"], button:has-text("azure")', timeout=RENDER_TIMEOUT_MS)
            page.wait_for_selector("#login", timeout=RENDER_TIMEOUT_MS)  # the provider's own page
            assert "/interaction/" in page.url and not page.url.startswith(url)
            page.fill("#login", user.login)
            page.fill("#password", user.password)
            page.click("#submit")
            # the way back runs three requests through two servers: as long as a page may take (TIMEOUT_MS)
            page.wait_for_url("**/superset/welcome/**", wait_until="load", timeout=TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def _me(page: Any, url: str) -> dict:
    answer = page.request.get(f"{url}/api/v1/me/roles/")
    assert answer.ok, answer.text()
    return answer.json()["result"]


def _as_the_browser(page: Any, url: str) -> SupersetClient:
    """A REST client with the browser's session cookie: it sees exactly what the signed-in person sees."""
    client = SupersetClient(url)
    for cookie in page.context.cookies(url):
        client.session.cookies.set(cookie["name"], cookie["value"])
    return client


def test_an_sso_reader_lands_in_the_reader_role_and_sees_all_four_dashboards_and_every_chart_with_rows(sso):
    superset, _, _ = sso
    assets = read_assets(REPO)
    with signed_in(superset.url, READER) as page:
        me = _me(page, superset.url)
        assert set(me["roles"]) == {"Gamma", READER_ROLE}
        assert (me["firstName"], me["lastName"], me["email"]) == ("Lena", "Läsare", "lena@kommun.example.se")

        reader = _as_the_browser(page, superset.url)
        assert set(reader.find("dashboard", [d.uuid for d in assets.of("dashboard")])) == \
            {d.uuid for d in assets.of("dashboard")}
        charts = reader.find("chart", [c.uuid for c in assets.of("chart")])
        assert charts and len(charts) == len(assets.of("chart"))
        empty = [uuid for uuid, chart in charts.items()
                 if not any(r.get("data") for r in reader.chart_data(int(chart["id"]))["result"])]
        assert empty == []

        # and in Chromium each dashboard opens for the reader with its charts laid out (drawing every chart
        # of all four is tests/browser/test_reader_on_postgres_metadata.py's, as a reader with the same roles)
        dashboards = repo_dashboards()
        assert len(dashboards) == 4
        for dashboard in dashboards:
            goto_dashboard(page, superset.url, dashboard.slug)
            assert page.locator('[data-test="dashboard-component-chart-holder"]').count() >= 1, dashboard.slug


def test_a_person_outside_the_reader_group_signs_in_with_gamma_alone_and_sees_none_of_our_data(sso):
    superset, _, _ = sso
    assets = read_assets(REPO)
    with signed_in(superset.url, OUTSIDER) as page:
        assert set(_me(page, superset.url)["roles"]) == {"Gamma"}
        outsider = _as_the_browser(page, superset.url)
        assert outsider.find("dashboard", [d.uuid for d in assets.of("dashboard")]) == {}
        assert outsider.find("chart", [c.uuid for c in assets.of("chart")]) == {}


def test_a_password_login_under_sso_says_which_provider_and_which_jamfor_path_to_take(sso, monkeypatch):
    superset, _, folder = sso
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    monkeypatch.setenv("SUPERSET_PASSWORD", superset.password)
    monkeypatch.delenv("SUPERSET_TOKEN", raising=False)
    done = CliRunner().invoke(main, ["plan", "--url", superset.url, "--username", superset.username,
                                     "--assets", FIXTURE_ASSETS])
    assert done.exit_code == 1
    message = " ".join(done.output.split())
    assert (f"Superset at {superset.url} signs people in with OAuth/OpenID Connect (AUTH_OAUTH), provider "
            "azure; its API takes no password login for that.") in message
    assert "`superset jamfor token --username SERVICE_USER`" in message
    assert "`superset jamfor plan|register|status|pull|pdf` on the Superset host" in message
    assert superset.password not in done.output


def test_superset_jamfor_register_plan_status_and_pull_work_on_the_host_without_a_password(
        sso, demo_warehouse_pg, tmp_path):
    superset, token, _ = sso
    state = tmp_path / "state"
    args = ["--assets", FIXTURE_ASSETS, "--url", superset.url]
    registered = superset_jamfor(superset, "register", *args, "--database-uri", demo_warehouse_pg,
                                 state=state)
    assert registered.returncode == 0, registered.stderr[-2000:]
    assert "1 charts answer with data (3 rows)" in registered.stdout

    plan = superset_jamfor(superset, "plan", *args, state=state)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]  # nothing to do after register
    assert "0 to create, 0 to update, 4 unchanged" in " ".join(plan.stdout.split())

    status = superset_jamfor(superset, "status", *args, state=state)
    assert status.returncode == 0, status.stderr[-2000:]
    assert "registered version 0.1.0" in status.stdout and "No drift." in status.stdout

    # an analyst's edit in the UI, pulled back into a copy of the files on the host
    admin = SupersetClient.with_token(superset.url, token)
    chart = admin.find("chart", [FIXTURE_CHART])[FIXTURE_CHART]
    admin.put("chart", int(chart["id"]), {"description": "Ändrad i Superset av en analytiker."})
    copy = tmp_path / "assets"
    for top in ("datasets", "dashboards"):
        shutil.copytree(Path(FIXTURE_ASSETS) / top, copy / top)
    pulled = superset_jamfor(superset, "pull", "--assets", str(copy), "--url", superset.url, state=state)
    assert pulled.returncode == 0, pulled.stderr[-2000:]
    assert "1 files changed" in " ".join(pulled.stdout.split())
    written = (copy / "dashboards" / "test_oj" / "charts" / "ibic_riket.yaml").read_text()
    assert "Ändrad i Superset av en analytiker." in written


def test_jamfor_on_another_machine_runs_plan_and_status_with_a_token_issued_on_the_host(sso, monkeypatch,
                                                                                      tmp_path):
    superset, token, folder = sso
    monkeypatch.setenv("XDG_STATE_HOME", str(folder / "remote"))
    monkeypatch.setenv("SUPERSET_TOKEN", token)
    monkeypatch.delenv("SUPERSET_PASSWORD", raising=False)
    done = CliRunner().invoke(main, ["plan", "--url", superset.url, "--assets", FIXTURE_ASSETS])
    assert done.exit_code in (0, 2), done.output
    assert f"Superset 6.1.0 at {superset.url}" in done.output
    assert token not in done.output
    warehouse = f"sqlite:///{tmp_path / 'w.db'}"
    status = CliRunner().invoke(main, ["status", "--db", warehouse, "--url", superset.url])
    assert f"Superset {superset.url}: registered version" in " ".join(status.output.split()), status.output


def test_jamfor_pdf_with_only_a_token_says_to_run_superset_jamfor_pdf_on_the_host(sso, monkeypatch, tmp_path):
    superset, token, _ = sso
    monkeypatch.setenv("SUPERSET_TOKEN", token)
    monkeypatch.delenv("SUPERSET_PASSWORD", raising=False)
    done = CliRunner().invoke(main, ["pdf", "--url", superset.url, "--out", str(tmp_path)])
    assert done.exit_code == 2
    assert "run `superset jamfor pdf` on the Superset host" in " ".join(done.output.split())


def test_superset_jamfor_pdf_renders_a_pdf_under_sso_as_a_service_user_without_a_login_form(
        sso, demo_warehouse_pg, tmp_path):
    superset, _, _ = sso
    state = tmp_path / "state"
    registered = superset_jamfor(superset, "register", "--assets", FIXTURE_ASSETS, "--database-uri",
                                 demo_warehouse_pg, state=state)
    assert registered.returncode == 0, registered.stderr[-2000:]
    out = tmp_path / "pdf"
    done = superset_jamfor(superset, "pdf", "--dashboard", FIXTURE_SLUG, "--filter", "Område=Riket",
                           "--out", str(out), "--url", superset.url, "--username", "admin", "--jobs", "1",
                           state=state)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "1 rendered, 0 unchanged (skipped), 0 failed" in " ".join(done.stdout.split())
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1
    data = pdfs[0].read_bytes()
    assert data.startswith(b"%PDF") and count_pdf_pages(data) >= 2  # the title page and the dashboard
    index = json.loads((out / ".jamfor-report.json").read_text())
    assert [entry["filters"] for entry in index.values()] == [[["Område", "Riket"]]]


def test_a_token_acts_as_its_service_user_until_that_user_is_deactivated(sso):
    superset, admin_token, folder = sso
    admin = SupersetClient.with_token(superset.url, admin_token)
    gamma = admin.search("security/roles", "name", "Gamma", columns=("id", "name"))[0]["id"]
    created = admin.post("security/users", {
        "first_name": "Rapport", "last_name": "Tjänst", "username": "rapport", "email": "rapport@example.se",
        "active": True, "roles": [gamma], "password": secrets.token_urlsafe(24)})
    token = host_token(superset, "rapport", folder)
    service = SupersetClient.with_token(superset.url, token)
    assert service.request("GET", "/api/v1/me/", "me").json()["result"]["username"] == "rapport"

    admin.put("security/users", int(created["id"]), {"active": False})
    with pytest.raises(SupersetError) as refused:
        SupersetClient.with_token(superset.url, token)
    assert refused.value.status == 401
    assert token not in str(refused.value)
