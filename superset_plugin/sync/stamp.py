"""How registered assets are marked: locked (managed in the organisation's repository) or editable.

Locked is Superset's "managed externally": its UI disables Save (overwrite) in Explore and hides Edit
dashboard for everyone, and shows ``external_url`` as where to edit, so a locked asset links to its own
file in the organisation's repository. Editable leaves the flag off, so analysts edit with Superset's
normal Save and ``jamfor pull`` brings the edit back as a YAML diff. Either way charts and dashboards carry
a certification naming the jamfor version; its text says which of the two the asset is, and it is the
part of the mark Superset exports, so ``plan`` sees a mode or link change as an update (never as drift:
fingerprints leave every mark out); a dataset's mode change it sees by the dataset's flag.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any, Protocol

from jamfor import __version__

DEFAULT_EXTERNAL_URL = "https://github.com/jamfor/jamfor"
ENV_EXTERNAL_URL = "JAMFOR_EXTERNAL_URL"
CERTIFIED_BY = "jamfor"


class Markable(Protocol):
    """What a mark needs of an asset file (``jamfor.superset.sync.assets.Asset``)."""

    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Stamp:
    """``locked`` or editable; ``repo_url`` a link template whose ``{path}`` is the asset's file."""

    locked: bool = True
    repo_url: str | None = None

    @property
    def mode(self) -> str:
        return "locked" if self.locked else "editable"

    def link(self, asset: Markable) -> str:
        """Where a locked asset is edited: its file in the repository, else $JAMFOR_EXTERNAL_URL."""
        if self.repo_url:
            return self.repo_url.replace("{path}", asset.source)
        return os.environ.get(ENV_EXTERNAL_URL) or DEFAULT_EXTERNAL_URL

    def details(self, asset: Markable, version: str = __version__) -> str:
        """The certification text Superset shows in the badge of a chart or dashboard."""
        if self.locked:
            return f"jamfor {version}: hanteras som kod, ändringar görs i {self.link(asset)}"
        return (f"jamfor {version}: får redigeras här; ändringarna hämtas till versionshanteringen med "
                "jamfor pull")

    def apply(self, asset: Markable, version: str = __version__) -> dict[str, Any]:
        """The asset as registered: marked locked or editable, charts and dashboards certified."""
        data = copy.deepcopy(asset.data)
        data["is_managed_externally"] = self.locked
        data["external_url"] = self.link(asset) if self.locked else None
        if asset.kind in ("chart", "dashboard"):
            data["certified_by"] = CERTIFIED_BY
            data["certification_details"] = self.details(asset, version)
        return data

    def current(self, asset: Markable, exported: dict[str, Any], version: str = __version__) -> bool:
        """Whether Superset holds this mark: a chart's or dashboard's certification, a dataset's
        managed-externally flag (which ``register.fetch_remote`` reads in, Superset's export lacking it;
        a link change of a dataset is not seen, Superset shows no dataset's link)."""
        if asset.kind == "dataset":
            return exported.get("is_managed_externally", self.locked) == self.locked
        if asset.kind not in ("chart", "dashboard"):
            return True
        return exported.get("certification_details") == self.details(asset, version)
