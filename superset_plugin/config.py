"""What one line in ``superset_config.py`` gives a Superset: ``from jamfor.superset.config import *``.

That line defines three settings and nothing else (see ``__all__``):

- ``FLASK_APP_MUTATOR``: adds the ``superset jamfor …`` CLI commands to the app and offers Swedish in
  Superset's language menu, serving its front-end pack (``inside/language.py``). A config that has
  its own mutator writes ``FLASK_APP_MUTATOR = make_app_mutator(its_mutator)`` after the line.
- ``BABEL_TRANSLATION_DIRECTORIES``: Superset's own translations and jamfor's Swedish, for the back
  end's texts. A config with its own folders writes ``BABEL_TRANSLATION_DIRECTORIES =
  f"{its_folders};{BABEL_TRANSLATION_DIRECTORIES}"`` after the line.
- ``JINJA_CONTEXT_ADDONS``: ``jamfor_area(code)`` for analysts' SQL (needs the feature flag
  ``ENABLE_TEMPLATE_PROCESSING``). Any SQL author can call it, so it accepts only exact known area
  codes and returns only values built from the shipped reference data. A config with its own addons
  writes ``JINJA_CONTEXT_ADDONS = {**its_addons, **JINJA_ADDONS}`` after the line.

Importing this module does no work: the reference data is read on the first ``jamfor_area`` call and
the CLI commands are built when Superset calls the mutator. Swedish is offered, not imposed: a reader
picks it in the language menu; ``BABEL_DEFAULT_LOCALE = "sv"`` after the line makes it the default.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jamfor.superset.inside.language import babel_translation_directories, install_swedish

__all__ = ["BABEL_TRANSLATION_DIRECTORIES", "FLASK_APP_MUTATOR", "JINJA_ADDONS", "JINJA_CONTEXT_ADDONS",
           "make_app_mutator"]


@dataclass(frozen=True)
class Area:
    """One area and what it is compared with; every code is a known reference code (safe in SQL)."""

    code: str
    name: str
    level: str
    lan_code: str | None
    lan_name: str | None
    kommungrupp: str | None
    riket: str = "00"

    @property
    def comparison_codes(self) -> tuple[str, ...]:
        """The area itself, its län and riket: the rows a "min kommun mot län och riket" query wants."""
        codes = [self.code]
        if self.lan_code and self.lan_code != self.code:
            codes.append(self.lan_code)
        if self.code != self.riket:
            codes.append(self.riket)
        return tuple(codes)

    @property
    def sql_in(self) -> str:
        """``'1280', '12', '00'`` for ``area_code IN ({{ jamfor_area('1280').sql_in }})``."""
        return ", ".join(f"'{code}'" for code in self.comparison_codes)


@functools.lru_cache(maxsize=1)
def _areas() -> dict[str, Area]:
    from jamfor.seed.reference import area_frame

    frame = area_frame()
    lan_names = dict(zip(frame.loc[frame.level == "lan", "area_code"],
                         frame.loc[frame.level == "lan", "name"]))
    areas = {}
    for row in frame.to_dict("records"):
        lan = row.get("lan_code") or None
        group = row.get("kommungrupp") or None
        areas[row["area_code"]] = Area(row["area_code"], row["name"], row["level"],
                                       lan if isinstance(lan, str) else None,
                                       lan_names.get(lan) if isinstance(lan, str) else None,
                                       group if isinstance(group, str) else None)
    return areas


def jamfor_area(code: object) -> Area:
    """The area with code ``code`` ('1280' kommun, '12' län, '00' riket, '018001' stadsdel).

    Raises ValueError for anything but an exact known code (a str), so a template can never smuggle
    text into the SQL through this function.
    """
    if not isinstance(code, str):
        raise ValueError("jamfor_area: the area code must be a string such as '1280'")
    area = _areas().get(code)
    if area is None:
        raise ValueError("jamfor_area: unknown area code (expected a kommun, län, riket or stadsdel code)")
    return area


def _install_cli(app: Any) -> None:
    from jamfor.cli.in_superset import add_shared_commands, jamfor_group

    add_shared_commands()
    if "jamfor" not in app.cli.commands:
        app.cli.add_command(jamfor_group)


def make_app_mutator(previous: Callable[[Any], Any] | None = None) -> Callable[[Any], None]:
    """A mutator that installs jamfor's CLI commands and Swedish after running ``previous`` (if given)."""

    def jamfor_app_mutator(app: Any) -> None:
        if previous is not None:
            previous(app)
        _install_cli(app)
        install_swedish(app)

    return jamfor_app_mutator


FLASK_APP_MUTATOR = make_app_mutator()
BABEL_TRANSLATION_DIRECTORIES = babel_translation_directories()
JINJA_ADDONS: dict[str, Callable[..., Any]] = {"jamfor_area": jamfor_area}
JINJA_CONTEXT_ADDONS = dict(JINJA_ADDONS)
