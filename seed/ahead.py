"""Reading the next part of a source while the loader writes the one before.

A national Kolada load is a long read (JSON pages checked row by row in Python) and a long write (the
database's own work, which releases the GIL): one after the other they leave one of two cores idle in
each phase. A thread one part ahead overlaps them, and holds at most one part besides the one being
written, so memory stays that of two parts however long the source is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_END = object()


@contextmanager
def read_ahead(items: Iterable[T]) -> Iterator[Iterator[T]]:
    """``items`` as an iterator whose next item is produced in a thread while the caller works on the
    current one. An exception raised producing an item is raised where the caller asks for it. On
    leaving, a part being read is abandoned (the thread is a daemon: an interrupted load does not wait
    for Kolada)."""
    wanted = threading.Semaphore(0)  # released once per item the caller may hold next
    ready: queue.Queue = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                ready.put((item, None))
                wanted.acquire()
                if stop.is_set():
                    return
            ready.put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            ready.put((_END, exc))

    def consume() -> Iterator[T]:
        while True:
            item, exc = ready.get()
            if exc is not None:
                raise exc
            if item is _END:
                return
            wanted.release()  # the next part is read while the caller writes this one
            yield item
            del item  # not held while waiting for the next one

    threading.Thread(target=produce, name="jamfor-read-ahead", daemon=True).start()
    try:
        yield consume()
    finally:
        stop.set()
        wanted.release()
