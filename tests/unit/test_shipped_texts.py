"""Texts a person reads in the shipped dashboards and datasets keep a figure and its unit together:
a no-break space between the number and "%" (as the charts' D3 format does), so "(45 %)" never breaks
across two lines of a markdown note, a description or a tooltip."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml
from support.databases import REPO

SHIPPED = sorted([*REPO.glob("dashboards/**/*.yaml"), *REPO.glob("datasets/*.yaml")])
BREAKABLE_PERCENT = re.compile(r"\d\s+%")  # a line may break at a space or a fold


def _strings(value: object) -> Iterator[str]:
    """Every string in a loaded YAML file, and in the JSON documents some of them hold."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        if value[:1] in "{[":
            try:
                yield from _strings(json.loads(value))
                return
            except ValueError:
                pass
        yield value


def _breakable(text: str) -> list[str]:
    return [text[max(0, m.start() - 20):m.end() + 5] for m in BREAKABLE_PERCENT.finditer(text)
            if "\u00a0" not in m.group()]


def test_the_shipped_assets_hold_percent_figures_to_check():
    texts = [t for path in SHIPPED for t in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert sum("\u00a0%" in t for t in texts) >= 10


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_no_percent_figure_can_break_from_its_number(path):
    found = [hit for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
             for hit in _breakable(text)]
    assert found == [], f"{path.relative_to(REPO)}: use a no-break space before %: {found}"


def test_the_check_finds_a_breakable_space_and_a_folded_line():
    assert [("81 %" in hit) for hit in _breakable("högst inom barn och unga (81 %) och")] == [True]
    assert len(_breakable("lägst (45\n %)")) == 1 and _breakable("lägst (45\u00a0%)") == []
