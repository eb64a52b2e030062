"""Registry authentication: WWW-Authenticate challenges and the token flow.

A 401 carries one or more challenges. Bearer: ask the challenge's `realm` for a
token for `service` and `scope` (anonymously, with Basic credentials, or with an
identity token via an OAuth2 refresh grant); tokens are cached per scope set
until they expire. Basic: send the stored credentials, if any. Credentials are
never sent to a plain-http realm unless the registry itself is insecure.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from nerdpy.records import field, record
from typing import Any, Mapping
from urllib.parse import urlsplit

from nerdpy.errors import PermissionDenied, Unauthenticated, Unavailable
from nerdpy.remotes import MAX_TOKEN_SIZE, Credentials

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PARAM = re.compile(rf'\s*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))\s*')
_SCHEME = re.compile(rf"\s*({_TOKEN})(?:\s+|$)")
MIN_TOKEN_LIFETIME = 60.0
_PREFERENCE = {"bearer": 0, "basic": 1}


@record
class Challenge:
    scheme: str  # lower-case: "bearer", "basic", ...
    params: Mapping[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """All challenges in a WWW-Authenticate value, best (bearer) first; unknown ones kept last."""
    out: list[Challenge] = []
    pos = 0
    while pos < len(header):
        m = _SCHEME.match(header, pos)
        if m is None:
            break
        scheme, pos = m.group(1).lower(), m.end()
        params: dict[str, str] = {}
        while pos < len(header):
            p = _PARAM.match(header, pos)
            if p is None:
                break
            value = p.group(2) if p.group(2) is not None else p.group(3)
            params[p.group(1).lower()] = re.sub(r"\\(.)", r"\1", value)
            pos = p.end()
            if header.startswith(",", pos):
                pos += 1
        out.append(Challenge(scheme, params))
        while pos < len(header) and header[pos] in ", ":
            pos += 1
    return sorted(out, key=lambda c: _PREFERENCE.get(c.scheme, 9))


def basic_header(creds: Credentials) -> str:
    return "Basic " + base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()


@record(frozen=False)
class _Token:
    value: str
    expires: float


class Authorizer:
    """Authorization headers for one registry; thread-safe (pull fetches in parallel)."""

    def __init__(self, session: Any, creds: Credentials | None, insecure: bool,
                 tokens: Any = None, registry: str = "") -> None:
        self._session = session
        self.creds = creds
        self._insecure = insecure
        self._cache = tokens  # a TokenCache shared with later commands (and the pull probe)
        self._registry = registry
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], _Token] = {}
        self._challenge: Challenge | None = None

    def header(self, scopes: tuple[str, ...]) -> str | None:
        """The Authorization value to send before any challenge is seen (None: none)."""
        with self._lock:
            challenge = self._challenge
            token = self._tokens.get(scopes)
            if challenge is None:
                cached = self._cache.get(self._registry, scopes) if self._cache is not None else None
                return "Bearer " + cached[0] if cached else None
            if challenge.scheme == "basic":
                return basic_header(self.creds) if self.creds else None
            if token is not None and token.expires > time.monotonic():
                return "Bearer " + token.value
        return self._bearer(challenge, scopes)

    def answer(self, www_authenticate: str, scopes: tuple[str, ...]) -> str:
        """Answer a 401's challenges: the Authorization value to retry with."""
        challenges = parse_challenges(www_authenticate)
        usable = [c for c in challenges if c.scheme in _PREFERENCE]
        if not usable:
            raise Unauthenticated("registry requires an unsupported authentication scheme "
                                  f"({', '.join(c.scheme for c in challenges) or 'none given'})")
        challenge = usable[0]
        with self._lock:
            self._challenge = challenge
            self._tokens.pop(scopes, None)
        if challenge.scheme == "basic":
            if self.creds is None:
                raise Unauthenticated("unauthorized: authentication required", hint="run `nerdpy login` first")
            return basic_header(self.creds)
        return self._bearer(challenge, scopes)

    def _bearer(self, challenge: Challenge, scopes: tuple[str, ...]) -> str:
        realm = challenge.params.get("realm", "")
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Unauthenticated(f"invalid token realm {realm!r} in the registry's auth challenge")
        creds = self.creds
        if creds is not None and parts.scheme == "http" and not self._insecure:
            raise PermissionDenied(f"refusing to send credentials to the plain-http token realm {realm}",
                                   hint="the registry must use an https token server")
        all_scopes = list(scopes)
        extra = challenge.params.get("scope")
        if extra and extra not in all_scopes:
            all_scopes.append(extra)
        value, lifetime = self._fetch(realm, challenge.params.get("service"), all_scopes, creds)
        with self._lock:
            self._tokens[scopes] = _Token(value, time.monotonic() + max(lifetime, MIN_TOKEN_LIFETIME) - 5)
        if self._cache is not None:
            self._cache.put(self._registry, scopes, value, time.time() + lifetime)
        return "Bearer " + value

    def _fetch(self, realm: str, service: str | None, scopes: list[str],
               creds: Credentials | None) -> tuple[str, float]:
        import requests

        params: list[tuple[str, str]] = [("service", service)] if service else []
        params += [("scope", s) for s in scopes]
        try:
            if creds is not None and creds.is_identity_token:
                form = dict(params) | {"grant_type": "refresh_token", "refresh_token": creds.secret,
                                       "client_id": "nerdpy"}
                form["scope"] = " ".join(scopes)
                resp = self._session.post(realm, data=form, timeout=30, stream=True)
            else:
                headers = {"Authorization": basic_header(creds)} if creds else {}
                resp = self._session.get(realm, params=params, headers=headers, timeout=30, stream=True)
            with resp:
                body = resp.raw.read(MAX_TOKEN_SIZE + 1, decode_content=True)
                status = resp.status_code
        except requests.RequestException as exc:
            raise Unavailable(f"cannot reach token server {realm}: {_reason(exc)}") from None
        if status in (401, 403):
            raise Unauthenticated("unauthorized: incorrect username or password" if creds
                                  else "unauthorized: authentication required",
                                  hint=None if creds else "run `nerdpy login` first")
        if status != 200 or len(body) > MAX_TOKEN_SIZE:
            raise Unauthenticated(f"token server {realm} answered {status}")
        return _parse_token(body, realm)


def _parse_token(body: bytes, realm: str) -> tuple[str, float]:
    import json

    try:
        data = json.loads(body)
        value = data.get("token") or data.get("access_token")
        lifetime = float(data.get("expires_in") or MIN_TOKEN_LIFETIME)
    except (ValueError, AttributeError, TypeError):
        raise Unauthenticated(f"token server {realm} returned an invalid reply") from None
    if not isinstance(value, str) or not value:
        raise Unauthenticated(f"token server {realm} returned no token")
    return value, lifetime


def _reason(exc: BaseException) -> str:
    """A short cause for a requests error (the deepest message, without the object reprs)."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "certificate verify failed", "Temporary failure in name resolution", "No route to host"):
        if marker in text:
            return marker.lower() if marker != "Connection refused" else "connection refused"
    return type(exc).__name__
