"""The ``superset jamfor …`` commands, installed into Superset's CLI by ``superset_plugin.config``.

They run inside Superset's app context, so they import in-process with ImportAssetsCommand (no REST,
no PREVENT_UNSAFE_DB_CONNECTIONS check): what `jamfor demo` uses for an embedded SQLite warehouse.
"""

from __future__ import annotations

import click


@click.group("jamfor")
def jamfor_group() -> None:
    """jamfor: register the Öppna jämförelser and SKR datasets and dashboards in this Superset."""
