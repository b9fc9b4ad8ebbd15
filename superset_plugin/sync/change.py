"""One planned change, shared by the asset plan (``registry``) and the report plan (``report_sync``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """What register would do to one asset: create, update, unchanged, removed (from the repo) or
    conflict (creating it would take over an object someone else made, or a report's target is
    missing; register refuses)."""

    kind: str
    uuid: str
    title: str
    source: str
    action: str
    drift: bool = False
    reason: str = ""
