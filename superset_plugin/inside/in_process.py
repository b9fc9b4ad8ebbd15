"""The Superset this process runs in, behind the same interface as the REST ``SupersetClient``.

``superset jamfor register`` runs inside Superset's own CLI (app context, no web server needed). So
that it follows the one registration rule of ``jamfor.superset.sync.register.register`` — validate, import,
verify, record state — it needs what that rule asks of a client: find, export, chart data. Those go to
Superset's own REST endpoints in-process, through Flask's test client with a token for the acting
user (no password, no network); only the import differs: ``ImportAssetsCommand`` directly, so no
PREVENT_UNSAFE_DB_CONNECTIONS check stands in the way of an embedded SQLite warehouse.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from jamfor.errors import JamforError
from jamfor.superset.sync.client import ImportFailed, SupersetClient, SupersetError, unzip


class UnknownUser(JamforError):
    """No Superset user of this name: the import needs one to own what it creates."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"no Superset user {username!r}; pass --username with an existing admin")


class _AppSession:
    """The part of ``requests.Session`` the client uses, answered by ``app.test_client()``."""

    def __init__(self, app: Any) -> None:
        self.headers: dict[str, str] = {}
        self._app = app
        self._client = app.test_client()

    def request(self, method: str, url: str, *, params: Any = None, json: Any = None, data: Any = None,
                timeout: float | None = None, allow_redirects: bool = False) -> requests.Response:
        del timeout, allow_redirects  # in-process: no network to wait for, redirects are returned as is
        # A fresh app context per request, as a server gives: the caller's context (its ``g``, where
        # Flask-Login caches the user, and its database session) is not shared with the request.
        with self._app.app_context():
            answer = self._client.open(urlsplit(url).path, method=method, query_string=params, json=json,
                                       data=data, headers=self.headers)
            content = answer.get_data()
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = content  # noqa: SLF001 - how a Response is built by hand
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response.reason = answer.status.partition(" ")[2]
        response.url = url
        return response


class InProcessSuperset(SupersetClient):
    """``SupersetClient`` for the current Superset app, acting as ``username``."""

    def __init__(self, app: Any, user: Any) -> None:
        super().__init__("http://in-app")  # requests never leave the process: only the path is used
        self.user = user
        self.session = _AppSession(app)  # type: ignore[assignment]

    @classmethod
    def for_user(cls, username: str) -> InProcessSuperset:
        """Inside Superset's app context: a client acting as ``username`` (raises ``UnknownUser``)."""
        from flask import current_app
        from flask_jwt_extended import create_access_token
        from superset import security_manager

        user = security_manager.find_user(username=username)
        if user is None:
            raise UnknownUser(username)
        client = cls(current_app._get_current_object(), user)  # noqa: SLF001 - Flask's documented way
        client.username = username
        client._start(create_access_token(identity=str(user.id)))
        return client

    def acting_as(self, username: str, password: str) -> InProcessSuperset:
        """The same app, acting as ``username`` through a token: no password sign-in, so this works
        whatever AUTH_TYPE the Superset uses (``password`` is not needed)."""
        del password
        return InProcessSuperset.for_user(username)

    def import_assets(self, bundle: bytes, passwords: dict[str, str] | None = None) -> None:
        """``ImportAssetsCommand`` on the bundle, as ``self.user`` (owner of what it creates)."""
        from superset.commands.exceptions import CommandException, CommandInvalidError
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        try:
            with override_user(self.user):
                ImportAssetsCommand(unzip(bundle), passwords=passwords or {}).run()
        except CommandInvalidError as exc:
            raise SupersetError(self._redact(str(exc.normalized_messages())), action="import") from None
        except CommandException as exc:
            cause = exc.__cause__  # in-process the real exception is at hand (over REST only in the log)
            detail = self._redact(f"{type(cause).__name__}: {cause}") if cause else ""
            raise ImportFailed(self._redact(str(exc)), None, detail) from None
