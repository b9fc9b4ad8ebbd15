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
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Engine

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

indicator_comparison = Table(
    "indicator_comparison",
    metadata,
    Column("indicator_id", String(80), primary_key=True),
    Column("area_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("period", Date, nullable=False),
    Column("indicator_title", Text, nullable=False),
    Column("indicator_short_title", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("higher_is_better", Boolean),
    Column("area_name", Text, nullable=False),
    Column("level", String(10), nullable=False),
    Column("lan_code", String(2)),
    Column("lan_name", Text),
    Column("iso_3166_2", String(6)),
    Column("kommungrupp", String(2)),
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
)


def create_all(engine: Engine) -> None:
    """Create every table that does not exist yet; safe to call before every load."""
    metadata.create_all(engine, checkfirst=True)
