"""Text helpers shared by the sources and the Superset side."""

from __future__ import annotations

import re

_ASCII = str.maketrans("åäöéü", "aaoeu")


def slug(text: str, max_length: int = 70) -> str:
    """An identifier made from a Swedish title: ``"Andel (%) äldre"`` -> ``"andel_aldre"``.

    Used for generated indicator ids and for the file names of charts pulled from Superset, so both
    transliterate the same way."""
    ascii_text = str(text).casefold().translate(_ASCII)
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:max_length]
