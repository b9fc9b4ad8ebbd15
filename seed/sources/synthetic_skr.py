"""Synthetic answers to SKR's 2021 insats survey that reproduce the published figures.

SKR publishes kommun-level answers only in per-län Excel files we cannot ship; the dashboards need
something to compare. Every answer made here is synthetic and its batch says so. What is real is kept
exact (``jamfor.seed.derive_skr`` computes the publication's analyses from these rows):

- Skåne län (12) × funktionshinder, number for number: 21 kommuner answered, 19 completed; on average
  21 insatser offered, min 2 and max 34 among those that completed; 50 % give further insatser; the
  top-10 and bottom-10 insatser (number offering and answering); the three "vanligast" lists for form,
  regi and biståndsbeslut (count and number answering); the instance totals 258/110/3 (form),
  294/74/21 (regi) and 268/27/98 (beslut: the publication's three parts, which add up to 393 although its
  chart says 413; see README).
- Riket: answered and completed per område (funktionshinder 214 / 200, the fewest completed; äldre
  232, the most), 128 kommuner completing all six, the shares giving further insatser (barn och unga
  40 %, the highest; funktionshinder 15 %) and wanting to give insatser without biståndsbeslut (barn
  och unga 81 %, the highest; funktionshinder 45 %, the lowest).

Everything else is drawn from seeded generators: plausible (more insatser in storstäder, enskild regi
most common within våld i nära relationer, "utan biståndsbeslut" most common within äldre) and the same
on every run. Stockholm answers per stadsdelsområde, as in SKR's survey.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamfor.seed.frames import SourceFrames
from jamfor.seed.reference import OMRADEN
from jamfor.seed.sources.skr_inventory import answer_units, read_catalog
from jamfor.seed.sources.synthetic_oj import round_half_up

SEED = 202110
SOURCE_REF = f"jamfor demo: synthetic SKR insats survey answers (seed {SEED})"
SKANE = "12"
FH = "funktionshinder"
QUESTIONS = {"form": ("fysisk", "bada", "digital"), "regi": ("kommunal", "bada", "enskild"),
             "bistandsbeslut": ("med", "bada", "utan")}

# Riket per område: (answered, completed, % giving further insatser, % wanting to give insatser without
# biståndsbeslut). From the publication: funktionshinder 214/200, äldre 232 completed (the most), 40 % and
# 81 % for barn och unga (the highest), 15 % and 45 % for funktionshinder (45 % the lowest).
# The other figures are ours, chosen to keep those orderings.
RIKET = {
    "aldre": (245, 232, 21, 62),
    "barn_och_unga": (240, 225, 40, 81),
    "funktionshinder": (214, 200, 15, 45),
    "missbruk_och_beroende": (229, 213, 27, 70),
    "socialpsykiatri": (221, 206, 18, 57),
    "vald_i_nara_relationer": (236, 222, 31, 74),
}
COMPLETED_ALL = 128

# Skåne × funktionshinder, from the publication.
SKANE_ANSWERED, SKANE_COMPLETED = 21, 19
SKANE_MEAN, SKANE_MIN, SKANE_MAX = 21, 2, 34
SKANE_FURTHER = (9, 18)       # 50 %: 9 of the 18 that answered the question
SKANE_WISH = (8, 8, 3)        # ja, nej, vet ej among the 19 that answered (the publication gives only the 19)
# insats: (number offering, number answering) — the top-10 and bottom-10 tables
SKANE_OFFER = {
    "fh_trygghetslarm": (17, 19), "fh_boendestod": (17, 19), "fh_kontaktperson": (17, 19),
    "fh_ledsagning": (17, 19), "fh_korttidsplats_korttidsvistelse": (16, 20),
    "fh_radgivning_och_stod_utan_sarskild_manual": (15, 19), "fh_hemtjanst_i_ordinart_boende": (15, 19),
    "fh_personligt_ombud": (15, 19), "fh_avlosning_i_hemmet_anhorig": (14, 19),
    "fh_mattjanst_matdistribution": (14, 19),
    "fh_bistandsbedomt_trygghetsboende_servicehus": (1, 20), "fh_horselinstruktor": (1, 19),
    "fh_gruppverksamhet_med_peer_support": (1, 19), "fh_kommunalt_bostadsbidrag_kbf": (2, 19),
    "fh_hemvardsbidrag_anhorig": (2, 19), "fh_individuellt_peer_support": (2, 19),
    "fh_syninstruktor": (2, 19), "fh_stodboende": (2, 19), "fh_familjehem": (3, 20),
    "fh_tranings_och_forsokslagenhet_med_boendestod": (3, 20),
}
# question -> category -> [(insats, number answering the question, number in the category)]
SKANE_LISTS: dict[str, dict[str, list[tuple[str, int, int]]]] = {
    "form": {
        "fysisk": [("fh_ledsagning", 17, 16), ("fh_korttidsplats_korttidsvistelse", 15, 15),
                   ("fh_mattjanst_matdistribution", 14, 13), ("fh_avlosning_i_hemmet_anhorig", 14, 13),
                   ("fh_hemtjanst_i_ordinart_boende", 15, 13)],
        "bada": [("fh_personligt_ombud", 15, 12), ("fh_trygghetslarm", 17, 11), ("fh_boendestod", 17, 10),
                 ("fh_generella_stodsamtal_utan_sarskild_manual_anhorig", 12, 7),
                 ("fh_radgivning_och_stod_utan_sarskild_manual", 14, 7)],
        "digital": [("fh_gps_larm_mobila_trygghetslarm", 8, 1),
                    ("fh_radgivning_och_stod_utan_sarskild_manual", 14, 1),
                    ("fh_kommunalt_bostadsbidrag_kbf", 2, 1)],
    },
    "regi": {
        "kommunal": [("fh_boendestod", 17, 17), ("fh_trygghetslarm", 17, 15),
                     ("fh_radgivning_och_stod_utan_sarskild_manual", 15, 14), ("fh_kontaktperson", 17, 12),
                     ("fh_ledsagning", 17, 12)],
        "bada": [("fh_sarskilt_boende_gruppboende_vuxna", 9, 8),
                 ("fh_generella_serviceinsatser_i_hemtjanst", 11, 6),
                 ("fh_hemtjanst_i_ordinart_boende", 15, 6),
                 ("fh_hjalp_att_genomfora_arenden_hemtjanst", 13, 6),
                 ("fh_korttidsplats_korttidsvistelse", 15, 5)],
        "enskild": [("fh_personligt_ombud", 15, 6), ("fh_hem_for_vard_eller_boende_hvb_hem", 5, 3),
                    ("fh_transportservice", 3, 2), ("fh_sarskilt_boende_gruppboende_barn", 4, 2),
                    ("fh_bostadsanpassning", 8, 2)],
    },
    "bistandsbeslut": {
        "med": [("fh_boendestod", 17, 17), ("fh_ledsagning", 17, 17), ("fh_kontaktperson", 17, 17),
                ("fh_korttidsplats_korttidsvistelse", 15, 15), ("fh_trygghetslarm", 17, 15)],
        "bada": [("fh_generella_enskilda_stodsamtal_utan_sarskild_manual", 8, 3),
                 ("fh_case_management", 6, 3),
                 ("fh_motiverande_samtal_mi", 9, 3),
                 ("fh_radgivning_och_stod_utan_sarskild_manual_anhorig", 5, 2),
                 ("fh_supported_employment", 3, 2)],
        "utan": [("fh_personligt_ombud", 15, 14), ("fh_radgivning_och_stod_utan_sarskild_manual", 15, 12),
                 ("fh_generella_stodsamtal_utan_sarskild_manual_anhorig", 12, 11),
                 ("fh_generella_anhoriggrupper_utan_sarskild_manual_anhorig", 10, 9),
                 ("fh_fixartjanster", 8, 8)],
    },
}
# Instances answered per category in Skåne. Beslut: the publication's three parts (268 + 27 + 98 = 393);
# its "100 % = 413" cannot be met together with them.
SKANE_TOTALS = {"form": {"fysisk": 258, "bada": 110, "digital": 3},
                "regi": {"kommunal": 294, "bada": 74, "enskild": 21},
                "bistandsbeslut": {"med": 268, "bada": 27, "utan": 98}}
SKANE_UNOFFERED = 0.3  # share of the unnamed insatser no Skåne kommun offers

# Generic answers: how answers vary by område (enskild regi and "utan biståndsbeslut" base rates).
ENSKILD = {"vald_i_nara_relationer": 0.28}
UTAN = {"aldre": 0.40, "vald_i_nara_relationer": 0.28, "missbruk_och_beroende": 0.24}
GROUP_FACTOR = {"A": 1.25, "B": 1.05, "C": 0.88}
UNANSWERED = 0.08


def _rng(*key: object) -> np.random.Generator:
    """One generator per purpose, so changing one part never changes another's values."""
    return np.random.default_rng([SEED, zlib.crc32("/".join(map(str, key)).encode())])


def count_for_percent(percent: int, n: int) -> int:
    """The count of n whose share rounds (half up) to ``percent``, nearest to it."""
    candidates = [k for k in range(n + 1) if round_half_up(k, n) == percent]
    if not candidates:
        raise ValueError(f"no count of {n} rounds to {percent} %")
    return min(candidates, key=lambda k: abs(100 * k / n - percent))


# --- who answered ---------------------------------------------------------------------------------

@dataclass
class Statuses:
    """Per område: the units that completed, and those that started but did not complete."""

    completed: dict[str, set[str]]
    started: dict[str, set[str]]
    skane_fh: dict[str, list[str]]  # "completed", "p1" (answered the first page), "p2" (nothing)


def _statuses(units: pd.DataFrame) -> Statuses:
    rng = _rng("status")
    codes = sorted(units.area_code)
    skane = sorted(units.area_code[units.lan_code == SKANE])
    shuffled = list(rng.permutation(skane))
    skane_fh = {"completed": sorted(shuffled[:SKANE_COMPLETED]), "p1": [shuffled[SKANE_COMPLETED]],
                "p2": [shuffled[SKANE_COMPLETED + 1]]}
    # 128 complete all six; every other unit has one område it does not complete ("missing").
    eligible = [c for c in codes if c not in skane or c in skane_fh["completed"]]
    all_six = set(rng.choice(eligible, size=COMPLETED_ALL, replace=False))
    areas = list(OMRADEN)
    others = [c for c in codes if c not in all_six]
    missing = {}
    for i, code in enumerate(rng.permutation(others)):
        if code in skane and code not in skane_fh["completed"]:
            missing[code] = FH
        else:
            choices = [a for a in areas if a != FH] if code in skane else areas
            missing[code] = choices[i % len(choices)]
    completed, started = {}, {}
    for area in areas:
        answered, n_completed = RIKET[area][:2]
        done = set(all_six)
        pool = [c for c in others if missing[c] != area and not (area == FH and c in skane)]
        if area == FH:
            done |= set(skane_fh["completed"])
        done |= set(rng.choice(sorted(pool), size=n_completed - len(done), replace=False))
        rest = [c for c in codes if c not in done and not (area == FH and c in skane)]
        fixed = set(skane_fh["p1"] + skane_fh["p2"]) if area == FH else set()
        begun = fixed | set(rng.choice(rest, size=answered - n_completed - len(fixed), replace=False))
        completed[area], started[area] = done, begun
    return Statuses(completed, started, skane_fh)


# --- generic answers ------------------------------------------------------------------------------

def _generic(area: str, catalog: pd.DataFrame, units: pd.DataFrame, status: Statuses) -> pd.DataFrame:
    """Insats answers of one område for every unit that answered, drawn from seeded generators."""
    rng = _rng("generic", area)
    insatser = catalog[catalog.verksamhetsomrade == area].sort_values("position")
    n = len(insatser)
    popularity = rng.beta(1.6, 2.0, size=n)
    codes = sorted(status.completed[area] | status.started[area])
    group = units.set_index("area_code").kommungrupp.reindex(codes).fillna("C").str[0]
    factor = group.map(GROUP_FACTOR).to_numpy() * rng.lognormal(0, 0.25, size=len(codes))
    prob = np.clip(np.outer(factor, popularity), 0.01, 0.97)
    offered = rng.random((len(codes), n)) < prob
    answered = np.ones((len(codes), n), dtype=bool)
    for row, code in enumerate(codes):
        if code not in status.completed[area]:
            answered[row, int(n * rng.uniform(0.1, 0.8)):] = False
    rows = pd.DataFrame({
        "area_code": np.repeat(codes, n), "insats_id": np.tile(insatser.insats_id.to_numpy(), len(codes)),
        "offered": offered.ravel(), "answered": answered.ravel(),
        "storstad": np.repeat(group.eq("A").to_numpy(), n),
    })
    rows = rows[rows.answered].drop(columns="answered").reset_index(drop=True)
    digital = rng.uniform(0.0, 0.05, n)
    both_form = rng.uniform(0.05, 0.45, n)
    enskild = ENSKILD.get(area, 0.05) * rng.uniform(0.3, 1.7, n)
    both_regi = rng.uniform(0.05, 0.22, n)
    utan = np.clip(UTAN.get(area, 0.18) * rng.uniform(0.1, 2.2, n), 0, 0.95)
    both_beslut = rng.uniform(0.0, 0.12, n)
    index = dict(zip(insatser.insats_id, range(n)))
    i = rows.insats_id.map(index).to_numpy()
    city = np.where(rows.storstad, 1.5, 1.0)
    probs = {
        "form": (1 - digital[i] - both_form[i], both_form[i], digital[i]),
        "regi": (1 - enskild[i] * city - both_regi[i], both_regi[i], enskild[i] * city),
        "bistandsbeslut": (1 - utan[i] - both_beslut[i], both_beslut[i], utan[i]),
    }
    for question, (p_first, p_both, _) in probs.items():
        draw = rng.random(len(rows))
        first, both, last = QUESTIONS[question]
        value = np.where(draw < p_first, first, np.where(draw < p_first + p_both, both, last))
        skip = rng.random(len(rows)) < UNANSWERED
        rows[question] = np.where(rows.offered & ~skip, value, None)
    return rows.drop(columns="storstad")


# --- Skåne × funktionshinder, exactly as published ------------------------------------------------

def _max_flow_fill(need: dict[str, int], caps: dict[tuple[str, str], int],
                   totals: dict[str, int]) -> dict[tuple[str, str], int]:
    """Integer amounts x[i, c] with row sums ``need``, column sums ``totals`` and x <= caps.

    A transportation problem solved as a max flow (Edmonds–Karp on a small dense graph): first with the
    caps tightened to about each category's overall share, so the result looks like answers rather than
    an extreme corner, then with the full caps to finish.
    """
    items, cats = sorted(need), list(totals)
    n = len(items) + len(cats) + 2
    source, sink = n - 2, n - 1
    cap = np.zeros((n, n), dtype=int)
    flow = np.zeros((n, n), dtype=int)
    for a, item in enumerate(items):
        cap[source, a] = need[item]
    for b, cat in enumerate(cats):
        cap[len(items) + b, sink] = totals[cat]
    grand = max(sum(totals.values()), 1)
    for limit in ("share", "full"):
        for a, item in enumerate(items):
            for b, cat in enumerate(cats):
                full = caps.get((item, cat), 0)
                soft = min(full, int(np.ceil(need[item] * totals[cat] / grand)) + 1)
                cap[a, len(items) + b] = soft if limit == "share" else full
        _augment(cap, flow, source, sink)
    if flow[source].sum() != sum(need.values()) or flow[:, sink].sum() != sum(totals.values()):
        raise ValueError("the published counts cannot be met under the list caps")
    return {(item, cat): int(flow[a, len(items) + b])
            for a, item in enumerate(items) for b, cat in enumerate(cats)}


def _augment(cap: np.ndarray, flow: np.ndarray, source: int, sink: int) -> None:
    """Push flow along shortest augmenting paths until none is left."""
    while True:
        parent = np.full(len(cap), -1)
        parent[source] = source
        queue = [source]
        for u in queue:
            for v in np.nonzero((cap[u] - flow[u] > 0) & (parent < 0))[0]:
                parent[v] = u
                queue.append(int(v))
        if parent[sink] < 0:
            return
        path, v = [], sink
        while v != source:
            path.append((int(parent[v]), v))
            v = int(parent[v])
        push = min(cap[u, v] - flow[u, v] for u, v in path)
        for u, v in path:
            flow[u, v] += push
            flow[v, u] -= push


@dataclass
class SkanePlan:
    """Per insats: how many Skåne kommuner offer it and answer it, and per question the counts."""

    n_offering: dict[str, int]
    n_answering: dict[str, int]
    counts: dict[str, dict[str, dict[str, int]]]  # question -> insats -> category -> count


def _list_caps() -> dict[str, dict[str, int]]:
    """An insats not on a "vanligast" list must stay below its last row, so every list is unambiguous."""
    return {q: {cat: min(n for _, _, n in rows) - 1 for cat, rows in lists.items()}
            for q, lists in SKANE_LISTS.items()}


def skane_plan(ids: list[str], named: set[str]) -> SkanePlan:
    """Counts per insats meeting every published Skåne × funktionshinder figure."""
    rng = _rng("skane", "plan")
    most, least = min(v[0] for v in list(SKANE_OFFER.values())[:10]), max(
        v[0] for v in list(SKANE_OFFER.values())[10:])
    pinned = {q: {} for q in SKANE_LISTS}  # question -> insats -> (answering, {category: count})
    for q, lists in SKANE_LISTS.items():
        for cat, rows in lists.items():
            for insats_id, answering, count in rows:
                pinned[q].setdefault(insats_id, (answering, {}))[1][cat] = count
    n_off = {i: SKANE_OFFER[i][0] for i in ids if i in SKANE_OFFER}
    flexible = [i for i in ids if i not in SKANE_OFFER]
    unnamed = [i for i in flexible if i not in named]
    dropped = set(rng.choice(unnamed, size=int(len(unnamed) * SKANE_UNOFFERED), replace=False))
    for i in flexible:
        lower = max([pinned[q][i][0] for q in pinned if i in pinned[q]], default=0)
        n_off[i] = 0 if i in dropped else max(lower, least + 1)
    left = SKANE_MEAN * SKANE_ANSWERED - sum(n_off.values())
    order = [i for i in rng.permutation(flexible) if n_off[i] > 0]
    while left > 0:
        grown = False
        for i in order:
            if left and n_off[i] < most - 1:
                n_off[i] += 1
                left -= 1
                grown = True
        if not grown:
            raise ValueError("cannot place the Skåne insatser under the top-10 cut-off")
    counts: dict[str, dict[str, dict[str, int]]] = {}
    caps = _list_caps()
    for q, totals in SKANE_TOTALS.items():
        answering = {i: pinned[q][i][0] if i in pinned[q] else n_off[i] for i in ids}
        excess = sum(answering.values()) - sum(totals.values())
        free = sorted((i for i in ids if i not in pinned[q] and answering[i] > 0),
                      key=lambda i: (-answering[i], i))
        while excess > 0:
            for i in free:
                if excess and answering[i] > 1:
                    answering[i] -= 1
                    excess -= 1
        need = {i: answering[i] - sum(pinned[q].get(i, (0, {}))[1].values()) for i in ids}
        remaining = {c: totals[c] - sum(p[1].get(c, 0) for p in pinned[q].values()) for c in totals}
        cell_caps = {(i, c): 0 if c in pinned[q].get(i, (0, {}))[1] else caps[q][c]
                     for i in ids for c in totals}
        fill = _max_flow_fill(need, cell_caps, remaining)
        counts[q] = {i: {c: pinned[q].get(i, (0, {}))[1].get(c, 0) + fill[(i, c)] for c in totals}
                     for i in ids}
    n_ans = {i: SKANE_OFFER.get(i, (0, SKANE_COMPLETED))[1] for i in ids}
    return SkanePlan(n_off, n_ans, counts)


def _row_targets(rng: np.random.Generator, total: int) -> list[int]:
    """How many insatser each completing kommun offers: one offers the maximum, one the minimum."""
    rest = SKANE_COMPLETED - 2
    values = list(rng.integers(12, SKANE_MAX, size=rest))
    goal = total - SKANE_MAX - SKANE_MIN
    step = 0
    while sum(values) != goal:
        k = step % rest
        if sum(values) < goal and values[k] < SKANE_MAX - 1:
            values[k] += 1
        elif sum(values) > goal and values[k] > SKANE_MIN + 1:
            values[k] -= 1
        step += 1
    return [SKANE_MAX, SKANE_MIN, *map(int, values)]


def _skane_rows(catalog: pd.DataFrame, status: Statuses) -> pd.DataFrame:
    """Skåne's funktionshinder answers, kommun by kommun, realising ``skane_plan``."""
    rng = _rng("skane", "rows")
    fh = catalog[catalog.verksamhetsomrade == FH].sort_values("position")
    ids = list(fh.insats_id)
    plan = skane_plan(ids, set(fh.insats_id[fh.name_known]))
    completed = status.skane_fh["completed"]
    p1 = status.skane_fh["p1"][0]
    first_page = [i for i in ids if plan.n_answering[i] == SKANE_COMPLETED + 1]
    p1_offers = [max(first_page, key=lambda i: plan.n_offering[i])]
    targets = dict(zip(rng.permutation(completed), _row_targets(
        rng, sum(plan.n_offering.values()) - len(p1_offers))))
    remaining = dict(targets)
    offering: dict[str, list[str]] = {}
    for i in sorted(ids, key=lambda i: -plan.n_offering[i]):
        need = plan.n_offering[i] - (1 if i in p1_offers else 0)
        chosen = sorted(completed, key=lambda c: (-remaining[c], rng.random()))[:need]
        for c in chosen:
            remaining[c] -= 1
        offering[i] = chosen
    if any(remaining.values()):
        raise ValueError("no kommun layout meets the Skåne row and column counts")
    rows = []
    for i in ids:
        answers = {c: {} for c in offering[i]}
        for q, per_insats in plan.counts.items():
            labels = [cat for cat, k in per_insats[i].items() for _ in range(k)]
            for c, label in zip(rng.permutation(offering[i]), labels):
                answers[c][q] = label
        for c in completed:
            rows.append({"area_code": c, "insats_id": i, "offered": c in answers, **answers.get(c, {})})
        if i in first_page:
            rows.append({"area_code": p1, "insats_id": i, "offered": i in p1_offers})
    return pd.DataFrame(rows).reindex(columns=["area_code", "insats_id", "offered", *QUESTIONS])


# --- survey-level answers -------------------------------------------------------------------------

def _choose(rng: np.random.Generator, pool: list[str], k: int) -> set[str]:
    return set(rng.choice(sorted(pool), size=k, replace=False)) if k else set()


def _survey_rows(units: pd.DataFrame, status: Statuses) -> pd.DataFrame:
    """One row per unit and område: status, "gives further insatser" and the wish, with the riket
    shares (and Skåne × funktionshinder's) met exactly."""
    rng = _rng("survey")
    skane_done = status.skane_fh["completed"]
    rows = []
    for area, (_, _, further_pct, wish_pct) in RIKET.items():
        done = sorted(status.completed[area])
        fixed_further: dict[str, bool] = {}
        fixed_wish: dict[str, str] = {}
        if area == FH:
            order = list(rng.permutation(skane_done))
            yes, answering = SKANE_FURTHER
            fixed_further = {c: k < yes for k, c in enumerate(order[:answering])}
            ja, nej, _ = SKANE_WISH
            fixed_wish = {c: "ja" if k < ja else "nej" if k < ja + nej else "vet_ej"
                          for k, c in enumerate(rng.permutation(skane_done))}
        skipped = set(order[SKANE_FURTHER[1]:]) if area == FH else set()
        answering = [c for c in done if c not in skipped]
        free = [c for c in answering if c not in fixed_further]
        k = count_for_percent(further_pct, len(answering)) - sum(fixed_further.values())
        further = {**{c: False for c in free}, **{c: True for c in _choose(rng, free, k)}, **fixed_further}
        free = [c for c in done if c not in fixed_wish]
        k = count_for_percent(wish_pct, len(done)) - sum(v == "ja" for v in fixed_wish.values())
        ja = _choose(rng, free, k)
        wish = {c: "ja" if c in ja else ("nej" if rng.random() < 0.65 else "vet_ej") for c in free}
        wish.update(fixed_wish)
        for code in sorted(units.area_code):
            state = ("slutford" if code in status.completed[area]
                     else "paborjad" if code in status.started[area] else "ej_paborjad")
            rows.append({"area_code": code, "verksamhetsomrade": area, "status": state,
                         "gives_further_insatser": further.get(code),
                         "wants_without_bistandsbeslut": wish.get(code)})
    frame = pd.DataFrame(rows)
    frame["gives_further_insatser"] = frame.gives_further_insatser.astype(object)
    return frame


def _wish_rows(survey: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Which insatskategorier each kommun answering ja would give without biståndsbeslut."""
    rows = []
    for area, frame in survey[survey.wants_without_bistandsbeslut == "ja"].groupby("verksamhetsomrade"):
        rng = _rng("wish", area)
        kategorier = sorted(catalog.insatskategori[(catalog.verksamhetsomrade == area)].dropna().unique())
        appeal = rng.uniform(0.3, 0.85, len(kategorier))
        for code in sorted(frame.area_code):
            wanted = rng.random(len(kategorier)) < appeal
            wanted[int(np.argmax(appeal))] |= not wanted.any()
            rows += [{"area_code": code, "verksamhetsomrade": area, "insatskategori": k, "wanted": bool(w)}
                     for k, w in zip(kategorier, wanted)]
    return pd.DataFrame(rows)


def demo_tables() -> dict[str, pd.DataFrame]:
    """Every synthetic row: survey_response, insats_response and wish_category."""
    catalog = read_catalog()
    units = answer_units()
    status = _statuses(units)
    skane = set(units.area_code[units.lan_code == SKANE])
    parts = []
    for area in OMRADEN:
        generic = _generic(area, catalog, units, status)
        if area == FH:
            generic = pd.concat([generic[~generic.area_code.isin(skane)], _skane_rows(catalog, status)])
        parts.append(generic)
    insats = pd.concat(parts, ignore_index=True)
    insats = insats.astype(object).where(insats.notna(), None)
    insats["offered"] = insats.offered.map(bool)
    survey = _survey_rows(units, status)
    return {"survey_response": survey, "insats_response": insats.sort_values(["area_code", "insats_id"])
            .reset_index(drop=True), "wish_category": _wish_rows(survey, catalog)}


def skr_demo_frames() -> SourceFrames:
    return SourceFrames.synthetic_batch(
        "demo_skr", SOURCE_REF, demo_tables(),
        attribution="Syntetiska demosvar på kommunnivå (jamfor demo) – inte SKR:s data")
