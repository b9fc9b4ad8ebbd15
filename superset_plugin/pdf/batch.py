"""PDF reports from a running Superset: one file per combination of a dashboard's native filter values.

SKR wrote one report per län and verksamhetsområde by hand; the länsrapport dashboard has all of its
analyses for any län, so ``make_pdfs`` renders that dashboard once per combination (any dashboard
with native filters works the same way). Superset itself draws every figure: each combination gets a
permalink (``POST /api/v1/dashboard/<id>/permalink`` with the native filters' ``dataMask``), which
headless Chromium opens and prints (``jamfor.superset.pdf.render``).

What is reused between runs: a state file in the output folder keeps each file's fingerprint — the
dashboard's and its charts' change times, the data loads its data-source chart reports, the filter
values, the format and the jamfor version. A file whose fingerprint is unchanged is not rendered again
(unless ``force``). ``index.html`` and ``index.csv`` list every report in the folder.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import itertools
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jamfor import __version__
from jamfor.errors import BadInput, JamforError
from jamfor.superset.pdf.render import (
    TIMEOUT_MS,
    Browser,
    CookieSignIn,
    DataSourceLine,
    FormSignIn,
    RenderFailed,
    TitlePage,
    gather_limited,
)
from jamfor.superset.sync.client import SupersetClient, SupersetError

STATE_FILE = ".jamfor-report.json"
DATA_SOURCES_TABLE = "data_sources"
SYNTHETIC_COLUMN = "synthetic"
ALL = "all"
FORMATS = ("pdf", "png")
RENDER_TIMEOUT_S = 3 * TIMEOUT_MS // 1000  # the renderer's three waits (page, first chart, all charts)


@dataclass(frozen=True)
class NativeFilter:
    """A native filter of a dashboard: its id, the name people see, the column it filters, the charts it
    reaches (its scope) and the values it has when a permalink does not set it."""

    id: str
    name: str
    column: str
    dataset_id: int | None
    charts: frozenset[int] = frozenset()
    default: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueSource:
    """What a chart of the dashboard reads, asked by ``synthetic_pdfs``: its dataset (one with a
    ``synthetic`` column), the native filters that reach it and whose column the dataset has, and the
    chart's own saved filters (``own``: JSON of the query's ``filters`` and ``where``)."""

    dataset_id: int
    filters: tuple[str, ...]
    own: str = '{"filters": [], "where": ""}'


@dataclass(frozen=True)
class DashboardInfo:
    id: int
    slug: str
    title: str
    filters: tuple[NativeFilter, ...]
    charts: int  # charts with a header (markdown is not counted)
    changed: str  # change times of the dashboard and every chart, for the fingerprint
    source_charts: tuple[int, ...]  # charts on the data_sources dataset (for the title page)
    value_sources: tuple[ValueSource, ...] = ()  # where the other charts' values come from
    top_tabs: bool = False  # the layout starts with tabs

    def filter_named(self, name: str) -> NativeFilter:
        for flt in self.filters:
            if flt.name.casefold() == name.casefold():
                return flt
        raise BadInput(f"dashboard {self.slug or self.id} has no native filter named {name!r} "
                       f"(it has: {', '.join(f.name for f in self.filters) or 'none'})")


@dataclass(frozen=True)
class PdfJob:
    """One file to write: the filter values (filter name, value) and the file name in the folder."""

    filters: tuple[tuple[str, str], ...]
    file: str


@dataclass
class PdfResult:
    job: PdfJob
    status: str  # "rendered", "unchanged" or "failed"
    pages: int = 0
    synthetic: bool = False
    empty_charts: int = 0
    error: str = ""
    seconds: float = 0.0
    attempts: int = 0


@dataclass
class PdfRun:
    dashboard: DashboardInfo
    results: list[PdfResult] = field(default_factory=list)
    index_html: Path | None = None
    index_csv: Path | None = None

    def of(self, status: str) -> list[PdfResult]:
        return [r for r in self.results if r.status == status]


class PdfsFailed(JamforError):
    """Some reports could not be rendered even after a retry; the others were written."""

    def __init__(self, run: PdfRun) -> None:
        self.run = run
        failed = run.of("failed")
        super().__init__(f"{len(failed)} of {len(run.results)} reports failed: " + "; ".join(
            f"{_describe(r.job.filters)}: {r.error}" for r in failed))


def _describe(filters: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name}={value}" for name, value in filters)


# --- the dashboard ---------------------------------------------------------------------------------

def dashboard_info(client: SupersetClient, ref: str) -> DashboardInfo:
    """Find the dashboard by slug, id or UUID and read its native filters and charts."""
    try:
        found = client.request("GET", f"/api/v1/dashboard/{ref}", f"dashboard {ref}").json()["result"]
    except SupersetError as exc:
        if exc.status == 404:
            raise BadInput(f"Superset has no dashboard {ref!r} (give its slug, id or UUID)") from None
        raise
    metadata = json.loads(found.get("json_metadata") or "{}")
    layout = json.loads(found.get("position_json") or "{}")
    charts = client.request("GET", f"/api/v1/dashboard/{found['id']}/charts", "dashboard charts").json()
    charts = charts["result"]
    filters = tuple(
        NativeFilter(str(f["id"]), str(f["name"]), str(f["targets"][0]["column"]["name"]),
                     f["targets"][0].get("datasetId"), _scope(f, charts, layout), _default(f))
        for f in metadata.get("native_filter_configuration", [])
        if f.get("type", "NATIVE_FILTER") == "NATIVE_FILTER" and f.get("targets")
        and (f["targets"][0].get("column") or {}).get("name"))
    sources = _data_source_charts(client, charts)
    changed = json.dumps([found.get("changed_on")] + sorted(str(c.get("changed_on")) for c in charts))
    slug = str(found.get("slug") or found["id"])
    top = (layout.get("ROOT_ID") or {}).get("children") or []
    return DashboardInfo(int(found["id"]), slug, str(found["dashboard_title"]), filters, len(charts), changed,
                         sources, _value_sources(client, charts, filters, sources),
                         any((layout.get(key) or {}).get("type") == "TABS" for key in top))


def _scope(config: dict[str, Any], charts: list[dict[str, Any]], layout: dict[str, Any]) -> frozenset[int]:
    """The charts a native filter reaches: Superset's ``chartsInScope`` when saved, else its scope (the
    layout components under ``rootPath``, less ``excluded``) applied to the layout as Superset does."""
    if config.get("chartsInScope") is not None:
        return frozenset(int(c) for c in config["chartsInScope"])
    scope = config.get("scope") or {}
    roots = set(scope.get("rootPath") or ["ROOT_ID"])
    excluded = {int(c) for c in scope.get("excluded") or []}
    placed = {int(item["meta"]["chartId"]): {key, *item.get("parents", [])} for key, item in layout.items()
              if isinstance(item, dict) and (item.get("meta") or {}).get("chartId") is not None}
    return frozenset(int(c["id"]) for c in charts
                     if int(c["id"]) not in excluded and roots & placed.get(int(c["id"]), set()))


def _default(config: dict[str, Any]) -> tuple[str, ...]:
    value = ((config.get("defaultDataMask") or {}).get("filterState") or {}).get("value")
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _dataset_id(chart: dict[str, Any]) -> int | None:
    ident, _, kind = str((chart.get("form_data") or {}).get("datasource") or "").partition("__")
    return int(ident) if kind == "table" and ident.isdigit() else None


def _value_sources(client: SupersetClient, charts: list[dict[str, Any]], filters: Sequence[NativeFilter],
                   source_charts: Sequence[int]) -> tuple[ValueSource, ...]:
    """What each chart reads (not the data-source list, which describes every load): only datasets that
    say per row whether it is synthetic; the same question asked by several charts is asked once."""
    columns: dict[int, set[str]] = {}
    found: set[ValueSource] = set()
    for chart in charts:
        dataset, chart_id = _dataset_id(chart), int(chart["id"])
        if dataset is None or chart_id in source_charts:
            continue
        if dataset not in columns:
            answer = client.request("GET", f"/api/v1/dataset/{dataset}", f"dataset {dataset}",
                                    params={"q": "(columns:!(columns.column_name))"}).json()["result"]
            columns[dataset] = {str(c["column_name"]) for c in answer["columns"]}
        if SYNTHETIC_COLUMN in columns[dataset]:
            reaching = [f for f in filters if chart_id in f.charts and f.column in columns[dataset]]
            found.add(ValueSource(dataset, tuple(f.name for f in reaching),
                                  _own_filters(client, chart_id, {f.column for f in reaching})))
    return tuple(sorted(found, key=lambda v: (v.dataset_id, v.filters, v.own)))


def _own_filters(client: SupersetClient, chart_id: int, native_columns: set[str]) -> str:
    """The chart's own filters from its saved query, without the native filters' values saved with it
    (those the report sets)."""
    saved = json.loads(client.get("chart", chart_id).get("query_context") or "null") or {}
    query = (saved.get("queries") or [{}])[0]
    own = [f for f in query.get("filters") or []
           if not f.get("isExtra") and f.get("col") not in native_columns]
    return json.dumps({"filters": own, "where": (query.get("extras") or {}).get("where") or ""},
                      sort_keys=True, ensure_ascii=False)


def _data_source_charts(client: SupersetClient, charts: list[dict[str, Any]]) -> tuple[int, ...]:
    datasets = client.search("dataset", "table_name", DATA_SOURCES_TABLE, columns=("id", "table_name"))
    ids = {f"{d['id']}__table" for d in datasets}
    return tuple(int(c["id"]) for c in charts if (c.get("form_data") or {}).get("datasource") in ids)


def data_sources(client: SupersetClient, dashboard: DashboardInfo) -> list[DataSourceLine]:
    """The dashboard's data-source chart(s), run with their saved query plus the ``synthetic`` column.

    Run past Superset's cache: the lines name the loads in the warehouse now (the title page and the
    fingerprint that decides what to render again).
    """
    lines: list[DataSourceLine] = []
    for chart_id in dashboard.source_charts:
        context = json.loads(client.get("chart", chart_id)["query_context"])
        for query in context["queries"]:
            if SYNTHETIC_COLUMN not in query.get("columns", []):
                query["columns"] = [*query.get("columns", []), SYNTHETIC_COLUMN]
        context["result_format"], context["result_type"], context["force"] = "json", "full", True
        answer = client.request("POST", "/api/v1/chart/data", f"chart {chart_id} data", json=context).json()
        for row in (r for result in answer["result"] for r in result["data"]):
            lines.append(DataSourceLine(str(row.get("data_kind") or ""),
                                        str(row.get("attribution") or row.get("source_ref") or ""),
                                        _timestamp(row.get("loaded_at")), bool(row.get(SYNTHETIC_COLUMN))))
    return sorted(set(lines), key=lambda line: (line.kind, line.source, line.loaded_at))


def synthetic_pdfs(client: SupersetClient, dashboard: DashboardInfo, jobs: Sequence[PdfJob]
                      ) -> dict[tuple[tuple[str, str], ...], bool]:
    """Per job (its filter values), whether any value its charts show is synthetic.

    One query per chart's dataset and own filters, grouped by the columns of the native filters that
    reach the chart: a job shows synthetic values when a row that its filter values (or a filter's
    default, where the job leaves it unset) select says so. A row the chart's aggregation or row limit
    leaves out still counts: in doubt, a report is flagged rather than not.
    """
    flags = {job.filters: False for job in jobs}
    for source in dashboard.value_sources:
        reaching = [dashboard.filter_named(name) for name in source.filters]
        wanted = {flt.name: {v for job in jobs for v in _values(flt, job)} for flt in reaching}
        own = json.loads(source.own)
        chosen = [{"col": flt.column, "op": "IN", "val": sorted(wanted[flt.name])}
                  for flt in reaching if wanted[flt.name]]
        query = {"columns": [*(flt.column for flt in reaching), SYNTHETIC_COLUMN],
                 "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "rows"}],
                 "filters": [*own["filters"], *chosen], "extras": {"where": own["where"]}, "orderby": [],
                 "row_limit": 1_000_000}
        context = {"datasource": {"id": source.dataset_id, "type": "table"}, "force": True,
                   "queries": [query], "result_format": "json", "result_type": "full"}
        answer = client.request("POST", "/api/v1/chart/data", f"dataset {source.dataset_id} synthetic rows",
                                json=context).json()
        synthetic_rows = [row for result in answer["result"] for row in result["data"]
                          if row.get(SYNTHETIC_COLUMN)]
        for job in jobs:
            if not flags[job.filters]:
                flags[job.filters] = any(
                    all(not _values(flt, job) or str(row.get(flt.column)) in _values(flt, job)
                        for flt in reaching) for row in synthetic_rows)
    return flags


def _values(flt: NativeFilter, job: PdfJob) -> tuple[str, ...]:
    """The values ``flt`` has in the job's report: the job's, else the filter's default (none: all)."""
    chosen = tuple(value for name, value in job.filters if name == flt.name)
    return chosen or flt.default


def _timestamp(value: Any) -> str:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


# --- which values ------------------------------------------------------------------------------------

def filter_values(client: SupersetClient, flt: NativeFilter) -> list[str]:
    """Every value the filter offers, as Superset lists them for its dataset column."""
    if flt.dataset_id is None:
        raise BadInput(f"native filter {flt.name!r} names no dataset; give its values explicitly")
    answer = client.request("GET", f"/api/v1/datasource/table/{flt.dataset_id}/column/{flt.column}/values/",
                            f"values of filter {flt.name}").json()
    return [str(v) for v in answer["result"] if v is not None]


def resolve_values(flt: NativeFilter, spec: str, offered: Sequence[str],
                   aliases: dict[str, str] | None = None, groups: dict[str, set[str]] | None = None
                   ) -> list[str]:
    """``all``, or comma-separated values; each a value the filter offers, an alias of one (a länskod,
    kommunkod or verksamhetsområde code for its Swedish name) or a group of them (``kommuner``: every
    kommun the filter offers, not riket, län or stadsdelar)."""
    if spec.strip().casefold() == ALL:
        return list(offered)
    by_fold = {value.casefold(): value for value in offered}
    chosen = []
    for item in (part.strip() for part in spec.split(",") if part.strip()):
        group = (groups or {}).get(item.casefold())
        value = by_fold.get(item.casefold()) or by_fold.get((aliases or {}).get(item, "").casefold())
        if group is not None and value is None:
            chosen.extend(v for v in offered if v in group)
            continue
        if value is None:
            examples = ", ".join(list(offered)[:5])
            raise BadInput(f"filter {flt.name!r}: {item!r} is not one of its values (e.g. {examples})")
        chosen.append(value)
    if not chosen:
        raise BadInput(f"filter {flt.name!r}: no value given")
    return list(dict.fromkeys(chosen))


AREA_GROUPS = {"kommuner": "kommun", "län": "lan", "lan": "lan"}


def area_aliases() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Codes a person types for names the dashboards filter on (länskod, kommunkod, område code), and
    the groups of area names (``kommuner``, ``län``)."""
    from jamfor.seed.reference import OMRADEN, area_frame

    areas = area_frame()
    groups = {word: set(areas.name[areas.level == level]) for word, level in AREA_GROUPS.items()}
    return {**dict(zip(areas.area_code, areas.name)), **OMRADEN}, groups


def choose_values(client: SupersetClient, dashboard: DashboardInfo, wanted: dict[str, str]
                  ) -> dict[str, list[str]]:
    """Each named filter's values from a spec (``all``, ``kommuner``, or names and codes, comma-separated)."""
    aliases, groups = area_aliases()
    chosen = {}
    for name, spec in wanted.items():
        flt = dashboard.filter_named(name)
        chosen[flt.name] = resolve_values(flt, spec, filter_values(client, flt), aliases, groups)
    return chosen


def plan_jobs(dashboard: DashboardInfo, chosen: dict[str, list[str]], fmt: str) -> list[PdfJob]:
    """One job per combination of the chosen values, named ``<slug>--<value>--<value>.<fmt>``."""
    names = list(chosen)
    jobs = []
    for values in itertools.product(*(chosen[name] for name in names)):
        stem = "--".join([dashboard.slug, *(_slug(v) for v in values)])
        jobs.append(PdfJob(tuple(zip(names, values)), f"{_slug(stem)}.{fmt}"))
    return jobs


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def data_mask(dashboard: DashboardInfo, filters: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The native filters' state as the dashboard keeps it: one ``IN`` filter per chosen value."""
    mask = {}
    for name, value in filters:
        flt = dashboard.filter_named(name)
        mask[flt.id] = {"id": flt.id, "extraFormData": {"filters": [{"col": flt.column, "op": "IN",
                                                                     "val": [value]}]},
                        "filterState": {"value": [value], "label": value}, "ownState": {}}
    return mask


def permalink(client: SupersetClient, dashboard: DashboardInfo, filters: Sequence[tuple[str, str]]) -> str:
    answer = client.request("POST", f"/api/v1/dashboard/{dashboard.id}/permalink", "dashboard permalink",
                            json={"dataMask": data_mask(dashboard, filters), "activeTabs": [],
                                  "urlParams": []}).json()
    # the path only: Superset builds the URL from the Host it was asked on (a proxy's, or the in-process
    # client's), while the browser goes to the address it was given
    return urlsplit(str(answer["url"])).path


# --- state and index ----------------------------------------------------------------------------------

def job_fingerprint(dashboard: DashboardInfo, sources: Sequence[DataSourceLine], job: PdfJob, fmt: str,
                    synthetic: bool) -> str:
    """What decides whether a PDF is rendered again: its dashboard and data sources as changed, its
    filters, format, synthetic flag and the jamfor version."""
    payload = {"dashboard": [dashboard.id, dashboard.changed], "sources": [asdict(s) for s in sources],
               "filters": job.filters, "format": fmt, "synthetic": synthetic, "jamfor": __version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_state(out_dir: Path) -> dict[str, Any]:
    path = out_dir / STATE_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}  # a damaged state only costs a re-render


def write_state(out_dir: Path, state: dict[str, Any]) -> None:
    tmp = out_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out_dir / STATE_FILE)


def write_index(out_dir: Path, state: dict[str, Any]) -> tuple[Path, Path]:
    """index.csv and index.html (Swedish) listing every report of the folder that exists."""
    entries = sorted((name, entry) for name, entry in state.items() if (out_dir / name).exists())
    filter_names = list(dict.fromkeys(n for _, e in entries for n, _ in e["filters"]))
    header = ["fil", "dashboard", *filter_names, "sidor", "syntetiska_varden", "tomma_diagram", "skapad"]
    rows = []
    for name, entry in entries:
        values = dict(entry["filters"])
        rows.append([name, entry["dashboard"], *(values.get(n, "") for n in filter_names), entry["pages"],
                     "ja" if entry["synthetic"] else "nej", entry.get("empty_charts", 0),
                     entry["rendered_at"]])
    csv_path = out_dir / "index.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in ["Fil", "Dashboard", *filter_names, "Sidor",
                                               "Syntetiska värden", "Tomma diagram", "Skapad"])
    body = "".join(
        "<tr>" + f'<td><a href="{e(row[0])}">{e(row[0])}</a></td>'
        + "".join(f"<td>{e(str(cell))}</td>" for cell in row[1:]) + "</tr>" for row in rows)
    html_path = out_dir / "index.html"
    html_path.write_text(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Rapporter</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ccc;padding:4px 10px;text-align:left}</style></head><body>"
        f"<h1>Rapporter</h1><p>{len(rows)} rapporter, skapade med jamfor {e(__version__)}.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n",
        encoding="utf-8")
    return html_path, csv_path


# --- the run ----------------------------------------------------------------------------------------------

def title_page(dashboard: DashboardInfo, job: PdfJob, sources: Sequence[DataSourceLine], synthetic: bool,
               made: str) -> TitlePage:
    """The job's title page: the synthetic loads are listed only when the report shows synthetic values
    (loads of demo values for other län or områden are not this report's sources)."""
    shown = tuple(line for line in sources if synthetic or not line.synthetic)
    return TitlePage(dashboard.title, job.filters, shown, synthetic, made, __version__)


def make_pdfs(client: SupersetClient, sign_in: FormSignIn | CookieSignIn, dashboard: DashboardInfo,
              jobs: Sequence[PdfJob], out_dir: Path, fmt: str = "pdf", parallel: int = 2,
              force: bool = False, on_result: Callable[[PdfResult], None] | None = None,
              browser_factory: Callable[..., Browser] = Browser, browser_url: str | None = None) -> PdfRun:
    """Render every job not already up to date into ``out_dir``, then write the index.

    The browser signs in with ``sign_in`` and opens Superset at ``browser_url`` (default: the client's
    URL; the in-process client has none a browser could open).

    A failed rendering is tried once more; what still fails is reported in the result (and by
    ``PdfsFailed`` after the index is written), while the other reports are written.
    """
    if fmt not in FORMATS:
        raise BadInput(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = data_sources(client, dashboard)
    synthetic = synthetic_pdfs(client, dashboard, jobs)
    state = read_state(out_dir)
    run = PdfRun(dashboard)
    todo: list[tuple[PdfJob, str]] = []
    for job in jobs:
        print_ = job_fingerprint(dashboard, sources, job, fmt, synthetic[job.filters])
        entry = state.get(job.file)
        if not force and entry and entry.get("fingerprint") == print_ and (out_dir / job.file).exists():
            result = PdfResult(job, "unchanged", entry["pages"], entry["synthetic"],
                                  entry.get("empty_charts", 0))
            run.results.append(result)
            if on_result:
                on_result(result)
        else:
            todo.append((job, print_))
    if todo:
        made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

        async def render_all() -> list[PdfResult]:
            async with browser_factory(browser_url or client.url, sign_in) as browser:
                async def one(job: PdfJob) -> PdfResult:
                    title = title_page(dashboard, job, sources, synthetic[job.filters], made)
                    result = await _render_with_retry(client, browser, dashboard, job, title,
                                                      out_dir / job.file, fmt)
                    if on_result:
                        on_result(result)
                    return result
                return await gather_limited(parallel, [lambda job=job: one(job) for job, _ in todo])

        for result, (job, print_) in zip(asyncio.run(render_all()), todo):
            run.results.append(result)
            if result.status == "rendered":
                state[job.file] = {"fingerprint": print_, "filters": [list(f) for f in job.filters],
                                   "dashboard": dashboard.slug, "pages": result.pages,
                                   "synthetic": result.synthetic, "empty_charts": result.empty_charts,
                                   "rendered_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")}
        write_state(out_dir, state)
    run.index_html, run.index_csv = write_index(out_dir, state)
    if run.of("failed"):
        raise PdfsFailed(run)
    return run


async def _render_with_retry(client: SupersetClient, browser: Browser, dashboard: DashboardInfo,
                             job: PdfJob, title: TitlePage, path: Path, fmt: str) -> PdfResult:
    started = time.perf_counter()
    error = ""
    for attempt in (1, 2):
        try:
            # one quick request, made here in the event loop: the requests session is not shared by threads
            link = permalink(client, dashboard, job.filters)
            # every wait inside has its own timeout, but Playwright's new page and close have none: a
            # browser that stops answering must fail this report, not hold up the whole run
            rendering = browser.render(link, dashboard.charts, title, path, fmt, dashboard.top_tabs)
            done = await asyncio.wait_for(rendering, RENDER_TIMEOUT_S)
            return PdfResult(job, "rendered", done.pages, title.synthetic, done.empty_charts,
                                seconds=time.perf_counter() - started, attempts=attempt)
        except (RenderFailed, SupersetError) as exc:
            error = str(exc)
        except asyncio.TimeoutError:
            error = f"the browser did not finish within {RENDER_TIMEOUT_S} s"
        except Exception as exc:  # the browser itself (crash, closed page): worth the one retry too
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return PdfResult(job, "failed", error=error, seconds=time.perf_counter() - started, attempts=2)
