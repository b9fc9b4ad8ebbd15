"""Superset users for jamfor's own purposes: the demo's reader and analyst, and the short-lived users
register checks access with.

Why check users rather than an organisation's people: register must prove what a member of a role
sees without anyone's password. It activates a user of its own per kind of check
(``jamfor-kontroll-<purpose>``) holding exactly the roles to check, with a new random password that
lives only in this process (never printed, redacted from every error), signs in as that user, checks,
and deactivates the user again, also when a check fails. Deactivated, not deleted: Superset keeps the
SQL Lab queries a user ran and refuses to delete a user who has any; one inactive user per purpose,
reused by every run, is what remains. Inside Superset
(``superset jamfor register``) the sign-in is a token for the user instead (``InProcessSuperset``), so
the same checks also run under LDAP or single sign-on, where a password sign-in over REST is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jamfor.errors import JamforError
from jamfor.superset.sync.client import SupersetClient, rison_str

USERS_PATH = "/api/v1/security/users/"


def role_ids(client: SupersetClient, names: Sequence[str]) -> list[int]:
    """Superset's ids of the roles ``names`` (JamforError naming a missing one)."""
    ids = []
    for name in names:
        query = f"(filters:!((col:name,opr:eq,value:{rison_str(name)})))"
        found = client.request("GET", "/api/v1/security/roles/", f"role {name}", params={"q": query}).json()
        exact = [r for r in found["result"] if r["name"] == name]
        if not exact:
            raise JamforError(f"Superset has no role {name!r}: register the roles first")
        ids.append(int(exact[0]["id"]))
    return ids


def find_user(client: SupersetClient, username: str) -> int | None:
    query = f"(filters:!((col:username,opr:eq,value:{rison_str(username)})))"
    found = client.request("GET", USERS_PATH, f"user {username}", params={"q": query}).json()["result"]
    return int(found[0]["id"]) if found else None


def ensure_user(client: SupersetClient, username: str, password: str, roles: Sequence[str],
                first_name: str = "jamfor", last_name: str = "") -> int:
    """Create the user, or set its password and roles and activate it when it exists; returns its id."""
    client.add_secret(password)
    body: dict[str, Any] = {"first_name": first_name, "last_name": last_name or username, "active": True,
                            "email": f"{username}@jamfor.invalid", "password": password,
                            "roles": role_ids(client, roles)}
    existing = find_user(client, username)
    if existing is None:
        return int(client.request("POST", USERS_PATH, f"create user {username}",
                                  json={**body, "username": username}).json()["id"])
    client.request("PUT", f"{USERS_PATH}{existing}", f"update user {username}", json=body)
    return existing


@dataclass(frozen=True)
class TemporaryUser:
    username: str
    roles: tuple[str, ...]
    client: SupersetClient  # signed in as the user


CHECK_USER = "jamfor-kontroll-{purpose}"


@contextmanager
def temporary_user(client: SupersetClient, purpose: str, roles: Sequence[str]) -> Iterator[TemporaryUser]:
    """A user holding exactly ``roles`` for the duration of the block, signed in; inactive afterwards."""
    username = CHECK_USER.format(purpose=purpose)
    password = secrets.token_urlsafe(24)
    user_id = ensure_user(client, username, password, roles, last_name="kontroll (aktiv bara under register)")
    try:
        yield TemporaryUser(username, tuple(roles), client.acting_as(username, password))
    finally:
        client.request("PUT", f"{USERS_PATH}{user_id}", f"deactivate user {username}", json={"active": False})
