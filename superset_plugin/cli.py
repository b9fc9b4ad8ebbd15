"""The `jamfor` command: a thin skin over the library.

Each command parses options, calls one library function and turns ``JamforError`` into a message on
stderr and an exit code: 0 ok, 1 bad input or a failed operation, 2 usage (click's own).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from seed.db import default_db_path, describe_db_error, engine_for
from seed.errors import JamforError

err = Console(stderr=True)
out = Console()

DB_HELP = (
    "Warehouse SQLAlchemy URL, e.g. sqlite:///jamfor.db or postgresql://host:5432/db. "
    f"Default: $JAMFOR_DB_URL, else the SQLite file {default_db_path()}."
)


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_url", metavar="URL", help=DB_HELP)(func)


def fail(message: str, code: int) -> None:
    err.print("[bold red]Fel:[/]", escape(message), highlight=False)
    sys.exit(code)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
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
@reports_errors
def seed(db_url: str | None, demo: bool, force: bool) -> None:
    """Load reference data, the indicator catalogue and the published figures.

    Every source is one transaction: a failure leaves what was loaded before intact. Re-running
    with unchanged inputs changes nothing.
    """
    from seed.seeding import run_seed

    engine = engine_for(db_url)
    with progress() as bar:
        task = bar.add_task("seed", total=None)
        results = run_seed(engine, demo=demo, force=force,
                           on_step=lambda name: bar.update(task, description=f"Laddar {name}"))
        bar.update(task, description="Klart")
    table = Table("källa", "batch", "rader", "status")
    for name, result in results:
        state = "oförändrad" if result.unchanged else "laddad"
        rows = str(result.rows) if not result.unchanged else "–"
        table.add_row(name, str(result.batch_id), rows, state)
    out.print(table)


@main.command()
@db_option
@reports_errors
def status(db_url: str | None) -> None:
    """Show what is loaded: batches, sources, rows held, synthetic or not."""
    from seed.status import batch_status

    rows = batch_status(engine_for(db_url))
    if not rows:
        out.print("Inget är laddat. Kör `jamfor seed`.")
        return
    table = Table("batch", "källa", "klar", "rader", "syntetisk", "version", "referens")
    for r in rows:
        finished = r.finished_at.strftime("%Y-%m-%d %H:%M:%S") if r.finished_at else "–"
        table.add_row(str(r.batch_id), r.source, finished, str(r.rows_held),
                      "ja" if r.synthetic else "nej", r.jamfor_version, r.source_ref)
    out.print(table)


@main.group()
def load() -> None:
    """Load real data from a source into the warehouse (one transaction per input)."""
