"""A read that finds nothing is never a load (issue 22): for every loader, a `--replace` load whose
read fails or finds nothing exits 1 naming the place, and every row the earlier load of the same name
wrote stays — on SQLite and PostgreSQL. And the files' own small traps: a hidden sheet, a kommun name
in Unicode NFD, spaces inside a number, a right-to-left override in a sheet name, a file given twice."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from support.hostile import (
    SHEET,
    SKR_ROWS,
    hide_sheet,
    kolada_row,
    oj_workbook,
    patch_part,
    skr_csv,
    skr_xlsx,
    workbook,
)
from support.kolada_server import KoladaHttpServer, send_raw
from support.oj_workbooks import IBIC_UTR
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.errors import BadInput
from jamfor.seed.db import engine_for
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load

IBIC = "lss_ibic_alla_utredningar"
MISSING_PART = ("the workbook lists this sheet but its part xl/worksheets/sheet1.xml is not in the file "
                "(a damaged or hand-made workbook); nothing of it can be read")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a message can be compared whole."""
    return " ".join(text.split())


def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders, so two different files can have the same name (what --replace goes by)."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    return first, second


def ibic(url: str) -> dict[str, float]:
    values = read_table(url, "indicator_value")
    ours = values[values.indicator_id == IBIC]
    return dict(zip(ours.area_code, ours.value))


def test_an_oj_workbook_whose_sheet_part_is_missing_removes_nothing_with_replace(seeded_db_url, tmp_path):
    first, second = folders(tmp_path)
    assert run("load", "oj-excel", oj_workbook(first / "oj.xlsx", ["0114", "x", "Ja"]),
               "--db", seeded_db_url).exit_code == 0
    before = dump(seeded_db_url)
    damaged = patch_part(oj_workbook(second / "oj.xlsx", ["1280", "y", "Nej"]), SHEET, lambda _data: None)
    result = run("load", "oj-excel", damaged, "--replace", "--db", seeded_db_url)
    assert result.exit_code == 1
    assert flat(result.output).endswith(f"Error: oj.xlsx: sheet LSS: {MISSING_PART}")
    assert dump(seeded_db_url) == before
    assert ibic(seeded_db_url)["0114"] == 100.0


def test_an_skr_file_without_answer_rows_removes_nothing_with_replace(seeded_db_url, tmp_path):
    first, second = folders(tmp_path)
    assert run("load", "skr", skr_csv(first / "svar.csv", SKR_ROWS), "--db", seeded_db_url).exit_code == 0
    before = dump(seeded_db_url)
    result = run("load", "skr", skr_csv(second / "svar.csv", []), "--replace", "--db", seeded_db_url)
    assert result.exit_code == 1
    assert flat(result.output).endswith(f"Error: {second / 'svar.csv'}: no answer rows below the header")
    assert dump(seeded_db_url) == before


def test_an_skr_workbook_whose_svar_part_is_missing_removes_nothing_with_replace(seeded_db_url, tmp_path):
    first, second = folders(tmp_path)
    assert run("load", "skr", skr_xlsx(first / "svar.xlsx", SKR_ROWS), "--db", seeded_db_url).exit_code == 0
    before = dump(seeded_db_url)
    damaged = patch_part(skr_xlsx(second / "svar.xlsx", SKR_ROWS[:1]), SHEET, lambda _data: None)
    result = run("load", "skr", damaged, "--replace", "--db", seeded_db_url)
    assert result.exit_code == 1
    assert flat(result.output).endswith(f"Error: {second / 'svar.xlsx'}: sheet svar: {MISSING_PART}")
    assert dump(seeded_db_url) == before


def _kolada_load(server: KoladaHttpServer, url: str, *extra: str):
    return run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021", "--base-url",
               server.base_url, "--refresh", *extra, "--db", url)


@pytest.mark.parametrize("rows, message", [
    ([1, "x", None, []], "row 0: a data row that is a JSON number, not an object (value '1')"),
    ([], "Kolada has no value for the KPIs, years and municipalities asked; nothing was written"),
    ([kolada_row(isdeleted=True)],
     "Kolada has no value for the KPIs, years and municipalities asked; nothing was written"),
], ids=["rows that are not objects", "an empty listing", "only deleted rows"])
def test_a_kolada_read_that_finds_no_row_removes_nothing_with_replace(fresh_kolada, seeded_db_url, rows,
                                                                      message):
    fresh_kolada.state.rows = [kolada_row()]
    assert _kolada_load(fresh_kolada, seeded_db_url).exit_code == 0
    before = dump(seeded_db_url)
    body = json.dumps({"values": rows, "next_url": None}).encode()
    fresh_kolada.state.custom.append(("/data/", lambda handler: send_raw(handler, body)))
    result = _kolada_load(fresh_kolada, seeded_db_url, "--replace")
    assert result.exit_code == 1
    url = f"{fresh_kolada.base_url}/data/kpi/N00001/year/2021"
    assert f"Error: {url}: {message}" in flat(result.output)
    assert dump(seeded_db_url) == before


def test_frames_without_a_row_are_never_loaded_even_by_the_library(seeded_db_url):
    engine = engine_for(seeded_db_url)
    before = dump(seeded_db_url)
    empty = pd.DataFrame(columns=["indicator_id", "area_code", "year", "value", "status", "raw_value"])
    frames = SourceFrames("published", "nothing.xlsx", "0" * 64, False, {"indicator_value": empty})
    with pytest.raises(BadInput) as caught:
        load(engine, frames, replace=True)
    engine.dispose()
    assert str(caught.value) == "nothing.xlsx: the read found no row to load; nothing was written"
    assert dump(seeded_db_url) == before


def test_a_very_hidden_sheet_loads_with_a_warning_counting_its_values(seeded_db_url, tmp_path):
    path = hide_sheet(oj_workbook(tmp_path / "hidden.xlsx", ["0114", "x", "Ja"]), "LSS", "veryHidden")
    result = run("load", "oj-excel", path, "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert ("Warning: hidden.xlsx: sheet LSS: 2 values read from a sheet the workbook marks veryHidden "
            "(Excel does not show it); check that they are meant to load") in flat(result.output)
    assert ibic(seeded_db_url)["0114"] == 100.0


def test_an_skr_svar_sheet_that_is_hidden_loads_with_a_warning_counting_its_rows(seeded_db_url, tmp_path):
    path = hide_sheet(skr_xlsx(tmp_path / "svar.xlsx", SKR_ROWS), "svar", "hidden")
    result = run("load", "skr", path, "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert (f"Warning: {path}: sheet svar: 4 answer rows read from a sheet the workbook marks hidden "
            "(Excel does not show it); check that they are meant to load") in flat(result.output)
    assert set(read_table(seeded_db_url, "survey_response").area_code) == {"1280"}


def test_a_kommun_name_in_unicode_nfd_is_the_kommun_it_looks_like(seeded_db_url, tmp_path):
    path = oj_workbook(tmp_path / "nfd.xlsx", [None, unicodedata.normalize("NFD", "Malmö"), "Nej"])
    result = run("load", "oj-excel", path, "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert ibic(seeded_db_url)["1280"] == 0.0


def test_an_skr_kategori_in_unicode_nfd_matches_the_catalogue(seeded_db_url, tmp_path):
    rows = [[unicodedata.normalize("NFD", cell) for cell in row] for row in SKR_ROWS]
    result = run("load", "skr", skr_csv(tmp_path / "nfd.csv", rows), "--db", seeded_db_url)
    assert result.exit_code == 0, result.output
    assert list(read_table(seeded_db_url, "wish_category").insatskategori) == ["Anhörigstöd"]


def test_spaces_that_are_not_thousands_separators_make_a_cell_no_number(seeded_db_url, tmp_path):
    path = oj_workbook(tmp_path / "spaced.xlsx", ["0114", "x", "8 2 , 5"], ["1280", "y", "82 %"])
    before = dump(seeded_db_url)
    result = run("load", "oj-excel", path, "--db", seeded_db_url)
    assert result.exit_code == 1
    assert flat(result.output).endswith(
        "Error: spaced.xlsx: LSS!C3: not a number, Ja/Nej or a missing-value marker (-, ., .., x or empty) "
        "(value '8 2 , 5')")
    assert dump(seeded_db_url) == before


def test_a_sheet_name_is_printed_escaped_like_a_cell_value(tmp_path):
    path = workbook(tmp_path / "rlo.xlsx", [["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"],
                                            ["0114", "x", "Kanske"]], title="LSS\u202eevil")
    result = run("load", "oj-excel", path, "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert result.exit_code == 1
    assert "\u202e" not in result.output
    assert flat(result.output).endswith(
        "Error: rlo.xlsx: LSS\\u202eevil!C2: not a number, Ja/Nej or a missing-value marker "
        "(-, ., .., x or empty) (value 'Kanske')")


@pytest.mark.parametrize("loader, make", [
    ("oj-excel", lambda d: oj_workbook(d / "twice.xlsx", ["0114", "x", "Ja"])),
    ("skr", lambda d: skr_csv(d / "twice.csv", SKR_ROWS)),
])
def test_the_same_file_twice_on_the_command_line_is_one_line_saying_so(seeded_db_url, tmp_path, loader,
                                                                       make):
    path = make(tmp_path)
    before = dump(seeded_db_url)
    result = run("load", loader, path, path, "--db", seeded_db_url)
    assert result.exit_code == 1
    name = path.name if loader == "oj-excel" else str(path)
    errors = [line for line in result.output.splitlines() if name in line]
    assert [flat(line) for line in errors] == [
        f"Error: {name}: the same file as argument 1 ({name}); give each file once"]
    assert dump(seeded_db_url) == before


def test_a_copy_of_a_file_under_another_name_is_refused_as_the_same_content(tmp_path):
    from jamfor.seed.sources.skr_inventory import read_skr_answers

    first = skr_csv(tmp_path / "a.csv", SKR_ROWS)
    second = tmp_path / "b.csv"
    second.write_bytes(first.read_bytes())
    with pytest.raises(BadInput) as caught:
        read_skr_answers([first, second])
    assert str(caught.value) == f"{second}: the same content as argument 1 ({first}); give each file once"
