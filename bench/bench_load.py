"""Benchmark: how long a load takes, as ratios against a baseline measured in the same run.

Baseline: pandas ``DataFrame.to_sql`` of the demo's indicator_value rows into an empty table (the
plainest way to get the rows into the database: no transaction rules, no provenance, no derived
tables). Measured against it, on SQLite and PostgreSQL:

- full seed: reference, catalogues, published figures, ÖJ and SKR demo (about 111,000 rows), each
  load rebuilding the derived tables whose inputs it changed;
- unchanged re-seed: the same inputs again (recognised and skipped);
- forced demo reload: the demo batch replaced in place, derived tables rebuilt;
- derive only: computing indicator_comparison, and the skr_* tables, from the loaded tables.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_load.py [--repeat N] [--pg URL]``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from jamfor.seed.db import engine_for
from jamfor.seed.derive import DERIVED
from jamfor.seed.load import load
from jamfor.seed.seeding import run_seed
from jamfor.seed.sources.synthetic_oj import demo_frames


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextmanager
def sqlite_db() -> Iterator[Callable[[], str]]:
    with tempfile.TemporaryDirectory() as folder:
        yield lambda: f"sqlite:///{Path(folder) / f'{uuid.uuid4().hex}.db'}"


@contextmanager
def pg_db(admin_url: str) -> Iterator[Callable[[], str]]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def fresh() -> str:
        name = f"jamfor_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return admin_url.rsplit("/", 1)[0] + f"/{name}"

    try:
        yield fresh
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench(fresh: Callable[[], str], repeat: int) -> dict[str, float]:
    rows = demo_frames().tables["indicator_value"]

    def baseline() -> None:
        engine = create_engine(fresh())
        rows.to_sql("indicator_value_baseline", engine, index=False, chunksize=5000)
        engine.dispose()

    def full_seed() -> None:
        run_seed(engine_for(fresh()), demo=True)

    seeded = engine_for(fresh())
    run_seed(seeded, demo=True)

    def derive_only(builder) -> Callable[[], None]:
        def run() -> None:
            with seeded.begin() as conn:
                builder.build(conn, None)  # None: everything, as a first load does
        return run

    builders = {b.name: b for b in DERIVED}

    results = {
        "baseline: pandas to_sql of the demo rows": timed(baseline, repeat),
        "full seed (reference, catalogues, published, ÖJ + SKR demo)": timed(full_seed, repeat),
        "unchanged re-seed (skipped)": timed(lambda: run_seed(seeded, demo=True), repeat),
        "forced demo reload (replace + derived)": timed(lambda: load(seeded, demo_frames(), force=True),
                                                        repeat),
        "derive only: indicator_comparison": timed(derive_only(builders["indicator_comparison"]),
                                                   repeat),
        "derive only: the skr_* tables": timed(derive_only(builders["skr"]), repeat),
    }
    seeded.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="admin URL of a PostgreSQL server to create scratch databases on")
    args = parser.parse_args()
    print(f"demo rows: {len(demo_frames().tables['indicator_value'])}; median of {args.repeat} runs")
    for name, factory in (("SQLite", sqlite_db()), ("PostgreSQL", pg_db(args.pg))):
        with factory as fresh:
            results = bench(fresh, args.repeat)
        base = next(iter(results.values()))
        print(f"\n{name}")
        print(f"| {'measure':<60} | {'seconds':>8} | {'× baseline':>10} |")
        print(f"|{'-' * 62}|{'-' * 10}|{'-' * 12}|")
        for label, seconds in results.items():
            print(f"| {label:<60} | {seconds:>8.3f} | {seconds / base:>10.2f} |")


if __name__ == "__main__":
    main()
