"""What nerdpy promises about the network, as hostile containers try it.

- A container never reaches a service bound to the host's 127.0.0.1, even with raw
  frames (default CAP_NET_RAW): rootful through the bridge, rootless through
  slirp4netns's host-loopback address 10.0.2.2, whatever ports are published.
- A port published on 127.0.0.1 is for the host only: a neighbour on the same
  bridge cannot reach it.
- seccomp refuses socket(AF_VSOCK) and socket(AF_ALG) with EPERM.

The raw frames come from a static C probe (security_probe.c): busybox has no tool for them.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time

import pytest

from tests.conftest import requires
from tests.integration.security_probe import load_probe_image

pytestmark = [pytest.mark.integration, requires("runc", "slirp4netns", "tun", "nft", "userns")]


@pytest.fixture(scope="module")
def probe(nerdpy, images, tmp_path_factory) -> str:
    return load_probe_image(nerdpy, images, tmp_path_factory.mktemp("secprobe"))


class Listener:
    """A TCP server on the host that only counts the connections it accepts."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket()
        self.sock.bind((address, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def _name(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(3)}"


def _http_get(port: int, timeout: float = 10) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
                s.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
                return s.recv(64)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@requires("root")
def test_rootful_container_cannot_reach_host_loopback(nerdpy, probe) -> None:
    gateway = json.loads(nerdpy("network", "inspect", "bridge").stdout)[0]["IPAM"]["Config"][0]["Gateway"]
    web = _name("lo")
    # nerdpy picks the port: a port freed by the test could be taken meanwhile on a busy host.
    nerdpy("run", "-d", "--name", web, "-p", "127.0.0.1::80", probe, "httpd", "-f", "-p", "80", "-h", "/")
    port = int(nerdpy("port", web, "80/tcp").stdout.split(":")[-1])
    loopback, control = Listener("127.0.0.1"), Listener(gateway)
    try:
        assert _http_get(port).startswith(b"HTTP/1.")  # the host itself reaches it
        out = nerdpy("run", "--rm", probe, "sh", "-c",
                     f"/probe syn {gateway} {control.port}; /probe syn 127.0.0.1 {loopback.port}; "
                     f"/probe syn 127.0.0.1 {port}").stdout.split()
        # The probe works (the gateway address answers); 127.0.0.1 never does, nor the neighbour's port.
        assert out[0] == "answered", out
        assert out[1:] == ["silent", "silent"] and loopback.accepted == 0, out
    finally:
        loopback.close()
        control.close()
        nerdpy("rm", "-f", web)


@requires("rootless")
def test_rootless_udp_port_keeps_host_loopback_closed(nerdpy, probe) -> None:
    loopback = Listener("127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        udp_port = s.getsockname()[1]
    name = _name("udp")
    try:
        # NET_ADMIN: the container may rewrite its own netns's rules; raw frames skip them anyway.
        nerdpy("run", "-d", "--name", name, "--cap-add", "NET_ADMIN", "-p", f"127.0.0.1:{udp_port}:53/udp",
               probe, "/probe", "udpecho", "53")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)
            for _ in range(20):  # the echo server may not be up yet
                s.sendto(b"ping", ("127.0.0.1", udp_port))
                try:
                    assert s.recv(100) == b"pong:ping"
                    break
                except TimeoutError:
                    continue
            else:
                pytest.fail("no UDP answer through the published port")
        out = nerdpy("exec", name, "/probe", "syn", "10.0.2.2", str(loopback.port)).stdout.split()
        assert out in (["silent"], ["reset"]) and loopback.accepted == 0, out
    finally:
        loopback.close()
        nerdpy("rm", "-f", name)


def test_seccomp_refuses_vsock_and_alg_sockets(nerdpy, probe) -> None:
    out = nerdpy("run", "--rm", probe, "sh", "-c",
                 "/probe socket 40 1; /probe socket 38 5; /probe socket 1 1").stdout.split()
    assert out == ["errno=1", "errno=1", "ok"]  # AF_VSOCK, AF_ALG: EPERM; AF_UNIX still works
