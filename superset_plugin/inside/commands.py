"""The ``superset jamfor …`` commands, installed into Superset's CLI by ``jamfor.superset.config``.

They run inside Superset's app context and register through the same function as ``jamfor register``
and ``jamfor demo`` (``jamfor.superset.sync.register.register``: validate, import, verify, record state);
only the client differs: ``jamfor.superset.inside.in_process`` answers in-process and imports with
ImportAssetsCommand, so no web server, login or PREVENT_UNSAFE_DB_CONNECTIONS check is involved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.engine import make_url

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
@click.option("--database-uri", envvar="JAMFOR_SUPERSET_DB_URI", required=True, metavar="URI",
              help="How Superset reaches the warehouse. Default: $JAMFOR_SUPERSET_DB_URI.")
@click.option("--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder holding datasets/ and dashboards/. Default: $JAMFOR_ASSETS_DIR, else the ones "
              "shipped with jamfor.")
@click.option("--db", "db_url", metavar="URL",
              help="Warehouse SQLAlchemy URL for jamfor's own SQL checks of every dataset. Default: "
              "$JAMFOR_DB_URL, else the SQLite file $XDG_DATA_HOME/jamfor/jamfor.db if it exists, else no "
              "SQL check.")
@click.option("--url", envvar="SUPERSET_URL", metavar="URL",
              help="The address people use for this Superset: the registration state is kept under it, "
              "so `jamfor plan --url` sees this registration. Default: $SUPERSET_URL, else this "
              "Superset's metadata database.")
@click.option("--username", default="admin", show_default=True,
              help="The Superset user the import acts as (owner of new objects).")
def register_command(database_uri: str, assets_dir: Path | None, db_url: str | None, url: str | None,
                     username: str) -> None:
    """Validate, import, verify every chart's data and record the state: as `jamfor register` does."""
    from jamfor.errors import JamforError
    from jamfor.seed.db import engine_for, resolve_url
    from jamfor.superset.inside.in_process import InProcessSuperset
    from jamfor.superset.sync.assets import load_assets
    from jamfor.superset.sync.register import register

    try:
        assets = load_assets(assets_dir)
        client = InProcessSuperset.for_user(username)
        warehouse = resolve_url(db_url, only_existing=True)
        engine = engine_for(warehouse) if warehouse else None
        result = register(client, assets, database_uri, _state_url(url), engine=engine,
                          on_step=lambda step: click.echo(f"{step} …", err=True))
    except JamforError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(f"Registered {len(assets.assets)} assets in Superset {client.version} against "
               f"{redact_url(database_uri)}; "
               f"{len(result.chart_data)} charts answer with data ({sum(result.chart_rows.values())} rows). "
               f"State: {result.state_file}")
    for check in result.access_checks:
        click.echo(printable(check.describe()))
