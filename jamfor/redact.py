"""Credentials out of every URL jamfor prints, logs or stores: one rule for database, Kolada and
Superset URLs alike.

A URL can carry a secret in two places: its userinfo (``scheme://user:password@host``) and its query
or fragment (``?user=u&password=p``, ``#access_token=…``; libpq and many APIs read these). Both are
replaced by ``***``; the user name, host, path and every other parameter stay, so a message still says
which server and which database it means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
HIDDEN = "<URL hidden: cannot be parsed>"
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|credential|signature|^sig$", re.IGNORECASE)
_PARAM = re.compile(r"(^|[&;])([^=&;]*)=([^&;]*)")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def _is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(unquote(name)))


def _masked_params(text: str) -> str:
    return _PARAM.sub(lambda m: f"{m[1]}{m[2]}={MASK}" if _is_secret(m[2]) and m[3] else m[0], text)


def _split(url: str) -> tuple[str, str, str]:
    """``scheme://``, the authority (userinfo@host:port) and the rest, as written (nothing re-encoded)."""
    scheme, sep, after = url.partition("://")
    if not sep:
        return "", "", url
    end = min([i for i in (after.find(c) for c in "/?#") if i >= 0], default=len(after))
    return scheme + sep, after[:end], after[end:]


def redact_url(url: str) -> str:
    """``url`` without its secrets: the userinfo password and password-like parameter values become
    ``***``; the rest is kept as written. Anything that does not parse as a URL is hidden whole (it
    may still hold a secret)."""
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError for a malformed host part
    except ValueError:
        return HIDDEN
    prefix, authority, rest = _split(url)
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        authority = f"{user}:{MASK}@{host}" if colon else authority
    head, hash_, fragment = rest.partition("#")
    path, question, query = head.partition("?")
    return f"{prefix}{authority}{path}{question}{_masked_params(query)}{hash_}{_masked_params(fragment)}"


def url_secrets(url: str) -> list[str]:
    """The secret values ``url`` holds (as written and decoded), longest first, to scrub them from
    text that quotes them in another form, such as a driver's error message."""
    _prefix, authority, rest = _split(url)
    found = []
    userinfo = authority.rpartition("@")[0]
    if ":" in userinfo:
        found.append(userinfo.partition(":")[2])
    head, _, fragment = rest.partition("#")
    for text in (head.partition("?")[2], fragment):
        found += [m[3] for m in _PARAM.finditer(text) if _is_secret(m[2]) and m[3]]
    return sorted({v for s in found for v in (s, unquote(s)) if v}, key=len, reverse=True)


def _redact_match(match: re.Match[str]) -> str:
    """A URL found in running text, without the punctuation that ends the sentence around it."""
    url = match[0].rstrip(".,;:!?)]}")
    return redact_url(url) + match[0][len(url):]


def redact_text(text: str, urls: Iterable[str] = ()) -> str:
    """``text`` with every URL in it redacted and every secret of ``urls`` replaced by ``***``."""
    text = _URL_IN_TEXT.sub(_redact_match, text)
    for secret in sorted({s for url in urls for s in url_secrets(url)}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
