"""Every warehouse table, in one place.

Plain SQLAlchemy Core so the same definitions create the tables on SQLite and PostgreSQL, under
SQLAlchemy 1.4 (what Superset pins) and 2.x. Table and column names are a public interface: analysts
write SQL and Superset datasets against them.
"""

from __future__ import annotations

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
    func,
    inspect,
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


def _batch_column() -> Column:
    return Column("batch_id", Integer, ForeignKey("load_batch.batch_id"), nullable=False, index=True)


load_batch = Table(
    "load_batch",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows", Integer, nullable=False, default=0),
    Column("synthetic", Boolean, nullable=False),
    Column("jamfor_version", String(40), nullable=False),
    Column("attribution", Text),
)

kommungrupp = Table(
    "kommungrupp",
    metadata,
    Column("code", String(2), primary_key=True),
    Column("name", Text, nullable=False),
    Column("huvudgrupp", Text, nullable=False),
    _batch_column(),
)

area = Table(
    "area",
    metadata,
    Column("area_code", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(10), nullable=False),
    Column("lan_code", String(2)),
    Column("iso_3166_2", String(6)),
    Column("kommungrupp", String(2), ForeignKey("kommungrupp.code")),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("sort_order", Integer),
    _batch_column(),
    CheckConstraint(f"level IN {LEVELS}", name="area_level"),
)

indicator = Table(
    "indicator",
    metadata,
    Column("indicator_id", String(80), primary_key=True),
    Column("title", Text, nullable=False),
    Column("short_title", Text, nullable=False),
    Column("verksamhet", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("measure_type", String(16)),
    Column("unit", String(16), nullable=False),
    Column("higher_is_better", Boolean),
    Column("source", Text, nullable=False),
    Column("publication", Text),
    Column("kolada_kpi", String(16)),
    Column("description", Text, nullable=False),
    _batch_column(),
    CheckConstraint(f"kind IN {KINDS}", name="indicator_kind"),
)

indicator_value = Table(
    "indicator_value",
    metadata,
    Column("indicator_id", String(80), ForeignKey("indicator.indicator_id"), primary_key=True),
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Float),
    Column("status", String(16), nullable=False),
    Column("raw_value", Text),
    Column("numerator", Float),
    Column("denominator", Float),
    _batch_column(),
    CheckConstraint(f"status IN {STATUSES}", name="indicator_value_status"),
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
    Column("indicator_id", String(80), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("area_code", String(8), primary_key=True),
    Column("value", Float),
    Column("status", String(16), nullable=False),
    Column("riket_value", Float),
    Column("lan_value", Float),
    Column("kommungrupp_mean", Float),
    Column("rank", Integer),
    Column("n_ranked", Integer),
    Column("percentile", Float),
    Column("colour", String(4)),
    Column("diff_riket_pp", Float),
    Column("prev_year", Integer),
    Column("change_since_prev", Float),
    Column("synthetic", Boolean, nullable=False),
    Column("batch_id", Integer, nullable=False),
    Index("ix_indicator_comparison_base_area", "area_code", "indicator_id", "year"),
)

# Rows per batch and base table, counted by jamfor.seed.derive after every load: the data-sources note
# on every dashboard reads this instead of grouping the whole warehouse.
batch_rows = Table(
    "batch_rows",
    metadata,
    Column("batch_id", Integer, primary_key=True),
    Column("base_table", String(40), primary_key=True),
    Column("n_rows", Integer, nullable=False),
)

# Rows of indicator_comparison_base per indicator and year, kept by jamfor.seed.derive with the
# comparison: the dashboards' native filters list indicators with data and years from here (10,000
# rows at national scale) instead of grouping the 3 million rows of the comparison.
indicator_year = Table(
    "indicator_year",
    metadata,
    Column("indicator_id", String(80), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("n_rows", Integer, nullable=False),
)


def indicator_year_select() -> Select:
    """indicator_year's rows as the comparison holds them (the derive narrows it to what it redid)."""
    c = indicator_comparison_base.c
    return select(c.indicator_id, c.year, func.count().label("n_rows")).group_by(c.indicator_id, c.year)


# --- SKR: inventering av socialtjänstens insatser (2021 survey, 2022 report) --------------------------
# Base tables hold one kommun's (or Stockholm stadsdel's) answers; the skr_* tables are derived by
# jamfor.seed.derive_skr after every load and hold the report's analyses per län and riket (scope_code).

SURVEY_STATUSES = ("ej_paborjad", "paborjad", "slutford")
WISH_ANSWERS = ("ja", "nej", "vet_ej")
FORMS = ("fysisk", "digital", "bada")
REGIER = ("kommunal", "enskild", "bada")
BESLUT = ("med", "utan", "bada")


def _skr_scope_columns() -> list[Column]:
    return [Column("scope_code", String(2), primary_key=True),
            Column("scope_name", Text, nullable=False),
            Column("verksamhetsomrade", String(32), primary_key=True),
            Column("omrade_name", Text, nullable=False)]


verksamhetsomrade = Table(
    "verksamhetsomrade",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    _batch_column(),
)

insats = Table(
    "insats",
    metadata,
    Column("insats_id", String(80), primary_key=True),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), nullable=False),
    Column("huvudgrupp", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("anhorig", Boolean, nullable=False),
    Column("insatskategori", Text),
    Column("name_known", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    _batch_column(),
)

survey_response = Table(
    "survey_response",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), primary_key=True),
    Column("status", String(12), nullable=False),
    Column("gives_further_insatser", Boolean),
    Column("wants_without_bistandsbeslut", String(8)),
    _batch_column(),
    CheckConstraint(f"status IN {SURVEY_STATUSES}", name="survey_response_status"),
    CheckConstraint(f"wants_without_bistandsbeslut IN {WISH_ANSWERS}", name="survey_response_wish"),
)

insats_response = Table(
    "insats_response",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True),
    Column("insats_id", String(80), ForeignKey("insats.insats_id"), primary_key=True),
    Column("offered", Boolean),
    Column("form", String(8)),
    Column("regi", String(8)),
    Column("bistandsbeslut", String(8)),
    _batch_column(),
    CheckConstraint(f"form IN {FORMS}", name="insats_response_form"),
    CheckConstraint(f"regi IN {REGIER}", name="insats_response_regi"),
    CheckConstraint(f"bistandsbeslut IN {BESLUT}", name="insats_response_beslut"),
)

wish_category = Table(
    "wish_category",
    metadata,
    Column("area_code", String(8), ForeignKey("area.area_code"), primary_key=True),
    Column("verksamhetsomrade", String(32), ForeignKey("verksamhetsomrade.code"), primary_key=True),
    Column("insatskategori", Text, primary_key=True),
    Column("wanted", Boolean, nullable=False),
    _batch_column(),
)

skr_response_counts = Table(
    "skr_response_counts",
    metadata,
    *_skr_scope_columns(),
    Column("n_units", Integer, nullable=False),
    Column("n_not_started", Integer, nullable=False),
    Column("n_started", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("n_completed", Integer, nullable=False),
    Column("share_completed", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_response_all_areas = Table(
    "skr_response_all_areas",
    metadata,
    Column("scope_code", String(2), primary_key=True),
    Column("scope_name", Text, nullable=False),
    Column("n_units", Integer, nullable=False),
    Column("n_answered_all", Integer, nullable=False),
    Column("n_completed_all", Integer, nullable=False),
    Column("synthetic", Boolean, nullable=False),
)

skr_insatsutbud = Table(
    "skr_insatsutbud",
    metadata,
    *_skr_scope_columns(),
    Column("n_mapped", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("mean_offered", Float),
    Column("n_completed", Integer, nullable=False),
    Column("min_offered_completed", Integer),
    Column("max_offered_completed", Integer),
    Column("n_further_answered", Integer, nullable=False),
    Column("n_further_yes", Integer, nullable=False),
    Column("share_further", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_offered_per_kommun = Table(
    "skr_offered_per_kommun",
    metadata,
    Column("area_code", String(8), primary_key=True),
    Column("verksamhetsomrade", String(32), primary_key=True),
    Column("area_name", Text, nullable=False),
    Column("lan_code", String(2), nullable=False),
    Column("lan_name", Text, nullable=False),
    Column("omrade_name", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("n_offered", Integer, nullable=False),
    Column("n_insatser_answered", Integer, nullable=False),
    Column("n_mapped", Integer, nullable=False),
    Column("gives_further_insatser", Boolean),
    Column("synthetic", Boolean, nullable=False),
)

skr_huvudgrupp_mean = Table(
    "skr_huvudgrupp_mean",
    metadata,
    *_skr_scope_columns(),
    Column("huvudgrupp", Text, primary_key=True),
    Column("n_mapped", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("mean_offered", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_insats_summary = Table(
    "skr_insats_summary",
    metadata,
    *_skr_scope_columns(),
    Column("insats_id", String(80), primary_key=True),
    Column("insats_name", Text, nullable=False),
    Column("insats_label", Text, nullable=False),
    Column("anhorig", Boolean, nullable=False),
    Column("name_known", Boolean, nullable=False),
    Column("huvudgrupp", Text, nullable=False),
    Column("n_offering", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("share_offering", Float),
    Column("rank_most_common", Integer),
    Column("rank_least_common", Integer),
    Column("order_most_common", Integer),
    Column("order_least_common", Integer),
    Column("synthetic", Boolean, nullable=False),
)

skr_distribution = Table(
    "skr_distribution",
    metadata,
    *_skr_scope_columns(),
    Column("question", String(16), primary_key=True),
    Column("category", String(10), primary_key=True),
    Column("n_instances", Integer, nullable=False),
    Column("n_answered_instances", Integer, nullable=False),
    Column("share", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_distribution_kommun = Table(
    "skr_distribution_kommun",
    metadata,
    Column("area_code", String(8), primary_key=True),
    Column("verksamhetsomrade", String(32), primary_key=True),
    Column("question", String(16), primary_key=True),
    Column("category", String(10), primary_key=True),
    Column("area_name", Text, nullable=False),
    Column("area_sort_order", Integer),
    Column("omrade_name", Text, nullable=False),
    Column("lan_code", String(2), nullable=False),
    Column("n_instances", Integer, nullable=False),
    Column("n_answered_instances", Integer, nullable=False),
    Column("share", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_distribution_huvudgrupp = Table(
    "skr_distribution_huvudgrupp",
    metadata,
    *_skr_scope_columns(),
    Column("huvudgrupp", Text, primary_key=True),
    Column("question", String(16), primary_key=True),
    Column("category", String(10), primary_key=True),
    Column("n_instances", Integer, nullable=False),
    Column("n_answered_instances", Integer, nullable=False),
    Column("n_kommuner", Integer, nullable=False),
    Column("share", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_distribution_insats = Table(
    "skr_distribution_insats",
    metadata,
    *_skr_scope_columns(),
    Column("insats_id", String(80), primary_key=True),
    Column("question", String(16), primary_key=True),
    Column("category", String(10), primary_key=True),
    Column("insats_name", Text, nullable=False),
    Column("insats_label", Text, nullable=False),
    Column("anhorig", Boolean, nullable=False),
    Column("name_known", Boolean, nullable=False),
    Column("n_category", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("share", Float),
    Column("rank", Integer, nullable=False),
    Column("synthetic", Boolean, nullable=False),
)

skr_wish = Table(
    "skr_wish",
    metadata,
    *_skr_scope_columns(),
    Column("n_answered", Integer, nullable=False),
    Column("n_ja", Integer, nullable=False),
    Column("n_nej", Integer, nullable=False),
    Column("n_vet_ej", Integer, nullable=False),
    Column("share_ja", Float),
    Column("synthetic", Boolean, nullable=False),
)

skr_wish_category = Table(
    "skr_wish_category",
    metadata,
    *_skr_scope_columns(),
    Column("insatskategori", Text, primary_key=True),
    Column("n_wanting", Integer, nullable=False),
    Column("n_answered", Integer, nullable=False),
    Column("share", Float),
    Column("synthetic", Boolean, nullable=False),
)

# What each derived table was last computed from (rows and newest batch per base table): a load that
# leaves a builder's inputs as they were skips recomputing its tables.
derived_source = Table(
    "derived_source",
    metadata,
    Column("builder", String(40), primary_key=True),
    Column("base_table", String(40), primary_key=True),
    Column("n_rows", Integer, nullable=False),
    Column("max_batch_id", Integer, nullable=False),
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
            i.c.kind, i.c.unit, i.c.higher_is_better, i.c.verksamhet, a.c.name.label("area_name"), a.c.level,
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


def create_all(bind: Engine | Connection) -> None:
    """Create every table and view that does not exist yet; safe to call before every load, with an
    engine or inside the caller's transaction.

    A warehouse from before the view held indicator_comparison as a table: it is dropped (derived data,
    computed again) and its builder's record cleared, so the next load recomputes the numbers. A view
    from an older jamfor that lacks a column is replaced (a view holds no data). A warehouse from
    before indicator_year gets it counted from the comparison it holds, and an index the schema
    declares on other columns than the warehouse holds it is made again, with fresh statistics."""
    new_summary = not inspect(bind).has_table(indicator_year.name)
    metadata.create_all(bind, checkfirst=True)
    found = inspect(bind)
    view_current = COMPARISON_VIEW in found.get_view_names() and {
        column["name"] for column in found.get_columns(COMPARISON_VIEW)
    } >= set(comparison_view().selected_columns.keys())
    stale = _stale_indexes(found)
    if view_current and not new_summary and not stale:
        return

    def upgrade(conn: Connection) -> None:
        for index, exists in stale:
            if exists:
                conn.execute(DropIndex(index))
            conn.execute(CreateIndex(index))
        analyze(conn, *sorted({index.table for index, _ in stale}, key=lambda table: table.name))
        if not view_current:
            _create_view(conn, found)
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


def _create_view(conn: Connection, found: Inspector) -> None:
    if COMPARISON_VIEW in found.get_table_names():
        conn.execute(DropTable(Table(COMPARISON_VIEW, MetaData())))
        conn.execute(derived_source.delete())
    elif COMPARISON_VIEW in found.get_view_names():
        conn.exec_driver_sql(f"DROP VIEW {COMPARISON_VIEW}")
    body = comparison_view().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    conn.exec_driver_sql(f"CREATE VIEW {COMPARISON_VIEW} AS {body}")
