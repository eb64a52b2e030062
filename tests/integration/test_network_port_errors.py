"""A port that cannot be published says why: taken, privileged (rootless), or an
address this host does not have — never "already allocated" for all three."""

from __future__ import annotations

import os
import socket

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 125 and len(lines) == 1, result
    return lines[0]


@requires("runc", "userns", "busybox", "tun")
def test_port_errors_say_what_happened(nerdpy, busybox_image):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        line = _one_line(nerdpy("run", "--rm", "-p", f"{port}:80", busybox_image, "true", check=False))
        assert f"cannot publish 0.0.0.0:{port}/tcp: port is already allocated" in line
    line = _one_line(nerdpy("run", "--rm", "-p", "192.0.2.55:8080:80", busybox_image, "true", check=False))
    assert "192.0.2.55 is not an address of this host" in line and "allocated" not in line
    if os.getuid() != 0:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            start = int(f.read())
        if start > 1:
            line = _one_line(nerdpy("run", "--rm", "-p", f"{start - 1}:80", busybox_image, "true", check=False))
            assert "net.ipv4.ip_unprivileged_port_start" in line and "allocated" not in line
