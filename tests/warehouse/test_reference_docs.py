"""The table, dataset and dashboard reference in docs/ is generated: stale files fail here."""

from __future__ import annotations

import pytest
from support.databases import REPO

from jamfor.reference_docs import cell, reference_docs
from jamfor.seed.schema import metadata

GENERATED = reference_docs(REPO)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_the_generated_reference_in_docs_is_current(name):
    stored = (REPO / "docs" / name).read_text(encoding="utf-8")
    assert stored == GENERATED[name], "regenerate: python -m jamfor.reference_docs docs"


def test_every_table_and_column_carries_its_meaning_as_its_comment():
    missing = [t.name for t in metadata.tables.values() if not t.comment]
    missing += [f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns if not c.comment]
    assert missing == [], "say what they mean with comment= in seed/schema.py"


def test_the_table_reference_lists_every_column_with_its_type():
    tables = GENERATED["tables.md"]
    assert "| `area_code` | VARCHAR(8) | key |" in tables
    for table in metadata.tables.values():
        assert f"## `{table.name}`" in tables
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in tables, (table.name, column.name)


def test_the_dataset_reference_gives_swedish_names_and_metric_formats():
    datasets = GENERATED["datasets.md"]
    assert "| `indicator_id` | Indikator-id |" in datasets
    assert "| `varde` | Värde (procent) | `.0f` | `AVG(value)` |" in datasets
    assert "## `skr_insats_summary`" in datasets


def test_the_dashboard_reference_lists_filters_and_charts_in_layout_order():
    dashboards = GENERATED["dashboards.md"]
    assert "| Min kommun | `area_name` | Malmö |" in dashboards
    first, second = ("| Kommuner besvarade enkäten | `big_number_total` | `skr_response_counts` |",
                     "| De tio vanligaste av de kartlagda insatserna | `table` | `skr_insats_summary` |")
    assert dashboards.index(first) < dashboards.index(second)


def test_a_cell_escapes_pipes_and_folds_line_breaks():
    assert cell("a | b\n  c") == "a \\| b c"
    assert cell(None) == ""
