"""Two loads into one warehouse at once: they take turns and both succeed; the one that waits says so.

Load A runs in its own process and holds its transaction open (it sleeps just before the derived
tables are rebuilt, its rows written); load B is the `jamfor load oj-excel` a user starts meanwhile.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.db import engine_for
from jamfor.seed.seeding import run_seed

IBIC_TITLE = "Använt IBIC (Individens behov i centrum) vid alla utredningar"

HOLDING_LOAD = textwrap.dedent("""
    import pathlib, sys, time
    import jamfor.seed.load
    from jamfor.seed.db import engine_for
    from jamfor.seed.seeding import load_parts
    from jamfor.seed.sources.oj_excel import read_oj_excel

    rebuild = jamfor.seed.load.rebuild_derived

    def slow_rebuild(*args):
        pathlib.Path(sys.argv[3]).touch()  # rows written, transaction open
        time.sleep(4)
        rebuild(*args)

    jamfor.seed.load.rebuild_derived = slow_rebuild
    load_parts(engine_for(sys.argv[1]), read_oj_excel([sys.argv[2]]).as_loads())
""")


def workbook(path: Path, year: int) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "LSS"
    sheet.append(["Kommunkod", "Kommun", f"{IBIC_TITLE} {year}"])
    sheet.append(["0114", "Upplands Väsby", "Ja"])
    book.save(path)
    return path


def test_a_load_started_while_another_runs_waits_says_so_and_both_succeed(db_url, tmp_path):
    run_seed(engine_for(db_url), demo=False)
    script, holding = tmp_path / "hold.py", tmp_path / "holding"
    script.write_text(HOLDING_LOAD)
    first = subprocess.Popen([sys.executable, str(script), db_url, str(workbook(tmp_path / "a.xlsx", 2020)),
                              str(holding)], env=os.environ.copy(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not holding.exists():
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline, "load A never started writing"
            time.sleep(0.1)
        started = time.monotonic()
        second = CliRunner().invoke(main, ["load", "oj-excel", str(workbook(tmp_path / "b.xlsx", 2021)),
                                           "--db", db_url], catch_exceptions=False)
        waited = time.monotonic() - started
    finally:
        assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.exit_code == 0, second.output
    assert "Waiting for another load into this warehouse to finish" in second.output
    assert waited >= 2  # it ran after A committed, not beside it
    values = read_table(db_url, "indicator_value")
    years = set(values[(values.indicator_id == "lss_ibic_alla_utredningar")
                       & (values.area_code == "0114")].year.astype(int))
    assert {2020, 2021} <= years
    comparison = read_table(db_url, "indicator_comparison")
    assert {2020, 2021} <= set(comparison[comparison.area_code == "0114"].year.astype(int))


def test_a_load_alone_does_not_say_it_waits(sqlite_url, tmp_path):
    result = CliRunner().invoke(main, ["load", "oj-excel", str(workbook(tmp_path / "a.xlsx", 2021)),
                                       "--db", sqlite_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Waiting" not in result.output
