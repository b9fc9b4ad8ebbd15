"""Where jamfor keeps its per-user files, by the XDG base directory rules (one helper, not one per caller).

``user_dir("data")`` is $XDG_DATA_HOME/jamfor (~/.local/share/jamfor), ``"cache"`` $XDG_CACHE_HOME/jamfor
(~/.cache/jamfor) and ``"state"`` $XDG_STATE_HOME/jamfor (~/.local/state/jamfor): the warehouse file,
Kolada's response cache and Superset registration state each live below one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULTS = {"data": (".local", "share"), "cache": (".cache",), "state": (".local", "state")}


def user_dir(kind: str) -> Path:
    """jamfor's folder of ``kind`` ("data", "cache" or "state"); not created here."""
    base = os.environ.get(f"XDG_{kind.upper()}_HOME") or str(Path.home().joinpath(*_DEFAULTS[kind]))
    return Path(base) / "jamfor"
