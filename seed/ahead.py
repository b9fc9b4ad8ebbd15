"""Reading the next part of a source in another process while the loader writes the one before.

A national Kolada load is a long read (JSON pages checked row by row in Python) and a long write.
One after the other they leave one of two cores idle in each phase; a thread cannot overlap them,
because the read holds the GIL the writer needs between its statements (1,000 KPIs on SQLite: 137 s
with a thread one part ahead, 145 s without, 86 s with a process). The worker process reads one part
ahead, so the loader holds at most two parts however long the source is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def read_ahead(tasks: Sequence[Callable[[], T]]) -> Iterator[Iterator[T]]:
    """Each task's result, in order, the next task running in a worker process while the caller works
    on the current result. A task and its result cross to the worker and back by pickle; an exception
    a task raises is raised where its result is asked for. One task alone runs here: there is nothing
    to overlap it with."""
    if len(tasks) < 2:
        yield (task() for task in tasks)
        return
    # spawn, not fork: the caller has threads (the progress display, a test's servers) a fork would copy
    # mid-lock.
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        try:
            yield _one_ahead(pool, tasks)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _one_ahead(pool: ProcessPoolExecutor, tasks: Sequence[Callable[[], T]]) -> Iterator[T]:
    pending: Future[T] = pool.submit(tasks[0])
    for following in [*tasks[1:], None]:
        result = pending.result()
        if following is not None:
            pending = pool.submit(following)
        yield result
        del result  # not held while the next one is waited for
