"""Whom and when a Kolada group was made for, read from its title: Kolada's record has no field for it."""

from __future__ import annotations

import pytest
from support import kolada_groups as fx

from jamfor.seed.reference import area_frame
from jamfor.seed.sources.kolada_groups import made_for

KOMMUNER = {row.name: row.area_code for row in area_frame().itertuples() if row.level == "kommun"}


def test_every_group_rkolada_printed_for_arboga_is_made_for_arboga_with_its_year():
    read = {group_id: made_for(title, KOMMUNER) for group_id, title in fx.REAL_TITLES.items()}
    assert {code for _, code in read.values()} == {"1984"}
    assert (read["G37329"][0], read["G175909"][0]) == (2025, 2023)  # övergripande; ekonomiskt bistånd
    assert sorted(year for year, _ in read.values()).count(2024) == 10


@pytest.mark.parametrize(("title", "expected"), [
    ("Liknande kommuner, övergripande, Höör, 2025", (2025, "1267")),
    ("Liknande kommuner IFO, Upplands Väsby, 2024", (2024, "0114")),
    ("Liknande kommuner, Malmö", (None, "1280")),
    ("Storstäder, 2024", (2024, None)),  # not a "liknande kommuner" group: made for no one kommun
    ("Liknande kommuner IFO, Arbogа, 2024", (2024, None)),  # a Cyrillic а: not exactly a kommun's name
    ("Liknande kommuner IFO, Stockholms län, 2024", (2024, None)),  # a län, not a kommun
    ("Liknande kommuner, 2024", (2024, None)),
    ("Norrtälje, Östhammar, Älvkarleby", (None, None)),
])
def test_a_title_names_its_kommun_and_year_only_plainly(title, expected):
    assert made_for(title, KOMMUNER) == expected
