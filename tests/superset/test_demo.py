"""`jamfor demo`: seed, start, register once; a second run skips both; Ctrl-C leaves nothing running.

The first run goes through the library with a recording register step (registering every asset is
what tests/test_browser.py and the registry's own tests do against the session Superset); the second
run is the real command in a child process, stopped with SIGINT as a person's Ctrl-C would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.superset_env import home_from_template

from jamfor.cli.main import main
from jamfor.demo import DemoError, DemoSettings, check_port_free, demo
from jamfor.seed.db import engine_for
from jamfor.seed.status import batch_status
from jamfor.superset.runtime.local_superset import free_port
from jamfor.superset.sync.assets import assets_root
from jamfor.superset.sync.folder import ENV_ASSETS


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_taken_port_is_refused_with_a_hint_towards_the_port_option(listening_port):
    with pytest.raises(DemoError) as caught:
        check_port_free(listening_port)
    assert str(caught.value) == (f"port {listening_port} on 127.0.0.1 is taken; choose another with "
                                 f"--port, e.g. jamfor demo --port {listening_port + 1}")


def test_the_demo_command_exits_1_naming_the_taken_port_before_doing_anything(listening_port, tmp_path):
    home, db = tmp_path / "home", tmp_path / "demo.db"
    result = CliRunner().invoke(main, ["demo", "--port", str(listening_port), "--home", str(home),
                                       "--db", f"sqlite:///{db}"])
    assert result.exit_code == 1
    assert "is taken" in result.output and "--port" in result.output
    assert not home.exists() and not db.exists()


def _read_until(process: subprocess.Popen, marker: str, timeout: float) -> str:
    """The child's output up to the line holding ``marker`` (fails on exit or timeout)."""
    deadline = time.monotonic() + timeout
    seen = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"jamfor demo exited with {process.wait()}:\n{''.join(seen)}")
        seen.append(line)
        if marker in line:
            return "".join(seen)
    pytest.fail(f"no {marker!r} within {timeout:.0f} s:\n{''.join(seen)}")


@pytest.mark.superset
def test_a_second_demo_run_skips_seeding_and_registering_and_ctrl_c_stops_superset(
        tmp_path, monkeypatch, superset_template):
    # The home starts initialised (as after any earlier demo run): Superset's own db upgrade is not ours.
    home = home_from_template(superset_template, tmp_path / "superset-demo")
    db_url, port = f"sqlite:///{tmp_path / 'demo.db'}", free_port()
    # Both runs read the same copy of the asset files, whatever happens to the checkout meanwhile.
    assets = tmp_path / "assets"
    for folder in ("datasets", "dashboards"):
        shutil.copytree(assets_root() / folder, assets / folder)
    monkeypatch.setenv(ENV_ASSETS, str(assets))
    registered: list[tuple[str, str]] = []

    with demo(DemoSettings(port, home, db_url, mode="editable"),
              register=lambda instance, assets, uri, on_step, stamp: registered.append((uri, stamp.mode))
              ) as first:
        assert first.registered and len(first.seeded) >= 4
        assert first.instance.url == f"http://127.0.0.1:{port}"
    assert registered == [(f"sqlite:///{(tmp_path / 'demo.db').resolve()}", "editable")]
    check_port_free(port)  # stopped: the port is free again
    batches = batch_status(engine_for(db_url))
    assert any(b.synthetic for b in batches) and any(not b.synthetic for b in batches)

    started = time.monotonic()
    child = subprocess.Popen(
        [str(Path(sys.executable).with_name("jamfor")), "demo", "--port", str(port), "--home", str(home),
         "--db", db_url, "--mode", "editable"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "COLUMNS": "200"})
    try:
        output = _read_until(child, "Ctrl-C", timeout=300)
        ready_after = time.monotonic() - started
        child.send_signal(signal.SIGINT)
        rest = child.communicate(timeout=60)[0]
    finally:
        if child.poll() is None:
            child.kill()
    print(f"second run ready after {ready_after:.1f} s")
    assert f"http://127.0.0.1:{port}" in output
    # registered editable by the first run: the same mode again needs no registration
    assert "(unchanged)" in output and "unchanged since the last run" in output
    assert (home / "admin_password").read_text().strip() in output
    assert child.returncode == 0, rest
    assert "Superset has stopped." in rest
    check_port_free(port)
