"""Benchmark at national scale: 312 areas × N indicators × 10 years (N = 1,000: 3.1 M values).

Each case runs in its own process (peak RSS is the process's) against a fresh scratch database, on
SQLite and PostgreSQL, with baselines measured in the same run:

- raw: the values into indicator_value in one transaction by the driver itself (SQLite executemany of
  tuples; PostgreSQL COPY), nothing else: the floor;
- to_sql: pandas ``DataFrame.to_sql`` through a SQLAlchemy engine into an empty table;
- jamfor: ``jamfor.seed.load.load`` of the same values in loads of ``--per-load`` indicators (as a
  Kolada run of that many KPIs comes), each one transaction with provenance, replacement rules and
  the derived tables; then one more indicator (3,120 values) into the full warehouse; then every
  query the shipped ÖJ charts and native filters issue (``chart_queries``), ``--repeat`` times each;
- kolada: the same numbers as N KPIs from a Kolada-shaped server on 127.0.0.1 (``kolada_national``,
  in a process of its own), loaded by jamfor's Kolada loader as one `jamfor load kolada --kpi …`
  command does: one transaction of parts of ``--per-load`` KPIs, each part's metadata read into
  indicators and its values paged, cached and read in a worker process while the part before is
  written (issue 26: 1,000 KPIs of metadata and values).

The data are synthetic (bench/national.py) and only ever go into the scratch databases.
Run: ``.venv/bin/python bench/bench_national.py --indicators 1000`` (3.1 M, minutes), or
``--indicators 32`` (0.1 M, the CI smoke case).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from chart_queries import chart_queries, uses_index
from kolada_national import kpi_ids
from national import YEARS, all_values, national_frames, new_indicator_rows, one_more_indicator
from sqlalchemy import create_engine, text

from jamfor.cli.kolada import kolada_http
from jamfor.seed.bulk import copy_csv, insert_rows
from jamfor.seed.db import engine_for
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load
from jamfor.seed.reference import reference_frames
from jamfor.seed.schema import create_all, indicator, load_batch
from jamfor.seed.seeding import load_parts
from jamfor.seed.sources.kolada import read_kolada

HERE = Path(__file__).parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepared(url: str):
    """A warehouse with the reference data and catalogue, as every case starts from."""
    engine = engine_for(url)
    load(engine, reference_frames())
    return engine


def case_raw(url: str, n: int, _per_load: int) -> dict:
    engine = _prepared(url)
    values = all_values(n)
    with engine.begin() as conn:
        batch = conn.execute(load_batch.insert().values(
            source="raw", source_ref="raw", sha256="", content_sha256="", started_at=datetime(2000, 1, 1),
            rows=0, synthetic=True,
            jamfor_version="bench")).inserted_primary_key[0]
        insert_rows(conn, indicator, new_indicator_rows(n).assign(batch_id=batch))
    values = values.assign(batch_id=batch)
    start = time.perf_counter()
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        if engine.dialect.name == "postgresql":
            sql = (f"COPY indicator_value ({', '.join(values.columns)}) FROM STDIN WITH (FORMAT csv, "
                   "NULL '\\N')")
            for s in range(0, len(values), 500_000):
                copy_csv(cursor, engine.dialect.driver, sql, values.iloc[s:s + 500_000])
        else:
            sql = (f"INSERT INTO indicator_value ({', '.join(values.columns)}) "
                   f"VALUES ({', '.join('?' * len(values.columns))})")
            rows = values.astype(object).where(values.notna(), None)
            cursor.executemany(sql, rows.itertuples(index=False, name=None))
    return {"seconds": time.perf_counter() - start, "rows": len(values), "peak_mb": _peak_mb()}


def case_to_sql(url: str, n: int, _per_load: int) -> dict:
    values = all_values(n)
    engine = create_engine(url)
    start = time.perf_counter()
    values.to_sql("indicator_value_baseline", engine, index=False, chunksize=10_000)
    return {"seconds": time.perf_counter() - start, "rows": len(values), "peak_mb": _peak_mb()}


def _p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


QUERY_LIMIT_S = 10


def _query_times(engine, sql: str, repeat: int) -> list[float]:
    """Wall times of ``repeat`` runs; one run only when it takes over a second; none (a miss that
    is reported as such) when it runs longer than QUERY_LIMIT_S and is cancelled."""
    times: list[float] = []
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET statement_timeout = '{QUERY_LIMIT_S}s'")
            cancel = None
        else:
            cancel = threading.Timer(QUERY_LIMIT_S, conn.connection.driver_connection.interrupt)
            cancel.start()
        try:
            for _ in range(repeat):
                start = time.perf_counter()
                conn.exec_driver_sql(sql).fetchall()
                times.append(time.perf_counter() - start)
                if cancel is not None:
                    cancel.cancel()
                if times[-1] > 1:
                    break
        except Exception:  # cancelled by the limit
            return []
        finally:
            if cancel is not None:
                cancel.cancel()
    return times


def _dead_rows(engine) -> dict:
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        rows = conn.execute(text(
            "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname IN ('indicator_value', 'indicator_comparison_base')")).all()
    return {r.relname: {"live": r.n_live_tup, "dead": r.n_dead_tup} for r in rows}


def case_jamfor(url: str, n: int, per_load: int, repeat: int = 20) -> dict:
    engine = _prepared(url)
    rows = 0
    start = time.perf_counter()
    for frames in national_frames(n, per_load):
        rows += len(frames.tables["indicator_value"])
        load(engine, frames)
    full = time.perf_counter() - start
    peak = _peak_mb()
    small = one_more_indicator(n)
    start = time.perf_counter()
    load(engine, small)
    small_seconds = time.perf_counter() - start
    queries = {}
    for name, sql in chart_queries():
        times = _query_times(engine, sql, repeat)
        with engine.connect() as conn:
            queries[name] = {"p95_ms": 1000 * _p95(times) if times else None,
                             "index": uses_index(conn, sql)}
    return {"seconds": full, "rows": rows, "peak_mb": peak, "small_load_seconds": small_seconds,
            "queries": queries, "dead_rows": _dead_rows(engine)}


@contextmanager
def kolada_server(n: int) -> Iterator[str]:
    """The Kolada-shaped server of ``n`` KPIs in a process of its own; yields its base URL once every
    answer is ready."""
    server = subprocess.Popen([sys.executable, str(HERE / "kolada_national.py"), str(n)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip() if server.stdout else ""
        if not port.isdigit():
            raise SystemExit(f"the benchmark's Kolada server did not start (exit {server.poll()})")
        yield f"http://127.0.0.1:{port}/v3"
    finally:
        server.terminate()
        server.wait()


def case_kolada(url: str, n: int, per_load: int) -> dict:
    """One ``read_kolada`` of every KPI (KPI records, indicators, each page through the response cache)
    then ``load_parts``, as one `jamfor load kolada --kpi …` command does: one transaction, ``per_load``
    KPIs a part, each part read in a worker process while the one before is written. The batches are
    marked synthetic. ``read_seconds`` is the time the loader waited for a part (the first part's whole
    read, then what the reading did not overlap); ``reader_peak_mb`` the worker's peak RSS."""
    engine = _prepared(url)
    reading, rows = 0.0, 0

    def timed(parts: Iterator[SourceFrames]) -> Iterator[SourceFrames]:
        nonlocal reading, rows
        while True:
            begun = time.perf_counter()
            frames = next(parts, None)
            reading += time.perf_counter() - begun
            if frames is None:
                return
            frames.synthetic = True
            rows += len(frames.tables["indicator_value"])
            yield frames
            del frames  # not held while the next part is read, as the loader holds none

    with tempfile.TemporaryDirectory() as cache, kolada_server(n) as base_url:
        os.environ["XDG_CACHE_HOME"] = cache
        os.environ["JAMFOR_KOLADA_PER_LOAD"] = str(per_load)
        start = time.perf_counter()
        source = read_kolada(kolada_http(refresh=False), kpis=kpi_ids(n), years=f"{YEARS[0]}-{YEARS[-1]}",
                             base_url=base_url)
        source.loads = timed(iter(source.loads))
        load_parts(engine, source)
        seconds = time.perf_counter() - start
        # the worker has ended (the server, the only other child, has not): the largest child is it
        reader_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb(), "read_seconds": reading,
            "reader_peak_mb": reader_mb}


CASES: dict[str, Callable[..., dict]] = {"raw": case_raw, "to_sql": case_to_sql, "jamfor": case_jamfor,
                                         "kolada": case_kolada}


def _scratch(kind: str, pg_admin: str, folder: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{Path(folder) / f'{uuid.uuid4().hex}.db'}", lambda: None
    name = f"jamfor_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return pg_admin.rsplit("/", 1)[0] + f"/{name}", drop


def run_case(case: str, kind: str, n: int, per_load: int, pg_admin: str) -> dict:
    """One case in a child process, on a scratch database dropped afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        url, drop = _scratch(kind, pg_admin, folder)
        try:
            out = subprocess.run([sys.executable, __file__, "--child", case, url, str(n), str(per_load)],
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"{case} on {kind} failed:\n{out.stderr[-3000:]}")
        finally:
            drop()
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(kind: str, results: dict) -> None:
    raw, to_sql, jam, kolada = (results.get(c) for c in ("raw", "to_sql", "jamfor", "kolada"))
    print(f"\n{kind}: {jam['rows']:,} values")
    print("| path | seconds | × raw | to_sql ÷ path | peak RSS MB |")
    print("|---|---|---|---|---|")
    paths = [("raw driver", raw), ("pandas to_sql", to_sql), ("jamfor load", jam),
             *([("jamfor load kolada", kolada)] if kolada else [])]
    for name, r in paths:
        print(f"| {name} | {r['seconds']:.1f} | {r['seconds'] / raw['seconds']:.2f} | "
              f"{to_sql['seconds'] / r['seconds']:.2f} | {r['peak_mb']:.0f} |")
    if kolada:
        peak = kolada["reader_peak_mb"]
        reader = f"the reading process's peak RSS {peak:.0f} MB" if peak else "one part, read in the loader"
        print(f"\nkolada: {kolada['rows']:,} values; waiting for the reading "
              f"{kolada['read_seconds']:.1f} s of {kolada['seconds']:.1f} s; {reader}")
    print(f"\nsmall load (one more indicator, 3,120 values): {jam['small_load_seconds']:.2f} s")
    print("\n| query | p95 ms | index |")
    print("|---|---|---|")
    for name, q in jam["queries"].items():
        p95 = "cancelled" if q["p95_ms"] is None else f"{q['p95_ms']:.1f}"
        print(f"| {name} | {p95} | {'yes' if q['index'] else 'no'} |")
    if jam["dead_rows"]:
        print(f"\ndead rows after the loads: {jam['dead_rows']}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, url, n, per_load = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        create_all(engine_for(url))
        print(json.dumps(CASES[case](url, n, per_load)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=32, help="1000 for the national 3.1 M case")
    parser.add_argument("--per-load", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="admin URL of a PostgreSQL server to create scratch databases on")
    parser.add_argument("--without-kolada", action="store_true",
                        help="leave the Kolada path out (CI's PostgreSQL smoke run: it is the same loader)")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    cases = [c for c in CASES if not (args.without_kolada and c == "kolada")]
    print(f"{args.indicators} indicators × 312 areas × 10 years; jamfor in loads of {args.per_load}")
    for kind in kinds:
        results = {}
        for case in cases:
            results[case] = run_case(case, kind, args.indicators, args.per_load, args.pg)
            print(f"{kind} {case}: {json.dumps(results[case])}", flush=True)  # kept if a later case fails
        report(kind, results)


if __name__ == "__main__":
    main()
