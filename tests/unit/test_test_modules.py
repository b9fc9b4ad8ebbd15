"""Test modules import by their file name alone (no packages under tests/), so each name is unique."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_file_name_across_the_tiers():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []


def test_the_unit_tier_opens_no_database():
    """`make test-sa2` runs tests/warehouse alone under SQLAlchemy 2: a unit test that opened a database
    would be tested under SQLAlchemy 1.4 only."""
    opens = ("create_engine", "engine(", '"--db"', "make_url", "render_database", "sqlite3")
    unit = sorted(path for path in (TESTS / "unit").glob("test_*.py") if path.name != Path(__file__).name)
    assert unit
    assert [(path.name, word) for path in unit for word in opens if word in path.read_text()] == []
