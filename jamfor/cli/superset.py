"""The Superset commands of `jamfor`: validate, plan, register, pull (and the Superset part of status).

Thin skins over ``jamfor.superset.sync.validate``, ``jamfor.superset.sync.register`` and
``jamfor.superset.sync.pull``.
Commands that act on one Superset take the same options, declared once here (``superset_options``), so
an operator previews with `plan` the very command line they then `register`. Credentials come from
--username / $SUPERSET_USERNAME and $SUPERSET_PASSWORD or a hidden prompt and are never printed; the
warehouse URI for Superset from --database-uri / $JAMFOR_SUPERSET_DB_URI, shown only without its password.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from rich.markup import escape
from rich.table import Table

from jamfor.cli.output import err, out, shown
from jamfor.errors import BadInput, Findings
from jamfor.redact import redact_url
from jamfor.seed.db import engine_for, resolve_url
from jamfor.superset.sync.environments import MODES

ACTIONS = {"create": "create", "update": "update", "unchanged": "unchanged",
           "removed": "removed from the repository", "conflict": "conflict"}
# plan's exit codes for CI (errors stay 1): nothing would change, something would, Superset has drift.
EXIT_CHANGES = 2
EXIT_DRIFT = 3

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

URL_OPTION = click.option("--url", envvar="SUPERSET_URL", metavar="URL",
                          help="Superset's address, e.g. http://127.0.0.1:8088. Default: $SUPERSET_URL.")
USERNAME_OPTION = click.option(
    "--username", envvar="SUPERSET_USERNAME", metavar="NAME",
    help="Superset user to log in as (database or LDAP). Default: $SUPERSET_USERNAME, else a prompt. The "
    "password comes from $SUPERSET_PASSWORD, else a hidden prompt. Under single sign-on set $SUPERSET_TOKEN "
    "instead (docs/operating.md).")
ASSETS_OPTION = click.option(
    "--assets", "assets_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
    help="Folder holding datasets/ and dashboards/. Default: $JAMFOR_ASSETS_DIR, else the folder of the "
    "nearest jamfor.yaml from here upward (`jamfor assets init`), else the ones shipped with jamfor "
    "(register refuses those once an organisation folder exists). The first line of output names it.")
ENV_OPTION = click.option("--env", "env_name", metavar="NAME",
                          help="An environment of the folder's jamfor.yaml: its Superset URL, warehouse URI, "
                          "recipients and mode (editable or locked). --url and --database-uri given on the "
                          "command line win.")
MODE_OPTION = click.option("--mode", type=click.Choice(MODES),
                     help="Register assets editable (Superset's Save and Edit dashboard work; pull brings "
                     "edits back) or locked (managed externally, linking to the file). Default: the "
                     "environment's mode, else locked.")
_DATABASE_URI = click.option("--database-uri", envvar="JAMFOR_SUPERSET_DB_URI", metavar="URI",
                             help="How Superset reaches the warehouse (SQLAlchemy URI as Superset sees it). "
                             "Default: $JAMFOR_SUPERSET_DB_URI. Its password is sent only in the import's "
                             "passwords field.")

_DB_CHECKS = click.option("--db", "db_url", metavar="URL",
                          help="Warehouse SQLAlchemy URL for jamfor's SQL checks of every dataset. "
                          "Default: $JAMFOR_DB_URL, else the SQLite file $XDG_DATA_HOME/jamfor/jamfor.db if "
                          "it exists, else no SQL check.")
_REPORT_VAR = click.option("--report-var", "report_vars", multiple=True, metavar="NAME=VALUE",
                           help="A variable of the alerts in reports/, e.g. watch_list=0180,1280 or "
                           "rank_drop=5 (repeatable). Default: the variable's environment variable, else "
                           "the file's default. Recipients come from the environment variables the files "
                           "name (e.g. $JAMFOR_REPORT_RECIPIENTS).")


def _schedule_settings(report_vars: tuple[str, ...]) -> Any:
    from jamfor.superset.schedules.definitions import ScheduleSettings

    pairs = [item.split("=", 1) for item in report_vars]
    if any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        raise click.BadParameter("expected NAME=VALUE", param_hint="--report-var")
    return ScheduleSettings(variables={name.strip(): value for name, value in pairs})


def _print_unavailable(plan: Any) -> None:
    """Say what was left out because this Superset lacks the API for it (schedules, roles)."""
    for reason in (plan.schedules_unavailable, plan.roles_unavailable):
        if reason:
            err.print(escape(reason), highlight=False)


def _stack(*options: Decorator) -> Decorator:
    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func
    return apply


@dataclass(frozen=True)
class Target:
    """What a command acts on: the assets folder and, from --env and the options, the Superset URL, the
    warehouse URI, the schedules' settings and how assets are marked."""

    folder: Any  # jamfor.superset.sync.folder.AssetsFolder
    url: str | None
    database_uri: str | None
    settings: Any  # ScheduleSettings
    stamp: Any  # jamfor.superset.sync.stamp.Stamp


def _given(name: str) -> bool:
    """Whether option ``name`` was typed on the command line (not taken from an environment variable)."""
    source = click.get_current_context().get_parameter_source(name)
    return source is ParameterSource.COMMANDLINE


def announce(assets_dir: Path | None) -> Any:
    """Find the assets folder and name it (the first line of every command that reads or writes assets),
    and say when the installed jamfor is newer than the folder's assets."""
    from jamfor import __version__
    from jamfor.superset.sync.folder import locate

    folder = locate(assets_dir)
    err.print(shown(folder.describe()), highlight=False)
    if folder.behind:
        err.print(f"jamfor {shown(__version__)} is newer than this folder's assets "
                  f"({shown(folder.config.version)}): `jamfor assets upgrade` shows what it would bring in.",
                  highlight=False)
    return folder


def resolve_target(assets_dir: Path | None, env_name: str | None, url: str | None, database_uri: str | None,
                   report_vars: tuple[str, ...] = (), mode: str | None = None) -> Target:
    """The folder (announced) and the values --env gives, command-line options winning."""
    from jamfor.superset.sync.stamp import Stamp

    folder = announce(assets_dir)
    settings = _schedule_settings(report_vars)
    environment = None
    if env_name:
        if folder.config is None:
            raise click.UsageError(f"--env needs a jamfor.yaml; {folder.root} has none "
                                   "(`jamfor assets init` makes one)")
        environment = folder.config.environment(env_name)
        err.print(f"environment: {shown(env_name)} ({environment.mode})", highlight=False)
        if environment.url and not _given("url"):
            url = environment.url
        if environment.database_uri and not _given("database_uri"):
            database_uri = environment.warehouse_uri()
        settings = replace(settings, environ=environment.schedule_environ())
    chosen = mode or (environment.mode if environment else "locked")
    repo_url = folder.config.repo_url if folder.config else None
    return Target(folder, url, database_uri, settings, Stamp(chosen == "locked", repo_url))


def _require_url(url: str | None) -> str:
    if not url:
        raise click.UsageError("say which Superset: --url or $SUPERSET_URL")
    return url.rstrip("/")


# (url, username) -> (a client acting for that user, the URL naming the registration state). The `jamfor`
# commands connect over REST (``connect``); `superset jamfor …` passes its in-process one.
Connector = Callable[[str | None, str | None], tuple[Any, str]]


def connect(url: str | None, username: str | None) -> tuple[Any, str]:
    """Over REST: with $SUPERSET_TOKEN when set (any sign-in, SSO too), else as ``username`` with
    $SUPERSET_PASSWORD, prompting (hidden) for what is missing; LDAP is recognised by itself."""
    from jamfor.superset.sync.client import SupersetClient
    from jamfor.superset.sync.signin import sign_in

    target = _require_url(url)
    token = os.environ.get("SUPERSET_TOKEN")
    if token:
        client = SupersetClient.with_token(target, token)
    else:
        name = username or click.prompt("Superset user", err=True)
        password = os.environ.get("SUPERSET_PASSWORD") or click.prompt("Password", hide_input=True, err=True)
        client = sign_in(target, name, password)
    err.print(f"Superset {shown(str(client.version))} at {shown(target)}", highlight=False)
    return client, target


def _warehouse_engine(db_url: str | None) -> Any:
    """The warehouse for the SQL checks, by the one --db rule; None (no SQL check) when there is none."""
    url = resolve_url(db_url, only_existing=True)
    return engine_for(url) if url else None


def _print_findings(findings: Findings) -> None:
    table = Table("code", "file", "problem")
    for problem in findings.problems:
        table.add_row(problem.code, escape(problem.file or "–"), escape(
            problem.message if problem.value is None else f"{problem.message} (value {problem.value!r})"))
    err.print(table)


def _invalid(findings: Findings, root: Path) -> BadInput:
    """Print every problem as a table; the error to raise says how many and where."""
    _print_findings(findings)
    count = len(findings.problems)
    return BadInput(f"{count} problem{'' if count == 1 else 's'} in {root}")


def _checks_done(engine: Any, superset_schemas: bool, target: Any) -> str:
    from jamfor.superset.sync.schemas import installed_version

    installed = installed_version()
    own = superset_schemas and installed is not None and installed.tested == target.tested
    checks = (f"Superset {target}'s schemas" if own else f"the keys Superset {target.tested} accepts")
    checks += ", references"
    return checks + (f", SQL against {redact_url(str(engine.url))}" if engine
                     else ", no SQL check (give --db)")


def plan_exit(plan: Any) -> int:
    """plan's exit code: EXIT_DRIFT when Superset has drift, EXIT_CHANGES when register would change
    something, else 0."""
    if plan.drifted:
        return EXIT_DRIFT
    return EXIT_CHANGES if plan.has_changes or plan.of("removed") else 0


def plan_json(plan: Any, target: Target) -> str:
    """The plan for CI: every change with its action and drift, the counts and the exit code."""
    changes = [{"kind": c.kind, "uuid": c.uuid, "title": c.title, "file": c.source, "action": c.action,
                "reason": c.reason, "drift": c.drift} for c in plan.changes]
    counts = {action: len(plan.of(action)) for action in ACTIONS}
    return json.dumps({"assets": str(target.folder.root), "superset": target.url, "mode": target.stamp.mode,
                       "changes": changes, "counts": {**counts, "drift": len(plan.drifted)},
                       "exit_code": plan_exit(plan)}, ensure_ascii=False, indent=1)


def _print_plan(plan: Any) -> None:
    table = Table("kind", "title", "file", "action", "drift")
    for change in plan.changes:
        drift = "changed in Superset since registration" if change.drift else ""
        reason = f" ({change.reason})" if change.reason and change.action != "unchanged" else ""
        table.add_row(change.kind, escape(change.title), escape(change.source),
                      ACTIONS.get(change.action, change.action) + escape(reason), drift)
    out.print(table)
    counts = {a: len(plan.of(a)) for a in ACTIONS}
    out.print(f"{counts['create']} to create, {counts['update']} to update, {counts['unchanged']} unchanged, "
              f"{counts['removed']} removed from the repository, {len(plan.drifted)} with drift.",
              highlight=False)


def add_superset_commands(main: click.Group, handles_errors: Decorator,
                          connector: Connector = connect) -> None:
    """Attach validate / plan / register / pull to ``main``, reaching Superset through ``connector``.

    Each takes only the options it uses: plan the ones that decide what register would do, register
    those and the warehouse for its SQL checks, pull only where Superset and the checkout are."""
    superset_options = _stack(URL_OPTION, USERNAME_OPTION, ASSETS_OPTION, ENV_OPTION, MODE_OPTION,
                              _DATABASE_URI, _REPORT_VAR)

    @main.command()
    @ASSETS_OPTION
    @_DB_CHECKS
    @click.option("--superset-version", metavar="X.Y.Z",
                  help="Check the files as this Superset version imports them (4.1, 5.0, 6.0 or 6.1; "
                  "offline). Default: the Superset installed here, else 6.1.")
    @click.option("--no-superset-schemas", is_flag=True,
                  help="Skip running Superset's own import schemas (they need that Superset installed and "
                  "take seconds); the keys recorded for the version are still checked.")
    @handles_errors
    def validate(assets_dir: Path | None, db_url: str | None, superset_version: str | None,
                 no_superset_schemas: bool) -> None:
        """Check datasets/, dashboards/ and reports/ offline: Superset's schemas, UUIDs, references,
        columns and metrics each chart uses, every dataset's SQL against the warehouse (--db), and the
        alert and report schedule files."""
        from jamfor.superset.sync.assets import read_assets
        from jamfor.superset.sync.validate import schema_target
        from jamfor.superset.sync.validate import validate as run_validate
        from jamfor.superset.sync.versions import supported

        target = schema_target(supported(superset_version) if superset_version else None)
        assets = read_assets(announce(assets_dir).root)
        engine = _warehouse_engine(db_url)
        findings = run_validate(assets, engine, superset_schemas=not no_superset_schemas, target=target)
        if not findings.valid:
            raise _invalid(findings, assets.root)
        err.print(f"{len(assets.assets) + len(assets.reports)} files in {escape(str(assets.root))} are valid "
                  f"for Superset {escape(str(target))} "
                  f"({escape(_checks_done(engine, not no_superset_schemas, target))}).", highlight=False)

    @main.command()
    @superset_options
    @click.option("--json", "as_json", is_flag=True,
                  help="Print the plan as JSON (for CI) instead of a table; the exit code is the same.")
    @handles_errors
    def plan(url: str | None, username: str | None, assets_dir: Path | None, env_name: str | None,
             mode: str | None, database_uri: str | None, report_vars: tuple[str, ...], as_json: bool) -> None:
        """Show what `register` with the same options would create, update or leave alone, and drift.

        Without --database-uri (or --env) the warehouse database entry is compared as Superset has it.
        plan does not validate (so it takes no --db). Exit 0 when nothing would change, 2 when something
        would, 3 when Superset holds edits made since the last registration (drift); 1 on errors."""
        from jamfor.superset.sync.assets import database_uri as resolve_uri
        from jamfor.superset.sync.assets import load_assets
        from jamfor.superset.sync.register import make_plan

        chosen = resolve_target(assets_dir, env_name, url, database_uri, report_vars, mode)
        uri = resolve_uri(chosen.database_uri) if chosen.database_uri else None
        assets = load_assets(chosen.folder.root)
        client, target = connector(chosen.url, username)
        result = make_plan(client, assets, uri, target, settings=chosen.settings, stamp=chosen.stamp)
        if as_json:
            click.echo(plan_json(result, replace(chosen, url=target)))
        else:
            _print_plan(result)
        _print_unavailable(result)
        code = plan_exit(result)
        if code:
            sys.exit(code)

    @main.command()
    @superset_options
    @_DB_CHECKS
    @click.option("--prune", is_flag=True, help="Also delete assets we registered earlier that the "
                  "repository no longer has (never anything jamfor did not create).")
    @handles_errors
    def register(url: str | None, username: str | None, assets_dir: Path | None, env_name: str | None,
                 mode: str | None, database_uri: str | None, report_vars: tuple[str, ...], db_url: str | None,
                 prune: bool) -> None:
        """Validate, import what changed, verify every asset and every chart's data, create or update the
        alerts and report schedules of reports/ (inactive without recipients) and the roles and
        row-level security of roles/, check as a reader and an analyst, record the state."""
        from jamfor.superset.sync.assets import database_uri as resolve_uri
        from jamfor.superset.sync.assets import load_assets
        from jamfor.superset.sync.folder import refuse_bundled
        from jamfor.superset.sync.register import InvalidAssets
        from jamfor.superset.sync.register import register as run_register

        chosen = resolve_target(assets_dir, env_name, url, database_uri, report_vars, mode)
        refuse_bundled(chosen.folder)
        uri = resolve_uri(chosen.database_uri)
        assets = load_assets(chosen.folder.root)
        client, target = connector(chosen.url, username)
        try:
            with err.status("Registering") as status:
                result = run_register(client, assets, uri, target, engine=_warehouse_engine(db_url),
                                      prune_removed=prune, on_step=lambda step: status.update(step),
                                      settings=chosen.settings, stamp=chosen.stamp)
        except InvalidAssets as exc:
            raise _invalid(exc.findings, assets.root) from None
        _print_plan(result.plan)
        _print_unavailable(result.plan)
        if result.inactive:
            listed = ", ".join(f"{name} (${variable})" for name, variable in result.inactive.items())
            out.print(f"Registered inactive, no recipients configured: {escape(listed)}. Set those "
                      "environment variables to comma-separated e-mail addresses and register again to "
                      "activate them.", highlight=False)
        if not result.imported:
            out.print("Nothing to import: Superset already has this version.")
        for change in result.pruned:
            out.print(f"Deleted: {change.kind} {escape(change.title)}", highlight=False)
        if result.plan.of("removed") and not prune:
            out.print("Assets no longer in the repository are still in Superset; "
                      "run with --prune to delete them.")
        who = client.username or "the signed-in user"
        out.print(f"Verified as {escape(who)}: {len(assets.assets)} assets present, {len(result.chart_data)} "
                  f"charts answer with data ({sum(result.chart_rows.values())} rows). "
                  f"Superset: {shown(target)}, assets {chosen.stamp.mode}", highlight=False)
        for check in result.access_checks:
            out.print(escape(check.describe()), highlight=False)

    @main.command()
    @URL_OPTION
    @USERNAME_OPTION
    @ASSETS_OPTION
    @ENV_OPTION
    @handles_errors
    def pull(url: str | None, username: str | None, assets_dir: Path | None, env_name: str | None) -> None:
        """Write Superset's version of our assets back into datasets/, dashboards/, reports/ and roles/
        of the organisation's folder (never recipients, nor an alert's SQL, which holds filled-in
        variables): edits made in an editable environment's UI become a YAML diff to review.

        Refuses to write into the copy installed with jamfor: run inside the folder `jamfor assets init`
        made, or point --assets or $JAMFOR_ASSETS_DIR at it. The folder written is remembered, so a later
        `register` never falls back to the bundled copy by itself."""
        from jamfor.superset.sync.assets import load_assets
        from jamfor.superset.sync.folder import remember
        from jamfor.superset.sync.pull import check_writable_root
        from jamfor.superset.sync.pull import pull as run_pull

        chosen = resolve_target(assets_dir, env_name, url, None)
        check_writable_root(chosen.folder.root)
        assets = load_assets(chosen.folder.root)
        remember(assets.root)
        results = run_pull(connector(chosen.url, username)[0], assets)
        changed = [r for r in results if r.action in ("updated", "added")]
        for item in results:
            if item.action != "unchanged":
                out.print(f"{item.action}: {escape(item.source)}", highlight=False)
        out.print(f"{len(changed)} files changed in {escape(str(assets.root))}.", highlight=False)


def print_superset_status(url: str | None, assets_dir: Path | None = None, connector: Connector = connect,
                          username: str | None = None, env_name: str | None = None,
                          mode: str | None = None) -> None:
    """The Superset part of `jamfor status` (and `superset jamfor status`): ``env_name`` and ``mode`` as
    for plan, so a status of production compares with production's marks, not the default's."""
    from jamfor.superset.sync.assets import load_assets
    from jamfor.superset.sync.register import superset_status

    chosen = resolve_target(assets_dir, env_name, url, None, mode=mode)
    client, target = connector(chosen.url, username or os.environ.get("SUPERSET_USERNAME"))
    state = superset_status(client, load_assets(chosen.folder.root), target, settings=chosen.settings,
                            stamp=chosen.stamp)
    out.print(f"\nSuperset {shown(target)}: registered version {state.registered_version or '–'} "
              f"({state.registered_at or 'never registered from here'})", highlight=False)
    out.print(", ".join(f"{n} {ACTIONS.get(a, a)}" for a, n in sorted(state.counts.items())), highlight=False)
    _print_unavailable(state)
    if state.drifted:
        out.print("Drift (changed in Superset since registration): "
                  + ", ".join(escape(c.title) for c in state.drifted), highlight=False)
    else:
        out.print("No drift.")
