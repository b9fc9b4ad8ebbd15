"""jamfor's Swedish for Superset: a maintained .po whose every msgid is Superset 6.1's, whose every
translation keeps its placeholders, and whose built files (.mo, .json) are those of the .po."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest

from jamfor.superset.inside import language_build
from jamfor.superset.inside.language import install_swedish, offer_swedish
from jamfor.superset.inside.language_build import NOT_IN_POT

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _superset_pot() -> Path:
    superset = pytest.importorskip("superset")
    return Path(superset.__file__).parent / "translations" / "messages.pot"


def _catalog():
    pytest.importorskip("babel")
    return language_build.read_po(language_build.po_path())


def _messages() -> list:
    return [message for message in _catalog() if message.id]


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if message.pluralizable else (message.string,)


def test_the_swedish_po_translates_hundreds_of_superset_strings_and_leaves_none_empty():
    messages = _messages()
    assert len(messages) >= 200
    assert [m.id for m in messages if not all(_strings(m))] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_every_msgid_of_the_swedish_po_is_one_superset_6_1_translates_in_its_pot_or_front_end():
    from babel.messages.pofile import read_po

    with _superset_pot().open("rb") as handle:
        pot = {(m.id[0] if m.pluralizable else m.id): m for m in read_po(handle)}
    in_pot = [m for m in _messages() if _ids(m)[0] in pot]
    assert [m.pluralizable for m in in_pot] == [pot[_ids(m)[0]].pluralizable for m in in_pot]
    # A few strings 6.1's front end translates are missing from its messages.pot: each such msgid
    # says so in the .po and must be passed to t() by 6.1's bundle, word for word.
    outside = [m for m in _messages() if _ids(m)[0] not in pot]
    assert [m.id for m in outside if NOT_IN_POT not in m.auto_comments] == []
    bundle = "\n".join(path.read_text(errors="replace")
                       for path in (_superset_pot().parents[1] / "static" / "assets").glob("*.js"))
    assert [m.id for m in outside if f'.t)({json.dumps(m.id)})' not in bundle] == []
    assert len(outside) <= 5


@pytest.mark.parametrize("text, placeholders", [
    ("%s option", ["%s"]), ("%(name)s of %(count)d", ["%(count)d", "%(name)s"]), ("{ name } x", []),
    ("Drag {name} here", ["{name}"]), ("100%", [])])
def test_placeholders_are_read_as_superset_writes_them(text, placeholders):
    assert sorted(PLACEHOLDER.findall(text)) == placeholders


def test_every_swedish_translation_keeps_the_placeholders_of_its_msgid():
    broken = []
    for message in _messages():
        wanted = sorted(PLACEHOLDER.findall(_ids(message)[-1]))
        for string in _strings(message):
            if sorted(PLACEHOLDER.findall(string)) != wanted and not (
                    message.pluralizable and string is _strings(message)[0]
                    and sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(message.id[0]))):
                broken.append((_ids(message)[0], string))
    assert broken == []


def test_the_built_json_is_that_of_the_po():
    pytest.importorskip("babel")
    pack = language_build.po_path().with_suffix(".json")
    assert pack.read_bytes() == language_build.built_files()[pack], "run `make translations` and commit"


def test_the_built_mo_translates_every_message_of_the_po_as_the_po_does():
    # Compared by what gettext reads, not by bytes: Babel stamps a creation date into the .mo header.
    with language_build.po_path().with_suffix(".mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    differ = [m.id for m in _messages() if _read(mo, m) != _strings(m)]
    assert differ == [], "run `make translations` and commit the built files"


def _read(mo: gettext.GNUTranslations, message) -> tuple[str, ...]:
    if message.pluralizable:
        return mo.ngettext(message.id[0], message.id[1], 1), mo.ngettext(message.id[0], message.id[1], 2)
    return (mo.gettext(message.id),)


def test_the_front_end_pack_has_the_jed_shape_superset_reads():
    pack = language_build.jed_pack(_catalog())
    messages = pack["locale_data"]["superset"]
    assert pack["domain"] == "superset"
    assert messages[""] == {"domain": "superset", "lang": "sv",
                            "plural_forms": "nplurals=2; plural=(n != 1);"}
    assert messages["Filters and controls"] == ["Filter och kontroller"]
    assert messages["%s option"] == ["%s alternativ", "%s alternativ"]


@pytest.mark.parametrize("configured, offered", [
    (None, ["en", "sv"]), ({}, ["en", "sv"]),
    ({"fi": {"flag": "fi", "name": "Finnish"}, "en": {"flag": "us", "name": "English"}}, ["fi", "en", "sv"]),
    ({"sv": {"flag": "se", "name": "Swedish (own)"}}, ["sv"])])
def test_swedish_is_offered_beside_the_languages_a_config_already_offers(configured, offered):
    config = {} if configured is None else {"LANGUAGES": configured}
    offer_swedish(config)
    assert list(config["LANGUAGES"]) == offered


def test_the_swedish_pack_is_served_before_supersets_view_and_other_languages_reach_that_view():
    flask = pytest.importorskip("flask")
    utils = pytest.importorskip("superset.translations.utils")
    app = flask.Flask("superset-like")
    superset_views = flask.Blueprint("Superset", __name__)
    superset_views.add_url_rule("/superset/language_pack/<lang>/", "language_pack",
                                lambda lang: f"Superset's own {lang} (login required)")
    app.register_blueprint(superset_views)
    install_swedish(app)
    install_swedish(app)  # a second mutator run adds nothing twice
    client = app.test_client()
    swedish = client.get("/superset/language_pack/sv/")
    assert swedish.json["locale_data"]["superset"]["Apply filters"] == ["Tillämpa filter"]
    assert client.get("/superset/language_pack/de/").text == "Superset's own de (login required)"
    assert len(app.before_request_funcs[None]) == 1
    assert utils.ALL_LANGUAGE_PACKS["sv"] == swedish.json  # what Superset 4.1 and 5.0 put into a page
    assert list(app.config["LANGUAGES"]) == ["en", "sv"]
