"""One redaction rule for every URL jamfor prints, logs or stores (jamfor.redact), and the database
URI sent to Superset keeping a query-string password out of ``sqlalchemy_uri``."""

from __future__ import annotations

import pytest

from jamfor.redact import redact_text, redact_url
from jamfor.superset.sync.assets import render_database

DB_SECRET = "dbSEKRET1"


def test_a_password_given_as_a_query_parameter_reaches_superset_only_in_the_passwords_field():
    config, passwords = render_database(
        f"postgresql://jamfor@db:5432/lager?password={DB_SECRET}&sslmode=require")
    assert DB_SECRET not in repr(config)
    assert config["sqlalchemy_uri"].endswith("@db:5432/lager?sslmode=require")
    assert passwords == {"databases/jamfor.yaml": DB_SECRET}


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
    ("postgresql://u@h/db?user=u&password=pw&sslmode=require",
     "postgresql://u@h/db?user=u&password=***&sslmode=require"),
    ("https://user:pw@api.kolada.se/v3?api_key=k#access_token=t",
     "https://user:***@api.kolada.se/v3?api_key=***#access_token=***"),
    ("sqlite:////var/lib/jamfor.db", "sqlite:////var/lib/jamfor.db"),
    ("http://[::1", "<URL hidden: cannot be parsed>"),
])
def test_one_function_redacts_userinfo_passwords_and_password_parameters(url, shown):
    assert redact_url(url) == shown


def test_text_loses_every_url_secret_also_where_a_driver_quotes_it_decoded():
    text = 'connection to "postgresql://u:p%40ss@h/db" failed: password "p@ss" refused'
    assert redact_text(text, ["postgresql://u:p%40ss@h/db"]) == \
        'connection to "postgresql://u:***@h/db" failed: password "***" refused'


def test_a_url_in_a_sentence_keeps_the_punctuation_after_it():
    assert redact_text("cannot reach http://admin:pw@127.0.0.1:1: ConnectionError") == \
        "cannot reach http://admin:***@127.0.0.1:1: ConnectionError"
