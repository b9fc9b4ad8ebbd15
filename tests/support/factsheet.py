"""The ÖJ LSS 2021 fact sheet (../shared/seeds/004_…txt) read as an oracle.

Figures are parsed from the document text itself, not retyped, so a test compares our tables with
what Socialstyrelsen published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FACT_SHEET = "seeds/004_5b96a94d5180cc44.txt"


@dataclass(frozen=True)
class TableRow:
    table: str
    title: str
    values: dict[int, int]


def fact_sheet_text(shared: Path) -> str:
    return (shared / FACT_SHEET).read_text(encoding="utf-8")


def published_tables(shared: Path) -> list[TableRow]:
    """Every indicator row of Tabell 1 and Tabell 2: title and value per year."""
    rows: list[TableRow] = []
    table, years = None, None
    for line in fact_sheet_text(shared).splitlines():
        heading = re.search(r"Tabell (\d)\.", line)
        if heading:
            table = f"Tabell {heading.group(1)}"
            continue
        cells = line.split("\t")
        if cells[0] == "Indikatorer":
            years = [int(c) for c in cells[1:]]
            continue
        if table and years and len(cells) == len(years) + 1 and all(c.isdigit() for c in cells[1:]):
            rows.append(TableRow(table, cells[0].strip(), dict(zip(years, map(int, cells[1:])))))
    return rows


def text_figures(shared: Path) -> dict[str, int]:
    """The figures stated in running text: socionom share, kompetensplan, response rates."""
    text = fact_sheet_text(shared)

    def grab(pattern: str, group: int = 1) -> int:
        match = re.search(pattern, text)
        assert match, f"pattern not in fact sheet: {pattern}"
        return int(match.group(group))

    return {
        "socionom_2021": grab(r"På riksnivå har (\d+) procent av handläggarna"),
        "lan_min": grab(r"spridningen mellan länen är från (\d+) procent till (\d+) procent", 1),
        "lan_max": grab(r"spridningen mellan länen är från (\d+) procent till (\d+) procent", 2),
        "kompetensplan_2016": grab(r"ökat från (\d+) procent till (\d+) procent", 1),
        "kompetensplan_2021": grab(r"ökat från (\d+) procent till (\d+) procent", 2),
        "fortbildning_2021": grab(r"(\d+) procent av kommunerna har en aktuell plan som innehåller "
                                  r"fortbildning"),
        "handledning_2021": grab(r"(\d+) procent har en plan som innehåller handledning"),
        "svarsfrekvens_generell": grab(r"Svarsfrekvens: (\d+) procent"),
        "svarsfrekvens_lss": grab(r"och (\d+) procent delenkäten"),
    }


def bortfall_lan_names(shared: Path) -> set[str]:
    """Figur 1's footnote: the län missing through bortfall."""
    match = re.search(r"För länen ([^.]*?) saknas uppgift genom bortfall", fact_sheet_text(shared))
    assert match
    return {name.strip() for name in re.split(r",| och ", match.group(1))}
