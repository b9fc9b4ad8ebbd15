"""SKR's insats report is the oracle: after `jamfor seed --demo` the skr_* tables give its figures.

The figures are parsed from the report's text (../shared/seeds/000_…txt), not retyped, and checked on
SQLite and on PostgreSQL (the session's demo warehouses, seeded once from a template).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from support.skr_publication import (
    FH,
    LISTS,
    Row,
    insatsutbud_figures,
    instance_totals,
    number,
    offer_table,
    report_text,
    skane_fh_section,
    vanligast,
)
from support.tables import read_table

from jamfor.seed.schema import metadata
from jamfor.seed.sources.synthetic_oj import round_half_up


def table(url: str, name: str, scope: str | None = "12", omrade: str | None = FH) -> pd.DataFrame:
    frame = read_table(url, name)
    if scope is not None:
        frame = frame[frame.scope_code == scope]
    if omrade is not None:
        frame = frame[frame.verksamhetsomrade == omrade]
    return frame.reset_index(drop=True)


def one(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame
    return frame.iloc[0]


def as_rows(frame: pd.DataFrame, count: str, answering: str) -> list[Row]:
    return [Row(r.insats_label, round_half_up(int(getattr(r, count)), int(getattr(r, answering))),
                int(getattr(r, count)), int(getattr(r, answering))) for r in frame.itertuples()]


# --- Skåne × funktionshinder ----------------------------------------------------------------------

def test_skane_funktionshinder_21_answered_and_19_completed(demo_db_ro):
    answered = number(r"(\d+)\s+Kommuner besvarade enkäten", skane_fh_section())
    completed = number(r"(\d+)\s+Kommuner fullföljde hela enkäten", skane_fh_section())
    counts = one(table(demo_db_ro, "skr_response_counts"))
    assert (counts.n_answered, counts.n_completed) == (answered, completed) == (21, 19)


def test_skane_insatsutbud_mean_min_max_and_share_giving_further_insatser(demo_db_ro):
    mean, least, most, further = insatsutbud_figures()
    utbud = one(table(demo_db_ro, "skr_insatsutbud"))
    assert round(utbud.mean_offered) == mean == 21
    assert (utbud.min_offered_completed, utbud.max_offered_completed) == (least, most) == (2, 34)
    assert round_half_up(int(utbud.n_further_yes), int(utbud.n_further_answered)) == further == 50
    assert utbud.n_answered == 21 and utbud.n_completed == 19


def test_min_and_max_are_over_completed_kommuner_and_the_mean_over_all_that_answered(demo_db_ro):
    units = table(demo_db_ro, "skr_offered_per_kommun", scope=None)
    units = units[units.lan_code == "12"]
    done = units[units.status == "slutford"]
    assert (done.n_offered.min(), done.n_offered.max()) == (2, 34)
    assert units.n_offered.mean() == one(table(demo_db_ro, "skr_insatsutbud")).mean_offered
    assert units.status.value_counts().to_dict() == {"slutford": 19, "paborjad": 2}


def test_skr_insats_summary_gives_the_reports_top_10_rows(demo_db_ro):
    oracle = offer_table("De tio vanligaste av de kartlagda insatserna")
    assert len(oracle) == 10
    summary = table(demo_db_ro, "skr_insats_summary")
    top = summary[summary.rank_most_common <= 10].sort_values("order_most_common")
    assert as_rows(top, "n_offering", "n_answered") == oracle  # ties as printed: Trygghetslarm first
    assert list(top.order_most_common) == list(range(1, 11))


def test_skr_insats_summary_gives_the_reports_bottom_10_rows_among_insatser_someone_offers(demo_db_ro):
    oracle = offer_table("De tio minst vanliga av de kartlagda insatserna")
    assert len(oracle) == 10
    summary = table(demo_db_ro, "skr_insats_summary")
    bottom = summary[summary.rank_least_common <= 10].sort_values("order_least_common")
    assert as_rows(bottom, "n_offering", "n_answered") == oracle
    unoffered = summary[summary.n_offering == 0]
    assert len(unoffered) > 0 and unoffered.rank_least_common.isna().all()
    assert unoffered.order_least_common.isna().all()


@pytest.mark.parametrize("title", sorted(LISTS))
def test_each_vanligast_list_for_form_regi_and_beslut(demo_db_ro, title):
    question, category = LISTS[title]
    oracle = vanligast(title)
    rows = table(demo_db_ro, "skr_distribution_insats")
    rows = rows[(rows.question == question) & (rows.category == category) & (rows["rank"] <= len(oracle))]
    rows = rows.sort_values("rank")
    assert as_rows(rows, "n_category", "n_answered") == oracle  # in the report's order, ties too


def test_vanligast_lists_are_unambiguous_the_next_insats_has_a_smaller_count(demo_db_ro):
    rows = table(demo_db_ro, "skr_distribution_insats")
    for title, (question, category) in LISTS.items():
        oracle = vanligast(title)
        ranked = rows[(rows.question == question) & (rows.category == category)]
        after = ranked[ranked["rank"] > len(oracle)].n_category
        assert after.empty or after.max() < oracle[-1].count, title


def test_instance_totals_for_form_and_regi_and_the_three_beslut_parts(demo_db_ro):
    oracle = instance_totals()
    assert len(oracle) == 9
    dist = table(demo_db_ro, "skr_distribution").set_index(["question", "category"]).n_instances
    assert {key: int(dist[key]) for key in oracle} == oracle


def test_beslut_matches_the_reports_three_parts_not_its_413_total(demo_db_ro):
    """The report's beslut pie says "100 % = 413" but its parts are 268 + 27 + 98 = 393. Three
    stated figures (each also consistent with the "vanligast" lists) outweigh one: we match the parts,
    so 393 instances answered the beslut question."""
    stated_total = number(r"100 % = (\d+)\s+insatser över samtliga kommuner i länet där frågan besvarats",
                          skane_fh_section())
    parts = {k: v for k, v in instance_totals().items() if k[0] == "bistandsbeslut"}
    assert stated_total == 413 and sum(parts.values()) == 393
    dist = table(demo_db_ro, "skr_distribution")
    beslut = dist[dist.question == "bistandsbeslut"]
    assert set(beslut.n_answered_instances) == {393}


def test_funktionshinder_maps_75_insatser_the_survey_list_not_the_57_of_the_captions(demo_db_ro):
    """The report gives 57 ("av de 57 kartlagda insatserna", three captions) and 75 ("den lista av de
    75 insatser som ingick i enkäten", twice) for the same list. No other figure decides; we take 75,
    the number the notes define as the survey's list (57 reads as its digits transposed)."""
    text = skane_fh_section()
    assert number(r"av de (\d+) kartlagda insatserna", text) == 57
    assert number(r"den lista av de (\d+) insatser som ingick i enkäten", text) == 75
    utbud = one(table(demo_db_ro, "skr_insatsutbud"))
    assert utbud.n_mapped == 75
    summary = table(demo_db_ro, "skr_insats_summary")
    assert len(summary) == 75


def test_the_wish_question_was_answered_by_19_skane_kommuner(demo_db_ro):
    answered = number(r"100 % = (\d+)\s+kommuner i länet som besvarat frågan", skane_fh_section())
    assert one(table(demo_db_ro, "skr_wish")).n_answered == answered == 19
    categories = table(demo_db_ro, "skr_wish_category")
    assert len(categories) > 0 and (categories.n_wanting <= categories.n_answered).all()


def test_every_insats_the_report_names_is_a_known_name_and_placeholders_are_never_listed(demo_db_ro):
    named = {row.label for title in LISTS for row in vanligast(title)}
    named |= {row.label for title in ("De tio vanligaste av de kartlagda insatserna",
                                      "De tio minst vanliga av de kartlagda insatserna")
              for row in offer_table(title)}
    summary = table(demo_db_ro, "skr_insats_summary")
    known = set(summary.insats_label[summary.name_known.astype(bool)])
    assert named <= known
    unknown = summary[~summary.name_known.astype(bool)]
    assert unknown.insats_name.str.fullmatch(r"Ej namngiven insats \d+ \(funktionshinder\)").all()
    assert len(known) + len(unknown) == 75


# --- riket ---------------------------------------------------------------------------------------

def test_riket_funktionshinder_214_answered_and_200_completed_the_fewest(demo_db_ro):
    answering = number(r"Antal svarande kommuner i riket är (\d+) kommuner")
    completed = number(r"funktionshinder med (\d+) slutförda enkäter")
    counts = table(demo_db_ro, "skr_response_counts", scope="00", omrade=None).set_index("verksamhetsomrade")
    assert (counts.loc[FH, "n_answered"], counts.loc[FH, "n_completed"]) == (answering, completed)
    assert counts.n_completed.idxmin() == FH


def test_riket_aldre_232_completed_the_most_and_77_percent_of_all_units(demo_db_ro):
    match = re.search(r"där (\d+), eller (\d+) procent, av samtliga kommuner slutfört", report_text())
    completed, percent = int(match.group(1)), int(match.group(2))
    counts = table(demo_db_ro, "skr_response_counts", scope="00", omrade=None).set_index("verksamhetsomrade")
    assert counts.loc["aldre", "n_completed"] == completed == 232
    assert counts.n_completed.idxmax() == "aldre"
    assert round_half_up(completed, int(counts.loc["aldre", "n_units"])) == percent


def test_the_reports_67_percent_for_funktionshinder_needs_300_units_and_we_have_302(demo_db_ro):
    """Documented mismatch: 200 completed is "67 procent av samtliga kommuner" in the report, which
    needs 298–300 units; the survey went to 289 kommuner and Stockholm's 13 stadsdelsområden (302), where
    200 is 66 %. The count (200) is matched; the share is not."""
    percent = number(r"200 slutförda enkäter, eller (\d+) procent")
    units = one(table(demo_db_ro, "skr_response_counts", scope="00")).n_units
    assert units == 302 and percent == 67
    assert round_half_up(200, units) == 66 and round_half_up(200, 300) == percent


def test_128_kommuner_completed_all_six_surveys(demo_db_ro):
    oracle = number(r"totalt har (\d+) kommuner slutfört samtliga sex enkäter")
    assert one(read_table(demo_db_ro, "skr_response_all_areas").query("scope_code == '00'")).n_completed_all \
        == oracle == 128


def test_riket_shares_giving_further_insatser_barn_och_unga_40_highest_funktionshinder_15(demo_db_ro):
    barn = number(r"ytterligare insatser är störst inom barn och unga \((\d+) %\)")
    fh = number(r"(\d+) procent av kommunerna uppger att de erbjuder insatser utöver")
    utbud = table(demo_db_ro, "skr_insatsutbud", scope="00", omrade=None).set_index("verksamhetsomrade")
    rounded = {o: round_half_up(int(r.n_further_yes), int(r.n_further_answered)) for o, r in utbud.iterrows()}
    assert rounded["barn_och_unga"] == barn == 40 and rounded[FH] == fh == 15
    assert max(rounded, key=rounded.get) == "barn_och_unga"


def test_riket_wish_without_bistandsbeslut_barn_och_unga_81_highest_funktionshinder_45_lowest(demo_db_ro):
    barn = number(r"högst inom området barn och unga \((\d+) %\)")
    fh = number(r"lägst inom området funktionshinder \((\d+) %\)")
    wish = table(demo_db_ro, "skr_wish", scope="00", omrade=None).set_index("verksamhetsomrade")
    rounded = {o: round_half_up(int(r.n_ja), int(r.n_answered)) for o, r in wish.iterrows()}
    assert (rounded["barn_och_unga"], rounded[FH]) == (barn, fh) == (81, 45)
    assert max(rounded, key=rounded.get) == "barn_och_unga" and min(rounded, key=rounded.get) == FH


def test_the_reports_national_themes_hold_in_the_demo(demo_db_ro):
    """Enskild regi is most common within våld i nära relationer, "only without biståndsbeslut" within
    äldre, few insatser are only digital, and storstäder offer more insatser."""
    dist = table(demo_db_ro, "skr_distribution", scope="00", omrade=None).set_index(
        ["question", "category", "verksamhetsomrade"]).share.sort_index()
    assert dist.loc[("regi", "enskild")].idxmax() == "vald_i_nara_relationer"
    assert dist.loc[("bistandsbeslut", "utan")].idxmax() == "aldre"
    assert (dist.loc[("form", "digital")] < 5).all()
    units = read_table(demo_db_ro, "skr_offered_per_kommun").merge(
        read_table(demo_db_ro, "area")[["area_code", "kommungrupp"]], on="area_code")
    means = units.groupby(units.kommungrupp.str[0]).n_offered.mean()
    assert means["A"] > means["B"] > means["C"]


# --- provenance and both databases ----------------------------------------------------------------

def test_demo_answers_are_flagged_synthetic_and_the_catalogue_is_not(demo_db_ro):
    batches = read_table(demo_db_ro, "load_batch").set_index("source")
    assert bool(batches.loc["demo_skr", "synthetic"]) and not bool(batches.loc["skr_catalog", "synthetic"])
    for name in ("skr_insats_summary", "skr_insatsutbud", "skr_distribution_kommun"):
        assert read_table(demo_db_ro, name).synthetic.astype(bool).all(), name


def test_stockholm_answers_as_its_13_stadsdelsomraden(demo_db_ro):
    survey = read_table(demo_db_ro, "survey_response")
    codes = set(survey.area_code)
    assert "0180" not in codes
    assert sorted(c for c in codes if c.startswith("0180")) == [f"0180{n:02d}" for n in
                                                                 (*range(1, 12), 14, 15)]


@pytest.mark.postgres
def test_sqlite_and_postgresql_hold_identical_skr_tables(demo_sqlite_ro, demo_pg_ro):
    for name in sorted(t for t in metadata.tables if t.startswith("skr_")):
        pk = [c.name for c in metadata.tables[name].primary_key.columns]
        frames = []
        for url in (demo_sqlite_ro, demo_pg_ro):
            frame = read_table(url, name).sort_values(pk).reset_index(drop=True)
            for column in metadata.tables[name].columns:
                if column.type.python_type is bool:
                    frame[column.name] = frame[column.name].map(lambda v: None if pd.isna(v) else bool(v))
            frames.append(frame)
        pd.testing.assert_frame_equal(*frames, check_dtype=False, obj=name)

