"""Build Superset's Swedish from its maintained source: ``translations/sv/LC_MESSAGES/messages.po``.

Superset reads a language twice: its back end (Flask-Babel) reads ``messages.mo``, its front end
fetches ``messages.json`` in the Jed format Superset's own packs use (``superset/translations/<lang>/
LC_MESSAGES/messages.json``: ``{"domain": "superset", "locale_data": {"superset": {"": header,
msgid: [translation, plural…]}}}``). Both are built here from the one .po with Babel (a Superset
dependency), and committed next to it so an installed jamfor carries them; ``make translations``
rebuilds them, and a unit test fails when they are out of date with the .po.

Run: ``python -m jamfor.superset.inside.language_build``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE = "sv"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
# The .po's comment on a msgid that 6.1's front end translates although its messages.pot lacks it.
NOT_IN_POT = "Not in Superset 6.1's messages.pot, but passed to t() by its front end."


def po_path(language: str = LANGUAGE) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read_po(path: Path) -> Any:
    """The catalog of ``path`` (a ``babel.messages.Catalog``)."""
    from babel.messages.pofile import read_po as babel_read_po

    with path.open("rb") as handle:
        return babel_read_po(handle, locale=path.parents[1].name)


def jed_pack(catalog: Any, language: str = LANGUAGE) -> dict[str, Any]:
    """The front end's language pack: every translated message, plurals as a list in form order."""
    header = {"domain": "superset", "plural_forms": PLURAL_FORMS, "lang": language}
    messages: dict[str, Any] = {"": header}
    for message in catalog:
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            messages[message.id[0]] = list(message.string)
        else:
            messages[message.id] = [message.string]
    return {"domain": "superset", "locale_data": {"superset": messages}}


def built_files(language: str = LANGUAGE) -> dict[Path, bytes]:
    """What the build writes: ``messages.mo`` and ``messages.json`` beside the .po, as bytes."""
    from babel.messages.mofile import write_mo

    source = po_path(language)
    catalog = read_po(source)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    pack = json.dumps(jed_pack(catalog, language), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return {source.with_suffix(".mo"): mo.getvalue(), source.with_suffix(".json"): pack.encode()}


def build(language: str = LANGUAGE) -> list[Path]:
    """Write the built files of ``language``; returns their paths."""
    files = built_files(language)
    for path, content in files.items():
        path.write_bytes(content)
    return list(files)


if __name__ == "__main__":
    for written in build():
        print(f"wrote {written}")
