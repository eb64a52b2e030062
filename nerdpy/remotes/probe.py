"""A manifest HEAD over the standard library, for a pull whose image is already here.

`import requests` alone costs about 100 ms (and `http.client` 15 ms, most of it the
email package); Docker's pull of a present image is one request. This module sends
that one HEAD over a plain socket (TLS via `ssl`), reads only the response head
(capped), and answers only "the registry's digest is X" or None. None means "use the full client": any status
but 200 (a 401 without a cached token, a redirect, an error), no digest header,
a transport or TLS failure. It never authenticates: it sends a Bearer token the
full client cached earlier (nerdpy.remotes.tokens) or nothing, so no credentials
ever travel over it. TLS verifies against the same CA bundle requests uses
(certifi plus certs.d) with the certs.d client certificate; endpoints that skip
verification (--insecure-registry over HTTPS) and proxied registries are left to
requests.
"""

from __future__ import annotations

from typing import Any

from nerdpy.remotes import ACCEPT, Endpoint, check_digest, pull_scope
from nerdpy.remotes.hosts import split_host
from nerdpy.remotes.transport import Transport

TIMEOUT_S = 10.0
MAX_HEAD = 64 * 1024


def head_manifest_digest(endpoint: Endpoint, transport: Transport, repo: str, reference: str) -> str | None:
    """The digest the registry gives for `repo:reference`, or None when the full client must decide."""
    if transport.proxy or (endpoint.insecure and endpoint.scheme == "https"):
        return None
    token = transport.tokens.get(endpoint.name, pull_scope(repo)) if transport.tokens is not None else None
    headers = [f"Host: {endpoint.host}", f"Accept: {ACCEPT}", "User-Agent: nerdpy", "Connection: close"]
    if token is not None:
        if any(c in token[0] for c in "\r\n\0"):
            return None  # never let a stored value shape the request
        headers.append("Authorization: Bearer " + token[0])
    request = f"HEAD /v2/{repo}/manifests/{reference} HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n"
    try:
        status, digest = _exchange(endpoint, transport, request.encode())
    except Exception:  # noqa: BLE001 - any failure (socket, TLS, protocol): the full client retries and reports
        return None
    if status != 200:
        return None
    try:
        return check_digest(digest)
    except Exception:  # noqa: BLE001 - a missing or odd digest: the full client decides
        return None


def _exchange(endpoint: Endpoint, transport: Transport, request: bytes) -> tuple[int, str]:
    """Send one HEAD, read the response head: (status, Docker-Content-Digest or "")."""
    import socket

    host, port = split_host(endpoint.host)
    sock = socket.create_connection((host, port or (80 if endpoint.scheme == "http" else 443)), timeout=TIMEOUT_S)
    try:
        if endpoint.scheme == "https":
            sock = _tls(transport).wrap_socket(sock, server_hostname=host)
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk or len(head) > MAX_HEAD:
                raise ValueError("truncated or oversized response head")
            head += chunk
    finally:
        sock.close()
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    version, status, *_ = lines[0].split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise ValueError("not an HTTP/1.x response")
    digest = ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "docker-content-digest":
            digest = value.strip()
    return int(status), digest


def _tls(transport: Transport) -> Any:
    import ssl

    context = ssl.create_default_context(cafile=transport.verify())
    if transport.client_cert is not None:
        context.load_cert_chain(*transport.client_cert)
    return context
