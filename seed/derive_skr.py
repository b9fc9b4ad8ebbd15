"""The analyses of SKR's insats publication as tables, per län and for riket, rebuilt after every load.

Definitions follow the publication ("Vid redovisning av resultat har följande avgränsningar gjorts"):

- a kommun (or Stockholm stadsdel) has *answered* an område's survey unless its status is ej_paborjad;
  it has *completed* it (slutford) when it reached the last or second-to-last page;
- means are taken over the kommuner that answered; min and max over those that completed;
- "least common" insatser are ranked only among insatser at least one kommun offers;
- form, regi and biståndsbeslut count *instances* (kommun × insats) among offered insatser whose
  question was answered; the number answering is given with every share, as the publication does.

Computed in pandas, like ``jamfor.seed.derive``, so SQLite and PostgreSQL hold the same numbers. Shares are
percent (0–100), unrounded; the publication rounds them to whole percent. Every row says whether synthetic
(demo) answers went into it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from jamfor.seed.bulk import insert_rows
from jamfor.seed.schema import (
    BESLUT,
    FORMS,
    REGIER,
    RIKET,
    area,
    insats,
    insats_response,
    load_batch,
    skr_distribution,
    skr_distribution_huvudgrupp,
    skr_distribution_insats,
    skr_distribution_kommun,
    skr_huvudgrupp_mean,
    skr_insats_summary,
    skr_insatsutbud,
    skr_offered_per_kommun,
    skr_response_all_areas,
    skr_response_counts,
    skr_wish,
    skr_wish_category,
    survey_response,
    verksamhetsomrade,
    wish_category,
)
from jamfor.seed.sources.skr_inventory import read_publication_order

CATEGORIES = {"form": FORMS, "regi": REGIER, "bistandsbeslut": BESLUT}
OMRADE = "verksamhetsomrade"
SCOPE = ["scope_code", OMRADE]


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _with_synthetic(conn: Connection, table: Table) -> pd.DataFrame:
    frame = _frame(conn, select(table, load_batch.c.synthetic).select_from(
        table.join(load_batch, table.c.batch_id == load_batch.c.batch_id)))
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame.drop(columns="batch_id")


def share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """Percent of ``whole``; None where nothing was answered."""
    return (100 * part.astype(float) / whole.where(whole > 0)).astype(float)


def _scoped(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Every row twice: once for its län, once for riket ('00')."""
    both = pd.concat([frame.assign(scope_code=frame.lan_code), frame.assign(scope_code=RIKET)],
                     ignore_index=True)
    return both.assign(scope_name=both.scope_code.map(names))


class Inputs:
    """The base tables read once per rebuild, joined to what every analysis needs."""

    def __init__(self, conn: Connection) -> None:
        areas = _frame(conn, select(area.c.area_code, area.c.name, area.c.level, area.c.lan_code,
                                    area.c.sort_order))
        self.scope_names = dict(zip(areas.area_code[areas.level.isin(["lan", "riket"])],
                                    areas.name[areas.level.isin(["lan", "riket"])]))
        self.area_names = dict(zip(areas.area_code, areas.name))
        self.area_sort_order = dict(zip(areas.area_code, areas.sort_order))
        self.omraden = dict(_frame(conn, select(verksamhetsomrade.c.code, verksamhetsomrade.c.name))
                            .itertuples(index=False, name=None))
        self.catalog = _frame(conn, select(insats.c.insats_id, insats.c.verksamhetsomrade,
                                           insats.c.huvudgrupp, insats.c.name, insats.c.anhorig,
                                           insats.c.name_known))
        self.catalog[["anhorig", "name_known"]] = self.catalog[["anhorig", "name_known"]].astype(bool)
        survey = _with_synthetic(conn, survey_response).merge(
            areas[["area_code", "lan_code"]], on="area_code")
        self.survey = survey
        self.answered = survey[survey.status != "ej_paborjad"]
        responses = _with_synthetic(conn, insats_response).merge(self.catalog, on="insats_id")
        self.responses = responses.merge(
            self.answered[["area_code", OMRADE, "lan_code"]], on=["area_code", OMRADE])
        self.wishes = _with_synthetic(conn, wish_category).merge(
            self.answered[["area_code", OMRADE, "lan_code"]], on=["area_code", OMRADE])
        self.n_mapped = self.catalog.groupby(OMRADE).size()
        self.publication_order = read_publication_order().rename(columns={"lan_code": "scope_code"})

    def publication_position(self, frame: pd.DataFrame, lista: pd.Series | str) -> pd.Series:
        """Each row's place in the publication's printed list ``lista`` (None where it is not listed)."""
        keys = frame[[*SCOPE, "insats_id"]].assign(lista=lista)
        merged = keys.merge(self.publication_order, on=[*SCOPE, "insats_id", "lista"], how="left")
        return pd.Series(merged.plats.to_numpy(), index=frame.index)

    def scoped(self, frame: pd.DataFrame) -> pd.DataFrame:
        return _scoped(frame, self.scope_names)

    @cached_property
    def instances(self) -> pd.DataFrame:
        """One row per offered insats instance and question answered: form/regi/beslut in long form."""
        offered = self.responses[self.responses.offered.eq(True)]
        long = offered.melt(id_vars=["area_code", "lan_code", OMRADE, "insats_id", "huvudgrupp", "synthetic"],
                            value_vars=list(CATEGORIES), var_name="question", value_name="category")
        return long[long.category.notna()]

    @cached_property
    def scoped_instances(self) -> pd.DataFrame:
        return self.scoped(self.instances)

    def offered_per_unit(self) -> pd.DataFrame:
        """n_offered and n_insatser_answered per answering unit × område (0 when it answered none)."""
        r = self.responses
        counts = (r.assign(yes=r.offered.eq(True), asked=r.offered.notna())
                  .groupby(["area_code", OMRADE])[["yes", "asked"]].sum()
                  .rename(columns={"yes": "n_offered", "asked": "n_insatser_answered"}).reset_index())
        units = self.answered.merge(counts, on=["area_code", OMRADE], how="left")
        units[["n_offered", "n_insatser_answered"]] = units[["n_offered", "n_insatser_answered"]].fillna(0)
        return units


def _response_counts(data: Inputs) -> pd.DataFrame:
    s = data.scoped(data.survey)
    s = s.assign(not_started=s.status.eq("ej_paborjad"), started=s.status.eq("paborjad"),
                 completed=s.status.eq("slutford"))
    out = s.groupby(["scope_code", "scope_name", OMRADE]).agg(
        n_units=("area_code", "size"), n_not_started=("not_started", "sum"), n_started=("started", "sum"),
        n_completed=("completed", "sum"), synthetic=("synthetic", "any")).reset_index()
    out["n_answered"] = out.n_started + out.n_completed
    out["share_completed"] = share(out.n_completed, out.n_units)
    return out


def _response_all_areas(data: Inputs) -> pd.DataFrame:
    per_unit = data.survey.assign(answered=data.survey.status.ne("ej_paborjad"),
                                  completed=data.survey.status.eq("slutford"))
    per_unit = per_unit.groupby(["area_code", "lan_code"]).agg(
        areas=(OMRADE, "nunique"), answered=("answered", "sum"), completed=("completed", "sum"),
        synthetic=("synthetic", "any")).reset_index()
    n_areas = len(data.omraden)
    per_unit["all_answered"] = per_unit.answered.eq(n_areas)
    per_unit["all_completed"] = per_unit.completed.eq(n_areas)
    s = data.scoped(per_unit)
    return s.groupby(["scope_code", "scope_name"]).agg(
        n_units=("area_code", "size"), n_answered_all=("all_answered", "sum"),
        n_completed_all=("all_completed", "sum"), synthetic=("synthetic", "any")).reset_index()


def _offered_per_kommun(data: Inputs) -> pd.DataFrame:
    units = data.offered_per_unit()
    units["area_name"] = units.area_code.map(data.area_names)
    units["lan_name"] = units.lan_code.map(data.scope_names)
    units["n_mapped"] = units[OMRADE].map(data.n_mapped).fillna(0)
    units["synthetic"] = units.area_code.isin(
        data.responses.area_code[data.responses.synthetic]) | units.synthetic
    return units


def _insatsutbud(data: Inputs) -> pd.DataFrame:
    units = data.scoped(data.offered_per_unit())
    units["done"] = units.status.eq("slutford")
    units["offered_done"] = units.n_offered.where(units.done)
    units["further_answered"] = units.gives_further_insatser.notna()
    units["further_yes"] = units.gives_further_insatser.eq(True)
    out = units.groupby(["scope_code", "scope_name", OMRADE]).agg(
        n_answered=("area_code", "size"), mean_offered=("n_offered", "mean"), n_completed=("done", "sum"),
        min_offered_completed=("offered_done", "min"), max_offered_completed=("offered_done", "max"),
        n_further_answered=("further_answered", "sum"), n_further_yes=("further_yes", "sum"),
        synthetic=("synthetic", "any")).reset_index()
    out["share_further"] = share(out.n_further_yes, out.n_further_answered)
    out["n_mapped"] = out[OMRADE].map(data.n_mapped).fillna(0)
    return out


def _answered_units(data: Inputs) -> pd.DataFrame:
    """Number of answering units per scope × område, and whether any of them is synthetic."""
    return data.scoped(data.answered).groupby(SCOPE).agg(
        n_units=("area_code", "size"), synthetic=("synthetic", "any")).reset_index()


def _huvudgrupp_mean(data: Inputs) -> pd.DataFrame:
    r = data.scoped(data.responses)
    offered = r[r.offered.eq(True)].groupby([*SCOPE, "huvudgrupp"]).size().rename("n_offered")
    grid = _answered_units(data).merge(data.catalog.groupby([OMRADE, "huvudgrupp"]).size()
                                       .rename("n_mapped").reset_index(), on=OMRADE)
    out = grid.merge(offered.reset_index(), on=[*SCOPE, "huvudgrupp"], how="left")
    out["mean_offered"] = out.n_offered.fillna(0) / out.n_units
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out.rename(columns={"n_units": "n_answered"})


def insats_summary(data: Inputs) -> pd.DataFrame:
    """Per scope × insats: how many answering kommuner offer it, of how many answering the question."""
    r = data.scoped(data.responses)
    counts = (r.assign(yes=r.offered.eq(True), asked=r.offered.notna())
              .groupby([*SCOPE, "insats_id"])[["yes", "asked"]].sum()
              .rename(columns={"yes": "n_offering", "asked": "n_answered"}).reset_index())
    grid = _answered_units(data).merge(data.catalog, on=OMRADE)
    out = grid.merge(counts, on=[*SCOPE, "insats_id"], how="left")
    out[["n_offering", "n_answered"]] = out[["n_offering", "n_answered"]].fillna(0).astype(int)
    out["share_offering"] = share(out.n_offering, out.n_answered)
    groups = out.groupby(SCOPE).n_offering
    out["rank_most_common"] = groups.rank(method="min", ascending=False)
    offered = out.n_offering.where(out.n_offering > 0)
    out["rank_least_common"] = offered.groupby([out.scope_code, out[OMRADE]]).rank(method="min")
    out["order_most_common"] = _strict_order(out.assign(
        placed=data.publication_position(out, "vanligaste")), ["n_offering", "placed"], [False, True])
    least = out[out.n_offering > 0]
    out["order_least_common"] = _strict_order(least.assign(
        placed=data.publication_position(least, "minst_vanliga")), ["n_offering", "placed"], [True, True])
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out.rename(columns={"name": "insats_name"})


def _strict_order(frame: pd.DataFrame, by: list[str], ascending: list[bool],
                  within: list[str] = SCOPE) -> pd.Series:
    """1, 2, 3, … within ``within`` by ``by``; ties in the publication's order (``placed``), then by name."""
    ordered = frame.sort_values([*within, *by, "name"], ascending=[True] * len(within) + ascending + [True],
                                na_position="last")
    return ordered.groupby(within).cumcount().add(1).reindex(frame.index)


def _category_grid(keys: pd.DataFrame) -> pd.DataFrame:
    """Every key row crossed with its question's three categories, so zero counts are rows too."""
    cats = pd.DataFrame([(q, c) for q, cs in CATEGORIES.items() for c in cs],
                        columns=["question", "category"])
    return keys.merge(cats, on="question")


def _distribution(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counts = long.groupby([*keys, "question", "category"]).size().rename("n_instances").reset_index()
    totals = long.groupby([*keys, "question"]).agg(n_answered_instances=("category", "size"),
                                                   synthetic=("synthetic", "any")).reset_index()
    out = _category_grid(totals).merge(counts, on=[*keys, "question", "category"], how="left")
    out["n_instances"] = out.n_instances.fillna(0).astype(int)
    out["share"] = share(out.n_instances, out.n_answered_instances)
    return out


def _distribution_scope(data: Inputs) -> pd.DataFrame:
    out = _distribution(data.scoped_instances, SCOPE)
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out


def _distribution_kommun(data: Inputs) -> pd.DataFrame:
    out = _distribution(data.instances, ["area_code", "lan_code", OMRADE])
    out["area_name"] = out.area_code.map(data.area_names)
    out["area_sort_order"] = out.area_code.map(data.area_sort_order)
    return out


def _distribution_huvudgrupp(data: Inputs) -> pd.DataFrame:
    long = data.scoped_instances
    out = _distribution(long, [*SCOPE, "huvudgrupp"])
    kommuner = long.groupby([*SCOPE, "huvudgrupp", "question"]).area_code.nunique().rename("n_kommuner")
    out = out.merge(kommuner.reset_index(), on=[*SCOPE, "huvudgrupp", "question"])
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out


def distribution_insats(data: Inputs) -> pd.DataFrame:
    """Per scope × insats × question × category: count, number answering and share, ranked within the
    category by count as the publication's "vanligast" lists are (ties: the publication's order where
    it printed the list, then higher share, then name)."""
    out = _distribution(data.scoped_instances, [*SCOPE, "insats_id"])
    out = out[out.n_instances > 0].merge(
        data.catalog[["insats_id", "name", "anhorig", "name_known"]], on="insats_id")
    out = out.rename(columns={"n_instances": "n_category", "n_answered_instances": "n_answered",
                              "name": "insats_name"})
    out["placed"] = data.publication_position(out, out.question + ":" + out.category)
    out = out.sort_values([*SCOPE, "question", "category", "n_category", "placed", "share", "insats_name"],
                          ascending=[True, True, True, True, False, True, False, True], na_position="last")
    out["rank"] = out.groupby([*SCOPE, "question", "category"]).cumcount() + 1
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out


def _wish(data: Inputs) -> pd.DataFrame:
    s = data.scoped(data.answered)
    s = s[s.wants_without_bistandsbeslut.notna()]
    s = s.assign(ja=s.wants_without_bistandsbeslut.eq("ja"), nej=s.wants_without_bistandsbeslut.eq("nej"),
                 vet_ej=s.wants_without_bistandsbeslut.eq("vet_ej"))
    out = s.groupby(["scope_code", "scope_name", OMRADE]).agg(
        n_answered=("area_code", "size"), n_ja=("ja", "sum"), n_nej=("nej", "sum"),
        n_vet_ej=("vet_ej", "sum"), synthetic=("synthetic", "any")).reset_index()
    out["share_ja"] = share(out.n_ja, out.n_answered)
    return out


def _wish_category(data: Inputs) -> pd.DataFrame:
    w = data.scoped(data.wishes)
    base = w.groupby(SCOPE).area_code.nunique().rename("n_answered")
    w = w.assign(wanted=w.wanted.astype(bool))
    out = w.groupby([*SCOPE, "insatskategori"]).agg(
        n_wanting=("wanted", "sum"), synthetic=("synthetic", "any")).reset_index()
    out = out.merge(base.reset_index(), on=SCOPE)
    out["share"] = share(out.n_wanting, out.n_answered)
    out["scope_name"] = out.scope_code.map(data.scope_names)
    return out


BUILDERS: list[tuple[Table, Callable[[Inputs], pd.DataFrame]]] = [
    (skr_response_counts, _response_counts),
    (skr_response_all_areas, _response_all_areas),
    (skr_insatsutbud, _insatsutbud),
    (skr_offered_per_kommun, _offered_per_kommun),
    (skr_huvudgrupp_mean, _huvudgrupp_mean),
    (skr_insats_summary, insats_summary),
    (skr_distribution, _distribution_scope),
    (skr_distribution_kommun, _distribution_kommun),
    (skr_distribution_huvudgrupp, _distribution_huvudgrupp),
    (skr_distribution_insats, distribution_insats),
    (skr_wish, _wish),
    (skr_wish_category, _wish_category),
]


def _typed(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's columns in order with exact types: integers as integers, booleans as booleans."""
    frame = frame.reindex(columns=[c.name for c in table.columns])
    for column in table.columns:
        kind = column.type.python_type
        if kind is int:
            frame[column.name] = pd.to_numeric(frame[column.name]).round().astype("Int64")
        elif kind is float:
            frame[column.name] = frame[column.name].astype(float)
        elif kind is bool:
            frame[column.name] = frame[column.name].map(
                lambda v: None if v is None or pd.isna(v) else bool(v))
    return frame.reset_index(drop=True)


INPUTS = (area, verksamhetsomrade, insats, survey_response, insats_response, wish_category)


def rebuild_skr(conn: Connection) -> None:
    """Replace every skr_* table with the analyses of the answers now loaded (a derive builder)."""
    for table, _ in BUILDERS:
        conn.execute(table.delete())
    data = Inputs(conn)
    if data.answered.empty:
        return
    for table, build in BUILDERS:
        frame = build(data)
        if "omrade_name" in table.c:
            frame["omrade_name"] = frame[OMRADE].map(data.omraden)
        if "insats_label" in table.c:
            frame["insats_label"] = frame.insats_name + frame.anhorig.map({True: "*", False: ""})
        insert_rows(conn, table, _typed(table, frame))
