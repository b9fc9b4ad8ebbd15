"""The loader's guarantees: one transaction, idempotent, replacing, never losing data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError
from support.tables import dump, read_table

from jamfor.errors import BadInput, Problem
from jamfor.seed.db import engine_for
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load
from jamfor.seed.seeding import run_seed
from jamfor.seed.sources.synthetic_oj import demo_frames


def _real_kommun_value(value: float, ref: str = "test workbook") -> SourceFrames:
    rows = pd.DataFrame([{"indicator_id": "lss_ibic_alla_utredningar", "area_code": "1280",
                          "year": 2021, "value": value, "status": "ok", "raw_value": "Ja"}])
    return SourceFrames("oj_excel", ref, "0" * 64, False, {"indicator_value": rows})


def test_seeding_twice_leaves_every_table_identical(demo_db_url):
    engine = engine_for(demo_db_url)
    first = dump(demo_db_url)
    results = run_seed(engine, demo=True)
    assert all(result.unchanged for _, result in results)
    assert dump(demo_db_url) == first


def test_forced_reseed_replaces_values_instead_of_adding(demo_db_url):
    engine = engine_for(demo_db_url)
    before = read_table(demo_db_url, "indicator_value").drop(columns="batch_id")
    run_seed(engine, demo=True, force=True)
    after = read_table(demo_db_url, "indicator_value")
    assert len(after) == len(before)
    key = ["indicator_id", "area_code", "year"]
    pd.testing.assert_frame_equal(
        after.drop(columns="batch_id").sort_values(key).reset_index(drop=True),
        before.sort_values(key).reset_index(drop=True))
    assert after.batch_id.nunique() == 2  # the new published and demo batches hold every row


def test_a_seed_failing_at_its_last_step_leaves_the_warehouse_as_it_was(demo_db_url, monkeypatch):
    from jamfor.seed import seeding

    def broken() -> SourceFrames:
        raise BadInput(Problem("unreadable", "the last step cannot be read", file="broken.xlsx"))

    steps = seeding.seed_steps(demo=True)
    monkeypatch.setattr(seeding, "seed_steps", lambda demo: [*steps, ("a broken step", broken)])
    before = dump(demo_db_url)
    with pytest.raises(BadInput):
        run_seed(engine_for(demo_db_url), demo=True, force=True)  # forced: every step writes
    assert dump(demo_db_url) == before


def test_synthetic_values_never_replace_real_ones(seeded_db_url):
    engine = engine_for(seeded_db_url)
    load(engine, _real_kommun_value(100.0))
    result = load(engine, demo_frames())
    assert result.skipped == 1
    values = read_table(seeded_db_url, "indicator_value").set_index(["indicator_id", "area_code", "year"])
    kept = values.loc[("lss_ibic_alla_utredningar", "1280", 2021)]
    assert (kept.raw_value, kept.value) == ("Ja", 100.0)


def test_real_values_replace_synthetic_ones_and_comparison_follows(demo_db_url):
    engine = engine_for(demo_db_url)
    load(engine, _real_kommun_value(0.0))
    comparison = read_table(demo_db_url, "indicator_comparison").set_index(
        ["indicator_id", "area_code", "year"])
    row = comparison.loc[("lss_ibic_alla_utredningar", "1280", 2021)]
    assert row.value == 0.0 and not bool(row.synthetic) and row.colour == "rod"


def test_a_bad_row_writes_nothing(seeded_db_url):
    engine = engine_for(seeded_db_url)
    before = dump(seeded_db_url)
    bad = _real_kommun_value(50.0)
    bad.tables["indicator_value"].loc[0, "area_code"] = "9999"  # no such area: FK violation
    with pytest.raises(IntegrityError):  # also from PostgreSQL's COPY, which bypasses SQLAlchemy
        load(engine, bad)
    assert dump(seeded_db_url) == before


def test_a_key_twice_in_one_load_is_bad_input_and_writes_nothing(seeded_db_url):
    engine = engine_for(seeded_db_url)
    before = dump(seeded_db_url)
    twice = _real_kommun_value(50.0)
    twice.tables["indicator_value"] = pd.concat([twice.tables["indicator_value"]] * 2)
    with pytest.raises(BadInput, match="the same key appears twice"):
        load(engine, twice)
    assert dump(seeded_db_url) == before


KILL_MID_LOAD = textwrap.dedent("""
    import os, signal, sys
    import jamfor.seed.load
    from jamfor.seed.db import engine_for
    from jamfor.seed.seeding import run_seed

    def die(conn, touched):
        os.kill(os.getpid(), signal.SIGKILL)  # rows are written, the transaction is open

    jamfor.seed.load.rebuild_derived = die
    run_seed(engine_for(sys.argv[1]), demo=True, force=True)
""")


def test_a_process_killed_mid_load_leaves_the_previous_data_intact(demo_db_url, tmp_path):
    before = dump(demo_db_url)
    script = tmp_path / "kill.py"
    script.write_text(KILL_MID_LOAD)
    proc = subprocess.run([sys.executable, str(script), demo_db_url], env=os.environ.copy(),
                          capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert dump(demo_db_url) == before


def _defines(indicator_id: str, ref: str = "workbook.xlsx") -> SourceFrames:
    indicator = pd.DataFrame([{"indicator_id": indicator_id, "title": indicator_id,
                               "short_title": indicator_id, "verksamhet": "LSS", "kind": "indikator",
                               "unit": "procent", "higher_is_better": True, "source": "test",
                               "description": "test"}])
    values = pd.DataFrame([{"indicator_id": indicator_id, "area_code": "1280", "year": 2021,
                            "value": 50.0, "status": "ok", "raw_value": "50"}])
    return SourceFrames("oj_excel", ref, "1" * 64, False,
                        {"indicator": indicator, "indicator_value": values})


def test_reloading_an_input_of_one_name_keeps_the_indicator_it_no_longer_defines(seeded_db_url):
    engine = engine_for(seeded_db_url)
    load(engine, _defines("oj_old"))
    load(engine, _defines("oj_new"))
    assert {"oj_old", "oj_new"} <= set(read_table(seeded_db_url, "indicator").indicator_id)


def test_replacing_an_input_that_defines_another_indicator_drops_the_old_one(seeded_db_url):
    engine = engine_for(seeded_db_url)
    load(engine, _defines("oj_old"))
    load(engine, _defines("oj_new"), replace=True)
    ids = set(read_table(seeded_db_url, "indicator").indicator_id)
    assert "oj_new" in ids and "oj_old" not in ids
    assert set(read_table(seeded_db_url, "indicator_value").indicator_id) >= {"oj_new"}


def test_an_indicator_another_input_still_uses_is_kept(seeded_db_url):
    engine = engine_for(seeded_db_url)
    load(engine, _defines("oj_old"))
    other = _defines("oj_old", ref="other.xlsx")
    other.tables = {"indicator_value": other.tables["indicator_value"].assign(area_code="1281")}
    load(engine, other)
    load(engine, _defines("oj_new"), replace=True)
    assert {"oj_old", "oj_new"} <= set(read_table(seeded_db_url, "indicator").indicator_id)
