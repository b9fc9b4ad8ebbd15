"""Strings from data, files and the database are printed as text: rich markup in a Kolada code or a file
name, ANSI escapes and newlines in a file name never fail a load after its commit, never reach the
terminal raw, and `jamfor status` shows them too. A driver error from PostgreSQL's COPY path is one
line and exit 1, like every other database error."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import text
from support.tables import dump, read_table

from jamfor.cli.main import main
from jamfor.seed.db import engine_for
from jamfor.seed.seeding import run_seed
from jamfor.seed.sources.skr_inventory import ANSWER_COLUMNS

IBIC = "lss_ibic_alla_utredningar"
IBIC_TITLE = "Använt IBIC (Individens behov i centrum) vid alla utredningar"


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(output: str) -> str:
    return " ".join(output.split())


def test_a_kolada_code_that_looks_like_markup_is_a_warning_and_the_load_exits_0(fresh_kolada, sqlite_url):
    fresh_kolada.state.rows = [
        {"kpi": "N00001", "municipality": code, "period": 2021,
         "values": [{"gender": "T", "count": 1, "status": "", "value": 40}]}
        for code in ("0114", "[/x]", "[bold]9")]
    result = run("load", "kolada", "--kpi", f"N00001={IBIC}", "--years", "2021",
                 "--base-url", fresh_kolada.base_url, "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    assert "skipped: [/x], [bold]9" in flat(result.output)
    assert "Loaded 1 rows" in flat(result.output)
    status = run("status", "--db", sqlite_url)
    assert status.exit_code == 0


def test_a_file_name_with_markup_an_ansi_escape_and_a_newline_is_printed_as_text(sqlite_url, tmp_path):
    path = tmp_path / "s[red]\x1b[2J\n.csv"  # "/" cannot be in a file name; [red] would colour
    rows = [("1280", "funktionshinder", "status", "", "", "slutford")]
    pd.DataFrame(rows, columns=ANSWER_COLUMNS).to_csv(path, index=False)
    result = run("load", "skr", path, "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "s[red]\\x1b[2J\\n.csv" in flat(result.output)
    batch = read_table(sqlite_url, "load_batch").set_index("source").loc["skr_inventory"]
    assert batch.source_ref == path.name
    status = run("status", "--db", sqlite_url)
    assert status.exit_code == 0, status.output
    assert "\x1b" not in status.output and "s[red]" in status.output


def test_a_bad_path_name_in_an_error_is_one_line_without_escapes(sqlite_url, tmp_path):
    path = tmp_path / "x\x1b[31m\nred.csv"
    path.write_text("not,the,columns\n1,2,3\n")
    result = run("load", "skr", path, "--db", sqlite_url)
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    message = flat(result.output[result.output.index("Error:"):])
    assert message.startswith("Error: ") and "x\\x1b[31m\\nred.csv" in message


def _workbook(path, answer: str):
    book = Workbook()
    sheet = book.active
    sheet.title = "LSS"
    sheet.append(["Kommunkod", "Kommun", f"{IBIC_TITLE} 2021"])
    sheet.append(["0114", "Upplands Väsby", answer])
    book.save(path)
    return path


def test_a_row_postgresql_refuses_in_copy_is_one_line_with_exit_1_and_writes_nothing(pg_url, tmp_path):
    run_seed(engine_for(pg_url), demo=False)
    with engine_for(pg_url).begin() as conn:  # an operator's own rule, which COPY enforces
        conn.execute(text("ALTER TABLE indicator_value ADD CONSTRAINT local_rule "
                          "CHECK (NOT (area_code = '0114' AND year = 2021))"))
    before = dump(pg_url)
    result = run("load", "oj-excel", _workbook(tmp_path / "lss.xlsx", "Ja"), "--db", pg_url)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert flat(result.output[result.output.index("Error:"):]) == (
        f'Error: database {pg_url}: CheckViolation: new row for relation "indicator_value" violates check '
        'constraint "local_rule"')
    assert dump(pg_url) == before
