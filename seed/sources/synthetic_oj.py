"""Synthetic kommun- and stadsdel-level ÖJ values that reproduce the published riket figures.

Socialstyrelsen publishes kommun-level results only in its Excel workbooks, which we cannot ship; the
demo needs something to compare. Every value made here is synthetic, and its batch says so. What is
real is kept exact:

- riket, computed as Socialstyrelsen does (share of responding kommuner and Stockholm stadsdelar
  answering ja; socionom share as all socionomer / all handläggare), rounds to every published figure;
- the socionom share reproduces Figur 1: län from 65 % to 94 %, and Jönköping, Västmanland and
  Västernorrland missing through bortfall (more than 20 % of their kommuner did not answer);
- the response rate of the LSS part rounds to the published 95 %.

Stockholm is represented by its stadsdelsområden, as in ÖJ; kommun 0180 and the län are derived from
the units with the same rules Socialstyrelsen uses, rounded to whole percent as published.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamfor.seed.frames import SourceFrames
from jamfor.seed.reference import STOCKHOLM, area_frame, stadsdelar_valid_in
from jamfor.seed.sources.published import published_figures

SEED = 20211
NON_RESPONSE = 0.05
BORTFALL_SHARE = 0.20
SOCIONOM = "lss_handlaggare_socionomexamen"
SOCIONOM_BORTFALL_LAN = ("06", "19", "22")  # Jönköping, Västmanland, Västernorrland (Figur 1)
SOCIONOM_LAN_RANGE = {"23": 65, "13": 94}   # the län that hold Figur 1's minimum and maximum
KOMPETENS = "lss_kompetensplan_samlad"
KOMPETENS_PARTS = ("lss_kompetensplan_fortbildning", "lss_kompetensplan_handledning")
CHURN = 0.04
SOURCE_REF = f"jamfor demo: synthetic ÖJ LSS values (seed {SEED})"


def round_half_up(numerator: int, denominator: int) -> int:
    """Whole percent of numerator/denominator, half up, in exact integer arithmetic."""
    return (200 * numerator + denominator) // (2 * denominator)


def _rng(*key: object) -> np.random.Generator:
    """A generator per purpose, so adding an indicator never changes another's values."""
    return np.random.default_rng([SEED, zlib.crc32("/".join(map(str, key)).encode())])


@dataclass(frozen=True)
class Units:
    """The answering units of one survey year: kommuner (Stockholm as stadsdelar) and who answered."""

    year: int
    codes: list[str]
    lan: dict[str, str]
    responders: list[str]


def _units(areas: pd.DataFrame, year: int) -> tuple[list[str], dict[str, str]]:
    kommuner = areas[(areas.level == "kommun") & (areas.area_code != STOCKHOLM)]
    stadsdelar = stadsdelar_valid_in(year, areas)
    both = pd.concat([kommuner, stadsdelar])
    return list(both.area_code), dict(zip(both.area_code, both.lan_code))


def _missing_target(n: int) -> int:
    """How many units did not answer: about 5 %, with the response rate rounding to 95 %."""
    missing = round(n * NON_RESPONSE)
    while round_half_up(n - missing, n) != 95:
        missing += 1 if round_half_up(n - missing, n) > 95 else -1
    return missing


def _choose_missing(codes: list[str], lan: dict[str, str], year: int,
                    bortfall_lan: tuple[str, ...]) -> set[str]:
    """Non-responders such that exactly the ``bortfall_lan`` exceed the 20 % rule."""
    rng = _rng("missing", year)
    by_lan = pd.Series(lan).groupby(pd.Series(lan)).apply(lambda s: list(s.index))
    missing: set[str] = set()
    for code in bortfall_lan:
        members = sorted(by_lan[code])
        need = int(np.floor(len(members) * BORTFALL_SHARE)) + 1
        missing |= set(rng.choice(members, size=need, replace=False))
    target = _missing_target(len(codes))
    candidates = [c for c in codes if lan[c] not in bortfall_lan]
    allowed = {k: int(np.floor(len(v) * BORTFALL_SHARE)) for k, v in by_lan.items()}
    used = {k: 0 for k in by_lan.index}
    for code in rng.permutation(candidates):
        if len(missing) >= target:
            break
        if used[lan[code]] < allowed[lan[code]]:
            missing.add(str(code))
            used[lan[code]] += 1
    return missing


def _yes_count(percent: float, n: int) -> int:
    """The number of ja answers among n that rounds to the published percent, nearest to it."""
    k = int(round(percent * n / 100))
    candidates = [c for c in range(max(0, k - 3), min(n, k + 3) + 1)
                  if round_half_up(c, n) == int(percent)]
    if not candidates:
        raise ValueError(f"no count of {n} rounds to {percent} %")
    return min(candidates, key=lambda c: abs(100 * c / n - percent))


def _evolve(rng: np.random.Generator, previous: set[str], responders: list[str], k: int) -> set[str]:
    """Next year's ja set: mostly last year's, a little churn, resized to k."""
    pool = sorted(responders)
    yes = sorted(previous & set(pool))
    churn = int(round(CHURN * len(pool)))
    if yes and churn:
        drop = set(rng.choice(yes, size=min(churn, len(yes)), replace=False))
        yes = [c for c in yes if c not in drop]
    yes_set = set(yes)
    no = sorted(set(pool) - yes_set)
    if len(yes_set) < k:
        yes_set |= set(rng.choice(no, size=k - len(yes_set), replace=False))
    elif len(yes_set) > k:
        yes_set -= set(rng.choice(sorted(yes_set), size=len(yes_set) - k, replace=False))
    return {str(c) for c in yes_set}


def _yes_sets(indicator_id: str, targets: dict[int, float], units: dict[int, Units],
              inside: dict[int, set[str]] | None = None) -> dict[int, set[str]]:
    """Persistent ja sets per year matching the published share; optionally a superset of ``inside``."""
    rng = _rng("yes", indicator_id)
    sets: dict[int, set[str]] = {}
    previous: set[str] = set()
    for year in sorted(targets):
        responders = units[year].responders
        k = _yes_count(targets[year], len(responders))
        base = inside[year] if inside else set()
        rest = [c for c in responders if c not in base]
        chosen = _evolve(rng, previous - base, rest, k - len(base)) | base
        sets[year] = chosen
        previous = chosen
    return sets


def _unit_rows(indicator_id: str, year: int, units: Units, yes: set[str]) -> list[dict]:
    rows = []
    for code in units.codes:
        if code in units.responders:
            answer = code in yes
            rows.append(dict(indicator_id=indicator_id, area_code=code, year=year,
                             value=100.0 if answer else 0.0, status="ok",
                             raw_value="Ja" if answer else "Nej",
                             numerator=float(answer), denominator=1.0))
        else:
            rows.append(dict(indicator_id=indicator_id, area_code=code, year=year, value=None,
                             status="ej_besvarad", raw_value="", numerator=None, denominator=None))
    return rows


def aggregate_rows(unit_rows: pd.DataFrame, members: dict[str, list[str]]) -> pd.DataFrame:
    """Län (or Stockholm) values from their units: sum of numerators over sum of denominators,
    rounded to whole percent as published; bortfall where more than 20 % of the units did not answer."""
    membership = pd.DataFrame([(group, code) for group, codes in members.items() for code in codes],
                              columns=["group", "area_code"])
    rows = unit_rows.merge(membership, on="area_code")
    rows["answered"] = rows.status.eq("ok")
    answered = rows[rows.answered]
    keys = ["indicator_id", "year", "group"]
    totals = rows.groupby(keys).answered.agg(["size", "sum"]).join(
        answered.groupby(keys)[["numerator", "denominator"]].sum()).reset_index()
    bortfall = (1 - totals["sum"] / totals["size"] > BORTFALL_SHARE) | totals["sum"].eq(0)
    num, den = totals.numerator.fillna(0).astype(int), totals.denominator.fillna(1).astype(int)
    share = [float(round_half_up(n, d)) for n, d in zip(num, den)]
    return pd.DataFrame({
        "indicator_id": totals.indicator_id,
        "area_code": totals.group,
        "year": totals.year.astype(int),
        "value": pd.Series(share).where(~bortfall, None),
        "status": bortfall.map({True: "bortfall", False: "ok"}),
        "raw_value": pd.Series([f"{n}/{d}" for n, d in zip(num, den)]).where(~bortfall, "-"),
        "numerator": totals.numerator.where(~bortfall, None),
        "denominator": totals.denominator.where(~bortfall, None),
    })


def _socionom_counts(units: Units, areas: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Handläggare and socionomer per answering unit, so that län and riket match Figur 1."""
    rng = _rng("socionom", units.year)
    group = dict(zip(areas.area_code, areas.kommungrupp.fillna("C9")))
    size = {"A": (6, 18), "B": (3, 12), "C": (1, 7)}
    n = {c: int(rng.integers(*size[group[c][0]])) for c in units.responders}
    by_lan: dict[str, list[str]] = {}
    for code in units.responders:
        by_lan.setdefault(units.lan[code], []).append(code)
    lans = sorted(by_lan)
    middle = [lan for lan in lans if lan not in SOCIONOM_LAN_RANGE]
    targets = dict(zip(middle, rng.uniform(70, 90, len(middle))))
    targets.update({k: float(v) for k, v in SOCIONOM_LAN_RANGE.items()})
    total_n = {lan: sum(n[c] for c in by_lan[lan]) for lan in lans}
    s_lan = {}
    for lan in lans:
        s = int(round(targets[lan] * total_n[lan] / 100))
        if lan in SOCIONOM_LAN_RANGE:
            s = _yes_count(SOCIONOM_LAN_RANGE[lan], total_n[lan])
        s_lan[lan] = s
    riket_target = int(published_figures().set_index(["indicator_id", "year"])
                       .loc[(SOCIONOM, units.year), "value"])
    for step in range(10_000):
        total_s, total = sum(s_lan.values()), sum(total_n.values())
        if abs(100 * total_s / total - riket_target) < 0.4:
            break
        lan = middle[step % len(middle)]
        delta = 1 if 100 * total_s / total < riket_target else -1
        share = 100 * (s_lan[lan] + delta) / total_n[lan]
        if 66 <= share <= 93:
            s_lan[lan] += delta
    else:
        raise ValueError("could not match the published riket socionom share")
    s = {}
    for lan in lans:
        codes = by_lan[lan]
        exact = {c: n[c] * s_lan[lan] / total_n[lan] for c in codes}
        floor = {c: int(np.floor(v)) for c, v in exact.items()}
        left = s_lan[lan] - sum(floor.values())
        for c in sorted(codes, key=lambda c: floor[c] - exact[c])[:left]:
            floor[c] += 1
        s.update(floor)
    return n, s


def _socionom_rows(units: Units, areas: pd.DataFrame) -> list[dict]:
    n, s = _socionom_counts(units, areas)
    rows = []
    for code in units.codes:
        base = dict(indicator_id=SOCIONOM, area_code=code, year=units.year)
        if code in n:
            rows.append({**base, "value": 100 * s[code] / n[code], "status": "ok",
                         "raw_value": f"{s[code]}/{n[code]}", "numerator": float(s[code]),
                         "denominator": float(n[code])})
        else:
            rows.append({**base, "value": None, "status": "ej_besvarad", "raw_value": "",
                         "numerator": None, "denominator": None})
    return rows


def demo_values() -> pd.DataFrame:
    """Every synthetic indicator_value row: units, Stockholm as a whole, and the län."""
    areas = area_frame()
    figures = published_figures()
    figures = figures[~figures.indicator_id.str.contains("svarsfrekvens")]
    years = sorted(figures.year.unique())
    units: dict[int, Units] = {}
    for year in years:
        codes, lan = _units(areas, int(year))
        bortfall = SOCIONOM_BORTFALL_LAN if year == 2021 else ()
        missing = _choose_missing(codes, lan, int(year), bortfall)
        units[int(year)] = Units(int(year), codes, lan, [c for c in codes if c not in missing])
    targets = {ind: dict(zip(f.year.astype(int), f.value))
               for ind, f in figures.groupby("indicator_id")}
    rows: list[dict] = []
    samlad = _yes_sets(KOMPETENS, targets.pop(KOMPETENS), units)
    rows += [r for y, yes in samlad.items() for r in _unit_rows(KOMPETENS, y, units[y], yes)]
    for part in KOMPETENS_PARTS:
        sets = _yes_sets(part, targets.pop(part), units, inside=samlad)
        rows += [r for y, yes in sets.items() for r in _unit_rows(part, y, units[y], yes)]
    for year in targets.pop(SOCIONOM):
        rows += _socionom_rows(units[int(year)], areas)
    for indicator_id, by_year in targets.items():
        sets = _yes_sets(indicator_id, by_year, units)
        rows += [r for y, yes in sets.items() for r in _unit_rows(indicator_id, y, units[y], yes)]
    unit_rows = pd.DataFrame(rows)
    stadsdelar = list(areas.loc[areas.level == "stadsdel", "area_code"])
    lan_members = {
        lan: list(codes)
        for lan, codes in areas[areas.level.isin(["kommun", "stadsdel"])
                                & (areas.area_code != STOCKHOLM)]
        .groupby("lan_code").area_code
    }
    derived = aggregate_rows(unit_rows, {STOCKHOLM: stadsdelar, **lan_members})
    return pd.concat([unit_rows, derived], ignore_index=True)


def demo_frames() -> SourceFrames:
    return SourceFrames.synthetic_batch(
        "demo", SOURCE_REF, {"indicator_value": demo_values()},
        attribution="Syntetiska demovärden på kommunnivå (jamfor demo) – inte Socialstyrelsens data")
