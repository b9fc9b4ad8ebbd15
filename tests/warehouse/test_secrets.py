"""Planted credentials — a database URL's ``?password=``, a Kolada base URL's userinfo, a Superset URL's
userinfo — never reach anything jamfor prints or writes: command output, errors, `jamfor status`,
`validate`'s success line, ``load_batch.source_ref``, the Kolada cache, the registration state."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support.kolada_server import Answer
from support.tables import dump, read_table

from jamfor.cli.main import main

DB_SECRET, DOWN_SECRET, KOLADA_SECRET, SUPERSET_SECRET = "dbSEKRET1", "dbSEKRET2", "koSEKRET3", "ssSEKRET4"
SECRETS = (DB_SECRET, DOWN_SECRET, KOLADA_SECRET, SUPERSET_SECRET)


@pytest.fixture
def homes(tmp_path, monkeypatch) -> Path:
    """Every folder jamfor writes to is under tmp_path, so every file it writes can be searched."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("SUPERSET_USERNAME", "admin")
    monkeypatch.setenv("SUPERSET_PASSWORD", "not-the-planted-one")
    return tmp_path


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_planted_secrets_appear_in_no_output_and_no_file(homes, pg_url, fresh_kolada):
    kolada = fresh_kolada
    kolada.state.rows = [{"kpi": "N00001", "municipality": "0114", "period": 2021,
                          "values": [{"gender": "T", "count": 1, "status": "", "value": 40}]}]
    db = f"{pg_url}?password={DB_SECRET}"  # trust authentication: PostgreSQL ignores it, libpq reads it
    kolada_url = kolada.base_url.replace("http://", f"http://kuser:{KOLADA_SECRET}@")
    results = {
        "seed": run("seed", "--db", db),
        "load kolada": run("load", "kolada", "--kpi", "N00001=lss_ibic_alla_utredningar", "--years", "2021",
                           "--base-url", kolada_url, "--db", db),
        "status": run("status", "--db", db),
        "validate": run("validate", "--no-superset-schemas", "--db", db),
    }
    assert {name: r.exit_code for name, r in results.items()} == dict.fromkeys(results, 0), \
        {name: r.output for name, r in results.items()}
    kolada.state.fail_always.append(("/data/", Answer(500)))
    results |= {
        "database down": run("seed", "--db", f"postgresql://postgres@127.0.0.1:1/x?password={DOWN_SECRET}"),
        "kolada down": run("load", "kolada", "--kpi", "N00001=lss_ibic_alla_utredningar", "--years", "2020",
                           "--refresh", "--base-url", kolada_url, "--db", db),
        "superset down": run("status", "--db", db, "--url", f"http://admin:{SUPERSET_SECRET}@127.0.0.1:1"),
    }
    assert [results[n].exit_code for n in ("database down", "kolada down", "superset down")] == [1, 1, 1]
    kolada_batch = read_table(pg_url, "load_batch").set_index("source").loc["kolada"]
    assert kolada_batch.source_ref.startswith(f"Kolada http://kuser:***@127.0.0.1:{kolada.server_port}/v3:")
    assert "password=***" in results["validate"].output
    assert "kuser:***@127.0.0.1" in results["kolada down"].output
    assert "admin:***@127.0.0.1:1" in results["superset down"].output
    for name, result in results.items():
        for secret in SECRETS:
            assert secret not in result.output, (name, result.output)
    written = [p for p in homes.rglob("*") if p.is_file()]
    assert any("kolada" in str(p) for p in written)  # the cache was written, and is searched
    for path in written:
        for secret in SECRETS:
            assert secret.encode() not in path.read_bytes(), path
    for secret in SECRETS:
        assert secret not in repr(dump(pg_url))
