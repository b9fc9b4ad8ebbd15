"""`jamfor pdf` against the session's real Superset 6.1 and Debian's headless Chromium.

The länsrapport dashboard and the SKR datasets are registered (as `jamfor register` does) on the module's
own copy of the PostgreSQL demo warehouse; `jamfor pdf` renders Skåne and Stockholm × funktionshinder
once for the module. The Skåne PDF is turned into text with poppler's `pdftotext` and must carry every
figure of SKR's Skåne report — parsed from the report's text (tests/support/skr_publication.py), not retyped —
and its pages go to tests/artifacts/report/ as PNGs (`pdftoppm`) for a look. Last, Skåne's answers are
moved to a load of published values in the module's warehouse: Skåne's reports, and only those, must not
say their values are synthetic. Without Chromium, Playwright or poppler-utils the tests skip locally
and fail when CI=true.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import shipped_assets
from support.databases import REPO, pg_database, unavailable
from support.skr_publication import (
    LISTS,
    insatsutbud_figures,
    instance_totals,
    number,
    offer_table,
    skane_fh_section,
    vanligast,
)

from jamfor.cli.main import main
from jamfor.superset.pdf.render import CHROMIUM, TitlePage, count_pdf_pages, title_page_html

# The first test carries the session's Superset start, the warehouse seed and two renderings: on a loaded
# 2-core machine that is more than the default 900 s.
pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres, pytest.mark.timeout(2400)]

SLUG = "skr-insatser-lan"
FOLDER = "skr_insatser_lan"
OJ_FOLDER = "oj_lss_utveckling"
ARTIFACTS = REPO / "tests" / "artifacts" / "report"
SKANE_PDF = "skr-insatser-lan-skane-lan-funktionshinder.pdf"
STOCKHOLM_PDF = "skr-insatser-lan-stockholms-lan-funktionshinder.pdf"
PUBLISHED_PDF = "skr-insatser-lan-skane-lan-aldre.pdf"
SYNTHETIC_NOTE = "Syntetiska demovärden"


def _tools() -> None:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    for tool in ("pdftotext", "pdftoppm", "pdfinfo"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is missing (apt-get install poppler-utils)")


@pytest.fixture(scope="module")
def warehouse(_demo_pg_template) -> Iterator[str]:
    """The module's copy of the demo warehouse (the last tests change it)."""
    with pg_database(_demo_pg_template) as url:
        yield url


@pytest.fixture(scope="module")
def lansrapport(superset, warehouse, tmp_path_factory) -> Any:
    """The länsrapport, the ÖJ dashboard per kommun and the datasets, registered on the warehouse."""
    from jamfor.superset.sync.client import SupersetClient
    from jamfor.superset.sync.register import register

    _tools()
    assets = shipped_assets(lambda a: a.kind == "dataset" or a.slug in (FOLDER, OJ_FOLDER))
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("report-state")))
        register(client, assets, warehouse, superset.url)
    return assets


def run_report(superset, *args: str) -> Any:
    env = {"SUPERSET_URL": superset.url, "SUPERSET_USERNAME": superset.username,
           "SUPERSET_PASSWORD": superset.password}
    return CliRunner().invoke(main, ["pdf", *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def two_lan(superset, lansrapport, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """`jamfor pdf --lan 12,01 --omrade funktionshinder` once, into a fresh folder."""
    out = tmp_path_factory.mktemp("reports")
    result = run_report(superset, "--lan", "12,01", "--omrade", "funktionshinder", "--out", str(out))
    yield {"out": out, "result": result}


def pdf_page_texts(path: Path) -> list[str]:
    """Each page's text in content order, whitespace collapsed (table cells that wrap read as one line)."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return [" ".join(page.replace("\u00a0", " ").replace("\u202f", " ").split()) for page in raw.split("\f")]


def pdf_text(path: Path) -> str:
    return " ".join(pdf_page_texts(path))


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def chart_titles(assets) -> dict[str, str]:
    """Chart file stem -> the title the dashboard shows, from the shipped YAML."""
    return {Path(a.source).stem: a.data["slice_name"] for a in assets.of("chart")
            if Path(a.source).parts[1] == FOLDER}


def chart_text(text: str, titles: dict[str, str], stem: str) -> str:
    """The text from the chart's title to the next chart title in the PDF."""
    start = text.index(titles[stem])
    later = [text.find(title, start + len(titles[stem])) for key, title in titles.items() if key != stem]
    return text[start:min([i for i in later if i > start] or [len(text)])].replace("\u00a0", " ")


def has_number(text: str, value: int, percent: bool = False) -> bool:
    return re.search(rf"(?<![\d,.]){value}{' ?%' if percent else ''}(?![\d,.])", text) is not None


# --- one run, two län -------------------------------------------------------------------------------

def test_two_lan_render_to_two_pdfs_and_an_index_of_them(two_lan):
    result, out = two_lan["result"], two_lan["out"]
    assert result.exit_code == 0, result.output
    assert "2 rendered, 0 unchanged (skipped), 0 failed" in result.output
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted([SKANE_PDF, STOCKHOLM_PDF])
    with (out / "index.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["fil"], r["Län"], r["Verksamhetsområde"], r["syntetiska_varden"]) for r in rows] == [
        (SKANE_PDF, "Skåne län", "Funktionshinder", "ja"),
        (STOCKHOLM_PDF, "Stockholms län", "Funktionshinder", "ja")]
    for row in rows:
        pdf = out / row["fil"]
        assert int(row["sidor"]) == pdf_pages(pdf) == count_pdf_pages(pdf.read_bytes())
        assert int(row["sidor"]) >= 5
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{SKANE_PDF}">' in page and f'<a href="{STOCKHOLM_PDF}">' in page
    assert "Skåne län" in page and "Stockholms län" in page


def test_a_second_run_skips_the_unchanged_reports(superset, two_lan):
    out = two_lan["out"]
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    result = run_report(superset, "--lan", "12,01", "--omrade", "funktionshinder", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "0 rendered, 2 unchanged (skipped), 0 failed" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == before


def test_the_stockholm_report_shows_stockholms_figures_not_skanes(two_lan, lansrapport):
    titles = chart_titles(lansrapport)
    text = pdf_text(two_lan["out"] / STOCKHOLM_PDF)
    assert "Län Stockholms län" in text
    answered = chart_text(text, titles, "svar_besvarade")
    assert not has_number(answered, 21)  # Skåne's figure


# --- the Skåne report carries every figure of SKR's report ------------------------------------------------

@pytest.fixture(scope="module")
def skane(two_lan, lansrapport) -> dict[str, Any]:
    pdf = two_lan["out"] / SKANE_PDF
    assert pdf.exists(), two_lan["result"].output
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("skane-funktionshinder-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / "skane-funktionshinder")],
                   check=True)
    return {"text": pdf_text(pdf), "titles": chart_titles(lansrapport)}


def test_the_title_page_names_lan_omrade_sources_synthetic_flag_and_version(skane):
    from jamfor import __version__

    text = skane["text"]
    first_chart = text.index(skane["titles"]["data_sources"])
    title_page = text[:first_chart]
    assert "Socialtjänstens insatser – länsrapport" in title_page
    assert "Län Skåne län" in title_page and "Verksamhetsområde Funktionshinder" in title_page
    assert SYNTHETIC_NOTE in title_page
    assert "Datakällor" in title_page and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", title_page)
    assert f"jamfor {__version__}" in title_page


def test_skane_pdf_shows_21_answered_and_19_completed(skane):
    text, titles = skane["text"], skane["titles"]
    section = skane_fh_section()
    answered = number(r"(\d+)\s+Kommuner besvarade enkäten", section)
    completed = number(r"(\d+)\s+Kommuner fullföljde hela enkäten", section)
    assert (answered, completed) == (21, 19)
    assert has_number(chart_text(text, titles, "svar_besvarade"), answered)
    assert has_number(chart_text(text, titles, "svar_fullfoljde"), completed)


def test_skane_pdf_shows_mean_21_min_2_max_34_and_50_percent_further(skane):
    text, titles = skane["text"], skane["titles"]
    mean, least, most, further = insatsutbud_figures()
    assert (mean, least, most, further) == (21, 2, 34, 50)
    assert has_number(chart_text(text, titles, "utbud_medel"), mean)
    assert has_number(chart_text(text, titles, "utbud_min"), least)
    assert has_number(chart_text(text, titles, "utbud_max"), most)
    assert has_number(chart_text(text, titles, "utbud_ytterligare"), further, percent=True)


TOP_AND_BOTTOM_10 = {"vanligaste_10": "De tio vanligaste av de kartlagda insatserna",
                     "minst_vanliga_10": "De tio minst vanliga av de kartlagda insatserna"}


def report_lists() -> dict[str, list[str]]:
    """Chart file stem -> the rows of SKR's list that chart shows, as the PDF prints them."""
    lists = {stem: [f"{row.label} {row.percent} % {row.count} {row.answering}" for row in offer_table(title)]
             for stem, title in TOP_AND_BOTTOM_10.items()}
    for title, (question, category) in LISTS.items():
        lists[f"{question}_vanligast_{category}"] = [
            f"{row.label} ({row.answering}) {row.percent} % {row.count}" for row in vanligast(title)]
    return lists


@pytest.mark.parametrize("stem", list(TOP_AND_BOTTOM_10))
def test_skane_pdf_lists_the_reports_top_and_bottom_10_rows(skane, stem):
    rows = report_lists()[stem]
    assert len(rows) == 10
    shown = chart_text(skane["text"], skane["titles"], stem)
    missing = [row for row in rows if row not in shown]
    assert not missing, shown[:2000]


@pytest.mark.parametrize("title", list(LISTS))
def test_skane_pdf_lists_the_reports_vanligast_rows(skane, title):
    question, category = LISTS[title]
    stem = f"{question}_vanligast_{category}"
    shown = chart_text(skane["text"], skane["titles"], stem)
    missing = [row for row in report_lists()[stem] if row not in shown]
    assert not missing, shown[:2000]


def test_skane_pdf_gives_the_instance_totals_258_110_3_294_74_21_268_27_98(skane):
    totals = instance_totals()
    assert sorted(totals.values()) == sorted([258, 110, 3, 294, 74, 21, 268, 27, 98])
    for (question, _category), count in totals.items():
        assert has_number(chart_text(skane["text"], skane["titles"], f"{question}_fordelning"), count), \
            (question, count)


def test_no_table_of_the_report_is_cut_across_pages(skane, two_lan):
    """Each of the report's lists is printed whole on the page that carries its title."""
    titles = skane["titles"]
    pages = pdf_page_texts(two_lan["out"] / SKANE_PDF)
    for stem, rows in report_lists().items():
        on = [page for page in pages if titles[stem] in page]
        assert len(on) == 1, (stem, len(on))
        assert all(row in on[0] for row in rows), (stem, on[0][:1500])


def test_skane_pages_are_saved_as_pngs_for_a_look(skane, two_lan):
    pngs = sorted(ARTIFACTS.glob("skane-funktionshinder-*.png"))
    assert len(pngs) == pdf_pages(two_lan["out"] / SKANE_PDF)


# --- any dashboard with native filters: the ÖJ dashboard per kommun -----------------------------------------

def test_the_oj_dashboard_renders_per_kommun_by_kommunkod(superset, lansrapport, tmp_path):
    result = run_report(superset, "--dashboard", "oj-lss-utveckling", "--filter", "Min kommun=1280",
                        "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    with (tmp_path / "index.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["fil"], r["Min kommun"], r["syntetiska_varden"]) for r in rows] == [
        ("oj-lss-utveckling-malmo.pdf", "Malmö", "ja")]
    text = pdf_text(tmp_path / "oj-lss-utveckling-malmo.pdf")
    assert "Min kommun Malmö" in text and SYNTHETIC_NOTE in text
    assert int(rows[0]["sidor"]) == pdf_pages(tmp_path / "oj-lss-utveckling-malmo.pdf") >= 2


# --- a dashboard with tabs prints every tab ---------------------------------------------------------------

def _reparent(layout: dict[str, Any], key: str, parents: list[str]) -> None:
    layout[key]["parents"] = parents
    for child in layout[key].get("children", []):
        _reparent(layout, child, [*parents, key])


def _tab(key: str, name: str, children: list[str]) -> dict[str, Any]:
    return {"type": "TAB", "id": key, "children": children, "meta": {"text": name, "defaultText": "Tab title",
                                                                     "placeholder": "Tab title"}}


def tabbed_layout(layout: dict[str, Any], top: bool) -> dict[str, Any]:
    """The länsrapport's rows split over two tabs: the layout's first level (``top``), or tabs inside the
    grid under its first two rows."""
    layout = json.loads(json.dumps(layout))
    rows = layout["GRID_ID"]["children"]
    head, rest = ([], rows) if top else (rows[:2], rows[2:])
    half = len(rest) // 2
    layout.update({"TABS-jamfor": {"type": "TABS", "id": "TABS-jamfor", "children": ["TAB-en", "TAB-tva"],
                                   "meta": {}},
                   "TAB-en": _tab("TAB-en", "Svar och utbud", rest[:half]),
                   "TAB-tva": _tab("TAB-tva", "Form, regi och beslut", rest[half:])})
    if top:
        layout["ROOT_ID"]["children"], layout["GRID_ID"]["children"] = ["TABS-jamfor"], []
        _reparent(layout, "TABS-jamfor", ["ROOT_ID"])
    else:
        layout["GRID_ID"]["children"] = [*head, "TABS-jamfor"]
        _reparent(layout, "GRID_ID", ["ROOT_ID"])
    return layout


@pytest.fixture(params=["top", "grid"])
def tabbed(request, superset, lansrapport) -> Iterator[str]:
    """A copy of the länsrapport (same charts and filters) with its rows in two tabs; its slug."""
    from jamfor.superset.sync.client import SupersetClient

    client = SupersetClient.login(superset.url, superset.username, superset.password)
    found = client.request("GET", f"/api/v1/dashboard/{SLUG}", "länsrapport").json()["result"]
    metadata = {**json.loads(found["json_metadata"]),
                "positions": tabbed_layout(json.loads(found["position_json"]), request.param == "top")}
    copy = client.request("POST", f"/api/v1/dashboard/{found['id']}/copy/", "copy the länsrapport",
                          json={"dashboard_title": "Länsrapport i flikar", "duplicate_slices": False,
                                "json_metadata": json.dumps(metadata)}).json()["result"]
    slug = f"lansrapport-flikar-{request.param}"
    client.put("dashboard", copy["id"], {"slug": slug})
    yield slug
    client.delete("dashboard", copy["id"])


def test_a_dashboard_with_tabs_prints_every_tab_under_its_name(superset, tabbed, lansrapport, tmp_path):
    result = run_report(superset, "--dashboard", tabbed, "--filter", "Län=12", "--filter",
                        "Verksamhetsområde=funktionshinder", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    text = pdf_text(next(tmp_path.glob("*.pdf")))
    missing = [title for title in chart_titles(lansrapport).values() if title not in text]
    assert not missing
    assert text.index("Svar och utbud") < text.index("Form, regi och beslut")
    assert has_number(chart_text(text, chart_titles(lansrapport), "svar_besvarade"), 21)


# --- what goes wrong ----------------------------------------------------------------------------------

def test_an_unknown_lan_code_is_refused_before_anything_renders(superset, lansrapport, tmp_path):
    result = run_report(superset, "--lan", "99", "--omrade", "funktionshinder", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "filter 'Län': '99' is not one of its values" in " ".join(result.output.split())
    assert not list(tmp_path.iterdir())


def test_a_filter_the_dashboard_does_not_have_is_named_in_the_error(superset, lansrapport, tmp_path):
    result = run_report(superset, "--filter", "Min kommun=1280", "--lan", "12", "--omrade", "aldre",
                        "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "has no native filter named 'Min kommun' (it has: Län, Verksamhetsområde)" in " ".join(
        result.output.split())  # the console wraps long lines


def test_title_page_escapes_values_from_superset():
    page = TitlePage("<b>Rapport</b>", (("Län", "<script>x</script>"),), (), True, "2026-01-01 00:00 UTC",
                     "1.0")
    html = title_page_html(page)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;Rapport&lt;/b&gt;" in html and "Syntetiska demovärden" in html


# --- the synthetic flag is the report's own -----------------------------------------------------------------

def title_page_text(text: str, titles: dict[str, str]) -> str:
    return text[:text.index(titles["data_sources"])]


@pytest.fixture(scope="module")
def published_skane(superset, lansrapport, warehouse, tmp_path_factory) -> dict[str, Any]:
    """Skåne's answers moved to a load of published values (the other län keep demo values), then
    `jamfor pdf` for Skåne and Stockholm × äldreomsorg. Runs after the tests above: the new load changes
    every report's inputs.

    All of Skåne's answers, not only its äldreomsorg: the länsrapport also shows Skåne's kommuner that
    answered every enkät, and a kommun's insatser per område count as synthetic when any of its answers is.
    """
    from sqlalchemy import text

    from jamfor.seed.db import engine_for
    from jamfor.seed.derive import rebuild_derived

    engine = engine_for(warehouse)
    skane = "area_code IN (SELECT area_code FROM area WHERE lan_code = '12')"
    try:
        with engine.begin() as conn:
            batch = conn.execute(text(
                "INSERT INTO load_batch (source, source_ref, sha256, content_sha256, started_at, "
                "finished_at, rows, synthetic, jamfor_version, attribution) VALUES ('skr_test', 'test', "
                ":sha, :sha, now(), now(), 0, false, 'test', 'Publicerade svar från Skånes kommuner (test)') "
                "RETURNING batch_id"), {"sha": "0" * 64}).scalar_one()
            for table in ("survey_response", "wish_category", "insats_response"):
                conn.execute(text(f"UPDATE {table} SET batch_id = :b WHERE {skane}"), {"b": batch})
            rebuild_derived(conn)
    finally:
        engine.dispose()
    out = tmp_path_factory.mktemp("published")
    result = run_report(superset, "--lan", "12,01", "--omrade", "aldre", "--out", str(out))
    assert result.exit_code == 0, result.output
    return {"out": out, "titles": chart_titles(lansrapport)}


def test_synthetic_flag_is_per_report_from_the_values_it_shows(superset, published_skane):
    from jamfor.superset.pdf.batch import dashboard_info, plan_jobs, synthetic_pdfs
    from jamfor.superset.sync.client import SupersetClient

    client = SupersetClient.login(superset.url, superset.username, superset.password)
    info = dashboard_info(client, SLUG)
    chosen = {"Län": ["Skåne län", "Stockholms län"], "Verksamhetsområde": ["Äldre", "Funktionshinder"]}
    flags = synthetic_pdfs(client, info, plan_jobs(info, chosen, "pdf"))
    assert flags == {(("Län", "Skåne län"), ("Verksamhetsområde", "Äldre")): False,
                     (("Län", "Skåne län"), ("Verksamhetsområde", "Funktionshinder")): False,
                     (("Län", "Stockholms län"), ("Verksamhetsområde", "Äldre")): True,
                     (("Län", "Stockholms län"), ("Verksamhetsområde", "Funktionshinder")): True}


def test_a_report_of_published_values_says_nothing_synthetic(published_skane):
    out, titles = published_skane["out"], published_skane["titles"]
    with (out / "index.csv").open(encoding="utf-8") as handle:
        flags = {row["fil"]: row["syntetiska_varden"] for row in csv.DictReader(handle)}
    assert flags == {PUBLISHED_PDF: "nej", "skr-insatser-lan-stockholms-lan-aldre.pdf": "ja"}
    published = title_page_text(pdf_text(out / PUBLISHED_PDF), titles)
    assert "Län Skåne län" in published and "Verksamhetsområde Äldre" in published
    assert SYNTHETIC_NOTE not in published  # neither the warning nor the demo load among the sources
    assert "Publicerade svar från Skånes kommuner (test)" in published
    stockholm = title_page_text(pdf_text(out / "skr-insatser-lan-stockholms-lan-aldre.pdf"), titles)
    assert SYNTHETIC_NOTE in stockholm
    page = (out / "index.html").read_text(encoding="utf-8")
    row = re.search(rf'<tr><td><a href="{PUBLISHED_PDF}">.*?</tr>', page)
    assert row and "<td>nej</td>" in row.group(0) and "<td>ja</td>" not in row.group(0)
