"""The local Superset's home and its metadata database: superset.db by default, or a database an
operator names (`jamfor demo --metadata-uri`), whose URL may hold a password and so never enters the
config. (Starting Superset on PostgreSQL metadata: tests/superset/test_superset_access.py.)"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from jamfor.superset.runtime.local_superset import (
    CONFIG_LINE,
    LocalSupersetError,
    initialise,
    metadata_uri_of,
    prepare_home,
)

METADATA = "postgresql://superset:Hemlig-metadata-7781@127.0.0.1:5432/superset_meta"


def settings(home: Path) -> dict[str, Any]:
    """What the written config sets, without jamfor's config line (that needs Superset's packages)."""
    namespace: dict[str, Any] = {"__file__": str(home / "superset_config.py")}
    exec((home / "superset_config.py").read_text().replace(CONFIG_LINE, ""), namespace)  # noqa: S102
    return namespace


def test_a_home_keeps_its_metadata_in_superset_db_unless_told_otherwise(tmp_path):
    prepare_home(tmp_path)
    assert metadata_uri_of(tmp_path) == f"sqlite:///{tmp_path / 'superset.db'}"
    assert settings(tmp_path)["SQLALCHEMY_DATABASE_URI"] == metadata_uri_of(tmp_path)


def test_a_named_metadata_database_is_kept_private_and_never_written_into_the_config(tmp_path):
    prepare_home(tmp_path, metadata_uri=METADATA)
    config = (tmp_path / "superset_config.py").read_text()
    assert "Hemlig-metadata-7781" not in config and "superset_meta" not in config
    assert stat.S_IMODE((tmp_path / "metadata_uri").stat().st_mode) == 0o600
    assert settings(tmp_path)["SQLALCHEMY_DATABASE_URI"] == METADATA
    prepare_home(tmp_path)  # a later start without the option keeps the home's database
    assert metadata_uri_of(tmp_path) == METADATA


def test_the_role_api_is_on_for_every_superset_version(tmp_path):
    prepare_home(tmp_path)
    assert settings(tmp_path)["FAB_ADD_SECURITY_API"] is True


def test_an_unreachable_metadata_database_is_named_without_its_password(tmp_path):
    pytest.importorskip("psycopg2")
    unreachable = "postgresql://superset:Hemlig-metadata-7781@127.0.0.1:1/superset_meta"
    with pytest.raises(LocalSupersetError) as refused:
        initialise(tmp_path, metadata_uri=unreachable)
    message = str(refused.value)
    assert "127.0.0.1:1/superset_meta cannot be reached" in message
    assert "Hemlig-metadata-7781" not in message
