"""Synthetic national-scale data for the benchmark: 312 areas (riket, 21 län, 290 kommuner) × N
indicators × 10 years. Benchmark data only: it is generated here, loaded into scratch databases the
benchmark creates and drops, and never into a user's warehouse.

The first indicators are the shipped catalogue's, so the dashboards' saved filters (indicator titles,
Malmö, Skåne län, 2021) find rows; the rest are generated ``bench_NNNN`` indicators, defined in the same
batches as their values. Every value is deterministic (a fixed seed), so runs compare.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from jamfor.seed.frames import SourceFrames
from jamfor.seed.reference import reference_frames

YEARS = tuple(range(2012, 2022))
AREAS_PER_YEAR = 312


def national_areas() -> pd.Series:
    """Riket, the 21 län and the 290 kommuner: the 312 area codes every indicator has values for."""
    areas = reference_frames().tables["area"]
    return areas.loc[areas.level.isin(["riket", "lan", "kommun"]), "area_code"].reset_index(drop=True)


def _catalogue_ids() -> list[str]:
    return list(reference_frames().tables["indicator"]["indicator_id"])


def _indicator_rows(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": ids, "title": [f"Benchmarkindikator {i}" for i in ids],
        "short_title": [f"Bench {i}" for i in ids], "verksamhet": "Benchmark", "kind": "indikator",
        "unit": "procent", "higher_is_better": [n % 3 != 0 for n in range(len(ids))],
        "source": "jamfor benchmark (syntetiska värden)", "description": "Syntetiskt benchmarkvärde."})


def indicator_values(ids: list[str], areas: pd.Series, first: int) -> pd.DataFrame:
    """Values of ``ids`` for ``areas``, the k-th indicator of the national set drawn from seed k (so
    the Kolada path, bench/kolada_national.py, serves the same numbers under Kolada's codes)."""
    per_indicator = len(areas) * len(YEARS)
    # Strings are shared objects (repeats of a few), so 3 M rows cost pointers, not copies.
    area_col = np.repeat(areas.to_numpy(dtype=object), len(YEARS))
    year_col = np.tile(np.array(YEARS, dtype=np.int64), len(areas))
    frames = []
    for k, indicator_id in enumerate(ids, start=first):
        rng = np.random.default_rng(k)
        missing = rng.random(per_indicator) < 0.05
        frames.append(pd.DataFrame({
            "indicator_id": np.full(per_indicator, indicator_id, dtype=object), "area_code": area_col,
            "year": year_col,
            "value": np.where(missing, np.nan, np.round(rng.uniform(0, 100, per_indicator), 1)),
            "status": np.where(missing, "bortfall", "ok").astype(object)}))
    frame = pd.concat(frames, ignore_index=True)
    frame["status"] = frame["status"].map({"ok": "ok", "bortfall": "bortfall"}).astype(object)
    return frame


def indicator_ids(n_indicators: int) -> list[str]:
    catalogue = _catalogue_ids()[:n_indicators]
    return catalogue + [f"bench_{i:04d}" for i in range(n_indicators - len(catalogue))]


def national_frames(n_indicators: int, per_load: int) -> Iterator[SourceFrames]:
    """The national data set as loads of ``per_load`` indicators each (as a Kolada run of that many
    KPIs would come), each defining its new indicators and holding their values."""
    areas, catalogue = national_areas(), set(_catalogue_ids())
    ids = indicator_ids(n_indicators)
    for start in range(0, len(ids), per_load):
        chunk = ids[start:start + per_load]
        tables = {"indicator_value": indicator_values(chunk, areas, first=start)}
        new = [i for i in chunk if i not in catalogue]
        if new:
            tables = {"indicator": _indicator_rows(new), **tables}
        ref = f"benchmark indicators {start}–{start + len(chunk) - 1}"
        yield SourceFrames.synthetic_batch("benchmark", ref, tables, "Syntetiska benchmarkvärden")


def one_more_indicator(n_indicators: int) -> SourceFrames:
    """The small load: one indicator not in the national set, 3,120 values."""
    new_id = f"bench_extra_{n_indicators:05d}"
    tables = {"indicator": _indicator_rows([new_id]),
              "indicator_value": indicator_values([new_id], national_areas(), first=n_indicators)}
    return SourceFrames.synthetic_batch("benchmark", "benchmark: one more indicator", tables,
                                        "Syntetiska benchmarkvärden")


def all_values(n_indicators: int) -> pd.DataFrame:
    """Every value of the national set in one frame, for the baselines."""
    return indicator_values(indicator_ids(n_indicators), national_areas(), first=0)


def new_indicator_rows(n_indicators: int) -> pd.DataFrame:
    catalogue = set(_catalogue_ids())
    return _indicator_rows([i for i in indicator_ids(n_indicators) if i not in catalogue])
