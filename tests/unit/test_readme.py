"""The README stays short and points only at things that exist: links, files and make targets."""

from __future__ import annotations

import re

import pytest
from support.databases import REPO

PAGES = ["README.md", "docs/loading.md", "docs/operating.md", "bench/README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# Repository paths written in backticks: a known top-level folder, then a path (globs and … allowed).
PATH = re.compile(r"`((?:seed|superset_plugin|jamfor|datasets|dashboards|tests|docs|bench|constraints)"
                  r"/[^`\s]*)`")


def _text(page: str) -> str:
    return (REPO / page).read_text(encoding="utf-8")


def test_the_readme_is_read_in_ten_minutes():
    assert len(_text("README.md").splitlines()) <= 300


@pytest.mark.parametrize("page", PAGES)
def test_every_link_points_at_a_file_that_exists(page):
    base = (REPO / page).parent
    links = [target for target in LINK.findall(_text(page)) if "://" not in target]
    assert links or page != "README.md"
    missing = [target for target in links if not (base / target).exists()]
    assert not missing, f"{page} links to missing files: {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_every_repository_path_named_in_backticks_exists(page):
    named = [p.rstrip("/.,") for p in PATH.findall(_text(page))
             if not re.search(r"[*…<{]", p) and not p.startswith("tests/artifacts/")]  # the tests write it
    missing = [path for path in named if not (REPO / path).exists()]
    assert not missing, f"{page} names paths that do not exist: {missing}"


def test_every_make_target_the_readme_names_exists():
    makefile = _text("Makefile")
    targets = set(re.findall(r"`make (\w+)", _text("README.md")))
    assert {"demo", "test", "check"} <= targets
    assert all(re.search(rf"^{t}:", makefile, re.M) for t in targets), targets
