"""`jamfor report` against the session's real Superset 6.1 and Debian's headless Chromium.

The länsrapport dashboard and the SKR datasets are registered (as `jamfor register` does) on the PostgreSQL
demo warehouse; `jamfor report` renders Skåne and Stockholm × funktionshinder once for the module. The Skåne
PDF is turned into text with poppler's `pdftotext` and must carry every figure of SKR's Skåne report —
parsed from the report's text (tests/support/skr_report.py), not retyped — and its pages go to
tests/artifacts/report/ as PNGs (`pdftoppm`) for a look. Without Chromium, Playwright or poppler-utils the
tests skip locally and fail when CI=true.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.assets import shipped_assets
from support.databases import REPO, unavailable
from support.skr_report import (
    LISTS,
    insatsutbud_figures,
    instance_totals,
    number,
    offer_table,
    skane_fh_section,
    vanligast,
)

from jamfor.cli.main import main
from jamfor.superset.pdf_render import CHROMIUM, TitlePage, count_pdf_pages, title_page_html

# The first test carries the session's Superset start, the warehouse seed and two renderings: on a loaded
# 2-core machine that is more than the default 900 s.
pytestmark = [pytest.mark.browser, pytest.mark.superset, pytest.mark.postgres, pytest.mark.timeout(2400)]

SLUG = "skr-insatser-lan"
FOLDER = "skr_insatser_lan"
ARTIFACTS = REPO / "tests" / "artifacts" / "report"
SKANE_PDF = "skr-insatser-lan-skane-lan-funktionshinder.pdf"
STOCKHOLM_PDF = "skr-insatser-lan-stockholms-lan-funktionshinder.pdf"


def _tools() -> None:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is missing (pip install -e '.[dev]')")
    for tool in ("pdftotext", "pdftoppm", "pdfinfo"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is missing (apt-get install poppler-utils)")


@pytest.fixture(scope="module")
def lansrapport(superset, demo_warehouse_pg, tmp_path_factory) -> Any:
    """The länsrapport and the datasets it reads, registered on the demo warehouse."""
    from jamfor.superset.client import SupersetClient
    from jamfor.superset.registry import register

    _tools()
    assets = shipped_assets(lambda a: (a.kind == "dataset" and (Path(a.source).stem.startswith("skr_")
                                                                or Path(a.source).stem == "data_sources"))
                            or a.slug == FOLDER)
    client = SupersetClient.login(superset.url, superset.username, superset.password)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("report-state")))
        register(client, assets, demo_warehouse_pg, superset.url)
    return assets


def run_report(superset, *args: str) -> Any:
    env = {"SUPERSET_URL": superset.url, "SUPERSET_USERNAME": superset.username,
           "SUPERSET_PASSWORD": superset.password}
    return CliRunner().invoke(main, ["report", *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def two_lan(superset, lansrapport, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """`jamfor report --lan 12,01 --omrade funktionshinder` once, into a fresh folder."""
    out = tmp_path_factory.mktemp("reports")
    result = run_report(superset, "--lan", "12,01", "--omrade", "funktionshinder", "--out", str(out))
    yield {"out": out, "result": result}


def pdf_text(path: Path) -> str:
    """The PDF's text in content order, whitespace collapsed (table cells that wrap read as one line)."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())


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
    assert "Syntetiska demovärden" in title_page
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


@pytest.mark.parametrize("stem, title", [
    ("vanligaste_10", "De tio vanligaste av de kartlagda insatserna"),
    ("minst_vanliga_10", "De tio minst vanliga av de kartlagda insatserna"),
])
def test_skane_pdf_lists_the_reports_top_and_bottom_10_rows(skane, stem, title):
    rows = offer_table(title)
    assert len(rows) == 10
    shown = chart_text(skane["text"], skane["titles"], stem)
    missing = [row for row in rows if f"{row.label} {row.percent} % {row.count} {row.answering}" not in shown]
    assert not missing, shown[:2000]


@pytest.mark.parametrize("title", list(LISTS))
def test_skane_pdf_lists_the_reports_vanligast_rows(skane, title):
    question, category = LISTS[title]
    shown = chart_text(skane["text"], skane["titles"], f"{question}_vanligast_{category}")
    missing = [row for row in vanligast(title)
               if f"{row.label} ({row.answering}) {row.percent} % {row.count}" not in shown]
    assert not missing, shown[:2000]


def test_skane_pdf_gives_the_instance_totals_258_110_3_294_74_21_268_27_98(skane):
    totals = instance_totals()
    assert sorted(totals.values()) == sorted([258, 110, 3, 294, 74, 21, 268, 27, 98])
    for (question, _category), count in totals.items():
        assert has_number(chart_text(skane["text"], skane["titles"], f"{question}_fordelning"), count), \
            (question, count)


def test_skane_pages_are_saved_as_pngs_for_a_look(skane, two_lan):
    pngs = sorted(ARTIFACTS.glob("skane-funktionshinder-*.png"))
    assert len(pngs) == pdf_pages(two_lan["out"] / SKANE_PDF)


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
