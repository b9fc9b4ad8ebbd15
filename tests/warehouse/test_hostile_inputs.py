"""The hostile-input corpus (tests/support/hostile.py) run through `jamfor` in a child process, as a
user would meet it: each refused input exits 1 with one line naming its place, no traceback, and the
warehouse unchanged; each Swedish file or cache situation that must work loads what it should; the
inputs that used to hang or fill memory end in time, under MAX_RSS_MB of the `jamfor` process's own
peak memory."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.hostile import MAX_RSS_MB, Case, child_env, corpus, run_jamfor
from support.kolada_server import KoladaHttpServer
from support.tables import dump

from jamfor.seed.db import engine_for
from jamfor.seed.seeding import run_seed

JAMFOR = str(Path(sys.executable).parent / "jamfor")
CASES = corpus()
pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def server() -> Iterator[KoladaHttpServer]:
    running = KoladaHttpServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A warehouse holding the reference data, the catalogue and the published figures."""
    path = tmp_path_factory.mktemp("seeded") / "w.db"
    engine = engine_for(f"sqlite:///{path}")
    run_seed(engine, demo=False)
    engine.dispose()
    return path


def test_the_corpus_has_a_case_for_every_class_of_the_issue_and_loader():
    covered = {(c.loader, c.section) for c in CASES}
    assert {s for _, s in covered} == {"4", "5", "6", "7", "9", "22.1", "22.2", "22.3"}
    assert {loader for loader, _ in covered} == {"oj_excel", "skr", "kolada"}
    assert all(c.place for c in CASES if not c.accept)
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_input_is_refused_in_one_line_naming_its_place_or_loads_as_it_should(
        case: Case, server, seeded, tmp_path):
    argv = case.make(tmp_path, server)
    url = None
    if case.db:
        shutil.copy(seeded, tmp_path / "w.db")
        url = f"sqlite:///{tmp_path / 'w.db'}"
        argv += ["--db", url]
        before = dump(url)
    env = child_env(tmp_path, {k: v.format(folder=tmp_path) for k, v in case.env.items()})
    outcome = run_jamfor(JAMFOR, argv, env, case.seconds, tmp_path, case.file_size_limit)
    assert outcome.killed is None, f"stopped ({outcome.killed}) after {outcome.seconds:.0f} s"
    assert "Traceback" not in outcome.output, outcome.output
    if case.accept:
        assert outcome.code == 0, outcome.output
    else:
        assert outcome.code == 1, outcome.output
        lines = outcome.message_lines()
        assert len(lines) == 1 and case.place in lines[0], lines
        if url:
            assert dump(url) == before
    if case.check:
        case.check(url, tmp_path)  # type: ignore[arg-type]
    if case.bounded:
        assert outcome.seconds < case.seconds
        assert outcome.peak_mb < MAX_RSS_MB, f"peak {outcome.peak_mb:.0f} MB"
