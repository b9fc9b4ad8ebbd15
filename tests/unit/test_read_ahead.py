"""The thread that reads a source's next part while the loader writes the one before
(``jamfor.seed.ahead.read_ahead``): order kept, an error raised where its part is asked for, and never
more than one part read ahead (memory is two parts', however long the source)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from jamfor.seed.ahead import read_ahead


class Parts:
    """A source of ``n`` parts that records how many it has started to read and in which thread."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at, self.started, self.threads = n, fail_at, 0, set()

    def __iter__(self) -> Iterator[int]:
        for index in range(self.n):
            self.started += 1
            self.threads.add(threading.current_thread().name)
            if index == self.fail_at:
                raise ValueError(f"part {index} is bad")
            yield index


def test_every_part_comes_in_order_and_is_read_in_another_thread():
    parts = Parts(5)
    with read_ahead(parts) as ahead:
        assert list(ahead) == [0, 1, 2, 3, 4]
    assert parts.threads == {"jamfor-read-ahead"}


def test_the_next_part_is_read_while_the_caller_holds_one_and_never_two_ahead():
    parts = Parts(6)
    with read_ahead(parts) as ahead:
        for index in ahead:
            expected = min(index + 2, 6)  # this one and the next, no more
            deadline = time.monotonic() + 10
            while parts.started < expected and time.monotonic() < deadline:
                time.sleep(0.01)  # the caller writing part `index`
            time.sleep(0.05)
            assert parts.started == expected


def test_an_error_reading_a_part_is_raised_where_that_part_is_asked_for_after_the_parts_before():
    got = []
    with pytest.raises(ValueError, match="part 2 is bad"), read_ahead(Parts(5, fail_at=2)) as ahead:
        for index in ahead:
            got.append(index)
    assert got == [0, 1]


def test_leaving_early_stops_reading_at_most_one_part_after_the_one_in_hand():
    parts = Parts(10)
    with read_ahead(parts) as ahead:
        assert next(ahead) == 0
    time.sleep(0.1)
    assert parts.started <= 2
