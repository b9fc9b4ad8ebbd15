"""SKR's inventory of social-service insatser: the insats catalogue and per-kommun answers.

Two inputs, both plain files a person can read and edit:

- the catalogue ``seed/catalog/insatser.csv`` — one row per insats (id, område, huvudgrupp, name, the
  anhörig mark, insatskategori for the wish question, whether the name is known from SKR's publication);
- answers in one *long* format, as CSV or as an Excel sheet with the same columns
  (``ANSWER_COLUMNS``; templates ``skr_template.csv`` / ``skr_template.xlsx`` in the package): one row
  per kommun (or Stockholm stadsdel) × område × question × insats or insatskategori.

Reading builds validated frames and never touches the database; every problem names the file, the
sheet and cell (Excel) or the row (CSV), the column and the value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from jamfor.errors import Findings, Problem
from jamfor.seed.catalog import catalog_path
from jamfor.seed.frames import SourceFrames, SourceRead, sha256_of_files
from jamfor.seed.reference import OMRADEN, STOCKHOLM, area_frame, reference_frames
from jamfor.seed.schema import BESLUT, FORMS, REGIER, SURVEY_STATUSES, WISH_ANSWERS
from jamfor.seed.sources.files import read_csv_rows, refuse_repeats, shown_name, utf8_text
from jamfor.seed.sources.xlsx import Sheet, read_workbook

CATALOG_FILE = "insatser.csv"
PUBLICATION_ORDER_FILE = "skr_publication_order.csv"
CATALOG_COLUMNS = ["insats_id", "verksamhetsomrade", "huvudgrupp", "name", "anhorig", "insatskategori",
                   "name_known"]
TEMPLATE_FILES = ("skr_template.csv", "skr_template.xlsx")
ANSWER_SHEET = "svar"
ANSWER_COLUMNS = ["kommunkod", "verksamhetsomrade", "fraga", "insats_id", "insatskategori", "svar"]
YES_NO = ("ja", "nej")
# fraga -> (allowed answers, what the row refers to: None, "insats_id" or "insatskategori")
QUESTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "status": (SURVEY_STATUSES, None),
    "ytterligare_insatser": (YES_NO, None),
    "vill_utan_bistandsbeslut": (WISH_ANSWERS, None),
    "erbjuden": (YES_NO, "insats_id"),
    "form": (FORMS, "insats_id"),
    "regi": (REGIER, "insats_id"),
    "bistandsbeslut": (BESLUT, "insats_id"),
    "onskad_kategori": (YES_NO, "insatskategori"),
}
INSATS_COLUMN = {"erbjuden": "offered", "form": "form", "regi": "regi", "bistandsbeslut": "bistandsbeslut"}
SOURCE = "skr_inventory"
ATTRIBUTION = "Källa: SKR, Kartläggning av socialtjänstens insatser i Sveriges kommuner (2021)"
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "_", "-": "_"})
_ALIASES = {"bade": "bada"}  # "både" as well as "båda"


def token(raw: object) -> str:
    """An answer as written by hand folded to its code: "Ej påbörjad" -> ej_paborjad, "Både" -> bada."""
    folded = "" if raw is None else str(raw).strip().casefold().translate(_FOLD)
    return _ALIASES.get(folded, folded)


# --- the catalogue ----------------------------------------------------------------------------------

def read_publication_order(path: Path | None = None) -> pd.DataFrame:
    """The order SKR's länsrapport prints its lists in (``seed/catalog/skr_publication_order.csv``).

    The publication sorts its top-10, bottom-10 and "vanligast" lists by count and gives no rule for rows
    with equal counts; the rows it printed keep its order (``plats``) so the dashboards read as the
    report does. ``lista`` is vanligaste, minst_vanliga or question:category (form:digital, …).
    """
    frame = pd.read_csv(path or catalog_path(PUBLICATION_ORDER_FILE), dtype=str, keep_default_na=False)
    return frame.assign(plats=frame.plats.astype(int))


def read_catalog(path: Path | None = None) -> pd.DataFrame:
    """The catalogue as rows of the ``insats`` table; ``position`` is the order within its område."""
    path = path or catalog_path(CATALOG_FILE)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    findings = Findings()
    missing = [c for c in CATALOG_COLUMNS if c not in raw.columns]
    if missing:
        findings.add("missing-column", f"columns missing: {', '.join(missing)}", file=str(path))
        findings.raise_if_invalid()
    for index, row in raw.iterrows():
        where = dict(file=str(path), row=int(index) + 2)
        if row.verksamhetsomrade not in OMRADEN:
            findings.add("unknown-omrade", "unknown verksamhetsområde", column="verksamhetsomrade",
                       value=row.verksamhetsomrade, **where)
        for column in ("anhorig", "name_known"):
            if token(row[column]) not in YES_NO:
                findings.add("not-yes-no", "expected ja or nej", column=column, value=row[column], **where)
        for column in ("insats_id", "huvudgrupp", "name"):
            if not row[column].strip():
                findings.add("empty", "must not be empty", column=column, value=row[column], **where)
    for index in raw.index[raw.insats_id.duplicated()]:
        findings.add("duplicate-insats", "insats_id appears twice", file=str(path), row=int(index) + 2,
                   column="insats_id", value=raw.insats_id[index])
    findings.raise_if_invalid()
    frame = raw[CATALOG_COLUMNS].copy()
    for column in ("anhorig", "name_known"):
        frame[column] = frame[column].map(token).eq("ja")
    frame["insatskategori"] = frame.insatskategori.where(frame.insatskategori.str.strip() != "", None)
    frame["position"] = frame.groupby("verksamhetsomrade").cumcount() + 1
    return frame


def omrade_frame() -> pd.DataFrame:
    return pd.DataFrame({"code": list(OMRADEN), "name": list(OMRADEN.values())})


def catalog_frames() -> SourceFrames:
    """Verksamhetsområden and the insats catalogue: real reference data, loaded by plain `jamfor seed`."""
    return SourceFrames(
        source="skr_catalog",
        source_ref="SKR inventering av socialtjänstens insatser: jamfor insatskatalog",
        sha256=sha256_of_files([catalog_path(CATALOG_FILE)]),
        synthetic=False,
        tables={"verksamhetsomrade": omrade_frame(), "insats": read_catalog()},
        attribution=ATTRIBUTION,
    )


def answer_units() -> pd.DataFrame:
    """The units SKR sent the survey to (1 October 2021): every kommun but Stockholm, which answered
    per stadsdelsområde; area_code, name, lan_code and kommungrupp."""
    areas = area_frame()
    kommuner = areas[(areas.level == "kommun") & (areas.area_code != STOCKHOLM)]
    stadsdelar = areas[(areas.level == "stadsdel")
                       & areas.valid_from.map(lambda d: d is None or d.isoformat() <= "2021-10-01")
                       & areas.valid_to.map(lambda d: d is None or d.isoformat() >= "2021-10-01")]
    units = pd.concat([kommuner, stadsdelar], ignore_index=True)
    return units[["area_code", "name", "lan_code", "kommungrupp"]].reset_index(drop=True)


# --- answers ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerRow:
    """One row of an answers file with where it stands, so a problem can point at it."""

    file: str
    sheet: str | None
    row: int
    values: dict[str, object]

    def where(self, column: str) -> dict[str, object]:
        if self.sheet is None:
            return dict(file=self.file, row=self.row, column=column)
        letter = chr(ord("A") + ANSWER_COLUMNS.index(column))
        return dict(file=self.file, sheet=self.sheet, cell=f"{letter}{self.row}", column=column)


def _unit_code(text: str) -> str:
    """kommunkod as written or as Excel stored it as a number: 114 -> 0114, Stockholm's stadsdel
    18004 -> 018004."""
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return text.zfill(4 if len(text) <= 4 else 6)
    return text


def _text(raw: object) -> str:
    """A cell as text; Excel's numbers for kommunkoder (114.0) become "114", and letters are
    composed (NFC), so "Råd" written with a combining ring (macOS) matches the catalogue's."""
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFC", str(raw)).strip()


def _columns(header: list[str], rows: list[tuple[int, list[object]]], file: str, sheet: str | None,
             findings: Findings) -> list[AnswerRow]:
    """Answer rows by column name. A column named twice is used only where both copies agree."""
    if not _has_columns(header, file, sheet, findings):
        return []
    positions = {c: [i for i, h in enumerate(header) if h == c] for c in ANSWER_COLUMNS}
    out = []
    for number, fields in rows:
        cells = [_text(v) for v in fields] + [""] * (len(header) - len(fields))
        row = AnswerRow(file, sheet, number, {c: cells[positions[c][0]] for c in ANSWER_COLUMNS})
        ok = True
        for column, where in positions.items():
            differing = sorted({cells[i] for i in where})
            if len(differing) > 1:
                findings.add("duplicate-column", f"the column {column} appears {len(where)} times and the "
                           f"copies disagree ({' / '.join(repr(v) for v in differing)})",
                           value=row.values[column], **row.where(column))  # type: ignore[arg-type]
                ok = False
        if ok and any(row.values.values()):
            out.append(row)
    return out


def _read_csv(path: Path, findings: Findings) -> list[AnswerRow]:
    file = utf8_text(str(path))
    read = read_csv_rows(path, file, findings)
    if read is None:
        return []
    return _columns(read.header, read.rows, file, None, findings)  # type: ignore[arg-type]


def _read_xlsx(path: Path, findings: Findings, warnings: list[Problem]) -> list[AnswerRow]:
    file = utf8_text(str(path))
    found = len(findings.problems)
    sheets = read_workbook(path, file, findings, sheets={ANSWER_SHEET})
    if not sheets:
        if len(findings.problems) == found:
            findings.add("missing-sheet", f"no sheet named {ANSWER_SHEET!r}", file=file)
        return []
    sheet = sheets[0]
    rows = _sheet_rows(sheet, file, findings)
    if sheet.hidden and rows:
        warnings.append(Problem("hidden-sheet", f"{len(rows)} answer row{'s' if len(rows) != 1 else ''} read "
                                "from a sheet the workbook "
                                f"marks {sheet.state} (Excel does not show it); check that they are meant "
                                "to load", file=file, sheet=ANSWER_SHEET))
    return rows


def _sheet_rows(sheet: Sheet, file: str, findings: Findings) -> list[AnswerRow]:
    """The answer rows of the sheet ``svar``, checked for formulas and the column order first."""
    if not sheet.cells:
        findings.add("empty", "the sheet is empty", file=file, sheet=ANSWER_SHEET)
        return []
    for row, col in sorted(sheet.formulas):
        findings.add("formula", "a formula saved without its result", file=file, sheet=ANSWER_SHEET,
                   cell=f"{get_column_letter(col)}{row}")
    header = [_text(sheet.cells.get((1, c))) for c in range(1, sheet.max_col + 1)]
    if not _has_columns(header, file, ANSWER_SHEET, findings):
        return []
    if header[: len(ANSWER_COLUMNS)] != ANSWER_COLUMNS:
        findings.add("column-order", f"columns must be, in order: {', '.join(ANSWER_COLUMNS)}",
                   file=file, sheet=ANSWER_SHEET, value=", ".join(header))
        return []
    rows = [(r, [sheet.cells.get((r, c)) for c in range(1, sheet.max_col + 1)]) for r in sheet.rows(2)]
    return _columns(header, rows, file, ANSWER_SHEET, findings)


def _has_columns(header: list[str], file: str, sheet: str | None, findings: Findings) -> bool:
    missing = [c for c in ANSWER_COLUMNS if c not in header]
    if missing:
        findings.add("missing-column", f"columns missing: {', '.join(missing)}", file=file, sheet=sheet,
                   value=", ".join(header))
    return not missing


def read_answer_rows(paths: Sequence[Path], findings: Findings, warnings: list[Problem]) -> list[AnswerRow]:
    """Every file's answer rows; a file that gives none is a problem naming it (with --replace it
    would otherwise remove what an earlier load of the same name held). ``warnings`` gets what loads
    but a person should know: rows from a hidden sheet."""
    rows: list[AnswerRow] = []
    for path in paths:
        file, before = utf8_text(str(path)), len(findings.problems)
        if not path.is_file():
            findings.add("no-file", "no such file", file=file)
            continue
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            found = _read_xlsx(path, findings, warnings)
        elif path.suffix.lower() == ".csv":
            found = _read_csv(path, findings)
        else:
            findings.add("file-type", "expected a .csv or .xlsx file", file=file,
                         value=utf8_text(path.suffix))
            continue
        if not found and len(findings.problems) == before:
            findings.add("no-answers", "no answer rows below the header", file=file)
        rows += found
    return rows


class _Validator:
    """Checks each answer row against the catalogue and the units, collecting every problem."""

    def __init__(self, catalog: pd.DataFrame, findings: Findings) -> None:
        self.findings = findings
        self.units = set(answer_units().area_code)
        self.omrade_of = dict(zip(catalog.insats_id, catalog.verksamhetsomrade))
        self.kategorier = {(o, k) for o, k in zip(catalog.verksamhetsomrade, catalog.insatskategori)
                           if k is not None}

    def problem(self, row: AnswerRow, column: str, code: str, message: str) -> bool:
        """Record a problem; returns False so a check can write ``ok = self.problem(...)``."""
        self.findings.add(code, message, value=row.values[column], **row.where(column))  # type: ignore[arg-type]
        return False

    def check(self, row: AnswerRow) -> dict[str, str] | None:
        """The row's codes if it is valid, else None (its problems are in the findings)."""
        v = row.values
        code = _unit_code(v["kommunkod"])
        fraga, omrade, answer = token(v["fraga"]), token(v["verksamhetsomrade"]), token(v["svar"])
        ok = True
        if code == STOCKHOLM:
            ok = self.problem(row, "kommunkod", "stockholm-whole",
                              "Stockholm answers per stadsdelsområde (0180NN), as in SKR's survey")
        elif code not in self.units:
            ok = self.problem(row, "kommunkod", "unknown-area", "not a kommunkod or Stockholm stadsdel code")
        if omrade not in OMRADEN:
            ok = self.problem(row, "verksamhetsomrade", "unknown-omrade",
                              f"expected one of {', '.join(OMRADEN)}")
        if fraga not in QUESTIONS:
            self.problem(row, "fraga", "unknown-question", f"expected one of {', '.join(QUESTIONS)}")
            return None
        allowed, refers_to = QUESTIONS[fraga]
        if answer not in allowed:
            ok = self.problem(row, "svar", "bad-answer", f"{fraga}: expected one of {', '.join(allowed)}")
        ok = self._check_reference(row, fraga, omrade, refers_to) and ok
        if not ok:
            return None
        return dict(area_code=code, verksamhetsomrade=omrade, fraga=fraga, insats_id=v["insats_id"],
                    insatskategori=v["insatskategori"], svar=answer)

    def _check_reference(self, row: AnswerRow, fraga: str, omrade: str, refers_to: str | None) -> bool:
        v = row.values
        ok = True
        for column in ("insats_id", "insatskategori"):
            if column != refers_to and v[column]:
                ok = self.problem(row, column, "unexpected-value", f"{fraga} takes no {column}")
        if refers_to == "insats_id":
            if v["insats_id"] not in self.omrade_of:
                ok = self.problem(row, "insats_id", "unknown-insats", "not an insats_id in the catalogue")
            elif omrade in OMRADEN and self.omrade_of[v["insats_id"]] != omrade:
                ok = self.problem(row, "insats_id", "wrong-omrade",
                                  f"this insats belongs to {self.omrade_of[v['insats_id']]}")
        if refers_to == "insatskategori" and omrade in OMRADEN \
                and (omrade, v["insatskategori"]) not in self.kategorier:
            ok = self.problem(row, "insatskategori", "unknown-kategori",
                              f"not an insatskategori of {omrade} in the catalogue")
        return ok


def _duplicates(checked: list[tuple[AnswerRow, dict[str, str]]], findings: Findings) -> None:
    seen: dict[tuple[str, ...], AnswerRow] = {}
    for row, c in checked:
        key = (c["area_code"], c["verksamhetsomrade"], c["fraga"], c["insats_id"], c["insatskategori"])
        if key in seen:
            first = seen[key]
            findings.add("duplicate-answer", f"the same question is answered twice (first at row {first.row}"
                       f"{'' if first.file == row.file else ' of ' + first.file})",
                       value=row.values["svar"], **row.where("svar"))  # type: ignore[arg-type]
        else:
            seen[key] = row


def _consistency(checked: list[tuple[AnswerRow, dict[str, str]]], findings: Findings) -> None:
    """Answers must fit together: a status for every kommun × område answered, nothing after
    ej_paborjad, form/regi/beslut only for an insats the kommun offers."""
    status = {(c["area_code"], c["verksamhetsomrade"]): c["svar"]
              for _, c in checked if c["fraga"] == "status"}
    offered = {(c["area_code"], c["insats_id"]): c["svar"] for _, c in checked if c["fraga"] == "erbjuden"}
    for row, c in checked:
        pair = (c["area_code"], c["verksamhetsomrade"])
        if c["fraga"] == "status":
            continue
        if pair not in status:
            findings.add("no-status", "no status row for this kommun and område",
                       value=row.values["kommunkod"], **row.where("kommunkod"))  # type: ignore[arg-type]
        elif status[pair] == "ej_paborjad":
            findings.add("answer-not-started", "answer given although the status is ej_paborjad",
                       value=row.values["svar"], **row.where("svar"))  # type: ignore[arg-type]
        if c["fraga"] in ("form", "regi", "bistandsbeslut") \
                and offered.get((c["area_code"], c["insats_id"])) != "ja":
            findings.add("not-offered", f"{c['fraga']} given for an insats not answered erbjuden = ja",
                       value=row.values["svar"], **row.where("svar"))  # type: ignore[arg-type]


def _frames(checked: list[dict[str, str]]) -> dict[str, pd.DataFrame]:
    rows = pd.DataFrame(checked, columns=["area_code", "verksamhetsomrade", "fraga", "insats_id",
                                          "insatskategori", "svar"])
    pair = ["area_code", "verksamhetsomrade"]
    survey = rows[rows.fraga == "status"][pair + ["svar"]].rename(columns={"svar": "status"})
    further = rows[rows.fraga == "ytterligare_insatser"].assign(
        gives_further_insatser=lambda f: f.svar.eq("ja"))[pair + ["gives_further_insatser"]]
    wish = rows[rows.fraga == "vill_utan_bistandsbeslut"].rename(
        columns={"svar": "wants_without_bistandsbeslut"})[pair + ["wants_without_bistandsbeslut"]]
    survey = survey.merge(further, on=pair, how="left").merge(wish, on=pair, how="left")
    survey["gives_further_insatser"] = survey.gives_further_insatser.astype(object)
    per_insats = rows[rows.fraga.isin(list(INSATS_COLUMN))]
    insats = (per_insats.pivot(index=["area_code", "insats_id"], columns="fraga", values="svar")
              .rename(columns=INSATS_COLUMN).reindex(columns=list(INSATS_COLUMN.values()))
              .reset_index())
    insats["offered"] = insats.offered.map({"ja": True, "nej": False}).astype(object)
    insats.columns.name = None
    kategori = rows[rows.fraga == "onskad_kategori"]
    wishes = pd.DataFrame({"area_code": kategori.area_code, "verksamhetsomrade": kategori.verksamhetsomrade,
                           "insatskategori": kategori.insatskategori, "wanted": kategori.svar.eq("ja")})
    return {"survey_response": survey.reset_index(drop=True), "insats_response": insats,
            "wish_category": wishes.reset_index(drop=True)}


def read_skr_answers(paths: Iterable[Path | str]) -> SourceRead:
    """Validated answers from long CSV and/or Excel files, as one batch; raises ``BadInput`` listing
    every problem, before anything is written."""
    files = [Path(p) for p in paths]
    findings = Findings()
    warnings: list[Problem] = []
    refuse_repeats([(f, utf8_text(str(f))) for f in files], findings)
    findings.raise_if_invalid()
    rows = read_answer_rows(files, findings, warnings)
    validator = _Validator(read_catalog(), findings)
    checked = [(row, c) for row in rows if (c := validator.check(row)) is not None]
    if findings.valid:
        _duplicates(checked, findings)
        _consistency(checked, findings)
    findings.raise_if_invalid()
    frames = SourceFrames(
        source=SOURCE,
        source_ref="; ".join(shown_name(f) for f in files),
        sha256=sha256_of_files(files),
        synthetic=False,
        tables=_frames([c for _, c in checked]),
        attribution=ATTRIBUTION,
    )
    return SourceRead(frames, warnings, (reference_frames, catalog_frames))



# --- templates --------------------------------------------------------------------------------------

TEMPLATE_EXAMPLE = [
    ("1280", "funktionshinder", "status", "", "", "slutford"),
    ("1280", "funktionshinder", "ytterligare_insatser", "", "", "nej"),
    ("1280", "funktionshinder", "vill_utan_bistandsbeslut", "", "", "ja"),
    ("1280", "funktionshinder", "erbjuden", "fh_trygghetslarm", "", "ja"),
    ("1280", "funktionshinder", "form", "fh_trygghetslarm", "", "bada"),
    ("1280", "funktionshinder", "regi", "fh_trygghetslarm", "", "kommunal"),
    ("1280", "funktionshinder", "bistandsbeslut", "fh_trygghetslarm", "", "med"),
    ("1280", "funktionshinder", "erbjuden", "fh_familjehem", "", "nej"),
    ("1280", "funktionshinder", "onskad_kategori", "", "Råd, stöd och samtal", "ja"),
    ("018004", "aldre", "status", "", "", "ej_paborjad"),
]


def template_frame() -> pd.DataFrame:
    """The example rows both templates hold: one kommun's answers and one stadsdel that did not start."""
    return pd.DataFrame(TEMPLATE_EXAMPLE, columns=ANSWER_COLUMNS)


def _instructions() -> list[tuple[str, str, str]]:
    rows = [("fraga", "svar", "avser")]
    for fraga, (allowed, refers_to) in QUESTIONS.items():
        rows.append((fraga, " / ".join(allowed), refers_to or "kommunen och området"))
    return rows


def write_templates(folder: Path) -> list[Path]:
    """Write skr_template.csv and skr_template.xlsx (openpyxl; sheet ``svar`` plus instructions).

    The shipped templates are made by this function (see README); a test checks they still agree.
    """
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / TEMPLATE_FILES[0], folder / TEMPLATE_FILES[1]
    template_frame().to_csv(csv_path, index=False, encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = ANSWER_SHEET
    sheet.append(ANSWER_COLUMNS)
    for row in TEMPLATE_EXAMPLE:
        sheet.append(list(row))
    for cell in sheet["A"]:
        cell.number_format = "@"  # kommunkoder are text: 0114 must keep its zero
    guide = book.create_sheet("instruktioner")
    for row in _instructions():
        guide.append(list(row))
    guide.append(())
    guide.append(("En rad per kommun (eller stadsdel i Stockholm) × verksamhetsområde × fråga × insats "
                  "eller insatskategori. Koder för insatser och kategorier: jamfor:s insatser.csv.",))
    book.properties.creator = "jamfor"
    book.save(xlsx_path)
    return [csv_path, xlsx_path]
