"""Swedish for Superset's own words, served from jamfor's package: Superset ships no Swedish.

Two halves, both from ``translations/sv/LC_MESSAGES/`` (built by ``language_build`` from the .po):

- the back end (menus, server messages, errors) reads ``messages.mo`` through Flask-Babel, which
  searches every folder of ``BABEL_TRANSLATION_DIRECTORIES`` (the config line sets it to Superset's own
  folder and ours, and Flask-AppBuilder puts its folder first): no file is written into Superset;
- the front end of Superset 6 fetches ``/superset/language_pack/<lang>/``, and Superset serves that
  only from its own package folder (``views/core.py``). ``install_swedish`` therefore answers that
  request for ``sv`` with our ``messages.json`` before Superset's view runs; every other language goes
  to Superset's view unchanged. Superset 4.1 and 5.0 put the pack into every page instead, through
  ``translations.utils.get_language_pack``, which reads its cache ``ALL_LANGUAGE_PACKS`` first:
  ``install_swedish`` puts our pack there. The request for ``sv`` is answered without a login, because
  the login page needs the pack before anyone has logged in; the pack holds only Superset's interface
  texts, which are public in Superset's source.

``install_swedish`` also offers Swedish in the language menu (``LANGUAGES``), next to whatever
languages the configuration already offers, so a reader chooses it as Superset lets them choose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SWEDISH = "sv"
SWEDISH_MENU_ENTRY = {"flag": "se", "name": "Svenska"}
# Superset's default when LANGUAGES is empty (Flask-AppBuilder then offers English alone).
ENGLISH_MENU_ENTRY = {"flag": "us", "name": "English"}
LANGUAGE_PACK_ENDPOINT = "Superset.language_pack"


def babel_translation_directories() -> str:
    """Superset's own translations (``translations`` relative to its package) and then jamfor's."""
    return f"translations;{TRANSLATIONS}"


def language_pack_file(language: str = SWEDISH) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.json"


def offer_swedish(config: dict[str, Any]) -> None:
    """Swedish in the language menu, after the languages already offered (English when none were)."""
    languages = dict(config.get("LANGUAGES") or {"en": ENGLISH_MENU_ENTRY})
    languages.setdefault(SWEDISH, SWEDISH_MENU_ENTRY)
    config["LANGUAGES"] = languages


def swedish_pack_response() -> Any:
    """Before any view runs: the Swedish pack for ``/superset/language_pack/sv/``, else ``None``
    (Flask then runs the view as usual)."""
    from flask import request, send_file

    if request.endpoint == LANGUAGE_PACK_ENDPOINT and (request.view_args or {}).get("lang") == SWEDISH:
        return send_file(language_pack_file(), mimetype="application/json", max_age=0)
    return None


def cache_swedish_pack() -> None:
    """Our pack in the cache Superset 4.1 and 5.0 read each page's language pack from."""
    from superset.translations import utils

    with language_pack_file().open(encoding="utf-8") as handle:
        utils.ALL_LANGUAGE_PACKS[SWEDISH] = json.load(handle)


def install_swedish(app: Any) -> None:
    """Offer Swedish and serve its front-end pack.

    A ``before_request`` hook rather than a replaced view: Superset registers its views after the
    FLASK_APP_MUTATOR has run, and the hook runs before the view's login check (see the module).
    """
    offer_swedish(app.config)
    cache_swedish_pack()
    if swedish_pack_response not in app.before_request_funcs.get(None, []):
        app.before_request(swedish_pack_response)
