"""The ``superset jamfor …`` commands, installed into Superset's CLI by ``jamfor.superset.config``.

They run inside Superset's app context, as a named Superset user, with no password: what an operator
runs on the Superset host when its people sign in with single sign-on. ``register`` registers through
the same function as ``jamfor register`` and ``jamfor demo`` (``jamfor.superset.sync.register.register``:
validate, import, verify, record state); ``plan``, ``pull``, ``status`` and ``pdf`` are the very
commands of ``jamfor`` (``jamfor.cli``), given an in-process connection instead of a REST login. Only
the client differs: ``jamfor.superset.inside.in_process`` answers in-process and imports with
ImportAssetsCommand, so no web server, login or PREVENT_UNSAFE_DB_CONNECTIONS check is involved; the
PDFs' browser is signed in with Superset's own machine login (``machine_login``). ``token`` issues the
credential jamfor uses from another machine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from jamfor.cli.superset import ENV_OPTION, MODE_OPTION
from jamfor.errors import printable
from jamfor.redact import redact_url


@click.group("jamfor")
def jamfor_group() -> None:
    """jamfor: register the Öppna jämförelser and SKR datasets and dashboards in this Superset."""


def _state_url(url: str | None) -> str:
    """What names the registration state: the address people use, else this app's metadata database."""
    if url:
        return url.rstrip("/")
    from flask import current_app

    metadata = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return f"in-app:{redact_url(str(metadata))}"


@jamfor_group.command("register")
@click.option("--database-uri", envvar="JAMFOR_SUPERSET_DB_URI", metavar="URI",
              help="How Superset reaches the warehouse. Default: $JAMFOR_SUPERSET_DB_URI, else the --env "
              "environment's.")
@click.option("--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder holding datasets/ and dashboards/. Default: $JAMFOR_ASSETS_DIR, else the folder "
              "of the nearest jamfor.yaml from here upward, else the ones shipped with jamfor (refused once "
              "an organisation folder exists).")
@click.option("--db", "db_url", metavar="URL",
              help="Warehouse SQLAlchemy URL for jamfor's own SQL checks of every dataset. Default: "
              "$JAMFOR_DB_URL, else the SQLite file $XDG_DATA_HOME/jamfor/jamfor.db if it exists, else no "
              "SQL check.")
@click.option("--url", envvar="SUPERSET_URL", metavar="URL",
              help="The address people use for this Superset: the registration state is kept under it, "
              "so `jamfor plan --url` sees this registration. Default: $SUPERSET_URL, else the --env "
              "environment's, else this Superset's metadata database.")
@ENV_OPTION
@MODE_OPTION
@click.option("--username", default="admin", show_default=True,
              help="The Superset user the import acts as (owner of new objects).")
def register_command(database_uri: str | None, assets_dir: Path | None, db_url: str | None, url: str | None,
                     env_name: str | None, mode: str | None, username: str) -> None:
    """Validate, import, verify every chart's data and record the state: as `jamfor register` does, with
    the same --env and --mode."""
    from jamfor.cli.superset import resolve_target
    from jamfor.errors import JamforError
    from jamfor.seed.db import engine_for, resolve_url
    from jamfor.superset.inside.in_process import InProcessSuperset
    from jamfor.superset.sync.assets import load_assets
    from jamfor.superset.sync.folder import refuse_bundled
    from jamfor.superset.sync.register import register

    try:
        chosen = resolve_target(assets_dir, env_name, url, database_uri, mode=mode)
        if not chosen.database_uri:
            raise click.UsageError("say how Superset reaches the warehouse: --database-uri, "
                                   "$JAMFOR_SUPERSET_DB_URI or an --env that names it")
        refuse_bundled(chosen.folder)
        assets = load_assets(chosen.folder.root)
        client = InProcessSuperset.for_user(username)
        warehouse = resolve_url(db_url, only_existing=True)
        engine = engine_for(warehouse) if warehouse else None
        result = register(client, assets, chosen.database_uri, _state_url(chosen.url), engine=engine,
                          on_step=lambda step: click.echo(f"{step} …", err=True), settings=chosen.settings,
                          stamp=chosen.stamp)
    except JamforError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(f"Registered {len(assets.assets)} assets ({chosen.stamp.mode}) in Superset {client.version} "
               f"against {redact_url(chosen.database_uri)}; "
               f"{len(result.chart_data)} charts answer with data ({sum(result.chart_rows.values())} rows). "
               f"State: {result.state_file}")
    for check in result.access_checks:
        click.echo(printable(check.describe()))


def _in_process(url: str | None, username: str | None) -> tuple[Any, str]:
    """The connection of `superset jamfor plan|pull|status`: the acting user, the state's URL."""
    from jamfor.superset.inside.in_process import InProcessSuperset

    return InProcessSuperset.for_user(username or "admin"), _state_url(url)


def _in_process_pdf(url: str | None, username: str | None) -> tuple[Any, Any, str]:
    """`superset jamfor pdf`: the acting user in-process, and its browser signed in with Superset's
    machine login at --url, else WEBDRIVER_BASEURL (the address Superset's own reports open)."""
    from flask import current_app

    from jamfor.superset.inside.in_process import InProcessSuperset
    from jamfor.superset.inside.machine_login import browser_cookies
    from jamfor.superset.pdf.render import CookieSignIn

    client = InProcessSuperset.for_user(username or "admin")
    base = (url or current_app.config["WEBDRIVER_BASEURL"]).rstrip("/")
    return client, CookieSignIn(browser_cookies(client.user)), base


def add_shared_commands() -> None:
    """plan, pull, status and pdf: the `jamfor` commands themselves, connected in-process. Called when
    Superset's app installs the group (``jamfor.superset.config``), not at import; once."""
    if "plan" in jamfor_group.commands:
        return
    from jamfor.cli.main import handles_errors
    from jamfor.cli.pdf import add_pdf_command
    from jamfor.cli.superset import add_superset_commands, print_superset_status

    shared = click.Group()
    add_superset_commands(shared, handles_errors, connector=_in_process)
    add_pdf_command(shared, handles_errors, session=_in_process_pdf)
    for name in ("plan", "pull", "pdf"):
        jamfor_group.add_command(shared.commands[name])

    @jamfor_group.command("status")
    @click.option("--url", envvar="SUPERSET_URL", metavar="URL",
                  help="The address people use for this Superset (names the registration state, as for "
                  "register). Default: $SUPERSET_URL, else this Superset's metadata database.")
    @click.option("--username", default="admin", show_default=True, help="The Superset user to act as.")
    @click.option("--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path),
                  metavar="DIR", help="Folder holding datasets/ and dashboards/.")
    @ENV_OPTION
    @MODE_OPTION
    @handles_errors
    def status_command(url: str | None, username: str, assets_dir: Path | None, env_name: str | None,
                       mode: str | None) -> None:
        """Registered version and drift, as `jamfor status --url` shows them."""
        print_superset_status(url, assets_dir, connector=_in_process, username=username, env_name=env_name,
                              mode=mode)


@jamfor_group.command("token")
@click.option("--username", required=True, help="The service user the token acts as (give it only the "
              "roles jamfor needs).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650),
              help="How long the token is valid.")
def token_command(username: str, days: int) -> None:
    """Print a REST API token for USERNAME, for jamfor on another machine ($SUPERSET_TOKEN): no password,
    so it works under single sign-on. Keep it like a password; deactivating the user revokes it."""
    from jamfor.errors import JamforError
    from jamfor.superset.inside.machine_login import issue_token, service_user

    try:
        token, expires = issue_token(service_user(username), days)
    except JamforError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(f"Token for {username}, valid until {expires:%Y-%m-%d %H:%M} UTC; set it as SUPERSET_TOKEN.",
               err=True)
    click.echo(token)

