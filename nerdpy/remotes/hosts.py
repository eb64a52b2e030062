"""Map a registry name from a reference to the endpoint nerdpy connects to.

HTTPS with verification is the default. Plain HTTP (and unverified TLS) is
allowed only for loopback registries (localhost, 127.0.0.0/8, ::1; Docker treats
them as insecure implicitly; nerdpy tries HTTP first there) and for registries
listed as insecure (HTTPS without verification first, HTTP if the server speaks it).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from nerdpy.errors import InvalidArgument
from nerdpy.remotes import DOCKER_HUB, DOCKER_HUB_API, Endpoint


def split_host(name: str) -> tuple[str, int | None]:
    """("127.0.0.1", 5000) from "127.0.0.1:5000"; IPv6 literals come in brackets."""
    if name.startswith("["):
        host, _, rest = name[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif name.count(":") == 1:
        host, _, port = name.partition(":")
    else:
        host, port = name, ""
    if port and not port.isdigit():
        raise InvalidArgument(f"invalid registry address {name!r}")
    return host.lower(), int(port) if port else None


def is_loopback(name: str) -> bool:
    host, _ = split_host(name)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_insecure(name: str, insecure_registries: Iterable[str]) -> bool:
    """Loopback, or listed as insecure (exact "host:port", bare host, or an IP CIDR)."""
    if is_loopback(name):
        return True
    host, _ = split_host(name)
    for entry in insecure_registries:
        entry = entry.strip().lower()
        for prefix in ("http://", "https://"):
            entry = entry.removeprefix(prefix)
        entry = entry.rstrip("/")
        if entry in (name.lower(), host):
            return True
        if "/" in entry and _in_network(host, entry):
            return True
    return False


def _in_network(host: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def endpoint_for(name: str, insecure_registries: Iterable[str] = ()) -> Endpoint:
    """The endpoint of registry `name` (as it appears in a normalised reference)."""
    if name in (DOCKER_HUB, "index.docker.io", "registry-1.docker.io"):
        return Endpoint(DOCKER_HUB, DOCKER_HUB_API)
    split_host(name)  # validates
    if is_loopback(name):
        # Loopback traffic cannot be intercepted off-host: plain HTTP first (no TLS set-up
        # cost), HTTPS when the server turns out to speak only TLS.
        return Endpoint(name, name, "http", True)
    return Endpoint(name, name, "https", is_insecure(name, insecure_registries))


def registry_from_server(server: str) -> str:
    """A registry name from what users give `login`/`logout` (a URL or host)."""
    server = server.strip()
    for prefix in ("https://", "http://"):
        if server.startswith(prefix):
            server = server[len(prefix):]
    server = server.split("/", 1)[0]
    if not server:
        raise InvalidArgument("empty registry address")
    if server in ("index.docker.io", "registry-1.docker.io", "docker.io"):
        return DOCKER_HUB
    return server
