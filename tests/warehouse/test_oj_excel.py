"""`jamfor load oj-excel` on workbooks generated in Socialstyrelsen's layouts, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import support.oj_workbooks as books
from click.testing import CliRunner
from openpyxl import Workbook
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.errors import BadInput
from jamfor.seed.sources.oj_excel import read_oj_excel
from jamfor.seed.sources.published import published_figures


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a message can be compared whole."""
    return " ".join(text.split())


def loaded(url: str) -> dict[tuple[str, str, int], tuple[float | None, str, str | None]]:
    values = read_table(url, "indicator_value")
    batches = read_table(url, "load_batch").set_index("batch_id")
    ours = values[values.batch_id.map(batches.source) == "oj_excel"]
    return {
        (r.indicator_id, r.area_code, int(r.year)):
            (None if r.value is None or math.isnan(r.value) else r.value, r.status,
             r.raw_value if isinstance(r.raw_value, str) else None)
        for r in ours.itertuples()
    }


@pytest.mark.parametrize("layout", sorted(books.LAYOUTS))
def test_each_workbook_layout_loads_every_value_with_its_status_and_raw_text(layout, db_url, tmp_path):
    path = tmp_path / f"{layout}.xlsx"
    expected = books.LAYOUTS[layout](path)
    result = run("load", "oj-excel", path, "--db", db_url)
    assert result.exit_code == 0, result.output
    assert f"rows from {path.name}" in flat(result.output)
    assert loaded(db_url) == expected
    batch = read_table(db_url, "load_batch").query("source == 'oj_excel'").iloc[0]
    assert batch.source_ref == path.name and not batch.synthetic
    assert batch.attribution == "Källa: Socialstyrelsen, Öppna jämförelser socialtjänst"


def test_riket_rows_read_from_a_workbook_equal_the_published_fact_sheet(tmp_path):
    path = tmp_path / "wide.xlsx"
    books.wide_by_year(path)
    values = read_oj_excel([path]).frames.tables["indicator_value"]
    riket = values[values.area_code == "00"].set_index(["indicator_id", "year"]).value
    published = published_figures().set_index(["indicator_id", "year"]).value
    assert len(riket) == 3
    for key, value in riket.items():
        assert published[key] == value


def test_kommun_ja_and_nej_become_100_and_0_and_colour_the_comparison(sqlite_url, tmp_path):
    path = tmp_path / "wide.xlsx"
    books.wide_by_year(path)
    assert run("load", "oj-excel", path, "--db", sqlite_url).exit_code == 0
    comparison = read_table(sqlite_url, "indicator_comparison").set_index(
        ["indicator_id", "area_code", "year"])
    ja = comparison.loc[("lss_ibic_alla_utredningar", "0180", 2021)]
    nej = comparison.loc[("lss_ibic_alla_utredningar", "0114", 2021)]
    assert (ja.value, ja.colour, ja.riket_value) == (100.0, "gron", 41.0)
    assert (nej.value, nej.colour, bool(nej.synthetic)) == (0.0, "rod", False)


def test_an_unknown_token_exits_1_names_the_cell_and_leaves_the_database_unchanged(seeded_db_url, tmp_path):
    good = tmp_path / "good.xlsx"
    books.long_with_year_column(good)
    assert run("load", "oj-excel", good, "--db", seeded_db_url).exit_code == 0
    before = dump(seeded_db_url)
    bad = tmp_path / "bad.xlsx"
    books.with_unknown_token(bad)
    result = run("load", "oj-excel", bad, "--db", seeded_db_url)
    assert result.exit_code == 1
    assert ("Error: bad.xlsx: LSS!D7: not a number, Ja/Nej or a missing-value marker "
            "(-, ., .., x or empty) (value 'Kanske')") in flat(result.output)
    assert dump(seeded_db_url) == before


def test_loading_the_same_workbook_twice_changes_nothing(sqlite_url, tmp_path):
    path = tmp_path / "wide.xlsx"
    books.wide_by_year(path)
    assert run("load", "oj-excel", path, "--db", sqlite_url).exit_code == 0
    before = dump(sqlite_url)
    second = run("load", "oj-excel", path, "--db", sqlite_url)
    assert second.exit_code == 0 and "Unchanged: wide.xlsx" in flat(second.output)
    assert dump(sqlite_url) == before


def test_a_description_sheet_adds_its_indicator_and_an_undefined_column_is_skipped_with_a_warning(
        db_url, tmp_path):
    path = tmp_path / "described.xlsx"
    books.with_description_sheet(path)
    result = run("load", "oj-excel", path, "--db", db_url)
    assert result.exit_code == 0
    assert (f"Warning: described.xlsx: LSS 2021!C1: unknown indicator skipped: "
            f"'{books.UNDEFINED_TITLE}'") in flat(result.output)
    indicators = read_table(db_url, "indicator").set_index("indicator_id")
    added = indicators.loc["oj_rutin_for_att_ta_emot_synpunkter_och_klagomal_inom_lss"]
    assert (added.title, added.short_title, bool(added.higher_is_better), added.kind) == (
        books.NEW_TITLE, "Synpunktsrutin LSS", True, "indikator")
    assert added.description.startswith("Andel kommuner med en aktuell rutin")
    assert indicators.loc["lss_ibic_alla_utredningar"].description.startswith("Andel kommuner och")


def test_every_bad_cell_is_reported_at_once_with_its_place(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "LSS"
    ws.append(["Kommunkod", "Kommun", f"{books.IBIC_UTR} 2021"])
    ws.append(["9999", "Atlantis", "Ja"])
    ws.append([None, "Ingenstans", "Nej"])
    ws.append(["0114", "Vallentuna", "Ja"])
    ws.append(["1280", "Malmö", "?"])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    with pytest.raises(BadInput) as caught:
        read_oj_excel([path])
    assert [str(p) for p in caught.value.problems] == [
        "many.xlsx: LSS!A2: no kommun, län or riket has this code (value '9999')",
        "many.xlsx: LSS!B3: not a kommun, stadsdelsområde, län or riket we know (value 'Ingenstans')",
        "many.xlsx: LSS!B4: the area cells of this row disagree: A4 names 0114, B4 names 0115 "
        "(value 'Vallentuna')",
        "many.xlsx: LSS!C5: not a number, Ja/Nej or a missing-value marker (-, ., .., x or empty) "
        "(value '?')",
    ]


def test_a_column_without_any_year_is_an_error_naming_its_header_cell(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "LSS"
    ws.append(["Kommun", books.IBIC_UTR])
    ws.append(["Riket", 41])
    path = tmp_path / "undated.xlsx"
    wb.save(path)
    with pytest.raises(BadInput, match=r"undated.xlsx: LSS!B1: no year for this column"):
        read_oj_excel([path])


def test_a_file_without_a_header_row_and_a_file_that_is_no_workbook_are_both_named(tmp_path):
    wb = Workbook()
    wb.active.append(["Bara en anteckning"])
    empty = tmp_path / "notes.xlsx"
    wb.save(empty)
    text = tmp_path / "data.xlsx"
    text.write_text("kommun;värde\n", encoding="utf-8")
    result = run("load", "oj-excel", empty, text, "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert result.exit_code == 1
    output = flat(result.output)
    assert "data.xlsx: cannot read as an Excel workbook (.xlsx): BadZipFile" in output
    assert "notes.xlsx: no sheet has a header row naming kommun, kommunkod or län in its first 40 rows" \
        in output
    assert not (tmp_path / "w.db").exists()
    old_format = tmp_path / "gammal.xls"
    old_format.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(BadInput, match=r"gammal.xls: cannot read as an Excel workbook \(.xlsx\): a .xls "
                       r"file is not one of .xlsx, .xlsm, .xltx, .xltm \(save it as .xlsx\)"):
        read_oj_excel([old_format])


def test_the_same_value_in_two_workbooks_differing_is_rejected_but_agreeing_is_kept(tmp_path):
    first, second, third = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    for path, rows in ((first, [["Lund", "Ja"]]), (second, [["Lund", "Nej"]]),
                       (third, [["Lund", "Ja"], ["Malmö", "Nej"]])):
        wb = Workbook()
        wb.active.append(["Kommun", f"{books.IBIC_UTR} 2021"])
        for row in rows:
            wb.active.append(row)
        wb.save(path)
    with pytest.raises(BadInput, match=r"b.xlsx: Sheet!B2: lss_ibic_alla_utredningar for area 1281 in "
                       r"2021 already read with another value at a.xlsx: Sheet!B2"):
        read_oj_excel([first, second])
    frames = read_oj_excel([first, third]).frames
    assert len(frames.tables["indicator_value"]) == 2


def test_a_missing_file_is_a_usage_error(tmp_path):
    assert run("load", "oj-excel", tmp_path / "nope.xlsx").exit_code == 2


def test_the_header_may_sit_below_many_title_rows_and_a_year_may_come_from_them(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabell"
    for line in range(12):
        ws.append([f"Anteckning {line}"])
    ws.append(["Öppna jämförelser 2020 – resultat per kommun"])
    ws.append(["Kommun", "Län", books.SOCIONOM])
    ws.append(["Kiruna", "Norrbottens län", "70 %"])
    ws.append([None, "Norrbotten", 66])
    path = tmp_path / Path("utan_årtal_i_rubrik.xlsx")
    wb.save(path)
    values = read_oj_excel([path]).frames.tables["indicator_value"]
    assert values[["area_code", "year", "value"]].values.tolist() == [["25", 2020, 66.0],
                                                                       ["2584", 2020, 70.0]]


def test_a_title_row_naming_kommun_is_not_taken_for_the_header_and_kommungrupp_is_no_area(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "LSS"
    ws.append(["Resultat per kommun", None, "Publicerad mars 2021"])
    ws.append(["Kommun", "Uppdaterad", "se Läsanvisning"])
    ws.append([])
    ws.append(["Kommungrupp", "Kommun", f"{books.IBIC_UTR} 2021"])
    ws.append(["Storstäder", "Malmö", "Nej"])
    path = tmp_path / "titles.xlsx"
    wb.save(path)
    values = read_oj_excel([path]).frames.tables["indicator_value"]
    assert values[["indicator_id", "area_code", "year", "value"]].values.tolist() == [
        ["lss_ibic_alla_utredningar", "1280", 2021, 0.0]]


def _readme_example_workbook(path: Path) -> None:
    """The workbook the loading guide's worked example shows, built from the guide's own table."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "loading.md").read_text(encoding="utf-8")
    section = readme.split("### Socialstyrelsen's ÖJ workbooks")[1].split("```")[0]
    wb = Workbook()
    wb.active.title = "Läsanvisning"
    ws = wb.create_sheet("LSS")
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or not cells[0].isdigit():
            continue
        row = int(cells[0])
        for col, text in enumerate(cells[1:], start=1):
            text = text.replace("**", "").split(" (merged")[0]
            if text:
                ws.cell(row, col, int(text) if text.isdigit() and text[0] != "0" else text)
        if row == 1:
            ws.merge_cells("A1:D1")
    wb.save(path)


def test_the_loading_guides_worked_example_loads_as_the_guide_says(tmp_path):
    path = tmp_path / "oj_lss_2021.xlsx"
    _readme_example_workbook(path)
    url = f"sqlite:///{tmp_path / 'jamfor.db'}"
    result = run("load", "oj-excel", path, "--db", url)
    assert result.exit_code == 0, result.output
    ibic, hand = "lss_ibic_alla_utredningar", "lss_handlaggare_socionomexamen"
    got = {(i, a): (v, s) for (i, a, _), (v, s, _) in loaded(url).items()}
    assert got == {
        (ibic, "00"): (41.0, "ok"), (hand, "00"): (82.0, "ok"),
        (ibic, "01"): (44.5, "ok"), (hand, "01"): (81.5, "ok"),
        (ibic, "0114"): (100.0, "ok"), (hand, "0114"): (82.5, "ok"),
        (ibic, "018004"): (None, "sekretess"), (hand, "018004"): (75.0, "ok"),
        (ibic, "1280"): (None, "bortfall"), (hand, "1280"): (None, "ej_besvarad"),
    }
    assert {year for (_, _, year) in loaded(url)} == {2021}


def test_a_sheet_per_indicator_with_its_title_above_a_blank_row_and_a_row_of_years(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "IBIC utredningar"
    ws.cell(1, 1, books.IBIC_UTR)
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["Kommun", "År 2019", "2020", "2021*", "Förändring 2019–2021"])
    ws.append(["Riket", 19, 36, 41, "+22"])
    ws.append(["Lund", "Nej", "Ja", "Ja", "+100"])
    path = tmp_path / "per_indicator.xlsx"
    wb.save(path)
    values = read_oj_excel([path]).frames.tables["indicator_value"]
    assert values[["indicator_id", "area_code", "year", "value"]].values.tolist() == [
        ["lss_ibic_alla_utredningar", "00", 2019, 19.0], ["lss_ibic_alla_utredningar", "00", 2020, 36.0],
        ["lss_ibic_alla_utredningar", "00", 2021, 41.0], ["lss_ibic_alla_utredningar", "1281", 2019, 0.0],
        ["lss_ibic_alla_utredningar", "1281", 2020, 100.0],
        ["lss_ibic_alla_utredningar", "1281", 2021, 100.0]]
