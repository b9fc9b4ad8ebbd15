"""`jamfor kolada search` and `jamfor kolada check`: a thin skin over ``jamfor.seed.sources.kolada*``.

Both ask Kolada's KPI catalogue and load nothing; `load kolada` (in main) shares the HTTP client
and the --base-url help from here.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.table import Table

from jamfor.cli.output import err, out, shown

BASE_URL_HELP = "Kolada API base URL. Default: $JAMFOR_KOLADA_URL, else https://api.kolada.se/v3."


def kolada_http(refresh: bool) -> Any:
    """The Kolada client every command uses: the response cache, the limits from the environment."""
    from jamfor.seed.sources.kolada_http import KoladaHttp, KoladaLimits, ResponseCache, default_cache_dir

    return KoladaHttp(cache=ResponseCache(default_cache_dir()), refresh=refresh,
                      limits=KoladaLimits.from_env())


def _warn_about_cache(http: Any) -> None:
    """The warning a Kolada command prints when it could not use the response cache."""
    if http.cache is not None and http.cache.problem:
        err.print(f"Warning: {shown(http.cache.problem)}", highlight=False)


def _print_not_in_kolada(absent: list[Any]) -> None:
    for item in absent:
        out.print(f"Not in Kolada: {shown(item.indicator_id)} ({shown(item.title)}). {shown(item.note)}",
                  highlight=False)


def _check_table(check: Any) -> Table:
    table = Table("indicator", "Kolada id", "state", "latest period", "Kolada's title now")
    for kpi in check.kpis:
        states = (["unknown"] if not kpi.known else
                  [*(["renamed"] if kpi.renamed else []), *([] if kpi.recent else ["no recent data"])])
        table.add_row(shown(kpi.mapping.indicator_id), shown(kpi.mapping.kpi), ", ".join(states) or "ok",
                      str(kpi.latest_year or "–"), shown(kpi.title or "–"))
    return table


def add_kolada_commands(main: click.Group, handles_errors: Any) -> None:
    """Attach the `kolada` group (search, check) to the `jamfor` group."""

    @main.group()
    def kolada() -> None:
        """Find Kolada KPIs to load; check the catalogue's Kolada ids."""

    @kolada.command("search")
    @click.argument("text", required=False, default="")
    @click.option("--verksamhet", metavar="NAME",
                  help="Only KPIs of this verksamhet, as a load reads it from Kolada's operating area, "
                  "e.g. Äldreomsorg, LSS, Övrigt or Okänd (the list: docs/loading.md).")
    @click.option("--by-kon", is_flag=True, help="Only KPIs Kolada divides by kön (K and M beside T).")
    @click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
    @click.option("--refresh", is_flag=True, help="Ask Kolada again even where the response cache is fresh.")
    @handles_errors
    def kolada_search(text: str, verksamhet: str | None, by_kon: bool, base_url: str | None,
                      refresh: bool) -> None:
        """List KPIs whose title contains TEXT (all KPIs without TEXT): id, title, publication period
        and what `jamfor load kolada --kpi ID` would create (indicator ids, unit or coding, verksamhet,
        what Kolada's metadata leaves unknown); and the catalogue indicators matching TEXT that Kolada
        does not publish. Loads nothing."""
        from jamfor.seed.sources.kolada import resolve_base_url
        from jamfor.seed.sources.kolada_coding import not_in_kolada
        from jamfor.seed.sources.kolada_search import search_kpis

        http = kolada_http(refresh)
        hits = search_kpis(http, text, resolve_base_url(base_url), verksamhet=verksamhet, by_kon=by_kon)
        _warn_about_cache(http)
        if hits:
            table = Table("id", "title", "publication period", "a load creates")
            for hit in hits:
                table.add_row(*(shown(t) for t in (hit.id, hit.title, hit.publ_period, hit.creates())))
            out.print(table)
            out.print(f"{len(hits)} KPI{'s' if len(hits) != 1 else ''}.", highlight=False)
        else:
            out.print(f"No Kolada KPI matches {shown(repr(text))}"
                      f"{f' in verksamhet {shown(verksamhet)}' if verksamhet else ''}.", highlight=False)
        _print_not_in_kolada(not_in_kolada(text) if text else [])

    @kolada.command("check")
    @click.option("--base-url", metavar="URL", help=BASE_URL_HELP)
    @click.option("--refresh", is_flag=True, help="Ask Kolada again even where the response cache is fresh.")
    @handles_errors
    def kolada_check(base_url: str | None, refresh: bool) -> None:
        """Ask Kolada about every Kolada id in the indicator catalogue; load nothing.

        Reports ids Kolada does not know (retired), ids whose title changed (renamed) and ids
        without recent data (latest period more than two years back). Exit 0 when Kolada knows
        every id, 1 otherwise.
        """
        from jamfor.seed.sources.kolada_check import check_catalogue

        http = kolada_http(refresh)
        check = check_catalogue(http, base_url)
        _warn_about_cache(http)
        out.print(_check_table(check))
        _print_not_in_kolada(check.not_in_kolada)
        if not check.all_known:
            unknown = ", ".join(k.mapping.kpi for k in check.unknown)
            out.print(f"Kolada does not know {len(check.unknown)} of the catalogue's {len(check.kpis)} ids: "
                      f"{shown(unknown)}.", highlight=False)
            sys.exit(1)
        out.print(f"Kolada knows all {len(check.kpis)} of the catalogue's ids.", highlight=False)
