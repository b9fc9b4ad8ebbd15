"""`jamfor seed`: reference and catalogue, the published figures, and optionally the demo data.

Each source is its own batch (its provenance), and the whole seed is one transaction: a failure in
any step, the demo step too, leaves the warehouse as it was before the seed. These sources ship with
jamfor and each is the whole of itself, so their loads replace (rows an older jamfor shipped and this
one does not are removed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.engine import Engine

from jamfor.seed.frames import SourceFrames, SourceLoads
from jamfor.seed.load import LoadResult, load, load_all
from jamfor.seed.reference import reference_frames
from jamfor.seed.sources.published import published_frames
from jamfor.seed.sources.skr_inventory import catalog_frames as skr_catalog_frames
from jamfor.seed.sources.synthetic_groups import demo_group_frames
from jamfor.seed.sources.synthetic_oj import demo_frames
from jamfor.seed.sources.synthetic_skr import skr_demo_frames

Step = tuple[str, Callable[[], SourceFrames]]


def seed_steps(*, demo: bool) -> list[Step]:
    """The sources `jamfor seed` loads, in order; names are what the progress display shows."""
    steps: list[Step] = [
        ("reference data and indicator catalogue", reference_frames),
        ("published ÖJ values (riket)", published_frames),
        ("SKR's insats catalogue", skr_catalog_frames),
    ]
    if demo:
        steps.append(("synthetic ÖJ demo values", demo_frames))
        steps.append(("synthetic SKR inventory demo answers", skr_demo_frames))
        steps.append(("synthetic Kolada comparison groups", demo_group_frames))
    return steps


def run_seed(engine: Engine, *, demo: bool, force: bool = False,
             on_step: Callable[[str], None] | None = None,
             on_wait: Callable[[], None] | None = None) -> list[tuple[str, LoadResult]]:
    """Every step in one transaction (``load_all``): a seed that fails half-way leaves the warehouse
    as it was, and the derived tables are computed once, not once per step."""
    steps = seed_steps(demo=demo)

    def frames() -> Iterator[SourceFrames]:
        for name, build in steps:
            if on_step:
                on_step(name)
            yield build()

    results = load_all(engine, frames(), force=force, replace=True, on_wait=on_wait)
    return [(name, result) for (name, _), result in zip(steps, results)]


def load_parts(engine: Engine, read: SourceLoads, *, replace: bool = False,
               on_wait: Callable[[], None] | None = None) -> list[LoadResult]:
    """Load what any source's read function returned (``SourceRead.as_loads`` for a read of one part):
    first the shipped data its rows refer to (skipped when already there, so a seeded warehouse is left
    as it was), then its parts, all in one transaction, so a failed part leaves the warehouse as it
    was, each part's derived rows computed as it is written (a source in parts reads the next one
    meanwhile: ``jamfor.seed.ahead``). ``replace`` and ``on_wait`` are ``jamfor.seed.load.load``'s."""
    for build in read.prerequisites:
        load(engine, build(), replace=True, on_wait=on_wait)
    return load_all(engine, read.loads, replace=replace, on_wait=on_wait, derive_each=True)
