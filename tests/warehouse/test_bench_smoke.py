"""CI's smoke run of the national benchmark: its 0.1 M case (32 indicators; on SQLite also the Kolada
path, 32 KPIs from its local server) runs to the end on SQLite and PostgreSQL, so `make bench-national`
still works when someone runs it by hand. No time is asserted (speed is what the benchmark reports, in
bench/README.md); what is asserted holds at any speed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.databases import PG_ADMIN_URL, REPO

VALUES = 32 * 312 * 10
pytestmark = pytest.mark.process


def _run(db: str, *options: str) -> dict[str, dict]:
    out = subprocess.run([sys.executable, "bench/bench_national.py", "--indicators", "32", "--db", db,
                          "--pg", PG_ADMIN_URL, *options], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    cases = {}
    for line in out.stdout.splitlines():
        name, _, payload = line.partition(": ")
        if name in (f"{db} raw", f"{db} to_sql", f"{db} jamfor", f"{db} kolada"):
            cases[name.split()[1]] = json.loads(payload)
    kolada = [] if "--without-kolada" in options else ["kolada"]
    assert set(cases) == {"raw", "to_sql", "jamfor", *kolada}, out.stdout
    return cases


def _check(cases: dict[str, dict]) -> dict:
    # the Kolada path loads as many values as the others: every KPI's 312 areas × 10 years, a yes/no
    # KPI's län and riket computed by jamfor in place of Kolada's averages of codes
    assert {cases[c]["rows"] for c in cases} == {VALUES}
    jamfor = cases["jamfor"]
    assert jamfor["small_load_seconds"] > 0
    cancelled = [name for name, q in jamfor["queries"].items() if q["p95_ms"] is None]
    assert cancelled == []
    # every ÖJ chart and native filter of the shipped dashboards, and the data-sources notes
    assert len(jamfor["queries"]) >= 30 and sum("/filter " in n for n in jamfor["queries"]) >= 8
    return jamfor


def test_the_national_benchmark_runs_on_sqlite_and_every_query_reads_through_an_index():
    # in loads of 16: the Kolada path's two parts, the second read in a worker process beside the first's
    # writing, as a command of more than 100 KPIs reads them
    cases = _run("sqlite", "--per-load", "16")
    assert cases["kolada"]["reader_peak_mb"] > 0  # the reading process ran, and ended
    jamfor = _check(cases)
    assert [name for name, q in jamfor["queries"].items() if not q["index"]] == []


def test_the_national_benchmark_runs_on_postgresql_and_leaves_no_dead_rows(pg_url):
    # pg_url: PostgreSQL must be there (fails with CI=true otherwise); the benchmark makes its own databases
    # the Kolada path runs on SQLite only here: its reading is the same on both, and it adds ~10 s
    jamfor = _check(_run("postgresql", "--without-kolada"))
    assert {t: rows["dead"] for t, rows in jamfor["dead_rows"].items()} == {
        "indicator_comparison_base": 0, "indicator_value": 0}

