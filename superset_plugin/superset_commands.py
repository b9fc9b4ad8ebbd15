"""The ``superset jamfor …`` commands, installed into Superset's CLI by ``jamfor.superset.config``.

They run inside Superset's app context, so they import in-process with ImportAssetsCommand: no REST,
no login, and no PREVENT_UNSAFE_DB_CONNECTIONS check (an embedded SQLite warehouse works). The bundle
and its checks are the same as ``jamfor register`` uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jamfor.seed.db import safe_url


@click.group("jamfor")
def jamfor_group() -> None:
    """jamfor: register the Öppna jämförelser and SKR datasets and dashboards in this Superset."""


@jamfor_group.command("register")
@click.option("--database-uri", envvar="JAMFOR_SUPERSET_DB_URI", required=True, metavar="URI",
              help="How Superset reaches the warehouse. Default: $JAMFOR_SUPERSET_DB_URI.")
@click.option("--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder holding datasets/ and dashboards/. Default: the ones shipped with jamfor.")
@click.option("--username", default="admin", show_default=True,
              help="The Superset user the import acts as (owner of new objects).")
def register_command(database_uri: str, assets_dir: Path | None, username: str) -> None:
    """Import every jamfor dataset, chart and dashboard into this Superset (overwrites only ours)."""
    from superset import security_manager
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.utils.core import override_user

    from jamfor.seed.errors import JamforError
    from jamfor.superset.assets import build_bundle, load_assets
    from jamfor.superset.schemas import check_in_app

    try:
        assets = load_assets(assets_dir)
        problems = check_in_app([(a.source, a.kind, a.data) for a in assets])
        if problems:
            for problem in problems:
                click.echo(f"{problem['file']}: {problem['key']}: {problem['message']}", err=True)
            sys.exit(1)
        bundle = build_bundle(assets, database_uri)
    except JamforError as exc:
        click.echo(f"Fel: {exc}", err=True)
        sys.exit(1)
    user = security_manager.find_user(username=username)
    if user is None:
        click.echo(f"Fel: ingen Superset-användare {username!r}", err=True)
        sys.exit(1)
    with override_user(user):
        ImportAssetsCommand(bundle.files, passwords=bundle.passwords).run()
    click.echo(f"Registrerade {len(assets.assets)} assets mot {safe_url(database_uri)}.")
