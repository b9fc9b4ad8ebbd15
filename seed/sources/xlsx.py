"""Excel workbooks (.xlsx) read within bounds, as sparse sheets of cell values.

A 5 KB workbook can claim a million rows, a merged range over a billion cells, or XML that unpacks to
gigabytes; openpyxl's normal mode builds every cell it is told about. So each workbook is checked
before any cell is read: the size of every part once unpacked, then one streaming pass over each
sheet's XML (bounded memory, entity declarations refused by defusedxml) for where filled cells and
merged ranges lie, numbers that are not finite, and formulas saved without a result. Only then are the
values read, in openpyxl's read-only mode and only up to the last filled cell.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries

from jamfor.errors import Findings
from jamfor.seed.sources.files import utf8_text

MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_CELLS = 1_000_000  # filled cells of one workbook
MAX_MERGES = 100_000
MAX_MERGED_CELLS = 1_000_000
MAX_SHEET_BYTES = 256 * 1024 * 1024  # one sheet's XML, unpacked (it is streamed)
MAX_PART_BYTES = 32 * 1024 * 1024  # any other part (shared strings, styles), read whole by openpyxl
MAX_TOTAL_BYTES = 512 * 1024 * 1024
SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")  # what openpyxl reads
LIMITS = f"jamfor reads sheets of at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns"


@dataclass
class Sheet:
    """One worksheet's filled cells; empty cells are absent. Coordinates are (row, column), 1-based."""

    file: str
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # numbers with a number format
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # top, left, bottom, right
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas saved without a result
    max_row: int = 0
    max_col: int = 0
    state: str = "visible"  # or "hidden", "veryHidden": Excel does not show the sheet

    @property
    def hidden(self) -> bool:
        return self.state != "visible"

    def rows(self, start: int = 1) -> list[int]:
        """The rows from ``start`` on that hold a filled cell or lie in a merged range, in order."""
        found = {r for r, _ in self.cells} | {r for r, _ in self.formulas}
        found |= {r for top, _, bottom, _ in self.merged for r in range(top, bottom + 1)}
        return sorted(r for r in found if r >= start)


@dataclass
class _Scan:
    """What the streaming pass found in one sheet's XML."""

    formulas: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    max_row: int = 0
    max_col: int = 0
    cells: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _coordinate(row: int, col: int) -> str:
    return f"{get_column_letter(min(col, 18278))}{row}"


class _Bound(Exception):
    """The scan met something beyond the bounds; carries the problem to findings."""

    def __init__(self, code: str, message: str, cell: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.code, self.message, self.cell, self.value = code, message, cell, value


def _check_cell(element, row: int, col: int, scan: _Scan, budget: int) -> None:
    children = {_local(child.tag): child for child in element}
    value = children.get("v")
    text = value.text if value is not None else None
    filled = bool(text) or "is" in children or "f" in children
    if not filled:
        return  # an empty styled cell: never read, whatever its place
    if row > MAX_ROWS or col > MAX_COLUMNS:
        raise _Bound("too-large", f"a filled cell beyond the sheet's bounds ({LIMITS})",
                     _coordinate(row, col))
    scan.cells += 1
    if scan.cells > budget:
        raise _Bound("too-large", f"more than {MAX_CELLS:,} filled cells in the workbook")
    scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
    if "f" in children and (value is None or not text and element.get("t") != "str"):
        scan.formulas.add((row, col))  # no result saved (an empty text result is a result)
    if text and element.get("t", "n") == "n":
        try:
            finite = math.isfinite(float(text))
        except ValueError:
            finite = False
        if not finite:
            raise _Bound("not-finite", "not a finite number", _coordinate(row, col), text)


def _check_merge(ref: str, scan: _Scan) -> None:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        raise _Bound("bad-merge", "a merged range that is not a cell range", ref) from None
    if None in (min_col, min_row, max_col, max_row):
        raise _Bound("bad-merge", "a merged range that is not a cell range", ref)
    if max_row > MAX_ROWS or max_col > MAX_COLUMNS:
        raise _Bound("too-large", f"a merged range beyond the sheet's bounds ({LIMITS})", ref)
    if len(scan.merged) >= MAX_MERGES:
        raise _Bound("too-large", f"more than {MAX_MERGES:,} merged ranges")
    scan.merged.append((min_row, min_col, max_row, max_col))


def _scan(source, budget: int) -> _Scan:
    """One streaming pass over a sheet's XML; raises ``_Bound`` at the first thing out of bounds."""
    scan = _Scan()
    sheet_data = None
    row = col = 0
    for event, element in iterparse(source, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "sheetData":
                sheet_data = element
            elif tag == "row":
                row = int(element.get("r") or row + 1)
                col = 0
            continue
        if tag == "c":
            ref = element.get("r")
            if ref:
                row, col = _cell_of(ref)
            else:
                col += 1
            _check_cell(element, row, col, scan, budget)
        elif tag == "row":
            element.clear()
            if sheet_data is not None:
                sheet_data.remove(element)
        elif tag == "mergeCell":
            _check_merge(element.get("ref") or "", scan)
            element.clear()
    return scan


def _cell_of(ref: str) -> tuple[int, int]:
    try:
        row, col = coordinate_to_tuple(ref)
    except (ValueError, TypeError):
        raise _Bound("bad-cell", "a cell reference that is not one", ref) from None
    return row, col


def _part_problem(archive: zipfile.ZipFile) -> str | None:
    total = 0
    for info in archive.infolist():
        limit = MAX_SHEET_BYTES if info.filename.startswith("xl/worksheets/") else MAX_PART_BYTES
        total += info.file_size
        if info.file_size > limit:
            return (f"the part {info.filename} unpacks to {info.file_size / 2 ** 20:,.0f} MB, more than "
                    f"the {limit // 2 ** 20} MB jamfor reads")
    if total > MAX_TOTAL_BYTES:
        return f"the workbook unpacks to {total / 2 ** 20:,.0f} MB, more than {MAX_TOTAL_BYTES // 2 ** 20} MB"
    return None


def _why_unreadable(exc: BaseException) -> str:
    """What went wrong, from the cause openpyxl wraps in its own ValueError when there is one."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, (DefusedXmlException, ParseError)):
        cause = cause.__cause__ or cause.__context__
    exc = cause or exc
    if isinstance(exc, DefusedXmlException):
        return ("its XML declares entities or a DTD (an XML bomb or external entity), which jamfor "
                f"refuses: {type(exc).__name__}")
    if isinstance(exc, ParseError):
        return f"its XML is malformed ({exc})"
    return type(exc).__name__


def _read_values(ws, sheet: Sheet) -> None:
    """Every filled cell up to the last one the scan found, with the number format of numbers."""
    if not sheet.max_row or not sheet.max_col:
        return
    for cells in ws.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_col):
        for cell in cells:
            value = cell.value
            if value is None or value == "":
                continue
            sheet.cells[(cell.row, cell.column)] = value
            if isinstance(value, (int, float)) and cell.number_format not in (None, "General"):
                sheet.formats[(cell.row, cell.column)] = cell.number_format


def _clip(merged: list[tuple[int, int, int, int]], sheet: Sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges cut to the filled area: beyond it no cell is read, so nothing is lost."""
    clipped = []
    for top, left, bottom, right in merged:
        if top <= sheet.max_row and left <= sheet.max_col:
            clipped.append((top, left, min(bottom, sheet.max_row), min(right, sheet.max_col)))
    return clipped


def read_workbook(path: Path, file: str, findings: Findings,
                  sheets: Collection[str] | None = None) -> list[Sheet]:
    """The workbook's sheets (only those named in ``sheets`` when given), each checked against the
    bounds first; every problem goes to ``findings`` naming ``file``, the sheet and the cell."""
    if path.suffix.lower() not in SUFFIXES:
        kind = utf8_text(path.suffix) or "file"
        findings.add("unreadable", f"cannot read as an Excel workbook (.xlsx): a {kind} "
                   f"file is not one of {', '.join(SUFFIXES)} (save it as .xlsx)", file=file)
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            problem = _part_problem(archive)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        findings.add("unreadable", f"cannot read as an Excel workbook (.xlsx): {type(exc).__name__}",
                     file=file)
        return []
    if problem:
        findings.add("too-large", problem, file=file)
        return []
    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.read()
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        findings.add("unreadable", f"cannot read as an Excel workbook (.xlsx): {_why_unreadable(exc)}",
                   file=file)
        return []
    book = reader.wb
    _missing_parts(reader, file, findings, sheets)
    found: list[Sheet] = []
    budget = MAX_CELLS
    try:
        for ws in book.worksheets:
            if sheets is not None and ws.title not in sheets:
                continue
            sheet = _sheet(book, ws, file, findings, budget)
            if sheet is not None:
                budget -= len(sheet.cells) + len(sheet.formulas)
                found.append(sheet)
    finally:
        book.close()
    return found


def _missing_parts(reader: ExcelReader, file: str, findings: Findings,
                   sheets: Collection[str] | None) -> None:
    """A sheet the workbook lists whose part is not in the file: openpyxl leaves it out without a
    word, and a workbook would then load as if that sheet had never held a value."""
    for sheet in reader.parser.sheets:
        if sheets is not None and sheet.name not in sheets:
            continue
        rel = reader.parser.rels.get(sheet.id) if sheet.id else None
        if rel is None or rel.target not in reader.valid_files:
            part = rel.target if rel is not None else "(no part named)"
            findings.add("missing-part", f"the workbook lists this sheet but its part {part} is not in "
                         "the file (a damaged or hand-made workbook); nothing of it can be read",
                         file=file, sheet=sheet.name)


def _sheet(book, ws, file: str, findings: Findings, budget: int) -> Sheet | None:
    where = {"file": file, "sheet": ws.title}
    try:
        with book._archive.open(ws._worksheet_path) as source:  # the sheet's XML, streamed
            scan = _scan(source, budget)
    except _Bound as bound:
        findings.add(bound.code, bound.message, **where, cell=bound.cell, value=bound.value)
        return None
    except Exception as exc:  # malformed XML, a missing part: say which sheet
        findings.add("unreadable", f"cannot read this sheet: {_why_unreadable(exc)}", **where)
        return None
    sheet = Sheet(file, ws.title, formulas=scan.formulas, max_row=scan.max_row, max_col=scan.max_col,
                  state=ws.sheet_state or "visible")
    sheet.merged = _clip(scan.merged, sheet)
    if sum((b - t + 1) * (r - left + 1) for t, left, b, r in sheet.merged) > MAX_MERGED_CELLS:
        findings.add("too-large", f"merged ranges cover more than {MAX_MERGED_CELLS:,} cells", **where)
        return None
    try:
        _read_values(ws, sheet)
    except Exception as exc:  # a cell openpyxl cannot decode (a shared string that is not there …)
        findings.add("unreadable", f"cannot read this sheet's cells: {_why_unreadable(exc)}", **where)
        return None
    return sheet
