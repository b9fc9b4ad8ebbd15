"""Benchmark: Kolada's comparison groups at the size Kolada has them, beside N indicators.

Kolada lists about twelve "liknande kommuner" groups per kommun (one per verksamhet), each of seven
other kommuner: 3,480 groups and 24,360 memberships for the 290 kommuner. This loads N synthetic
indicators (bench/national.py, in loads of 100) into a scratch database, then such a set of synthetic
groups, and measures, each against a baseline of the same run:

- the groups' load, against the last load of 100 indicators;
- one more indicator (3,120 values) after the groups, against one more before them;
- what the Kolada-grupp chart asks (one kommun's groups, one indicator and year) and the same for every
  kommun, p95 of 20 runs, against the comparison view's row for that kommun;
- the process's peak RSS.

Run: ``.venv/bin/python bench/bench_groups.py --indicators 100`` (both databases; ``--db sqlite``).
The data are synthetic and only ever go into the scratch databases.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable

import pandas as pd
from bench_national import _p95, _scratch
from national import indicator_ids, national_frames, one_more_indicator
from sqlalchemy import text

from jamfor.seed.db import engine_for
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load
from jamfor.seed.reference import area_frame, reference_frames

GROUPS_PER_KOMMUN, MEMBERS = 12, 7
MALMO = "1280"


def group_frames() -> SourceFrames:
    """Twelve groups per kommun, each made for it (as Kolada titles them) and holding seven others."""
    kommuner = area_frame().query("level == 'kommun'").sort_values("area_code").area_code.tolist()
    groups, members = [], []
    for i, code in enumerate(kommuner):
        for j in range(GROUPS_PER_KOMMUN):
            group_id = f"B{i:03d}{j:02d}"
            groups.append({"group_id": group_id, "title": f"Liknande kommuner {j}, {code}, 2024",
                           "year": 2024, "area_code": code})
            members += [{"group_id": group_id, "area_code": kommuner[(i + step * (j + 1)) % len(kommuner)]}
                        for step in range(1, MEMBERS + 1)]
    tables = {"kolada_group": pd.DataFrame(groups).astype({"year": "Int64"}),
              "kolada_group_member": pd.DataFrame(members).drop_duplicates()}
    return SourceFrames.synthetic_batch("bench_groups", "benchmark: Kolada-sized groups", tables,
                                        "Syntetiska benchmarkgrupper")


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _p95_ms(engine, sql: str, params: dict) -> float:
    times = []
    with engine.connect() as conn:
        for _ in range(20):
            start = time.perf_counter()
            conn.execute(text(sql), params).all()
            times.append(time.perf_counter() - start)
    return 1000 * _p95(times)


def measure(url: str, n: int) -> dict:
    engine = engine_for(url)
    load(engine, reference_frames())
    last_load = 0.0
    for frames in national_frames(n, 100):
        last_load = _seconds(lambda f=frames: load(engine, f))
    more_before = _seconds(lambda: load(engine, one_more_indicator(n)))
    groups = _seconds(lambda: load(engine, group_frames()))
    more_after = _seconds(lambda: load(engine, one_more_indicator(n + 1)))
    where = {"indicator": indicator_ids(n)[0], "year": 2020, "kommun": MALMO}
    view = "SELECT {} FROM {} WHERE indicator_id = :indicator AND year = :year"
    mine = " AND area_code = :kommun"
    return {
        "groups_s": groups, "last_load_s": last_load, "more_before_s": more_before,
        "more_after_s": more_after,
        "comparison_ms": _p95_ms(engine, view.format("*", "indicator_comparison") + mine, where),
        "one_kommun_ms": _p95_ms(engine, view.format("*", "indicator_group_comparison") + mine, where),
        "every_kommun_ms": _p95_ms(engine, view.format("COUNT(*), AVG(kolada_group_mean)",
                                                       "indicator_group_comparison"), where),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def report(kind: str, r: dict) -> str:
    """One line per database: each figure with its baseline of the same run."""
    ratio = {"groups": r["groups_s"] / r["last_load_s"], "more": r["more_after_s"] / r["more_before_s"],
             "query": r["one_kommun_ms"] / r["comparison_ms"]}
    return (f"{kind}: groups load {r['groups_s']:.2f} s ({ratio['groups']:.2f} × the last load of 100 "
            f"indicators, {r['last_load_s']:.2f} s); one more indicator {r['more_after_s']:.2f} s "
            f"({ratio['more']:.2f} × before the groups, {r['more_before_s']:.2f} s); one kommun's groups p95 "
            f"{r['one_kommun_ms']:.1f} ms ({ratio['query']:.1f} × its comparison row, "
            f"{r['comparison_ms']:.1f} ms); every kommun's {r['every_kommun_ms']:.0f} ms; "
            f"peak RSS {r['peak_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{args.indicators} indicators × 312 areas × 10 years; 3,480 groups of {MEMBERS}")
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        with tempfile.TemporaryDirectory() as folder:
            url, drop = _scratch(kind, args.pg, folder)
            try:
                r = measure(url, args.indicators)
            finally:
                drop()
        print(report(kind, r), flush=True)


if __name__ == "__main__":
    main()
