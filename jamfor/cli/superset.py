"""The Superset commands of `jamfor`: validate, plan, register, pull (and the Superset part of status).

Thin skins over ``jamfor.superset.validate`` and ``jamfor.superset.registry``. Credentials come from
SUPERSET_USERNAME / SUPERSET_PASSWORD or a hidden prompt and are never printed; the warehouse URI for
Superset from --database-uri / JAMFOR_SUPERSET_DB_URI, shown only without its password.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jamfor.seed.db import default_db_path, engine_for, safe_url
from jamfor.seed.errors import BadInput, Report

err = Console(stderr=True)
out = Console()

ACTIONS = {"create": "skapas", "update": "uppdateras", "unchanged": "oförändrad",
           "removed": "borttagen ur repot", "conflict": "konflikt"}
EXIT_CHANGES = 2


def url_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--url", envvar="SUPERSET_URL", metavar="URL",
                        help="Superset's address, e.g. http://127.0.0.1:8088. Default: $SUPERSET_URL.")(func)


def assets_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path),
                        metavar="DIR", help="Folder holding datasets/ and dashboards/. Default: "
                        "$JAMFOR_ASSETS_DIR, else the ones shipped with jamfor.")(func)


def database_uri_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--database-uri", envvar="JAMFOR_SUPERSET_DB_URI", metavar="URI",
                        help="How Superset reaches the warehouse (SQLAlchemy URI as Superset sees it). "
                        "Default: $JAMFOR_SUPERSET_DB_URI. Its password is sent only in the import's "
                        "passwords field.")(func)


def _require_url(url: str | None) -> str:
    if not url:
        raise click.UsageError("say which Superset: --url or $SUPERSET_URL")
    return url.rstrip("/")


def connect(url: str, extra_secrets: tuple[str, ...] = ()) -> Any:
    """Log in with $SUPERSET_USERNAME / $SUPERSET_PASSWORD, prompting (hidden) for what is missing."""
    from jamfor.superset.client import SupersetClient

    username = os.environ.get("SUPERSET_USERNAME") or click.prompt("Superset-användare", err=True)
    password = os.environ.get("SUPERSET_PASSWORD") or click.prompt("Lösenord", hide_input=True, err=True)
    return SupersetClient.login(url, username, password, secrets=extra_secrets)


def _warehouse_engine(db_url: str | None) -> Any:
    """The warehouse for the SQL checks: --db, $JAMFOR_DB_URL, or the default file if it exists."""
    if db_url or os.environ.get("JAMFOR_DB_URL"):
        return engine_for(db_url)
    if default_db_path().exists():
        return engine_for(None)
    return None


def _print_report(report: Report) -> None:
    table = Table("kod", "fil", "problem")
    for problem in report.problems:
        table.add_row(problem.code, problem.file or "–", problem.message if problem.value is None
                      else f"{problem.message} (värde {problem.value!r})")
    err.print(table)


def run_validate(assets_dir: Path | None, db_url: str | None, superset_schemas: bool = True) -> Any:
    """Read and validate the assets; print and raise BadInput when anything is wrong."""
    from jamfor.superset.assets import read_assets
    from jamfor.superset.schemas import superset_available
    from jamfor.superset.validate import validate

    assets = read_assets(assets_dir)
    engine = _warehouse_engine(db_url)
    report = validate(assets, engine, superset_schemas=superset_schemas)
    if not report.valid:
        _print_report(report)
        raise BadInput(f"{len(report.problems)} problem i {assets.root}")
    checks = ("Supersets scheman, " if superset_schemas and superset_available() else "") + "referenser"
    checks += f", SQL mot {safe_url(str(engine.url))}" if engine else ", ingen SQL-kontroll (ange --db)"
    err.print(f"{len(assets.assets)} filer i {escape(str(assets.root))} är giltiga ({escape(checks)}).",
              highlight=False)
    return assets


def _print_plan(plan: Any) -> None:
    table = Table("typ", "titel", "fil", "åtgärd", "drift")
    for change in plan.changes:
        drift = "ändrad i Superset sedan registrering" if change.drift else ""
        table.add_row(change.kind, escape(change.title), escape(change.source),
                      ACTIONS.get(change.action, change.action) + (f" ({change.reason})" if change.reason
                                                                   and change.action != "unchanged" else ""),
                      drift)
    out.print(table)
    counts = {a: len(plan.of(a)) for a in ACTIONS}
    out.print(f"{counts['create']} skapas, {counts['update']} uppdateras, {counts['unchanged']} oförändrade, "
              f"{counts['removed']} borttagna ur repot, {len(plan.drifted)} med drift.", highlight=False)


def add_superset_commands(main: click.Group, reports_errors: Callable[..., Any],
                          db_option: Callable[..., Any]) -> None:
    """Attach validate / plan / register / pull to the `jamfor` group."""

    @main.command()
    @assets_option
    @db_option
    @click.option("--no-superset-schemas", is_flag=True,
                  help="Skip the check against Superset's own import schemas (it needs Superset installed).")
    @reports_errors
    def validate(assets_dir: Path | None, db_url: str | None, no_superset_schemas: bool) -> None:
        """Check datasets/ and dashboards/ offline: Superset's schemas, UUIDs, references, columns and
        metrics each chart uses, and every dataset's SQL against the warehouse (--db)."""
        run_validate(assets_dir, db_url, not no_superset_schemas)

    @main.command()
    @url_option
    @assets_option
    @reports_errors
    def plan(url: str | None, assets_dir: Path | None) -> None:
        """Show what `register` would create, update or leave alone, and drift.

        Exit 0 when nothing would change, 2 when something would."""
        from jamfor.superset.assets import load_assets
        from jamfor.superset.registry import make_plan

        target = _require_url(url)
        result = make_plan(connect(target), load_assets(assets_dir), None, target)
        _print_plan(result)
        if result.has_changes or result.of("removed"):
            sys.exit(EXIT_CHANGES)

    @main.command()
    @url_option
    @database_uri_option
    @assets_option
    @db_option
    @click.option("--prune", is_flag=True, help="Also delete assets we registered earlier that the "
                  "repository no longer has (never anything jamfor did not create).")
    @reports_errors
    def register(url: str | None, database_uri: str | None, assets_dir: Path | None, db_url: str | None,
                 prune: bool) -> None:
        """Validate, import what changed, then verify every asset and every chart's data in Superset."""
        from jamfor.superset.assets import database_uri as resolve_uri
        from jamfor.superset.registry import register as run_register

        target = _require_url(url)
        uri = resolve_uri(database_uri)
        assets = run_validate(assets_dir, db_url)
        client = connect(target)
        with err.status("Registrerar") as status:
            result = run_register(client, assets, uri, target, prune_removed=prune,
                                  on_step=lambda step: status.update(step))
        _print_plan(result.plan)
        if not result.imported:
            out.print("Inget att importera: Superset har redan den här versionen.")
        for change in result.pruned:
            out.print(f"Borttagen: {change.kind} {escape(change.title)}", highlight=False)
        if result.plan.of("removed") and not prune:
            out.print("Assets som inte längre finns i repot är kvar i Superset; "
                      "kör med --prune för att ta bort dem.")
        out.print(f"Verifierat: {len(assets.assets)} assets finns, {len(result.chart_rows)} diagram "
                  f"svarar med data ({sum(result.chart_rows.values())} rader). Superset: {target}",
                  highlight=False)

    @main.command()
    @url_option
    @assets_option
    @reports_errors
    def pull(url: str | None, assets_dir: Path | None) -> None:
        """Write Superset's version of our assets back into datasets/ and dashboards/, normalised."""
        from jamfor.superset.assets import load_assets
        from jamfor.superset.pull import pull as run_pull

        target = _require_url(url)
        assets = load_assets(assets_dir)
        results = run_pull(connect(target), assets)
        changed = [r for r in results if r.action in ("updated", "added")]
        for item in results:
            if item.action != "unchanged":
                out.print(f"{item.action}: {escape(item.source)}", highlight=False)
        out.print(f"{len(changed)} filer ändrade i {escape(str(assets.root))}.", highlight=False)


def print_superset_status(url: str, assets_dir: Path | None = None) -> None:
    """The Superset part of `jamfor status`."""
    from jamfor.superset.assets import load_assets
    from jamfor.superset.registry import superset_status

    target = _require_url(url)
    state = superset_status(connect(target), load_assets(assets_dir), target)
    out.print(f"\nSuperset {escape(target)}: registrerad version {state.registered_version or '–'} "
              f"({state.registered_at or 'aldrig registrerad härifrån'})", highlight=False)
    out.print(", ".join(f"{n} {ACTIONS.get(a, a)}" for a, n in sorted(state.counts.items())), highlight=False)
    if state.drifted:
        out.print("Drift (ändrat i Superset sedan registrering): "
                  + ", ".join(escape(c.title) for c in state.drifted), highlight=False)
    else:
        out.print("Ingen drift.")
