"""`jamfor load skr`: per-kommun SKR answers from the long CSV and the Excel template, on SQLite and
PostgreSQL; bad input names its place and value, exits 1 and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.errors import BadInput
from jamfor.seed.catalog import catalog_path
from jamfor.seed.db import engine_for
from jamfor.seed.schema import metadata
from jamfor.seed.sources.skr_inventory import (
    ANSWER_COLUMNS,
    OMRADEN,
    read_catalog,
    read_skr_answers,
    write_templates,
)


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a message can be compared whole."""
    return " ".join(text.split())


def rows(url: str, name: str) -> list[tuple[object, ...]]:
    """A table's rows without batch_id, booleans as booleans and missing as None on every database."""
    frame = read_table(url, name).drop(columns="batch_id")
    for column in metadata.tables[name].columns:
        if column.name in frame and column.type.python_type is bool:
            frame[column.name] = frame[column.name].map(lambda v: None if pd.isna(v) else bool(v))
    frame = frame.astype(object).where(frame.notna(), None)
    return sorted(frame.itertuples(index=False, name=None), key=repr)


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    pd.DataFrame(rows, columns=ANSWER_COLUMNS).to_csv(path, index=False)
    return path


MALMO = [
    ("1280", "funktionshinder", "status", "", "", "slutford"),
    ("1280", "funktionshinder", "ytterligare_insatser", "", "", "ja"),
    ("1280", "funktionshinder", "vill_utan_bistandsbeslut", "", "", "vet ej"),
    ("1280", "funktionshinder", "erbjuden", "fh_boendestod", "", "Ja"),
    ("1280", "funktionshinder", "form", "fh_boendestod", "", "Både"),
    ("1280", "funktionshinder", "regi", "fh_boendestod", "", "kommunal"),
    ("1280", "funktionshinder", "bistandsbeslut", "fh_boendestod", "", "utan"),
    ("1280", "funktionshinder", "erbjuden", "fh_familjehem", "", "nej"),
    ("1280", "funktionshinder", "onskad_kategori", "", "Anhörigstöd", "nej"),
    ("114", "aldre", "status", "", "", "Ej påbörjad"),
]


def test_a_long_csv_loads_every_answer_into_the_survey_tables(db_url, tmp_path):
    path = write_csv(tmp_path / "svar.csv", MALMO)
    result = run("load", "skr", path, "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "Loaded 5 rows from svar.csv" in flat(result.output)
    survey = read_table(db_url, "survey_response").set_index(["area_code", "verksamhetsomrade"])
    malmo = survey.loc[("1280", "funktionshinder")]
    assert (malmo.status, bool(malmo.gives_further_insatser), malmo.wants_without_bistandsbeslut) == (
        "slutford", True, "vet_ej")
    assert survey.loc[("0114", "aldre"), "status"] == "ej_paborjad"
    insatser = read_table(db_url, "insats_response").set_index("insats_id")
    boende = insatser.loc["fh_boendestod"]
    assert (bool(boende.offered), boende.form, boende.regi, boende.bistandsbeslut) == (
        True, "bada", "kommunal", "utan")
    assert not bool(insatser.loc["fh_familjehem", "offered"])
    assert pd.isna(insatser.loc["fh_familjehem", "form"])
    assert rows(db_url, "wish_category") == [("1280", "funktionshinder", "Anhörigstöd", False)]
    batch = read_table(db_url, "load_batch").set_index("source").loc["skr_inventory"]
    assert batch.source_ref == "svar.csv" and not bool(batch.synthetic)


def test_the_derived_tables_count_a_loaded_kommun(sqlite_url, tmp_path):
    assert run("load", "skr", write_csv(tmp_path / "svar.csv", MALMO), "--db", sqlite_url).exit_code == 0
    summary = read_table(sqlite_url, "skr_insats_summary").set_index(["scope_code", "insats_id"])
    assert summary.loc[("12", "fh_boendestod"), ["n_offering", "n_answered"]].tolist() == [1, 1]
    assert summary.loc[("00", "fh_familjehem"), ["n_offering", "n_answered"]].tolist() == [0, 1]
    assert not read_table(sqlite_url, "skr_insatsutbud").synthetic.astype(bool).any()


def test_the_excel_template_and_the_csv_template_load_the_same_rows(db_url, tmp_path):
    csv_db, xlsx_db = db_url, f"sqlite:///{tmp_path / 'xlsx.db'}"
    assert run("load", "skr", catalog_path("skr_template.csv"), "--db", csv_db).exit_code == 0
    assert run("load", "skr", catalog_path("skr_template.xlsx"), "--db", xlsx_db).exit_code == 0
    for name in ("survey_response", "insats_response", "wish_category"):
        assert rows(csv_db, name) == rows(xlsx_db, name), name
        assert rows(csv_db, name), name


def test_loading_the_same_file_again_changes_nothing(sqlite_url, tmp_path):
    path = write_csv(tmp_path / "svar.csv", MALMO)
    assert run("load", "skr", path, "--db", sqlite_url).exit_code == 0
    before = dump(sqlite_url)
    second = run("load", "skr", path, "--db", sqlite_url)
    assert second.exit_code == 0 and "Unchanged: svar.csv" in flat(second.output)
    assert dump(sqlite_url) == before


def test_a_bad_csv_answer_exits_1_naming_file_row_column_and_value_and_writes_nothing(db_url, tmp_path):
    good = write_csv(tmp_path / "svar.csv", MALMO)
    assert run("load", "skr", good, "--db", db_url).exit_code == 0
    before = dump(db_url)
    bad = write_csv(tmp_path / "trasig.csv", [*MALMO[:3], ("1280", "funktionshinder", "erbjuden",
                                                          "fh_trygghetslarm", "", "kanske")])
    result = run("load", "skr", bad, "--db", db_url)
    assert result.exit_code == 1
    assert (f"{bad}: row 5, column svar: erbjuden: expected one of ja, nej (value 'kanske')"
            in flat(result.output))
    assert dump(db_url) == before


def test_a_bad_excel_cell_is_named_by_sheet_and_cell_and_nothing_is_written(sqlite_url, tmp_path):
    path = tmp_path / "svar.xlsx"
    shutil.copy(catalog_path("skr_template.xlsx"), path)
    book = load_workbook(path)
    book["svar"]["D5"] = "fh_finns_inte"
    book.save(path)
    result = run("load", "skr", path, "--db", sqlite_url)
    assert result.exit_code == 1
    assert (f"{path}: svar!D5: not an insats_id in the catalogue (value 'fh_finns_inte')"
            in flat(result.output))
    assert "survey_response" not in dump(sqlite_url) or not dump(sqlite_url)["survey_response"]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    rows = [
        ("0180", "funktionshinder", "status", "", "", "slutford"),
        ("9999", "funktionshinder", "status", "", "", "slutford"),
        ("1280", "lss", "status", "", "", "slutford"),
        ("1281", "funktionshinder", "form", "fh_boendestod", "", "fysisk"),
        ("1281", "aldre", "erbjuden", "fh_boendestod", "", "ja"),
        ("1282", "funktionshinder", "onskad_kategori", "", "Allt möjligt", "ja"),
    ]
    with pytest.raises(BadInput) as caught:
        read_skr_answers([write_csv(tmp_path / "svar.csv", rows)])
    codes = [(p.code, p.row) for p in caught.value.problems]
    assert ("stockholm-whole", 2) in codes and ("unknown-area", 3) in codes
    assert ("unknown-omrade", 4) in codes and ("wrong-omrade", 6) in codes
    assert ("unknown-kategori", 7) in codes


def test_answers_must_fit_together(tmp_path):
    rows = [
        ("1280", "funktionshinder", "status", "", "", "ej_paborjad"),
        ("1280", "funktionshinder", "erbjuden", "fh_boendestod", "", "ja"),
        ("1281", "funktionshinder", "status", "", "", "slutford"),
        ("1281", "funktionshinder", "erbjuden", "fh_boendestod", "", "nej"),
        ("1281", "funktionshinder", "form", "fh_boendestod", "", "fysisk"),
        ("1281", "funktionshinder", "form", "fh_boendestod", "", "digital"),
        ("1282", "funktionshinder", "erbjuden", "fh_boendestod", "", "ja"),
    ]
    with pytest.raises(BadInput) as caught:
        read_skr_answers([write_csv(tmp_path / "svar.csv", rows)])
    codes = sorted((p.code, p.row) for p in caught.value.problems)
    assert codes == [("answer-not-started", 3), ("duplicate-answer", 7), ("no-status", 8),
                     ("not-offered", 6), ("not-offered", 7)]


def test_an_unreadable_or_wrong_file_is_named(tmp_path):
    not_excel = tmp_path / "svar.xlsx"
    not_excel.write_text("hej")
    wrong_columns = tmp_path / "svar.csv"
    wrong_columns.write_text("kommun,svar\n1280,ja\n")
    (tmp_path / "svar.txt").write_text("1280;ja")
    with pytest.raises(BadInput) as caught:
        read_skr_answers([not_excel, wrong_columns, tmp_path / "svar.txt"])
    text = str(caught.value)
    assert f"{not_excel}: cannot read as an Excel workbook" in text
    assert f"{wrong_columns}: columns missing: kommunkod, verksamhetsomrade, fraga" in text
    assert "expected a .csv or .xlsx file" in text


def test_the_shipped_templates_are_what_write_templates_makes(tmp_path):
    made = write_templates(tmp_path)
    assert (tmp_path / "skr_template.csv").read_text() == catalog_path("skr_template.csv").read_text()
    for sheet in ("svar", "instruktioner"):
        cells = [[c.value for c in row] for row in load_workbook(made[1])[sheet].iter_rows()]
        shipped = [[c.value for c in row]
                   for row in load_workbook(catalog_path("skr_template.xlsx"))[sheet].iter_rows()]
        assert cells == shipped, sheet


def test_the_catalogue_holds_409_insatser_and_75_for_funktionshinder():
    catalog = read_catalog()
    assert len(catalog) == 409 and catalog.insats_id.is_unique
    per_area = catalog.groupby("verksamhetsomrade").size()
    assert set(per_area.index) == set(OMRADEN) and per_area["funktionshinder"] == 75
    placeholders = catalog[~catalog.name_known]
    labels = placeholders.verksamhetsomrade.map({
        "aldre": "äldre", "barn_och_unga": "barn och unga", "funktionshinder": "funktionshinder",
        "missbruk_och_beroende": "missbruk och beroende", "socialpsykiatri": "socialpsykiatri",
        "vald_i_nara_relationer": "våld i nära relationer"})
    assert all(name.startswith("Ej namngiven insats ") and name.endswith(f"({label})")
               for name, label in zip(placeholders.name, labels))
    anhorig = catalog[catalog.name_known & catalog.anhorig]
    assert len(anhorig) == 5 and (anhorig.verksamhetsomrade == "funktionshinder").all()


def test_a_bad_catalogue_row_is_named(tmp_path):
    path = tmp_path / "insatser.csv"
    text = catalog_path("insatser.csv").read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace(",funktionshinder,", ",lss,", 1)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_catalog(path)
    assert str(caught.value) == f"{path}: row 3, column verksamhetsomrade: unknown verksamhetsområde " \
                                "(value 'lss')"


def test_only_a_load_that_changes_skr_inputs_recomputes_the_skr_tables(sqlite_url, tmp_path):
    from sqlalchemy import text

    from jamfor.seed.frames import SourceFrames
    from jamfor.seed.load import load

    assert run("load", "skr", write_csv(tmp_path / "svar.csv", MALMO), "--db", sqlite_url).exit_code == 0
    engine = engine_for(sqlite_url)
    with engine.begin() as conn:  # a marker: gone again only if the SKR tables are recomputed
        conn.execute(text("DELETE FROM skr_wish"))
    oj = pd.DataFrame([{"indicator_id": "lss_ibic_alla_utredningar", "area_code": "1280", "year": 2021,
                        "value": 100.0, "status": "ok", "raw_value": "Ja"}])
    load(engine, SourceFrames("oj_excel", "test.xlsx", "0" * 64, False, {"indicator_value": oj}))
    assert read_table(sqlite_url, "skr_wish").empty
    more = write_csv(tmp_path / "mer.csv", [("1281", "funktionshinder", "status", "", "", "paborjad")])
    assert run("load", "skr", more, "--db", sqlite_url).exit_code == 0
    assert set(read_table(sqlite_url, "skr_wish").scope_code) == {"00", "12"}
