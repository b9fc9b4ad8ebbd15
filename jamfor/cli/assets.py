"""`jamfor assets …`: the organisation's own assets folder (init, adopt, upgrade).

Thin skins over ``jamfor.superset.sync.folder``, ``jamfor.superset.sync.adopt`` and
``jamfor.superset.sync.upgrade``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jamfor.cli.output import out, shown
from jamfor.cli.superset import (
    ASSETS_OPTION,
    ENV_OPTION,
    URL_OPTION,
    USERNAME_OPTION,
    announce,
    connect,
    resolve_target,
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def add_assets_commands(main: click.Group, handles_errors: Decorator) -> None:
    """Attach the `assets` group to ``main``."""

    @main.group()
    def assets() -> None:
        """The organisation's own assets folder: a git repository of datasets, dashboards, reports and
        roles, with a jamfor.yaml naming its environments (test, prod …)."""

    @assets.command("init")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @handles_errors
    def init(directory: Path) -> None:
        """Create the organisation's assets folder DIRECTORY from the assets of this jamfor: datasets/,
        dashboards/, reports/, roles/, a jamfor.yaml to fill in, and `git init` unless it is already in
        a git repository. Commands run inside it (or with --assets) use it from then on."""
        from jamfor.superset.sync.folder import init_folder

        out.print(f"assets: {shown(directory.resolve())} (organisation folder, new)", highlight=False)
        for line in init_folder(directory):
            out.print(shown(line), highlight=False)
        out.print("Next: set each environment's url, database_uri variable, mode and repo_url in "
                  "jamfor.yaml, commit, then `jamfor plan --env test`.", highlight=False)

    @assets.command("adopt")
    @click.argument("kind", type=click.Choice(["chart", "dashboard"]))
    @click.argument("reference", metavar="UUID_OR_ID")
    @URL_OPTION
    @USERNAME_OPTION
    @ASSETS_OPTION
    @ENV_OPTION
    @handles_errors
    def adopt(kind: str, reference: str, url: str | None, username: str | None, assets_dir: Path | None,
              env_name: str | None) -> None:
        """Write a chart or dashboard someone built in Superset (on jamfor's datasets) into the
        organisation's folder, under the UUID Superset gave it: from then on plan, register, pull and
        drift treat it like jamfor's own, and `register --env prod` promotes it with that identity.
        A dashboard brings its charts. Refuses objects on datasets that are not the folder's."""
        from jamfor.superset.sync.adopt import adopt as run_adopt
        from jamfor.superset.sync.assets import load_assets
        from jamfor.superset.sync.pull import check_writable_root

        chosen = resolve_target(assets_dir, env_name, url, None)
        check_writable_root(chosen.folder.root)
        assets = load_assets(chosen.folder.root)
        written = run_adopt(connect(chosen.url, username)[0], assets, kind, reference)
        for item in written:
            out.print(f"added: {shown(item.source)} ({item.kind} {shown(item.title)})", highlight=False)
        out.print(f"{len(written)} files written in {shown(assets.root)}; review with git diff, commit, "
                  "then `jamfor plan`.", highlight=False)

    @assets.command("upgrade")
    @ASSETS_OPTION
    @click.option("--write", is_flag=True, help="Write the upgrade (without it, only the diff is shown).")
    @handles_errors
    def upgrade(assets_dir: Path | None, write: bool) -> None:
        """Show what this jamfor's assets would change in the organisation's folder, as a diff: new assets
        added, files jamfor changed updated where the folder has not edited them; files edited in the
        folder are kept as they are (jamfor's version shown). Writes only with --write."""
        from jamfor import __version__
        from jamfor.superset.sync.folder import shipped_root
        from jamfor.superset.sync.upgrade import apply_upgrade, plan_upgrade

        folder = announce(assets_dir)
        if folder.kind != "organisation":
            raise click.UsageError(f"{folder.root} is not an organisation folder (no jamfor.yaml)")
        plan = plan_upgrade(folder.root, shipped_root())
        for item in plan:
            if item.action in ("added", "updated"):
                out.print(shown(item.diff, lines=True), highlight=False, end="")
        counts = {action: sum(1 for i in plan if i.action == action)
                  for action in ("added", "updated", "kept")}
        for item in plan:
            if item.action == "kept":
                out.print(f"kept (edited here; jamfor {shown(__version__)} differs): {shown(item.path)}",
                          highlight=False)
        out.print(f"{counts['added']} to add, {counts['updated']} to update, {counts['kept']} edited here "
                  "and kept.", highlight=False)
        if write:
            apply_upgrade(folder.root, shipped_root(), plan)
            out.print(f"Written; the folder now records jamfor {shown(__version__)}. Review with git diff.",
                      highlight=False)
        else:
            out.print("Nothing written: run again with --write to apply.", highlight=False)
