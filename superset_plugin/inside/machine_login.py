"""Credentials Superset makes for a user in its own process, with no password and no login form.

Under single sign-on nobody has a Superset password, so what jamfor does unattended acts as a service
user in Superset's app context, the way Superset's own Alerts & Reports and thumbnails do:

- ``browser_cookies``: the session cookie Superset's ``MachineAuthProvider`` makes for a user (the
  class ``MACHINE_AUTH_PROVIDER_CLASS`` names), for `superset jamfor pdf`'s Chromium;
- ``issue_token``: a JWT access token for the REST API, for jamfor on another machine
  (``SUPERSET_TOKEN``), signed with the instance's JWT secret, as its own ``/api/v1/security/login`` does.

Both need Superset's app context (``superset jamfor …``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from jamfor.superset.inside.in_process import UnknownUser


def service_user(username: str) -> Any:
    """The active Superset user ``username`` (raises ``UnknownUser``)."""
    from superset import security_manager

    user = security_manager.find_user(username=username)
    if user is None or not user.is_active:
        raise UnknownUser(username)
    return user


def browser_cookies(user: Any) -> dict[str, str]:
    """Superset's session cookie for ``user``, from its configured machine-auth provider."""
    from superset.extensions import machine_auth_provider_factory

    return dict(machine_auth_provider_factory.instance.get_auth_cookies(user))


def issue_token(user: Any, days: int) -> tuple[str, datetime]:
    """A JWT access token for ``user``, valid for ``days``, and when it expires. It is revoked by
    deactivating the user (Flask-AppBuilder loads the user on every request) or changing the JWT secret."""
    from flask_jwt_extended import create_access_token

    lifetime = timedelta(days=days)
    token = create_access_token(identity=str(user.id), expires_delta=lifetime)
    return token, datetime.now(timezone.utc) + lifetime
