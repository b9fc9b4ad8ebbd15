"""A real OpenID Connect provider on 127.0.0.1: panva's ``oidc-provider`` (npm, OpenID Certified), run
by ``tests/support/oidc/provider.mjs`` with Node.js.

Why that one: it is a complete, certified OP (discovery, JWKS, authorization code flow, ID tokens) that
starts in a second from one small script; the Python OPs (idpyoidc's server) need far more
configuration for the same flow. Its packages are pinned in ``tests/support/oidc/package-lock.json``
and installed with ``npm ci`` (``make oidc-deps``). Users and their groups come from the test; the
provider issues them as Azure AD does (``oid``, ``upn``, app roles in ``roles``) and as ``groups``.
"""

from __future__ import annotations

import importlib.util
import json
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from jamfor.superset.runtime.local_superset import free_port, stop
from support.databases import unavailable

FOLDER = Path(__file__).resolve().parent / "oidc"


@dataclass(frozen=True)
class OidcUser:
    login: str
    password: str
    given_name: str
    family_name: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"OidcProvider(issuer={self.issuer!r}, client_id={self.client_id!r})"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


@contextmanager
def oidc_provider(log: Path, users: list[OidcUser], redirect_uris: list[str]) -> Iterator[OidcProvider]:
    """The provider at http://127.0.0.1:<free port>, with one confidential client for ``redirect_uris``."""
    if importlib.util.find_spec("authlib") is None:
        unavailable("authlib is not installed: the signin extra (pip install -e '.[signin]')")
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (the OIDC provider of the sign-in tests runs on it)")
    if not (FOLDER / "node_modules" / "oidc-provider").exists():
        unavailable("the OIDC provider's packages are not installed: make oidc-deps")
    port = free_port()
    client = {"client_id": "superset", "client_secret": secrets.token_urlsafe(32),
              "redirect_uris": redirect_uris}
    people = {u.login: {"password": u.password, "given_name": u.given_name, "family_name": u.family_name,
                        "email": f"{u.login}@kommun.example.se", "groups": list(u.groups)} for u in users}
    env = {"PATH": "/usr/bin:/bin", "OIDC_PORT": str(port), "OIDC_CLIENT": json.dumps(client),
           "OIDC_USERS": json.dumps(people)}
    handle = log.open("w")
    process = subprocess.Popen([node, str(FOLDER / "provider.mjs")], cwd=FOLDER, env=env, stdout=handle,
                               stderr=subprocess.STDOUT, start_new_session=True)
    provider = OidcProvider(f"http://127.0.0.1:{port}", client["client_id"], client["client_secret"])
    try:
        _wait(provider, process, log)
        yield provider
    finally:
        stop(process)
        handle.close()


def _wait(provider: OidcProvider, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited with {process.returncode}; see {log}")
        try:
            if requests.get(provider.metadata_url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the OIDC provider did not answer within 30 s; see {log}")
