"""What a source hands to the loader: validated frames plus where they came from.

Sources build a ``SourceFrames`` without touching the database; ``jamfor.seed.load.load`` writes it in one
transaction. Keeping the two apart is what makes a failed read write nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jamfor.errors import Problem


@dataclass
class SourceFrames:
    """Rows for one or more warehouse tables from one input (a file, an API query, a publication)."""

    source: str
    source_ref: str
    sha256: str
    synthetic: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    attribution: str | None = None
    # Sources whose rows this load leaves in place where it has a row with the same key: a Kolada load
    # never replaces a figure Socialstyrelsen published.
    yields_to: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A checksum of the rows themselves, so an unchanged re-load can be recognised and skipped.

        Each row is hashed to 64 bits (pandas' vectorised row hash) and the sorted hashes are
        digested: independent of row order, and a second per million rows instead of ten."""
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            frame = self.tables[name]
            ordered = frame.reindex(sorted(frame.columns), axis=1)
            hashes = np.sort(pd.util.hash_pandas_object(ordered, index=False).to_numpy())
            digest.update(name.encode())
            digest.update(",".join(ordered.columns).encode())
            digest.update(hashes.tobytes())
        digest.update(str(self.synthetic).encode())
        digest.update((self.attribution or "").encode())
        return digest.hexdigest()

    @classmethod
    def synthetic_batch(cls, source: str, source_ref: str, tables: dict[str, pd.DataFrame],
                        attribution: str) -> SourceFrames:
        """A generated (demo) batch: its input is the generator itself, so its checksum is that of
        its rows."""
        frames = cls(source, source_ref, "", True, tables, attribution)
        frames.sha256 = frames.fingerprint()
        return frames

    @property
    def row_count(self) -> int:
        return sum(len(f) for f in self.tables.values())


@dataclass
class SourceRead:
    """What every source's one read function returns, so one seeding function loads any of them.

    ``warnings`` are what was left out while the rest loads (an unknown indicator column, a kommun
    the source knows and jamfor does not); ``prerequisites`` build the shipped frames these rows
    refer to (areas, catalogues), loaded first and skipped when already there.
    """

    frames: SourceFrames
    warnings: list[Problem] = field(default_factory=list)
    prerequisites: tuple[Callable[[], SourceFrames], ...] = ()

    def as_loads(self) -> SourceLoads:
        return SourceLoads(self.frames.source_ref, [self.frames], self.warnings, self.prerequisites,
                           self.frames.yields_to)


@dataclass
class SourceLoads:
    """A read too large to hold at once (a Kolada verksamhet: a thousand KPIs, three million values),
    handed to the loader in parts that are read as they are loaded, all in one transaction.

    Each part is a batch of its own, named for what it holds, so a later load of the same part finds
    it (``--replace``, an unchanged part skipped). ``name`` is the whole read, for messages;
    ``warnings`` is complete once ``loads`` has been read to its end."""

    name: str
    loads: Iterable[SourceFrames]
    warnings: list[Problem] = field(default_factory=list)
    prerequisites: tuple[Callable[[], SourceFrames], ...] = ()
    yields_to: tuple[str, ...] = ()


def sha256_of_files(paths: Iterable[Path]) -> str:
    """Checksum of the input files, in the order given, for the batch's provenance."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (no numpy scalars, missing as None) that every driver accepts.

    Faster than ``DataFrame.to_dict("records")``, which dominates load time on wide frames.
    """
    columns = list(frame.columns)
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [dict(zip(columns, row)) for row in cleaned.itertuples(index=False, name=None)]
