"""An input is what it holds, not what it is called: two files (or Kolada answers) with one name both
keep their rows; a new input replaces exactly the rows it supplies again, and only ``--replace``
removes rows the earlier input of that name supplied and the new one no longer does."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from openpyxl import Workbook
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.sources.skr_inventory import ANSWER_COLUMNS

IBIC = "lss_ibic_alla_utredningar"
IBIC_TITLE = "Använt IBIC (Individens behov i centrum) vid alla utredningar"


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def values(url: str) -> dict[tuple[str, int], float | None]:
    frame = read_table(url, "indicator_value")
    frame = frame[frame.indicator_id.str.endswith(IBIC)]
    return {(r.area_code, int(r.year)): None if r.value is None or math.isnan(r.value) else r.value
            for r in frame.itertuples()}


def oj_workbook(path: Path, year: int, answers: dict[str, str]) -> Path:
    """A one-sheet ÖJ workbook: kommunkod, kommun and the IBIC answer for one year."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "LSS"
    sheet.append(["Kommunkod", "Kommun", f"{IBIC_TITLE} {year}"])
    names = {"0114": "Upplands Väsby", "1280": "Malmö", "2584": "Kiruna"}
    for code, answer in answers.items():
        sheet.append([code, names[code], answer])
    book.save(path)
    return path


def test_two_oj_workbooks_with_one_name_both_keep_their_rows(db_url, tmp_path):
    first = oj_workbook(tmp_path / "a" / "oj_lss.xlsx", 2020, {"0114": "Ja", "1280": "Nej"})
    second = oj_workbook(tmp_path / "b" / "oj_lss.xlsx", 2021, {"0114": "Nej", "2584": "Ja"})
    assert run("load", "oj-excel", first, "--db", db_url).exit_code == 0
    result = run("load", "oj-excel", second, "--db", db_url)
    assert result.exit_code == 0, result.output
    assert values(db_url) == {("0114", 2020): 100.0, ("1280", 2020): 0.0,
                              ("0114", 2021): 0.0, ("2584", 2021): 100.0}


def test_an_oj_workbook_replaces_the_rows_it_supplies_again_and_replace_drops_the_rest(db_url, tmp_path):
    first = oj_workbook(tmp_path / "a" / "oj_lss.xlsx", 2021, {"0114": "Ja", "1280": "Nej"})
    corrected = oj_workbook(tmp_path / "b" / "oj_lss.xlsx", 2021, {"0114": "Nej"})
    assert run("load", "oj-excel", first, "--db", db_url).exit_code == 0
    assert run("load", "oj-excel", corrected, "--db", db_url).exit_code == 0
    assert values(db_url) == {("0114", 2021): 0.0, ("1280", 2021): 0.0}
    assert run("load", "oj-excel", first, "--db", db_url).exit_code == 0
    assert run("load", "oj-excel", corrected, "--replace", "--db", db_url).exit_code == 0
    assert values(db_url) == {("0114", 2021): 0.0}


def skr_answers(path: Path, kommun: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [(kommun, "funktionshinder", "status", "", "", "slutford"),
            (kommun, "funktionshinder", "erbjuden", "fh_boendestod", "", "ja")]
    pd.DataFrame(rows, columns=ANSWER_COLUMNS).to_csv(path, index=False)
    return path


def test_two_skr_answer_files_with_one_name_both_keep_their_kommuner(db_url, tmp_path):
    assert run("load", "skr", skr_answers(tmp_path / "a" / "svar.csv", "1280"), "--db", db_url).exit_code == 0
    result = run("load", "skr", skr_answers(tmp_path / "b" / "svar.csv", "0114"), "--db", db_url)
    assert result.exit_code == 0, result.output
    survey = read_table(db_url, "survey_response")
    assert sorted(survey.area_code) == ["0114", "1280"]
    assert sorted(read_table(db_url, "insats_response").area_code) == ["0114", "1280"]
    counts = read_table(db_url, "skr_response_counts").set_index(["scope_code", "verksamhetsomrade"])
    assert counts.loc[("00", "funktionshinder"), "n_completed"] == 2


def test_replace_drops_the_kommun_an_skr_file_of_the_same_name_no_longer_holds(db_url, tmp_path):
    assert run("load", "skr", skr_answers(tmp_path / "a" / "svar.csv", "1280"), "--db", db_url).exit_code == 0
    result = run("load", "skr", skr_answers(tmp_path / "b" / "svar.csv", "0114"), "--replace",
                 "--db", db_url)
    assert result.exit_code == 0, result.output
    assert list(read_table(db_url, "survey_response").area_code) == ["0114"]


def _kolada_row(municipality: str, period: int, total: float) -> dict:
    return {"kpi": "N00001", "municipality": municipality, "period": period,
            "values": [{"gender": "T", "count": 1, "status": "", "value": total}]}


def test_two_kolada_answers_to_one_query_both_keep_their_rows(fresh_kolada, db_url):
    kolada = fresh_kolada
    args = ["load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021", "--base-url",
            kolada.base_url, "--db", db_url, "--refresh"]
    kolada.state.rows = [_kolada_row("0114", 2021, 40), _kolada_row("1280", 2021, 50)]
    assert run(*args).exit_code == 0
    kolada.state.rows = [_kolada_row("0114", 2021, 45), _kolada_row("2584", 2021, 60)]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert values(db_url) == {("0114", 2021): 45.0, ("1280", 2021): 50.0, ("2584", 2021): 60.0}
    replaced = run(*args, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert values(db_url) == {("0114", 2021): 45.0, ("2584", 2021): 60.0}
