"""A small misbehaving registry for the registry tests (http.server in a thread).

It serves manifests and blobs from dicts and can be told to: corrupt a blob,
serve any manifest body/content type, require Basic or Bearer auth (with its
own token endpoint), throttle blob bodies, redirect blob GETs to another
server, or send blob uploads elsewhere (`upload_location`; uploads are
accepted and dropped). Every request is recorded (method, path, headers) for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeRegistry:
    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    corrupt: dict[str, bytes] = field(default_factory=dict)  # digest -> bytes served instead
    auth: str | None = None  # None, "basic" or "bearer"
    users: dict[str, str] = field(default_factory=lambda: {"alice": "s3cret"})
    anonymous_tokens: bool = False
    throttle: float = 0.0  # blob bytes per second (0: unthrottled)
    redirect_blobs_to: str | None = None  # "http://host:port" of another FakeRegistry
    ignore_range: bool = False
    drop_after: int = 0  # >0: a blob GET without Range sends this many bytes, then hangs up
    # A blob GET without Range of this digest sends every byte, then stalls (announcing one
    # more) until `released` is set: the client holds the whole blob but has not committed it.
    stall_blob: str = ""
    released: threading.Event = field(default_factory=threading.Event)
    seen: list[Seen] = field(default_factory=list)
    host: str = "127.0.0.1"
    port_wanted: int = 0  # 0: any free port
    upload_location: str | None = None  # Location of an upload (default: this server)

    def start(self) -> "FakeRegistry":
        registry = self

        class Handler(_Handler):
            reg = registry

        self.server = ThreadingHTTPServer((self.host, self.port_wanted), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, repo: str, tag: str, target: Any) -> None:
        """Serve a tests.fixtures.images Image or Index under repo:tag."""
        images = getattr(target, "images", None)
        top = target.index if images is not None else target.manifest
        for image in images if images is not None else (target,):
            self.blobs[image.config.digest] = image.config.data
            for layer in image.layers:
                self.blobs[layer.digest] = layer.data
            self.manifests[(repo, image.digest)] = (image.manifest.data, image.manifest.media_type)
        self.manifests[(repo, tag)] = (top.data, top.media_type)
        self.manifests[(repo, top.digest)] = (top.data, top.media_type)

    def requests_for(self, fragment: str, method: str = "GET") -> list[Seen]:
        return [s for s in self.seen if fragment in s.path and s.method == method]


class _Handler(BaseHTTPRequestHandler):
    reg: FakeRegistry
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _error(self, status: int, code: str) -> None:
        body = json.dumps({"errors": [{"code": code, "message": code.lower().replace("_", " ")}]}).encode()
        self._send(status, body, {"Content-Type": "application/json"})

    def _authorized(self, repo: str) -> bool:
        reg = self.reg
        header = self.headers.get("Authorization", "")
        if reg.auth is None:
            return True
        if reg.auth == "basic":
            if header.startswith("Basic ") and _basic_ok(header, reg.users):
                return True
            self._send(401, b"", {"WWW-Authenticate": 'Basic realm="fake"'})
            return False
        if header.startswith("Bearer tok-"):
            return True
        realm = f"http://{reg.address}/token"
        scope = f',scope="repository:{repo}:pull"' if repo else ""
        self._send(401, b"", {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake"{scope}'})
        return False

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        reg = self.reg
        reg.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
        path = self.path.split("?", 1)[0]
        if path == "/token":
            return self._token()
        if path.startswith("/blob/"):  # redirect target
            return self._blob(path[len("/blob/"):])
        if path == "/v2/":
            if self._authorized(""):
                self._send(200, b"{}", {"Content-Type": "application/json"})
            return None
        m = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", path)
        if m is None:
            return self._error(404, "NOT_FOUND")
        repo, kind, ref = m.groups()
        if not self._authorized(repo):
            return None
        if kind == "manifests":
            found = reg.manifests.get((repo, ref))
            if found is None:
                return self._error(404, "MANIFEST_UNKNOWN")
            body, media_type = found
            return self._send(200, body, {"Content-Type": media_type,
                                          "Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()})
        if reg.redirect_blobs_to:
            return self._send(307, b"", {"Location": f"{reg.redirect_blobs_to}/blob/{ref}"})
        return self._blob(ref)

    def do_POST(self) -> None:
        reg = self.reg
        reg.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        m = re.match(r"^/v2/(.+)/blobs/uploads/", self.path)
        if m is None:
            return self._error(404, "NOT_FOUND")
        if self._authorized(m.group(1)):
            location = reg.upload_location or f"/v2/{m.group(1)}/blobs/uploads/u1"
            self._send(202, b"", {"Location": location, "Range": "0-0"})
        return None

    def do_PATCH(self) -> None:  # and PUT: every upload step lands here, accepted, nothing kept
        reg = self.reg
        reg.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(202 if self.command == "PATCH" else 201, b"", {"Location": self.path.split("?")[0]})

    do_PUT = do_PATCH

    def _token(self) -> None:
        reg = self.reg
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            if not _basic_ok(header, reg.users):
                return self._send(401, b'{"details":"bad credentials"}')
            user = base64.b64decode(header[6:]).decode().split(":", 1)[0]
        elif reg.anonymous_tokens:
            user = "anonymous"
        else:
            return self._send(401, b'{"details":"authentication required"}')
        body = json.dumps({"token": f"tok-{user}", "expires_in": 300}).encode()
        self._send(200, body, {"Content-Type": "application/json"})

    def _blob(self, digest: str) -> None:
        reg = self.reg
        data = reg.corrupt.get(digest, reg.blobs.get(digest))
        if data is None:
            return self._error(404, "BLOB_UNKNOWN")
        start = 0
        rng = self.headers.get("Range")
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}
        status = 200
        if rng and not reg.ignore_range:
            start = int(re.match(r"bytes=(\d+)-", rng).group(1))  # type: ignore[union-attr]
            if start >= len(data):  # as distribution answers a range past the end
                return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        headers["Content-Length"] = str(len(body))
        stall = digest == reg.stall_blob and not rng
        if stall:
            headers["Content-Length"] = str(len(body) + 1)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        step = 32768
        if reg.drop_after and not rng:
            body = body[:reg.drop_after]
            self.close_connection = True  # hang up short of Content-Length
        for i in range(0, len(body), step):
            try:
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if reg.throttle:
                time.sleep(step / reg.throttle)
        if stall:
            reg.released.wait(60)
            self.close_connection = True


def _basic_ok(header: str, users: dict[str, str]) -> bool:
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return users.get(user) == password


@pytest.fixture
def fake() -> Iterator[FakeRegistry]:
    """A started FakeRegistry (import this fixture into a test module to use it)."""
    reg = FakeRegistry().start()
    yield reg
    reg.stop()
