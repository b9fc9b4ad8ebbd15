"""Socialstyrelsen's ÖJ result workbooks -> ``indicator_value`` rows.

The layout differs between years and verksamhetsområden and we hold no copy, so nothing is found by
position: the header row is the first row naming an area column (kommunkod, kommun, län …), indicator
columns are matched to the catalogue by title, and the year comes from the header cell ("2021",
"Titel 2021", a year row under merged titles), a year column (long layout), or the title rows above.

Unknown indicators: an indicator the catalogue does not know is added to it when a description sheet
in the same files defines it (title + beskrivning), else reported and skipped. Every problem in the
values (an unknown token, an area we cannot recognise, a missing year) is collected first and raised
together as ``BadInput``: a workbook with one bad cell loads nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from jamfor.errors import Findings, Problem
from jamfor.seed.catalog import INDICATOR_COLUMNS, indicator_frame
from jamfor.seed.cells import (
    FIRST_YEAR,
    AreaIndex,
    UnknownToken,
    last_year,
    normalise,
    normalise_title,
    parse_value,
    split_trailing_year,
    value_problem,
    year_in_range,
    year_of,
)
from jamfor.seed.frames import SourceFrames, SourceRead, sha256_of_files
from jamfor.seed.reference import area_frame, reference_frames
from jamfor.seed.sources.files import refuse_repeats, shown_name
from jamfor.seed.sources.xlsx import Sheet, read_workbook
from jamfor.text import slug

SOURCE = "oj_excel"
ATTRIBUTION = "Källa: Socialstyrelsen, Öppna jämförelser socialtjänst"
PUBLISHER = "Socialstyrelsen, Öppna jämförelser socialtjänst"
HEADER_SCAN_ROWS = 40
INDICATOR_HEADERS = {"indikator", "indikatortitel", "indikatornamn", "indikatorns namn", "mått", "nyckeltal"}
VALUE_HEADERS = {"värde", "resultat", "andel", "procent", "utfall", "svar"}
YEAR_HEADERS = {"år", "ar", "årtal", "period", "år/period", "undersökningsår", "mätår", "mätperiod", "year"}
TITLE_HEADERS = ("indikatortitel", "indikatorns titel", "indikatornamn", "indikatorns namn", "titel",
                 "namn", "indikator", "indikatorer", "rubrik")
SHORT_HEADERS = {"kortnamn", "kort namn", "kort titel", "förkortad titel", "kortbenämning"}
VERKSAMHET_HEADERS = {"verksamhet", "verksamhetsområde", "område", "delområde"}
SPECIFICITY = {"riket": 0, "lan": 1, "kommun": 2, "stadsdel": 3}
_ANY_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


@dataclass(frozen=True)
class Definition:
    """An indicator as a description sheet defines it."""

    title: str
    description: str
    short_title: str | None = None
    kind: str = "indikator"
    higher_is_better: bool | None = None
    verksamhet: str | None = None


@dataclass(frozen=True)
class DataColumn:
    index: int
    title: str
    year: int | None
    cell: str


@dataclass
class Header:
    first_row: int
    data_start: int
    area_columns: list[tuple[int, str]]
    year_column: int | None
    columns: list[DataColumn]
    indicator_column: int | None = None


AREA_WORDS = {
    "kommun", "kommuner", "kommunnamn", "kommunkod", "kommunnummer", "kommunnr", "kod", "nr", "nummer",
    "län", "lan", "länsnamn", "länskod", "länsnummer", "stadsdel", "stadsdelar", "stadsdelsområde",
    "stadsdelsområden", "stadsdelskod", "område", "områden", "områdeskod", "namn", "region", "regioner",
    "regionkod", "riket", "enhet", "geografi", "och", "eller",
}


def area_column_kind(text: object) -> str | None:
    """Which area a header cell names: kommun_code, kommun_name, lan_code, lan_name; None if none.

    Only cells made of area words count ("Kommun", "Kommunkod", "Kommun/stadsdelsområde", "Län"), so a
    title such as "Resultat per kommun" or a column "Kommungrupp" is not an area column.
    """
    if not isinstance(text, str):
        return None
    t = normalise(re.sub(r"\([^)]*\)", " ", text))
    words = [w for w in re.split(r"[\s/,&+-]+", t) if w]
    if not words or not set(words) <= AREA_WORDS or set(words) <= {"och", "eller", "nr", "nummer"}:
        return None
    coded = any("kod" in w or w in ("nr", "nummer") or w.endswith(("nr", "nummer")) for w in words)
    lan = any(w.startswith(("län", "region")) or w == "lan" for w in words)
    kommun = any(w.startswith(("kommun", "stadsdel", "område")) or w in ("namn", "enhet", "geografi",
                                                                           "riket") for w in words)
    if coded:
        return "lan_code" if lan and not kommun else "kommun_code"
    if kommun:
        return "kommun_name"
    return "lan_name" if lan else None


def _merged_values(sheet: Sheet) -> dict[tuple[int, int], object]:
    """Every cell inside a merged range mapped to the range's value (Excel keeps it top-left only);
    the ranges are already cut to the filled area and bounded in size by ``xlsx``."""
    values: dict[tuple[int, int], object] = {}
    for top, left, bottom, right in sheet.merged:
        top_left = sheet.cells.get((top, left))
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                values[(row, col)] = top_left
    return values


class SheetReader:
    """One worksheet with merged cells resolved, and the place names problems need."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet, self.file, self.name = sheet, sheet.file, sheet.name
        self.merged = _merged_values(sheet)
        self.max_row, self.max_col = sheet.max_row, sheet.max_col

    def value(self, row: int, col: int) -> object:
        value = self.merged[(row, col)] if (row, col) in self.merged else self.sheet.cells.get((row, col))
        return value.strip() or None if isinstance(value, str) else value

    def raw(self, row: int, col: int) -> object:
        """The cell as stored, not resolved through a merged range."""
        return self.sheet.cells.get((row, col))

    def percent_format(self, row: int, col: int) -> bool:
        return "%" in self.sheet.formats.get((row, col), "")

    def row(self, row: int) -> list[tuple[int, object]]:
        return [(c, self.value(row, c)) for c in range(1, self.max_col + 1)]

    @staticmethod
    def coordinate(row: int, col: int) -> str:
        return f"{get_column_letter(col)}{row}"

    def place(self, row: int, col: int) -> dict[str, str]:
        return {"file": self.file, "sheet": self.name, "cell": self.coordinate(row, col)}


def _filled_left(sheet: SheetReader, row: int, col: int, area_cols: set[int]) -> tuple[str, int] | None:
    """The nearest text at or left of ``col``: a title spanning year columns, merged or just left-set."""
    for c in range(col, 0, -1):
        if c in area_cols:
            return None
        value = sheet.value(row, c)
        if isinstance(value, str) and year_of(value) is None:
            return value, c
    return None


def _header_from_row(sheet: SheetReader, row: int, area_columns: list[tuple[int, str]]) -> Header:
    """A one-row header: indicator columns ("Titel", "Titel 2021"), perhaps a year column, or an
    indicator column with a value column (one row per area, indicator and year)."""
    area_cols = {c for c, _ in area_columns}
    columns, year_column, indicator_column, value_column = [], None, None, None
    for col, value in sheet.row(row):
        if col in area_cols or not isinstance(value, str):
            continue
        if normalise(value) in YEAR_HEADERS:
            year_column = col
            continue
        title, year = split_trailing_year(value)
        if normalise(title) in INDICATOR_HEADERS:
            indicator_column = col
        elif normalise_title(title) in VALUE_HEADERS:
            value_column = DataColumn(col, "", year, sheet.coordinate(row, col))
        columns.append(DataColumn(col, title, year, sheet.coordinate(row, col)))
    if indicator_column is not None and value_column is not None:
        return Header(row, row + 1, area_columns, year_column, [value_column], indicator_column)
    return Header(row, row + 1, area_columns, year_column, columns)


def _columns_over_years(sheet: SheetReader, title_row: int, year_row: int, area_cols: set[int],
                        findings: Findings) -> list[DataColumn]:
    """A two-row header: indicator titles (often merged across years) above a row of years."""
    columns = []
    for col in range(1, sheet.max_col + 1):
        if col in area_cols:
            continue
        year = year_of(sheet.value(year_row, col))
        if year is not None:
            found = _filled_left(sheet, title_row, col, area_cols)
            if found is None:
                findings.add("no-title", "a year column without an indicator title above it",
                           **sheet.place(year_row, col), value=year)
                continue
            columns.append(DataColumn(col, split_trailing_year(found[0])[0], year,
                                      sheet.coordinate(title_row, found[1])))
        elif isinstance(sheet.value(title_row, col), str) and sheet.value(year_row, col) is None:
            title, header_year = split_trailing_year(str(sheet.value(title_row, col)))
            columns.append(DataColumn(col, title, header_year, sheet.coordinate(title_row, col)))
    return columns


def _is_year_row(sheet: SheetReader, row: int, area_cols: set[int], areas: AreaIndex) -> bool:
    if row > sheet.max_row:
        return False
    cells = [(c, v) for c, v in sheet.row(row) if v is not None]
    data = [v for c, v in cells if c not in area_cols]
    labels = [v for c, v in cells if c in area_cols]
    years = sum(year_of(v) is not None for v in data)
    return years > len(data) / 2 and not any(areas.recognise(v) for v in labels)


def _title_row_above(sheet: SheetReader, row: int, area_cols: set[int]) -> int | None:
    """The nearest row above a row of years with text over its data columns (a blank or a note row
    in the area column may sit between)."""
    for above in range(row - 1, max(0, row - 6), -1):
        if any(isinstance(v, str) for c, v in sheet.row(above) if c not in area_cols):
            return above
    return None


def _header_at(sheet: SheetReader, row: int, areas: AreaIndex) -> tuple[Header, Findings] | None:
    """The header block if ``row`` names an area column next to other columns, with its problems."""
    cells = sheet.row(row)
    area_columns = [(c, k) for c, v in cells if (k := area_column_kind(v))]
    area_cols = {c for c, _ in area_columns}
    if not area_columns or not any(v is not None for c, v in cells if c not in area_cols):
        return None
    findings = Findings()
    title_row = _title_row_above(sheet, row, area_cols)
    if title_row and any(c not in area_cols and year_of(v) is not None for c, v in cells):
        columns = _columns_over_years(sheet, title_row, row, area_cols, findings)
        return Header(title_row, row + 1, area_columns, None, columns), findings
    if _is_year_row(sheet, row + 1, area_cols, areas):
        columns = _columns_over_years(sheet, row, row + 1, area_cols, findings)
        return Header(row, row + 2, area_columns, None, columns), findings
    return _header_from_row(sheet, row, area_columns), findings


def find_header(sheet: SheetReader, areas: AreaIndex, catalogue: Catalogue,
                findings: Findings) -> Header | None:
    """The header block of a data sheet: the first row naming an area column next to columns the
    catalogue knows (or, failing that, next to any columns), so a title row like "Kommun: alla" above
    the real header is not taken for it."""
    first = None
    for row in range(1, min(HEADER_SCAN_ROWS, sheet.max_row) + 1):
        found = _header_at(sheet, row, areas)
        if found is None:
            continue
        header, problems = found
        if header.year_column is not None or header.indicator_column is not None or any(
                catalogue.knows(c.title) for c in header.columns):
            first = found
            break
        first = first or found
    if first is None:
        return None
    findings.problems.extend(first[1].problems)
    return first[0]


def _sheet_year(sheet: SheetReader, header: Header) -> int | None:
    """A single year named in the title rows above the header, the sheet name or the file name."""
    texts = [str(v) for r in range(1, header.first_row) for _, v in sheet.row(r) if v is not None]
    for source in (texts, [sheet.name], [sheet.file]):
        years = {int(y) for text in source for y in _ANY_YEAR.findall(text)}
        if len(years) == 1:
            return years.pop()
    return None


def _definitions(sheet: SheetReader) -> dict[str, Definition]:
    """Indicator definitions from a description sheet (title and beskrivning columns), else {}."""
    for row in range(1, min(HEADER_SCAN_ROWS, sheet.max_row) + 1):
        named = {c: normalise(v) for c, v in sheet.row(row) if isinstance(v, str)}
        if any(area_column_kind(t) for t in named.values()
               if t not in TITLE_HEADERS and t not in VERKSAMHET_HEADERS):
            return {}
        title_cols = sorted((TITLE_HEADERS.index(t), c) for c, t in named.items() if t in TITLE_HEADERS)
        desc_col = next((c for c, t in named.items() if "beskrivning" in t or "definition" in t
                         or t == "förklaring"), None)
        if not title_cols or desc_col is None:
            continue
        title_col = title_cols[0][1]
        short_col = next((c for c, t in named.items() if t in SHORT_HEADERS), None)
        kind_col = next((c for c, t in named.items() if "typ" in t or t == "mått"), None)
        direction_col = next((c for c, t in named.items() if "riktning" in t), None)
        verksamhet_col = next((c for c, t in named.items() if t in VERKSAMHET_HEADERS), None)
        found = {}
        for r in range(row + 1, sheet.max_row + 1):
            title = sheet.value(r, title_col)
            if not isinstance(title, str):
                continue
            description = str(sheet.value(r, desc_col) or title)
            kind_text = normalise(" ".join(str(sheet.value(r, c) or "") for c in (kind_col, desc_col)
                                           if c))
            background = "bakgrundsmått" in kind_text
            found[normalise_title(title)] = Definition(
                title=split_trailing_year(title)[0], description=description,
                short_title=str(sheet.value(r, short_col)) if short_col and sheet.value(r, short_col)
                else None,
                kind="bakgrundsmatt" if background else "indikator",
                higher_is_better=None if background else _direction(
                    sheet.value(r, direction_col) if direction_col else None),
                verksamhet=str(sheet.value(r, verksamhet_col)) if verksamhet_col
                and sheet.value(r, verksamhet_col) else None,
            )
        return found
    return {}


def _direction(text: object) -> bool | None:
    t = normalise(text) if text is not None else ""
    if "högt" in t or "högre" in t:
        return True
    if "lågt" in t or "lägre" in t:
        return False
    return None


class Catalogue:
    """Title -> indicator id: the shipped catalogue first, then indicators a description sheet defines."""

    def __init__(self, definitions: dict[str, Definition]) -> None:
        frame = indicator_frame()
        self.exact = dict(zip(frame.title, frame.indicator_id))
        self.normalised = {normalise_title(t): i for t, i in zip(frame.short_title, frame.indicator_id)}
        self.normalised.update({normalise_title(t): i for t, i in zip(frame.title, frame.indicator_id)})
        self.known_ids = set(frame.indicator_id)
        self.units = dict(zip(frame.indicator_id, frame.unit))
        self.definitions = definitions
        self.added: dict[str, dict] = {}

    def unit(self, indicator_id: str) -> str | None:
        added = self.added.get(indicator_id)
        return added["unit"] if added else self.units.get(indicator_id)

    def knows(self, title: str) -> bool:
        key = normalise_title(title)
        return title in self.exact or key in self.normalised or key in self.definitions

    def lookup(self, title: str, file: str, sheet: str) -> str | None:
        if title in self.exact:
            return self.exact[title]
        key = normalise_title(title)
        if key in self.normalised:
            return self.normalised[key]
        definition = self.definitions.get(key)
        if definition is None:
            return None
        indicator_id = f"oj_{slug(definition.title)}"
        self.normalised[key] = indicator_id
        self.added[indicator_id] = {
            "indicator_id": indicator_id, "title": definition.title,
            "short_title": definition.short_title or definition.title,
            "verksamhet": definition.verksamhet or sheet, "kind": definition.kind,
            "measure_type": None, "unit": "procent", "higher_is_better": definition.higher_is_better,
            "source": PUBLISHER, "publication": file, "kolada_kpi": None,
            "description": definition.description,
        }
        return indicator_id

    def added_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(list(self.added.values())).reindex(columns=INDICATOR_COLUMNS)
        return frame.astype(object).where(frame.notna(), None)


class WorkbookReader:
    """Reads the data sheets of the given workbooks into rows, collecting every problem."""

    def __init__(self, areas: AreaIndex, catalogue: Catalogue, findings: Findings,
                 allow_formulas: bool = False) -> None:
        self.areas, self.catalogue, self.findings = areas, catalogue, findings
        self.allow_formulas = allow_formulas
        self.formulas: list[Problem] = []
        self.files_with_values: set[str] = set()
        self.rows: dict[tuple[str, str, int], dict] = {}
        self.per_sheet: Counter[tuple[str, str]] = Counter()  # values read, by file and sheet
        self.skipped: dict[tuple[str, str, str], Problem] = {}

    def read_sheet(self, sheet: SheetReader, header: Header) -> None:
        sheet_year = None
        if header.year_column is None and any(c.year is None for c in header.columns):
            sheet_year = _sheet_year(sheet, header)
        dated = [c for c in header.columns
                 if c.year is not None or header.year_column is not None or sheet_year is not None]
        for column in header.columns:
            if column not in dated and (header.indicator_column or self._indicator(sheet, column.title,
                                                                                   column.cell)):
                self.findings.add("no-year", "no year for this column: none in the header, no year "
                                "column, and no single year in the title rows, sheet or file name",
                                file=sheet.file, sheet=sheet.name, cell=column.cell, value=column.title)
        fixed = None if header.indicator_column is not None else self._targets(sheet, header, 0, dated)
        for row in sheet.sheet.rows(header.data_start):
            self._read_row(sheet, header, row, dated, sheet_year, fixed)

    def _indicator(self, sheet: SheetReader, title: str, cell: str) -> str | None:
        """The indicator id of a title; an unknown one is remembered as skipped, once per title."""
        indicator_id = self.catalogue.lookup(title, sheet.file, sheet.name)
        if indicator_id is None:
            key = (sheet.file, sheet.name, normalise_title(title))
            self.skipped.setdefault(key, Problem("unknown-indicator", f"unknown indicator skipped: {title!r}",
                                                 file=sheet.file, sheet=sheet.name, cell=cell))
        return indicator_id

    def _targets(self, sheet: SheetReader, header: Header, row: int,
                 columns: list[DataColumn]) -> list[tuple[DataColumn, str]]:
        if header.indicator_column is None:
            found = [(c, self._indicator(sheet, c.title, c.cell)) for c in columns]
        else:
            title = sheet.value(row, header.indicator_column)
            if title is None:
                return []
            cell = sheet.coordinate(row, header.indicator_column)
            found = [(c, self._indicator(sheet, str(title), cell)) for c in columns]
        return [(c, i) for c, i in found if i is not None]

    def _read_row(self, sheet: SheetReader, header: Header, row: int, columns: list[DataColumn],
                  sheet_year: int | None, fixed: list[tuple[DataColumn, str]] | None) -> None:
        targets = fixed if fixed is not None else self._targets(sheet, header, row, columns)
        formulas = sheet.sheet.formulas
        has_values = any(sheet.raw(row, c.index) not in (None, "") or (row, c.index) in formulas
                         for c, _ in targets)
        area_code = self._area(sheet, header, row, has_values)
        if area_code is None or not targets:
            return
        row_year = None
        if header.year_column is not None:
            raw_year = sheet.value(row, header.year_column)
            row_year = year_of(raw_year)
            if row_year is None:
                self.findings.add("bad-year", "not a year", **sheet.place(row, header.year_column),
                                value=raw_year)
                return
        for column, indicator_id in targets:
            if (row, column.index) in formulas and not self._formula(sheet, row, column.index):
                continue
            try:
                parsed = parse_value(sheet.raw(row, column.index),
                                     percent_format=sheet.percent_format(row, column.index))
            except UnknownToken as exc:
                self.findings.add("unknown-token", "not a number, Ja/Nej or a missing-value marker "
                                "(-, ., .., x or empty)", **sheet.place(row, column.index),
                                value=str(exc))
                continue
            year = int(column.year or row_year or sheet_year)  # type: ignore[arg-type]
            if not year_in_range(year):
                self.findings.add("bad-year", f"the year of this value, {year}, is not from {FIRST_YEAR} "
                                f"to {last_year()}", **sheet.place(row, column.index), value=parsed.raw)
                continue
            problem = None if parsed.value is None else value_problem(
                parsed.value, self.catalogue.unit(indicator_id))
            if problem:
                self.findings.add("bad-value", problem, **sheet.place(row, column.index), value=parsed.raw)
                continue
            self._add(sheet, row, column.index, indicator_id, area_code, year, parsed)

    def _formula(self, sheet: SheetReader, row: int, col: int) -> bool:
        """A formula saved without its result: an error, or with --allow-formulas read as not
        answered and listed. Returns whether to read the cell."""
        place = sheet.place(row, col)
        if not self.allow_formulas:
            self.findings.add("formula", "a formula saved without its result (open and save the "
                            "workbook in Excel, or pass --allow-formulas to read it as not answered)",
                            **place)
            return False
        self.formulas.append(Problem("formula-without-result",
                                     "formula without a stored result read as not answered", **place))
        return True

    def _area(self, sheet: SheetReader, header: Header, row: int, has_values: bool) -> str | None:
        """The most specific area the row's area cells name (a stadsdel row may carry kommunkod 0180)."""
        found: list[tuple[int, int, str, int]] = []
        unresolved: list[tuple[int, object, str]] = []
        for col, kind in header.area_columns:
            value = sheet.value(row, col)
            if value is None:
                continue
            code = self.areas.recognise(value, prefer="lan" if kind.startswith("lan") else None)
            if code is None:
                unresolved.append((col, value, kind))
            else:
                level = self.areas.level[code]
                found.append((SPECIFICITY[level], kind.endswith("code"), code, col))
        bad_codes = [(c, v) for c, v, k in unresolved if k.endswith("code") and str(v).strip().isdigit()]
        if bad_codes and has_values:
            col, value = bad_codes[0]
            self.findings.add("unknown-area", "no kommun, län or riket has this code",
                            **sheet.place(row, col), value=value)
            return None
        if not found:
            if has_values:
                col, value = (unresolved[0][0], unresolved[0][1]) if unresolved else \
                    (header.area_columns[0][0], None)
                self.findings.add("unknown-area", "not a kommun, stadsdelsområde, län or riket we know",
                                **sheet.place(row, col), value=value)
            return None
        found.sort(reverse=True)
        best = found[0]
        rival = next((f for f in found[1:] if f[0] == best[0] and f[2] != best[2]), None)
        if rival is not None:
            self.findings.add("area-conflict", f"the area cells of this row disagree: "
                            f"{sheet.coordinate(row, best[3])} names {best[2]}, "
                            f"{sheet.coordinate(row, rival[3])} names {rival[2]}",
                            **sheet.place(row, rival[3]), value=sheet.value(row, rival[3]))
            return None
        return best[2]

    def _add(self, sheet: SheetReader, row: int, col: int, indicator_id: str, area_code: str,
             year: int, parsed) -> None:
        key = (indicator_id, area_code, year)
        place = f"{sheet.file}: {sheet.name}!{sheet.coordinate(row, col)}"
        record = {"indicator_id": indicator_id, "area_code": area_code, "year": year,
                  "value": parsed.value, "status": parsed.status, "raw_value": parsed.raw}
        earlier = self.rows.get(key)
        self.files_with_values.add(sheet.file)
        if earlier is None:
            self.rows[key] = {**record, "_place": place}
            self.per_sheet[(sheet.file, sheet.name)] += 1
        elif (earlier["value"], earlier["status"]) != (parsed.value, parsed.status):
            self.findings.add("duplicate", f"{indicator_id} for area {area_code} in {year} already "
                            f"read with another value at {earlier['_place']}",
                            **sheet.place(row, col), value=parsed.raw)

    def values_frame(self) -> pd.DataFrame:
        columns = ["indicator_id", "area_code", "year", "value", "status", "raw_value"]
        frame = pd.DataFrame([{k: r[k] for k in columns} for r in self.rows.values()], columns=columns)
        frame = frame.sort_values(["indicator_id", "area_code", "year"]).reset_index(drop=True)
        frame["year"] = frame["year"].astype(int)
        frame["value"] = frame["value"].astype(float)
        return frame


def _no_values(files: list[tuple[Path, str]], data_sheets: list[tuple[SheetReader, Header]],
               reader: WorkbookReader, findings: Findings) -> None:
    """A workbook that gives no value at all is refused, saying why: no indicator column the
    catalogue or a description sheet knows, or no rows below the header."""
    for _, name in files:
        if name in reader.files_with_values:
            continue
        headers = [(s, h) for s, h in data_sheets if s.file == name]
        if not headers:
            continue  # already reported: no header row
        sheet, header = headers[0]
        known = any(c.title and reader.catalogue.knows(c.title) for _, h in headers for c in h.columns) \
            or any(h.indicator_column is not None for _, h in headers)
        why = ("no value below the header row" if known else
               "no column of the header row names an indicator the catalogue or a description sheet knows")
        findings.add("no-values", why, file=name, sheet=sheet.name,
                   cell=sheet.coordinate(header.first_row, header.area_columns[0][0]))


def _no_sheets(files: list[tuple[Path, str]], sheets: list[SheetReader], findings: Findings) -> None:
    """A workbook that gave no worksheet and no problem (only chart sheets, say) is refused too."""
    for _, name in files:
        if not any(s.file == name for s in sheets) and not any(p.file == name for p in findings.problems):
            findings.add("no-sheets", "the workbook has no worksheet to read", file=name)


def _hidden_sheets(data_sheets: list[tuple[SheetReader, Header]], reader: WorkbookReader) -> list[Problem]:
    """A warning for each sheet Excel does not show (hidden, or veryHidden: not even listed under
    Unhide) whose values were read: they load, checked as every value is, and the count says how
    many a person opening the workbook did not see."""
    return [Problem("hidden-sheet", f"{count} value{'s' if count != 1 else ''} read from a sheet the "
                    f"workbook marks {sheet.sheet.state} (Excel does not show it); check that they are "
                    "meant to load",
                    file=sheet.file, sheet=sheet.name)
            for sheet, _ in data_sheets
            if sheet.sheet.hidden and (count := reader.per_sheet[(sheet.file, sheet.name)])]


def read_oj_excel(paths: Sequence[str | Path], *, allow_formulas: bool = False) -> SourceRead:
    """Read ÖJ workbooks into frames for ``load.load``; raises ``BadInput`` listing every problem.

    ``allow_formulas``: read formulas saved without their result as not answered (listed among the
    warnings) instead of refusing them."""
    files = [(Path(p), shown_name(Path(p))) for p in paths]
    findings = Findings()
    refuse_repeats(files, findings)
    findings.raise_if_invalid()
    sheets = [SheetReader(sheet) for path, name in files for sheet in read_workbook(path, name, findings)]
    _no_sheets(files, sheets, findings)
    definitions: dict[str, Definition] = {}
    described = set()
    for sheet in sheets:
        found = _definitions(sheet)
        definitions.update(found)
        if found:
            described.add(id(sheet))
    catalogue = Catalogue(definitions)
    data_sheets = []
    for sheet in sheets:
        header = None if id(sheet) in described else find_header(sheet, AREAS.get(), catalogue, findings)
        if header is not None:
            data_sheets.append((sheet, header))
    for _, name in files:
        if any(s.file == name for s in sheets) and not any(s.file == name for s, _ in data_sheets):
            findings.add("no-header", "no sheet has a header row naming kommun, kommunkod or län "
                       f"in its first {HEADER_SCAN_ROWS} rows", file=name)
    catalogue = Catalogue(definitions)
    reader = WorkbookReader(AREAS.get(), catalogue, findings, allow_formulas)
    for sheet, header in data_sheets:
        reader.read_sheet(sheet, header)
    if findings.valid:
        _no_values(files, data_sheets, reader, findings)
    findings.raise_if_invalid()
    tables = {"indicator_value": reader.values_frame()}
    if catalogue.added:
        tables["indicator"] = catalogue.added_frame()
    frames = SourceFrames(source=SOURCE, source_ref=", ".join(name for _, name in files),
                          sha256=sha256_of_files([p for p, _ in files]), synthetic=False, tables=tables,
                          attribution=ATTRIBUTION)
    warnings = [*_hidden_sheets(data_sheets, reader), *reader.skipped.values(), *reader.formulas]
    return SourceRead(frames, warnings, (reference_frames,))


class _AreaCache:
    """The area index is built once per process, on first use (no work at import time)."""

    def __init__(self) -> None:
        self._index: AreaIndex | None = None

    def get(self) -> AreaIndex:
        if self._index is None:
            self._index = AreaIndex(area_frame())
        return self._index


AREAS = _AreaCache()
