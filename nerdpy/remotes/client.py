"""`RegistryClient`: the distribution v2 HTTP API for one registry (requests, lazily).

Every request carries only the Authorization its scope needs, set per request
(never as a session default) so that requests drops it when a redirect leaves
the registry's host. Transient failures (connection errors, 429, 5xx) are
retried a bounded number of times with backoff. An insecure endpoint (loopback
or --insecure-registry) gets its own session without TLS verification and falls
back from HTTPS to HTTP only when the server turns out to speak plain HTTP.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from typing import Any, BinaryIO
from urllib.parse import urljoin

from nerdpy.errors import (DataCorrupted, InvalidArgument, NerdpyError, NotFound, PermissionDenied,
                           Unauthenticated, Unavailable)
from nerdpy.remotes import (ACCEPT, MAX_ERROR_BODY, MAX_MANIFEST_SIZE,
                            Credentials, Endpoint, check_digest, pull_scope)
from nerdpy.remotes.auth import Authorizer, _reason
from nerdpy.remotes.transport import Transport

_TRANSIENT = {408, 429, 500, 502, 503, 504}
_CHUNK = 1 << 20


def push_scope(repo: str, mount_from: str | None = None) -> tuple[str, ...]:
    scopes = (f"repository:{repo}:pull,push",)
    return scopes + ((f"repository:{mount_from}:pull",) if mount_from else ())


class RegistryClient:
    """HTTP calls against one registry endpoint; safe to share between threads."""

    def __init__(self, endpoint: Endpoint, creds: Credentials | None = None, *,
                 attempts: int = 3, backoff: float = 0.1, pool: int = 8, timeout: float = 60.0,
                 transport: Transport | None = None) -> None:
        import requests
        import requests.adapters

        self.endpoint = endpoint
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no .netrc leaks, no env proxies (CVE-2024-47081)
        transport = transport or Transport()
        # Insecure: no verification. Otherwise certifi's roots plus the registry's certs.d CAs.
        self.session.verify = False if endpoint.insecure else transport.verify()
        if transport.client_cert is not None:
            self.session.cert = transport.client_cert
        if transport.proxy:
            self.session.proxies = {"http": transport.proxy, "https": transport.proxy}
        if endpoint.insecure:  # chosen by the user (or loopback): no per-request warning on stderr
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = "nerdpy"
        self.session.max_redirects = 10
        self.auth = Authorizer(self.session, creds, endpoint.insecure, transport.tokens, endpoint.name)
        self._scheme = endpoint.scheme
        self._scheme_lock = threading.Lock()
        self._switched = False

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://{self.endpoint.host}"

    def close(self) -> None:
        self.session.close()

    # --- plumbing -------------------------------------------------------------------------

    def request(self, method: str, path: str, scopes: tuple[str, ...], *, ok: tuple[int, ...] = (200,),
                headers: dict[str, str] | None = None, data: Any = None, stream: bool = True,
                params: dict[str, str] | None = None, what: str = "") -> Any:
        """Send with auth and retries; return a response whose status is in `ok`, else raise."""
        replayable = data is None or isinstance(data, (bytes, str))
        auth = self.auth.header(scopes)
        answered = False
        attempt = 0
        while True:
            attempt += 1
            resp = self._send(method, path, auth, headers, data, stream, params, attempt, replayable)
            if resp is None:  # transient transport error, retrying
                continue
            if resp.status_code == 401 and not answered and replayable:
                challenge = resp.headers.get("WWW-Authenticate", "")
                resp.close()
                auth = self.auth.answer(challenge, scopes)
                answered = True
                continue
            if resp.status_code == 400 and self._speaks_only_tls(resp, path):
                continue
            if resp.status_code in _TRANSIENT and replayable and attempt < self.attempts:
                resp.close()
                time.sleep(self._delay(attempt, resp.headers.get("Retry-After")))
                continue
            if resp.status_code in ok:
                return resp
            raise self._error(resp, what or path)

    def _send(self, method: str, path: str, auth: str | None, headers: dict[str, str] | None, data: Any,
              stream: bool, params: dict[str, str] | None, attempt: int, replayable: bool) -> Any:
        import requests

        url = path if "://" in path else self.base_url + path
        hdrs = dict(headers or {})
        if auth and same_origin(url, self.base_url):
            hdrs["Authorization"] = auth
        try:
            return self.session.request(method, url, headers=hdrs, data=data, stream=stream, params=params,
                                        timeout=self.timeout, allow_redirects=method in ("GET", "HEAD"))
        except requests.exceptions.SSLError as exc:
            if self._may_switch(path, url, "https"):
                return None  # the server speaks plain HTTP: allowed for insecure hosts
            raise Unavailable(f"TLS failure talking to {self.endpoint.name}: {_reason(exc)}",
                              hint="for a registry without valid TLS use --insecure-registry") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            refused = "Connection refused" in str(exc)
            if not refused and self._may_switch(path, url, "http"):
                return None  # a loopback registry that only speaks TLS
            if attempt < self.attempts and replayable:
                time.sleep(self._delay(attempt, None))
                return None
            raise Unavailable(f"cannot reach registry {self.endpoint.name}: {_reason(exc)}") from None
        except requests.RequestException as exc:
            raise Unavailable(f"request to registry {self.endpoint.name} failed: {_reason(exc)}") from None

    def _speaks_only_tls(self, resp: Any, path: str) -> bool:
        """Go's answer to plain HTTP on a TLS port: "Client sent an HTTP request to an HTTPS server"."""
        if not self.endpoint.insecure or not resp.url.startswith("http://"):
            return False
        try:
            head = resp.raw.read(256, decode_content=True)
        except Exception:  # only a hint; the 400 stands
            return False
        if b"HTTPS server" not in head:
            resp._content, resp._content_consumed = head, True
            return False
        resp.close()
        return self._may_switch(path, resp.url, "http")

    def _may_switch(self, path: str, url: str, failed_scheme: str) -> bool:
        """Insecure endpoints only: switch scheme once after a protocol mismatch."""
        if not self.endpoint.insecure or "://" in path or not url.startswith(failed_scheme + "://"):
            return False
        with self._scheme_lock:
            if self._switched and self._scheme != failed_scheme:
                return True  # another thread switched already: retry with the new scheme
            if self._switched:
                return False
            self._switched = True
            self._scheme = "http" if failed_scheme == "https" else "https"
        return True

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), 5.0)
        return self.backoff * (2 ** (attempt - 1))

    def _error(self, resp: Any, what: str) -> NerdpyError:
        status = resp.status_code
        try:
            body = resp._content if resp._content_consumed else resp.raw.read(MAX_ERROR_BODY, decode_content=True)
        except Exception:  # the body is only decoration for the message
            body = b""
        finally:
            resp.close()
        detail = _error_detail(body)
        suffix = f": {detail}" if detail else ""
        if status == 404:
            return NotFound(f"{what}: not found{suffix}")
        if status == 401:
            # With credentials sent, "login first" would send a user who just logged in in circles.
            return Unauthenticated(f"{what}: unauthorized{suffix}",
                                   hint="the registry refused these credentials: check the username and password"
                                   if self.auth.creds is not None else "run `nerdpy login` first")
        if status == 403:
            return PermissionDenied(f"{what}: denied{suffix}")
        if status in _TRANSIENT:
            return Unavailable(f"{what}: registry {self.endpoint.name} answered {status}{suffix}")
        return InvalidArgument(f"{what}: registry {self.endpoint.name} answered {status}{suffix}")

    # --- the API ------------------------------------------------------------------------

    def ping(self) -> None:
        """GET /v2/ (with credentials if it asks): raises unless the registry accepts us."""
        self.request("GET", "/v2/", (), what=f"registry {self.endpoint.name}").close()

    def get_manifest(self, repo: str, reference: str, what: str = "",
                     max_size: int = MAX_MANIFEST_SIZE) -> tuple[bytes, str, str]:
        """(body, media type, digest) of a manifest or index, size-capped (`max_size`, at
        most MAX_MANIFEST_SIZE: a descriptor's size when one is known) and digest-checked."""
        max_size = min(max_size, MAX_MANIFEST_SIZE)
        if reference.startswith("sha256:") or ":" in reference:
            check_digest(reference)
        resp = self.request("GET", f"/v2/{repo}/manifests/{reference}", pull_scope(repo),
                            headers={"Accept": ACCEPT}, what=what or f"{repo}:{reference}")
        with resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_size:
                raise DataCorrupted(f"manifest of {what or reference} is too large ({declared} bytes)")
            body = _read_capped(resp, max_size, f"manifest of {what or reference}")
            media_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
            header_digest = resp.headers.get("Docker-Content-Digest")
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        expected = reference if reference.startswith("sha256:") else header_digest
        if expected and expected.startswith("sha256:") and expected != digest:
            raise DataCorrupted(f"manifest of {what or reference} does not match its digest {expected}",
                                hint="the registry or a proxy altered the manifest")
        return body, media_type, digest

    def open_blob(self, repo: str, digest: str, offset: int = 0) -> tuple[Any, int]:
        """A streaming response for a blob and the offset its body starts at.

        With `offset` > 0 a Range is asked for; a 206 must start exactly there;
        a 416 (the range is past the blob's end: stale partial data) or a 206
        at another offset restarts from zero; a plain 200 means the body starts at 0.
        """
        check_digest(digest)
        headers = {"Range": f"bytes={offset}-"} if offset else None
        resp = self.request("GET", f"/v2/{repo}/blobs/{digest}", pull_scope(repo),
                            ok=(200, 206, 416) if offset else (200, 206), headers=headers, what=f"blob {digest}")
        if resp.status_code == 416 or (resp.status_code == 206 and _range_start(resp) != offset):
            resp.close()
            if not offset:
                raise DataCorrupted(f"registry answered a download of {digest} with a range nobody asked for")
            return self.open_blob(repo, digest, 0)
        return resp, (offset if resp.status_code == 206 else 0)

    def blob_exists(self, repo: str, digest: str, scopes: tuple[str, ...] | None = None) -> bool:
        check_digest(digest)
        resp = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", scopes or pull_scope(repo), ok=(200, 404),
                            what=f"blob {digest}")
        resp.close()
        return resp.status_code == 200

    def manifest_exists(self, repo: str, digest: str) -> bool:
        """HEAD a manifest by digest (push scope: this is asked while pushing)."""
        check_digest(digest)
        resp = self.request("HEAD", f"/v2/{repo}/manifests/{digest}", push_scope(repo), ok=(200, 404),
                            headers={"Accept": ACCEPT}, what=f"manifest {digest}")
        resp.close()
        return resp.status_code == 200

    def start_upload(self, repo: str, digest: str, mount_from: str | None = None) -> str | None:
        """Begin an upload; None when the registry mounted the blob from `mount_from` instead."""
        params = {"mount": check_digest(digest), "from": mount_from} if mount_from else None
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/", push_scope(repo, mount_from), ok=(201, 202),
                            params=params, data=b"", what=f"upload to {repo}")
        resp.close()
        if resp.status_code == 201:
            return None
        return self._location(resp)

    def _location(self, resp: Any) -> str:
        location = resp.headers.get("Location")
        if not location:
            raise Unavailable(f"registry {self.endpoint.name} gave no upload location")
        # Relative to the answer's URL (an upload may continue at another server), per RFC 7231.
        return urljoin(resp.url, location)

    def upload_chunk(self, repo: str, location: str, chunk: bytes, start: int) -> str:
        end = start + len(chunk) - 1
        resp = self.request("PATCH", location, push_scope(repo), ok=(202, 204), data=chunk,
                            headers={"Content-Type": "application/octet-stream",
                                     "Content-Range": f"{start}-{end}"}, what=f"upload to {repo}")
        resp.close()
        return self._location(resp)

    def finish_upload(self, repo: str, location: str, digest: str, body: BinaryIO | bytes | None) -> None:
        sep = "&" if "?" in location else "?"
        resp = self.request("PUT", f"{location}{sep}digest={check_digest(digest)}", push_scope(repo),
                            ok=(201, 204), data=body if body is not None else b"",
                            headers={"Content-Type": "application/octet-stream"}, what=f"upload to {repo}")
        resp.close()

    def put_manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        resp = self.request("PUT", f"/v2/{repo}/manifests/{reference}", push_scope(repo), ok=(201, 200),
                            data=body, headers={"Content-Type": media_type}, what=f"{repo}:{reference}")
        resp.close()
        return resp.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(url: str, base: str) -> bool:
    """Scheme, host and port equal (RFC 6454): credentials go nowhere else.

    Not a string prefix: `http://127.0.0.1:50570/` starts with `http://127.0.0.1:5057`,
    and `http://host@evil/` with `http://host`. requests strips Authorization on
    redirects that change host, port or scheme itself.
    """
    from urllib.parse import urlsplit

    try:
        a, b = urlsplit(url), urlsplit(base)
        ports = (a.port or _DEFAULT_PORTS.get(a.scheme), b.port or _DEFAULT_PORTS.get(b.scheme))
    except ValueError:  # a port that is not a number
        return False
    return (a.scheme == b.scheme and a.username is None and a.password is None and a.hostname is not None
            and a.hostname == b.hostname and ports[0] == ports[1])


def _range_start(resp: Any) -> int | None:
    match = re.match(r"bytes (\d+)-", resp.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _read_capped(resp: Any, limit: int, what: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(65536):
        size += len(chunk)
        if size > limit:
            raise DataCorrupted(f"{what} is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _error_detail(body: bytes) -> str:
    try:
        errors = json.loads(body).get("errors") or []
        return "; ".join(str(e.get("message") or e.get("code")) for e in errors[:3])
    except (ValueError, AttributeError, TypeError):
        return ""
