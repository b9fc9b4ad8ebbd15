"""Kommuner in Swedish alphabetical order on SQLite and PostgreSQL: Å, Ä, Ö last, in that order.

SQLite compares bytes (Ä, U+00C4, before Å, U+00C5) and PostgreSQL follows its database's collation,
so the order is stored: ``area.sort_order``, computed at load, and ``skr_distribution_kommun``'s copy
of it, by which the länsrapport's bars per kommun are sorted.
"""

from __future__ import annotations

from sqlalchemy import text

from jamfor.seed.db import engine_for

ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"
# Skåne's kommuner from Y on, as a Swedish dictionary lists them (the byte order would give Ä, Å, Ö)
KOMMUNER = "SELECT name FROM area WHERE level = 'kommun' ORDER BY sort_order"
SKANE_LAST = ["Ystad", "Åstorp", "Ängelholm", "Örkelljunga", "Östra Göinge"]


def names_in_sort_order(url: str, sql: str) -> list[str]:
    engine = engine_for(url)
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(text(sql))]
    engine.dispose()
    return names


def test_kommuner_ordered_by_sort_order_follow_the_swedish_alphabet(demo_db_ro):
    names = names_in_sort_order(demo_db_ro, KOMMUNER)
    assert len(names) == 290
    firsts = [ALPHABET.index(name[0].lower()) for name in names]
    assert firsts == sorted(firsts)
    assert names[-12:] == ["Ängelholm", "Öckerö", "Ödeshög", "Örebro", "Örkelljunga", "Örnsköldsvik",
                           "Östersund", "Österåker", "Östhammar", "Östra Göinge", "Överkalix", "Övertorneå"]


def test_the_skane_distribution_per_kommun_sorts_by_the_same_order(demo_db_ro):
    names = names_in_sort_order(demo_db_ro, """
        SELECT area_name FROM skr_distribution_kommun
        WHERE lan_code = '12' AND verksamhetsomrade = 'funktionshinder' AND question = 'form'
        GROUP BY area_name ORDER BY MIN(area_sort_order)""")
    skane = names_in_sort_order(demo_db_ro, KOMMUNER.replace("ORDER BY", "AND lan_code = '12' ORDER BY"))
    assert names == [name for name in skane if name in names] and len(names) == 19
    assert skane[-len(SKANE_LAST):] == SKANE_LAST
    assert names[-3:] == ["Ystad", "Åstorp", "Ängelholm"]
