"""The worker process that reads a source's next part while the loader writes the one before
(``jamfor.seed.ahead.read_ahead``): order kept, an error raised where its part is asked for, never more
than one part read ahead (memory is two parts', however long the source), one part alone read here."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pytest

from jamfor.seed.ahead import read_ahead


def part(folder: Path, index: int, fail: bool = False) -> tuple[int, int]:
    """A part: marks that it was started, then gives its number and the process that read it."""
    (folder / f"started-{index}").touch()
    if fail:
        raise ValueError(f"part {index} is bad")
    return index, os.getpid()


def started(folder: Path) -> int:
    return len(list(folder.glob("started-*")))


def tasks(folder: Path, n: int, fail_at: int | None = None) -> list:
    return [partial(part, folder, i, i == fail_at) for i in range(n)]


def test_every_part_comes_in_order_read_in_one_other_process(tmp_path):
    with read_ahead(tasks(tmp_path, 5)) as ahead:
        got = list(ahead)
    assert [index for index, _ in got] == [0, 1, 2, 3, 4]
    assert len({pid for _, pid in got}) == 1 and got[0][1] != os.getpid()


def test_one_part_alone_is_read_in_this_process():
    with read_ahead([lambda: (0, os.getpid())]) as ahead:  # a lambda: it could not cross to a process
        assert list(ahead) == [(0, os.getpid())]


def test_the_next_part_is_read_while_the_caller_holds_one_and_never_two_ahead(tmp_path):
    with read_ahead(tasks(tmp_path, 6)) as ahead:
        for index, _ in ahead:
            expected = min(index + 2, 6)  # this one and the next, no more
            deadline = time.monotonic() + 30
            while started(tmp_path) < expected and time.monotonic() < deadline:
                time.sleep(0.01)  # the caller writing part `index`
            time.sleep(0.1)
            assert started(tmp_path) == expected


def test_an_error_reading_a_part_is_raised_where_that_part_is_asked_for_after_the_parts_before(tmp_path):
    got = []
    with pytest.raises(ValueError, match="part 2 is bad"), read_ahead(tasks(tmp_path, 5, fail_at=2)) as ahead:
        for index, _ in ahead:
            got.append(index)
    assert got == [0, 1]
    assert started(tmp_path) == 3


def test_leaving_early_reads_no_part_after_the_one_being_read(tmp_path):
    with read_ahead(tasks(tmp_path, 10)) as ahead:
        assert next(ahead)[0] == 0
    time.sleep(0.2)
    assert started(tmp_path) <= 2  # the first, and the second if it had started: cancelled otherwise
