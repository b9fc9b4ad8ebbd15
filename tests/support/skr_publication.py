"""The SKR report (shared/seeds/000_…txt), the test oracle: its tables and figures parsed from the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from support.databases import SHARED, unavailable

REPORT = SHARED / "seeds" / "000_90ec3262321ccae6.txt"
FH = "funktionshinder"
LISTS = {
    "Vanligast fysisk form": ("form", "fysisk"),
    "Vanligast både fysisk och digital form": ("form", "bada"),
    "Vanligast digital form": ("form", "digital"),
    "Vanligast kommunal regi": ("regi", "kommunal"),
    "Vanligast både kommunal och enskild regi": ("regi", "bada"),
    "Vanligast enskild regi": ("regi", "enskild"),
    "Vanligast enbart med biståndsbeslut": ("bistandsbeslut", "med"),
    "Vanligast både med och utan biståndsbeslut": ("bistandsbeslut", "bada"),
    "Vanligast enbart utan biståndsbeslut": ("bistandsbeslut", "utan"),
}
INSTANCES = {
    "endast ges i fysisk form": ("form", "fysisk"),
    "ges både i fysisk och digital form": ("form", "bada"),
    "endast ges i digital form": ("form", "digital"),
    "endast ges i kommunal regi": ("regi", "kommunal"),
    "ges i både kommunal och enskild regi": ("regi", "bada"),
    "endast ges i enskild regi": ("regi", "enskild"),
    "endast ges med biståndsbeslut": ("bistandsbeslut", "med"),
    "ges både med och utan biståndsbeslut": ("bistandsbeslut", "bada"),
    "endast ges utan biståndsbeslut": ("bistandsbeslut", "utan"),
}


# --- the oracle, read from the report -------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One table row of the report: insats label (with * for anhörig), percent, count, answering."""

    label: str
    percent: int
    count: int
    answering: int


def report_text() -> str:
    if not REPORT.is_file():
        unavailable(f"{REPORT} (the SKR report, the test oracle) is missing")
    return REPORT.read_text(encoding="utf-8")


def skane_fh_section() -> str:
    text = report_text()
    return text[text.index("Resultat för verksamhetsområde funktionshinder\n\n\n\nSvarsfrekvens"):]


def _table_after(text: str, title: str) -> list[list[str]]:
    """The tab-separated rows that follow ``title`` and its header line, up to the first blank line."""
    start = text.index(title + "\n")
    lines = text[start:].split("\n")[1:]
    lines = lines[next(i for i, line in enumerate(lines) if line.strip()) + 1:]  # skip the header
    rows = []
    for line in lines:
        if not line.strip():
            break
        rows.append(line.split("\t"))
    return rows


def offer_table(title: str) -> list[Row]:
    """The top-10 / bottom-10 tables: insats, andel, antal som erbjuder, antal som svarat."""
    return [Row(name, int(pct.rstrip("%")), int(n), int(answered))
            for name, pct, n, answered in _table_after(skane_fh_section(), title)]


def vanligast(title: str) -> list[Row]:
    """A "vanligast" list: "Insats (answering)", andel, antal — in the report's order."""
    rows = []
    for name, pct, n in _table_after(skane_fh_section(), title):
        match = re.fullmatch(r"(.+) \((\d+)\)", name)
        assert match, name
        rows.append(Row(match.group(1), int(pct.rstrip("%")), int(n), int(match.group(2))))
    return rows


def instance_totals() -> dict[tuple[str, str], int]:
    found = re.findall(r"100 % = (\d+)\n(?:\s*\n)?insatser i kommunerna som uppges (.+)", skane_fh_section())
    return {INSTANCES[phrase.strip()]: int(n) for n, phrase in found}


def number(pattern: str, text: str | None = None) -> int:
    match = re.search(pattern, text if text is not None else report_text())
    assert match, pattern
    return int(match.group(1))


def insatsutbud_figures() -> tuple[int, int, int, int]:
    """Skåne × funktionshinder insatsutbud from the report: mean, min, max, % giving further insatser."""
    text = skane_fh_section()
    mean = number(r"(\d+)\s+av de \d+ kartlagda insatserna har i genomsnitt", text)
    least = number(r"(\d+)\s+av de \d+ kartlagda insatserna erbjuds i den kommun som erbjuder minst", text)
    most = number(r"(\d+)\s+av de \d+ kartlagda insatserna erbjuds i den kommun som erbjuder störst", text)
    further = number(r"(\d+)%\s+av kommunerna uppger att de ger ytterligare insatser", text)
    return mean, least, most, further
