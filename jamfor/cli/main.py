"""The `jamfor` command: a thin skin over the library.

Each command parses options, calls one library function and turns ``JamforError`` into a message on
stderr and an exit code: 0 ok, 1 bad input or a failed operation, 2 usage (click's own).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from jamfor.cli.kolada import BASE_URL_HELP, add_kolada_commands, kolada_http
from jamfor.cli.output import err, fail, out, shown
from jamfor.cli.superset import ENV_OPTION, MODE_OPTION
from jamfor.errors import JamforError
from jamfor.seed.db import describe_db_error, engine_for, warehouse_name

DB_HELP = (
    "Warehouse SQLAlchemy URL, e.g. sqlite:///jamfor.db or postgresql://host:5432/db. "
    "Default: $JAMFOR_DB_URL, else the SQLite file $XDG_DATA_HOME/jamfor/jamfor.db "
    "(~/.local/share/jamfor/jamfor.db)."
)


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_url", metavar="URL", help=DB_HELP)(func)


def handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's named errors into a message and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JamforError as exc:
            fail(str(exc), exc.exit_code)
        except SQLAlchemyError as exc:
            fail(describe_db_error(exc, kwargs.get("db_url")), 1)

    return wrapper


def progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=err, transient=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jamfor")
def main() -> None:
    """jamfor: Öppna jämförelser and SKR insats indicators for Apache Superset."""


@main.command()
@db_option
@click.option("--demo", is_flag=True, help="Also load synthetic kommun-level demo values (flagged).")
@click.option("--force", is_flag=True, help="Reload even sources whose rows are unchanged.")
@handles_errors
def seed(db_url: str | None, demo: bool, force: bool) -> None:
    """Load reference data, the indicator catalogue and the published figures.

    The whole seed is one transaction: a failure leaves the warehouse as it was. Re-running
    with unchanged inputs changes nothing.
    """
    from jamfor.seed.seeding import run_seed

    engine = engine_for(db_url)
    with progress() as bar:
        task = bar.add_task("seed", total=None)
        results = run_seed(engine, demo=demo, force=force,
                           on_step=lambda name: bar.update(task, description=f"Loading {shown(name)}"),
                           on_wait=say_waiting)
        bar.update(task, description="Done")
    table = Table("source", "batch", "rows", "status")
    for name, result in results:
        state = "unchanged" if result.unchanged else "loaded"
        rows = str(result.rows) if not result.unchanged else "–"
        table.add_row(shown(name), str(result.batch_id), rows, state)
    out.print(table)
    out.print(f"Warehouse: {shown(warehouse_name(db_url))}", highlight=False)


def say_waiting() -> None:
    err.print("Waiting for another load into this warehouse to finish …", highlight=False)


@main.command()
@db_option
@click.option("--url", metavar="URL",
              help="Also show the Superset side: registered version and drift (needs credentials).")
@ENV_OPTION
@MODE_OPTION
@handles_errors
def status(db_url: str | None, url: str | None, env_name: str | None, mode: str | None) -> None:
    """Show what is loaded: batches, sources, rows held, synthetic or not; with --url or --env, also
    the Superset side, compared as `plan` with the same --env/--mode compares."""
    from jamfor.seed.status import batch_status, published_differences

    engine = engine_for(db_url)
    rows = batch_status(engine)
    if not rows:
        out.print("Nothing is loaded. Run `jamfor seed`.")
        _superset_status(url, env_name, mode)
        return
    table = Table("batch", "source", "finished", "rows", "synthetic", "version", "reference")
    for r in rows:
        finished = r.finished_at.strftime("%Y-%m-%d %H:%M:%S") if r.finished_at else "–"
        table.add_row(str(r.batch_id), shown(r.source), finished, str(r.rows_held),
                      "yes" if r.synthetic else "no", shown(r.jamfor_version), shown(r.source_ref))
    out.print(table)
    _print_published_differences(published_differences(engine))
    _superset_status(url, env_name, mode)


def _superset_status(url: str | None, env_name: str | None, mode: str | None) -> None:
    if url or env_name:
        print_superset_status(url, env_name=env_name, mode=mode)


def _print_published_differences(differences: list[Any]) -> None:
    if not differences:
        return
    table = Table("indicator", "area", "year", "published", "computed by jamfor", "kommuner ja / answering",
                  title="Published figures kept where jamfor's share from Kolada's kommun answers differs "
                  "by more than rounding")
    for d in differences:
        table.add_row(shown(d.indicator_id), shown(d.area_code), str(d.year), f"{d.published:g}",
                      f"{d.computed:.1f}", f"{d.ja} / {d.answered}")
    out.print(table)


@main.group()
def load() -> None:
    """Load real data from a source into the warehouse (one transaction per input)."""


def replace_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--replace", is_flag=True,
                        help="Also remove the rows an earlier load of the same name supplied and this one "
                        "does not. Without it a load replaces only the rows it supplies again.")(func)


def _print_loads(results: list[Any], read: Any, warehouse: str) -> None:
    """One line for the read: its rows and batches, the parts left unchanged, the values kept."""
    batches = ", ".join(str(r.batch_id) for r in results)
    name = shown(read.name)
    written = [r for r in results if not r.unchanged]
    if not written:
        out.print(f"Unchanged: {name} in {shown(warehouse)} (batch{'es' if len(results) > 1 else ''} "
                  f"{batches}).", highlight=False)
    else:
        parts = f" in {len(results)} loads" if len(results) > 1 else ""
        unchanged = len(results) - len(written)
        out.print(f"Loaded {sum(r.rows for r in written)} rows from {name} into {shown(warehouse)}{parts} "
                  f"(batch{'es' if len(results) > 1 else ''} {batches}"
                  f"{f'; {unchanged} unchanged' if unchanged else ''}).", highlight=False)
    skipped = sum(r.skipped for r in results)
    if skipped and read.yields_to:
        out.print(f"Kept {skipped} values held by the sources {shown(', '.join(read.yields_to))} "
                  "(this load never replaces them); `jamfor status` lists the published figures that differ "
                  "from jamfor's computed share by more than rounding.", highlight=False)


def _read_and_load(reading: str, read: Callable[[Callable[[str], None]], Any], db_url: str | None,
                   replace: bool) -> None:
    """What every `jamfor load …` does: read the source (it reports its steps), load it with what it
    refers to, then print its warnings and the result. Nothing but printing follows the commit. A
    source read in parts (Kolada) is read as it is loaded, all in one transaction."""
    from jamfor.seed.frames import SourceRead
    from jamfor.seed.seeding import load_parts

    with progress() as bar:
        task = bar.add_task(reading, total=None)

        def step(text: str) -> None:
            bar.update(task, description=shown(text))

        source = read(step)
        if isinstance(source, SourceRead):
            source = source.as_loads()
            step("Writing to the database")
        results = load_parts(engine_for(db_url), source, replace=replace, on_wait=say_waiting)
        step("Done")
    for warning in source.warnings:
        err.print(f"Warning: {shown(warning)}", highlight=False)
    _print_loads(results, source, warehouse_name(db_url))


@load.command("oj-excel")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--allow-formulas", is_flag=True,
              help="Read formulas saved without their result as not answered (listed) instead of refusing "
              "the workbook.")
@replace_option
@db_option
@handles_errors
def load_oj_excel(files: tuple[str, ...], allow_formulas: bool, replace: bool, db_url: str | None) -> None:
    """Load Socialstyrelsen's ÖJ result workbooks (.xlsx) into indicator_value.

    Header rows and columns are found by their text; a bad cell is reported with its place and
    nothing is written.
    """
    from jamfor.seed.sources.oj_excel import read_oj_excel

    _read_and_load("Reading workbooks", lambda step: read_oj_excel(files, allow_formulas=allow_formulas),
                   db_url, replace)


@load.command("kolada")
@click.option("--kpi", "kpis", multiple=True, metavar="ID[=INDICATOR]",
              help="Kolada KPI id, optionally mapped to a catalogue indicator; repeatable. An id "
              "alone loads into the catalogue indicator that maps it, else as kolada_ID. Default: "
              "every KPI the catalogue maps (see docs/loading.md).")
@click.option("--years", metavar="YEARS",
              help="Years, e.g. 2017-2021 or 2019,2021. Default: 2016 to this year.")
@click.option("--municipalities", metavar="CODES",
              help="Comma-separated kommunkoder, länskoder or 00 (riket). Default: all.")
@click.option("--verksamhet", metavar="NAME",
              help="Also every kommun KPI of this verksamhet (as `jamfor kolada search --verksamhet` "
              "lists them): a whole operating area in one load.")
@click.option("--title", "words", metavar="TEXT", default="",
              help="With --verksamhet: only KPIs whose title contains TEXT.")
@click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
@click.option("--refresh", is_flag=True, help="Ask Kolada again even where the response cache is fresh.")
@replace_option
@db_option
@handles_errors
def load_kolada(kpis: tuple[str, ...], years: str | None, municipalities: str | None,
                verksamhet: str | None, words: str, base_url: str | None, refresh: bool, replace: bool,
                db_url: str | None) -> None:
    """Load KPI values from the Kolada API v3 into indicator_value (rows attributed to Kolada).

    A coded KPI (a yes/no question) loads as 100 (yes) or 0 per kommun, the code kept in raw_value;
    its län and riket are computed by jamfor as the share of answering kommuner that said yes (only
    when every kommun is loaded). Socialstyrelsen's own figures (the published ones, a loaded ÖJ
    workbook) are never replaced. A KPI outside the catalogue is read from Kolada's metadata (unit,
    verksamhet, yes/no coding); where Kolada divides it by kön, K and M load as indicators of their own.
    A list of more than 100 KPIs (JAMFOR_KOLADA_PER_LOAD) loads in parts of 100, each a batch, all in
    one transaction.
    """
    from jamfor.seed.sources.kolada import read_kolada

    _read_and_load("Fetching from Kolada", lambda step: read_kolada(
        kolada_http(refresh), kpis=kpis, years=years, municipalities=municipalities, base_url=base_url,
        verksamhet=verksamhet, words=words, on_page=lambda url: step(f"Fetching {url}")), db_url, replace)


@load.command("kolada-groups")
@click.option("--title", metavar="TEXT", default="",
              help="Only the groups whose title contains TEXT, e.g. \"Liknande kommuner\". Default: every "
              "group Kolada lists.")
@click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
@click.option("--refresh", is_flag=True, help="Ask Kolada again even where the response cache is fresh.")
@replace_option
@db_option
@handles_errors
def load_kolada_groups(title: str, base_url: str | None, refresh: bool, replace: bool,
                       db_url: str | None) -> None:
    """Load Kolada's municipality groups (its "liknande kommuner" among them) with their kommuner.

    Each group's mean per indicator and year is then computed in the warehouse, as the kommungrupp
    mean is, so a kommun compares with any group (the view indicator_group_comparison).
    """
    from jamfor.seed.sources.kolada_groups import read_kolada_groups

    _read_and_load("Fetching Kolada's municipality groups", lambda step: read_kolada_groups(
        kolada_http(refresh), title=title, base_url=base_url, on_page=lambda url: step(f"Fetching {url}")),
        db_url, replace)


@load.command("skr")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@replace_option
@db_option
@handles_errors
def load_skr(files: tuple[str, ...], replace: bool, db_url: str | None) -> None:
    """Load per-kommun answers to SKR's insats survey (long CSV or Excel sheet "svar").

    Columns: kommunkod, verksamhetsomrade, fraga, insats_id, insatskategori, svar — see the templates
    skr_template.csv / skr_template.xlsx in seed/catalog. Every file is checked before anything is
    written; a bad row is reported with its file, row or cell, column and value.
    """
    from jamfor.seed.sources.skr_inventory import read_skr_answers

    _read_and_load("Reading answer files", lambda step: read_skr_answers(files), db_url, replace)


@main.command()
@click.option("--port", default=8088, show_default=True, type=click.IntRange(1, 65535),
              help="Port on 127.0.0.1 for Superset (choose another when 8088 is taken).")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder for the demo Superset (config, metadata DB, log). "
              "Default: superset-demo/ beside the default warehouse.")
@click.option("--db", "db_url", metavar="URL",
              help="Warehouse SQLAlchemy URL. Default: the SQLite file demo.db beside the default warehouse.")
@click.option("--with-reports", is_flag=True,
              help="Also run the alerts and report schedules: a Celery worker and beat on Redis "
              "127.0.0.1:6379, Chromium for PDF/PNG, and a local SMTP sink that stores every mail under "
              "<home>/mail. Recipients default to a demo address.")
@click.option("--metadata-uri", metavar="URL", envvar="JAMFOR_SUPERSET_METADATA_URI",
              help="Superset's metadata database: the SQLAlchemy URL of an existing database, empty or "
              "already Superset's (e.g. postgresql://superset@127.0.0.1/superset_meta), instead of "
              "superset.db in the home; the home keeps it for later runs. Default: "
              "$JAMFOR_SUPERSET_METADATA_URI, else the one the home has.")
@MODE_OPTION
@handles_errors
def demo(port: int, home: Path | None, db_url: str | None, with_reports: bool,
         metadata_uri: str | None, mode: str | None) -> None:
    """Seed a demo warehouse, start a local Superset with every jamfor dashboard; Ctrl-C stops it.

    A second run re-uses the seeded warehouse, the initialised Superset and the registered assets,
    so it starts in seconds.
    """
    from jamfor.demo import DemoSettings, serve
    from jamfor.demo import demo as run_demo

    bar = progress()
    task = bar.add_task("Preparing", total=None)
    bar.start()
    try:
        with run_demo(DemoSettings(port, home, db_url, with_reports, metadata_uri, mode or "locked"),
                      on_step=lambda name: bar.update(task, description=name)) as ready:
            bar.update(task, description="Done")
            bar.stop()
            _print_demo_login(ready)
            serve(ready)
            err.print("Stopping Superset …")
    finally:
        bar.stop()
    err.print("Superset has stopped.")


def _print_demo_login(ready: Any) -> None:
    instance = ready.instance
    out.print(f"\nSuperset with jamfor runs at [bold]{instance.url}[/]", highlight=False)
    loaded = f"loaded {', '.join(ready.seeded)}" if ready.seeded else "unchanged"
    out.print(f"Warehouse: {escape(ready.warehouse)} ({escape(loaded)})", highlight=False)
    out.print("Datasets, charts and dashboards: "
              f"{'registered' if ready.registered else 'unchanged since the last run'}", highlight=False)
    out.print(f"Log in: user [bold]{escape(instance.username)}[/]", highlight=False)
    if ready.password_file:
        # Only this local demo instance (127.0.0.1, synthetic data) prints its generated password:
        # the user must log in, and the file holding it is theirs (0600) anyway.
        out.print(f"  password [bold]{escape(instance.password)}[/] "
                  f"(kept in {escape(str(ready.password_file))})", highlight=False)
    else:
        out.print("  password: the one you set in $JAMFOR_SUPERSET_ADMIN_PASSWORD", highlight=False)
    for username, who, stored in ready.people:
        out.print(f"Log in as {escape(who)}: user [bold]{escape(username)}[/] password "
                  f"[bold]{escape(stored.read_text().strip())}[/] (kept in {escape(str(stored))})",
                  highlight=False)
    if ready.mail:
        out.print(f"Alerts and reports run (Celery worker and beat); mails land in {escape(str(ready.mail))}",
                  highlight=False)
    out.print("Press Ctrl-C to stop.\n")


# kolada search / check (jamfor/cli/kolada.py)
add_kolada_commands(main, handles_errors)

# validate / plan / register / pull (jamfor/cli/superset.py)
from jamfor.cli.superset import add_superset_commands, print_superset_status  # noqa: E402

add_superset_commands(main, handles_errors)

# assets init / adopt / upgrade (jamfor/cli/assets.py)
from jamfor.cli.assets import add_assets_commands  # noqa: E402

add_assets_commands(main, handles_errors)

# report (jamfor/cli/pdf.py)
from jamfor.cli.pdf import add_pdf_command  # noqa: E402

add_pdf_command(main, handles_errors)
