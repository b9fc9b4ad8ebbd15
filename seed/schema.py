"""Every warehouse table, in one place.

Plain SQLAlchemy Core so the same definitions create the tables on SQLite and PostgreSQL, under
SQLAlchemy 1.4 (what Superset pins) and 2.x. Table and column names are a public interface: analysts
write SQL and Superset datasets against them.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, DropIndex, DropTable
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

metadata = MetaData()

LEVELS = ("riket", "lan", "kommun", "stadsdel")
STATUSES = ("ok", "bortfall", "ej_tillampligt", "sekretess", "ej_besvarad")
KINDS = ("indikator", "bakgrundsmatt", "svarsfrekvens")
COLOURS = ("gron", "gul", "rod", "gra")
RIKET = "00"
# Kolada's kön codes and the Swedish words the view and the dashboards show.
KON_NAMES = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}

# The meaning of a column that means the same in every table that has it (a column's own comment
# says what differs). Each meaning is the column's SQL comment: PostgreSQL's catalogue carries it
# (\d+ in psql, any SQL client) and docs/tables.md prints it.
COMMON: dict[str, str] = {
    "batch_id": "the load (→ `load_batch`) the row came from",
    "synthetic": "true when synthetic demo data (`jamfor seed --demo`) went into the row",
    "area_code": ("'00' riket, 2-digit länskod, 4-digit kommunkod, `0180NN` Stockholm stadsdel (text: "
                  "keep leading zeros)"),
    "area_name": "the area's Swedish name",
    "lan_code": "2-digit länskod of the län the area lies in",
    "lan_name": "the län's Swedish name",
    "scope_code": "länskod, or '00' for riket: the area the row summarises",
    "scope_name": "the län's name, or Riket",
    "verksamhetsomrade": ("SKR survey code: aldre, barn_och_unga, funktionshinder, "
                          "missbruk_och_beroende, socialpsykiatri, vald_i_nara_relationer"),
    "omrade_name": "the verksamhetsområde's Swedish name",
    "huvudgrupp": "the insats's main group (the publication's, or jamfor's grouping where it gives none)",
    "insats_id": "stable insats id (→ `insats`), e.g. `fh_trygghetslarm`",
    "insats_name": "the insats's name as the publication gives it",
    "insats_label": "name, with `*` for an insats aimed at anhöriga",
    "anhorig": "aimed at anhöriga (the publication's `*`)",
    "name_known": "false: a placeholder filling the mapped total, never a real insats name",
    "insatskategori": "category of the wish question (null where unknown)",
    "indicator_id": "stable indicator id, a public interface (e.g. `lss_ibic_alla_utredningar`)",
    "year": "the year the survey refers to",
    "value": "percent (0–100); a kommun's ja/nej is stored as 100/0 so that a mean is a share",
    "status": "`ok`, `bortfall` (too few answered), `ej_tillampligt`, `sekretess`, `ej_besvarad`",
    "kind": "`indikator`, `bakgrundsmatt` (no \"better\" direction), `svarsfrekvens`",
    "unit": ("`procent` (0–100); for a Kolada KPI outside the catalogue also `antal`, `kronor`, `kvot` "
             "or `okänd` (read from Kolada's definition)"),
    "higher_is_better": "true / false / null (null for bakgrundsmått and svarsfrekvens)",
    "level": "`riket`, `lan`, `kommun`, `stadsdel`",
    "kommungrupp": "SKR kommungrupp 2023 code (A1…C9); Stockholm's stadsdelar carry Stockholm's",
    "iso_3166_2": "ISO 3166-2:SE code of the län (`SE-M` Skåne); Superset's Sweden map matches on it",
    "question": "`form`, `regi` or `bistandsbeslut`",
    "category": "the answer counted, as in `insats_response` (e.g. fysisk / digital / bada)",
    "n_instances": "kommun × offered insats instances in the category",
    "n_answered_instances": "instances whose question was answered: the publication's \"100 % = N\"",
    "share": "percent 0–100, unrounded (the publication rounds half up)",
    "n_mapped": "insatser of the område in the catalogue",
    "n_answered": "kommuner that answered (the survey, or the question the row is about)",
    "mean_offered": "mean number of insatser offered per answering kommun",
}


def _batch_column() -> Column:
    return Column("batch_id", Integer, ForeignKey("load_batch.batch_id"), nullable=False, index=True,
                  comment=COMMON["batch_id"])


load_batch = Table(
    "load_batch",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True, comment="id of the load"),
    Column("source", String(40), nullable=False,
           comment="`reference`, `published`, `demo`, `oj_excel`, `kolada`, `skr`, …"),
    Column("source_ref", Text, nullable=False, comment="the publication, file name(s) or API query"),
    Column("sha256", String(64), nullable=False, comment="checksum of the input (files as read)"),
    Column("content_sha256", String(64), nullable=False,
           comment="checksum of the rows as loaded (an unchanged re-load is recognised by it)"),
    Column("started_at", DateTime, nullable=False, comment="UTC"),
    Column("finished_at", DateTime, comment="UTC"),
    Column("rows", Integer, nullable=False, default=0, comment="rows written by this load"),
    Column("synthetic", Boolean, nullable=False, comment="true for generated demo data"),
    Column("jamfor_version", String(40), nullable=False, comment="the version that loaded it"),
    Column("attribution", Text, comment="the credit line a dashboard must show (e.g. \"Källa: Kolada\")"),
    comment="Provenance of every load: each source, file or API query loaded is one batch.",
)

kommungrupp = Table(
    "kommungrupp",
    metadata,
    Column("code", String(2), primary_key=True, comment="A1…C9"),
    Column("name", Text, nullable=False, comment="Swedish name"),
    Column("huvudgrupp", Text, nullable=False, comment="the main group the code belongs to"),
    _batch_column(),
    comment="SKR kommungruppsindelning 2023.",
)

area = Table(
    "area",
    metadata,
    Column("area_code", String(8), primary_key=True, comment=COMMON["area_code"]),
    Column("name", Text, nullable=False, comment="Swedish name"),
    Column("level", String(10), nullable=False, comment=COMMON["level"]),
    Column("lan_code", String(2), comment="the län the area lies in (empty for riket)"),
    Column("iso_3166_2", String(6),
           comment="ISO 3166-2:SE code of a län (`SE-M` Skåne); Superset's Sweden map matches on it"),
    Column("kommungrupp", String(2), ForeignKey("kommungrupp.code"), comment=COMMON["kommungrupp"]),
    Column("valid_from", Date, comment="first day a stadsdelsområde is valid"),
    Column("valid_to", Date, comment="last day a stadsdelsområde is valid (empty: still valid)"),
    Column("sort_order", Integer,
           comment=("position of the name in Swedish alphabetical order (Å, Ä, Ö last), computed in "
                    "Python at load: ORDER BY it for Swedish order, whatever the database's collation")),
    _batch_column(),
    CheckConstraint(f"level IN {LEVELS}", name="area_level"),
    comment="Riket, the 21 län, the 290 kommuner and Stockholm's stadsdelsområden.",
)

indicator = Table(
    "indicator",
    metadata,
    Column("indicator_id", String(80), primary_key=True, comment=COMMON["indicator_id"]),
    Column("title", Text, nullable=False, comment="Swedish title, worded as Socialstyrelsen words it"),
    Column("short_title", Text, nullable=False, comment="short Swedish title for charts and filters"),
    Column("verksamhet", Text, nullable=False,
           comment=("LSS, Äldreomsorg, Ekonomiskt bistånd, Missbruk och beroende, Socialpsykiatri; "
                    "Socialtjänst for the survey as a whole or IFO; for a Kolada KPI outside the catalogue "
                    "`Övrigt` (its operating area is none of these) or `Okänd` (Kolada gives none)")),
    Column("kind", String(16), nullable=False, comment=COMMON["kind"]),
    Column("measure_type", String(16), comment="`struktur`, `process`, `resultat` where known"),
    Column("unit", String(16), nullable=False, comment=COMMON["unit"]),
    Column("higher_is_better", Boolean, comment=COMMON["higher_is_better"]),
    Column("source", Text, nullable=False, comment="who publishes it"),
    Column("publication", Text, comment="the publication it comes from"),
    Column("kolada_kpi", String(16),
           comment="the Kolada KPI id `jamfor load kolada` reads it from (the catalogue's mapping)"),
    Column("description", Text, nullable=False, comment="plain Swedish: what the figure means"),
    Column("kon", String(1), nullable=False, server_default="T",
           comment=("`T` totalt, `K` kvinnor, `M` män: the series' kön (Kolada's codes); a K or M series is "
                    "an indicator of its own beside its total")),
    Column("total_indicator_id", String(80),
           comment="for a K or M series, the indicator of its total (T); empty for a total"),
    Column("kolada_operating_area", Text,
           comment="Kolada's operating area of the KPI as given (a comma list); `verksamhet` maps it"),
    Column("metadata_note", Text,
           comment="Swedish: what jamfor could not read from the Kolada KPI record (unit, verksamhet, …)"),
    _batch_column(),
    CheckConstraint(f"kind IN {KINDS}", name="indicator_kind"),
    CheckConstraint(f"kon IN {tuple(KON_NAMES)}", name="indicator_kon"),
    comment=("The indicator catalogue (`seed/catalog/indicators.yaml` and indicators loaded workbooks "
             "define)."),
)

indicator_value = Table(
    "indicator_value",
    metadata,
    Column("indicator_id", String(80), ForeignKey("indicator.indicator_id"), primary_key=True,
           comment=COMMON["indicator_id"]),
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True,
           comment=COMMON["area_code"]),
    Column("year", Integer, primary_key=True, comment=COMMON["year"]),
    Column("value", Float, comment=COMMON["value"]),
    Column("status", String(16), nullable=False, comment=COMMON["status"]),
    Column("raw_value", Text,
           comment=("the source cell's text as read (\"Ja\", \"82,5 %\", \"-\", \"17/21\" for a derived "
                    "share); a Kolada code with its label (\"2 (Ja, för alla)\"); for a län or riket "
                    "jamfor computed from Kolada's kommun answers \"beräknad av jamfor: …\"")),
    Column("numerator", Float, comment="count behind a share where known (ja answers; socionomer)"),
    Column("denominator", Float, comment="count behind a share where known (answering units; handläggare)"),
    _batch_column(),
    CheckConstraint(f"status IN {STATUSES}", name="indicator_value_status"),
    comment="One value per indicator, area and year.",
)

# Kolada's municipality groups (its "liknande kommuner" groups among them): a kommun may belong to
# many, so they are a table of their own and not a column of `area` as the one SKR kommungrupp is.
kolada_group = Table(
    "kolada_group",
    metadata,
    Column("group_id", String(16), primary_key=True, comment="Kolada's id of the group, e.g. `G124026`"),
    Column("title", Text, nullable=False, comment="Kolada's Swedish title of the group"),
    Column("year", Integer,
           comment="the year the group was made for, from its title (\"Liknande kommuner IFO, Arboga, "
           "2024\"); empty when the title names none"),
    Column("area_code", String(8), ForeignKey("area.area_code"),
           comment="the kommun a \"liknande kommuner\" group was made for, from its title; empty for a "
           "group made for no one kommun. Such a group is compared with that kommun alone, any other "
           "group with every kommun"),
    _batch_column(),
    # The comparison view pairs a kommun with its groups: without this, a scan of every group per kommun.
    Index("ix_kolada_group_area", "area_code"),
    comment="Kolada's municipality groups (`jamfor load kolada-groups`).",
)

kolada_group_member = Table(
    "kolada_group_member",
    metadata,
    Column("group_id", String(16), ForeignKey("kolada_group.group_id"), primary_key=True,
           comment="the group (→ `kolada_group`)"),
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True,
           comment="a kommun in the group (4-digit kommunkod)"),
    _batch_column(),
    comment="The kommuner of each Kolada municipality group, as Kolada lists them when loaded.",
)

# The comparison numbers, one row per indicator × area × year: keys and what jamfor.seed.derive
# computes, nothing that can be joined in. Titles and names come from the view indicator_comparison
# (comparison_view below), so a renamed kommun or indicator needs no recomputation and a load writes
# 18 narrow columns instead of 29 wide ones. The indexes serve the dashboards' filters: an indicator
# and year (the primary key's prefix); one area, and one area's indicator over the years (the area
# index). The area index leads with the indicator after the area so that one indicator's new rows
# land in one run of entries per area (312 index pages at national scale, not one per area and year:
# what a small load writes and journals) and "one kommun, one indicator" reads its ten rows directly.
indicator_comparison_base = Table(
    "indicator_comparison_base",
    metadata,
    Column("indicator_id", String(80), primary_key=True, comment=COMMON["indicator_id"]),
    Column("year", Integer, primary_key=True, comment=COMMON["year"]),
    Column("area_code", String(8), primary_key=True, comment=COMMON["area_code"]),
    Column("value", Float, comment=COMMON["value"]),
    Column("status", String(16), nullable=False, comment=COMMON["status"]),
    Column("riket_value", Float, comment="riket's value the same year"),
    Column("lan_value", Float, comment="the area's län's value the same year (empty for län rows)"),
    Column("kommungrupp_mean", Float,
           comment=("unweighted mean over the kommuner of the area's kommungrupp (kommun and stadsdel "
                    "rows)")),
    Column("rank", Integer,
           comment=("rank among areas of the same level; 1 = best, ties share the best rank; direction "
                    "from `higher_is_better` (a bakgrundsmått is ranked highest first)")),
    Column("n_ranked", Integer,
           comment="areas ranked (kommuner among 290, län among 21, stadsdelar among themselves)"),
    Column("percentile", Float, comment="0–100: the share of ranked areas that do worse, ties counted half"),
    Column("colour", String(4),
           comment=("`gron` / `gul` / `rod` by thirds of the percentile, `gra` where the value is "
                    "missing, empty for riket and indicators without direction; where a level's values "
                    "are all 0 or 100 (ja/nej), ja is `gron` and nej `rod`")),
    Column("diff_riket_pp", Float, comment="value − riket value, in percentage points"),
    Column("prev_year", Integer, comment="the previous year with a row for the area"),
    Column("change_since_prev", Float, comment="change since `prev_year`, in percentage points"),
    Column("synthetic", Boolean, nullable=False,
           comment="true when the value comes from a synthetic (demo) batch"),
    Column("batch_id", Integer, nullable=False, comment=COMMON["batch_id"]),
    Index("ix_indicator_comparison_base_area", "area_code", "indicator_id", "year"),
    comment=("The computed comparisons, one row per indicator × area × year, derived after every load "
             "for the indicators it touched. The view `indicator_comparison` adds titles, names, län and "
             "`period` (1 January of the year): it is what the ÖJ dashboards read."),
)

# Rows per batch and base table, counted by jamfor.seed.derive after every load: the data-sources note
# on every dashboard reads this instead of grouping the whole warehouse.
batch_rows = Table(
    "batch_rows",
    metadata,
    Column("batch_id", Integer, primary_key=True, comment=COMMON["batch_id"]),
    Column("base_table", String(40), primary_key=True, comment="the table the rows are in"),
    Column("n_rows", Integer, nullable=False, comment="rows of the batch in that table"),
    comment=("Internal: rows per load batch and base table, kept with every load so the data-sources "
             "notes need no full count."),
)

# Rows of indicator_comparison_base per indicator and year, kept by jamfor.seed.derive with the
# comparison: the dashboards' native filters list indicators with data and years from here (10,000
# rows at national scale) instead of grouping the 3 million rows of the comparison.
indicator_year = Table(
    "indicator_year",
    metadata,
    Column("indicator_id", String(80), primary_key=True, comment=COMMON["indicator_id"]),
    Column("year", Integer, primary_key=True, comment=COMMON["year"]),
    Column("n_rows", Integer, nullable=False,
           comment="areas with a row for the indicator and year (with or without a value)"),
    comment=("Internal: rows of `indicator_comparison_base` per indicator and year, kept with the "
             "comparison, so the dashboards' filters list indicators with data and years without grouping "
             "the whole comparison."),
)


def indicator_year_select() -> Select:
    """indicator_year's rows as the comparison holds them (the derive narrows it to what it redid)."""
    c = indicator_comparison_base.c
    return select(c.indicator_id, c.year, func.count().label("n_rows")).group_by(c.indicator_id, c.year)


# --- SKR: inventering av socialtjänstens insatser (2021 survey, 2022 publication) ---------------------
# Base tables hold one kommun's (or Stockholm stadsdel's) answers; the skr_* tables are derived by
# jamfor.seed.derive_skr after every load and hold the publication's analyses per län and riket (scope_code).

SURVEY_STATUSES = ("ej_paborjad", "paborjad", "slutford")
WISH_ANSWERS = ("ja", "nej", "vet_ej")
FORMS = ("fysisk", "digital", "bada")
REGIER = ("kommunal", "enskild", "bada")
BESLUT = ("med", "utan", "bada")


def _skr_scope_columns() -> list[Column]:
    return [Column("scope_code", String(2), primary_key=True, comment=COMMON["scope_code"]),
            Column("scope_name", Text, nullable=False, comment=COMMON["scope_name"]),
            Column("verksamhetsomrade", String(32), primary_key=True, comment=COMMON["verksamhetsomrade"]),
            Column("omrade_name", Text, nullable=False, comment=COMMON["omrade_name"])]


verksamhetsomrade = Table(
    "verksamhetsomrade",
    metadata,
    Column("code", String(32), primary_key=True,
           comment=("aldre, barn_och_unga, funktionshinder, missbruk_och_beroende, socialpsykiatri, "
                    "vald_i_nara_relationer")),
    Column("name", Text, nullable=False, comment="Swedish name"),
    _batch_column(),
    comment="The six verksamhetsområden of SKR's insats survey.",
)

insats = Table(
    "insats",
    metadata,
    Column("insats_id", String(80), primary_key=True, comment=COMMON["insats_id"]),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), nullable=False,
           comment=COMMON["verksamhetsomrade"]),
    Column("huvudgrupp", Text, nullable=False, comment=COMMON["huvudgrupp"]),
    Column("name", Text, nullable=False, comment="the insats's name"),
    Column("anhorig", Boolean, nullable=False, comment=COMMON["anhorig"]),
    Column("insatskategori", Text, comment=COMMON["insatskategori"]),
    Column("name_known", Boolean, nullable=False, comment=COMMON["name_known"]),
    Column("position", Integer, nullable=False, comment="order within the område, as in the catalogue"),
    _batch_column(),
    comment="SKR's insats catalogue (`seed/catalog/insatser.csv`).",
)

survey_response = Table(
    "survey_response",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True,
           comment=COMMON["area_code"]),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), primary_key=True,
           comment=COMMON["verksamhetsomrade"]),
    Column("status", String(12), nullable=False, comment="`ej_paborjad`, `paborjad`, `slutford`"),
    Column("gives_further_insatser", Boolean,
           comment="gives insatser beyond the survey's list (null: not answered)"),
    Column("wants_without_bistandsbeslut", String(8), comment="`ja` / `nej` / `vet_ej` / null"),
    _batch_column(),
    CheckConstraint(f"status IN {SURVEY_STATUSES}", name="survey_response_status"),
    CheckConstraint(f"wants_without_bistandsbeslut IN {WISH_ANSWERS}", name="survey_response_wish"),
    comment="One kommun (or Stockholm stadsdel) × verksamhetsområde of SKR's survey.",
)

insats_response = Table(
    "insats_response",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True,
           comment=COMMON["area_code"]),
    Column("insats_id", String(80), ForeignKey("insats.insats_id"), primary_key=True,
           comment=COMMON["insats_id"]),
    Column("offered", Boolean, comment="offered 2016–2020"),
    Column("form", String(8), comment="`fysisk` / `digital` / `bada`"),
    Column("regi", String(8), comment="`kommunal` / `enskild` / `bada`"),
    Column("bistandsbeslut", String(8), comment="`med` / `utan` / `bada`"),
    _batch_column(),
    CheckConstraint(f"form IN {FORMS}", name="insats_response_form"),
    CheckConstraint(f"regi IN {REGIER}", name="insats_response_regi"),
    CheckConstraint(f"bistandsbeslut IN {BESLUT}", name="insats_response_beslut"),
    comment="One kommun × insats answer; each column null when not answered.",
)

wish_category = Table(
    "wish_category",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True,
           comment=COMMON["area_code"]),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), primary_key=True,
           comment=COMMON["verksamhetsomrade"]),
    Column("insatskategori", Text, primary_key=True, comment=COMMON["insatskategori"]),
    Column("wanted", Boolean, nullable=False, comment="ja (true) or nej (false)"),
    _batch_column(),
    comment="Would the kommun give insatser of this kategori without biståndsbeslut?",
)

skr_response_counts = Table(
    "skr_response_counts",
    metadata,
    *_skr_scope_columns(),
    Column("n_units", Integer, nullable=False, comment="kommuner and stadsdelar surveyed"),
    Column("n_not_started", Integer, nullable=False, comment="status ej_paborjad"),
    Column("n_started", Integer, nullable=False, comment="status paborjad"),
    Column("n_answered", Integer, nullable=False, comment="started + completed"),
    Column("n_completed", Integer, nullable=False, comment="status slutford"),
    Column("share_completed", Float, comment="`n_completed` of `n_units`, percent"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Survey response per scope × område (derived).",
)

skr_response_all_areas = Table(
    "skr_response_all_areas",
    metadata,
    Column("scope_code", String(2), primary_key=True, comment=COMMON["scope_code"]),
    Column("scope_name", Text, nullable=False, comment=COMMON["scope_name"]),
    Column("n_units", Integer, nullable=False, comment="kommuner and stadsdelar surveyed"),
    Column("n_answered_all", Integer, nullable=False, comment="answered all six"),
    Column("n_completed_all", Integer, nullable=False, comment="completed all six"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Units that answered or completed all six surveys (derived).",
)

skr_insatsutbud = Table(
    "skr_insatsutbud",
    metadata,
    *_skr_scope_columns(),
    Column("n_mapped", Integer, nullable=False, comment=COMMON["n_mapped"]),
    Column("n_answered", Integer, nullable=False, comment=COMMON["n_answered"]),
    Column("mean_offered", Float, comment=COMMON["mean_offered"]),
    Column("n_completed", Integer, nullable=False, comment="kommuner that completed the survey"),
    Column("min_offered_completed", Integer, comment="fewest insatser offered by a completing kommun"),
    Column("max_offered_completed", Integer, comment="most insatser offered by a completing kommun"),
    Column("n_further_answered", Integer, nullable=False,
           comment="kommuner answering the further-insatser question"),
    Column("n_further_yes", Integer, nullable=False, comment="… of them answering ja"),
    Column("share_further", Float, comment="`n_further_yes` of `n_further_answered`, percent"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Insatsutbud per scope × område (derived).",
)

skr_offered_per_kommun = Table(
    "skr_offered_per_kommun",
    metadata,
    Column("area_code", String(8), primary_key=True, comment=COMMON["area_code"]),
    Column("verksamhetsomrade", String(32), primary_key=True, comment=COMMON["verksamhetsomrade"]),
    Column("area_name", Text, nullable=False, comment=COMMON["area_name"]),
    Column("lan_code", String(2), nullable=False, comment=COMMON["lan_code"]),
    Column("lan_name", Text, nullable=False, comment=COMMON["lan_name"]),
    Column("omrade_name", Text, nullable=False, comment=COMMON["omrade_name"]),
    Column("status", String(12), nullable=False, comment="the kommun's survey status"),
    Column("n_offered", Integer, nullable=False, comment="insatser offered"),
    Column("n_insatser_answered", Integer, nullable=False,
           comment="insatser whose offered question was answered"),
    Column("n_mapped", Integer, nullable=False, comment=COMMON["n_mapped"]),
    Column("gives_further_insatser", Boolean, comment="as in `survey_response`"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Insatser offered per kommun × område (derived).",
)

skr_huvudgrupp_mean = Table(
    "skr_huvudgrupp_mean",
    metadata,
    *_skr_scope_columns(),
    Column("huvudgrupp", Text, primary_key=True, comment=COMMON["huvudgrupp"]),
    Column("n_mapped", Integer, nullable=False, comment="insatser of the huvudgrupp in the catalogue"),
    Column("n_answered", Integer, nullable=False, comment="answering kommuner"),
    Column("mean_offered", Float, comment=COMMON["mean_offered"]),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Mean insatser offered per scope × område × huvudgrupp (derived).",
)

skr_insats_summary = Table(
    "skr_insats_summary",
    metadata,
    *_skr_scope_columns(),
    Column("insats_id", String(80), primary_key=True, comment=COMMON["insats_id"]),
    Column("insats_name", Text, nullable=False, comment=COMMON["insats_name"]),
    Column("insats_label", Text, nullable=False, comment=COMMON["insats_label"]),
    Column("anhorig", Boolean, nullable=False, comment=COMMON["anhorig"]),
    Column("name_known", Boolean, nullable=False, comment=COMMON["name_known"]),
    Column("huvudgrupp", Text, nullable=False, comment=COMMON["huvudgrupp"]),
    Column("n_offering", Integer, nullable=False, comment="kommuner offering it"),
    Column("n_answered", Integer, nullable=False, comment="kommuner that answered for the insats"),
    Column("share_offering", Float, comment="`n_offering` of `n_answered`, percent"),
    Column("rank_most_common", Integer, comment="1 = most common; ties share a rank; top-10 = rank ≤ 10"),
    Column("rank_least_common", Integer,
           comment="among insatser some kommun offers (null when none does); bottom-10 = rank ≤ 10"),
    Column("order_most_common", Integer,
           comment=("1, 2, 3, … by count, ties in the order SKR's publication prints them "
                    "(`seed/catalog/skr_publication_order.csv`), then by name: the top-10's row order")),
    Column("order_least_common", Integer,
           comment="the same for the bottom-10 (null when no kommun offers it)"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment=("Per scope × område × insats: how many offer it, and its rank. A public interface "
             "(derived)."),
)

skr_distribution = Table(
    "skr_distribution",
    metadata,
    *_skr_scope_columns(),
    Column("question", String(16), primary_key=True, comment=COMMON["question"]),
    Column("category", String(10), primary_key=True, comment=COMMON["category"]),
    Column("n_instances", Integer, nullable=False, comment=COMMON["n_instances"]),
    Column("n_answered_instances", Integer, nullable=False, comment=COMMON["n_answered_instances"]),
    Column("share", Float, comment=COMMON["share"]),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Form, regi and biståndsbeslut per scope × område (derived).",
)

skr_distribution_kommun = Table(
    "skr_distribution_kommun",
    metadata,
    Column("area_code", String(8), primary_key=True, comment=COMMON["area_code"]),
    Column("verksamhetsomrade", String(32), primary_key=True, comment=COMMON["verksamhetsomrade"]),
    Column("question", String(16), primary_key=True, comment=COMMON["question"]),
    Column("category", String(10), primary_key=True, comment=COMMON["category"]),
    Column("area_name", Text, nullable=False, comment=COMMON["area_name"]),
    Column("area_sort_order", Integer, comment="the kommun's `area.sort_order` (Swedish alphabetical order)"),
    Column("omrade_name", Text, nullable=False, comment=COMMON["omrade_name"]),
    Column("lan_code", String(2), nullable=False, comment=COMMON["lan_code"]),
    Column("n_instances", Integer, nullable=False, comment=COMMON["n_instances"]),
    Column("n_answered_instances", Integer, nullable=False, comment=COMMON["n_answered_instances"]),
    Column("share", Float, comment=COMMON["share"]),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Form, regi and biståndsbeslut per kommun × område (derived).",
)

skr_distribution_huvudgrupp = Table(
    "skr_distribution_huvudgrupp",
    metadata,
    *_skr_scope_columns(),
    Column("huvudgrupp", Text, primary_key=True, comment=COMMON["huvudgrupp"]),
    Column("question", String(16), primary_key=True, comment=COMMON["question"]),
    Column("category", String(10), primary_key=True, comment=COMMON["category"]),
    Column("n_instances", Integer, nullable=False, comment=COMMON["n_instances"]),
    Column("n_answered_instances", Integer, nullable=False, comment=COMMON["n_answered_instances"]),
    Column("n_kommuner", Integer, nullable=False, comment="answering kommuner, the publication's \"(n)\""),
    Column("share", Float, comment=COMMON["share"]),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Form, regi and biståndsbeslut per scope × område × huvudgrupp (derived).",
)

skr_distribution_insats = Table(
    "skr_distribution_insats",
    metadata,
    *_skr_scope_columns(),
    Column("insats_id", String(80), primary_key=True, comment=COMMON["insats_id"]),
    Column("question", String(16), primary_key=True, comment=COMMON["question"]),
    Column("category", String(10), primary_key=True, comment=COMMON["category"]),
    Column("insats_name", Text, nullable=False, comment=COMMON["insats_name"]),
    Column("insats_label", Text, nullable=False, comment=COMMON["insats_label"]),
    Column("anhorig", Boolean, nullable=False, comment=COMMON["anhorig"]),
    Column("name_known", Boolean, nullable=False, comment=COMMON["name_known"]),
    Column("n_category", Integer, nullable=False, comment="kommuner answering the category for the insats"),
    Column("n_answered", Integer, nullable=False,
           comment="kommuner offering it that answered the question: the \"(n)\""),
    Column("share", Float, comment=COMMON["share"]),
    Column("rank", Integer, nullable=False,
           comment=("by count within the category; ties: the publication's printed order "
                    "(`seed/catalog/skr_publication_order.csv`), then higher share, then name; "
                    "\"vanligast\" = rank ≤ 5")),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment=("Form, regi and biståndsbeslut per insats: the \"vanligast\" lists (derived; rows with a "
             "count)."),
)

skr_wish = Table(
    "skr_wish",
    metadata,
    *_skr_scope_columns(),
    Column("n_answered", Integer, nullable=False, comment=COMMON["n_answered"]),
    Column("n_ja", Integer, nullable=False, comment="answered ja"),
    Column("n_nej", Integer, nullable=False, comment="answered nej"),
    Column("n_vet_ej", Integer, nullable=False, comment="answered vet ej"),
    Column("share_ja", Float, comment="`n_ja` of `n_answered`, percent"),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="Wanting to give insatser without biståndsbeslut, per scope × område (derived).",
)

skr_wish_category = Table(
    "skr_wish_category",
    metadata,
    *_skr_scope_columns(),
    Column("insatskategori", Text, primary_key=True, comment=COMMON["insatskategori"]),
    Column("n_wanting", Integer, nullable=False, comment="kommuner wanting it"),
    Column("n_answered", Integer, nullable=False, comment="kommuner answering the kategori question"),
    Column("share", Float, comment=COMMON["share"]),
    Column("synthetic", Boolean, nullable=False, comment=COMMON["synthetic"]),
    comment="The wish per insatskategori, per scope × område (derived).",
)

# What each derived table was last computed from (rows and newest batch per base table): a load that
# leaves a builder's inputs as they were skips recomputing its tables.
derived_source = Table(
    "derived_source",
    metadata,
    Column("builder", String(40), primary_key=True, comment="`batch_rows`, `indicator_comparison` or `skr`"),
    Column("base_table", String(40), primary_key=True, comment="an input table of the builder"),
    Column("n_rows", Integer, nullable=False, comment="its row count when the builder last ran"),
    Column("max_batch_id", Integer, nullable=False,
           comment="its newest `batch_id` when the builder last ran"),
    comment=("Internal: what each derived table was computed from, so a load that changes none of a "
             "builder's inputs skips recomputing it."),
)


class year_start(FunctionElement):  # noqa: N801 - named like the SQL functions it stands for
    """1 January of an integer year as a date: the charts' time column. Each dialect spells it its own
    way; SQLite stores dates as ISO text, as SQLAlchemy's Date type does."""

    type = Date()
    inherit_cache = True


@compiles(year_start)
def _year_start_default(element, compiler, **kw):
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS VARCHAR(4)) || '-01-01' AS DATE)"


@compiles(year_start, "postgresql")
def _year_start_postgresql(element, compiler, **kw):
    return f"make_date({compiler.process(element.clauses, **kw)}, 1, 1)"


@compiles(year_start, "sqlite")
def _year_start_sqlite(element, compiler, **kw):
    return f"printf('%04d-01-01', {compiler.process(element.clauses, **kw)})"


@compiles(year_start, "mysql")
def _year_start_mysql(element, compiler, **kw):
    return f"MAKEDATE({compiler.process(element.clauses, **kw)}, 1)"


COMPARISON_VIEW = "indicator_comparison"


def comparison_view() -> Select:
    """What the view indicator_comparison shows: the computed numbers with the titles and names a chart
    needs. Its columns are those of the former table of that name, which datasets and analysts use."""
    c, i, a = indicator_comparison_base.c, indicator.alias("i"), area.alias("a")
    lan = area.alias("l")
    return (
        select(
            c.indicator_id, c.area_code, c.year, year_start(c.year).label("period"),
            i.c.title.label("indicator_title"), i.c.short_title.label("indicator_short_title"),
            i.c.kind, i.c.unit, i.c.higher_is_better, i.c.verksamhet,
            case(KON_NAMES, value=i.c.kon, else_=i.c.kon).label("kon"),
            func.coalesce(i.c.total_indicator_id, i.c.indicator_id).label("total_indicator_id"),
            a.c.name.label("area_name"), a.c.level,
            a.c.lan_code, lan.c.name.label("lan_name"), lan.c.iso_3166_2, a.c.kommungrupp, c.value,
            c.status, c.riket_value, c.lan_value, c.kommungrupp_mean, c.rank, c.n_ranked,
            c.percentile, c.colour, c.diff_riket_pp, c.prev_year, c.change_since_prev, c.synthetic,
            c.batch_id,
        )
        .select_from(
            indicator_comparison_base
            .join(i, i.c.indicator_id == c.indicator_id)
            .join(a, a.c.area_code == c.area_code)
            .outerjoin(lan, and_(lan.c.area_code == a.c.lan_code, lan.c.level == "lan")))
    )


GROUP_VIEW = "indicator_group_comparison"


def counts_in_a_mean(level):
    """Which member values a group mean is over: a kommun's, with a value (status ``ok``). One rule for
    the kommungrupp mean (derived) and a Kolada group's (in the view), so the two compare like with like."""
    return and_(level == "kommun", indicator_value.c.status == "ok", indicator_value.c.value.isnot(None))


def _member_measure(measure, group_id, indicator_id, year):
    """``measure`` over one Kolada group's member values of an indicator and year, as a correlated
    subquery: a chart asks for one kommun's groups, so a mean is a handful of index lookups at query
    time, where keeping every group's mean per indicator and year would be groups × indicators × years
    rows to write on every load (35 M for Kolada's 3,500 "liknande kommuner" groups and 1,000 KPIs)."""
    m, kommun, v = kolada_group_member.c, area.alias("k"), indicator_value.c
    return (select(measure)
            .select_from(kolada_group_member.join(kommun, kommun.c.area_code == m.area_code)
                         .join(indicator_value, and_(v.area_code == m.area_code,
                                                     v.indicator_id == indicator_id, v.year == year))
                         .join(load_batch, load_batch.c.batch_id == v.batch_id))
            .where(m.group_id == group_id, counts_in_a_mean(kommun.c.level))
            .scalar_subquery())


def group_comparison_view() -> Select:
    """What the view indicator_group_comparison shows: a kommun's comparison row (every column of
    indicator_comparison) beside each Kolada group it is compared with, the group's mean the same
    year, the difference to it and to the kommungrupp, and the comparison's colour. A group made for a
    kommun (Kolada's "liknande kommuner" groups, which list the others, not the kommun itself) meets
    that kommun alone; a group made for no one kommun meets every kommun. Before any group is loaded
    the kommun's row stands with its kommungrupp alone, its group columns empty, so a chart on the view
    still answers; a group none of whose members has a value that year shows without a mean."""
    c = comparison_view().subquery("c")
    t = kolada_group.alias("t")
    measure = partial(_member_measure, group_id=t.c.group_id, indicator_id=c.c.indicator_id, year=c.c.year)
    no_group = t.c.group_id.is_(None)
    paired = (
        select(*c.c, t.c.group_id.label("kolada_group_id"), t.c.title.label("kolada_group_title"),
               t.c.year.label("kolada_group_year"),
               measure(func.avg(indicator_value.c.value)).label("kolada_group_mean"),
               case((no_group, None), else_=measure(func.count(indicator_value.c.value)))
               .label("kolada_group_n"),
               (measure(func.max(case((load_batch.c.synthetic, 1), else_=0))) == 1)
               .label("kolada_group_synthetic"))
        .select_from(c.outerjoin(t, or_(t.c.area_code.is_(None), t.c.area_code == c.c.area_code)))
        .where(c.c.level == "kommun")
        .subquery("p")
    )
    p = paired.c
    diff_group = p.value - p.kolada_group_mean
    favourable = case((p.higher_is_better == True, diff_group),  # noqa: E712
                      (p.higher_is_better == False, -diff_group))  # noqa: E712
    colour = case((or_(p.higher_is_better.is_(None), p.kolada_group_mean.is_(None)), None),
                  (p.value.is_(None), "gra"),
                  (favourable > 0, "gron"), (favourable < 0, "rod"), else_="gul")
    return select(*paired.c, diff_group.label("diff_kolada_group_pp"), colour.label("kolada_group_colour"),
                  (p.value - p.kommungrupp_mean).label("diff_kommungrupp_pp"))


# Derived tables an older jamfor kept and this one computes in a view: dropped when the views are made
# again (kolada_group_value: every group's mean per indicator and year).
RETIRED_TABLES = ("kolada_group_value",)

# The views and what they show, in the order they are made.
VIEWS = {COMPARISON_VIEW: comparison_view, GROUP_VIEW: group_comparison_view}


def create_all(bind: Engine | Connection) -> None:
    """Create every table and view that does not exist yet; safe to call before every load, with an
    engine or inside the caller's transaction.

    A warehouse from before the view held indicator_comparison as a table: it is dropped (derived data,
    computed again) and its builder's record cleared, so the next load recomputes the numbers. A view
    from an older jamfor that lacks a column is replaced (a view holds no data). A warehouse from
    before indicator_year gets it counted from the comparison it holds, and an index the schema
    declares on other columns than the warehouse holds it is made again, with fresh statistics. A
    column added since (the indicator's kön and Kolada metadata, a Kolada group's year and kommun) is
    added to an older warehouse, and a derived table now computed in a view (RETIRED_TABLES) dropped."""
    new_summary = not inspect(bind).has_table(indicator_year.name)
    metadata.create_all(bind, checkfirst=True)
    found = inspect(bind)
    held_views = set(found.get_view_names())
    view_current = all(name in held_views and {column["name"] for column in found.get_columns(name)}
                       >= set(view().selected_columns.keys()) for name, view in VIEWS.items())
    # Columns have been added to tables only together with the view's (kön): a current view means
    # none is missing, and a load need not ask the catalogue about every table.
    missing = [] if view_current else _missing_columns(found)
    stale = _stale_indexes(found)
    if view_current and not new_summary and not stale and not missing:
        return

    def upgrade(conn: Connection) -> None:
        for table, column in missing:
            _add_column(conn, table, column)
        for index, exists in stale:
            if exists:
                conn.execute(DropIndex(index))
            conn.execute(CreateIndex(index))
        analyze(conn, *sorted({index.table for index, _ in stale}, key=lambda table: table.name))
        if not view_current:
            for name in RETIRED_TABLES:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
            _create_views(conn, found)
        if new_summary:
            conn.execute(indicator_year.insert().from_select(["indicator_id", "year", "n_rows"],
                                                             indicator_year_select()))
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            upgrade(conn)
    else:
        upgrade(bind)


def analyze(conn: Connection, *tables: Table) -> None:
    """Fresh planner statistics after a load or a new index, so the charts' queries start from the small
    tables and use the indexes. SQLite samples (analysis_limit) so this stays a fraction of a second at
    any size; SQLite has no autovacuum to do it later, and PostgreSQL's would come too late for the
    first view."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
    if conn.dialect.name in ("postgresql", "sqlite"):
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{table.name}"')


def _stale_indexes(found: Inspector) -> list[tuple[Index, bool]]:
    """Indexes the schema declares that a warehouse made by an older jamfor lacks, or holds under the
    same name on other columns, each with whether it exists: (re)built once, in the next load
    (create_all only makes the indexes of the tables it creates)."""
    stale = []
    for table in metadata.sorted_tables:
        if not table.indexes:
            continue
        held = {ix["name"]: ix["column_names"] for ix in found.get_indexes(table.name)}
        stale += [(index, index.name in held) for index in sorted(table.indexes, key=lambda ix: ix.name)
                  if held.get(index.name) != [column.name for column in index.columns]]
    return stale


def _missing_columns(found: Inspector) -> list[tuple[Table, Column]]:
    """Columns the schema declares that a warehouse made by an older jamfor lacks (the indicator's kön
    and Kolada metadata): each is nullable or has a server default, so adding it keeps every row."""
    missing = []
    for table in metadata.sorted_tables:
        held = {column["name"] for column in found.get_columns(table.name)}
        missing += [(table, column) for column in table.columns if column.name not in held]
    return missing


def _add_column(conn: Connection, table: Table, column: Column) -> None:
    kind = column.type.compile(dialect=conn.dialect)
    default = column.server_default.arg if column.server_default is not None else None
    extra = f" NOT NULL DEFAULT '{default}'" if default is not None else ""
    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{extra}')


def _create_views(conn: Connection, found: Inspector) -> None:
    """Make every view again (dependants dropped first); a table of the comparison view's name, from
    before it was a view, is dropped with its builder's record so the next load recomputes it."""
    held = set(found.get_view_names())
    for name in reversed(VIEWS):
        if name in held:
            conn.exec_driver_sql(f"DROP VIEW {name}")
    if COMPARISON_VIEW in found.get_table_names():
        conn.execute(DropTable(Table(COMPARISON_VIEW, MetaData())))
        conn.execute(derived_source.delete())
    for name, view in VIEWS.items():
        body = view().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        conn.exec_driver_sql(f"CREATE VIEW {name} AS {body}")
