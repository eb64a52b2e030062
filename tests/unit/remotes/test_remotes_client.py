"""RegistryClient against small local HTTP servers (no mocks of requests)."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nerdpy.errors import DataCorrupted, NotFound, Unauthenticated, Unavailable
from nerdpy.remotes import Credentials, Endpoint
from nerdpy.remotes.client import RegistryClient
from tests.integration.registry_fake import FakeRegistry


class Scripted:
    """Answers each request with the next (status, headers, body) of a script."""

    def __init__(self, script):
        self.script = list(script)
        self.count = 0
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                status, headers, body = outer.script[min(outer.count, len(outer.script) - 1)]
                outer.count += 1
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def client(self, **kw):
        ep = Endpoint("127.0.0.1", f"127.0.0.1:{self.server.server_address[1]}", "http", True)
        return RegistryClient(ep, backoff=0.01, **kw)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    made = []

    def make(script):
        s = Scripted(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def test_transient_errors_are_retried(scripted):
    body = b'{"schemaVersion": 2}'
    s = scripted([(503, {}, b""), (429, {"Retry-After": "0"}, b""), (200, {"Content-Type": "x"}, body)])
    got, media_type, digest = s.client().get_manifest("r", "v1")
    assert got == body and s.count == 3 and digest == "sha256:" + hashlib.sha256(body).hexdigest()


def test_refused_credentials_are_not_told_to_log_in(scripted):
    challenge = (401, {"WWW-Authenticate": 'Basic realm="r"'}, b"")
    with pytest.raises(Unauthenticated) as anonymous:
        scripted([challenge]).client().ping()
    assert "nerdpy login" in (anonymous.value.hint or "")
    with pytest.raises(Unauthenticated, match="unauthorized") as refused:  # `login` with a wrong password
        scripted([challenge]).client(creds=Credentials("bob", "wrong")).ping()
    assert "login" not in (refused.value.hint or "") and "password" in (refused.value.hint or "")


def test_retries_are_bounded(scripted):
    s = scripted([(503, {}, b"")])
    with pytest.raises(Unavailable, match="503"):
        s.client(attempts=3).get_manifest("r", "v1")
    assert s.count == 3


def test_not_found_carries_the_registry_message(scripted):
    err = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}).encode()
    s = scripted([(404, {}, err)])
    with pytest.raises(NotFound, match="manifest unknown"):
        s.client().get_manifest("r", "v1")


def test_manifest_digest_header_must_match_the_body(scripted):
    s = scripted([(200, {"Docker-Content-Digest": "sha256:" + "0" * 64}, b"{}")])
    with pytest.raises(DataCorrupted):
        s.client().get_manifest("r", "v1")


def test_manifest_by_digest_must_match(scripted):
    s = scripted([(200, {}, b"{}")])
    with pytest.raises(DataCorrupted):
        s.client().get_manifest("r", "sha256:" + "1" * 64)


def test_manifest_size_cap_without_content_length_trust(scripted):
    s = scripted([(200, {}, b" " * (4 * 1048 * 1048 + 10))])
    with pytest.raises(DataCorrupted, match="too large|larger"):
        s.client().get_manifest("r", "v1")


@pytest.mark.parametrize("digest", ["sha256:../../etc", "md5:abc", "sha256:" + "A" * 64])
def test_invalid_digests_never_reach_the_network(scripted, digest):
    s = scripted([(200, {}, b"")])
    with pytest.raises(DataCorrupted):
        s.client().open_blob("r", digest)
    assert s.count == 0


def test_a_resume_answered_at_another_offset_restarts_from_zero(scripted):
    s = scripted([(206, {"Content-Range": "bytes 10-99/100"}, b"x" * 90), (200, {}, b"whole")])
    resp, start = s.client().open_blob("r", "sha256:" + "2" * 64, offset=5)
    assert start == 0 and resp.content == b"whole" and s.count == 2


def test_a_416_to_a_resume_restarts_from_zero(scripted):
    """A partial ingest as long as the blob asks for bytes past its end (issue 18)."""
    s = scripted([(416, {}, b""), (200, {}, b"whole")])
    resp, start = s.client().open_blob("r", "sha256:" + "2" * 64, offset=100)
    assert start == 0 and resp.content == b"whole" and s.count == 2


def test_a_range_nobody_asked_for_is_refused(scripted):
    s = scripted([(206, {"Content-Range": "bytes 10-99/100"}, b"x" * 90)])
    with pytest.raises(DataCorrupted, match="range nobody asked for"):
        s.client().open_blob("r", "sha256:" + "2" * 64)


def test_a_200_to_a_range_restarts_from_zero(scripted):
    s = scripted([(200, {}, b"whole")])
    resp, start = s.client().open_blob("r", "sha256:" + "2" * 64, offset=3)
    assert start == 0 and resp.content == b"whole"


def test_insecure_endpoint_falls_back_to_http_but_secure_does_not():
    reg = FakeRegistry().start()
    try:
        insecure = RegistryClient(Endpoint(reg.address, reg.address, "https", True))
        insecure.ping()
        assert insecure.base_url.startswith("http://")
        secure = RegistryClient(Endpoint(reg.address, reg.address, "https", False))
        with pytest.raises(Unavailable, match="TLS"):
            secure.ping()
    finally:
        reg.stop()


def test_connection_refused_is_unavailable():
    from tests.fixtures.images import free_port

    port = free_port()
    client = RegistryClient(Endpoint("x", f"127.0.0.1:{port}", "http", True), backoff=0.01)
    with pytest.raises(Unavailable, match="connection refused"):
        client.ping()


def test_loopback_registry_that_only_speaks_tls(tmp_path):
    """Loopback starts with plain HTTP; a TLS-only server makes the client switch to HTTPS."""
    import ssl
    import subprocess

    from nerdpy.remotes.hosts import endpoint_for

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    reg = FakeRegistry().start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    reg.server.socket = ctx.wrap_socket(reg.server.socket, server_side=True)
    try:
        client = RegistryClient(endpoint_for(reg.address), backoff=0.01)
        client.ping()
        assert client.base_url.startswith("https://")
    finally:
        reg.stop()


@pytest.mark.parametrize("url, same", [
    ("http://127.0.0.1:5057/v2/x", True), ("http://127.0.0.1:5057", True),
    ("http://127.0.0.1:50570/v2/x", False),  # a string prefix, another port
    ("http://127.0.0.1:5057@evil.example/v2/", False), ("https://127.0.0.1:5057/v2/", False),
    ("http://127.0.0.1:port/", False), ("http://localhost:5057/", False),
])
def test_same_origin_compares_scheme_host_port(url, same):
    from nerdpy.remotes.client import same_origin

    assert same_origin(url, "http://127.0.0.1:5057") is same
    assert same_origin("https://reg.example:443/v2/", "https://reg.example") and same_origin("https://REG.example/", "https://reg.example")
