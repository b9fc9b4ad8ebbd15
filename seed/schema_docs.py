"""What every warehouse table and column means: the words docs/tables.md prints beside seed/schema.py.

Kept apart from the table definitions so the schema stays readable as code; ``missing_meanings`` and
``stale_meanings`` (checked by a test) keep the two in step: a new column without a meaning, or a
meaning for a column that no longer exists, fails the build.
"""

from __future__ import annotations

from sqlalchemy import MetaData

# Columns that mean the same wherever they appear (a table's own entry below wins).
COMMON: dict[str, str] = {
    "batch_id": "the load (→ `load_batch`) the row came from",
    "synthetic": "true when synthetic demo data (`jamfor seed --demo`) went into the row",
    "area_code": "'00' riket, 2-digit länskod, 4-digit kommunkod, `0180NN` Stockholm stadsdel (text: "
                 "keep leading zeros)",
    "area_name": "the area's Swedish name",
    "lan_code": "2-digit länskod of the län the area lies in",
    "lan_name": "the län's Swedish name",
    "scope_code": "länskod, or '00' for riket: the area the row summarises",
    "scope_name": "the län's name, or Riket",
    "verksamhetsomrade": "SKR survey code: aldre, barn_och_unga, funktionshinder, "
                         "missbruk_och_beroende, socialpsykiatri, vald_i_nara_relationer",
    "omrade_name": "the verksamhetsområde's Swedish name",
    "huvudgrupp": "the insats's main group (the report's, or jamfor's grouping where it gives none)",
    "insats_id": "stable insats id (→ `insats`), e.g. `fh_trygghetslarm`",
    "insats_name": "the insats's name as the report gives it",
    "insats_label": "name, with `*` for an insats aimed at anhöriga",
    "anhorig": "aimed at anhöriga (the report's `*`)",
    "name_known": "false: a placeholder filling the mapped total, never a real insats name",
    "insatskategori": "category of the wish question (null where unknown)",
    "indicator_id": "stable indicator id, a public interface (e.g. `lss_ibic_alla_utredningar`)",
    "year": "the year the survey refers to",
    "value": "percent (0–100); a kommun's ja/nej is stored as 100/0 so that a mean is a share",
    "status": "`ok`, `bortfall` (too few answered), `ej_tillampligt`, `sekretess`, `ej_besvarad`",
    "kind": "`indikator`, `bakgrundsmatt` (no \"better\" direction), `svarsfrekvens`",
    "unit": "`procent`",
    "higher_is_better": "true / false / null (null for bakgrundsmått and svarsfrekvens)",
    "level": "`riket`, `lan`, `kommun`, `stadsdel`",
    "kommungrupp": "SKR kommungrupp 2023 code (A1…C9); Stockholm's stadsdelar carry Stockholm's",
    "iso_3166_2": "ISO 3166-2:SE code of the län (`SE-M` Skåne); Superset's Sweden map matches on it",
    "question": "`form`, `regi` or `bistandsbeslut`",
    "category": "the answer counted, as in `insats_response` (e.g. fysisk / digital / bada)",
    "n_instances": "kommun × offered insats instances in the category",
    "n_answered_instances": "instances whose question was answered: the report's \"100 % = N\"",
    "share": "percent 0–100, unrounded (the report rounds half up)",
    "n_mapped": "insatser of the område in the catalogue",
    "n_answered": "kommuner that answered (the survey, or the question the row is about)",
    "mean_offered": "mean number of insatser offered per answering kommun",
}

# table -> (what it holds, {column: meaning where COMMON does not say it})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "load_batch": ("Provenance of every load: each source, file or API query loaded is one batch.", {
        "batch_id": "id of the load",
        "source": "`reference`, `published`, `demo`, `oj_excel`, `kolada`, `skr`, …",
        "source_ref": "the publication, file name(s) or API query",
        "sha256": "checksum of the input (files as read)",
        "content_sha256": "checksum of the rows as loaded (an unchanged re-load is recognised by it)",
        "started_at": "UTC",
        "finished_at": "UTC",
        "rows": "rows written by this load",
        "synthetic": "true for generated demo data",
        "jamfor_version": "the version that loaded it",
        "attribution": "the credit line a dashboard must show (e.g. \"Källa: Kolada\")",
    }),
    "kommungrupp": ("SKR kommungruppsindelning 2023.", {
        "code": "A1…C9", "name": "Swedish name", "huvudgrupp": "the main group the code belongs to",
    }),
    "area": ("Riket, the 21 län, the 290 kommuner and Stockholm's stadsdelsområden.", {
        "name": "Swedish name",
        "lan_code": "the län the area lies in (empty for riket)",
        "iso_3166_2": "ISO 3166-2:SE code of a län (`SE-M` Skåne); Superset's Sweden map matches on it",
        "valid_from": "first day a stadsdelsområde is valid",
        "valid_to": "last day a stadsdelsområde is valid (empty: still valid)",
        "sort_order": "position of the name in Swedish alphabetical order (Å, Ä, Ö last), computed in "
                      "Python at load: ORDER BY it for Swedish order, whatever the database's collation",
    }),
    "indicator": ("The indicator catalogue (`seed/catalog/indicators.yaml` and indicators loaded "
                  "workbooks define).", {
        "title": "Swedish title, worded as Socialstyrelsen words it",
        "short_title": "short Swedish title for charts and filters",
        "verksamhet": "LSS, Äldreomsorg, Ekonomiskt bistånd, Missbruk och beroende, Socialpsykiatri; "
                      "Socialtjänst for the survey as a whole",
        "measure_type": "`struktur`, `process`, `resultat` where known",
        "source": "who publishes it",
        "publication": "the publication it comes from",
        "kolada_kpi": "the Kolada KPI id `jamfor load kolada` reads it from (the catalogue's mapping)",
        "description": "plain Swedish: what the figure means",
    }),
    "indicator_value": ("One value per indicator, area and year.", {
        "raw_value": "the source cell's text as read (\"Ja\", \"82,5 %\", \"-\", \"17/21\" for a "
                     "derived share); a Kolada code with its label (\"2 (Ja, för alla)\"); for a län or "
                     "riket jamfor computed from Kolada's kommun answers \"beräknad av jamfor: …\"",
        "numerator": "count behind a share where known (ja answers; socionomer)",
        "denominator": "count behind a share where known (answering units; handläggare)",
    }),
    "indicator_comparison_base": ("The computed comparisons, one row per indicator × area × year, "
                                  "derived after every load for the indicators it touched. The view "
                                  "`indicator_comparison` adds titles, names, län and `period` (1 "
                                  "January of the year): it is what the ÖJ dashboards read.", {
        "riket_value": "riket's value the same year",
        "lan_value": "the area's län's value the same year (empty for län rows)",
        "kommungrupp_mean": "unweighted mean over the kommuner of the area's kommungrupp (kommun and "
                            "stadsdel rows)",
        "rank": "rank among areas of the same level; 1 = best, ties share the best rank; direction "
                "from `higher_is_better` (a bakgrundsmått is ranked highest first)",
        "n_ranked": "areas ranked (kommuner among 290, län among 21, stadsdelar among themselves)",
        "percentile": "0–100: the share of ranked areas that do worse, ties counted half",
        "colour": "`gron` / `gul` / `rod` by thirds of the percentile, `gra` where the value is "
                  "missing, empty for riket and indicators without direction; where a level's values "
                  "are all 0 or 100 (ja/nej), ja is `gron` and nej `rod`",
        "diff_riket_pp": "value − riket value, in percentage points",
        "prev_year": "the previous year with a row for the area",
        "change_since_prev": "change since `prev_year`, in percentage points",
        "synthetic": "true when the value comes from a synthetic (demo) batch",
    }),
    "batch_rows": ("Internal: rows per load batch and base table, kept with every load so the "
                   "data-sources notes need no full count.", {
        "base_table": "the table the rows are in",
        "n_rows": "rows of the batch in that table",
    }),
    "indicator_year": ("Internal: rows of `indicator_comparison_base` per indicator and year, kept with "
                       "the comparison, so the dashboards' filters list indicators with data and years "
                       "without grouping the whole comparison.", {
        "n_rows": "areas with a row for the indicator and year (with or without a value)",
    }),
    "verksamhetsomrade": ("The six verksamhetsområden of SKR's insats survey.", {
        "code": "aldre, barn_och_unga, funktionshinder, missbruk_och_beroende, socialpsykiatri, "
                "vald_i_nara_relationer",
        "name": "Swedish name",
    }),
    "insats": ("SKR's insats catalogue (`seed/catalog/insatser.csv`).", {
        "name": "the insats's name",
        "position": "order within the område, as in the catalogue",
    }),
    "survey_response": ("One kommun (or Stockholm stadsdel) × verksamhetsområde of SKR's survey.", {
        "status": "`ej_paborjad`, `paborjad`, `slutford`",
        "gives_further_insatser": "gives insatser beyond the survey's list (null: not answered)",
        "wants_without_bistandsbeslut": "`ja` / `nej` / `vet_ej` / null",
    }),
    "insats_response": ("One kommun × insats answer; each column null when not answered.", {
        "offered": "offered 2016–2020",
        "form": "`fysisk` / `digital` / `bada`",
        "regi": "`kommunal` / `enskild` / `bada`",
        "bistandsbeslut": "`med` / `utan` / `bada`",
    }),
    "wish_category": ("Would the kommun give insatser of this kategori without biståndsbeslut?", {
        "wanted": "ja (true) or nej (false)",
    }),
    "skr_response_counts": ("Survey response per scope × område (derived).", {
        "n_units": "kommuner and stadsdelar surveyed",
        "n_not_started": "status ej_paborjad",
        "n_started": "status paborjad",
        "n_answered": "started + completed",
        "n_completed": "status slutford",
        "share_completed": "`n_completed` of `n_units`, percent",
    }),
    "skr_response_all_areas": ("Units that answered or completed all six surveys (derived).", {
        "n_units": "kommuner and stadsdelar surveyed",
        "n_answered_all": "answered all six",
        "n_completed_all": "completed all six",
    }),
    "skr_insatsutbud": ("Insatsutbud per scope × område (derived).", {
        "n_completed": "kommuner that completed the survey",
        "min_offered_completed": "fewest insatser offered by a completing kommun",
        "max_offered_completed": "most insatser offered by a completing kommun",
        "n_further_answered": "kommuner answering the further-insatser question",
        "n_further_yes": "… of them answering ja",
        "share_further": "`n_further_yes` of `n_further_answered`, percent",
    }),
    "skr_offered_per_kommun": ("Insatser offered per kommun × område (derived).", {
        "status": "the kommun's survey status",
        "n_offered": "insatser offered",
        "n_insatser_answered": "insatser whose offered question was answered",
        "gives_further_insatser": "as in `survey_response`",
    }),
    "skr_huvudgrupp_mean": ("Mean insatser offered per scope × område × huvudgrupp (derived).", {
        "n_mapped": "insatser of the huvudgrupp in the catalogue",
        "n_answered": "answering kommuner",
    }),
    "skr_insats_summary": ("Per scope × område × insats: how many offer it, and its rank. A public "
                           "interface (derived).", {
        "n_offering": "kommuner offering it",
        "n_answered": "kommuner that answered for the insats",
        "share_offering": "`n_offering` of `n_answered`, percent",
        "rank_most_common": "1 = most common; ties share a rank; top-10 = rank ≤ 10",
        "rank_least_common": "among insatser some kommun offers (null when none does); bottom-10 = "
                             "rank ≤ 10",
        "order_most_common": "1, 2, 3, … by count, ties in the order SKR's report prints them "
                             "(`seed/catalog/skr_report_order.csv`), then by name: the top-10's row order",
        "order_least_common": "the same for the bottom-10 (null when no kommun offers it)",
    }),
    "skr_distribution": ("Form, regi and biståndsbeslut per scope × område (derived).", {}),
    "skr_distribution_kommun": ("Form, regi and biståndsbeslut per kommun × område (derived).", {
        "area_sort_order": "the kommun's `area.sort_order` (Swedish alphabetical order)",
    }),
    "skr_distribution_huvudgrupp": ("Form, regi and biståndsbeslut per scope × område × huvudgrupp "
                                    "(derived).", {
        "n_kommuner": "answering kommuner, the report's \"(n)\"",
    }),
    "skr_distribution_insats": ("Form, regi and biståndsbeslut per insats: the \"vanligast\" lists "
                                "(derived; rows with a count).", {
        "n_category": "kommuner answering the category for the insats",
        "n_answered": "kommuner offering it that answered the question: the \"(n)\"",
        "rank": "by count within the category; ties: the report's printed order "
                "(`seed/catalog/skr_report_order.csv`), then higher share, then name; "
                "\"vanligast\" = rank ≤ 5",
    }),
    "skr_wish": ("Wanting to give insatser without biståndsbeslut, per scope × område (derived).", {
        "n_ja": "answered ja", "n_nej": "answered nej", "n_vet_ej": "answered vet ej",
        "share_ja": "`n_ja` of `n_answered`, percent",
    }),
    "skr_wish_category": ("The wish per insatskategori, per scope × område (derived).", {
        "n_wanting": "kommuner wanting it",
        "n_answered": "kommuner answering the kategori question",
    }),
    "derived_source": ("Internal: what each derived table was computed from, so a load that changes "
                       "none of a builder's inputs skips recomputing it.", {
        "builder": "`batch_rows`, `indicator_comparison` or `skr`",
        "base_table": "an input table of the builder",
        "n_rows": "its row count when the builder last ran",
        "max_batch_id": "its newest `batch_id` when the builder last ran",
    }),
}


def table_meaning(table: str) -> str:
    return TABLES.get(table, ("", {}))[0]


def column_meaning(table: str, column: str) -> str:
    """The table's own meaning for the column, else the common one, else ''."""
    own = TABLES.get(table, ("", {}))[1]
    return own.get(column) or COMMON.get(column, "")


def missing_meanings(metadata: MetaData) -> list[str]:
    """``table`` or ``table.column`` names the schema has and this module does not explain."""
    missing = [t.name for t in metadata.tables.values() if not table_meaning(t.name)]
    missing += [f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns
                if not column_meaning(t.name, c.name)]
    return missing


def stale_meanings(metadata: MetaData) -> list[str]:
    """Meanings for tables or columns the schema no longer has."""
    stale = [name for name in TABLES if name not in metadata.tables]
    stale += [f"{name}.{column}" for name, (_, columns) in TABLES.items() if name in metadata.tables
              for column in columns if column not in metadata.tables[name].columns]
    used = {c.name for t in metadata.tables.values() for c in t.columns}
    stale += [f"*.{column}" for column in COMMON if column not in used]
    return stale
