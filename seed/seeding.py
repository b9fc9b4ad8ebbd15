"""`jamfor seed`: reference and catalogue, the published figures, and optionally the demo data.

Each source is its own batch and its own transaction, so a failure in the demo step leaves the
reference data and the published figures loaded and intact. These sources ship with jamfor and each
is the whole of itself, so their loads replace (rows an older jamfor shipped and this one does not
are removed).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import LoadResult, load
from jamfor.seed.reference import reference_frames
from jamfor.seed.sources.demo import demo_frames
from jamfor.seed.sources.published import published_frames
from jamfor.seed.sources.skr_demo import skr_demo_frames
from jamfor.seed.sources.skr_inventory import catalog_frames as skr_catalog_frames

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
    return steps


def run_seed(engine: Engine, *, demo: bool, force: bool = False,
             on_step: Callable[[str], None] | None = None) -> list[tuple[str, LoadResult]]:
    results = []
    for name, build in seed_steps(demo=demo):
        if on_step:
            on_step(name)
        results.append((name, load(engine, build(), force=force, replace=True)))
    return results


def load_with_prerequisites(engine: Engine, frames: SourceFrames,
                            *prerequisites: Callable[[], SourceFrames], replace: bool = False) -> LoadResult:
    """Load real data after what it refers to: the areas and ÖJ catalogue, plus e.g. the SKR
    catalogue. Those loads are skipped when their rows are already there, so a seeded warehouse is
    left as it was. ``replace`` is ``jamfor.seed.load.load``'s."""
    for build in (reference_frames, *prerequisites):
        load(engine, build(), replace=True)
    return load(engine, frames, replace=replace)
