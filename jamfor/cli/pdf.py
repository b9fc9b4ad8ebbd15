"""`jamfor pdf`: one PDF per combination of a dashboard's native filter values, from a running Superset.

A thin skin over ``jamfor.superset.pdf.batch``: it turns --lan / --omrade / --filter into the filter
values, shows a progress bar and prints the outcome. Credentials come from SUPERSET_USERNAME /
SUPERSET_PASSWORD or a hidden prompt and are never printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jamfor.cli.output import err, out, shown

DEFAULT_DASHBOARD = "skr-insatser-lan"
# In the current folder, named so that it cannot be mistaken for (or land among) reports/, the schedules.
DEFAULT_OUT = "jamfor-pdf"
LAN_FILTER = "Län"
OMRADE_FILTER = "Verksamhetsområde"


# (url, username) -> (a client acting for that user, how the browser signs in, the URL the browser opens).
# `jamfor pdf` logs in over REST (``rest_session``); `superset jamfor pdf` passes its machine login.
PdfSession = Callable[[str | None, str | None], tuple[Any, Any, str]]


def rest_session(url: str | None, username: str | None) -> tuple[Any, Any, str]:
    """Over REST with a user and password (database or LDAP): the same login for the API and the
    browser's login form. A token cannot sign a browser in, nor can anything under single sign-on:
    then the error points at `superset jamfor pdf` on the Superset host."""
    from jamfor.superset.pdf.render import FormSignIn
    from jamfor.superset.sync.signin import SignInElsewhere, sign_in

    if not url:
        raise click.UsageError("say which Superset: --url or $SUPERSET_URL")
    if os.environ.get("SUPERSET_TOKEN") and not os.environ.get("SUPERSET_PASSWORD"):
        raise click.UsageError("jamfor pdf signs a browser in, which $SUPERSET_TOKEN cannot do: give a "
                               "database or LDAP user's $SUPERSET_PASSWORD, or run `superset jamfor pdf` "
                               "on the Superset host (no password: Superset's own machine login)")
    name = username or click.prompt("Superset user", err=True)
    password = os.environ.get("SUPERSET_PASSWORD") or click.prompt("Password", hide_input=True, err=True)
    try:
        client = sign_in(url.rstrip("/"), name, password)
    except SignInElsewhere as exc:
        raise SignInElsewhere(url, exc.how, for_browser=True) from None
    return client, FormSignIn(name, password), client.url


def _selections(lan: str | None, omrade: str | None, filters: tuple[str, ...]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    if lan:
        chosen[LAN_FILTER] = lan
    if omrade:
        chosen[OMRADE_FILTER] = omrade
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE, e.g. \"Min kommun=1280\"",
                                     param_hint="--filter")
        chosen[name.strip()] = value.strip()
    return chosen


def add_pdf_command(main: click.Group, handles_errors: Any, session: PdfSession = rest_session) -> None:
    """Attach `pdf` (and its former name `report`, hidden) to ``main``, signing in through ``session``."""

    @main.command("pdf")
    @click.option("--dashboard", default=DEFAULT_DASHBOARD, show_default=True, metavar="SLUG",
                  help="Dashboard slug, id or UUID; any dashboard with native filters.")
    @click.option("--lan", metavar="CODES", help="Län for the filter \"Län\": länskoder or names, "
                  "comma-separated (12,01), or all. Default for the länsrapport: all.")
    @click.option("--omrade", metavar="CODES", help="Verksamhetsområden for the filter "
                  "\"Verksamhetsområde\": codes (funktionshinder, aldre …) or names, or all. "
                  "Default for the länsrapport: all.")
    @click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
                  help="A native filter's value(s): NAME=VALUE[,VALUE…] or NAME=all; repeatable. "
                  "Values may be names or codes (kommunkod, länskod), e.g. \"Min kommun=1280\", or "
                  "kommuner / län for every kommun / län the filter offers.")
    @click.option("--format", "fmt", type=click.Choice(["pdf", "png"]), default="pdf", show_default=True)
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=Path(DEFAULT_OUT), show_default=True,
                  help="Folder for the PDFs, index.html and index.csv (created). Not reports/, which holds "
                  "alert and report schedules.")
    @click.option("--url", envvar="SUPERSET_URL", metavar="URL",
                  help="Superset's address, e.g. http://127.0.0.1:8088. Default: $SUPERSET_URL.")
    @click.option("--username", envvar="SUPERSET_USERNAME", metavar="NAME",
                  help="Superset user the PDFs are made as (database or LDAP). Default: $SUPERSET_USERNAME, "
                  "else a prompt; the password comes from $SUPERSET_PASSWORD, else a hidden prompt.")
    @click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 16),
                  help="PDFs rendered at the same time (browser pages).")
    @click.option("--force", is_flag=True, help="Render again even PDFs whose inputs are unchanged.")
    @handles_errors
    def pdf(dashboard: str, lan: str | None, omrade: str | None, filters: tuple[str, ...], fmt: str,
            out_dir: Path, url: str | None, username: str | None, jobs: int, force: bool) -> None:
        """Write one PDF per combination of native filter values of a dashboard, plus index.html/.csv.

        Superset draws every figure: each combination is opened through a dashboard permalink in headless
        Chromium (/usr/bin/chromium) and printed on A4 with a title page (filters, data sources and
        load dates, whether values are synthetic). A failed PDF is retried once; the others continue
        and the command exits 1 listing the failures. PDFs whose dashboard, data and filters are
        unchanged are skipped unless --force.
        """
        from jamfor.superset.pdf.batch import (
            PdfResult,
            PdfsFailed,
            choose_values,
            dashboard_info,
            make_pdfs,
            plan_jobs,
        )

        client, sign_in, browser_url = session(url, username)
        info = dashboard_info(client, dashboard)
        wanted = _selections(lan, omrade, filters)
        if dashboard == DEFAULT_DASHBOARD:
            wanted = {LAN_FILTER: "all", OMRADE_FILTER: "all", **wanted}
        if not wanted:
            names = ", ".join(f.name for f in info.filters)
            raise click.UsageError(f"choose filter values with --filter NAME=VALUE "
                                   f"(dashboard {dashboard} has: {names})")
        jobs_ = plan_jobs(info, choose_values(client, info, wanted), fmt)

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn())
        with Progress(*columns, console=err) as bar:
            task = bar.add_task(f"Rendering {len(jobs_)} PDFs", total=len(jobs_))

            def done(result: PdfResult) -> None:
                bar.advance(task)
                if result.status == "failed":
                    bar.console.print(f"[red]Failed[/] {shown(result.job.file)}: {shown(result.error)}",
                                      highlight=False, soft_wrap=True)

            try:
                run = make_pdfs(client, sign_in, info, jobs_, out_dir, fmt, jobs, force, done,
                                browser_url=browser_url)
            except PdfsFailed as exc:
                run = exc.run
        rendered, unchanged, failed = run.of("rendered"), run.of("unchanged"), run.of("failed")
        out.print(f"{len(rendered)} rendered, {len(unchanged)} unchanged (skipped), {len(failed)} failed; "
                  f"index: {shown(run.index_html)}", highlight=False)
        if failed:
            err.print("[bold red]Error:[/] these PDFs failed after a retry:", highlight=False)
            for result in failed:
                values = ", ".join(f"{n}={v}" for n, v in result.job.filters)
                err.print(f"  {shown(values)}: {shown(result.error)}", highlight=False, soft_wrap=True)
            sys.exit(1)

    main.add_command(click.Command("report", callback=pdf.callback, params=pdf.params, help=pdf.help,
                                   hidden=True, deprecated=True))
